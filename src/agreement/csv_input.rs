//! Reads the codings for `fieldwork agreement` from CSV: a header naming the columns `unit`,
//! `coder` and `code` in any order (other columns are ignored, so richer exports can be fed in
//! as they are), then one row per coding. Fields are trimmed; an empty code means "saw the unit,
//! applied no code". fieldwork's own `codings` export is read as the agreement page reads the
//! database: its `layer`, `done` and `span_start` columns say which rows count.

use std::collections::HashSet;
use std::io::Read;

use super::error::AgreementError;
use super::table::Coding;

/// The columns the input must have.
pub const COLUMNS: [&str; 3] = ["unit", "coder", "code"];

/// Codings read from CSV, with the line each one starts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvCodings {
    /// The codings, in file order.
    pub codings: Vec<Coding>,
    /// `lines[i]` is the line `codings[i]` starts on, for error messages.
    pub lines: Vec<u64>,
}

/// Columns of fieldwork's `codings` export that say which of its rows are codings to count.
#[derive(Debug, Clone, Copy, Default)]
struct ExportColumns {
    /// Only rows of the `coder` layer count: a consensus is no coder's judgment.
    layer: Option<usize>,
    /// Only answers the coder marked done count, as on the agreement page.
    done: Option<usize>,
    /// A code applied to the whole answer and to passages of it is one coding.
    span_start: Option<usize>,
}

impl ExportColumns {
    fn find(header: &csv::StringRecord) -> Self {
        let position = |column: &str| header.iter().position(|name| name.trim().eq_ignore_ascii_case(column));
        ExportColumns { layer: position("layer"), done: position("done"), span_start: position("span_start") }
    }

    /// Whether a row counts: a coder's coding on an answer they finished.
    fn counts<'a>(&self, field: impl Fn(usize) -> &'a str) -> bool {
        let is_one_of = |position: Option<usize>, values: &[&str]| {
            position.is_none_or(|position| values.iter().any(|value| field(position).eq_ignore_ascii_case(value)))
        };
        is_one_of(self.layer, &["coder"]) && is_one_of(self.done, &["1", "true", "yes"])
    }
}

/// Reads every coding, or says which line is wrong and why. The rows of fieldwork's `codings`
/// export that are not codings to count are passed over (see `ExportColumns`).
pub fn read_codings(input: impl Read) -> Result<CsvCodings, AgreementError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let header = reader.headers()?.clone();
    let [unit, coder, code] = column_positions(&header)?;
    let export = ExportColumns::find(&header);
    let mut passages_seen: HashSet<(String, String, String)> = HashSet::new();
    let mut read = CsvCodings::default();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        let line = record.position().map_or(0, csv::Position::line);
        let field = |position: usize| record.get(position).unwrap_or_default().trim();
        let required = |position: usize, column: &'static str| match field(position) {
            "" => Err(AgreementError::EmptyField { line, column }),
            value => Ok(value),
        };
        let coding = Coding::new(required(unit, "unit")?, required(coder, "coder")?, field(code));
        if !export.counts(field) {
            continue;
        }
        if export.span_start.is_some()
            && let Some(code) = &coding.code
            && !passages_seen.insert((coding.unit.clone(), coding.coder.clone(), code.clone()))
        {
            continue;
        }
        read.codings.push(coding);
        read.lines.push(line);
    }
    if read.codings.is_empty() {
        return Err(AgreementError::NoCodings { line: 1 });
    }
    Ok(read)
}

