//! The coding exports: `codings`, one row per code applied to an answer (every coder and the
//! consensus, whole answers and passages), streamed from one query; and `code-matrix`, one 0/1
//! row per coded answer in a chosen layer (`coding::layers`).

use std::collections::HashSet;
use std::io::Write;

use rusqlite::Connection;

use super::store;
use super::stream::{CsvExportError, Opt, Plan, bad};
use crate::codebook::model::CodeKind;
use crate::codebook::store::StoredCodebook;
use crate::codebook::tree::Tree;
use crate::coding::layers::{self, Layer, UnitCodings};
use crate::csv_out::CsvWriter;

/// The header of `codings`.
pub const LONG_HEADER: [&str; 15] = [
    "response_id",
    "question",
    "coder",
    "layer",
    "code",
    "code_path",
    "codebook_version",
    "span_start",
    "span_end",
    "span_text",
    "answer_text",
    "memo",
    "unit",
    "done",
    "source",
];

/// The passage `[start, end)` of `text`, counted in Unicode code points as coders' spans are.
pub fn passage(text: &str, start: i64, end: i64) -> &str {
    let at = |n: i64| {
        let n = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
        text.char_indices().nth(n).map_or(text.len(), |(i, _)| i)
    };
    let (from, to) = (at(start), at(end));
    if from <= to { &text[from..to] } else { "" }
}

/// The name of an answer as a unit of `fieldwork agreement` (and of `coding::layers::agreement_codings`).
pub fn unit_name(response_id: i64, question: &str) -> String {
    format!("{response_id}:{question}")
}

/// One row of `codings`, as read.
struct LongRow {
    response_id: i64,
    question: String,
    coder: String,
    layer: String,
    /// Empty for an answer the coder marked done without a code.
    code: String,
    version: Option<i64>,
    span: Option<(i64, i64)>,
    answer: String,
    memo: String,
    /// Whether the coder marked the answer done; `None` for a consensus.
    done: Option<bool>,
    /// The machine coder's model whose suggestion the coder accepted; `None` for their own coding.
    source: Option<String>,
}

impl LongRow {
    fn coding(r: &rusqlite::Row) -> rusqlite::Result<LongRow> {
        let (start, end): (Option<i64>, Option<i64>) = (r.get(6)?, r.get(7)?);
        Ok(LongRow {
            response_id: r.get(0)?,
            question: r.get(1)?,
            coder: r.get(2)?,
            layer: r.get(3)?,
            code: r.get(4)?,
            version: Some(r.get(5)?),
            span: start.zip(end),
            answer: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
            memo: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
            done: r.get(10)?,
            source: r.get(11)?,
        })
    }

    fn done_without_code(r: &rusqlite::Row) -> rusqlite::Result<LongRow> {
        Ok(LongRow {
            response_id: r.get(0)?,
            question: r.get(1)?,
            coder: r.get(2)?,
            layer: "coder".into(),
            code: String::new(),
            version: None,
            span: None,
            answer: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            memo: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            done: Some(true),
            source: None,
        })
    }

    /// Whether the row comes before `other` in the file: by answer, layer and coder, the coder's
    /// email compared as SQLite's NOCASE collation (the column's) compares it.
    fn before(&self, other: &LongRow) -> bool {
        let folded = |email: &str| email.bytes().map(|b| b.to_ascii_lowercase()).collect::<Vec<u8>>();
        (self.response_id, self.question.as_str(), self.layer.as_str(), folded(&self.coder))
            < (other.response_id, other.question.as_str(), other.layer.as_str(), folded(&other.coder))
    }

    fn write<W: Write>(&self, tree: &Tree, w: &mut CsvWriter<W>) -> Result<(), CsvExportError> {
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let span_text = self.span.map_or("", |(start, end)| passage(&self.answer, start, end));
        let path = if self.code.is_empty() { String::new() } else { tree.path(&self.code) };
        let done = self.done.map_or("", |done| if done { "1" } else { "0" });
        w.record([
            self.response_id.to_string().as_str(),
            &self.question,
            &self.coder,
            &self.layer,
            &self.code,
            &path,
            &number(self.version),
            &number(self.span.map(|(start, _)| start)),
            &number(self.span.map(|(_, end)| end)),
            span_text,
            &self.answer,
            &self.memo,
            &unit_name(self.response_id, &self.question),
            done,
            self.source.as_deref().unwrap_or_default(),
        ])?;
        Ok(())
    }
}

