//! The coding screens: a coder's queue, the answer-by-answer workspace (codes, passages, done,
//! memos), assignment of coders, the journal, and reconciliation into the consensus layer.

mod assign;
mod memos;
mod reconcile;
mod spans;
mod workspace;

use axum::Router;
use axum::routing::{get, post};

use crate::accounts::{Role, User};
use crate::app::AppState;
use crate::codebook::model::CodebookFile;
use crate::codebook::store::{self, StoredCodebook};
use crate::error::{AppError, Result};
use crate::survey::store::StoredSurvey;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/codebooks/{id}/code", get(workspace::queue))
        .route("/codebooks/{id}/code/{response_id}/{question}", get(workspace::unit).post(workspace::save))
        .route("/codebooks/{id}/code/{response_id}/{question}/span", post(spans::add_span))
        .route("/codebooks/{id}/code/{response_id}/{question}/span/{coding_id}/delete", post(spans::delete_span))
        .route("/codebooks/{id}/code/{response_id}/{question}/memo", post(memos::add_memo))
        .route("/codebooks/{id}/journal", get(memos::journal).post(memos::add_journal_memo))
        .route("/codebooks/{id}/assign", get(assign::form).post(assign::run))
        .route("/codebooks/{id}/reconcile", get(reconcile::list))
        .route("/codebooks/{id}/reconcile/{response_id}/{question}", get(reconcile::unit).post(reconcile::resolve))
}

/// What a coding screen needs: the codebook, its survey, the published version coders use.
pub struct Context {
    pub codebook: StoredCodebook,
    pub survey: StoredSurvey,
    pub published: CodebookFile,
    /// The survey's open questions, in order.
    pub questions: Vec<String>,
}

/// Loads the coding context for `user`: researchers and admins reach every codebook, coders the
/// ones they were given answers in; anyone else gets 404.
pub async fn context(state: &AppState, id: i64, user: &User) -> Result<Context> {
    let (codebook, survey) = crate::codebook::web::find(state, id).await?;
    if !user.role.includes(Role::Researcher) {
        let coder = user.id;
        let assigned: bool = state
            .db
            .read(move |conn| {
                Ok(conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM assignments WHERE codebook_id = ?1 AND coder_id = ?2)",
                    rusqlite::params![id, coder],
                    |r| r.get(0),
                )?)
            })
            .await?;
        if !assigned {
            return Err(AppError::NotFound);
        }
    }
    let version = codebook.published_version;
    let published =
        state.db.read(move |conn| store::version(conn, id, version)).await?.unwrap_or_else(|| codebook.draft.clone());
    let questions =
        survey.definition.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.clone()).collect();
    Ok(Context { codebook, survey, published, questions })
}
