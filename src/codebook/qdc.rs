//! REFI-QDA codebook exchange (`.qdc`, QDA-XML codebook 1.0): export that validates against
//! `Codebook.xsd`, and a lenient import that says, one sentence per note, what it could not take.
//!
//! REFI-QDA has no place for fieldwork's definition fields, flags or ids, so they travel in each
//! code's `<Description>` as labelled fields, one per line, only the non-empty ones, in this order:
//!
//! ```text
//! Short definition: Making capable models available to people who lack them.
//! Definition: The respondent contributes so that
//!   a lab anywhere can run it.
//!   Definition: this line is part of the definition, not a new field.
//! When to use: …
//! When not to use: …
//! Example: …
//! Mutually exclusive: yes
//! Retired: yes
//! fieldwork id: MOT_ACCESS
//! ```
//!
//! A field starts with its label and `: ` at the start of a line; every further line of its value
//! is indented by two spaces (an empty line of the value is written as two spaces, and read back
//! from two spaces or from nothing), so values keep their line breaks and a line that looks like a
//! label stays inside its value. On import a `<Description>` is read this way only when its first
//! line is a label and every other line is a label or a continuation; otherwise it is plain text,
//! trimmed, and becomes the short definition if it is one line, else the definition.
//!
//! The codebook's own name and description, for which the schema has no place either, go in a
//! processing instruction before the root, `<?fieldwork name="…" description="…"?>`, escaped as
//! XML attribute values. Shortcuts are not exported.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesPI, BytesStart, BytesText, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::{NsReader, Writer, XmlVersion};
use sha2::{Digest, Sha256};

use super::model::{CodeEntry, CodeKind, CodebookError, CodebookFile, FORMAT};

/// The namespace of a REFI-QDA codebook.
pub const NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";
/// Target of the processing instruction that carries the codebook's name and description.
const ABOUT: &str = "fieldwork";

/// The fields a `<Description>` carries, with their labels, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ShortDefinition,
    Definition,
    WhenToUse,
    WhenNotToUse,
    Example,
    MutuallyExclusive,
    Retired,
    Id,
}

const FIELDS: [(Field, &str); 8] = [
    (Field::ShortDefinition, "Short definition"),
    (Field::Definition, "Definition"),
    (Field::WhenToUse, "When to use"),
    (Field::WhenNotToUse, "When not to use"),
    (Field::Example, "Example"),
    (Field::MutuallyExclusive, "Mutually exclusive"),
    (Field::Retired, "Retired"),
    (Field::Id, "fieldwork id"),
];

// ----- export -----

/// Writes a codebook as a REFI-QDA codebook (namespace urn:QDA-XML:codebook:1.0), codes nested
/// under their parents, categories as isCodable="false".
///
/// Codes come in file order, each followed by its children. Each code's guid is its stored
/// `guid` when that is a GUID, else one derived from its id (`guid_for_id`), so repeated exports
/// are identical. A codebook without codes gives `<Codes/>`, which the schema does not allow.
pub fn to_qdc(file: &CodebookFile) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail; if it somehow did, the log says so.
    if let Err(err) = write_codebook(&mut writer, file) {
        tracing::error!(%err, "writing a .qdc codebook into memory failed");
    }
    String::from_utf8_lossy(&writer.into_inner()).into_owned()
}

fn write_codebook(w: &mut Writer<Vec<u8>>, file: &CodebookFile) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut about = BytesStart::new(ABOUT);
    about.push_attribute(attribute("name", &file.name));
    if !file.description.is_empty() {
        about.push_attribute(attribute("description", &file.description));
    }
    w.write_event(Event::PI(BytesPI::new(&*about)))?;
    let root = BytesStart::new("CodeBook").with_attributes([("xmlns", NAMESPACE), ("origin", "fieldwork")]);
    w.write_event(Event::Start(root))?;
    write_codes(w, file, &BTreeMap::new())?;
    w.write_event(Event::End(BytesEnd::new("CodeBook")))
}

/// Writes `<Codes>` with every entry nested under its parent (see `to_qdc`), in whatever
/// namespace the enclosing element sets: the codebook's in a `.qdc`, the project's in a `.qdpx`.
/// `note_refs` gives, by code id, the guids of notes to reference from that code as `<NoteRef>`s
/// (only the project schema has a place for them; pass an empty map for a `.qdc`). Returns the
/// guid each code id was written with, for references to the codes.
pub fn write_codes<W: std::io::Write>(
    w: &mut Writer<W>,
    file: &CodebookFile,
    note_refs: &BTreeMap<String, Vec<String>>,
) -> std::io::Result<BTreeMap<String, String>> {
    let mut guids = Guids { used: HashSet::new(), by_id: BTreeMap::new(), note_refs };
    if file.codes.is_empty() {
        w.write_event(Event::Empty(BytesStart::new("Codes")))?;
        return Ok(guids.by_id);
    }
    w.write_event(Event::Start(BytesStart::new("Codes")))?;
    let ids: HashSet<&str> = file.codes.iter().map(|c| c.id.as_str()).collect();
    let mut written = vec![false; file.codes.len()];
    let tops = file.codes.iter().enumerate().filter(|(_, c)| c.parent.as_deref().is_none_or(|p| !ids.contains(p)));
    let tops: Vec<usize> = tops.map(|(i, _)| i).collect();
    // Entries caught in a parent cycle (a codebook that fails `check`) come last, at the top.
    for top in tops.into_iter().chain(0..file.codes.len()) {
        if !written[top] {
            write_tree(w, file, top, &mut written, &mut guids)?;
        }
    }
    w.write_event(Event::End(BytesEnd::new("Codes")))?;
    Ok(guids.by_id)
}

