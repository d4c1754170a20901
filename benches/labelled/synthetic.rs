//! Synthetic responses to the shipped questionnaire, each made from its number alone (so a pass
//! can make them again): every question answered in turn — choices, Other texts, matrix rows,
//! ranks, numbers, open answers of a few hundred bytes with non-ASCII text and one in 50 of some
//! 4,000 bytes, coded with a few of the shipped codebook's codes — and one in seven left with a
//! reason. Shared by `benches/labelled` and `tests/web/labelled_readers/shipped.rs`.

use std::collections::{BTreeMap, BTreeSet};

use fieldwork::codebook::model::CodebookFile;
use fieldwork::export::labelled::Reason;
use fieldwork::survey::model::{QuestionType, SurveyDefinition};

pub type Answers = BTreeMap<String, BTreeMap<String, String>>;

/// One response's answers, the reasons of its empty questions and its answers' layer codes.
pub struct Synthetic {
    pub answers: Answers,
    pub reasons: BTreeMap<String, Reason>,
    pub codes: BTreeMap<String, BTreeSet<String>>,
}

/// The shipped questionnaire and codebook.
pub fn shipped() -> (SurveyDefinition, CodebookFile) {
    let survey = std::fs::read_to_string("questionnaires/open-llm-governance.toml").expect("the questionnaire");
    let survey = fieldwork::survey::file::from_toml(&survey).expect("it is valid").definition;
    let book = std::fs::read_to_string("codebooks/open-llm-governance.toml").expect("the codebook");
    (survey, fieldwork::codebook::model::from_toml(&book).expect("it is valid"))
}

/// Response number `i`.
pub fn response(survey: &SurveyDefinition, book: &CodebookFile, i: usize) -> Synthetic {
    let mut made = Synthetic { answers: Answers::new(), reasons: BTreeMap::new(), codes: BTreeMap::new() };
    for (n, (_, q)) in survey.questions().enumerate() {
        let turn = i + n;
        if turn.is_multiple_of(7) {
            made.reasons.insert(q.code.clone(), Reason::ALL[turn % 3]);
            continue;
        }
        let mut items = BTreeMap::new();
        let choices = q.choices.len().max(1);
        match q.kind {
            QuestionType::Display => {}
            QuestionType::ShortText | QuestionType::LongText => {
                let repeat = if turn.is_multiple_of(50) { 100 } else { 1 + turn % 8 };
                let text = format!("Respuesta {i} a «{}», ñandú y 日本語. ", q.code).repeat(repeat);
                items.insert(String::new(), text.trim_end().to_string());
                let applied = book.codes.iter().skip(turn % 5).step_by(9).map(|c| c.id.clone()).collect();
                made.codes.insert(q.code.clone(), applied);
            }
            QuestionType::Number => {
                items.insert(String::new(), (turn % 40).to_string());
            }
            QuestionType::Date => {
                items.insert(String::new(), format!("2025-0{}-1{}", 1 + turn % 9, turn % 10));
            }
            QuestionType::SingleChoice if q.other && turn % 5 == 1 => {
                items.insert("other".into(), "Otra función".into());
            }
            QuestionType::SingleChoice => {
                items.insert(String::new(), q.choices[turn % choices].code.clone());
            }
            QuestionType::MultipleChoice => {
                for (j, c) in q.choices.iter().enumerate() {
                    if (turn + j).is_multiple_of(3) {
                        items.insert(c.code.clone(), "1".into());
                    }
                }
            }
            QuestionType::Matrix => {
                for (j, row) in q.rows.iter().enumerate() {
                    items.insert(row.code.clone(), q.choices[(turn + j) % choices].code.clone());
                }
            }
            QuestionType::Ranking => {
                for (j, c) in q.choices.iter().enumerate() {
                    items.insert(c.code.clone(), (1 + (turn + j) % choices).to_string());
                }
            }
        }
        if !items.is_empty() {
            made.answers.insert(q.code.clone(), items);
        }
    }
    made
}
