//! The Stata dataset (`.dta`), format 118 (Stata 14 and later), written from Stata's published
//! description of the format (`help dta`): tagged sections, little-endian, UTF-8. Its `<map>` at
//! the start gives every section's offset, so three passes over the rows: the first measures
//! (the number of rows, each string's width, each number's range, the bytes of long strings),
//! the second writes the data, the third the long strings (`strL`) after them.
//!
//! Choices: whole numbers are stored in the smallest type that holds them (byte, int, long;
//! double otherwise), dates as `long` days since 1960 with format `%td`, a string of up to 2,045
//! bytes as `str#`, a longer one as `strL`; variable labels are cut to 80 characters (the data
//! dictionary keeps them whole). The missing-data codes become extended missing values, `.a` not
//! shown, `.b` not reached, `.c` shown and skipped, each labelled; an empty cell is `.`.

mod sections;

use std::io::{BufWriter, Write};

use super::measure::{Column, measure};
use super::{Cell, Dataset, Kind, LabelledError, Reason, Rows, Written};

/// Days from Stata's epoch, 1 January 1960, to 1 January 1970.
pub const DAYS_1960_TO_1970: i64 = 3_653;
/// The widest fixed-width string, `str2045`.
const MAX_STR: usize = 2_045;

/// A date as Stata's `%td` counts it: days since 1 January 1960.
pub fn stata_days(date: jiff::civil::Date) -> i64 {
    super::days_since_1970(date) + DAYS_1960_TO_1970
}

/// How a variable is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storage {
    Byte,
    Int,
    Long,
    Double,
    Str(usize),
    StrL,
}

impl Storage {
    /// The type code of `<variable_types>`.
    fn code(self) -> u16 {
        match self {
            Storage::Str(width) => u16::try_from(width).unwrap_or(2045),
            Storage::StrL => 32_768,
            Storage::Double => 65_526,
            Storage::Long => 65_528,
            Storage::Int => 65_529,
            Storage::Byte => 65_530,
        }
    }

    /// Bytes in a row.
    fn width(self) -> usize {
        match self {
            Storage::Byte => 1,
            Storage::Int => 2,
            Storage::Long => 4,
            Storage::Double | Storage::StrL => 8,
            Storage::Str(width) => width,
        }
    }

    /// The smallest integer type holding every value from `lo` to `hi` below its missing values.
    fn for_numbers(column: &Column, decimals: u8) -> Storage {
        let Some((lo, hi)) = column.range else { return Storage::Byte };
        if !column.whole || decimals > 0 {
            return Storage::Double;
        }
        [
            (Storage::Byte, -127.0, 100.0),
            (Storage::Int, -32_767.0, 32_740.0),
            (Storage::Long, -2_147_483_647.0, 2_147_483_620.0),
        ]
        .into_iter()
        .find(|(_, min, max)| lo >= *min && hi <= *max)
        .map_or(Storage::Double, |(storage, _, _)| storage)
    }

    /// Stata's missing value `.` (`letter` None) or `.a`…`.z`, as stored.
    fn missing(self, letter: Option<char>) -> Vec<u8> {
        let k = letter.map_or(0, |c| u32::from(c) - u32::from('a') + 1);
        match self {
            Storage::Byte => vec![(101 + k) as u8],
            Storage::Int => ((32_741 + k) as u16).to_le_bytes().to_vec(),
            Storage::Long => (2_147_483_621 + k).to_le_bytes().to_vec(),
            Storage::Double => (0x7fe0_0000_0000_0000u64 + (u64::from(k) << 40)).to_le_bytes().to_vec(),
            Storage::Str(_) | Storage::StrL => Vec::new(),
        }
    }

    fn number(self, value: f64) -> Vec<u8> {
        // The ranges were measured in the first pass, so each value fits its type.
        match self {
            Storage::Byte => vec![value as i8 as u8],
            Storage::Int => (value as i16).to_le_bytes().to_vec(),
            Storage::Long => (value as i32).to_le_bytes().to_vec(),
            _ => value.to_le_bytes().to_vec(),
        }
    }
}

/// Each variable's storage, from its kind and the first pass.
fn storages(dataset: &Dataset, columns: &[Column]) -> Vec<Storage> {
    let code_digits = dataset.missing.map_or(0, |codes| codes.longest_digits());
    dataset
        .variables
        .iter()
        .zip(columns)
        .map(|(variable, column)| match variable.kind {
            Kind::Numeric { decimals } => Storage::for_numbers(column, decimals),
            Kind::Date => match Storage::for_numbers(column, 0) {
                Storage::Byte | Storage::Int => Storage::Long,
                other => other,
            },
            Kind::String { width } => match width.max(column.longest).max(code_digits).max(1) {
                w if w <= MAX_STR => Storage::Str(w),
                _ => Storage::StrL,
            },
        })
        .collect()
}

