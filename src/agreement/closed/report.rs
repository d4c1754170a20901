//! The comparison of a codebook's closed-answer mappings, read from the database: the one
//! function the comparison page, its CSV, `fieldwork agreement --closed` and the methods pack call.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use super::{Coded, MappingComparison, Respondent, compare, store};
use crate::agreement::error::AgreementError;
use crate::agreement::table::Bootstrap;
use crate::answer::{Answer, Items};
use crate::codebook::closed::{ClosedMapping, mapping_problems};
use crate::coding::layers::{Layer, UnitCodings};
use crate::coding::store::layers::UnitStatements;
use crate::survey::model::{QuestionType, SurveyDefinition};

/// What the report says when coders could see the closed answers.
pub const NOT_INDEPENDENT: &str = "Coders could see the respondents' closed answers while coding (the codebook's \
     setting \"Coders see the respondent's closed answers\" is on), so the coding is not independent of \
     them: agreement here may be inflated and does not show that the two measure the same.";
/// What the report says when they could not.
pub const INDEPENDENT: &str = "Coders did not see the respondents' closed answers while coding (the codebook's \
     setting \"Coders see the respondent's closed answers\" is off), so the two classifications were made \
     independently. The setting is as it stands now; the audit log shows when it was changed.";

/// Every mapping of a codebook compared, and whether the coders were blind to closed answers.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedReport {
    pub codebook_id: i64,
    pub codebook_name: String,
    pub survey_slug: String,
    /// The codebook's setting "coders see the respondent's closed answers", as it is now.
    pub coders_see_closed_answers: bool,
    /// One per `[[closed]]` mapping of the codebook's draft, in its order.
    pub comparisons: Vec<MappingComparison>,
}

impl ClosedReport {
    /// Whether the comparison is independent, in a sentence for the reader.
    pub fn independence(&self) -> &'static str {
        if self.coders_see_closed_answers { NOT_INDEPENDENT } else { INDEPENDENT }
    }
}

/// Compares every closed-answer mapping of codebook `codebook_id` (its draft's) over the survey's
/// complete responses, the coding taken from the default layer. A codebook that does not exist
/// or maps no codes is a `Selection` error saying so; a mapping that no longer fits the survey is
/// reported in its `problems`.
pub fn closed_comparison(
    conn: &Connection,
    codebook_id: i64,
    bootstrap: Bootstrap,
) -> Result<ClosedReport, AgreementError> {
    let wrong = |message: String| AgreementError::Selection(message);
    let book = crate::codebook::store::find(conn, codebook_id)?
        .ok_or_else(|| wrong(format!("there is no codebook {codebook_id}")))?;
    if book.draft.closed.is_empty() {
        return Err(wrong(format!(
            "codebook {} ({}) maps no codes to closed answers: add a [[closed]] mapping to it \
             (docs/codebook-format.md) or on its page \"Closed answers\"",
            book.id, book.draft.name
        )));
    }
    let slug = crate::survey::store::slug_of(conn, book.survey_id)?;
    let survey = crate::survey::store::find_by_slug(conn, &slug)?
        .ok_or_else(|| wrong(format!("the survey of codebook {codebook_id} no longer exists")))?;
    let responses = store::complete_responses(conn, survey.id)?;
    let units = coded_units(conn, book.id, &responses)?;
    let mut texts = OpenTexts::default();
    let mut comparisons = Vec::new();
    for mapping in &book.draft.closed {
        let problems: Vec<String> = mapping_problems(mapping, &survey.definition)
            .into_iter()
            .map(|(field, message)| if field.is_empty() { message } else { format!("{field}: {message}") })
            .collect();
        let Some(question) = survey.definition.question(&mapping.question).filter(|_| problems.is_empty()) else {
            comparisons.push(MappingComparison {
                mapping: mapping.clone(),
                multiple: false,
                rows: Vec::new(),
                lines: Vec::new(),
                problems,
            });
            continue;
        };
        let answers = store::answers_to(conn, survey.id, &question.code)?;
        let mut respondents = Vec::with_capacity(responses.len());
        for &response_id in &responses {
            let closed = answers
                .get(&response_id)
                .and_then(|items| Answer::decode(question, items))
                .map(|answer| answer.codes().into_iter().map(str::to_owned).collect())
                .unwrap_or_default();
            let coded = units.get(&response_id);
            let counted = counted_questions(mapping, &survey.definition, coded);
            let coding = coding_of(coded, &counted);
            let open_answers = texts.of(conn, survey.id, response_id, &counted)?;
            respondents.push(Respondent { response_id, closed, coding, open_answers });
        }
        let multiple = question.kind == QuestionType::MultipleChoice;
        comparisons.push(compare(mapping, multiple, &respondents, bootstrap)?);
    }
    Ok(ClosedReport {
        codebook_id: book.id,
        codebook_name: book.draft.name.clone(),
        survey_slug: survey.slug.clone(),
        coders_see_closed_answers: book.coders_see_closed_answers,
        comparisons,
    })
}

