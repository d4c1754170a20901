//! What a respondent's request carries besides its form, read once per request (the extractor is
//! in `web/visit.rs`): the resume and personal-link tokens its cookies hold, its form token, the
//! client's address and browser, and the languages the browser asks for.

use std::time::Instant;

use crate::survey::validate::CompiledSurvey;
use crate::web::{is_token, random_token, secrets_match};

/// A respondent's request, as far as the respondent pages are concerned.
#[derive(Debug, Clone)]
pub struct Visit {
    /// The resume cookies (`fw_resume_ID`), with the survey id their name holds.
    pub resume: Vec<(i64, String)>,
    /// The personal-link cookies (`fw_invite_ID`), likewise.
    pub invites: Vec<(i64, String)>,
    /// The form token the pages carry: the browser's (from its cookie, if ours in shape: a cookie
    /// can be set by others, and the token goes into pages), or a new one.
    pub form_token: String,
    /// Whether `form_token` is the browser's own: only then can a posted form match it.
    pub form_cookie: bool,
    /// The client's address (for the per-client limit and, in named surveys, the response).
    pub client: String,
    pub user_agent: String,
    /// The `Accept-Language` header as sent.
    pub accept_language: String,
    /// When the request arrived: its deadline counts from here.
    pub arrived: Instant,
}

impl Default for Visit {
    fn default() -> Visit {
        Visit {
            resume: Vec::new(),
            invites: Vec::new(),
            form_token: String::new(),
            form_cookie: false,
            client: String::new(),
            user_agent: String::new(),
            accept_language: String::new(),
            arrived: Instant::now(),
        }
    }
}

impl Visit {
    /// A visit whose form token is `cookie` if that is one of ours, else a new one.
    pub fn with_form_cookie(mut self, cookie: Option<&str>) -> Visit {
        match cookie.filter(|t| is_token(t)) {
            Some(token) => (self.form_token, self.form_cookie) = (token.to_string(), true),
            None => (self.form_token, self.form_cookie) = (random_token(), false),
        }
        self
    }

    /// The resume token the browser holds for survey `survey_id`.
    pub fn resume_cookie(&self, survey_id: i64) -> Option<&str> {
        self.resume.iter().find(|(id, t)| *id == survey_id && !t.is_empty()).map(|(_, t)| t.as_str())
    }

    /// The personal link's token the browser keeps for survey `survey_id`.
    pub fn invite_cookie(&self, survey_id: i64) -> Option<&str> {
        self.invites.iter().find(|(id, t)| *id == survey_id && !t.is_empty()).map(|(_, t)| t.as_str())
    }

    /// Whether a posted form token is this browser's (the double-submit check).
    pub fn form_token_matches(&self, posted: Option<&str>) -> bool {
        self.form_cookie && posted.is_some_and(|posted| secrets_match(&self.form_token, posted))
    }

    /// The respondent's language: asked for, else the response's, else the browser's, else the
    /// survey's default.
    pub fn language(&self, survey: &CompiledSurvey, asked: Option<&str>, saved: Option<&str>) -> String {
        choose_language(survey, asked, saved, &self.accept_language)
    }
}

/// The language to speak: `asked` if offered, else `saved`, else the best of `accept_language`
/// (an `Accept-Language` header) that is offered, exactly or by its base language, else the
/// survey's default.
pub fn choose_language(
    survey: &CompiledSurvey,
    asked: Option<&str>,
    saved: Option<&str>,
    accept_language: &str,
) -> String {
    let d = &survey.definition;
    let offered = |code: &str| d.languages.iter().any(|l| l == code);
    if let Some(code) = asked.filter(|c| offered(c)) {
        return code.to_string();
    }
    if let Some(code) = saved.filter(|c| offered(c)) {
        return code.to_string();
    }
    let mut wanted: Vec<(f32, &str)> = accept_language
        .split(',')
        .filter_map(|part| {
            let mut bits = part.trim().split(';');
            let tag = bits.next()?.trim();
            let q = bits.find_map(|b| b.trim().strip_prefix("q=")).and_then(|q| q.parse().ok()).unwrap_or(1.0);
            (!tag.is_empty()).then_some((q, tag))
        })
        .collect();
    wanted.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, tag) in wanted {
        if let Some(code) = d.languages.iter().find(|l| l.eq_ignore_ascii_case(tag)) {
            return code.clone();
        }
        let base = tag.split('-').next().unwrap_or(tag);
        if let Some(code) = d.languages.iter().find(|l| l.split('-').next() == Some(base)) {
            return code.clone();
        }
    }
    d.default_language.clone()
}
