//! Import, first half: the file decoded and parsed leniently into what it holds (`Found`), with
//! what was skipped noted.

use std::borrow::Cow;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesPI, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::*;
use crate::codebook::model::CodebookError;
use crate::codebook::tree::MAX_DEPTH;

/// The file as text: UTF-8 (with or without a byte-order mark), or UTF-16 with one.
pub(super) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, Vec<CodebookError>> {
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, false)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, true)),
        _ => None,
    };
    if let Some((rest, big_endian)) = utf16 {
        let pairs = rest.chunks_exact(2);
        let odd = !pairs.remainder().is_empty();
        let units =
            pairs.map(|p| if big_endian { u16::from_be_bytes([p[0], p[1]]) } else { u16::from_le_bytes([p[0], p[1]]) });
        return match char::decode_utf16(units).collect::<Result<String, _>>() {
            Ok(text) if !odd => Ok(Cow::Owned(text)),
            _ => Err(vec![problem(String::new(), "the file starts like UTF-16 text but is not; save it as UTF-8")]),
        };
    }
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|err| {
        let valid = &bytes[..err.valid_up_to()];
        let place = Lines::new(&String::from_utf8_lossy(valid)).place(valid.len());
        vec![problem(place, &format!("the file is not UTF-8 text (byte {}); save it as UTF-8", err.valid_up_to()))]
    })
}

pub(super) fn problem(path: String, message: &str) -> CodebookError {
    CodebookError { path, message: message.to_string() }
}

/// Line starts, to turn byte positions into "line 3, column 14".
pub(super) struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Self { text, starts }
    }

    fn line(&self, pos: usize) -> usize {
        self.starts.partition_point(|&start| start <= pos).max(1)
    }

    fn place(&self, pos: usize) -> String {
        let pos = pos.min(self.text.len());
        let line = self.line(pos);
        let start = self.starts.get(line - 1).copied().unwrap_or(0).min(pos);
        let column = String::from_utf8_lossy(&self.text.as_bytes()[start..pos]).chars().count() + 1;
        format!("line {line}, column {column}")
    }
}

/// The namespace an element is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ns {
    Codebook,
    Unbound,
    Other(String),
}

impl Ns {
    fn of(resolved: &ResolveResult) -> Self {
        match resolved {
            ResolveResult::Bound(ns) if ns.0 == NAMESPACE => Ns::Codebook,
            ResolveResult::Bound(ns) => Ns::Other(ns.0.to_string()),
            ResolveResult::Unbound => Ns::Unbound,
            ResolveResult::Unknown(prefix) => Ns::Other(format!("of the undeclared prefix {prefix}")),
        }
    }
}

/// The elements the parser is inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Open {
    Root,
    Codes,
    Code(usize),
}

impl Open {
    fn name(self) -> &'static str {
        match self {
            Open::Root => "CodeBook",
            Open::Codes => "Codes",
            Open::Code(_) => "Code",
        }
    }
}

/// One `<Code>` as found, attributes as written, before it becomes a `CodeEntry`.
#[derive(Debug, Default)]
pub(super) struct FoundCode {
    pub(super) line: usize,
    pub(super) parent: Option<usize>,
    /// 1 for a code directly in `<Codes>`.
    pub(super) depth: usize,
    pub(super) has_children: bool,
    pub(super) guid: Option<String>,
    pub(super) name: Option<String>,
    pub(super) codable: Option<String>,
    pub(super) colour: Option<String>,
    pub(super) description: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct Found {
    pub(super) name: Option<String>,
    pub(super) description: Option<String>,
    pub(super) codes: Vec<FoundCode>,
    pub(super) notes: Vec<String>,
}

/// Things skipped, counted, so that a file with a thousand memos gives one note; in the order
/// first seen, found by name (a file may have thousands of different ones).
#[derive(Default)]
pub(super) struct Skipped {
    seen: Vec<(String, usize, usize)>,
    at: std::collections::HashMap<String, usize>,
}

impl Skipped {
    fn add(&mut self, what: String, line: usize) {
        match self.at.get(&what) {
            Some(&i) => self.seen[i].2 += 1,
            None => {
                self.at.insert(what.clone(), self.seen.len());
                self.seen.push((what, line, 1));
            }
        }
    }

