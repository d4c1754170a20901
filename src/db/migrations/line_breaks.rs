//! Migration 6's step: answers stored with CR LF line breaks (as browsers sent them) get LF, and
//! every passage coded in them moves so that it keeps exactly the text its coder selected.
//!
//! What a stored passage offset meant. The coding page showed the stored answer cut into
//! segments at the coder's own passages on it, each with `data-start`, its first code point in
//! the stored text; in the browser's text of the page each CR LF within a segment is one LF (and
//! a CR or LF left alone by a cut is one too), and `coding.js` sent `data-start` plus the code
//! points from the segment's start to the selection's end counted in that text. So an offset `p`
//! meant the LF position `p - pairs(b)`, where `b` is the start of its segment (the largest of 0,
//! the answer's end and the coder's earlier passages' starts and ends that is at most `p`) and
//! `pairs(b)` the CR LF pairs whose CR comes before `b`. A passage selected with no earlier
//! passage of its coder on that answer (one segment, from 0) was already an LF offset. A passage
//! deleted since is not known: had it cut a segment, a passage selected beside it moves as if it
//! had not.

use std::collections::HashMap;

use rusqlite::{Connection, ErrorCode, params};

use crate::text::normalize_line_breaks;

/// A passage as stored before this migration.
#[derive(Debug, Clone, PartialEq)]
struct Passage {
    id: i64,
    codebook_id: i64,
    coder_id: i64,
    /// Only the coders' own (`coder`) layer had passages selected on the coding page.
    coder_layer: bool,
    start: usize,
    end: usize,
}

/// Far beyond any answer: the first pass parks moving passages there, so that no passage ever
/// takes, for a moment, the place another still holds (a unique index covers the positions).
const PARKED: i64 = 1 << 40;

pub(super) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let passages = passages(conn)?;
    // The answers to rewrite, by key only: a survey may have many long ones.
    let mut stmt = conn.prepare("SELECT response_id, question, item FROM answers WHERE instr(value, char(13)) > 0")?;
    let keys = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let key = "response_id = ?1 AND question = ?2 AND item = ?3";
    let mut read = conn.prepare(&format!("SELECT value FROM answers WHERE {key}"))?;
    let mut write = conn.prepare(&format!("UPDATE answers SET value = ?4 WHERE {key}"))?;
    for (response_id, question, item) in keys {
        let stored: String = read.query_row(params![response_id, question, item], |r| r.get(0))?;
        write.execute(params![response_id, question, item, normalize_line_breaks(&stored)])?;
        // Passages are coded in the answer itself (item ''), not in an Other text.
        if let Some(passages) = passages.get(&(response_id, question)).filter(|_| item.is_empty()) {
            move_passages(conn, passages, &moved(&stored, passages))?;
        }
    }
    Ok(())
}

