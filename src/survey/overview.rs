//! What a survey's overview says: where the survey stands (responses, participants, and per
//! codebook the answers coded and those awaiting reconciliation) and the one or two things that
//! make sense to do next.

use rusqlite::Connection;
use serde::Serialize;

use super::store::{self, Status};
use crate::coding::layers::UnitStatements;
use crate::db::DbError;
use crate::distribute::access::Access;

/// Where a survey stands.
#[derive(Debug, Default, Serialize)]
pub struct Progress {
    pub complete: i64,
    pub partial: i64,
    pub participants: i64,
    pub codebooks: Vec<CodebookProgress>,
}

/// A codebook's coding so far, over the answers of responses not in the trash.
#[derive(Debug, Serialize)]
pub struct CodebookProgress {
    pub id: i64,
    pub name: String,
    pub published: bool,
    /// Answers someone coded or marked done.
    pub coded: usize,
    /// Answers left out of the default layer until someone reconciles their coders' codes.
    pub awaiting: usize,
}

impl Progress {
    /// Answers awaiting reconciliation, over every codebook.
    pub fn awaiting(&self) -> usize {
        self.codebooks.iter().map(|c| c.awaiting).sum()
    }

    pub fn coded(&self) -> usize {
        self.codebooks.iter().map(|c| c.coded).sum()
    }
}

/// Reads a survey's progress.
pub fn progress(conn: &Connection, survey_id: i64) -> Result<Progress, DbError> {
    let (complete, partial) = store::response_counts(conn, survey_id)?;
    let participants = crate::distribute::participants::counts(conn, survey_id)?.total;
    let mut codebooks = Vec::new();
    for codebook in crate::codebook::store::for_survey(conn, survey_id)? {
        let (coded, awaiting) = coded_and_awaiting(conn, codebook.id)?;
        let published = codebook.published_version > 0;
        codebooks.push(CodebookProgress { id: codebook.id, name: codebook.draft.name, published, coded, awaiting });
    }
    Ok(Progress { complete, partial, participants, codebooks })
}

/// The answers of a codebook someone coded, and how many of them await reconciliation (the rule
/// is the coding layers', `UnitCodings::awaiting_reconciliation`). One response at a time.
fn coded_and_awaiting(conn: &Connection, codebook_id: i64) -> Result<(usize, usize), DbError> {
    let responses = store::coded_responses(conn, codebook_id)?;
    let mut statements = UnitStatements::prepare(conn, codebook_id)?;
    let mut reader = statements.reader()?;
    let (mut coded, mut awaiting) = (0, 0);
    for response in responses {
        for unit in reader.response(response)?.values() {
            coded += 1;
            awaiting += usize::from(unit.awaiting_reconciliation());
        }
    }
    Ok((coded, awaiting))
}

/// Something to do next: a link, or the form that opens the survey.
#[derive(Debug, PartialEq, Serialize)]
pub struct Step {
    pub label: String,
    pub href: String,
    /// Why this, in a few words.
    pub why: String,
    /// A button posting `status=open` to `href` rather than a link.
    pub opens: bool,
}

fn link(label: impl Into<String>, href: String, why: &str) -> Step {
    Step { label: label.into(), href, why: why.into(), opens: false }
}

