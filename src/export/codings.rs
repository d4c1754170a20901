//! The coding exports: `codings`, one row per code applied to an answer (every coder and the
//! consensus, whole answers and passages), streamed from one query; and `code-matrix`, one 0/1
//! row per coded answer in a chosen layer (`coding::layers`).

use std::collections::{BTreeSet, HashSet};
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
     WHERE c.codebook_id = ?1 AND (?2 OR r.status = 'complete') AND (?3 IS NULL OR c.question = ?3) \
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
            &book.draft.path(&code),
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
    let mut units = layers::codes_by_unit(conn, book.id, plan.layer)?;
    let partial = partial_responses(conn, plan)?;
    units.retain(|unit, _| {
        !partial.contains(&unit.response_id) && plan.question.as_deref().is_none_or(|q| q == unit.question)
    });
    let mut codes: Vec<&str> =
        book.draft.tree().into_iter().filter(|(_, e)| e.kind == CodeKind::Code).map(|(_, e)| e.id.as_str()).collect();
    let listed: HashSet<&str> = codes.iter().copied().collect();
    let unlisted: BTreeSet<&str> =
        units.values().flatten().map(String::as_str).filter(|c| !listed.contains(c)).collect();
    codes.extend(unlisted);

    let mut header = vec!["response_id", "question"];
    header.extend(codes.iter().copied());
    w.record(&header)?;
    for (unit, applied) in &units {
        let id = unit.response_id.to_string();
        let cells = codes.iter().map(|c| if applied.contains(*c) { "1" } else { "0" });
        w.record([id.as_str(), unit.question.as_str()].into_iter().chain(cells))?;
    }
    Ok(())
}

/// The partial responses to leave out (none when partial ones are included). Usually few, so
/// cheaper to hold than the complete ones.
fn partial_responses(conn: &Connection, plan: &Plan) -> Result<HashSet<i64>, CsvExportError> {
    if plan.include_partial {
        return Ok(HashSet::new());
    }
    let mut stmt = conn.prepare("SELECT id FROM responses WHERE survey_id = ?1 AND status = 'partial'")?;
    let ids = stmt.query_map([plan.survey.id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
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
