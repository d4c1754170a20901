//! The coding screens: a coder's queue, the answer-by-answer workspace (codes, passages, done,
//! memos), the codebook's definitions, assignment of coders, the journal, and reconciliation into
//! the consensus layer.

mod assign;
mod definitions;
mod memos;
mod offer;
mod queue;
mod reconcile;
mod spans;
mod suggestions;
mod workspace;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::routing::{get, post};

use crate::app::AppState;
use crate::codebook::model::CodebookFile;
use crate::codebook::store::{self, StoredCodebook};
use crate::coding::questions;
use crate::error::Result;
use crate::survey::members::{MemberRole, Standing};
use crate::survey::store::StoredSurvey;
use crate::web::routes::Routes;

pub use assign::AssignmentJobs;

pub fn router() -> Routes {
    Routes::new()
        .route("/codebooks/{id}/code", get(queue::page))
        .route("/codebooks/{id}/code/{response_id}/{question}", get(workspace::unit).post(workspace::save))
        .route("/codebooks/{id}/code/{response_id}/{question}/span", post(spans::add_span))
        .route("/codebooks/{id}/code/{response_id}/{question}/span/{coding_id}/delete", post(spans::delete_span))
        .route("/codebooks/{id}/code/{response_id}/{question}/memo", post(memos::add_memo))
        .route("/codebooks/{id}/code/{response_id}/{question}/suggestion", post(suggestions::accept))
        .route("/codebooks/{id}/definitions/{version}", get(definitions::page))
        .route("/codebooks/{id}/journal", get(memos::journal).post(memos::add_journal_memo))
        .route("/codebooks/{id}/assign", get(assign::form).post(assign::run))
        .route("/codebooks/{id}/reconcile", get(reconcile::list))
        .route("/codebooks/{id}/reconcile/{response_id}/{question}", get(reconcile::unit).post(reconcile::resolve))
}

/// Published codebook versions, decoded once: a version never changes, and decoding one (some
/// 60 KB of JSON for the study kit's) on every coding request was a good part of its cost.
#[derive(Default)]
pub struct PublishedVersions {
    decoded: Mutex<HashMap<(i64, i64), Arc<CodebookFile>>>,
}

impl PublishedVersions {
    /// Versions kept at most; past it the cache starts afresh (a server has a handful).
    const KEPT: usize = 64;

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(i64, i64), Arc<CodebookFile>>> {
        self.decoded.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Published version `version` of codebook `id`, or None when there is none.
    pub async fn get(&self, state: &AppState, id: i64, version: i64) -> Result<Option<Arc<CodebookFile>>> {
        if let Some(file) = self.lock().get(&(id, version)) {
            return Ok(Some(Arc::clone(file)));
        }
        let Some(file) = state.db.read_by_key(move |conn| store::version(conn, id, version)).await? else {
            return Ok(None);
        };
        let file = Arc::new(file);
        let mut decoded = self.lock();
        if decoded.len() >= Self::KEPT {
            decoded.clear();
        }
        decoded.insert((id, version), Arc::clone(&file));
        Ok(Some(file))
    }
}

/// What a coding screen needs: the codebook, its survey, the published version coders use.
pub struct Context {
    pub codebook: StoredCodebook,
    pub survey: StoredSurvey,
    pub published: Arc<CodebookFile>,
    /// The survey's open questions, in order: the answers that may be coded.
    pub questions: Vec<String>,
    /// The open questions the codebook is meant for (`coding::questions::meant_for`).
    pub meant_for: Vec<String>,
}

/// The coding context of a codebook a scope extractor let the user into (`CodingCodebook` for the
/// coding pages, `ManagedCodebook` for the researcher's).
pub async fn context(state: &AppState, codebook: StoredCodebook, survey: StoredSurvey) -> Result<Context> {
    let (id, version) = (codebook.id, codebook.published_version);
    let published = match state.published.get(state, id, version).await? {
        Some(file) => file,
        None => Arc::new(codebook.draft.clone()),
    };
    let questions = questions::open(&survey.definition);
    let meant_for = questions::meant_for(&survey.definition, &published);
    Ok(Context { codebook, survey, published, questions, meant_for })
}

/// What the coding templates show of a codebook. Only this is handed to them: turning the whole
/// stored codebook and survey into template values (their drafts and definitions, some 100 KB)
/// was most of a coding page's cost.
fn codebook_view(codebook: &StoredCodebook) -> minijinja::Value {
    minijinja::context! {
        id => codebook.id, draft => minijinja::context! { name => &codebook.draft.name },
        draft_revision => codebook.draft_revision, published_version => codebook.published_version,
    }
}

/// Where a coding page's "back" link goes: the codebook's page for those who run the study; a
/// coder, who may not see that page, goes to their dashboard (their codebooks).
fn back_link(ctx: &Context, standing: Standing) -> (String, String) {
    match standing {
        Standing::Member(MemberRole::Coder) => ("/".to_string(), "Your coding".to_string()),
        _ => (format!("/codebooks/{}", ctx.codebook.id), ctx.codebook.draft.name.clone()),
    }
}
