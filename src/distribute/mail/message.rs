//! Message templates: which one a participant gets (their language, the survey's own text or the
//! built-in one), filling it in with minijinja, and checking a researcher's template before it is
//! saved. Messages are plain text, so nothing is HTML-escaped.

use std::sync::Arc;

use minijinja::UndefinedBehavior;
use minijinja::value::{Object, Value};
use rusqlite::Connection;
use serde::Serialize;

use super::fill::fill;
use super::{Kind, Template, defaults, store};
use crate::db::DbError;
use crate::distribute::participants::Attributes;
use crate::survey::model::SurveyDefinition;

/// Longest subject and body a researcher may save, in characters.
const MAX_SUBJECT: usize = 300;
const MAX_BODY: usize = 20_000;

/// The language a participant is written to: theirs when the survey offers it, else the
/// survey's default.
pub fn language_for(definition: &SurveyDefinition, participant_language: &str) -> String {
    let offered = definition.languages.iter().find(|l| l.eq_ignore_ascii_case(participant_language.trim()));
    offered.unwrap_or(&definition.default_language).clone()
}

/// The template of `kind` in `language`: the survey's own, else the built-in one in that
/// language, else (a language fieldwork has no text for) the survey's own in its default
/// language, else the built-in one there, else English.
pub fn choose(
    conn: &Connection,
    survey_id: i64,
    definition: &SurveyDefinition,
    kind: Kind,
    language: &str,
) -> Result<Template, DbError> {
    if let Some(own) = store::template(conn, survey_id, kind, language)? {
        return Ok(own);
    }
    if let Some(built_in) = defaults::built_in(kind, language) {
        return Ok(Template::built_in(built_in));
    }
    let default = &definition.default_language;
    if let Some(own) = store::template(conn, survey_id, kind, default)? {
        return Ok(own);
    }
    Ok(Template::built_in(defaults::built_in(kind, default).unwrap_or_else(|| defaults::english(kind))))
}

/// The template a researcher starts editing from: the survey's own, else the built-in one.
pub fn for_editing(conn: &Connection, survey_id: i64, kind: Kind, language: &str) -> Result<Template, DbError> {
    Ok(match store::template(conn, survey_id, kind, language)? {
        Some(own) => own,
        None => Template::built_in(defaults::built_in(kind, language).unwrap_or_else(|| defaults::english(kind))),
    })
}

/// What a template is filled in with.
#[derive(Debug, Clone, Serialize)]
pub struct Fields<'a> {
    pub survey_title: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub link: &'a str,
    pub opt_out_link: &'a str,
    pub attributes: &'a Attributes,
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Fills in a template. A custom column a participant lacks is empty rather than an error, so one
/// incomplete row does not stop their message.
pub fn render(template: &Template, fields: &Fields) -> Result<Rendered, minijinja::Error> {
    let subject = fill(&template.subject, fields, UndefinedBehavior::Chainable)?;
    let body = fill(&template.body, fields, UndefinedBehavior::Chainable)?;
    Ok(Rendered { subject: one_line(&subject), body })
}

/// A subject is one header line: names or titles with line breaks in them become spaces, and
/// other control characters (invisible, and not allowed in a header) are dropped.
fn one_line(text: &str) -> String {
    let words = text.split_whitespace().map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>());
    words.filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The problems of a subject and body a researcher wrote, by field (`subject`, `body`); empty when
/// it may be saved. Rendered strictly with sample values, so a misspelt name such as `{{ lnk }}`
/// is caught here rather than sent as an empty line.
pub fn check(subject: &str, body: &str) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    let sample = sample_fields();
    if subject.trim().is_empty() {
        problems.push(("subject", "Write a subject.".to_string()));
    } else if subject.chars().count() > MAX_SUBJECT {
        problems.push(("subject", format!("Shorten the subject to at most {MAX_SUBJECT} characters.")));
    } else if let Err(err) = fill(subject, &sample, UndefinedBehavior::Strict) {
        problems.push(("subject", template_error(&err)));
    }
    if body.trim().is_empty() {
        problems.push(("body", "Write the message.".to_string()));
    } else if body.chars().count() > MAX_BODY {
        problems.push(("body", format!("Shorten the message to at most {MAX_BODY} characters.")));
    } else {
        match fill(body, &sample, UndefinedBehavior::Strict) {
            Err(err) => problems.push(("body", template_error(&err))),
            Ok(text) if !text.contains(SAMPLE_LINK) => problems
                .push(("body", "The message must contain {{ link }}, the person's own link to the survey.".into())),
            Ok(text) if !text.contains(SAMPLE_OPT_OUT) => problems.push((
                "body",
                "The message must contain {{ opt_out_link }}, so that people can stop the mail.".into(),
            )),
            Ok(_) => {}
        }
    }
    problems
}

