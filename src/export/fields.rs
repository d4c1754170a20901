//! The options as form fields, for the export page and the analysis page: one `Field` per option,
//! with its label, its choices from the survey (codebooks, layers, languages, questions,
//! participant attributes) and the value given, so that both pages offer the same choices under
//! the same names as the command line's flags. Templates render them with the macros of
//! `partials/forms.html` (through `export/fields.html`).

use rusqlite::Connection;
use serde::Serialize;

use super::stream::{ANONYMOUS, ExportRequest, Opt, What};
use crate::db::DbError;
use crate::survey::model::{QuestionType, SurveyDefinition};
use crate::survey::store::StoredSurvey;

/// One choice of a select, or a group of them (`options` not empty).
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub options: Vec<Choice>,
}

fn choice(value: impl Into<String>, label: impl Into<String>) -> Choice {
    Choice { value: value.into(), label: label.into(), options: Vec::new() }
}

/// A form field for one option.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// The query parameter, `Opt::name`.
    pub name: &'static str,
    pub label: String,
    /// `select`, `checkbox` or `date`.
    pub kind: &'static str,
    /// The value given (`1` for a ticked box), or empty.
    pub value: String,
    pub options: Vec<Choice>,
    pub help: String,
}

/// What a survey offers to choose from.
#[derive(Debug, Clone)]
pub struct Choices {
    definition: SurveyDefinition,
    codebooks: Vec<(i64, String)>,
    /// Coders who coded in the survey: each is a layer.
    coders: Vec<(i64, String)>,
    /// Participant attributes (none in an anonymous survey).
    attributes: Vec<String>,
}

impl Choices {
    pub fn read(conn: &Connection, survey: &StoredSurvey) -> Result<Choices, DbError> {
        let codebooks = crate::codebook::store::for_survey(conn, survey.id)?;
        let attributes = if survey.definition.anonymous {
            Vec::new()
        } else {
            crate::distribute::participants::attribute_names(conn, survey.id)?
        };
        Ok(Choices {
            definition: survey.definition.clone(),
            codebooks: codebooks.into_iter().map(|c| (c.id, c.draft.name)).collect(),
            coders: crate::coding::store::coders_in(conn, survey.id)?,
            attributes,
        })
    }

    pub fn has_codebook(&self) -> bool {
        !self.codebooks.is_empty()
    }

    /// The fields of `options`, filled from `request`, for an export file (`Some`) or the
    /// analysis page.
    pub fn fields(&self, options: &[Opt], request: &ExportRequest, file: Option<What>) -> Vec<Field> {
        options.iter().map(|&option| self.field(option, request, file)).collect()
    }

