//! The sections of a 118 file around its data: the header, the `<map>` of offsets, the
//! variables' types, names, formats, value-label names and labels (fixed-width fields, NUL
//! padded), and after the data and long strings the value-label tables.

use super::super::text::{cut_bytes, label};
use super::Storage;
use crate::export::labelled::{Dataset, Kind, Reason, Variable};

/// Field widths of format 118, in bytes.
const NAME: usize = 129;
const FORMAT: usize = 57;
const VARIABLE_LABEL: usize = 321;
/// Labels hold 80 characters (of up to 4 bytes each).
const LABEL_CHARS: usize = 80;

/// The bytes before the data, and those after the long strings.
pub struct Head {
    pub bytes: Vec<u8>,
    pub tail: Vec<u8>,
}

/// `text` cut to `len - 1` bytes and padded with NULs to `len`.
fn fixed(out: &mut Vec<u8>, text: &str, len: usize) {
    let text = cut_bytes(text, len - 1).as_bytes();
    out.extend_from_slice(text);
    out.resize(out.len() + len - text.len(), 0);
}

fn tagged(out: &mut Vec<u8>, tag: &str, body: &[u8]) {
    out.extend_from_slice(format!("<{tag}>").as_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(format!("</{tag}>").as_bytes());
}

/// Everything before `<data>`, with the map filled in from the sizes of the data (`data`
/// bytes of rows) and of the long strings (`strls` bytes of GSO records).
pub fn head(dataset: &Dataset, storages: &[Storage], cases: u64, data: u64, strls: u64) -> Head {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"<stata_dta>");
    let mut header = Vec::new();
    tagged(&mut header, "release", b"118");
    tagged(&mut header, "byteorder", b"LSF");
    tagged(&mut header, "K", &(storages.len() as u16).to_le_bytes());
    tagged(&mut header, "N", &cases.to_le_bytes());
    let label = label(&dataset.label, LABEL_CHARS, LABEL_CHARS * 4);
    let mut label_field = (label.len() as u16).to_le_bytes().to_vec();
    label_field.extend_from_slice(label.as_bytes());
    tagged(&mut header, "label", &label_field);
    let stamp = timestamp(dataset.created);
    let mut stamp_field = vec![stamp.len() as u8];
    stamp_field.extend_from_slice(stamp.as_bytes());
    tagged(&mut header, "timestamp", &stamp_field);
    tagged(&mut bytes, "header", &header);

    let map_at = bytes.len() as u64;
    let map_len = ("<map></map>".len() + 14 * 8) as u64;
    let sections = metadata(dataset, storages);
    let tail = value_labels(dataset, storages);

    let mut offsets = vec![0, map_at];
    let mut at = map_at + map_len;
    for section in &sections {
        offsets.push(at);
        at += section.len() as u64;
    }
    let data_at = at;
    let strls_at = data_at + ("<data></data>".len() as u64) + data;
    let labels_at = strls_at + ("<strls></strls>".len() as u64) + strls;
    let end_at = labels_at + (tail.len() - "</stata_dta>".len()) as u64;
    offsets.extend([data_at, strls_at, labels_at, end_at, end_at + "</stata_dta>".len() as u64]);
    let map: Vec<u8> = offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
    tagged(&mut bytes, "map", &map);
    for section in sections {
        bytes.extend_from_slice(&section);
    }
    Head { bytes, tail }
}

/// `dd Mon yyyy hh:mm`, as Stata writes it.
fn timestamp(created: jiff::civil::DateTime) -> String {
    let month = crate::export::labelled::month_abbreviation(created.month());
    format!("{:02} {month} {:04} {:02}:{:02}", created.day(), created.year(), created.hour(), created.minute())
}