/// minijinja's message with its place, without the internal `<string>` name.
fn template_error(err: &minijinja::Error) -> String {
    let mut text = match err.detail() {
        Some(detail) => format!("{}: {detail}", err.kind()),
        None => err.kind().to_string(),
    };
    if let Some(line) = err.line() {
        text.push_str(&format!(" (line {line})"));
    }
    text
}

const SAMPLE_LINK: &str = "https://fieldwork.example/s/sample?t=personal-link";
const SAMPLE_OPT_OUT: &str = "https://fieldwork.example/s/sample/opt-out?t=opt-out-token";

/// Sample values for every name a template may use.
fn sample_fields() -> Value {
    minijinja::context! {
        survey_title => "Sample survey",
        name => "Ada Lovelace",
        email => "ada@example.org",
        link => SAMPLE_LINK,
        opt_out_link => SAMPLE_OPT_OUT,
        attributes => Value::from_object(AnyAttribute),
    }
}

/// Stands for the custom columns when checking a template: every column name has a value, since
/// which columns a participant list will have is not known when the template is written.
#[derive(Debug)]
struct AnyAttribute;

impl Object for AnyAttribute {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        key.as_str().map(|name| Value::from(format!("({name})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(attributes: &'a Attributes) -> Fields<'a> {
        Fields {
            survey_title: "Team survey",
            name: "Ana",
            email: "ana@example.org",
            link: "http://x/s/team?t=abc",
            opt_out_link: "http://x/s/team/opt-out?t=abc",
            attributes,
        }
    }

    #[test]
    fn every_built_in_template_passes_its_own_check_and_fills_in_the_links() {
        for language in ["en", "es", "fr", "de", "pt", "zh"] {
            for kind in Kind::ALL {
                let (subject, body) = defaults::built_in(kind, language).unwrap();
                assert_eq!(check(subject, body), vec![], "{language} {kind:?}");
                let attributes = Attributes::new();
                let rendered = render(&Template::built_in((subject, body)), &fields(&attributes)).unwrap();
                assert!(rendered.subject.contains("Team survey"), "{language}: {}", rendered.subject);
                assert!(rendered.body.contains("Ana") && rendered.body.contains("http://x/s/team?t=abc"));
                assert!(rendered.body.contains("http://x/s/team/opt-out?t=abc"));
            }
        }
        assert!(defaults::built_in(Kind::Invitation, "pt-BR").is_some());
        assert!(defaults::built_in(Kind::Invitation, "sw").is_none());
    }

    #[test]
    fn a_template_is_refused_for_bad_syntax_a_misspelt_name_or_a_missing_link() {
        let cases = [
            ("Hi {{ survey_title", "{{ link }} {{ opt_out_link }}", "subject", "syntax error"),
            ("Hi", "{{ lnk }} {{ opt_out_link }}", "body", "undefined"),
            ("Hi", "{% if %}", "body", "syntax error"),
            ("Hi", "Answer at {{ link }}", "body", "opt_out_link"),
            ("Hi", "Stop: {{ opt_out_link }}", "body", "{{ link }}"),
            ("", "{{ link }} {{ opt_out_link }}", "subject", "Write a subject"),
            ("Hi", "  ", "body", "Write the message"),
        ];
        for (subject, body, field, expected) in cases {
            let problems = check(subject, body);
            assert!(
                problems.iter().any(|(f, m)| *f == field && m.contains(expected)),
                "{subject:?} / {body:?}: {problems:?}"
            );
        }
    }

    #[test]
    fn custom_columns_may_be_used_and_a_missing_one_is_empty() {
        let body = "{{ attributes.organisation }}: {{ link }} {{ opt_out_link }}";
        assert_eq!(check("For {{ name }}", body), vec![]);
        let template = Template { subject: "For\n{{ name }}".into(), body: body.into(), custom: true };
        let mut attributes = Attributes::new();
        assert!(render(&template, &fields(&attributes)).unwrap().body.starts_with(": http"));
        attributes.insert("organisation".into(), "Acme".into());
        let rendered = render(&template, &fields(&attributes)).unwrap();
        assert!(rendered.body.starts_with("Acme: http"));
        assert_eq!(rendered.subject, "For Ana", "a subject stays on one line");
        let template = Template { subject: "For {{ name }}\u{7}\u{1b}[2J!".into(), body: body.into(), custom: true };
        assert_eq!(render(&template, &fields(&attributes)).unwrap().subject, "For Ana[2J!", "no control characters");
    }

    #[test]
    fn a_participant_is_written_to_in_their_language_when_the_survey_offers_it() {
        let mut definition = SurveyDefinition::blank("s", "en", "T");
        definition.languages = vec!["en".into(), "es".into()];
        assert_eq!(language_for(&definition, "es"), "es");
        assert_eq!(language_for(&definition, "ES"), "es");
        assert_eq!(language_for(&definition, "fr"), "en");
        assert_eq!(language_for(&definition, ""), "en");
    }
}
