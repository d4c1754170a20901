//! Pages that are the same for every respondent who sees them but for their tokens — a survey's
//! entry page (the welcome page, or the first page of questions when there is none), a page of
//! questions before anything on it is answered, and the thank-you page — kept rendered per survey,
//! page and language, so that the busiest requests of a survey render no template. The parts that
//! differ between respondents, the form token, the resume token and the time the page is shown
//! (paradata), are rendered as markers, and the page is kept in pieces around them. A page whose
//! order is drawn per response (randomised choices or questions) is not kept.
//!
//! The markers are random for each process, so no survey text can contain one. A kept page
//! belongs to the compiled definition it was rendered from: when the survey cache compiles a new
//! one (the survey was edited), the survey's pages are rendered again.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::error::Result;
use crate::survey::validate::CompiledSurvey;
use crate::web::random_token;

/// Which page is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Entry,
    /// Page `index` of questions in a response with nothing answered yet.
    Unanswered(usize),
    Done,
}

/// What differs between the respondents shown a kept page.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tokens<'a> {
    pub(super) form: &'a str,
    /// The resume token ("" before a response exists).
    pub(super) resume: &'a str,
    /// When the page is shown, in seconds since 1970 (the `shown` field; time on page).
    pub(super) shown: &'a str,
}

impl Tokens<'_> {
    /// The time now as the `shown` field carries it.
    pub(super) fn now() -> String {
        time::OffsetDateTime::now_utc().unix_timestamp().to_string()
    }
}

/// A rendered page in pieces, with which token goes between each two.
struct Kept {
    pieces: Vec<String>,
    slots: Vec<Slot>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Form,
    Resume,
    Shown,
}

impl Kept {
    /// Splits a page rendered with `markers` in place of the tokens.
    fn around(html: &str, markers: Tokens) -> Kept {
        let (mut pieces, mut slots, mut rest) = (Vec::new(), Vec::new(), html);
        loop {
            let next = [(Slot::Form, markers.form), (Slot::Resume, markers.resume), (Slot::Shown, markers.shown)]
                .into_iter()
                .filter_map(|(slot, marker)| rest.find(marker).map(|at| (at, slot, marker.len())))
                .min_by_key(|(at, _, _)| *at);
            let Some((at, slot, length)) = next else { break };
            pieces.push(rest[..at].to_string());
            slots.push(slot);
            rest = &rest[at + length..];
        }
        pieces.push(rest.to_string());
        Kept { pieces, slots }
    }

    fn with(&self, tokens: Tokens) -> String {
        let mut html =
            String::with_capacity(self.pieces.iter().map(String::len).sum::<usize>() + 64 * self.slots.len());
        for (piece, slot) in self.pieces.iter().zip(self.slots.iter().map(Some).chain(std::iter::repeat(None))) {
            html.push_str(piece);
            match slot {
                Some(Slot::Form) => html.push_str(tokens.form),
                Some(Slot::Resume) => html.push_str(tokens.resume),
                Some(Slot::Shown) => html.push_str(tokens.shown),
                None => {}
            }
        }
        html
    }
}

/// Whether a token can go into a page unescaped: URL-safe base64, as all of ours are.
fn plain(token: &str) -> bool {
    token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A survey's kept pages and the compiled definition they were rendered from.
struct SurveyPages {
    compiled: Arc<CompiledSurvey>,
    pages: HashMap<(Kind, String), Arc<Kept>>,
}

/// The kept pages of every survey, by survey id.
pub struct RenderedPages {
    surveys: RwLock<HashMap<i64, SurveyPages>>,
    form_marker: String,
    resume_marker: String,
    shown_marker: String,
}

impl Default for RenderedPages {
    fn default() -> RenderedPages {
        RenderedPages {
            surveys: RwLock::default(),
            form_marker: random_token(),
            resume_marker: random_token(),
            shown_marker: random_token(),
        }
    }
}

impl RenderedPages {
    /// Page `kind` of the survey in `language` with `tokens` in it: the kept page, or the one
    /// `render` makes (given the markers as tokens), which is then kept.
    pub(super) fn page(
        &self,
        survey_id: i64,
        compiled: &Arc<CompiledSurvey>,
        (kind, language): (Kind, &str),
        tokens: Tokens,
        render: impl Fn(Tokens) -> Result<String>,
    ) -> Result<String> {
        if !plain(tokens.form) || !plain(tokens.resume) || !plain(tokens.shown) {
            // Pieces are joined without escaping: a token of any other shape goes through the
            // template's escaping instead (callers pass only tokens of ours; this is a backstop).
            return render(tokens);
        }
        if let Some(kept) = self.find(survey_id, compiled, kind, language) {
            return Ok(kept.with(tokens));
        }
        let markers = Tokens { form: &self.form_marker, resume: &self.resume_marker, shown: &self.shown_marker };
        let kept = Kept::around(&render(markers)?, markers);
        let html = kept.with(tokens);
        self.keep(survey_id, compiled, (kind, language.to_string()), kept);
        Ok(html)
    }

    fn find(&self, survey_id: i64, compiled: &Arc<CompiledSurvey>, kind: Kind, language: &str) -> Option<Arc<Kept>> {
        let surveys = self.surveys.read().ok()?;
        let survey = surveys.get(&survey_id).filter(|s| Arc::ptr_eq(&s.compiled, compiled))?;
        survey.pages.get(&(kind, language.to_string())).cloned()
    }

    fn keep(&self, survey_id: i64, compiled: &Arc<CompiledSurvey>, key: (Kind, String), kept: Kept) {
        let Ok(mut surveys) = self.surveys.write() else { return };
        let survey = surveys
            .entry(survey_id)
            .or_insert_with(|| SurveyPages { compiled: compiled.clone(), pages: HashMap::new() });
        if !Arc::ptr_eq(&survey.compiled, compiled) {
            // Rendered from an older definition: forget them all.
            *survey = SurveyPages { compiled: compiled.clone(), pages: HashMap::new() };
        }
        survey.pages.insert(key, Arc::new(kept));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_kept_around_its_tokens_and_filled_in_for_each_respondent() {
        let markers = Tokens { form: "FORM-MARKER", resume: "RESUME-MARKER", shown: "SHOWN-MARKER" };
        let html = "<input value=\"FORM-MARKER\"><input value=\"RESUME-MARKER\"><input value=\"SHOWN-MARKER\">\
                    <a href=\"/r/RESUME-MARKER\">x</a>";
        let kept = Kept::around(html, markers);
        assert_eq!(
            kept.with(Tokens { form: "f1", resume: "r1", shown: "1700000000" }),
            "<input value=\"f1\"><input value=\"r1\"><input value=\"1700000000\"><a href=\"/r/r1\">x</a>"
        );
        assert_eq!(
            kept.with(Tokens { form: "f2", resume: "", shown: "" }),
            "<input value=\"f2\"><input value=\"\"><input value=\"\"><a href=\"/r/\">x</a>"
        );
        let no_token = Kept::around("<p>thanks</p>", markers);
        assert_eq!(no_token.with(Tokens { form: "f1", resume: "r1", shown: "1" }), "<p>thanks</p>");
    }

    #[test]
    fn markers_differ_between_processes_and_from_each_other() {
        let (a, b) = (RenderedPages::default(), RenderedPages::default());
        assert_ne!(a.form_marker, b.form_marker);
        assert_ne!(a.form_marker, a.resume_marker);
        assert!(!plain("\"><script>") && plain("abc-DEF_123"));
    }
}