    fn field(&self, option: Opt, request: &ExportRequest, file: Option<What>) -> Field {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let tick = |on: bool| if on { "1".to_string() } else { String::new() };
        let select = |label: &str, value: String, options: Vec<Choice>| Field {
            name: option.name(),
            label: label.to_string(),
            kind: "select",
            value,
            options,
            help: String::new(),
        };
        let checkbox = |label: &str, on: bool| Field { kind: "checkbox", ..select(label, tick(on), Vec::new()) };
        let d = &self.definition;
        let language = &d.default_language;
        match option {
            Opt::Codebook => {
                let books = self.codebooks.iter().map(|(id, name)| choice(id.to_string(), name)).collect();
                select("Codebook", request.codebook.map(|c| c.to_string()).unwrap_or_default(), books)
            }
            Opt::Layer => {
                let every = file == Some(What::Qdpx);
                let mut layers: Vec<Choice> = crate::coding::layers::CHOICES
                    .iter()
                    .map(|(value, label)| {
                        let label = if every && *value == "default" {
                            "Every coder's codings and the consensus"
                        } else {
                            label
                        };
                        choice(*value, label)
                    })
                    .collect();
                layers.extend(
                    self.coders.iter().map(|(id, email)| choice(format!("coder:{id}"), format!("Coder {email}"))),
                );
                select("Coding layer", text(&request.layer), layers)
            }
            Opt::Question => {
                let mut open = vec![choice("", "All open questions")];
                open.extend(
                    d.questions()
                        .filter(|(_, q)| q.kind.is_open())
                        .map(|(_, q)| choice(&q.code, format!("{}: {}", q.code, d.text(&q.text, language)))),
                );
                select("Open question", text(&request.question), open)
            }
            Opt::By => {
                // The export's cross-tab needs a group; the page shows none until one is chosen.
                let mut by = if file.is_some() { Vec::new() } else { vec![choice("", "(no cross-tab)")] };
                by.push(choice("language", "Language"));
                by.extend(choice_questions(d).map(|(code, text)| choice(code, format!("{code}: {text}"))));
                by.extend(self.attributes.iter().map(|a| choice(format!("attribute:{a}"), format!("Participant {a}"))));
                Field { help: self.attributes_help(), ..select("Cross-tab codes by", text(&request.by), by) }
            }
            Opt::IncludePartial => checkbox("Include partial responses", request.include_partial),
            Opt::Language => {
                let mut languages = vec![choice("", "All languages")];
                languages.extend(d.languages.iter().map(|l| choice(l, l)));
                select("Responses in", text(&request.language), languages)
            }
            Opt::From | Opt::To => {
                let (label, value) =
                    if option == Opt::From { ("Started from", &request.from) } else { ("Started until", &request.to) };
                Field { kind: "date", ..select(label, text(value), Vec::new()) }
            }
            Opt::Answer => {
                let mut groups = vec![choice("", "(everyone)")];
                groups.extend(choice_questions(d).filter_map(|(code, text)| {
                    let q = d.question(code)?;
                    let mut choices: Vec<Choice> = q
                        .choices
                        .iter()
                        .map(|c| choice(format!("{code}={}", c.code), d.text(&c.label, language)))
                        .collect();
                    if q.other {
                        choices.push(choice(format!("{code}=other"), "Other"));
                    }
                    Some(Choice { value: String::new(), label: format!("{code}: {text}"), options: choices })
                }));
                select("Only respondents who answered", text(&request.answer), groups)
            }
            Opt::Labels => {
                let languages = d.languages.iter();
                if file == Some(What::Responses) {
                    let mut labels = vec![choice("", "Codes")];
                    labels.extend(languages.map(|l| choice(l, format!("Labels in {l}"))));
                    select("Choices as", text(&request.labels), labels)
                } else {
                    let chosen = request.labels.clone().unwrap_or_else(|| language.clone());
                    select("Language", chosen, languages.map(|l| choice(l, l)).collect())
                }
            }
            Opt::Missing => {
                let codes = &d.missing_codes;
                let reasons = format!(
                    "Missing-data codes ({} not shown, {} not reached, {} skipped)",
                    codes.not_shown, codes.not_reached, codes.skipped
                );
                select(
                    "Empty answer cells",
                    text(&request.missing),
                    vec![choice("", "Left empty"), choice("codes", reasons)],
                )
            }
            Opt::Per => select(
                "One text source per",
                text(&request.per),
                vec![
                    choice("answer", "Answer"),
                    choice("respondent", "Respondent (their open answers, each under its question)"),
                ],
            ),
            Opt::Texts => select(
                "Source texts",
                text(&request.texts),
                vec![
                    choice("files", "One file per source (sources/*.txt; every QDA program, QualCoder included)"),
                    choice("inline", "Inside project.qde (one zip entry; not for QualCoder)"),
                ],
            ),
            Opt::Bom => checkbox("Byte-order mark (for Excel)", request.bom),
            Opt::NoFormulaProtection => {
                checkbox("No formula protection (values exactly as stored)", request.no_formula_protection)
            }
        }
    }

    /// Why the cross-tab offers no participant attribute, when it offers none.
    fn attributes_help(&self) -> String {
        if self.definition.anonymous {
            // As a sentence: "The survey is anonymous, …".
            let mut why = ANONYMOUS.chars();
            why.next().map(|first| format!("{}{}.", first.to_uppercase(), why.as_str())).unwrap_or_default()
        } else if self.attributes.is_empty() {
            "No participant attributes yet: import participants with columns beyond email, name and language \
             (such as organisation) to cross-tab by them."
                .to_string()
        } else {
            String::new()
        }
    }
}

/// The single and multiple choice questions: (code, text in the default language).
fn choice_questions(d: &SurveyDefinition) -> impl Iterator<Item = (&str, &str)> {
    d.questions()
        .filter(|(_, q)| matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice))
        .map(|(_, q)| (q.code.as_str(), d.text(&q.text, &d.default_language)))
}
