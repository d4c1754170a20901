//! The disclosure check before quoting: k-anonymity over the closed questions the researcher marks
//! as quasi-identifiers. Complete responses are grouped by their answers to those questions; the
//! smallest group is the survey's k, and every combination shared by fewer than the threshold is
//! listed with its count (the answers are choice codes, numbers or dates; no respondent text).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{PackFile, ReportError, Sources, store};
use crate::answer::{Answer, Rows};
use crate::survey::model::{Question, QuestionType, SurveyDefinition};

/// What a response without an answer to a quasi-identifier counts as.
pub const NO_ANSWER: &str = "(no answer)";

/// Why a question cannot be a quasi-identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotQuasiIdentifier {
    #[error("\"{0}\" is not a question of this survey")]
    Unknown(String),
    #[error(
        "\"{0}\" is a text question: only closed questions (choices, numbers, dates, matrices, rankings) can be quasi-identifiers"
    )]
    Open(String),
    #[error("\"{0}\" shows text and takes no answer")]
    Display(String),
}

/// The questions a survey may mark: those with closed answers.
pub fn candidates(definition: &SurveyDefinition) -> Vec<&Question> {
    definition.pages.iter().flat_map(|p| &p.questions).filter(|q| closed(q.kind)).collect()
}

fn closed(kind: QuestionType) -> bool {
    !matches!(kind, QuestionType::ShortText | QuestionType::LongText | QuestionType::Display)
}

/// The marked codes checked against the survey, in the order given.
pub fn checked<'d>(
    definition: &'d SurveyDefinition,
    codes: &[String],
) -> Result<Vec<&'d Question>, NotQuasiIdentifier> {
    codes
        .iter()
        .map(|code| {
            let question = definition
                .pages
                .iter()
                .flat_map(|p| &p.questions)
                .find(|q| q.code == *code)
                .ok_or_else(|| NotQuasiIdentifier::Unknown(code.clone()))?;
            match question.kind {
                QuestionType::ShortText | QuestionType::LongText => Err(NotQuasiIdentifier::Open(code.clone())),
                QuestionType::Display => Err(NotQuasiIdentifier::Display(code.clone())),
                _ => Ok(question),
            }
        })
        .collect()
}

/// An answer as a group key: what display logic sees of it (codes, numbers, dates), a matrix
/// with each row's scale choice.
fn value(answer: &Answer) -> String {
    match answer {
        Answer::Matrix(rows) => {
            rows.iter().map(|(row, choice)| format!("{row}={choice}")).collect::<Vec<_>>().join(" ")
        }
        other => other.logic_value(),
    }
}

/// One combination of answers and how many complete responses share it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// One value per quasi-identifier, in their order.
    pub values: Vec<String>,
    pub count: usize,
}

/// The check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    pub quasi_identifiers: Vec<String>,
    pub threshold: usize,
    pub responses: usize,
    /// The smallest group's size (None without responses or without quasi-identifiers).
    pub smallest: Option<usize>,
    pub groups: usize,
    /// The combinations shared by fewer than `threshold` responses, smallest first.
    pub below: Vec<Group>,
}

/// Counts the combinations as responses are added.
pub struct Tally<'q> {
    questions: Vec<&'q Question>,
    threshold: usize,
    counts: BTreeMap<Vec<String>, usize>,
}

