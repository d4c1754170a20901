//! The records before the data: the file header, one variable record per 8-byte unit of a case,
//! value labels, the extension records (machine information, display parameters, long names,
//! very long strings, the number of cases, the UTF-8 encoding) and the end of the dictionary. Record layouts are those of PSPP's "System File Format".

use std::io::Write;

use super::super::text::{self, cut_bytes};
use super::compress::{BIAS, SYSMIS};
use super::{Layout, Placed, SEGMENT};
use crate::export::labelled::{Dataset, Kind, LabelledError, Measure, Reason, Variable};

/// SPSS keeps this many bytes of a variable label (the documented limits run from 120 to 255).
pub const VARIABLE_LABEL_BYTES: usize = 255;
/// And this many of a value label.
pub const VALUE_LABEL_BYTES: usize = 120;

/// The format codes of PSPP's "Variable Record" (`A`, `F`, `DATE`).
const FORMAT_A: i32 = 1;
const FORMAT_F: i32 = 5;
const FORMAT_DATE: i32 = 20;

/// A little-endian record being built.
#[derive(Default)]
struct Record(Vec<u8>);

impl Record {
    fn int(&mut self, value: i32) -> &mut Self {
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }

    fn float(&mut self, value: f64) -> &mut Self {
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }

    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }

    /// `text` padded with spaces (or cut) to exactly `len` bytes.
    fn padded(&mut self, text: &str, len: usize) -> &mut Self {
        let text = cut_bytes(text, len).as_bytes();
        self.0.extend_from_slice(text);
        self.0.resize(self.0.len() + len - text.len(), b' ');
        self
    }

    /// An extension record (type 7) of `size`-byte elements.
    fn extension(&mut self, subtype: i32, size: i32, body: &[u8]) -> &mut Self {
        let count = i32::try_from(body.len() / size as usize).unwrap_or(i32::MAX);
        self.int(7).int(subtype).int(size).int(count).bytes(body)
    }
}

/// Writes the dictionary of `dataset` laid out as `layout`, for `cases` rows.
pub fn write(out: &mut impl Write, dataset: &Dataset, layout: &Layout, cases: u64) -> Result<(), LabelledError> {
    let mut r = Record::default();
    header(&mut r, dataset, layout, cases);
    for (variable, placed) in dataset.variables.iter().zip(&layout.variables) {
        variable_records(&mut r, dataset, variable, placed);
    }
    for (variable, placed) in dataset.variables.iter().zip(&layout.variables) {
        value_labels(&mut r, dataset, variable, placed);
    }
    extensions(&mut r, dataset, layout, cases);
    r.int(999).int(0);
    out.write_all(&r.0)?;
    Ok(())
}

fn header(r: &mut Record, dataset: &Dataset, layout: &Layout, cases: u64) {
    let created = dataset.created;
    let month = crate::export::labelled::month_abbreviation(created.month());
    let date = format!("{:02} {month} {:02}", created.day(), created.year().rem_euclid(100));
    let time = format!("{:02}:{:02}:{:02}", created.hour(), created.minute(), created.second());
    r.bytes(b"$FL2")
        .padded(concat!("@(#) SPSS DATA FILE fieldwork ", env!("CARGO_PKG_VERSION")), 60)
        .int(2) // layout code: little-endian
        .int(i32::try_from(layout.case_size()).unwrap_or(i32::MAX))
        .int(1) // bytecode compression
        .int(0) // no weight variable
        .int(i32::try_from(cases).unwrap_or(-1))
        .float(BIAS)
        .padded(&date, 9)
        .padded(&time, 8)
        .padded(&dataset.label, 64)
        .bytes(&[0; 3]);
}

/// The format of a variable (or of a segment of a very long string, `width` wide).
fn format(variable: &Variable, width: usize) -> i32 {
    let (kind, width, decimals) = match variable.kind {
        Kind::Numeric { decimals } => {
            (FORMAT_F, 8 + i32::from(decimals.min(16)) + 4 * i32::from(decimals > 0), decimals)
        }
        Kind::Date => (FORMAT_DATE, 11, 0),
        Kind::String { .. } => (FORMAT_A, i32::try_from(width.min(SEGMENT)).unwrap_or(255), 0),
    };
    (kind << 16) | (width << 8) | i32::from(decimals.min(16))
}

/// A variable's records: for each segment, its record and one continuation per further 8 bytes.
/// The first carries the label and the missing values.
fn variable_records(r: &mut Record, dataset: &Dataset, variable: &Variable, placed: &Placed) {
    for (i, segment) in placed.segments.iter().enumerate() {
        let first = i == 0;
        let label = text::label(&variable.label, usize::MAX, VARIABLE_LABEL_BYTES);
        let has_label = first && !label.is_empty();
        let missing = if first { short_missing_values(dataset, variable, placed) } else { Vec::new() };
        let format = format(variable, segment.width);
        r.int(2)
            .int(i32::try_from(segment.width).unwrap_or(255))
            .int(i32::from(has_label))
            .int(i32::try_from(missing.len()).unwrap_or(0))
            .int(format)
            .int(format)
            .padded(&segment.short, 8);
        if has_label {
            let padded = label.len().div_ceil(4) * 4;
            r.int(i32::try_from(label.len()).unwrap_or(0)).padded(label, padded);
        }
        for value in missing {
            r.bytes(&value);
        }
        for _ in 1..segment.units() {
            r.int(2).int(-1).int(0).int(0).int(0).int(0).padded("", 8);
        }
    }
}

