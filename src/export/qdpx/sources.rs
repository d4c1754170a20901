//! A response's text sources (one per open answer, or one per respondent), their text, and where
//! each answer lies in it, in Unicode code points from 0 (the unit fieldwork stores passages in
//! and REFI-QDA counts positions in).

use std::borrow::Cow;

use super::SourcePer;
use super::rows::Respondent;
use super::selections::Selection;
use super::xml::xml_safe;
use crate::codebook::qdc::derived_guid;
use crate::survey::model::SurveyDefinition;

/// A text source: one answer, or one respondent's open answers.
#[derive(Debug)]
pub struct Source {
    pub guid: String,
    pub name: String,
    pub description: Option<String>,
    pub text: String,
    /// Each answer in it, by question, and where it lies.
    pub placed: Vec<(String, Placed)>,
    pub selections: Vec<Selection>,
    pub note_refs: Vec<String>,
}

impl Source {
    /// Where the answer to `question` lies, if it is in this source.
    pub fn place(&self, question: &str) -> Option<Placed> {
        self.placed.iter().find(|(q, _)| q == question).map(|(_, at)| *at)
    }
}

/// A source's guid, from what it holds: guids derive from ids, so the same data gives the same
/// project.
fn guid(response_id: i64, question: Option<&str>) -> String {
    let key = match question {
        Some(question) => format!("answer:{response_id}:{question}"),
        None => format!("respondent:{response_id}"),
    };
    derived_guid("fieldwork-source", &key)
}

/// The guids of a response's sources, in order, without their text (for its case).
pub fn guids(respondent: &Respondent, per: SourcePer) -> Vec<String> {
    match per {
        SourcePer::Answer => respondent.open.iter().map(|q| guid(respondent.id, Some(q))).collect(),
        SourcePer::Respondent if respondent.open.is_empty() => Vec::new(),
        SourcePer::Respondent => vec![guid(respondent.id, None)],
    }
}

/// A response's sources, with their text, in survey order; no selections yet.
pub fn sources(respondent: &Respondent, definition: &SurveyDefinition, per: SourcePer) -> Vec<Source> {
    let id = respondent.id;
    let text_of = |question: &str| -> Cow<'_, str> {
        let items = respondent.answers.get(question);
        source_text(items.and_then(|i| i.get("")).map_or("", String::as_str))
    };
    // One line, whatever line breaks the question's text has.
    let heading = |code: &str| -> String {
        let Some(question) = definition.question(code) else { return code.to_string() };
        let text = definition.text(&question.text, &definition.default_language);
        source_text(&format!("{code}: {}", text.split_whitespace().collect::<Vec<_>>().join(" "))).into_owned()
    };
    let source =
        |guid: String, name: String, description: Option<String>, layout: Layout, questions: &[String]| Source {
            guid,
            name,
            description,
            text: layout.text,
            placed: questions.iter().cloned().zip(layout.placed).collect(),
            selections: Vec::new(),
            note_refs: Vec::new(),
        };
    match per {
        SourcePer::Answer => respondent
            .open
            .iter()
            .map(|q| {
                // No `:` or `/`: QualCoder copies each source to a file named after it.
                let name = format!("Response {id}, {q}");
                source(guid(id, Some(q)), name, Some(heading(q)), single(&text_of(q)), std::slice::from_ref(q))
            })
            .collect(),
        SourcePer::Respondent if respondent.open.is_empty() => Vec::new(),
        SourcePer::Respondent => {
            let texts: Vec<Cow<str>> = respondent.open.iter().map(|q| text_of(q)).collect();
            let answers: Vec<(String, &str)> =
                respondent.open.iter().zip(&texts).map(|(q, t)| (heading(q), &**t)).collect();
            let name = format!("Response {id}");
            vec![source(guid(id, None), name, None, with_headings(&answers), &respondent.open)]
        }
    }
}

/// A text as a source holds it: as stored, but for what a reader of the source could not take
/// one for one. A CR becomes LF (a reader of the text file turns CR LF into one line break,
/// which would move every later position; stored answers have none since migration 6), and a
/// character XML forbids becomes U+FFFD (`xml_safe`). Positions hold either way.
pub fn source_text(text: &str) -> Cow<'_, str> {
    match xml_safe(text) {
        safe if safe.contains('\r') => Cow::Owned(safe.replace('\r', "\n")),
        safe => safe,
    }
}

