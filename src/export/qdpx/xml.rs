//! Small helpers for writing `project.qde` with quick-xml into any `Write` (the zip entry): start,
//! empty and end tags with escaped attributes, text elements, and wrappers that are opened only
//! when their first child comes, since the schema forbids an empty one.

use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

/// Attributes and texts are written XML-safe (`xml_safe`) and escaped by quick-xml.
pub use crate::codebook::qdc::{attribute as attr, xml_safe};

fn element<'a>(name: &'a str, attrs: &[(&'a str, &str)]) -> BytesStart<'a> {
    let mut element = BytesStart::new(name);
    for (key, value) in attrs {
        element.push_attribute(attr(key, value));
    }
    element
}

pub fn start<W: Write>(w: &mut Writer<W>, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
    w.write_event(Event::Start(element(name, attrs)))
}

pub fn empty<W: Write>(w: &mut Writer<W>, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
    w.write_event(Event::Empty(element(name, attrs)))
}

pub fn end<W: Write>(w: &mut Writer<W>, name: &str) -> std::io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}

/// An element holding text, escaped (`\r` included, so line breaks survive as typed).
pub fn text<W: Write>(w: &mut Writer<W>, name: &str, content: &str) -> std::io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(&xml_safe(content)))?;
    Ok(())
}

/// A wrapper element (`<Cases>`, `<Sources>`, `<Notes>`) written as its children stream past:
/// the schema wants at least one child in each, and whether there is one is known only once
/// the scan finds it.
pub struct Wrapper {
    name: &'static str,
    open: bool,
}

impl Wrapper {
    pub fn new(name: &'static str) -> Self {
        Wrapper { name, open: false }
    }

    /// Call before writing each child: opens the wrapper the first time.
    pub fn child<W: Write>(&mut self, w: &mut Writer<W>) -> std::io::Result<()> {
        if !self.open {
            start(w, self.name, &[])?;
            self.open = true;
        }
        Ok(())
    }

    /// Closes the wrapper if any child was written; writes nothing otherwise.
    pub fn close<W: Write>(self, w: &mut Writer<W>) -> std::io::Result<()> {
        if self.open { end(w, self.name) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(xml_safe("a\u{1}b\u{FFFF}\tc\r\n😀"), "a\u{FFFD}b\u{FFFD}\tc\r\n😀");
        assert!(matches!(xml_safe("plain <text> & more"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_and_attributes_are_escaped_by_quick_xml() {
        let mut w = Writer::new(Vec::new());
        start(&mut w, "Note", &[("name", "a \"quoted\" <name>\nnext")]).unwrap();
        text(&mut w, "PlainTextContent", "x < y & z\r\n]]>").unwrap();
        end(&mut w, "Note").unwrap();
        let xml = String::from_utf8(w.into_inner()).unwrap();
        assert_eq!(
            xml,
            "<Note name=\"a &quot;quoted&quot; &lt;name&gt;&#10;next\">\
             <PlainTextContent>x &lt; y &amp; z&#13;\n]]&gt;</PlainTextContent></Note>"
        );
    }

    #[test]
    fn a_wrapper_without_children_writes_nothing() {
        let mut w = Writer::new(Vec::new());
        Wrapper::new("Cases").close(&mut w).unwrap();
        let mut sources = Wrapper::new("Sources");
        for guid in ["a", "b"] {
            sources.child(&mut w).unwrap();
            empty(&mut w, "TextSource", &[("guid", guid)]).unwrap();
        }
        sources.close(&mut w).unwrap();
        let xml = String::from_utf8(w.into_inner()).unwrap();
        assert_eq!(xml, "<Sources><TextSource guid=\"a\"/><TextSource guid=\"b\"/></Sources>");
    }
}
