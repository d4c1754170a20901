//! A codebook as CSV, for spreadsheets and Taguette: one row per category or code in tree order,
//! with its path (`tag`, the column Taguette's codebook import reads as the tag's name), its
//! short definition (`description`, which Taguette reads too) and every other field, so that
//! reading the file back gives the same codebook. Reading also takes Taguette's own codebook CSV
//! (`tag` or `name` or `path`, and `description`). A file with any error gives every error with
//! its CSV line, and no codebook.

use std::collections::HashSet;
use std::io::Write;

use super::model::{CodeEntry, CodeKind, CodebookError, CodebookFile, FORMAT};
use super::tree::Tree;
use crate::csv_out::{CsvOptions, CsvWriter, formula_unguarded};

/// The columns, in order. The code's own name is `code_name`, not `name`: Taguette refuses a
/// file with both a `tag` and a `name` column.
pub const HEADER: [&str; 16] = [
    "tag",
    "id",
    "parent",
    "kind",
    "code_name",
    "description",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "example",
    "near_miss",
    "colour",
    "shortcut",
    "mutually_exclusive",
    "retired",
    "guid",
];

/// Writes the codebook's entries in tree order (each category before what it holds).
pub fn write<W: Write>(file: &CodebookFile, out: W) -> Result<(), csv::Error> {
    let mut w = CsvWriter::new(out, CsvOptions::default())?;
    w.record(HEADER)?;
    let tree = Tree::new(file);
    for (_, entry) in tree.entries() {
        let yes = |b: bool| if b { "true" } else { "false" };
        w.record([
            tree.path(&entry.id).as_str(),
            &entry.id,
            entry.parent.as_deref().unwrap_or_default(),
            if entry.kind == CodeKind::Category { "category" } else { "code" },
            &entry.name,
            &entry.short_definition,
            &entry.definition,
            &entry.when_to_use,
            &entry.when_not_to_use,
            &entry.example,
            &entry.near_miss,
            entry.colour.as_deref().unwrap_or_default(),
            entry.shortcut.as_deref().unwrap_or_default(),
            yes(entry.mutually_exclusive),
            yes(entry.retired),
            entry.guid.as_deref().unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The codebook as text (for the command line's standard output and the download).
pub fn to_csv(file: &CodebookFile) -> Result<String, csv::Error> {
    let mut out = Vec::new();
    write(file, &mut out)?;
    String::from_utf8(out).map_err(|e| csv::Error::from(std::io::Error::other(e)))
}

/// Where each field is, by its column's place in the file's header.
struct Columns {
    /// The column that names the entry: `code_name`, else Taguette's `tag`, `name` or `path`.
    name: usize,
    /// Whether the name column holds a path (`tag`, `path`) whose last part is the name.
    name_is_path: bool,
    fields: Vec<(&'static str, usize)>,
}

impl Columns {
    fn read(header: &csv::StringRecord) -> Result<Columns, CodebookError> {
        let names: Vec<String> =
            header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase()).collect();
        let at = |name: &str| names.iter().position(|n| n == name);
        let (name, name_is_path) = match (at("code_name"), at("tag"), at("name"), at("path")) {
            (Some(i), ..) => (i, false),
            (None, Some(i), None, None) | (None, None, None, Some(i)) => (i, true),
            (None, None, Some(i), None) => (i, false),
            (None, None, None, None) => {
                return Err(at_line(1, "no column names the codes: give code_name, tag, name or path"));
            }
            _ => return Err(at_line(1, "tag, name and path all name the codes: keep one of them")),
        };
        let fields = HEADER[1..].iter().filter(|f| **f != "code_name").filter_map(|f| at(f).map(|i| (*f, i))).collect();
        Ok(Columns { name, name_is_path, fields })
    }
}

fn at_line(line: u64, message: impl Into<String>) -> CodebookError {
    CodebookError { path: format!("line {line}"), message: message.into() }
}

/// Reads a codebook CSV (ours or Taguette's) named `name`. Entries without an `id` column get
/// one made from their name; without `parent`, every entry is at the top.
pub fn from_csv(bytes: &[u8], name: &str) -> Result<CodebookFile, Vec<CodebookError>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        vec![at_line(line, "the file is not UTF-8 text: save it as CSV UTF-8")]
    })?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| vec![at_line(1, format!("the header cannot be read: {e}"))])?.clone();
    let columns = Columns::read(&header).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut codes = Vec::new();
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                errors.push(at_line(line, format!("not readable as CSV: {err}")));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            errors.push(at_line(line, format!("{} cells for the header's {} columns", record.len(), header.len())));
            continue;
        }
        match entry(&columns, &record) {
            Ok(entry) => {
                codes.push(entry);
                lines.push(line);
            }
            Err(message) => errors.push(at_line(line, message)),
        }
    }
    if !columns.fields.iter().any(|(f, _)| *f == "id") {
        give_ids(&mut codes);
    }
    let file =
        CodebookFile { format: FORMAT, name: name.to_string(), description: String::new(), codes, closed: Vec::new() }
            .with_lf_line_breaks();
    // The model's checks, each placed at the line of the entry it is about.
    errors.extend(file.check().into_iter().map(|e| placed(e, &lines)));
    if errors.is_empty() { Ok(file) } else { Err(errors) }
}