/// The one or two steps that make sense next, the likeliest first. Closing is never among them:
/// it stays with the other actions, below.
pub fn next_steps(slug: &str, status: Status, access: Access, progress: &Progress) -> Vec<Step> {
    let at = |rest: &str| format!("/surveys/{slug}{rest}");
    let coding = progress.codebooks.iter().find(|c| c.published);
    let disputed = progress.codebooks.iter().find(|c| c.awaiting > 0);
    let reconcile = |c: &CodebookProgress| {
        let label = format!("Reconcile {} answer{}", c.awaiting, if c.awaiting == 1 { "" } else { "s" });
        link(label, format!("/codebooks/{}/reconcile", c.id), "their coders disagree")
    };
    let code = |c: &CodebookProgress| {
        link("Code answers", format!("/codebooks/{}/code", c.id), "one answer at a time, with the codebook beside it")
    };
    match status {
        Status::Draft => vec![
            link("Review the questions", at("/build"), "change, add or remove questions and pages"),
            Step {
                label: "Open for responses".into(),
                href: at("/status"),
                why: "respondents can answer from then on".into(),
                opens: true,
            },
        ],
        Status::Open if progress.complete == 0 => match access {
            Access::Invitation => vec![
                link("Add participants", at("/participants"), "each gets a personal link"),
                link("Send invitations", at("/mail"), "by email, with reminders"),
            ],
            Access::Public | Access::Both => vec![
                link("Answer it yourself", format!("/s/{slug}"), "see what respondents see, through the public link"),
                link("Invite participants", at("/participants"), "personal links, by email or in a CSV"),
            ],
        },
        _ => match (disputed, coding) {
            (Some(disputed), _) => vec![reconcile(disputed), link("Analysis", at("/analysis"), "tallies and charts")],
            (None, Some(c)) if status == Status::Open => {
                vec![code(c), link("Responses", at("/responses"), "read them")]
            }
            (None, Some(c)) => vec![link("Analysis", at("/analysis"), "tallies and charts"), code(c)],
            (None, None) if progress.codebooks.is_empty() => vec![
                link("Add a codebook", at("/codebooks"), "the codes to apply to open answers"),
                link("Responses", at("/responses"), "read them"),
            ],
            (None, None) => vec![
                link(
                    "Publish the codebook",
                    format!("/codebooks/{}", progress.codebooks[0].id),
                    "coders use a published version",
                ),
                link("Responses", at("/responses"), "read them"),
            ],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(published: bool, awaiting: usize) -> CodebookProgress {
        CodebookProgress { id: 7, name: "Motives".into(), published, coded: 3, awaiting }
    }

    fn labels(steps: Vec<Step>) -> Vec<String> {
        steps.into_iter().map(|s| s.label).collect()
    }

    #[test]
    fn a_draft_is_reviewed_and_then_opened() {
        let steps = next_steps("s", Status::Draft, Access::Public, &Progress::default());
        assert_eq!(labels(steps), ["Review the questions", "Open for responses"]);
        let open = &next_steps("s", Status::Draft, Access::Public, &Progress::default())[1];
        assert_eq!((open.href.as_str(), open.opens), ("/surveys/s/status", true));
    }

    #[test]
    fn an_open_survey_without_answers_is_shared_the_way_its_access_allows() {
        let none = Progress::default();
        assert_eq!(
            labels(next_steps("s", Status::Open, Access::Both, &none)),
            ["Answer it yourself", "Invite participants"]
        );
        assert_eq!(
            labels(next_steps("s", Status::Open, Access::Invitation, &none)),
            ["Add participants", "Send invitations"]
        );
    }

    #[test]
    fn answers_lead_to_a_codebook_coding_and_reconciliation() {
        let mut progress = Progress { complete: 2, ..Progress::default() };
        assert_eq!(labels(next_steps("s", Status::Open, Access::Public, &progress))[0], "Add a codebook");
        progress.codebooks.push(book(false, 0));
        assert_eq!(labels(next_steps("s", Status::Open, Access::Public, &progress))[0], "Publish the codebook");
        progress.codebooks[0] = book(true, 0);
        let steps = next_steps("s", Status::Open, Access::Public, &progress);
        assert_eq!((steps[0].label.as_str(), steps[0].href.as_str()), ("Code answers", "/codebooks/7/code"));
        progress.codebooks[0] = book(true, 1);
        assert_eq!(
            labels(next_steps("s", Status::Open, Access::Public, &progress)),
            ["Reconcile 1 answer", "Analysis"]
        );
        progress.codebooks[0] = book(true, 0);
        assert_eq!(labels(next_steps("s", Status::Closed, Access::Public, &progress)), ["Analysis", "Code answers"]);
    }

    #[test]
    fn closing_is_never_a_next_step() {
        let progress = Progress { complete: 1, codebooks: vec![book(true, 0)], ..Progress::default() };
        for status in [Status::Draft, Status::Open, Status::Closed] {
            for access in [Access::Public, Access::Invitation, Access::Both] {
                let steps = next_steps("s", status, access, &progress);
                assert!((1..=2).contains(&steps.len()));
                assert!(steps.iter().all(|s| !s.label.contains("Close")), "{status:?} {access:?}");
            }
        }
    }
}