/// The seven sections from `<variable_types>` to `<characteristics>`, each with its tags.
fn metadata(dataset: &Dataset, storages: &[Storage]) -> Vec<Vec<u8>> {
    let variables = &dataset.variables;
    let mut sections = Vec::new();
    let mut section = |tag: &str, body: Vec<u8>| {
        let mut out = Vec::new();
        tagged(&mut out, tag, &body);
        sections.push(out);
    };
    section("variable_types", storages.iter().flat_map(|s| s.code().to_le_bytes()).collect());
    let mut names = Vec::new();
    variables.iter().for_each(|v| fixed(&mut names, &v.name, NAME));
    section("varnames", names);
    section("sortlist", vec![0; (variables.len() + 1) * 2]);
    let mut formats = Vec::new();
    for (variable, storage) in variables.iter().zip(storages) {
        fixed(&mut formats, &format(variable, *storage), FORMAT);
    }
    section("formats", formats);
    let mut label_names = Vec::new();
    for (variable, storage) in variables.iter().zip(storages) {
        let name = if labels(dataset, variable, *storage).is_empty() { "" } else { variable.name.as_str() };
        fixed(&mut label_names, name, NAME);
    }
    section("value_label_names", label_names);
    let mut variable_labels = Vec::new();
    for variable in variables {
        fixed(&mut variable_labels, label(&variable.label, LABEL_CHARS, VARIABLE_LABEL - 1), VARIABLE_LABEL);
    }
    section("variable_labels", variable_labels);
    section("characteristics", Vec::new());
    sections
}

/// The display format of a variable.
fn format(variable: &Variable, storage: Storage) -> String {
    match (variable.kind, storage) {
        (Kind::Date, _) => "%td".into(),
        (_, Storage::Str(width)) => format!("%{}s", width.min(2045)),
        (_, Storage::StrL) => "%9s".into(),
        (Kind::Numeric { decimals }, _) if decimals > 0 => format!("%10.{decimals}f"),
        (_, Storage::Double) => "%10.0g".into(),
        _ => "%8.0g".into(),
    }
}

/// A numeric variable's value labels as Stata keeps them (whole values only, each once),
/// with the missing-data codes' letters, sorted by value.
fn labels<'a>(dataset: &Dataset, variable: &'a Variable, storage: Storage) -> Vec<(i32, &'a str)> {
    if matches!(storage, Storage::Str(_) | Storage::StrL) {
        return Vec::new();
    }
    let mut labels: Vec<(i32, &str)> = variable
        .value_labels
        .iter()
        .filter(|l| l.value.fract() == 0.0 && l.value.abs() <= 2_147_483_620.0)
        .map(|l| (l.value as i32, l.label.as_str()))
        .collect();
    if dataset.missing.is_some() {
        // Stata keys `.a`…`.z` by the `long` missing values: `.` is 2,147,483,621.
        labels
            .extend(Reason::ALL.map(|r| (2_147_483_621 + (super::stata_letter(r) as i32 - 'a' as i32 + 1), r.label())));
    }
    labels.sort_by_key(|(value, _)| *value);
    labels.dedup_by_key(|(value, _)| *value);
    labels
}

/// `<value_labels>` with a table per labelled variable (named after it), and the file's end.
fn value_labels(dataset: &Dataset, storages: &[Storage]) -> Vec<u8> {
    let mut body = Vec::new();
    for (variable, storage) in dataset.variables.iter().zip(storages) {
        let labels = labels(dataset, variable, *storage);
        if labels.is_empty() {
            continue;
        }
        let mut text = Vec::new();
        let mut offsets = Vec::new();
        for (_, label) in &labels {
            offsets.extend_from_slice(&(text.len() as u32).to_le_bytes());
            text.extend_from_slice(cut_bytes(label, 32_000).as_bytes());
            text.push(0);
        }
        let mut table = Vec::new();
        let n = labels.len() as u32;
        let length = 8 + 8 * n + text.len() as u32;
        table.extend_from_slice(&length.to_le_bytes());
        fixed(&mut table, &variable.name, NAME);
        table.extend_from_slice(&[0; 3]);
        table.extend_from_slice(&n.to_le_bytes());
        table.extend_from_slice(&(text.len() as u32).to_le_bytes());
        table.extend_from_slice(&offsets);
        labels.iter().for_each(|(value, _)| table.extend_from_slice(&value.to_le_bytes()));
        table.extend_from_slice(&text);
        tagged(&mut body, "lbl", &table);
    }
    let mut out = Vec::new();
    tagged(&mut out, "value_labels", &body);
    out.extend_from_slice(b"</stata_dta>");
    out
}
