//! The coding exports: `codings`, one row per code applied to an answer (every coder and the
//! consensus, whole answers and passages), streamed from one query; and `code-matrix`, one 0/1
//! row per coded answer in a chosen layer (`coding::layers`).

use std::collections::HashSet;
use std::io::Write;

use rusqlite::{Connection, params};

use super::stream::{CsvExportError, Plan};
use crate::codebook::model::CodeKind;
use crate::codebook::store::StoredCodebook;
use crate::coding::layers;
use crate::csv_out::CsvWriter;

/// The header of `codings`.
pub const LONG_HEADER: [&str; 12] = [
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
];

/// Every coding of a codebook with its coder, answer and the coder's memos on that answer, in a
/// stable order. The codings index gives the order by answer; SQLite sorts only within an answer.
const LONG_QUERY: &str = "SELECT c.response_id, c.question, u.email, c.layer, c.code_key, c.codebook_version, \
     c.span_start, c.span_end, a.value, \
     (SELECT group_concat(m.body, char(10) || char(10) ORDER BY m.id) FROM memos m \
      WHERE m.codebook_id = c.codebook_id AND m.kind = 'answer' AND m.response_id = c.response_id \
        AND m.question = c.question AND m.author_id = c.coder_id) \
     FROM codings c JOIN users u ON u.id = c.coder_id JOIN responses r ON r.id = c.response_id \
     LEFT JOIN answers a ON a.response_id = c.response_id AND a.question = c.question AND a.item = '' \
     WHERE c.codebook_id = ?1 AND r.deleted_at IS NULL AND (?2 OR r.status = 'complete') AND (?3 IS NULL OR c.question = ?3) \
     ORDER BY c.response_id, c.question, c.layer, u.email, c.code_key, c.span_start IS NOT NULL, c.span_start, c.span_end";

/// The passage `[start, end)` of `text`, counted in Unicode code points as coders' spans are.
pub fn passage(text: &str, start: i64, end: i64) -> &str {
    let at = |n: i64| {
        let n = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
        text.char_indices().nth(n).map_or(text.len(), |(i, _)| i)
    };
    let (from, to) = (at(start), at(end));
    if from <= to { &text[from..to] } else { "" }
}

/// Writes `codings`, one row per stored coding, as the rows are read.
pub fn write_long<W: Write>(
    conn: &Connection,
    plan: &Plan,
    book: &StoredCodebook,
    w: &mut CsvWriter<W>,
) -> Result<(), CsvExportError> {
    w.record(LONG_HEADER)?;
    let tree = crate::codebook::tree::Tree::new(&book.draft);
    let mut stmt = conn.prepare(LONG_QUERY)?;
    let mut rows = stmt.query(params![book.id, plan.include_partial, plan.question])?;
    while let Some(r) = rows.next()? {
        let code: String = r.get(4)?;
        let (start, end): (Option<i64>, Option<i64>) = (r.get(6)?, r.get(7)?);
        let answer: Option<String> = r.get(8)?;
        let answer = answer.unwrap_or_default();
        let span_text = match (start, end) {
            (Some(s), Some(e)) => passage(&answer, s, e),
            _ => "",
        };
        let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        w.record([
            r.get::<_, i64>(0)?.to_string().as_str(),
            &r.get::<_, String>(1)?,
            &r.get::<_, String>(2)?,
            &r.get::<_, String>(3)?,
            &code,
            &tree.path(&code),
            &r.get::<_, i64>(5)?.to_string(),
            &number(start),
            &number(end),
            span_text,
            &answer,
            &r.get::<_, Option<String>>(9)?.unwrap_or_default(),
        ])?;
    }
    Ok(())
}

/// Writes `code-matrix`: a row per answer coded in the plan's layer, a 0/1 column per code in
/// codebook order (categories are not applied, so they have none; codes no longer in the codebook
/// follow, sorted).
pub fn write_matrix<W: Write>(
    conn: &Connection,
    plan: &Plan,
    book: &StoredCodebook,
    w: &mut CsvWriter<W>,
) -> Result<(), CsvExportError> {
    let mut codes: Vec<&str> =
        book.draft.tree().into_iter().filter(|(_, e)| e.kind == CodeKind::Code).map(|(_, e)| e.id.as_str()).collect();
    let listed: HashSet<&str> = codes.iter().copied().collect();
    // Codes used in codings but no longer in the codebook still get a column (a cheap, small query).
    let used: Vec<String> = {
        let mut stmt =
            conn.prepare("SELECT DISTINCT code_key FROM codings WHERE codebook_id = ?1 ORDER BY code_key")?;
        stmt.query_map([book.id], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    let unlisted: Vec<&str> = used.iter().map(String::as_str).filter(|c| !listed.contains(c)).collect();
    codes.extend(unlisted);

    let mut header = vec!["response_id", "question"];
    header.extend(codes.iter().copied());
    w.record(&header)?;
    // One response at a time, in id order (NOT INDEXED: no sort), so memory stays flat.
    let mut responses = conn.prepare(
        "SELECT id FROM responses NOT INDEXED WHERE survey_id = ?1 AND deleted_at IS NULL AND (?2 OR status = 'complete') \
         ORDER BY id",
    )?;
    let ids = responses.query_map(rusqlite::params![plan.survey.id, plan.include_partial], |r| r.get::<_, i64>(0))?;
    let mut statements = layers::UnitStatements::prepare(conn, book.id)?;
    let mut reader = statements.reader()?;
    for id in ids {
        let id = id?;
        for (question, unit) in reader.response(id)? {
            if plan.question.as_deref().is_some_and(|q| q != question) {
                continue;
            }
            let Some(applied) = unit.codes(plan.layer) else { continue };
            let response = id.to_string();
            let cells = codes.iter().map(|c| if applied.contains(*c) { "1" } else { "0" });
            w.record([response.as_str(), question.as_str()].into_iter().chain(cells))?;
        }
    }
    Ok(())
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
