//! The researcher's distribution screens: participants (list, import, add, edit, remove, erase,
//! personal links), access and limits, and the responses page with its trash.

mod participant;
mod participants;
mod responses;
mod settings;

pub use responses::purge as purge_trash;

use axum::routing::{get, post};

use crate::accounts::User;
use crate::app::AppState;
use crate::audit;
use crate::db::DbError;
use crate::error::Result;
use crate::survey::store::StoredSurvey;
use crate::web::routes::Routes;

pub fn router() -> Routes {
    Routes::new()
        .route("/surveys/{slug}/participants", get(participants::list).post(participants::add))
        .route("/surveys/{slug}/participants/import", post(participants::import))
        .route("/surveys/{slug}/participants/links.csv", get(participants::links_csv))
        .route("/surveys/{slug}/participants/{id}", get(participant::form).post(participant::save))
        .route("/surveys/{slug}/participants/{id}/new-link", post(participant::new_link))
        .route("/surveys/{slug}/participants/{id}/remove", post(participant::remove))
        .route("/surveys/{slug}/participants/{id}/erase", post(participant::erase))
        .route("/surveys/{slug}/access", post(settings::save))
        .route("/surveys/{slug}/responses", get(responses::list))
        .route("/surveys/{slug}/responses/trash", get(responses::trash).post(responses::restore))
        .route("/surveys/{slug}/responses/delete-partial", post(responses::delete_partial))
        .route("/surveys/{slug}/responses/{id}", get(responses::show))
        .route("/surveys/{slug}/responses/{id}/delete", post(responses::delete))
}

/// The survey's title in its default language.
pub(crate) fn title(survey: &StoredSurvey) -> String {
    let d = &survey.definition;
    d.text(&d.title, &d.default_language).to_string()
}

/// Runs `change` in one write transaction and, when it changed something, records `action` by
/// `user` on `target` in the audit log in the same transaction. Returns whether it changed.
async fn change_audited<F>(
    state: &AppState,
    user: &User,
    action: &'static str,
    target: (&str, String),
    change: F,
) -> Result<bool>
where
    F: FnOnce(&rusqlite::Transaction) -> std::result::Result<bool, DbError> + Send + 'static,
{
    let (actor, slug, details) = (user.clone(), target.0.to_string(), target.1);
    Ok(state
        .db
        .write(move |tx| {
            let changed = change(tx)?;
            if changed {
                audit::record(tx, Some(&actor), action, &slug, &details)?;
            }
            Ok(changed)
        })
        .await?)
}
