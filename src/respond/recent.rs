//! Responses begun in the last few seconds, by the browser form that began them: a form sent twice
//! before the answer to the first send arrived (a double click, a reload) finds the response the
//! first send created instead of beginning a second. Kept in memory and only for a few seconds —
//! long enough for a second send, too short to be a way into someone's response later.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::web::token_digest;

/// How long a begun response is found again by the form that began it.
pub const WINDOW: Duration = Duration::from_secs(10);

/// Which browser form, for which survey: a digest, so no form token is kept.
pub type FormKey = [u8; 32];

pub struct RecentBegins {
    window: Duration,
    inner: Mutex<Recent>,
}

#[derive(Default)]
struct Recent {
    /// Resume token of the response each form began, and when.
    by_form: HashMap<FormKey, (String, Instant)>,
    /// The same, oldest first, to let go of what is past the window.
    order: VecDeque<(FormKey, Instant)>,
}

impl Default for RecentBegins {
    fn default() -> RecentBegins {
        RecentBegins::new(WINDOW)
    }
}

impl RecentBegins {
    pub fn new(window: Duration) -> RecentBegins {
        RecentBegins { window, inner: Mutex::default() }
    }

    /// The key of the browser whose form token is `form_token`, beginning survey `survey_id`.
    pub fn key(form_token: &str, survey_id: i64) -> FormKey {
        token_digest(&format!("{survey_id} {form_token}"))
    }

    /// The resume token of the response `key` began within the window, if any.
    pub fn find(&self, key: &FormKey) -> Option<String> {
        let mut recent = self.inner.lock().ok()?;
        if let Some(cutoff) = Instant::now().checked_sub(self.window) {
            recent.forget_before(cutoff);
        }
        recent.by_form.get(key).map(|(resume, _)| resume.clone())
    }

    /// Lets go of what is past the window (also done by every `find` and `remember`; this is for
    /// a server gone quiet after a burst).
    pub fn forget_old(&self) {
        if let (Ok(mut recent), Some(cutoff)) = (self.inner.lock(), Instant::now().checked_sub(self.window)) {
            recent.forget_before(cutoff);
        }
    }

    /// Remembers that `key` began the response named by `resume`.
    pub fn remember(&self, key: FormKey, resume: String) {
        let Ok(mut recent) = self.inner.lock() else { return };
        let now = Instant::now();
        if let Some(cutoff) = now.checked_sub(self.window) {
            recent.forget_before(cutoff);
        }
        recent.by_form.insert(key, (resume, now));
        recent.order.push_back((key, now));
    }
}

impl Recent {
    fn forget_before(&mut self, cutoff: Instant) {
        while let Some(&(key, at)) = self.order.front() {
            if at >= cutoff {
                break;
            }
            self.order.pop_front();
            // A later begin by the same form replaced the entry: keep that one.
            if self.by_form.get(&key).is_some_and(|(_, when)| *when == at) {
                self.by_form.remove(&key);
            }
        }
        if self.by_form.is_empty() {
            // Give the memory of a burst back once it has passed.
            self.by_form.shrink_to(0);
            self.order.shrink_to(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_finds_its_response_within_the_window_and_not_after() {
        let recent = RecentBegins::new(Duration::from_millis(50));
        let (mine, other) = (RecentBegins::key("form-a", 1), RecentBegins::key("form-a", 2));
        recent.remember(mine, "resume-1".into());
        assert_eq!(recent.find(&mine).as_deref(), Some("resume-1"));
        assert_eq!(recent.find(&other), None, "the same form on another survey begins its own");
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(recent.find(&mine), None, "past the window the form begins a new response");
        assert!(recent.inner.lock().unwrap().order.is_empty(), "and nothing is kept");
        recent.remember(other, "resume-2".into());
        std::thread::sleep(Duration::from_millis(80));
        recent.forget_old();
        assert!(recent.inner.lock().unwrap().by_form.is_empty(), "a quiet server forgets too");
    }
}