    fn notes(self) -> impl Iterator<Item = String> {
        self.seen.into_iter().map(|(what, line, count)| {
            let times = if count > 1 { format!(", {count} times") } else { String::new() };
            format!("Skipped {what} (line {line}{times}): fieldwork does not use it.")
        })
    }
}

type Step<T = ()> = Result<T, Vec<CodebookError>>;

/// Reads the XML events of a codebook into `Found`, refusing what is not one.
pub(super) struct Parser<'t> {
    reader: NsReader<&'t [u8]>,
    lines: Lines<'t>,
    /// The root's namespace, which the codebook's elements share.
    ns: Ns,
    open: Vec<(Open, usize)>,
    root_seen: bool,
    /// Where `<CodeBook>` starts.
    root_at: u64,
    codes_seen: usize,
    found: Found,
    skipped: Skipped,
}

impl<'t> Parser<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Self {
            reader: NsReader::from_str(text),
            lines: Lines::new(text),
            ns: Ns::Codebook,
            open: Vec::new(),
            root_seen: false,
            root_at: 0,
            codes_seen: 0,
            found: Found::default(),
            skipped: Skipped::default(),
        }
    }

    fn error(&self, pos: u64, message: &str) -> Vec<CodebookError> {
        vec![problem(self.lines.place(usize::try_from(pos).unwrap_or(usize::MAX)), message)]
    }

    fn ill_formed(&self, err: impl std::fmt::Display) -> Vec<CodebookError> {
        let message = format!("this is not well-formed XML: {err}");
        self.error(self.reader.error_position(), &message)
    }

    fn line(&self, pos: u64) -> usize {
        self.lines.line(usize::try_from(pos).unwrap_or(usize::MAX))
    }

    pub(super) fn run(mut self) -> Step<Found> {
        loop {
            let at = self.reader.buffer_position();
            let result = self.reader.read_resolved_event().map(|(ns, event)| (Ns::of(&ns), event));
            let (ns, event) = result.map_err(|err| self.ill_formed(err))?;
            match event {
                Event::Start(e) => self.element(&e, &ns, at, false)?,
                Event::Empty(e) => self.element(&e, &ns, at, true)?,
                Event::End(_) => {
                    self.open.pop();
                }
                Event::Text(text) => self.text(&text.xml10_content(), at)?,
                Event::CData(text) => self.text(&text.xml10_content(), at)?,
                Event::GeneralRef(reference) => self.text(&format!("&{};", &*reference), at)?,
                Event::PI(pi) if !self.root_seen && pi.target() == ABOUT => self.about(&pi, at),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
                Event::Eof => return self.finish(),
            }
        }
    }

    fn element(&mut self, e: &BytesStart<'t>, ns: &Ns, at: u64, empty: bool) -> Step {
        let line = self.line(at);
        let Some(&(inside, _)) = self.open.last() else { return self.root(e, ns, at, empty) };
        let ours = *ns == self.ns;
        match (inside, ours, e.local_name().into_inner()) {
            (Open::Root, true, "Codes") => {
                self.codes_seen += 1;
                if self.codes_seen == 2 {
                    self.found.notes.push(format!("Line {line}: a second <Codes> was read as well."));
                }
                self.attributes(e, at, &[])?;
                if !empty {
                    self.open.push((Open::Codes, line));
                }
            }
            (Open::Root, true, "Sets") => {
                self.found
                    .notes
                    .push(format!("Skipped the code sets (<Sets>, line {line}): fieldwork has no code sets."));
                self.skip(e, empty)?;
            }
            (Open::Codes | Open::Code(_), true, "Code") => self.code(e, inside, at, empty)?,
            (Open::Code(code), true, "Description") => {
                self.attributes(e, at, &[])?;
                let text = if empty { String::new() } else { self.description_text(at)? };
                match self.found.codes.get_mut(code) {
                    Some(code) if code.description.is_none() => code.description = Some(text),
                    _ => self.skipped.add("a second <Description> of one <Code>".into(), line),
                }
            }
            _ => {
                self.skipped.add(format!("the element <{}> inside <{}>", e.name().0, inside.name()), line);
                self.skip(e, empty)?;
            }
        }
        Ok(())
    }

    fn root(&mut self, e: &BytesStart<'t>, ns: &Ns, at: u64, empty: bool) -> Step {
        let line = self.line(at);
        let name = e.name().0;
        if self.root_seen {
            return Err(self.error(at, &format!("a second root element <{name}> follows </CodeBook>; XML has one")));
        }
        self.root_seen = true;
        self.root_at = at;
        if e.local_name().into_inner() != "CodeBook" {
            let hint = if e.local_name().into_inner() == "Project" {
                "; it looks like a REFI-QDA project (project.qde), so export its codebook as .qdc"
            } else {
                ""
            };
            return Err(self.error(
                at,
                &format!("the root element is <{name}>, not <CodeBook>: this is not a REFI-QDA codebook{hint}"),
            ));
        }
        match ns {
            Ns::Codebook => {}
            Ns::Unbound => self.found.notes.push(format!(
                "Line {line}: <CodeBook> has no namespace; it was read as a REFI-QDA codebook ({NAMESPACE})."
            )),
            Ns::Other(other) => {
                let message =
                    format!("<CodeBook> is in the namespace {other}, not {NAMESPACE}: this is not a REFI-QDA codebook");
                return Err(self.error(at, &message));
            }
        }
        self.ns = ns.clone();
        self.attributes(e, at, &["origin"])?;
        if !empty {
            self.open.push((Open::Root, line));
        }
        Ok(())
    }

    /// Checks an element's attributes are well-formed and notes the unknown ones.
    fn attributes(&mut self, e: &BytesStart<'t>, at: u64, known: &[&str]) -> Step {
        for attr in e.attributes() {
            let attr = attr.map_err(|err| self.error(at, &format!("this is not well-formed XML: {err}")))?;
            let key = attr.key.0;
            if !known.contains(&key) && !is_declaration(key) {
                self.skipped.add(format!("the attribute {key} of <{}>", e.name().0), self.line(at));
            }
        }
        Ok(())
    }

    fn code(&mut self, e: &BytesStart<'t>, inside: Open, at: u64, empty: bool) -> Step {
        let line = self.line(at);
        let parent = if let Open::Code(parent) = inside { Some(parent) } else { None };
        let depth = parent.and_then(|p| self.found.codes.get(p)).map_or(1, |p| p.depth + 1);
        // Refused at once: a file nested thousands deep is not read to its end first.
        if depth > MAX_DEPTH {
            let message = format!(
                "this <Code> is nested {depth} levels deep, and a codebook has at most {MAX_DEPTH} levels: move \
                 it, or a code around it, higher up"
            );
            return Err(self.error(at, &message));
        }
        let mut code = FoundCode { line, parent, depth, ..FoundCode::default() };
        for attr in e.attributes() {
            let attr = attr.map_err(|err| self.error(at, &format!("this is not well-formed XML: {err}")))?;
            let slot = match attr.key.0 {
                "guid" => &mut code.guid,
                "name" => &mut code.name,
                "isCodable" => &mut code.codable,
                "color" => &mut code.colour,
                key if is_declaration(key) => continue,
                key => {
                    self.skipped.add(format!("the attribute {key} of <Code>"), line);
                    continue;
                }
            };
            *slot = Some(self.value(&attr, line));
        }
        if let Some(parent) = parent.and_then(|p| self.found.codes.get_mut(p)) {
            parent.has_children = true;
        }
        self.found.codes.push(code);
        if !empty {
            self.open.push((Open::Code(self.found.codes.len() - 1), line));
        }
        Ok(())
    }

    /// An attribute's value; one with an unknown entity is kept as written, with a note.
    fn value(&mut self, attr: &Attribute, line: usize) -> String {
        attr.normalized_value(XmlVersion::Implicit1_0).map(Cow::into_owned).unwrap_or_else(|err| {
            self.found.notes.push(format!("Line {line}: the value of {} was kept as written ({err}).", attr.key.0));
            attr.value.to_string()
        })
    }

    /// The text of a `<Description>`, up to and including its end tag.
    fn description_text(&mut self, opened: u64) -> Step<String> {
        let mut text = String::new();
        loop {
            let at = self.reader.buffer_position();
            let event = self.reader.read_event().map_err(|err| self.ill_formed(err))?;
            match event {
                Event::Text(part) => text.push_str(&part.xml10_content()),
                Event::CData(part) => text.push_str(&part.xml10_content()),
                Event::GeneralRef(reference) => match reference.resolve_char_ref() {
                    Ok(Some(ch)) => text.push(ch),
                    Ok(None) => match resolve_predefined_entity(&reference) {
                        Some(replacement) => text.push_str(replacement),
                        None => {
                            self.skipped.add(format!("the meaning of the entity &{};", &*reference), self.line(at));
                            text.push_str(&format!("&{};", &*reference));
                        }
                    },
                    Err(err) => return Err(self.error(at, &format!("this is not well-formed XML: {err}"))),
                },
                Event::Start(inner) => {
                    self.skipped.add(format!("the element <{}> inside <Description>", inner.name().0), self.line(at));
                    self.skip(&inner, false)?;
                }
                Event::Empty(inner) => {
                    self.skipped.add(format!("the element <{}> inside <Description>", inner.name().0), self.line(at));
                }
                Event::End(_) => return Ok(text),
                Event::Eof => {
                    let line = self.line(opened);
                    return Err(self.error(
                        at,
                        &format!("the file ends before <Description> from line {line} is closed: it is cut short"),
                    ));
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
        }
    }

    fn skip(&mut self, e: &BytesStart<'t>, empty: bool) -> Step {
        if !empty {
            self.reader.read_to_end(e.name()).map_err(|err| self.ill_formed(err))?;
        }
        Ok(())
    }

    fn text(&mut self, content: &str, at: u64) -> Step {
        if content.trim().is_empty() {
            return Ok(());
        }
        match self.open.last() {
            Some(&(inside, _)) => {
                self.skipped.add(format!("text directly inside <{}>", inside.name()), self.line(at));
                Ok(())
            }
            None => {
                let start: String = content.trim().chars().take(30).collect();
                let message = if self.root_seen {
                    format!("there is text after </CodeBook> (\"{start}\"); XML allows none")
                } else {
                    format!("the file starts with text (\"{start}\"), not an XML element: this is not an XML file")
                };
                Err(self.error(at, &message))
            }
        }
    }

    /// Reads fieldwork's `<?fieldwork name="…" description="…"?>`.
    fn about(&mut self, pi: &BytesPI, at: u64) {
        let line = self.line(at);
        for attr in pi.attributes() {
            let Ok(attr) = attr else {
                self.found.notes.push(format!("Line {line}: fieldwork's processing instruction could not be read."));
                return;
            };
            match attr.key.0 {
                "name" => self.found.name = Some(self.value(&attr, line)),
                "description" => self.found.description = Some(self.value(&attr, line)),
                _ => {}
            }
        }
    }

    fn finish(mut self) -> Step<Found> {
        let end = self.lines.text.len() as u64;
        if let Some(&(inside, line)) = self.open.last() {
            let message =
                format!("the file ends before <{}> from line {line} is closed: it is cut short", inside.name());
            return Err(self.error(end, &message));
        }
        if !self.root_seen {
            return Err(self.error(end, "the file has no XML element: it is empty or not an XML file"));
        }
        if self.codes_seen == 0 {
            return Err(self.error(self.root_at, "<CodeBook> has no <Codes>: this is not a REFI-QDA codebook"));
        }
        self.found.notes.extend(self.skipped.notes());
        Ok(self.found)
    }
}

/// `xmlns`, `xmlns:…` and `xsi:…` attributes are XML plumbing, never worth a note.
pub(super) fn is_declaration(key: &str) -> bool {
    key == "xmlns" || key.starts_with("xmlns:") || key.starts_with("xsi:")
}
