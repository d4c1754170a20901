//! Import, second half: what the parser found made into a codebook — descriptions read back into
//! fields, ids made from names, kinds, colours — fixing what it can and noting each fix.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::read::{Found, FoundCode};
use super::*;
use crate::codebook::model::{CodeEntry, CodeKind, CodebookError, CodebookFile, FORMAT};

/// The fieldwork fields read from one `<Description>`.
#[derive(Debug, Default)]
pub(super) struct Described {
    pub(super) short_definition: String,
    pub(super) definition: String,
    pub(super) when_to_use: String,
    pub(super) when_not_to_use: String,
    pub(super) example: String,
    pub(super) near_miss: String,
    pub(super) mutually_exclusive: bool,
    pub(super) retired: bool,
    pub(super) id: Option<String>,
}

/// Reads a `<Description>` in fieldwork's labelled form, or as plain text.
pub(super) fn read_description(text: &str, label: &str, notes: &mut Vec<String>) -> Described {
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
            Field::NearMiss => out.near_miss = value,
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
pub(super) fn labelled(text: &str) -> Option<Vec<(Field, String)>> {
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

pub(super) fn label_line(line: &str) -> Option<(Field, &str)> {
    FIELDS.iter().find_map(|&(field, label)| {
        let head = line.get(..label.len())?;
        let rest = line.get(label.len()..)?.strip_prefix(':')?;
        head.eq_ignore_ascii_case(label).then(|| (field, rest.strip_prefix(' ').unwrap_or(rest)))
    })
}

/// Turns what the parser found into a codebook, fixing what it can and noting each fix.
pub(super) fn build(found: Found, name_if_missing: &str) -> Result<QdcImport, Vec<CodebookError>> {
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
    let mut suffixes = HashMap::new();
    let ids: Vec<String> = ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| id.unwrap_or_else(|| id_from_name(&names[i], &mut taken, &mut suffixes)))
        .collect();

    let mut guids = HashSet::new();
    let mut sibling_names = HashSet::new();
    // The last number given to a name under a parent, so that many codes of one name cost one
    // try each rather than one per earlier namesake.
    let mut name_suffixes: HashMap<(Option<String>, String), usize> = HashMap::new();
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
        if !sibling_names.insert((parent.clone(), name.trim().to_lowercase())) {
            let last = name_suffixes.entry((parent.clone(), name.trim().to_lowercase())).or_insert(1);
            loop {
                *last += 1;
                n = *last;
                name = format!("{} ({n})", names[i]);
                if sibling_names.insert((parent.clone(), name.trim().to_lowercase())) {
                    break;
                }
            }
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
            near_miss: described.near_miss,
            colour,
            shortcut: None,
            mutually_exclusive,
            retired: described.retired,
            guid,
        });
    }
    let name = name.filter(|name| !name.trim().is_empty()).unwrap_or_else(|| name_if_missing.to_string());
    let file =
        CodebookFile { format: FORMAT, name, description: description.unwrap_or_default(), codes, closed: Vec::new() }
            .with_lf_line_breaks();
    let errors = file.check();
    if errors.is_empty() {
        Ok(QdcImport { file, notes })
    } else {
        Err(errors.into_iter().map(|error| placed_in_file(error, &found_codes)).collect())
    }
}

/// A problem with the `i`th code (`codes[i].name`) placed where that code is in the file
/// (`line 12, name`): the code's index means nothing to whoever wrote the file.
fn placed_in_file(error: CodebookError, found: &[FoundCode]) -> CodebookError {
    let place = error.path.strip_prefix("codes[").and_then(|rest| {
        let (index, field) = rest.split_once("].")?;
        Some((found.get(index.parse::<usize>().ok()?)?.line, field.to_string()))
    });
    match place {
        Some((line, field)) => CodebookError { path: format!("line {line}, {field}"), message: error.message },
        None => error,
    }
}

/// Category or code from `isCodable`; a codable code with codes inside becomes a category.
pub(super) fn code_kind(found: &FoundCode, label: &str, notes: &mut Vec<String>) -> CodeKind {
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

pub(super) fn is_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Letters with accents, folded so that "Ética" gives the id ETICA rather than TICA.
pub(super) const FOLDS: [(&str, &str); 13] = [
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
/// An id made from a code's name, not in `taken` (which it joins); `suffixes` remembers the last
/// number given to each base, so that many codes of one name cost one try each.
pub(super) fn id_from_name(name: &str, taken: &mut HashSet<String>, suffixes: &mut HashMap<String, usize>) -> String {
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
    if taken.insert(id.clone()) {
        return id;
    }
    let n = suffixes.entry(base.clone()).or_insert(1);
    loop {
        *n += 1;
        id = format!("{base}_{n}");
        if taken.insert(id.clone()) {
            return id;
        }
    }
}

/// A GUID with or without braces, without them.
pub(super) fn bare_guid(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('{').and_then(|guid| guid.strip_suffix('}')).unwrap_or(raw);
    let dashes = [8, 13, 18, 23];
    let ok = inner.len() == 36
        && inner.char_indices().all(|(i, c)| if dashes.contains(&i) { c == '-' } else { c.is_ascii_hexdigit() });
    ok.then_some(inner)
}

/// `#RRGGBB` in upper case from `#RRGGBB`, `#RGB` (either case, `#` optional) or `rgb(r, g, b)`.
pub(super) fn read_colour(raw: &str) -> Option<String> {
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
