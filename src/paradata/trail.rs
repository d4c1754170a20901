//! A response's trail through the survey, read back from its page visits: which pages it reached,
//! the furthest of them (`last_page`), and the seconds spent on each page, summed over its visits.
//! Also the breakoff view, which counts per page the responses that reached it and stopped there.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::survey::model::SurveyDefinition;

/// One save of a page: when it was shown (None in anonymous surveys, or when the browser did not
/// say) and saved (RFC 3339; the date only in anonymous surveys), in which language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub page: String,
    pub language: String,
    pub shown_at: Option<String>,
    pub saved_at: String,
}

/// Where a response went, by page index of the definition it is read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trail {
    reached: Vec<bool>,
    seconds: Vec<Option<i64>>,
    furthest: Option<usize>,
}

fn instant(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

impl Trail {
    /// The trail of a response now at page `position` (the page it resumes at; the last page of a
    /// complete one) with these visits. A page no longer in the survey is left out.
    pub fn new(definition: &SurveyDefinition, visits: &[Visit], position: usize) -> Trail {
        let pages = definition.pages.len();
        let mut reached = vec![false; pages];
        let mut seconds: Vec<Option<i64>> = vec![None; pages];
        if let Some(at) = reached.get_mut(position) {
            *at = true;
        }
        for visit in visits {
            let Some(index) = definition.pages.iter().position(|p| p.code == visit.page) else { continue };
            reached[index] = true;
            let shown = visit.shown_at.as_deref().and_then(instant);
            if let (Some(shown), Some(saved)) = (shown, instant(&visit.saved_at)) {
                let spent = (saved - shown).whole_seconds().max(0);
                seconds[index] = Some(seconds[index].unwrap_or(0) + spent);
            }
        }
        let furthest = reached.iter().rposition(|r| *r);
        Trail { reached, seconds, furthest }
    }

    /// The index of the furthest page reached.
    pub fn furthest(&self) -> Option<usize> {
        self.furthest
    }

    /// Whether page `index` was shown to the respondent.
    pub fn reached(&self, index: usize) -> bool {
        self.reached.get(index).copied().unwrap_or(false)
    }

    /// Whether page `index` comes after the furthest page reached.
    pub fn beyond(&self, index: usize) -> bool {
        self.furthest.is_none_or(|furthest| index > furthest)
    }

    /// Seconds spent on page `index` over its timed visits, if it has any.
    pub fn seconds_on(&self, index: usize) -> Option<i64> {
        self.seconds.get(index).copied().flatten()
    }
}

/// One page of the breakoff view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageCount {
    pub code: String,
    pub title: String,
    /// Responses that reached the page.
    pub reached: usize,
    /// Partial responses whose furthest page it is.
    pub stopped: usize,
}

/// For each page of a survey, how many responses reached it and how many stopped there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakoff {
    pub pages: Vec<PageCount>,
    pub responses: usize,
}

impl Breakoff {
    pub fn new(definition: &SurveyDefinition) -> Breakoff {
        let pages = definition
            .pages
            .iter()
            .map(|p| PageCount {
                code: p.code.clone(),
                title: definition.text(&p.title, &definition.default_language).to_string(),
                reached: 0,
                stopped: 0,
            })
            .collect();
        Breakoff { pages, responses: 0 }
    }

    /// Counts one response.
    pub fn add(&mut self, trail: &Trail, complete: bool) {
        self.responses += 1;
        for (index, page) in self.pages.iter_mut().enumerate() {
            if trail.reached(index) {
                page.reached += 1;
            }
        }
        if !complete && let Some(page) = trail.furthest.and_then(|f| self.pages.get_mut(f)) {
            page.stopped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::model::Page;

    fn survey() -> SurveyDefinition {
        let mut d = SurveyDefinition::blank("trail", "en", "Trail");
        d.pages = ["a", "b", "c", "d"].map(Page::new).to_vec();
        d
    }

    fn visit(page: &str, shown: Option<&str>, saved: &str) -> Visit {
        Visit { page: page.into(), language: "en".into(), shown_at: shown.map(str::to_string), saved_at: saved.into() }
    }

    #[test]
    fn time_on_a_page_is_summed_over_its_visits_and_the_furthest_page_is_kept_after_back() {
        let visits = [
            visit("a", Some("2026-01-01T10:00:00Z"), "2026-01-01T10:00:30Z"),
            visit("b", Some("2026-01-01T10:00:31Z"), "2026-01-01T10:01:31Z"),
            // Back from c to b: the furthest page stays c.
            visit("c", Some("2026-01-01T10:01:32Z"), "2026-01-01T10:01:42Z"),
            visit("b", Some("2026-01-01T10:01:43Z"), "2026-01-01T10:01:48Z"),
        ];
        let trail = Trail::new(&survey(), &visits, 2);
        assert_eq!(trail.furthest(), Some(2));
        assert_eq!((0..4).map(|i| trail.seconds_on(i)).collect::<Vec<_>>(), [Some(30), Some(65), Some(10), None]);
        assert!(trail.reached(2) && !trail.reached(3) && trail.beyond(3) && !trail.beyond(2));
    }

    #[test]
    fn anonymous_visits_have_no_times_and_the_position_counts_as_reached() {
        let visits = [visit("a", None, "2026-01-01"), visit("zz_removed", None, "2026-01-01")];
        let trail = Trail::new(&survey(), &visits, 1);
        assert_eq!(trail.seconds_on(0), None);
        assert_eq!(trail.furthest(), Some(1), "shown after a's save, though not saved");
    }

    #[test]
    fn the_breakoff_view_counts_who_reached_each_page_and_who_stopped_there() {
        let d = survey();
        let mut view = Breakoff::new(&d);
        let done = [visit("a", None, "x"), visit("b", None, "x"), visit("d", None, "x")];
        view.add(&Trail::new(&d, &done, 3), true);
        view.add(&Trail::new(&d, &[visit("a", None, "x")], 1), false);
        view.add(&Trail::new(&d, &[], 0), false);
        let counts: Vec<(usize, usize)> = view.pages.iter().map(|p| (p.reached, p.stopped)).collect();
        assert_eq!(counts, [(3, 1), (2, 1), (0, 0), (1, 0)]);
        assert_eq!(view.responses, 3);
    }
}
