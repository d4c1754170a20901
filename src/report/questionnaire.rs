//! The questionnaire as printable HTML, one file per language: every page and question with its
//! choices, the conditions said in words (display logic, constraints, piping, exclusive choices,
//! randomised order), the survey version and the consent text.

use serde::Serialize;

use super::{PackFile, ReportError, Sources};
use crate::survey::logic::Condition;
use crate::survey::model::{Question, QuestionType, SurveyDefinition, Text};

/// The file of one language.
pub fn file_name(language: &str) -> String {
    format!("questionnaire-{language}.html")
}

pub fn files(sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
    let definition = &sources.survey.definition;
    let mut files = Vec::new();
    for language in &definition.languages {
        let shown = Shown::of(definition, language);
        let title = format!("Questionnaire ({language})");
        let bytes = sources.html(
            "report/questionnaire.html",
            &title,
            minijinja::context! { q => shown, language, version => sources.survey.version },
        )?;
        files.push(PackFile::new(file_name(language), title, bytes));
    }
    Ok(files)
}

#[derive(Serialize)]
struct Shown {
    title: String,
    description: String,
    consent: String,
    thank_you: String,
    anonymous: bool,
    pages: Vec<ShownPage>,
}

#[derive(Serialize)]
struct ShownPage {
    code: String,
    title: String,
    shown_when: Option<String>,
    randomised: bool,
    questions: Vec<ShownQuestion>,
}

#[derive(Serialize)]
struct ShownQuestion {
    code: String,
    kind: &'static str,
    text: String,
    help: String,
    required: bool,
    /// Everything else that governs the question, one sentence each.
    rules: Vec<String>,
    choices: Vec<ShownChoice>,
    rows: Vec<ShownChoice>,
}

#[derive(Serialize)]
struct ShownChoice {
    code: String,
    label: String,
    notes: Vec<String>,
}

impl Shown {
    fn of(d: &SurveyDefinition, language: &str) -> Shown {
        let text = |t: &Text| d.text(t, language).to_string();
        let pages = d
            .pages
            .iter()
            .map(|page| ShownPage {
                code: page.code.clone(),
                title: text(&page.title),
                shown_when: page.relevant.as_deref().map(in_words),
                randomised: page.randomize,
                questions: page.questions.iter().map(|q| ShownQuestion::of(d, q, language)).collect(),
            })
            .collect();
        Shown {
            title: text(&d.title),
            description: text(&d.description),
            consent: text(&d.consent),
            thank_you: text(&d.thank_you),
            anonymous: d.anonymous,
            pages,
        }
    }
}

/// A stored condition in words; one that no longer parses is shown as written.
fn in_words(source: &str) -> String {
    match Condition::parse(source) {
        Ok(condition) => condition.in_words(&|code: &str| code.to_string()),
        Err(_) => source.to_string(),
    }
}

impl ShownQuestion {
    fn of(d: &SurveyDefinition, q: &Question, language: &str) -> ShownQuestion {
        let text = |t: &Text| d.text(t, language).to_string();
        let choice = |c: &crate::survey::model::Choice| {
            let mut notes = Vec::new();
            if c.exclusive {
                notes.push("excludes every other choice".to_string());
            }
            if c.anchor && q.randomize {
                notes.push("keeps its place".to_string());
            }
            if let Some(relevant) = &c.relevant {
                notes.push(format!("offered only when {}", in_words(relevant)));
            }
            ShownChoice { code: c.code.clone(), label: text(&c.label), notes }
        };
        ShownQuestion {
            code: q.code.clone(),
            kind: q.kind.label(),
            text: text(&q.text),
            help: text(&q.help),
            required: q.required && q.kind != QuestionType::Display,
            rules: rules(d, q, language),
            choices: q.choices.iter().map(choice).collect(),
            rows: q.rows.iter().map(choice).collect(),
        }
    }
}

/// The question's logic and checks, each said once.
fn rules(d: &SurveyDefinition, q: &Question, language: &str) -> Vec<String> {
    let mut rules = Vec::new();
    if let Some(relevant) = &q.relevant {
        rules.push(format!("Shown only when {}.", in_words(relevant)));
    }
    let piped: Vec<String> = [&q.text, &q.help]
        .into_iter()
        .filter_map(|t| crate::survey::pipe::references(d.text(t, language)).ok())
        .flatten()
        .map(|r| match r.fallback {
            "" => format!("the answer to {}", r.code),
            fallback => format!("the answer to {} (or \u{201c}{fallback}\u{201d} when unanswered)", r.code),
        })
        .collect();
    if !piped.is_empty() {
        rules.push(format!("Its text shows {}.", piped.join(", ")));
    }
    if let Some(constraint) = &q.constraint {
        let said = match Condition::parse_constraint(constraint) {
            Ok(condition) => condition.in_words(&|code: &str| code.to_string()),
            Err(_) => constraint.clone(),
        };
        let message = d.text(&q.constraint_message, language);
        rules.push(if message.is_empty() {
            format!("Accepted only when {said}.")
        } else {
            format!("Accepted only when {said} (else: \u{201c}{message}\u{201d}).")
        });
    }
    match (q.min, q.max) {
        (Some(min), Some(max)) => rules.push(format!("A number from {min} to {max}.")),
        (Some(min), None) => rules.push(format!("A number of at least {min}.")),
        (None, Some(max)) => rules.push(format!("A number of at most {max}.")),
        (None, None) => {}
    }
    match (q.min_length, q.max_length) {
        (Some(min), Some(max)) => rules.push(format!("From {min} to {max} characters.")),
        (Some(min), None) => rules.push(format!("At least {min} characters.")),
        (None, Some(max)) => rules.push(format!("At most {max} characters.")),
        (None, None) => {}
    }
    if let Some(pattern) = &q.pattern {
        rules.push(format!("Must match the pattern \u{201c}{pattern}\u{201d}."));
    }
    match (q.min_selected, q.max_selected) {
        (Some(min), Some(max)) => rules.push(format!("From {min} to {max} choices.")),
        (Some(min), None) => rules.push(format!("At least {min} choices.")),
        (None, Some(max)) => rules.push(format!("At most {max} choices.")),
        (None, None) => {}
    }
    if q.other {
        rules.push("Offers \u{201c}Other\u{201d} with a text box.".into());
    }
    if q.randomize {
        let what = if q.kind == QuestionType::Matrix { "rows" } else { "choices" };
        rules.push(format!("Its {what} are shown in an order drawn for each response."));
    }
    if let Some(group) = &q.order_group {
        rules.push(format!("Changes places with the other questions of order group \u{201c}{group}\u{201d}."));
    }
    rules
}