/// Every passage, by answer, in the order they were made.
fn passages(conn: &Connection) -> rusqlite::Result<HashMap<(i64, String), Vec<Passage>>> {
    let mut stmt = conn.prepare(
        "SELECT response_id, question, id, codebook_id, coder_id, layer, span_start, span_end FROM codings \
         WHERE span_start IS NOT NULL AND span_end IS NOT NULL ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut by_answer: HashMap<(i64, String), Vec<Passage>> = HashMap::new();
    while let Some(r) = rows.next()? {
        let position = |i| r.get::<_, i64>(i).map(|p| usize::try_from(p).unwrap_or(0));
        let passage = Passage {
            id: r.get(2)?,
            codebook_id: r.get(3)?,
            coder_id: r.get(4)?,
            coder_layer: r.get::<_, String>(5)? == "coder",
            start: position(6)?,
            end: position(7)?,
        };
        by_answer.entry((r.get(0)?, r.get(1)?)).or_default().push(passage);
    }
    Ok(by_answer)
}

/// Where each of an answer's passages (in the order made) lies in the answer with LF line
/// breaks: `(id, start, end)`, never empty and within the answer.
fn moved(stored: &str, passages: &[Passage]) -> Vec<(i64, usize, usize)> {
    let pairs = Pairs::of(stored);
    let length = pairs.lf_length();
    passages
        .iter()
        .enumerate()
        .map(|(i, passage)| {
            // The segments the coder's page showed when the passage was made.
            let earlier = passages[..i]
                .iter()
                .filter(|e| e.coder_layer && (e.codebook_id, e.coder_id) == (passage.codebook_id, passage.coder_id));
            let mut bounds: Vec<usize> = earlier.flat_map(|e| [e.start, e.end]).collect();
            if !passage.coder_layer {
                bounds.clear();
            }
            let meant = |p: usize| pairs.lf_position(p, &bounds).min(length);
            let (start, end) = (meant(passage.start), meant(passage.end));
            // Only a passage the page could not have sent (one ending inside a CR LF) could
            // shrink to nothing: it keeps a character.
            let end = end.max(start + 1).min(length);
            (passage.id, start.min(end.saturating_sub(1)), end)
        })
        .collect()
}

/// Writes the passages' new places: first every moving one out of the way, then each to its
/// place, in the order made. One that now covers the same text as an earlier passage of the
/// same coder and code (the unique index refuses it) was that passage made again, and goes.
fn move_passages(conn: &Connection, passages: &[Passage], moved: &[(i64, usize, usize)]) -> rusqlite::Result<()> {
    let moving: Vec<&(i64, usize, usize)> =
        moved.iter().zip(passages).filter(|((_, s, e), p)| (*s, *e) != (p.start, p.end)).map(|(m, _)| m).collect();
    let mut park =
        conn.prepare_cached("UPDATE codings SET span_start = span_start + ?2, span_end = span_end + ?2 WHERE id = ?1")?;
    for (id, _, _) in &moving {
        park.execute(params![id, PARKED])?;
    }
    let mut place = conn.prepare_cached("UPDATE codings SET span_start = ?2, span_end = ?3 WHERE id = ?1")?;
    for &&(id, start, end) in &moving {
        match place.execute(params![id, start as i64, end as i64]) {
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
                conn.execute("DELETE FROM codings WHERE id = ?1", [id])?;
            }
            other => {
                other?;
            }
        }
    }
    Ok(())
}

/// The CR LF pairs of a stored answer.
struct Pairs {
    /// For each code point position from 0 to the end, the pairs whose CR comes before it.
    before: Vec<usize>,
}

impl Pairs {
    fn of(text: &str) -> Pairs {
        let chars: Vec<char> = text.chars().collect();
        let mut before = Vec::with_capacity(chars.len() + 1);
        let mut pairs = 0;
        for (i, c) in chars.iter().enumerate() {
            before.push(pairs);
            pairs += usize::from(*c == '\r' && chars.get(i + 1) == Some(&'\n'));
        }
        before.push(pairs);
        Pairs { before }
    }

    fn pairs_before(&self, position: usize) -> usize {
        self.before.get(position).or(self.before.last()).copied().unwrap_or(0)
    }

    /// The answer's length with LF line breaks.
    fn lf_length(&self) -> usize {
        let length = self.before.len() - 1;
        length - self.pairs_before(length)
    }