/// `codes[3].parent: …` as `line 5, parent: …`.
fn placed(error: CodebookError, lines: &[u64]) -> CodebookError {
    let entry = error.path.strip_prefix("codes[").and_then(|rest| rest.split_once("]."));
    match entry.and_then(|(i, field)| Some((lines.get(i.parse::<usize>().ok()?)?, field))) {
        Some((line, field)) => CodebookError { path: format!("line {line}, {field}"), message: error.message },
        None => error,
    }
}

/// One entry from its row.
fn entry(columns: &Columns, record: &csv::StringRecord) -> Result<CodeEntry, String> {
    let cell = |i: usize| formula_unguarded(record.get(i).unwrap_or_default()).to_string();
    let named = cell(columns.name);
    let name = if columns.name_is_path { named.rsplit(" / ").next().unwrap_or_default().to_string() } else { named };
    let mut entry = CodeEntry { name: name.trim().to_string(), ..CodeEntry::default() };
    let optional = |text: String| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    for (field, i) in &columns.fields {
        let value = cell(*i);
        match *field {
            "id" => entry.id = value.trim().to_string(),
            "parent" => entry.parent = optional(value),
            "kind" => {
                entry.kind = match value.trim().to_lowercase().as_str() {
                    "" | "code" => CodeKind::Code,
                    "category" => CodeKind::Category,
                    other => return Err(format!("kind: \"{other}\" is not code or category")),
                }
            }
            "description" => entry.short_definition = value,
            "definition" => entry.definition = value,
            "when_to_use" => entry.when_to_use = value,
            "when_not_to_use" => entry.when_not_to_use = value,
            "example" => entry.example = value,
            "near_miss" => entry.near_miss = value,
            "colour" => entry.colour = optional(value),
            "shortcut" => entry.shortcut = Some(value).filter(|s| !s.is_empty()),
            "mutually_exclusive" => entry.mutually_exclusive = yes_no(field, &value)?,
            "retired" => entry.retired = yes_no(field, &value)?,
            "guid" => entry.guid = optional(value),
            _ => {}
        }
    }
    Ok(entry)
}

fn yes_no(field: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_lowercase().as_str() {
        "" | "false" | "no" | "0" => Ok(false),
        "true" | "yes" | "1" => Ok(true),
        other => Err(format!("{field}: \"{other}\" is not true or false")),
    }
}

/// Ids made from names (letters, digits and `_`, starting with a letter), unique in the file.
fn give_ids(codes: &mut [CodeEntry]) {
    let mut taken = HashSet::new();
    for code in codes {
        let mut base: String =
            code.name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
        base = base.trim_matches('_').chars().take(56).collect();
        if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
            base = format!("C_{base}");
        }
        let mut id = base.clone();
        let mut n = 2;
        while !taken.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        code.id = id;
    }
}

#[cfg(test)]
mod tests;
