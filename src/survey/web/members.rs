//! A survey's members on its overview: its researchers add and remove researchers and coders
//! (admins too, member or not). A refused addition comes back on the overview with the reason
//! and what was typed.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::manage::render_overview;
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::survey::members::{self, MemberRole, Need};
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;

/// The form that adds a member, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MemberForm {
    #[serde(default)]
    pub member_email: String,
    #[serde(default)]
    pub member_role: String,
}

/// `POST /surveys/{slug}/members`: adds an account as a researcher or coder (or changes the role
/// of a member).
pub async fn add(
    State(state): State<AppState>,
    scope: ManagedSurvey,
    page: Page,
    Form(form): Form<MemberForm>,
) -> Result<Response> {
    let Some(role) = MemberRole::parse(&form.member_role) else {
        let errors = BTreeMap::from([("member_role", "Choose researcher or coder.".to_string())]);
        return render_overview(&state, &page, &scope, &form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (survey, actor, email) = (scope.survey.clone(), scope.user.clone(), form.member_email.clone());
    let added = state.db.write(move |tx| members::add(tx, &survey, &email, role, Some(&actor))).await?;
    match added {
        Ok(account) => {
            flash(&page.session, "success", format!("{} is a {} of this survey.", account.email, role.as_str())).await;
            let own = (account.id == scope.user.id).then_some(Some(role));
            Ok(back(&scope, own).into_response())
        }
        Err(reason) => {
            let errors = BTreeMap::from([("member_email", reason)]);
            render_overview(&state, &page, &scope, &form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /surveys/{slug}/members/{user_id}/remove`
pub async fn remove(
    State(state): State<AppState>,
    scope: ManagedSurvey,
    page: Page,
    Path((_, member)): Path<(String, i64)>,
) -> Result<Response> {
    let (actor, target) = (scope.user.clone(), scope.survey.clone());
    let removed = state.db.write(move |tx| members::remove(tx, &target, member, Some(&actor))).await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    flash(&page.session, "success", "Removed from this survey's members.").await;
    let own = (member == scope.user.id).then_some(None);
    Ok(back(&scope, own).into_response())
}

/// Back to the survey's members; to the survey list for someone whose change to their own
/// membership (`own`: what it is now) leaves them unable to manage the survey.
fn back(scope: &ManagedSurvey, own: Option<Option<MemberRole>>) -> Redirect {
    let still_in = own.is_none_or(|member| members::decide(scope.user.role, member, Need::Manage, false).is_ok());
    if still_in { Redirect::to(&format!("/surveys/{}#members", scope.survey.slug)) } else { Redirect::to("/surveys") }
}