/// The guids handed out while writing codes, and the notes to reference from them.
struct Guids<'a> {
    used: HashSet<String>,
    by_id: BTreeMap<String, String>,
    note_refs: &'a BTreeMap<String, Vec<String>>,
}

/// Writes one entry and everything under it, depth first, without recursion.
fn write_tree<W: std::io::Write>(
    w: &mut Writer<W>,
    file: &CodebookFile,
    top: usize,
    written: &mut [bool],
    guids: &mut Guids,
) -> std::io::Result<()> {
    let children = |i: usize| -> Vec<usize> {
        let id = file.codes.get(i).map_or("", |c| c.id.as_str());
        (0..file.codes.len()).filter(|&k| file.codes[k].parent.as_deref() == Some(id) && k != i).collect()
    };
    written[top] = true;
    write_start(w, file, top, guids)?;
    let mut stack = vec![(top, children(top), 0)];
    while let Some((_, kids, next)) = stack.last_mut() {
        match kids.get(*next).copied() {
            Some(kid) => {
                *next += 1;
                if !written[kid] {
                    written[kid] = true;
                    write_start(w, file, kid, guids)?;
                    stack.push((kid, children(kid), 0));
                }
            }
            None => {
                stack.pop();
                w.write_event(Event::End(BytesEnd::new("Code")))?;
            }
        }
    }
    Ok(())
}

fn write_start<W: std::io::Write>(
    w: &mut Writer<W>,
    file: &CodebookFile,
    i: usize,
    guids: &mut Guids,
) -> std::io::Result<()> {
    let Some(entry) = file.codes.get(i) else { return Ok(()) };
    let guid = export_guid(entry, i, &mut guids.used);
    guids.by_id.entry(entry.id.clone()).or_insert_with(|| guid.clone());
    let mut start = BytesStart::new("Code");
    start.push_attribute(attribute("guid", &guid));
    start.push_attribute(attribute("name", &entry.name));
    start.push_attribute(("isCodable", if entry.kind == CodeKind::Category { "false" } else { "true" }));
    if let Some(colour) = entry.colour.as_deref().and_then(read_colour) {
        start.push_attribute(("color", colour.as_str()));
    }
    w.write_event(Event::Start(start))?;
    w.create_element("Description").write_text_content(BytesText::new(&describe(entry)))?;
    for note in guids.note_refs.get(&entry.id).into_iter().flatten() {
        w.create_element("NoteRef").with_attribute(attribute("targetGUID", note)).write_empty()?;
    }
    Ok(())
}

/// An attribute whose value survives a round trip, escaped by quick-xml: the markup characters,
/// and `\r`, `\n` and tabs as character references, which attribute-value normalisation keeps (a
/// literal one would be read back as a space). Owned, so `value` need not outlive it.
pub fn attribute<'a>(key: &'a str, value: &str) -> Attribute<'a> {
    let escaped = Attribute::from((key, value)).value.into_owned();
    Attribute { key: QName(key), value: Cow::Owned(escaped) }
}

/// The stored guid if it is one and not yet used in this file, else one derived from the id.
fn export_guid(entry: &CodeEntry, index: usize, used: &mut HashSet<String>) -> String {
    let stored = entry.guid.as_deref().and_then(bare_guid).map(str::to_string);
    let derived = [guid_for_id(&entry.id), guid_for_id(&format!("{}#{index}", entry.id))];
    for guid in stored.into_iter().chain(derived) {
        if used.insert(guid.to_ascii_lowercase()) {
            return guid;
        }
    }
    guid_for_id(&format!("{}#{index}#{}", entry.id, used.len()))
}

/// The guid a code gets when it has none stored: `derived_guid("fieldwork-code", id)`.
pub fn guid_for_id(id: &str) -> String {
    derived_guid("fieldwork-code", id)
}

