//! The SPSS system file (`.sav`), written from PSPP's documentation of the format ("System File
//! Format" in the PSPP developers' guide): little-endian, UTF-8 (the encoding record), bytecode
//! compression. A first pass over the rows gives each string its width and the file its number
//! of cases; the second writes the rows, one at a time.
//!
//! Limits of the format, met here: a variable label holds 255 bytes and a value label 120 (cut
//! on a character boundary; the data dictionary keeps the full texts); a string holds 32,767
//! bytes (a longer text is cut, and counted in `Written::texts_cut`); a string wider than 255
//! bytes is stored as segments of 255 ("very long strings"); user-missing values are the three
//! missing-data codes, as discrete values, on numeric variables and on strings of up to 8 bytes
//! (wider strings hold the codes' digits undeclared; dates are system-missing: see
//! `dictionary::short_missing_values`).

mod compress;
mod dictionary;

use std::io::{BufWriter, Write};

use super::measure::{Measured, measure};
use super::{Cell, Dataset, Kind, LabelledError, Rows, Variable, Written};
use compress::{Compressor, SYSMIS};

/// The widest string SPSS holds, in bytes.
pub const MAX_STRING: usize = 32_767;
/// The widest segment of a very long string.
const SEGMENT: usize = 255;
/// The bytes of a very long string each full segment holds (its last 3 of 255 are unused).
const SEGMENT_DATA: usize = 252;

/// SPSS's days from its epoch, 14 October 1582, to 1 January 1970.
const EPOCH_TO_1970_DAYS: i64 = 141_428;

/// Writes `dataset` with its rows as an SPSS system file to `out`.
pub fn write<W: Write>(dataset: &Dataset, rows: &mut dyn Rows, out: W) -> Result<Written, LabelledError> {
    let measured = measure(dataset, rows)?;
    let layout = Layout::new(dataset, &measured);
    let mut out = BufWriter::new(out);
    dictionary::write(&mut out, dataset, &layout, measured.cases)?;
    let mut data = Compressor::new(out);
    let mut written = Written::default();
    rows.each(&mut |row| {
        for ((cell, variable), placed) in row.iter().zip(&dataset.variables).zip(&layout.variables) {
            match variable.kind {
                Kind::String { .. } => {
                    let text = dataset.text_of(cell);
                    if text.len() > placed.width {
                        written.texts_cut += 1;
                    }
                    string(&mut data, super::text::cut_bytes(&text, placed.width).as_bytes(), placed)?;
                }
                Kind::Numeric { .. } => data.number(number_of(dataset.missing.as_ref(), cell))?,
                Kind::Date => data.number(number_of(None, cell))?,
            }
        }
        written.cases += 1;
        Ok(())
    })?;
    data.finish()?.flush()?;
    Ok(written)
}

/// A numeric or date cell's value: dates as seconds since 14 October 1582, missing-data codes
/// (`codes`: none for dates) as themselves, anything else missing as system-missing.
fn number_of(codes: Option<&super::MissingCodes>, cell: &Cell<'_>) -> f64 {
    match (cell, codes) {
        (Cell::Number(n), _) => *n,
        (Cell::Date(date), _) => spss_seconds(*date),
        (Cell::Missing(reason), Some(codes)) => f64::from(codes.code(*reason)),
        _ => SYSMIS,
    }
}

/// A date as SPSS stores it: seconds since midnight, 14 October 1582.
pub fn spss_seconds(date: jiff::civil::Date) -> f64 {
    ((super::days_since_1970(date) + EPOCH_TO_1970_DAYS) * 86_400) as f64
}

