//! Whether a resume link (`/s/SLUG/resume/TOKEN`) may move a response into the browser that opens
//! it. The link is meant for the respondent's other devices, but anyone can send it to someone
//! else, who would then answer inside the sender's response, which the sender can read (session
//! fixation). So a browser that does not hold the response already is asked first ("Continue the
//! response started on …?"), and a response begun from a personal link needs that personal link.

use crate::respond::step::Loaded;
use crate::respond::store::ResumeLink;
use crate::respond::visit::Visit;
use crate::web::secrets_match;

/// What opening a resume link leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Straight to where the respondent was: the browser holds the response, or its personal link.
    Go,
    /// Ask first, saying when the response was started.
    Confirm,
    /// Only with the personal link the response was begun from, opened in this browser.
    NeedPersonalLink,
}

/// Decides for a browser (`visit`, with its personal link looked up in `loaded`) opening the
/// resume link `token` of response `link`.
pub fn decide(loaded: &Loaded, visit: &Visit, token: &str, link: &ResumeLink) -> Resume {
    if visit.resume_cookie(loaded.meta.id).is_some_and(|held| secrets_match(held, token)) {
        return Resume::Go;
    }
    let holder = loaded.link.participant();
    if let Some(owner) = link.participant_id {
        // A named survey knows whose link began the response: only that link will do.
        return if holder.is_some_and(|p| p.id == owner) { Resume::Go } else { Resume::NeedPersonalLink };
    }
    let by_invitation_only = !loaded.meta.distribution.access.admits_public();
    if loaded.survey.definition.anonymous && by_invitation_only {
        // Every response was begun from a personal link, but an anonymous one does not say whose:
        // the best this browser can show is a personal link whose participant has begun and not
        // finished.
        let mid_way = holder.is_some_and(|p| p.started_at.is_some() && p.completed_at.is_none());
        return if mid_way { Resume::Confirm } else { Resume::NeedPersonalLink };
    }
    Resume::Confirm
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribute::access::Access;
    use crate::respond::step::Link;
    use crate::respond::step::tests::{browser, loaded_with, participant};
    use crate::respond::store::ResponseRow;

    const TOKEN: &str = "RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR";

    fn response(participant_id: Option<i64>) -> ResumeLink {
        let row = ResponseRow { id: 42, complete: false, language: "en".into(), page_index: 1, seed: 42 };
        ResumeLink { row, started_at: "2026-11-29T10:00:00Z".into(), participant_id }
    }

    #[test]
    fn the_browser_holding_the_response_goes_straight_on_and_any_other_is_asked_first() {
        let loaded = loaded_with("");
        assert_eq!(decide(&loaded, &browser(true), TOKEN, &response(None)), Resume::Go);
        assert_eq!(decide(&loaded, &browser(false), TOKEN, &response(None)), Resume::Confirm);
        let mut elsewhere = browser(true);
        elsewhere.resume[0].1 = "S".repeat(43);
        assert_eq!(decide(&loaded, &elsewhere, TOKEN, &response(None)), Resume::Confirm, "its own response is another");
    }

    #[test]
    fn a_response_begun_from_a_personal_link_needs_that_link() {
        let mut loaded = loaded_with("");
        let begun_by_5 = response(Some(5));
        assert_eq!(decide(&loaded, &browser(false), TOKEN, &begun_by_5), Resume::NeedPersonalLink);
        loaded.link = Link::Valid { token: "t".into(), participant: Box::new(participant(6)) };
        assert_eq!(decide(&loaded, &browser(false), TOKEN, &begun_by_5), Resume::NeedPersonalLink, "another's link");
        loaded.link = Link::Valid { token: "t".into(), participant: Box::new(participant(5)) };
        assert_eq!(decide(&loaded, &browser(false), TOKEN, &begun_by_5), Resume::Go);
    }

    #[test]
    fn an_anonymous_survey_by_invitation_needs_a_personal_link_of_someone_mid_way() {
        let mut loaded = loaded_with("anonymous = true");
        loaded.meta.distribution.access = Access::Invitation;
        assert_eq!(decide(&loaded, &browser(false), TOKEN, &response(None)), Resume::NeedPersonalLink);
        let mut invited = participant(5);
        loaded.link = Link::Valid { token: "t".into(), participant: Box::new(invited.clone()) };
        assert_eq!(decide(&loaded, &browser(false), TOKEN, &response(None)), Resume::NeedPersonalLink, "not begun");
        invited.started_at = Some("2026-11-29".into());
        loaded.link = Link::Valid { token: "t".into(), participant: Box::new(invited) };
        assert_eq!(decide(&loaded, &browser(false), TOKEN, &response(None)), Resume::Confirm);

        loaded.meta.distribution.access = Access::Both;
        loaded.link = Link::None;
        assert_eq!(decide(&loaded, &browser(false), TOKEN, &response(None)), Resume::Confirm, "maybe a public one");
    }
}
