//! Export: a codebook as a REFI-QDA codebook, codes nested under their parents, with fieldwork's
//! fields in each code's `<Description>`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesPI, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use sha2::{Digest, Sha256};

use super::build::{bare_guid, read_colour};
use super::*;
use crate::codebook::model::{CodeEntry, CodeKind, CodebookFile};
use crate::codebook::tree::Tree;

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

pub(super) fn write_codebook(w: &mut Writer<Vec<u8>>, file: &CodebookFile) -> std::io::Result<()> {
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
    let tree = Tree::new(file);
    let mut written = vec![false; file.codes.len()];
    // Entries caught in a parent cycle (a codebook that fails `check`) come last, at the top.
    for top in tree.tops().iter().copied().chain(0..file.codes.len()) {
        if !written[top] {
            write_tree(w, file, &tree, top, &mut written, &mut guids)?;
        }
    }
    w.write_event(Event::End(BytesEnd::new("Codes")))?;
    Ok(guids.by_id)
}

/// The guids handed out while writing codes, and the notes to reference from them.
pub(super) struct Guids<'a> {
    used: HashSet<String>,
    by_id: BTreeMap<String, String>,
    note_refs: &'a BTreeMap<String, Vec<String>>,
}

/// Writes one entry and everything under it, depth first, without recursion.
pub(super) fn write_tree<W: std::io::Write>(
    w: &mut Writer<W>,
    file: &CodebookFile,
    tree: &Tree,
    top: usize,
    written: &mut [bool],
    guids: &mut Guids,
) -> std::io::Result<()> {
    let children = |i: usize| -> Vec<usize> { tree.children(i).iter().copied().filter(|&k| k != i).collect() };
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

pub(super) fn write_start<W: std::io::Write>(
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
    w.create_element("Description").write_text_content(BytesText::new(&xml_safe(&describe(entry))))?;
    for note in guids.note_refs.get(&entry.id).into_iter().flatten() {
        w.create_element("NoteRef").with_attribute(attribute("targetGUID", note)).write_empty()?;
    }
    Ok(())
}

/// An attribute whose value survives a round trip, escaped by quick-xml: the markup characters,
/// and `\r`, `\n` and tabs as character references, which attribute-value normalisation keeps (a
/// literal one would be read back as a space). Owned, so `value` need not outlive it.
pub fn attribute<'a>(key: &'a str, value: &str) -> Attribute<'a> {
    let escaped = Attribute::from((key, &*xml_safe(value))).value.into_owned();
    Attribute { key: QName(key), value: Cow::Owned(escaped) }
}

/// Text as XML 1.0 can carry it: characters it forbids (most C0 controls, U+FFFE, U+FFFF)
/// become U+FFFD, one for one, so positions counted in it hold; even as character references
/// they would make the file ill-formed. Forms refuse them (`text::typed`), but texts stored
/// before that rule may hold them.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}');
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().map(|c| if allowed(c) { c } else { char::REPLACEMENT_CHARACTER }).collect())
    }
}

/// The stored guid if it is one and not yet used in this file, else one derived from the id.
pub(super) fn export_guid(entry: &CodeEntry, index: usize, used: &mut HashSet<String>) -> String {
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
pub(super) fn describe(entry: &CodeEntry) -> String {
    let flag = |on: bool| if on { "yes" } else { "" };
    let mut text = String::new();
    for (field, label) in FIELDS {
        let value = match field {
            Field::ShortDefinition => entry.short_definition.as_str(),
            Field::Definition => &entry.definition,
            Field::WhenToUse => &entry.when_to_use,
            Field::WhenNotToUse => &entry.when_not_to_use,
            Field::Example => &entry.example,
            Field::NearMiss => &entry.near_miss,
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