/// The missing-data codes as the variable record's discrete missing values: numbers, or for a
/// string of at most 8 bytes its digits. Wider strings hold the digits undeclared: their record
/// (7/22) is read in two incompatible ways (PSPP before 2.0 wants a length before each value,
/// SPSS and ReadStat one length for all), and whichever is written, one of them fails. Dates have
/// none: a code would be a date in 1582, so they are system-missing.
fn short_missing_values(dataset: &Dataset, variable: &Variable, placed: &Placed) -> Vec<[u8; 8]> {
    let Some(codes) = dataset.missing else { return Vec::new() };
    let codes = Reason::ALL.map(|reason| codes.code(reason));
    match variable.kind {
        Kind::Numeric { .. } => codes.iter().map(|c| f64::from(*c).to_le_bytes()).collect(),
        Kind::String { .. } if placed.width <= 8 => codes.iter().map(|c| eight(&c.to_string())).collect(),
        Kind::String { .. } | Kind::Date => Vec::new(),
    }
}

/// A short string value: its bytes padded with spaces to 8.
fn eight(text: &str) -> [u8; 8] {
    let mut value = [b' '; 8];
    let text = cut_bytes(text, 8).as_bytes();
    value[..text.len()].copy_from_slice(text);
    value
}

/// The value labels of a numeric variable (record 3) and the variable they belong to (record 4),
/// with a label for each missing-data code.
fn value_labels(r: &mut Record, dataset: &Dataset, variable: &Variable, placed: &Placed) {
    if matches!(variable.kind, Kind::String { .. }) {
        return;
    }
    let mut labels: Vec<(f64, &str)> = variable.value_labels.iter().map(|l| (l.value, l.label.as_str())).collect();
    if let (Some(codes), Kind::Numeric { .. }) = (dataset.missing, variable.kind) {
        labels.extend(Reason::ALL.map(|reason| (f64::from(codes.code(reason)), reason.label())));
    }
    if labels.is_empty() {
        return;
    }
    r.int(3).int(i32::try_from(labels.len()).unwrap_or(i32::MAX));
    for (value, label) in labels {
        let label = text::label(label, usize::MAX, VALUE_LABEL_BYTES);
        // The length byte and the label fill a whole number of 8-byte units.
        let padded = (label.len() + 1).div_ceil(8) * 8 - 1;
        r.float(value).bytes(&[label.len() as u8]).padded(label, padded);
    }
    r.int(4).int(1).int(i32::try_from(placed.index).unwrap_or(i32::MAX));
}

fn extensions(r: &mut Record, dataset: &Dataset, layout: &Layout, cases: u64) {
    // Machine integer information: version 0.1.0, unknown machine, IEEE 754, bytecode
    // compression, little-endian, UTF-8 (code page 65001).
    let mut integers = Record::default();
    for value in [0, 1, 0, -1, 1, 1, 2, 65001] {
        integers.int(value);
    }
    r.extension(3, 4, &integers.0);
    let mut floats = Record::default();
    // System-missing, the highest value, the lowest (the double just above system-missing).
    floats.float(SYSMIS).float(f64::MAX).float(f64::from_bits(SYSMIS.to_bits() - 1));
    r.extension(4, 8, &floats.0);
    r.extension(11, 4, &display(dataset, layout).0);
    let long_names: Vec<String> =
        dataset.variables.iter().zip(&layout.variables).map(|(v, p)| format!("{}={}", p.short, v.name)).collect();
    r.extension(13, 1, long_names.join("\t").as_bytes());
    let very_long: String = layout
        .variables
        .iter()
        .filter(|p| p.width > SEGMENT)
        .map(|p| format!("{}={:05}\0\t", p.short, p.width))
        .collect();
    if !very_long.is_empty() {
        r.extension(14, 1, very_long.as_bytes());
    }
    let mut count = Record::default();
    count.bytes(&1u64.to_le_bytes()).bytes(&cases.to_le_bytes());
    r.extension(16, 8, &count.0);
    r.extension(20, 1, b"UTF-8");
}

/// Display parameters (record 7/11) for each segment: the measurement level, a width in
/// columns, the alignment.
fn display(dataset: &Dataset, layout: &Layout) -> Record {
    let mut record = Record::default();
    for (variable, placed) in dataset.variables.iter().zip(&layout.variables) {
        let measure = match variable.measure {
            Measure::Nominal => 1,
            Measure::Ordinal => 2,
            Measure::Scale => 3,
        };
        let (columns, alignment) = match variable.kind {
            Kind::String { .. } => (placed.width.clamp(8, 40), 0),
            Kind::Numeric { .. } => (10, 1),
            Kind::Date => (11, 1),
        };
        for _ in &placed.segments {
            record.int(measure).int(columns as i32).int(alignment);
        }
    }
    record
}