/// Where an answer lies in its source: its first code point and its length in code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub offset: usize,
    pub len: usize,
}

/// A source's text and where each of its answers lies in it, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub text: String,
    pub placed: Vec<Placed>,
}

/// Between one respondent's answers: the end of the answer's line and an empty line.
const BETWEEN: &str = "\n\n";

/// A source holding one answer as given (`source_text` of the stored one), so stored passage
/// positions hold unchanged.
pub fn single(answer: &str) -> Layout {
    Layout { text: answer.to_string(), placed: vec![Placed { offset: 0, len: answer.chars().count() }] }
}

/// One respondent's answers in one source: each `(heading, answer)` as the heading, a line
/// break and the answer as given, blocks separated by an empty line.
pub fn with_headings(answers: &[(String, &str)]) -> Layout {
    let mut text = String::new();
    let mut offset = 0;
    let mut placed = Vec::with_capacity(answers.len());
    for (i, (heading, answer)) in answers.iter().enumerate() {
        let before = if i == 0 { String::new() } else { BETWEEN.to_string() } + heading + "\n";
        offset += before.chars().count();
        text.push_str(&before);
        let len = answer.chars().count();
        placed.push(Placed { offset, len });
        text.push_str(answer);
        offset += len;
    }
    Layout { text, placed }
}

impl Placed {
    /// The `[start, end)` a coding covers in the source: the whole answer, or its passage (code
    /// points into the answer, end exclusive) cut to the answer; `None` when nothing is left.
    pub fn span(self, passage: Option<(i64, i64)>) -> Option<(usize, usize)> {
        let (start, end) = match passage {
            None => (0, self.len),
            Some((start, end)) => {
                let clamp = |p: i64| usize::try_from(p.max(0)).unwrap_or(usize::MAX).min(self.len);
                (clamp(start), clamp(end))
            }
        };
        (start < end).then_some((self.offset + start, self.offset + end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, (start, end): (usize, usize)) -> String {
        text.chars().skip(start).take(end - start).collect()
    }

    #[test]
    fn positions_count_code_points_across_emoji_combining_marks_and_headings() {
        let first = "Cafe\u{301} 👩🏽‍🔬 ok";
        let second = "שלום world\r\nline";
        let layout = with_headings(&[("Q1: Why? 🤔".into(), first), ("Q2: How?".into(), second)]);

        assert!(layout.text.starts_with("Q1: Why? 🤔\nCafe\u{301}"));
        assert!(layout.text.contains(&format!("{first}\n\nQ2: How?\n{second}")));
        let whole: Vec<String> = layout.placed.iter().map(|p| slice(&layout.text, p.span(None).unwrap())).collect();
        assert_eq!(whole, [first, second]);
        // "👩🏽‍🔬" is four code points, after "Cafe" + U+0301 + space.
        assert_eq!(slice(&layout.text, layout.placed[0].span(Some((6, 10))).unwrap()), "👩🏽‍🔬");
        assert_eq!(slice(&layout.text, layout.placed[1].span(Some((0, 4))).unwrap()), "שלום");
    }

    #[test]
    fn a_single_answer_is_the_source_unchanged() {
        let layout = single("a\r\nb");
        assert_eq!(layout.text, "a\r\nb");
        assert_eq!(layout.placed[0].span(None), Some((0, 4)));
    }

    #[test]
    fn a_source_text_has_no_cr_nor_characters_xml_forbids_and_keeps_its_length() {
        let stored = "a\r\nb\rc\u{1}d\u{FFFE}é́ 👩🏽‍🔬";
        let text = source_text(stored);
        assert_eq!(text, "a\n\nb\nc\u{FFFD}d\u{FFFD}é́ 👩🏽‍🔬");
        assert_eq!(text.chars().count(), stored.chars().count());
        assert!(matches!(source_text("plain\ttext\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn passages_outside_the_answer_are_cut_to_it_or_dropped() {
        let placed = Placed { offset: 10, len: 5 };
        assert_eq!(placed.span(Some((3, 99))), Some((13, 15)));
        assert_eq!(placed.span(Some((7, 9))), None);
        assert_eq!(placed.span(Some((-2, 2))), Some((10, 12)));
        assert_eq!(Placed { offset: 0, len: 0 }.span(None), None);
    }
}