    /// The LF position the page meant by the stored offset `p`, its segments cut at `bounds`.
    fn lf_position(&self, p: usize, bounds: &[usize]) -> usize {
        let length = self.before.len() - 1;
        let segment = bounds.iter().map(|b| (*b).min(length)).chain([0, length]).filter(|b| *b <= p).max();
        p - self.pairs_before(segment.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of the coding page for the answer `stored` cut at `bounds` (stored offsets), as
    /// the browser reads it, and what `coding.js` sent for each of its positions: the segment's
    /// `data-start` plus the code points before it in the segment; at the very end, the length.
    fn page(stored: &str, bounds: &[usize]) -> (String, Vec<usize>) {
        let chars: Vec<char> = stored.chars().collect();
        let mut cuts: Vec<usize> = bounds.iter().copied().chain([0, chars.len()]).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let (mut text, mut sent) = (String::new(), Vec::new());
        for w in cuts.windows(2) {
            let segment: String = chars[w[0]..w[1]].iter().collect();
            // The HTML parser: CR LF, and a CR alone (before the next tag), become LF.
            let shown = segment.replace("\r\n", "\n").replace('\r', "\n");
            sent.extend((0..shown.chars().count()).map(|k| w[0] + k));
            text.push_str(&shown);
        }
        sent.push(chars.len());
        (text, sent)
    }

    /// What `coding.js` sent for a selection of `needle` on the coder's page cut at `bounds`.
    fn sent(stored: &str, bounds: &[usize], needle: &str) -> (usize, usize) {
        let (text, sent) = page(stored, bounds);
        let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {text:?}"));
        let start = text[..at].chars().count();
        (sent[start], sent[start + needle.chars().count()])
    }

    fn passage(id: i64, coder_id: i64, (start, end): (usize, usize)) -> Passage {
        Passage { id, codebook_id: 1, coder_id, coder_layer: true, start, end }
    }

    fn lf_slice(text: &str, (start, end): (usize, usize)) -> String {
        text.replace("\r\n", "\n").chars().skip(start).take(end - start).collect()
    }

    /// Ann's and Bob's passages made one after the other, each on the page as it was then.
    fn selected(stored: &str, selections: &[(i64, i64, &str)]) -> Vec<Passage> {
        let mut passages: Vec<Passage> = Vec::new();
        for &(id, coder, needle) in selections {
            let bounds: Vec<usize> =
                passages.iter().filter(|p| p.coder_id == coder).flat_map(|p| [p.start, p.end]).collect();
            passages.push(passage(id, coder, sent(stored, &bounds, needle)));
        }
        passages
    }

    #[test]
    fn each_passage_keeps_the_text_its_coder_selected_whatever_the_segments() {
        let stored = "Première ligne 👩🏽‍🔬\r\n\r\nDeuxième: accès\r\npour tous\r\nfin";
        // Ann selects "accès" first (one segment), then "pour tous" (her page now cut where
        // "accès" was stored), then "Deuxième"; Bob selects "pour tous\nfin" on his own page.
        let selections = [(1, 1, "accès"), (2, 1, "pour tous"), (3, 2, "pour tous\nfin"), (4, 1, "Deuxième")];
        let passages = selected(stored, &selections);
        let lf = stored.replace("\r\n", "\n");
        let lf_start = |needle: &str| lf[..lf.find(needle).unwrap()].chars().count();
        assert_eq!(passages[0].start, lf_start("accès"), "the first is already an LF offset");
        assert_ne!(passages[1].start, lf_start("pour tous"), "a later one is not");

        let moved = moved(stored, &passages);

        for ((id, start, end), (_, _, text)) in moved.iter().zip(selections) {
            assert_eq!(lf_slice(stored, (*start, *end)), text, "passage {id}");
        }
    }

    #[test]
    fn passages_at_the_ends_of_the_answer_and_of_its_lines_keep_their_text() {
        let stored = "a\r\nb\r\nc";
        let selections = [(1, 1, "b\nc"), (2, 1, "c"), (3, 1, "a"), (4, 1, "b")];
        let passages = selected(stored, &selections);
        assert_eq!(passages[1].end, 7, "the page's very end is the stored length");
        let moved = moved(stored, &passages);
        for ((id, start, end), (_, _, text)) in moved.iter().zip(selections) {
            assert_eq!(lf_slice(stored, (*start, *end)), text, "passage {id}: {moved:?}");
        }
    }

    #[test]
    fn another_coders_passage_or_a_consensus_does_not_cut_a_coders_segments() {
        // x \r \n y \r \n z: "z" is code point 4 of the page's text, 6 of the stored one.
        let stored = "x\r\ny\r\nz";
        let bobs = passage(1, 2, (3, 4));
        let anns = passage(2, 1, sent(stored, &[], "z"));
        let consensus = Passage { coder_layer: false, ..passage(3, 1, (4, 5)) };
        let moved = moved(stored, &[bobs, anns, consensus]);
        assert_eq!(lf_slice(stored, (moved[1].1, moved[1].2)), "z", "{moved:?}");
        assert_eq!(lf_slice(stored, (moved[2].1, moved[2].2)), "z", "{moved:?}");
    }

    #[test]
    fn positions_never_leave_the_answer_nor_make_a_passage_empty() {
        let pairs = Pairs::of("a\r\n\r\nb");
        assert_eq!(pairs.lf_length(), 4);
        let moved = moved("a\r\n\r\nb", &[passage(1, 1, (5, 6)), passage(2, 1, (6, 9))]);
        assert!(moved.iter().all(|(_, s, e)| s < e && *e <= 4), "{moved:?}");
    }
}
