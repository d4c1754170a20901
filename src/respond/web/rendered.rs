//! Pages that are the same for every respondent who sees them — a survey's entry page (the
//! welcome page, or the first page of questions when there is none) before anything is answered,
//! and the thank-you page — kept rendered per survey and language, so that the busiest requests of
//! a survey render no template. The one part that differs between respondents, the form token, is
//! rendered as a marker, and the page is kept in two pieces around it.
//!
//! A kept page belongs to the compiled definition it was rendered from: when the survey cache
//! compiles a new one (the survey was edited), the survey's pages are rendered again.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::error::Result;
use crate::survey::validate::CompiledSurvey;

/// Stands for the form token in a page rendered to be kept: long and unlike any text.
const TOKEN_MARKER: &str = "fw-form-token-b6e1c09d4f2a";

/// Which page is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Entry,
    Done,
}

/// A rendered page, in two pieces where the form token goes (one piece when it has none).
struct Kept {
    before: String,
    after: Option<String>,
}

impl Kept {
    /// Splits a page rendered with the marker; None when the marker appears more than once (a
    /// survey text that holds it), as such a page cannot be told apart from its token.
    fn around_marker(html: String) -> Option<Kept> {
        let mut pieces = html.split(TOKEN_MARKER);
        let before = pieces.next().unwrap_or_default().to_string();
        let after = pieces.next().map(str::to_string);
        pieces.next().is_none().then_some(Kept { before, after })
    }

    fn with_token(&self, token: &str) -> String {
        match &self.after {
            None => self.before.clone(),
            Some(after) => [self.before.as_str(), token, after].concat(),
        }
    }
}

/// A survey's kept pages and the compiled definition they were rendered from.
struct SurveyPages {
    compiled: Arc<CompiledSurvey>,
    pages: HashMap<(Kind, String), Arc<Kept>>,
}

/// The kept pages of every survey, by survey id.
#[derive(Default)]
pub struct RenderedPages {
    surveys: RwLock<HashMap<i64, SurveyPages>>,
}

impl RenderedPages {
    /// Page `kind` of the survey in `language`, with `token` as its form token: the kept page, or
    /// the one `render` makes (given the marker as the token), which is then kept.
    pub(super) fn page(
        &self,
        survey_id: i64,
        compiled: &Arc<CompiledSurvey>,
        kind: Kind,
        language: &str,
        token: &str,
        render: impl Fn(&str) -> Result<String>,
    ) -> Result<String> {
        if !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            // Pieces are joined without escaping: a token of any other shape goes through the
            // template's escaping instead (callers pass only tokens of ours; this is a backstop).
            return render(token);
        }
        if let Some(kept) = self.find(survey_id, compiled, kind, language) {
            return Ok(kept.with_token(token));
        }
        let Some(kept) = Kept::around_marker(render(TOKEN_MARKER)?) else { return render(token) };
        let html = kept.with_token(token);
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
    fn a_page_is_kept_around_its_token_and_filled_in_for_each_respondent() {
        let kept = Kept::around_marker(format!("<input value=\"{TOKEN_MARKER}\"><p>end</p>")).expect("one marker");
        assert_eq!(kept.with_token("abc"), "<input value=\"abc\"><p>end</p>");
        assert_eq!(kept.with_token("xyz"), "<input value=\"xyz\"><p>end</p>");
        let no_token = Kept::around_marker("<p>thanks</p>".to_string()).expect("no marker");
        assert_eq!(no_token.with_token("abc"), "<p>thanks</p>");
        assert!(Kept::around_marker(format!("{TOKEN_MARKER} and {TOKEN_MARKER}")).is_none(), "two markers: not kept");
    }
}