/// Lays a string's bytes into its segments, each padded with spaces to its 8-byte units.
fn string<W: Write>(data: &mut Compressor<W>, bytes: &[u8], placed: &Placed) -> std::io::Result<()> {
    let mut rest = bytes;
    for segment in &placed.segments {
        let take = rest.len().min(if placed.segments.len() > 1 { SEGMENT } else { segment.width });
        let (here, later) = rest.split_at(take);
        rest = later;
        for unit in 0..segment.units() {
            let mut chunk = [b' '; 8];
            let from = (unit * 8).min(here.len());
            let to = (unit * 8 + 8).min(here.len());
            chunk[..to - from].copy_from_slice(&here[from..to]);
            data.chunk(&chunk)?;
        }
    }
    Ok(())
}

/// Where each variable goes in the file.
struct Layout {
    variables: Vec<Placed>,
}

/// A variable's place: its short name, width and segments, and its dictionary index.
struct Placed {
    short: String,
    /// Bytes for a string, 0 for a number.
    width: usize,
    segments: Vec<Segment>,
    /// The 1-based index of its first variable record (what value labels point at).
    index: u32,
}

/// One variable record with its continuations: a number, or a string of at most 255 bytes.
struct Segment {
    short: String,
    width: usize,
}

impl Segment {
    /// Its 8-byte units in a case (and so its variable records).
    fn units(&self) -> usize {
        if self.width == 0 { 1 } else { self.width.div_ceil(8) }
    }
}

impl Layout {
    fn new(dataset: &Dataset, measured: &Measured) -> Layout {
        let mut taken = std::collections::HashSet::new();
        let mut index = 1u32;
        let variables = dataset
            .variables
            .iter()
            .zip(&measured.columns)
            .map(|(variable, column)| {
                let width = string_width(dataset, variable, column.longest);
                let short = short_name(&mut taken, &variable.name);
                let segments = segments(width, &short, &mut taken);
                let placed = Placed { short, width, segments, index };
                index += placed.segments.iter().map(|s| s.units() as u32).sum::<u32>();
                placed
            })
            .collect();
        Layout { variables }
    }

    /// The 8-byte units of a case.
    fn case_size(&self) -> usize {
        self.variables.iter().flat_map(|v| &v.segments).map(Segment::units).sum()
    }
}

/// A string variable's width: the longest of its declared width, its longest text and the
/// missing-data codes it may hold, at least 1 and at most `MAX_STRING`; 0 for a number.
fn string_width(dataset: &Dataset, variable: &Variable, longest: usize) -> usize {
    let Kind::String { width } = variable.kind else { return 0 };
    let codes = dataset.missing.map_or(0, |codes| codes.longest_digits());
    width.max(longest).max(codes).clamp(1, MAX_STRING)
}

/// The segments of a variable `width` bytes wide: one, or for a very long string one per 252
/// bytes, each 255 wide but the last. The first takes the variable's short name.
fn segments(width: usize, short: &str, taken: &mut std::collections::HashSet<String>) -> Vec<Segment> {
    if width <= SEGMENT {
        return vec![Segment { short: short.to_string(), width }];
    }
    let n = width.div_ceil(SEGMENT_DATA);
    (0..n)
        .map(|i| {
            let short = if i == 0 { short.to_string() } else { short_name(taken, &format!("{}{i}", stem(short))) };
            let width = if i + 1 == n { width - (n - 1) * SEGMENT_DATA } else { SEGMENT };
            Segment { short, width }
        })
        .collect()
}

/// The first five characters of a short name, which a segment's name continues.
fn stem(short: &str) -> &str {
    super::text::cut_bytes(short, 5)
}

/// A unique short name (8 bytes at most, upper case) for the long name `name`: its start, or
/// failing that its start with a number.
fn short_name(taken: &mut std::collections::HashSet<String>, name: &str) -> String {
    let base = super::text::cut_bytes(name, 8).to_ascii_uppercase();
    if taken.insert(base.clone()) {
        return base;
    }
    (1u32..)
        .map(|n| {
            let number = n.to_string();
            format!("{}{number}", super::text::cut_bytes(&base, 8 - number.len()))
        })
        .find(|candidate| taken.insert(candidate.clone()))
        .unwrap_or_default()
}