/// A stable guid for `key` among things of one `kind`: SHA-256 of `kind:key`, as a version-8
/// (RFC 9562), RFC 4122-variant UUID in lower case. Kinds hold no `:`, so no two share a guid.
pub fn derived_guid(kind: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{kind}:{key}").as_bytes());
    let mut bytes: Vec<u8> = digest.iter().take(16).copied().collect();
    bytes[6] = (bytes[6] & 0x0F) | 0x80;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// The `<Description>` text of an entry (format in the module documentation).
fn describe(entry: &CodeEntry) -> String {
    let flag = |on: bool| if on { "yes" } else { "" };
    let mut text = String::new();
    for (field, label) in FIELDS {
        let value = match field {
            Field::ShortDefinition => entry.short_definition.as_str(),
            Field::Definition => &entry.definition,
            Field::WhenToUse => &entry.when_to_use,
            Field::WhenNotToUse => &entry.when_not_to_use,
            Field::Example => &entry.example,
            Field::MutuallyExclusive => flag(entry.mutually_exclusive),
            Field::Retired => flag(entry.retired),
            Field::Id => &entry.id,
        };
        if value.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(label);
        text.push(':');
        let mut lines = value.split('\n');
        if let Some(first) = lines.next().filter(|line| !line.is_empty()) {
            text.push(' ');
            text.push_str(first);
        }
        for line in lines {
            text.push_str("\n  ");
            text.push_str(line);
        }
    }
    text
}

// ----- import -----

/// What an import made of a .qdc file, and what it could not take (one sentence each).
#[derive(Debug, Clone, PartialEq)]
pub struct QdcImport {
    pub file: CodebookFile,
    pub notes: Vec<String>,
}

/// Reads a .qdc leniently; a file that is not a REFI-QDA codebook at all (not XML, wrong root,
/// no Codes) is refused with every problem found.
///
/// The codebook's name comes from fieldwork's processing instruction, else `name_if_missing`.
pub fn from_qdc(bytes: &[u8], name_if_missing: &str) -> Result<QdcImport, Vec<CodebookError>> {
    let text = decode(bytes)?;
    let found = Parser::new(&text).run()?;
    build(found, name_if_missing)
}

/// The file as text: UTF-8 (with or without a byte-order mark), or UTF-16 with one.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, Vec<CodebookError>> {
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

fn problem(path: String, message: &str) -> CodebookError {
    CodebookError { path, message: message.to_string() }
}

/// Line starts, to turn byte positions into "line 3, column 14".
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
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
enum Ns {
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
enum Open {
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
struct FoundCode {
    line: usize,
    parent: Option<usize>,
    has_children: bool,
    guid: Option<String>,
    name: Option<String>,
    codable: Option<String>,
    colour: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Default)]
struct Found {
    name: Option<String>,
    description: Option<String>,
    codes: Vec<FoundCode>,
    notes: Vec<String>,
}

/// Things skipped, counted, so that a file with a thousand memos gives one note.
#[derive(Default)]
struct Skipped(Vec<(String, usize, usize)>);

impl Skipped {
    fn add(&mut self, what: String, line: usize) {
        match self.0.iter_mut().find(|(seen, _, _)| *seen == what) {
            Some((_, _, count)) => *count += 1,
            None => self.0.push((what, line, 1)),
        }
    }

    fn notes(self) -> impl Iterator<Item = String> {
        self.0.into_iter().map(|(what, line, count)| {
            let times = if count > 1 { format!(", {count} times") } else { String::new() };
            format!("Skipped {what} (line {line}{times}): fieldwork does not use it.")
        })
    }
}

type Step<T = ()> = Result<T, Vec<CodebookError>>;

/// Reads the XML events of a codebook into `Found`, refusing what is not one.
struct Parser<'t> {
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
    fn new(text: &'t str) -> Self {
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

    fn run(mut self) -> Step<Found> {
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
        let mut code = FoundCode { line, parent, ..FoundCode::default() };
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
fn is_declaration(key: &str) -> bool {
    key == "xmlns" || key.starts_with("xmlns:") || key.starts_with("xsi:")
}

/// The fieldwork fields read from one `<Description>`.
#[derive(Debug, Default)]
struct Described {
    short_definition: String,
    definition: String,
    when_to_use: String,
    when_not_to_use: String,
    example: String,
    mutually_exclusive: bool,
    retired: bool,
    id: Option<String>,
}

/// Reads a `<Description>` in fieldwork's labelled form, or as plain text.
fn read_description(text: &str, label: &str, notes: &mut Vec<String>) -> Described {
    let mut out = Described::default();
    let Some(fields) = labelled(text) else {
        let plain = text.trim();
        if plain.contains('\n') {
            out.definition = plain.to_string();
        } else {
            out.short_definition = plain.to_string();
        }
        return out;
    };
    for (field, value) in fields {
        match field {
            Field::ShortDefinition => out.short_definition = value,
            Field::Definition => out.definition = value,
            Field::WhenToUse => out.when_to_use = value,
            Field::WhenNotToUse => out.when_not_to_use = value,
            Field::Example => out.example = value,
            Field::Id => out.id = Some(value.trim().to_string()),
            Field::MutuallyExclusive | Field::Retired => {
                let flag = match value.trim().to_ascii_lowercase().as_str() {
                    "yes" | "true" | "1" => true,
                    "no" | "false" | "0" => false,
                    _ => {
                        notes.push(format!(
                            "{label}: \"{}\" is neither yes nor no, so it was read as no.",
                            value.trim()
                        ));
                        false
                    }
                };
                if field == Field::Retired {
                    out.retired = flag;
                } else {
                    out.mutually_exclusive = flag;
                }
            }
        }
    }
    out
}

/// The fields of a labelled description, or `None` if it is not one.
fn labelled(text: &str) -> Option<Vec<(Field, String)>> {
    let mut fields: Vec<(Field, String)> = Vec::new();
    for line in text.split('\n') {
        if let Some((field, first)) = label_line(line) {
            if fields.iter().any(|(seen, _)| *seen == field) {
                return None;
            }
            fields.push((field, first.to_string()));
        } else if let Some((_, value)) = fields.last_mut()
            && (line.is_empty() || line.starts_with("  "))
        {
            value.push('\n');
            value.push_str(line.strip_prefix("  ").unwrap_or(line));
        } else {
            return None;
        }
    }
    Some(fields)
}

fn label_line(line: &str) -> Option<(Field, &str)> {
    FIELDS.iter().find_map(|&(field, label)| {
        let head = line.get(..label.len())?;
        let rest = line.get(label.len()..)?.strip_prefix(':')?;
        head.eq_ignore_ascii_case(label).then(|| (field, rest.strip_prefix(' ').unwrap_or(rest)))
    })
}

/// Turns what the parser found into a codebook, fixing what it can and noting each fix.
fn build(found: Found, name_if_missing: &str) -> Result<QdcImport, Vec<CodebookError>> {
    let Found { name, description, codes: found_codes, mut notes } = found;
    let names: Vec<String> = found_codes
        .iter()
        .map(|code| match &code.name {
            Some(name) if !name.trim().is_empty() => name.clone(),
            _ => {
                notes.push(format!("The code on line {} has no name, so it was called \"Unnamed code\".", code.line));
                "Unnamed code".to_string()
            }
        })
        .collect();
    let label = |i: usize| format!("\"{}\" (line {})", names[i], found_codes[i].line);
    let mut described: Vec<Described> = found_codes
        .iter()
        .enumerate()
        .map(|(i, code)| read_description(code.description.as_deref().unwrap_or(""), &label(i), &mut notes))
        .collect();

    // Ids written by fieldwork are claimed first, so a generated id never takes one of them.
    let mut taken = HashSet::new();
    let mut ids: Vec<Option<String>> = vec![None; found_codes.len()];
    for (i, described) in described.iter_mut().enumerate() {
        let Some(id) = described.id.take() else { continue };
        if !is_id(&id) {
            notes.push(format!("{}: \"{id}\" is not a fieldwork id, so it got one made from its name.", label(i)));
        } else if !taken.insert(id.clone()) {
            notes.push(format!("{}: the id {id} is already used, so it got one made from its name.", label(i)));
        } else {
            ids[i] = Some(id);
        }
    }
    let ids: Vec<String> =
        ids.into_iter().enumerate().map(|(i, id)| id.unwrap_or_else(|| id_from_name(&names[i], &mut taken))).collect();

    let mut guids = HashSet::new();
    let mut sibling_names = HashSet::new();
    let mut codes = Vec::with_capacity(found_codes.len());
    for (i, (found, described)) in found_codes.iter().zip(described).enumerate() {
        let id = ids[i].clone();
        let parent = found.parent.and_then(|p| ids.get(p).cloned());
        let kind = code_kind(found, &label(i), &mut notes);
        let mut mutually_exclusive = described.mutually_exclusive;
        if mutually_exclusive && kind == CodeKind::Code {
            notes.push(format!("{}: only a category can be mutually exclusive, so it is not.", label(i)));
            mutually_exclusive = false;
        }
        let guid = match found.guid.as_deref().map(str::trim) {
            None | Some("") => {
                notes.push(format!("{} has no guid; fieldwork gives it one on export.", label(i)));
                None
            }
            Some(raw) => match bare_guid(raw) {
                None => {
                    notes.push(format!("{}: \"{raw}\" is not a GUID; fieldwork gives it one on export.", label(i)));
                    None
                }
                Some(guid) if !guids.insert(guid.to_ascii_lowercase()) => {
                    notes.push(format!(
                        "{} has the guid of an earlier code; fieldwork gives it another on export.",
                        label(i)
                    ));
                    None
                }
                // The export derives exactly this guid from the id again.
                Some(guid) if guid.eq_ignore_ascii_case(&guid_for_id(&id)) => None,
                Some(guid) => Some(guid.to_string()),
            },
        };
        let colour = match found.colour.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => read_colour(raw).or_else(|| {
                notes.push(format!("{}: the colour \"{raw}\" could not be read, so it has none.", label(i)));
                None
            }),
        };
        let mut name = names[i].clone();
        let mut n = 1;
        while !sibling_names.insert((parent.clone(), name.trim().to_lowercase())) {
            n += 1;
            name = format!("{} ({n})", names[i]);
        }
        if n > 1 {
            notes.push(format!("{}: another code next to it has that name, so it is called \"{name}\".", label(i)));
        }
        codes.push(CodeEntry {
            id,
            parent,
            kind,
            name,
            short_definition: described.short_definition,
            definition: described.definition,
            when_to_use: described.when_to_use,
            when_not_to_use: described.when_not_to_use,
            example: described.example,
            colour,
            shortcut: None,
            mutually_exclusive,
            retired: described.retired,
            guid,
        });
    }
    let name = name.filter(|name| !name.trim().is_empty()).unwrap_or_else(|| name_if_missing.to_string());
    let file = CodebookFile { format: FORMAT, name, description: description.unwrap_or_default(), codes };
    let errors = file.check();
    if errors.is_empty() { Ok(QdcImport { file, notes }) } else { Err(errors) }
}

/// Category or code from `isCodable`; a codable code with codes inside becomes a category.
fn code_kind(found: &FoundCode, label: &str, notes: &mut Vec<String>) -> CodeKind {
    let codable = found.codable.as_deref().map(|value| value.trim().to_ascii_lowercase());
    let kind = match codable.as_deref() {
        Some("false" | "0") => CodeKind::Category,
        Some("true" | "1") => CodeKind::Code,
        Some(other) => {
            notes.push(format!("{label}: isCodable=\"{other}\" is neither true nor false, so it was read as true."));
            CodeKind::Code
        }
        None => {
            notes.push(format!("{label} has no isCodable, so it was read as true."));
            CodeKind::Code
        }
    };
    if kind == CodeKind::Code && found.has_children {
        notes.push(format!("{label} is codable but holds other codes, so it became a category; fieldwork applies only codes without codes inside."));
        return CodeKind::Category;
    }
    kind
}

fn is_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Letters with accents, folded so that "Ética" gives the id ETICA rather than TICA.
const FOLDS: [(&str, &str); 13] = [
    ("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", "A"),
    ("ÇçĆćČč", "C"),
    ("ÈÉÊËèéêëĒēĘęĚě", "E"),
    ("ÌÍÎÏìíîïĪī", "I"),
    ("ÑñŃńŇň", "N"),
    ("ÒÓÔÕÖØòóôõöøŌōŐő", "O"),
    ("ÙÚÛÜùúûüŪūŮůŰű", "U"),
    ("ÝýÿŸ", "Y"),
    ("ŠšŚś", "S"),
    ("ŽžŹźŻż", "Z"),
    ("ß", "SS"),
    ("Ææ", "AE"),
    ("Œœ", "OE"),
];

/// An unused id made from a name: upper-case ASCII letters, digits and `_`, starting with a
/// letter (`C_` is put in front when it would not), made unique with `_2`, `_3`, ….
fn id_from_name(name: &str, taken: &mut HashSet<String>) -> String {
    let mut base = String::new();
    for ch in name.chars() {
        let folded = FOLDS.iter().find(|(from, _)| from.contains(ch)).map(|(_, to)| Cow::Borrowed(*to));
        for c in folded.unwrap_or_else(|| Cow::Owned(ch.to_string())).chars() {
            if c.is_ascii_alphanumeric() {
                base.push(c.to_ascii_uppercase());
            } else if !base.is_empty() && !base.ends_with('_') {
                base.push('_');
            }
        }
    }
    let mut base = base.trim_end_matches('_').to_string();
    if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base.insert_str(0, if base.is_empty() { "CODE" } else { "C_" });
    }
    base.truncate(56);
    let mut id = base.clone();
    let mut n = 1;
    while !taken.insert(id.clone()) {
        n += 1;
        id = format!("{base}_{n}");
    }
    id
}

/// A GUID with or without braces, without them.
fn bare_guid(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('{').and_then(|guid| guid.strip_suffix('}')).unwrap_or(raw);
    let dashes = [8, 13, 18, 23];
    let ok = inner.len() == 36
        && inner.char_indices().all(|(i, c)| if dashes.contains(&i) { c == '-' } else { c.is_ascii_hexdigit() });
    ok.then_some(inner)
}

/// `#RRGGBB` in upper case from `#RRGGBB`, `#RGB` (either case, `#` optional) or `rgb(r, g, b)`.
fn read_colour(raw: &str) -> Option<String> {
    let lower = raw.trim().to_ascii_lowercase();
    if let Some(inside) = lower.strip_prefix("rgb(").and_then(|rest| rest.strip_suffix(')')) {
        let parts: Vec<u8> = inside.split(',').map(|part| part.trim().parse().ok()).collect::<Option<_>>()?;
        let [r, g, b] = parts[..] else { return None };
        return Some(format!("#{r:02X}{g:02X}{b:02X}"));
    }
    let hex = lower.strip_prefix('#').unwrap_or(&lower);
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    match hex.len() {
        6 => Some(format!("#{}", hex.to_ascii_uppercase())),
        3 => Some(hex.chars().flat_map(|c| [c, c]).fold("#".to_string(), |mut s, c| {
            s.push(c.to_ascii_uppercase());
            s
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;

    /// Validates a file against the REFI-QDA schema with xmllint; `Err` holds xmllint's complaint.
    fn xmllint(file: &Path) -> Result<(), String> {
        let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/refi-qda/Codebook.xsd");
        let output = Command::new("xmllint").arg("--noout").arg("--schema").arg(&schema).arg(file).output();
        match output {
            Err(err) => panic!("xmllint could not run ({err}): install Debian's libxml2-utils, as .ci/test does"),
            Ok(out) if out.status.success() => Ok(()),
            Ok(out) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        }
    }

    fn validate(qdc: &str) -> Result<(), String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codebook.qdc");
        std::fs::write(&path, qdc).unwrap();
        xmllint(&path)
    }

    fn entry(id: &str, parent: Option<&str>, kind: CodeKind, name: &str) -> CodeEntry {
        CodeEntry { id: id.into(), parent: parent.map(Into::into), kind, name: name.into(), ..CodeEntry::default() }
    }

    /// Categories two deep, a mutually exclusive one, tricky text, a retired code, non-ASCII.
    fn sample() -> CodebookFile {
        let mut motivation = entry("MOTIVATION", None, CodeKind::Category, "Motivations");
        motivation.short_definition = "Why the respondent takes part.".into();
        motivation.colour = Some("#1F77B4".into());
        let mut social = entry("MOT_SOCIAL", Some("MOTIVATION"), CodeKind::Category, "Social & <political>");
        social.mutually_exclusive = true;
        let mut access = entry("MOT_ACCESS", Some("MOT_SOCIAL"), CodeKind::Code, "Democratising \"access\"");
        access.short_definition = "Models for people who 'lack' them.".into();
        access.definition = "The respondent contributes so that\nDefinition: this line is not a new field\n\n  indented & <marked> \"quoted\" 'too'\n".into();
        access.when_to_use = "Apply when > 1 group benefits.".into();
        access.when_not_to_use = "Not for open science\r\n(use MOT_SCIENCE).".into();
        access.example = " “We wanted a model a lab in Nairobi can run.” 🚀".into();
        access.colour = Some("#FF7F0E".into());
        access.shortcut = Some("a".into());
        access.guid = Some("3F2504E0-4F89-41D3-9A0C-0305E82C3301".into());
        let mut science = entry("MOT_SCIENCE", Some("MOT_SOCIAL"), CodeKind::Code, "Open science 🔬");
        science.retired = true;
        science.definition = "\nStarts with an empty line.\tTabbed.".into();
        let mut fun = entry("MOT_FUN", Some("MOTIVATION"), CodeKind::Code, "Fun");
        fun.example = "Retired: yes\nfieldwork id: NOT_THIS".into();
        let ethics = entry("ETHICS", None, CodeKind::Category, "Ética y seguridad");
        let mut risk = entry("ETH_RISK", Some("ETHICS"), CodeKind::Code, "Riesgo «dual» ☢️");
        risk.short_definition = "Definition: looks like a label".into();
        let other = entry("OTHER", None, CodeKind::Code, "Other");
        CodebookFile {
            format: FORMAT,
            name: "Ética y seguridad: open LLMs 🤖".into(),
            description: "Codes for the open questions.\n\tSecond line & <more> \"quotes\" ?>".into(),
            codes: vec![motivation, social, access, science, fun, ethics, risk, other],
        }
    }

    #[test]
    fn an_export_validates_against_the_refi_qda_schema() {
        let qdc = to_qdc(&sample());

        validate(&qdc).unwrap_or_else(|err| panic!("{err}\n{qdc}"));
        assert_eq!(qdc.matches("isCodable=\"false\"").count(), 3);
        assert!(qdc.contains("guid=\"3F2504E0-4F89-41D3-9A0C-0305E82C3301\""), "{qdc}");
        assert!(qdc.contains(&format!("guid=\"{}\"", guid_for_id("OTHER"))), "{qdc}");
        assert!(qdc.contains("Mutually exclusive: yes"));
        assert_eq!(to_qdc(&sample()), qdc, "exports are stable");
        // The check bites: a colour the schema does not allow is refused.
        assert!(validate(&qdc.replacen("color=\"#1F77B4\"", "color=\"blue\"", 1)).is_err());
    }

    #[test]
    fn derived_guids_are_version_8_rfc_4122_uuids() {
        let guid = guid_for_id("MOT_ACCESS");
        assert!(bare_guid(&guid).is_some(), "{guid}");
        assert_eq!(&guid[14..15], "8");
        assert!(matches!(&guid[19..20], "8" | "9" | "a" | "b"), "{guid}");
        assert_ne!(guid, guid_for_id("MOT_SCIENCE"));
    }

    #[test]
    fn a_codebook_round_trips_through_qdc_without_notes() {
        let mut expected = sample();
        for code in &mut expected.codes {
            code.shortcut = None;
        }

        let import = from_qdc(to_qdc(&sample()).as_bytes(), "unused").unwrap();

        assert_eq!(import.notes, Vec::<String>::new());
        assert_eq!(import.file, expected);
    }

    #[test]
    fn the_specification_example_imports_and_exports_again() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/refi-qda/spec-annexA1-codebook.qdc");
        let bytes = std::fs::read(path).unwrap();

        let import = from_qdc(&bytes, "Annex A.1").unwrap();

        assert_eq!(import.notes, Vec::<String>::new());
        let file = &import.file;
        assert_eq!(file.name, "Annex A.1");
        assert!(file.check().is_empty());
        let summary: Vec<_> = file
            .codes
            .iter()
            .map(|c| (c.kind, c.name.as_str(), c.colour.as_deref(), c.short_definition.as_str(), c.guid.as_deref()))
            .collect();
        use CodeKind::{Category, Code};
        assert_eq!(
            summary,
            [
                (Category, "Topics", None, "", Some("5215cc69-b628-4e02-afb9-9beeaee55808")),
                (
                    Code,
                    "Economy",
                    Some("#FFFF00"),
                    "Anything about jobs or taxes or business",
                    Some("d7aa29da-519b-4946-9b90-253b6db8fd0a")
                ),
                (
                    Code,
                    "Health care",
                    Some("#33CC33"),
                    "Health care issues, doctor, patients, etc.",
                    Some("0dcef2f5-e55c-49da-8c33-9b0803c7aeb4")
                ),
                (Category, "Values", None, "", Some("9fa9bcb7-5b59-47a9-8c3e-f65cffdc7520")),
                (
                    Code,
                    "Conservatives",
                    Some("#FF0000"),
                    "Republicans or right-wing libertarians",
                    Some("7c108712-b650-4892-ac0b-fc9a10190c3b")
                ),
                (
                    Code,
                    "Liberals",
                    Some("#0000FF"),
                    "Democrats, socialists, or progressive independents",
                    Some("12365523-1035-4afa-9e7b-281fe0bc51c5")
                ),
            ]
        );
        let ids: Vec<&str> = file.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["TOPICS", "ECONOMY", "HEALTH_CARE", "VALUES", "CONSERVATIVES", "LIBERALS"]);

        let qdc = to_qdc(file);
        validate(&qdc).unwrap_or_else(|err| panic!("{err}\n{qdc}"));
        assert_eq!(from_qdc(qdc.as_bytes(), "other name").unwrap().file, *file, "guids and ids survive");
    }

    const LENIENT: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand -->
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Some QDA 1.0" flavour="odd">
  <Codes>
    <Code guid="{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}" name="Feelings" isCodable="true" color="rgb(255, 0, 0)" weight="3">
      <Description>Emotions
in general</Description>
      <Code guid="11111111-2222-3333-4444-555555555555" name="Joy" isCodable="true" color="#f00"/>
      <Code guid="11111111-2222-3333-4444-555555555556" name=" joy" isCodable="true" color="blue"/>
      <Memo>private <b>notes</b></Memo>
      <Memo/>
    </Code>
    <Code guid="not-a-guid" name="Ética y seguridad" isCodable="false"/>
    <Code name="No guid" isCodable="yes" color="#00Ff00">
      <Description>Retired: yes
Mutually exclusive: yes
fieldwork id: 9lives</Description>
    </Code>
    <Code guid="11111111-2222-3333-4444-555555555555" isCodable="false"/>
  </Codes>
  <Sets>
    <Set guid="99999999-2222-3333-4444-555555555555" name="Favourites">
      <MemberCode guid="11111111-2222-3333-4444-555555555555"/>
    </Set>
  </Sets>
  <Extra/>
</CodeBook>
"##;

    #[test]
    fn odd_colours_missing_parts_and_unknown_elements_import_with_notes() {
        let import = from_qdc(LENIENT.as_bytes(), "Hand-made").unwrap();

        let file = &import.file;
        assert_eq!(file.name, "Hand-made");
        let summary: Vec<_> = file
            .codes
            .iter()
            .map(|c| (c.id.as_str(), c.parent.as_deref(), c.kind, c.name.as_str(), c.colour.as_deref()))
            .collect();
        use CodeKind::{Category, Code};
        assert_eq!(
            summary,
            [
                ("FEELINGS", None, Category, "Feelings", Some("#FF0000")),
                ("JOY", Some("FEELINGS"), Code, "Joy", Some("#FF0000")),
                ("JOY_2", Some("FEELINGS"), Code, " joy (2)", None),
                ("ETICA_Y_SEGURIDAD", None, Category, "Ética y seguridad", None),
                ("NO_GUID", None, Code, "No guid", Some("#00FF00")),
                ("UNNAMED_CODE", None, Category, "Unnamed code", None),
            ]
        );
        assert_eq!(file.codes[0].definition, "Emotions\nin general");
        assert_eq!(file.codes[0].guid.as_deref(), Some("AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"));
        assert_eq!(file.codes[1].short_definition, "");
        assert!(file.codes[4].retired && !file.codes[4].mutually_exclusive);
        assert_eq!(file.codes[5].guid, None, "a repeated guid is dropped");
        let notes = import.notes.join("\n");
        for expected in [
            "\"Feelings\" (line 5) is codable but holds other codes, so it became a category",
            "the colour \"blue\" could not be read",
            "is called \" joy (2)\"",
            "\"not-a-guid\" is not a GUID",
            "\"No guid\" (line 14) has no guid",
            "isCodable=\"yes\" is neither true nor false",
            "\"9lives\" is not a fieldwork id",
            "only a category can be mutually exclusive",
            "has no name",
            "has the guid of an earlier code",
            "Skipped the code sets (<Sets>, line 21)",
            "Skipped the element <Memo> inside <Code> (line 10, 2 times)",
            "Skipped the element <Extra> inside <CodeBook> (line 26)",
            "Skipped the attribute weight of <Code> (line 5)",
            "Skipped the attribute flavour of <CodeBook> (line 3)",
        ] {
            assert!(notes.contains(expected), "no note with {expected:?} in\n{notes}");
        }
        assert!(!notes.contains("<b>"), "what is inside a skipped element is not looked at: {notes}");
        validate(&to_qdc(file)).unwrap();
    }

    #[test]
    fn a_plain_description_that_merely_starts_with_a_label_is_still_read() {
        let described = read_description("Definition: a\nsecond line without indent", "x", &mut Vec::new());
        assert_eq!(described.definition, "Definition: a\nsecond line without indent");
        let described = read_description("Example: one line", "x", &mut Vec::new());
        assert_eq!(described.example, "one line");
    }

    #[test]
    fn colours_are_read_in_every_common_spelling() {
        for (raw, expected) in [
            ("#1f77b4", Some("#1F77B4")),
            ("#F0a", Some("#FF00AA")),
            ("rgb(255,0,0)", Some("#FF0000")),
            (" RGB( 1 , 2 , 3 ) ", Some("#010203")),
            ("00ff00", Some("#00FF00")),
            ("rgb(256,0,0)", None),
            ("rgb(1,2)", None),
            ("#12345", None),
            ("blue", None),
        ] {
            assert_eq!(read_colour(raw).as_deref(), expected, "{raw}");
        }
    }

    #[test]
    fn broken_files_are_refused_with_a_place_and_a_reason() {
        let good = to_qdc(&sample());
        let cut = &good[..good.len() / 2];
        let codebook =
            |inner: &str| format!("<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"{NAMESPACE}\">\n{inner}\n</CodeBook>");
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            ("CSV", b"name,definition\nJoy,Happy\n".to_vec(), "line 1, column 1", "not an XML file"),
            ("empty", Vec::new(), "line 1, column 1", "no XML element"),
            ("binary", b"<CodeBook>\x89PNG\xff\xfe".to_vec(), "line 1, column 11", "not UTF-8"),
            ("truncated", cut.as_bytes().to_vec(), "line", "cut short"),
            (
                "truncated tag",
                b"<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"".to_vec(),
                "line 1",
                "not well-formed",
            ),
            ("mismatched", codebook("<Codes><Code></Codes>").into_bytes(), "line 3", "not well-formed"),
            (
                "project",
                b"<Project xmlns=\"urn:QDA-XML:project:1.0\"/>".to_vec(),
                "line 1, column 1",
                "export its codebook as .qdc",
            ),
            (
                "html",
                b"<!DOCTYPE html>\n<html><body/></html>".to_vec(),
                "line 2, column 1",
                "the root element is <html>",
            ),
            (
                "namespace",
                b"<CodeBook xmlns=\"urn:QDA-XML:project:1.0\"><Codes/></CodeBook>".to_vec(),
                "line 1",
                "namespace urn:QDA-XML:project:1.0",
            ),
            (
                "no codes",
                codebook("<Sets><Set guid=\"x\" name=\"s\"/></Sets>").into_bytes(),
                "line 2, column 1",
                "has no <Codes>",
            ),
            (
                "two roots",
                format!("{}\n<CodeBook/>", codebook("<Codes/>")).into_bytes(),
                "line 5",
                "second root element",
            ),
            (
                "duplicate attribute",
                codebook("<Codes><Code name=\"a\" name=\"b\"/></Codes>").into_bytes(),
                "line 3",
                "not well-formed",
            ),
            (
                "bad reference",
                codebook("<Codes><Code><Description>&#0;</Description></Code></Codes>").into_bytes(),
                "line 3",
                "not well-formed",
            ),
        ];
        for (what, bytes, place, reason) in cases {
            let errors = from_qdc(&bytes, "x").expect_err(what);
            let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
            assert!(
                errors.iter().any(|e| e.path.starts_with(place) && e.message.contains(reason)),
                "{what}: {shown:?}"
            );
        }
    }

    #[test]
    fn every_cut_short_export_is_refused_without_a_panic() {
        let good = to_qdc(&sample());
        for end in (0..good.len()).filter(|&end| good.is_char_boundary(end)) {
            assert!(from_qdc(&good.as_bytes()[..end], "x").is_err(), "accepted the first {end} bytes");
        }
    }

    #[test]
    fn utf16_files_are_read() {
        let text = to_qdc(&sample());
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(from_qdc(&bytes, "x").unwrap().file.codes.len(), sample().codes.len());
    }
}
