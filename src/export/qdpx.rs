//! REFI-QDA project export (`.qdpx`, QDA-XML project 1.0): a zip with `project.qde`, valid
//! against `Project.xsd`, and each text source as `sources/<guid>.txt`, so that a survey's open
//! answers, their codings, memos and the respondents' closed answers open in other QDA software.
//!
//! In `project.qde`, in the order the schema requires: `<Users>` (coders of the exported codings
//! and memo authors), `<CodeBook>` (as in the `.qdc` export, same guids), `<Variables>` (one per
//! closed question, one per matrix row), `<Cases>` (one per complete response, with its values
//! and its sources), `<Sources>` (one `<TextSource>` per answer or per respondent, with a
//! `<PlainTextSelection>` and `<Coding>` per coding), `<Notes>` (every memo), the project's
//! `<Description>` and `<NoteRef>`s to the journal. An empty wrapper is left out, as the schema
//! wants at least one child in each. Guids derive from ids and everything comes in a fixed order,
//! so exporting the same data twice gives the same bytes.

mod archive;
mod project;
mod rows;
mod sources;
mod variables;

use std::borrow::Cow;
use std::io::{Seek, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use rusqlite::Connection;

use crate::codebook::qdc::{attribute, write_codes};
use crate::coding::layers::Layer;
use crate::db::DbError;
use project::{Project, Selection, Source};

/// The namespace of a REFI-QDA project.
pub const NAMESPACE: &str = "urn:QDA-XML:project:1.0";

/// What one text source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourcePer {
    /// One source per open answer, its text exactly as stored.
    #[default]
    Answer,
    /// One source per respondent: their open answers in survey order, each under a heading line
    /// (`CODE: question text`), separated by an empty line; positions are offset to match.
    Respondent,
}

/// How to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QdpxOptions {
    pub source_per: SourcePer,
    /// Which codings become coded selections. `Default` takes them all: every coder's codings
    /// and the consensus, each selection with its coder as `creatingUser`. `Union` is every
    /// coder's, `Coder(id)` one coder's, `Consensus` the consensus of reconciled answers, and
    /// `Intersection` the coders' codings of codes every coder who finished the answer applied.
    pub layer: Layer,
}

