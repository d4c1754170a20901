//! Which responses an analysis or an export counts, written once in SQL: the filter of the
//! analysis page (partial responses, language, dates, an answer given) as a condition on a row
//! of `live_responses`, with its named parameters. The analysis's read model (`data.rs`) and
//! every export of responses, codings or tables select through it.

use rusqlite::ToSql;
use rusqlite::types::Value;

/// Which responses count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Partial responses too (default: complete only).
    pub include_partial: bool,
    pub language: Option<String>,
    /// Started on or after this date (YYYY-MM-DD).
    pub from: Option<String>,
    /// Started on or before this date (YYYY-MM-DD).
    pub to: Option<String>,
    /// Only respondents who gave this answer: (question code, choice code).
    pub answer: Option<(String, String)>,
    /// A participant attribute (organisation, role, ...) whose values become cross-tab groups.
    pub group_attribute: Option<String>,
}

/// The responses a `Filter` lets through, as a condition on `r`, a row of `live_responses`. An
/// answer given is a single choice's value, a ticked box, or for `other` an Other text.
pub const FILTERED: &str = "(:include_partial OR r.is_complete) \
     AND (:language IS NULL OR r.language = :language) \
     AND (:from IS NULL OR substr(r.started_at, 1, 10) >= :from) \
     AND (:to IS NULL OR substr(r.started_at, 1, 10) <= :to) \
     AND (:answer_question IS NULL OR EXISTS (SELECT 1 FROM answers given \
         WHERE given.response_id = r.id AND given.question = :answer_question \
         AND ((given.item = '' AND given.value = :answer_choice) \
              OR (given.item = :answer_choice AND (given.value = '1' OR :answer_choice = 'other')))))";

/// The named parameters of a statement that uses `FILTERED`, and of the statement itself.
pub struct Params(Vec<(&'static str, Value)>);

impl Params {
    /// The filter's parameters.
    pub fn of(filter: &Filter) -> Params {
        let (question, choice) = filter.answer.clone().unzip();
        Params(vec![
            (":include_partial", filter.include_partial.into()),
            (":language", filter.language.clone().into()),
            (":from", filter.from.clone().into()),
            (":to", filter.to.clone().into()),
            (":answer_question", question.into()),
            (":answer_choice", choice.into()),
        ])
    }

    /// One more parameter, of the statement's own.
    pub fn with(mut self, name: &'static str, value: impl Into<Value>) -> Params {
        self.0.push((name, value.into()));
        self
    }

    /// As rusqlite takes named parameters.
    pub fn named(&self) -> Vec<(&str, &dyn ToSql)> {
        self.0.iter().map(|(name, value)| (*name, value as &dyn ToSql)).collect()
    }
}
