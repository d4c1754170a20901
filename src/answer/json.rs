//! An answer as JSON, for the token API's responses (`GET /api/v1/surveys/{slug}/responses`):
//! codes as stored, a number as a JSON number when it is one.

use serde_json::{Value, json};

use super::Answer;

impl Answer<'_> {
    /// A text or date as a string; a number as a number (as stored, should it not parse); a single
    /// choice `{"choice", "other"?}`; a multiple choice `{"choices": […], "other"?}`; a ranking
    /// `[{"choice", "rank"}]`, first rank first; a matrix `{row: choice}`.
    pub fn to_json(&self) -> Value {
        match self {
            Answer::Text(text) | Answer::Date(text) => json!(text),
            Answer::Number(number) => {
                number.parse::<f64>().ok().filter(|n| n.is_finite()).map_or_else(|| json!(number), |n| json!(n))
            }
            Answer::Single { choice, other } => with_other(json!({ "choice": choice }), *other),
            Answer::Multiple { ticked, other } => with_other(json!({ "choices": ticked }), *other),
            Answer::Ranking(ranked) => {
                ranked.iter().map(|r| json!({ "choice": r.choice, "rank": r.rank })).collect::<Vec<_>>().into()
            }
            Answer::Matrix(rows) => {
                Value::Object(rows.iter().map(|(row, choice)| (row.to_string(), json!(choice))).collect())
            }
        }
    }
}

fn with_other(mut value: Value, other: Option<&str>) -> Value {
    if let (Some(other), Value::Object(map)) = (other, &mut value) {
        map.insert("other".into(), json!(other));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Ranked;

    #[test]
    fn each_kind_of_answer_has_its_json_shape() {
        assert_eq!(Answer::Number("2.5").to_json(), json!(2.5));
        assert_eq!(Answer::Number("abc").to_json(), json!("abc"));
        assert_eq!(
            Answer::Single { choice: "other", other: Some("x") }.to_json(),
            json!({"choice": "other", "other": "x"})
        );
        assert_eq!(Answer::Multiple { ticked: vec!["a", "b"], other: None }.to_json(), json!({"choices": ["a", "b"]}));
        let ranked = vec![Ranked { choice: "b", rank: "1" }];
        assert_eq!(Answer::Ranking(ranked).to_json(), json!([{"choice": "b", "rank": "1"}]));
        assert_eq!(Answer::Matrix(vec![("r1", "hi")]).to_json(), json!({"r1": "hi"}));
    }
}