/// Writes `dataset` with its rows as a Stata 118 dataset to `out`.
pub fn write<W: Write>(dataset: &Dataset, rows: &mut dyn Rows, out: W) -> Result<Written, LabelledError> {
    if dataset.variables.len() > usize::from(u16::MAX) {
        return Err(LabelledError::Dataset(format!(
            "Stata 118 holds at most {} variables; this dataset has {}",
            u16::MAX,
            dataset.variables.len()
        )));
    }
    let measured = measure(dataset, rows)?;
    let storages = storages(dataset, &measured.columns);
    let row_width: u64 = storages.iter().map(|s| s.width() as u64).sum();
    let strls: u64 = storages
        .iter()
        .zip(&measured.columns)
        .filter(|(s, _)| **s == Storage::StrL)
        // Each long string: "GSO", v, o, type, length (20 bytes), its bytes and a closing NUL.
        .map(|(_, c)| c.texts * 21 + c.text_bytes)
        .sum();
    let head = sections::head(dataset, &storages, measured.cases, row_width * measured.cases, strls);
    let mut out = BufWriter::new(out);
    out.write_all(&head.bytes)?;
    out.write_all(b"<data>")?;
    let mut row_bytes = Vec::with_capacity(usize::try_from(row_width).unwrap_or(0));
    let mut observation = 0u64;
    rows.each(&mut |row| {
        observation += 1;
        row_bytes.clear();
        for (v, (cell, storage)) in row.iter().zip(&storages).enumerate() {
            data_cell(&mut row_bytes, dataset, cell, *storage, (v + 1, observation));
        }
        out.write_all(&row_bytes)?;
        Ok(())
    })?;
    out.write_all(b"</data><strls>")?;
    if storages.contains(&Storage::StrL) {
        let mut observation = 0u64;
        rows.each(&mut |row| {
            observation += 1;
            for (v, (cell, storage)) in row.iter().zip(&storages).enumerate() {
                let text = dataset.text_of(cell);
                if *storage == Storage::StrL && !text.is_empty() {
                    let v = u32::try_from(v + 1).unwrap_or(u32::MAX);
                    let len = u32::try_from(text.len() + 1).map_err(|_| LabelledError::Row {
                        row: observation,
                        variable: format!("#{v}"),
                        problem: "a text longer than Stata's 4 GB".into(),
                    })?;
                    out.write_all(b"GSO")?;
                    out.write_all(&v.to_le_bytes())?;
                    out.write_all(&observation.to_le_bytes())?;
                    // 130: a string, stored with its closing NUL.
                    out.write_all(&[130])?;
                    out.write_all(&len.to_le_bytes())?;
                    out.write_all(text.as_bytes())?;
                    out.write_all(&[0])?;
                }
            }
            Ok(())
        })?;
    }
    out.write_all(b"</strls>")?;
    out.write_all(&head.tail)?;
    out.flush()?;
    Ok(Written { cases: observation, texts_cut: 0 })
}

/// One cell's bytes in a row; a long string is its (variable, observation) reference.
fn data_cell(row: &mut Vec<u8>, dataset: &Dataset, cell: &Cell<'_>, storage: Storage, (v, o): (usize, u64)) {
    match storage {
        Storage::Str(width) => {
            let text = dataset.text_of(cell);
            let start = row.len();
            row.extend_from_slice(text.as_bytes());
            row.resize(start + width, 0);
        }
        Storage::StrL => {
            if dataset.text_of(cell).is_empty() {
                row.extend_from_slice(&[0; 8]);
            } else {
                row.extend_from_slice(&(v as u16).to_le_bytes());
                row.extend_from_slice(&o.to_le_bytes()[..6]);
            }
        }
        _ => {
            let bytes = match (cell, &dataset.missing) {
                (Cell::Number(n), _) => storage.number(*n),
                (Cell::Date(date), _) => storage.number(stata_days(*date) as f64),
                (Cell::Missing(reason), Some(_)) => storage.missing(Some(stata_letter(*reason))),
                _ => storage.missing(None),
            };
            row.extend_from_slice(&bytes);
        }
    }
}

/// Stata's extended missing value for a reason: `.a`, `.b`, `.c` in the order of the codes.
pub fn stata_letter(reason: Reason) -> char {
    match reason {
        Reason::NotShown => 'a',
        Reason::NotReached => 'b',
        Reason::Skipped => 'c',
    }
}
