//! A complete response as the API's JSON lines and the webhooks' payloads give it: its place in
//! the order of completion, its dates, and each answer decoded once (`answer::Answer`) as JSON.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::store::CompletedResponse;
use crate::answer::Answer;
use crate::survey::model::SurveyDefinition;

/// One line of the stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseLine {
    /// Its place in the order of completion: give the last one seen as `since` next time.
    pub seq: i64,
    pub id: i64,
    pub language: String,
    pub survey_version: i64,
    /// RFC 3339, or only the date in an anonymous survey.
    pub started_at: String,
    pub submitted_at: Option<String>,
    /// Each answered question by its code: a text, date or number; `{"choice", "other"?}`;
    /// `{"choices": […], "other"?}`; `[{"choice", "rank"}]`; or `{row: choice}`.
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
}

impl ResponseLine {
    pub fn of(response: CompletedResponse, definition: &SurveyDefinition) -> ResponseLine {
        let answers = definition
            .questions()
            .filter_map(|(_, question)| Some((question.code.clone(), Answer::of(question, &response.rows)?.to_json())))
            .collect();
        ResponseLine {
            seq: response.seq,
            id: response.id,
            language: response.language,
            survey_version: response.survey_version,
            started_at: response.started_at,
            submitted_at: response.submitted_at,
            answers,
        }
    }
}