/// Where `unit`, `coder` and `code` are in the header (names matched ignoring ASCII case).
fn column_positions(header: &csv::StringRecord) -> Result<[usize; 3], AgreementError> {
    if header.iter().all(|name| name.trim().is_empty()) {
        return Err(AgreementError::EmptyInput);
    }
    let mut positions: [Option<usize>; 3] = [None; 3];
    for (position, name) in header.iter().enumerate() {
        for (&column, slot) in COLUMNS.iter().zip(&mut positions) {
            if name.trim().eq_ignore_ascii_case(column) && slot.replace(position).is_some() {
                return Err(AgreementError::DuplicateColumn { column });
            }
        }
    }
    let mut found = [0; 3];
    for ((&column, position), slot) in COLUMNS.iter().zip(positions).zip(&mut found) {
        *slot = position.ok_or_else(|| AgreementError::MissingColumn {
            column,
            found: header.iter().collect::<Vec<_>>().join(","),
        })?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<CsvCodings, AgreementError> {
        read_codings(text)
    }

    #[test]
    fn columns_may_come_in_any_order_with_extra_columns_ignored() {
        let input = b"\xEF\xBB\xBFCode, segment ,Coder,unit\nMOT, 3 ,ann , a1\n,x,bob,a1\n";
        let read = read(input).unwrap();
        assert_eq!(read.codings, [Coding::new("a1", "ann", "MOT"), Coding::new("a1", "bob", "")]);
        assert_eq!(read.lines, [2, 3]);
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let input = "unit,coder,code\n\"a,1\",ann,\"say \"\"hi\"\", ünï\"\n\"a\n2\",ann,x\nb,ann,y\n";
        let read = read(input.as_bytes()).unwrap();
        assert_eq!(read.codings[0], Coding::new("a,1", "ann", "say \"hi\", ünï"));
        assert_eq!(read.codings[1].unit, "a\n2");
        assert_eq!(read.lines, [2, 3, 5]);
    }

    #[test]
    fn the_codings_export_counts_coders_finished_answers_and_each_code_once() {
        let input = "response_id,question,coder,layer,code,span_start,unit,done\n\
                     1,Q,ann,coder,X,,1:Q,1\n\
                     1,Q,ann,coder,X,4,1:Q,1\n\
                     1,Q,bob,coder,,,1:Q,1\n\
                     1,Q,ann,consensus,X,,1:Q,\n\
                     2,Q,ann,coder,Y,,2:Q,0\n\
                     2,Q,bob,coder,Y,,2:Q,1\n";
        let export = read(input.as_bytes()).unwrap();
        assert_eq!(
            export.codings,
            [Coding::new("1:Q", "ann", "X"), Coding::new("1:Q", "bob", ""), Coding::new("2:Q", "bob", "Y")]
        );
        assert_eq!(export.lines, [2, 4, 7]);
        // Without a span column the same code twice is still refused (see the table's checks).
        let plain = read(b"unit,coder,code\nu,ann,X\nu,ann,X\n").unwrap();
        assert_eq!(plain.codings.len(), 2);
    }

    #[test]
    fn bad_input_is_refused_with_its_line() {
        let cases: [(&[u8], &str); 9] = [
            (b"", "the input is empty"),
            (b"\n\n", "the input is empty"),
            (b"unit,coder,code\n", "line 1: the input has a header but no codings"),
            (b"unit,coder\na,ann\n", "line 1: the header has no `code` column (found: unit,coder)"),
            (b"unit,coder,code,Unit\n", "line 1: the header names the `unit` column twice"),
            (b"unit,coder,code\na,ann,x\nb,\xFF,x\n", "line 3: the input is not valid UTF-8"),
            (b"unit,coder,code\na,ann,x\n ,ann,x\n", "line 3: the unit is empty"),
            (b"unit,coder,code\na,,x\n", "line 2: the coder is empty"),
            (b"unit,coder,code\na,ann,x\nb,ann\n", "line 3: expected 3 fields like the header, found 2"),
        ];
        for (input, message) in cases {
            let error = read(input).unwrap_err().to_string();
            assert!(error.starts_with(message), "{:?}: {error}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn invalid_utf8_in_the_header_is_on_line_1() {
        let error = read(b"unit,coder,c\xF0de\na,b,c\n").unwrap_err();
        assert!(matches!(error, AgreementError::InvalidUtf8 { line: 1 }), "{error}");
    }
}