impl Default for QdpxOptions {
    fn default() -> Self {
        QdpxOptions { source_per: SourcePer::Answer, layer: Layer::Default }
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("could not write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("could not write project.qde: {0}")]
    Xml(#[source] std::io::Error),
    #[error("there is no survey {0}")]
    SurveyNotFound(i64),
    #[error("survey {survey_id} has no codebook {codebook_id}")]
    CodebookNotFound { survey_id: i64, codebook_id: i64 },
}

/// Writes the project (a zip with project.qde and the text sources) for a survey and one of its
/// codebooks: the codebook's published version, or its draft if it was never published.
pub fn write_qdpx<W: Write + Seek>(
    conn: &Connection,
    survey_id: i64,
    codebook_id: i64,
    options: &QdpxOptions,
    out: W,
) -> Result<(), ExportError> {
    let project = project::load(conn, survey_id, codebook_id, options)?;
    let qde = project_qde(&project).map_err(ExportError::Xml)?;
    // Entries carry the time of the latest change exported, not of the export: same data, same bytes.
    let mut zip = archive::Archive::new(out, project.modified)?;
    let mut entry = zip.stream("project.qde")?;
    entry.write_all(&qde)?;
    entry.finish()?;
    for source in &project.sources {
        zip.add(&format!("sources/{}.txt", source.guid), source.text.as_bytes())?;
    }
    zip.finish()?;
    Ok(())
}

type Xml = Writer<Vec<u8>>;

/// `project.qde`, as UTF-8 bytes.
fn project_qde(project: &Project) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("Project");
    root.push_attribute(("xmlns", NAMESPACE));
    root.push_attribute(attr("name", &project.name));
    root.push_attribute(("origin", "fieldwork"));
    if let Some(created) = &project.created {
        root.push_attribute(attr("creationDateTime", created));
    }
    if let Some(modified) = project.modified {
        root.push_attribute(attr("modifiedDateTime", &crate::db::rfc3339(modified)));
    }
    w.write_event(Event::Start(root))?;

    if !project.users.is_empty() {
        start(&mut w, "Users", &[])?;
        for user in &project.users {
            empty(&mut w, "User", &[("guid", &user.guid), ("name", &user.name), ("id", &user.email)])?;
        }
        end(&mut w, "Users")?;
    }
    // A codebook without codes has no `<CodeBook>`: the schema wants one `<Code>` at least.
    let codes = if project.codebook.codes.is_empty() {
        Default::default()
    } else {
        start(&mut w, "CodeBook", &[])?;
        let codes = write_codes(&mut w, &project.codebook, &project.code_notes)?;
        end(&mut w, "CodeBook")?;
        codes
    };
    if !project.variables.is_empty() {
        start(&mut w, "Variables", &[])?;
        for v in &project.variables {
            start(&mut w, "Variable", &[("guid", &v.guid), ("name", &v.name), ("typeOfVariable", v.kind.as_str())])?;
            text(&mut w, "Description", &v.description)?;
            end(&mut w, "Variable")?;
        }
        end(&mut w, "Variables")?;
    }
    if !project.cases.is_empty() {
        start(&mut w, "Cases", &[])?;
        for case in &project.cases {
            start(&mut w, "Case", &[("guid", &case.guid), ("name", &case.name)])?;
            for (variable, kind, value) in &case.values {
                start(&mut w, "VariableValue", &[])?;
                empty(&mut w, "VariableRef", &[("targetGUID", variable)])?;
                text(&mut w, kind.value_element(), value)?;
                end(&mut w, "VariableValue")?;
            }
            for source in &case.sources {
                empty(&mut w, "SourceRef", &[("targetGUID", source)])?;
            }
            end(&mut w, "Case")?;
        }
        end(&mut w, "Cases")?;
    }
    if !project.sources.is_empty() {
        start(&mut w, "Sources", &[])?;
        for source in &project.sources {
            text_source(&mut w, source, &codes)?;
        }
        end(&mut w, "Sources")?;
    }
    if !project.notes.is_empty() {
        start(&mut w, "Notes", &[])?;
        for note in &project.notes {
            let mut attrs = vec![("guid", note.guid.as_str()), ("name", &note.name)];
            attrs.extend(note.user.as_deref().map(|u| ("creatingUser", u)));
            attrs.extend(note.created.as_deref().map(|c| ("creationDateTime", c)));
            start(&mut w, "Note", &attrs)?;
            text(&mut w, "PlainTextContent", &note.text)?;
            end(&mut w, "Note")?;
        }
        end(&mut w, "Notes")?;
    }
    text(&mut w, "Description", &project.description)?;
    for note in &project.project_notes {
        empty(&mut w, "NoteRef", &[("targetGUID", note)])?;
    }
    end(&mut w, "Project")?;
    Ok(w.into_inner())
}

fn text_source(
    w: &mut Xml,
    source: &Source,
    codes: &std::collections::BTreeMap<String, String>,
) -> std::io::Result<()> {
    let path = format!("internal://{}.txt", source.guid);
    start(w, "TextSource", &[("guid", &source.guid), ("name", &source.name), ("plainTextPath", &path)])?;
    if let Some(description) = &source.description {
        text(w, "Description", description)?;
    }
    for selection in &source.selections {
        selection_element(w, selection, codes)?;
    }
    for note in &source.note_refs {
        empty(w, "NoteRef", &[("targetGUID", note)])?;
    }
    end(w, "TextSource")
}

fn selection_element(
    w: &mut Xml,
    selection: &Selection,
    codes: &std::collections::BTreeMap<String, String>,
) -> std::io::Result<()> {
    let (start_at, end_at) = (selection.start.to_string(), selection.end.to_string());
    let mut attrs = vec![("guid", selection.guid.as_str()), ("startPosition", &start_at), ("endPosition", &end_at)];
    let by: Vec<(&str, &str)> = [
        selection.user.as_deref().map(|u| ("creatingUser", u)),
        selection.created.as_deref().map(|c| ("creationDateTime", c)),
    ]
    .into_iter()
    .flatten()
    .collect();
    attrs.extend(by.iter().copied());
    start(w, "PlainTextSelection", &attrs)?;
    if let Some(code) = selection.coding.as_ref().and_then(|c| Some((c, codes.get(&c.code_key)?))) {
        let (coding, code_guid) = code;
        let mut attrs = vec![("guid", coding.guid.as_str())];
        attrs.extend(by.iter().copied());
        start(w, "Coding", &attrs)?;
        empty(w, "CodeRef", &[("targetGUID", code_guid)])?;
        end(w, "Coding")?;
    }
    for note in &selection.note_refs {
        empty(w, "NoteRef", &[("targetGUID", note)])?;
    }
    end(w, "PlainTextSelection")
}

/// Text as XML 1.0 can carry it: characters it forbids (most C0 controls, U+FFFE, U+FFFF)
/// become U+FFFD; even as character references they would make the file ill-formed.
fn xml_safe(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}');
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().map(|c| if allowed(c) { c } else { char::REPLACEMENT_CHARACTER }).collect())
    }
}

fn attr<'a>(key: &'a str, value: &str) -> quick_xml::events::attributes::Attribute<'a> {
    attribute(key, &xml_safe(value))
}

fn element<'a>(name: &'a str, attrs: &[(&'a str, &str)]) -> BytesStart<'a> {
    let mut element = BytesStart::new(name);
    for (key, value) in attrs {
        element.push_attribute(attr(key, value));
    }
    element
}

fn start(w: &mut Xml, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
    w.write_event(Event::Start(element(name, attrs)))
}

fn empty(w: &mut Xml, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
    w.write_event(Event::Empty(element(name, attrs)))
}

fn end(w: &mut Xml, name: &str) -> std::io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}

/// An element holding text, escaped (`\r` included, so line breaks survive as typed).
fn text(w: &mut Xml, name: &str, content: &str) -> std::io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(&xml_safe(content)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