/// Everything recorded on each response's answers, by response and question.
fn coded_units(
    conn: &Connection,
    codebook_id: i64,
    responses: &[i64],
) -> Result<BTreeMap<i64, BTreeMap<String, UnitCodings>>, AgreementError> {
    let mut statements = UnitStatements::prepare(conn, codebook_id)?;
    let mut reader = statements.reader()?;
    let mut units = BTreeMap::new();
    for &response in responses {
        let coded = reader.response(response)?;
        if !coded.is_empty() {
            units.insert(response, coded);
        }
    }
    Ok(units)
}

/// The open questions whose coding counts for a response, in survey order: the mapping's, or
/// every one coded on it.
fn counted_questions(
    mapping: &ClosedMapping,
    survey: &SurveyDefinition,
    coded: Option<&BTreeMap<String, UnitCodings>>,
) -> Vec<String> {
    let counts = |code: &str| {
        if mapping.open_questions.is_empty() {
            coded.is_some_and(|units| units.contains_key(code))
        } else {
            mapping.open_questions.iter().any(|q| q == code)
        }
    };
    survey.questions().map(|(_, q)| q).filter(|q| q.kind.is_open() && counts(&q.code)).map(|q| q.code.clone()).collect()
}

/// The default layer's codes of the counted answers together; awaiting reconciliation when one of
/// them is.
fn coding_of(coded: Option<&BTreeMap<String, UnitCodings>>, counted: &[String]) -> Coded {
    let units: Vec<&UnitCodings> = counted.iter().filter_map(|q| coded.and_then(|units| units.get(q))).collect();
    if units.iter().any(|unit| unit.awaiting_reconciliation()) {
        return Coded::Awaiting;
    }
    let sets: Vec<BTreeSet<String>> = units.iter().filter_map(|unit| unit.codes(Layer::Default)).collect();
    if sets.is_empty() { Coded::NotCoded } else { Coded::Codes(sets.into_iter().flatten().collect()) }
}

/// The texts of open questions, each question read once.
#[derive(Default)]
struct OpenTexts {
    by_question: BTreeMap<String, BTreeMap<i64, Items>>,
}

impl OpenTexts {
    fn of(
        &mut self,
        conn: &Connection,
        survey_id: i64,
        response_id: i64,
        questions: &[String],
    ) -> Result<Vec<(String, String)>, AgreementError> {
        let mut texts = Vec::new();
        for question in questions {
            if !self.by_question.contains_key(question) {
                self.by_question.insert(question.clone(), store::answers_to(conn, survey_id, question)?);
            }
            let text = self.by_question.get(question).and_then(|a| a.get(&response_id)).and_then(|i| i.get(""));
            if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                texts.push((question.clone(), text.clone()));
            }
        }
        Ok(texts)
    }
}