/// Writes `codings`, one row per stored coding and one with an empty code per answer a coder
/// marked done without a code, as the rows are read: the two queries are merged in file order.
pub fn write_long<W: Write>(conn: &Connection, plan: &Plan, w: &mut CsvWriter<W>) -> Result<(), CsvExportError> {
    let book = codebook(plan)?;
    w.record(LONG_HEADER)?;
    let tree = Tree::new(&book.draft);
    let params = store::codings_params(book.id, &plan.filter, plan.question.as_deref());
    let arguments = &*params.named();
    let mut codings = conn.prepare(&store::CODINGS)?;
    let mut done_without_code = conn.prepare(&store::DONE_WITHOUT_CODE)?;
    let mut uncoded = done_without_code.query_map(arguments, LongRow::done_without_code)?.peekable();
    for row in codings.query_map(arguments, LongRow::coding)? {
        let row = row?;
        while let Some(earlier) = uncoded.next_if(|next| next.as_ref().map_or(true, |next| next.before(&row))) {
            earlier?.write(&tree, w)?;
        }
        row.write(&tree, w)?;
    }
    for row in uncoded {
        row?.write(&tree, w)?;
    }
    Ok(())
}

/// Writes `code-matrix`: a row per answer coded in the plan's layer, a 0/1 column per code in
/// codebook order (categories are not applied, so they have none; codes no longer in the codebook
/// follow, sorted).
pub fn write_matrix<W: Write>(conn: &Connection, plan: &Plan, w: &mut CsvWriter<W>) -> Result<(), CsvExportError> {
    let book = codebook(plan)?;
    let mut codes: Vec<&str> =
        book.draft.tree().into_iter().filter(|(_, e)| e.kind == CodeKind::Code).map(|(_, e)| e.id.as_str()).collect();
    let listed: HashSet<&str> = codes.iter().copied().collect();
    // Codes used in codings but no longer in the codebook still get a column (a cheap, small query).
    let used = store::used_codes(conn, book.id)?;
    let unlisted: Vec<&str> = used.iter().map(String::as_str).filter(|c| !listed.contains(c)).collect();
    codes.extend(unlisted);

    let mut header = vec!["response_id", "question"];
    header.extend(codes.iter().copied());
    w.record(&header)?;
    each_unit(conn, plan, book, |response_id, question, unit| {
        let Some(applied) = unit.codes(plan.layer) else { return Ok(()) };
        let response = response_id.to_string();
        let cells = codes.iter().map(|c| if applied.contains(*c) { "1" } else { "0" });
        w.record([response.as_str(), question].into_iter().chain(cells))?;
        Ok(())
    })
}

/// How many answers of the export the plan's layer leaves out until their coders' disagreement
/// is reconciled (only the default layer leaves answers out).
pub fn awaiting_reconciliation(conn: &Connection, plan: &Plan, book: &StoredCodebook) -> Result<usize, CsvExportError> {
    let mut awaiting = 0;
    if plan.layer == Layer::Default {
        each_unit(conn, plan, book, |_, _, unit| {
            awaiting += usize::from(unit.awaiting_reconciliation());
            Ok(())
        })?;
    }
    Ok(awaiting)
}

/// Visits everything recorded on each answer of the plan's responses (and question), in order.
fn each_unit(
    conn: &Connection,
    plan: &Plan,
    book: &StoredCodebook,
    mut visit: impl FnMut(i64, &str, &UnitCodings) -> Result<(), CsvExportError>,
) -> Result<(), CsvExportError> {
    // One response at a time, in id order, so memory stays flat.
    let mut statements = layers::UnitStatements::prepare(conn, book.id)?;
    let mut reader = statements.reader()?;
    store::each_response(conn, plan.survey.id, &plan.filter, |id| {
        for (question, unit) in reader.response(id)? {
            if plan.question.as_deref().is_none_or(|q| q == question) {
                visit(id, &question, &unit)?;
            }
        }
        Ok(())
    })
}

/// The plan's codebook, which every coding export has.
fn codebook(plan: &Plan) -> Result<&StoredCodebook, CsvExportError> {
    plan.codebook.as_ref().ok_or_else(|| bad(Opt::Codebook, "the coding files need a codebook"))
}

#[cfg(test)]
mod tests {
    use super::passage;

    #[test]
    fn a_passage_counts_code_points_not_bytes() {
        let text = "héllo 🙂 world";
        assert_eq!(passage(text, 0, 5), "héllo");
        assert_eq!(passage(text, 6, 7), "🙂");
        assert_eq!(passage(text, 8, 99), "world", "an end past the text stops at its end");
        assert_eq!(passage(text, 9, 3), "");
    }
}