impl<'q> Tally<'q> {
    pub fn new(questions: Vec<&'q Question>, threshold: usize) -> Tally<'q> {
        Tally { questions, threshold, counts: BTreeMap::new() }
    }

    /// Counts one response from its rows. Only codes and values display logic sees are used: an
    /// Other choice counts as `other`, never with its text.
    pub fn add(&mut self, rows: &Rows) {
        let key = self
            .questions
            .iter()
            .map(|q| Answer::of(q, rows).map(|a| value(&a)).filter(|v| !v.is_empty()))
            .map(|value| value.unwrap_or_else(|| NO_ANSWER.to_string()))
            .collect();
        *self.counts.entry(key).or_default() += 1;
    }

    pub fn finish(self) -> Disclosure {
        let responses = self.counts.values().sum();
        let quasi_identifiers = self.questions.iter().map(|q| q.code.clone()).collect::<Vec<_>>();
        let smallest = if quasi_identifiers.is_empty() { None } else { self.counts.values().min().copied() };
        let groups = if quasi_identifiers.is_empty() { 0 } else { self.counts.len() };
        let mut below: Vec<Group> = if quasi_identifiers.is_empty() {
            Vec::new()
        } else {
            self.counts
                .into_iter()
                .filter(|(_, count)| *count < self.threshold)
                .map(|(values, count)| Group { values, count })
                .collect()
        };
        below.sort_by(|a, b| a.count.cmp(&b.count).then_with(|| a.values.cmp(&b.values)));
        Disclosure { quasi_identifiers, threshold: self.threshold, responses, smallest, groups, below }
    }
}

pub const HTML: &str = "disclosure.html";
pub const CSV: &str = "disclosure.csv";

/// The check over the survey's complete responses, with the quasi-identifiers and threshold the
/// pack was asked for.
pub fn check(sources: &Sources) -> Result<Disclosure, ReportError> {
    let definition = &sources.survey.definition;
    let questions = checked(definition, &sources.quasi_identifiers)?;
    let codes: Vec<String> = questions.iter().map(|q| q.code.clone()).collect();
    let mut tally = Tally::new(questions, sources.k);
    store::closed_answers(sources.conn, sources.survey.id, &codes, |_, rows| tally.add(rows))?;
    Ok(tally.finish())
}

pub fn files(sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
    let found = check(sources)?;
    let mut header = found.quasi_identifiers.clone();
    header.push("responses".into());
    let mut csv = super::Csv::new(header)?;
    for group in &found.below {
        let mut cells = group.values.clone();
        cells.push(group.count.to_string());
        csv.row(cells)?;
    }
    let title = "Disclosure check";
    let html = sources.html("report/disclosure.html", title, minijinja::context! { d => &found, csv => CSV })?;
    Ok(vec![
        PackFile::new(HTML.into(), title.into(), html),
        PackFile::new(CSV.into(), "Disclosure check: combinations below k (CSV)".into(), csv.finish()?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::model::{Choice, Page};

    fn survey() -> SurveyDefinition {
        let mut d = SurveyDefinition::blank("k", "en", "K");
        let mut page = Page::new("p");
        let mut role = Question::new("ROLE", QuestionType::SingleChoice, "en", "Role");
        role.choices = vec![Choice::new("dev", "en", "Dev"), Choice::new("lead", "en", "Lead")];
        role.other = true;
        let size = Question::new("SIZE", QuestionType::Number, "en", "Size");
        let why = Question::new("WHY", QuestionType::LongText, "en", "Why");
        page.questions = vec![role, size, why];
        d.pages = vec![page];
        d
    }

    fn rows(role: &str, size: Option<&str>) -> Rows {
        let mut rows = Rows::new();
        rows.entry("ROLE".into()).or_default().insert(String::new(), role.into());
        if role == "other" {
            rows.entry("ROLE".into()).or_default().insert("other".into(), "Sole maintainer of tiny-llm".into());
        }
        if let Some(size) = size {
            rows.entry("SIZE".into()).or_default().insert(String::new(), size.into());
        }
        rows
    }

    #[test]
    fn combinations_below_the_threshold_are_listed_by_codes_with_their_counts() {
        let d = survey();
        let questions = checked(&d, &["ROLE".into(), "SIZE".into()]).unwrap();
        let mut tally = Tally::new(questions, 3);
        for _ in 0..3 {
            tally.add(&rows("dev", Some("10")));
        }
        tally.add(&rows("lead", Some("10")));
        tally.add(&rows("other", None));
        let found = tally.finish();
        assert_eq!((found.responses, found.groups, found.smallest), (5, 3, Some(1)));
        assert_eq!(
            found.below,
            vec![
                Group { values: vec!["lead".into(), "10".into()], count: 1 },
                Group { values: vec!["other".into(), NO_ANSWER.into()], count: 1 },
            ]
        );
        let listed = format!("{:?}", found.below);
        assert!(!listed.contains("tiny-llm"), "an Other text is respondent text: {listed}");
    }

    #[test]
    fn only_closed_questions_of_the_survey_can_be_marked() {
        let d = survey();
        assert_eq!(checked(&d, &["WHY".into()]).unwrap_err(), NotQuasiIdentifier::Open("WHY".into()));
        assert_eq!(checked(&d, &["NOPE".into()]).unwrap_err(), NotQuasiIdentifier::Unknown("NOPE".into()));
        assert_eq!(candidates(&d).iter().map(|q| q.code.as_str()).collect::<Vec<_>>(), ["ROLE", "SIZE"]);
    }
}
