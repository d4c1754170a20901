//! The account page's API tokens (`/account/tokens`): a person's tokens listed (name, prefix,
//! scope, expiry, last use), made (the token shown once, on the page that made it) and revoked.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::User;
use crate::accounts::auth::SignedIn;
use crate::api::tokens::{self, NewToken, Scope, store};
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::web::Page;
use crate::web::page::flash;

/// The expiries offered, in days ("" is never).
const EXPIRIES: [(&str, &str); 5] =
    [("30", "30 days"), ("90", "90 days"), ("365", "a year"), ("7", "7 days"), ("", "never")];

#[derive(Deserialize, Default, Debug)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    expires: String,
}

/// `GET /account/tokens`
pub async fn page(State(state): State<AppState>, SignedIn(user): SignedIn, page: Page) -> Result<Response> {
    render(
        &state,
        &page,
        &user,
        StatusCode::OK,
        None,
        &TokenForm { expires: "90".into(), ..TokenForm::default() },
        None,
    )
    .await
}

/// `POST /account/tokens`: makes a token and shows it, once.
pub async fn create(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    page: Page,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let scope = Scope::parse(&form.scope).unwrap_or(Scope::Read);
    let days = match form.expires.trim() {
        "" => Ok(None),
        days => days.parse::<i64>().map(Some).map_err(|_| "expires: a number of days, or never".to_string()),
    };
    let checked = days.and_then(|days| NewToken::checked(&form.name, scope, days));
    let new = match checked {
        Ok(new) => new,
        Err(error) => {
            return render(&state, &page, &user, StatusCode::UNPROCESSABLE_ENTITY, Some(error), &form, None).await;
        }
    };
    let (actor, details) = (user.clone(), format!("{} ({})", new.name, new.scope.as_str()));
    let (token, _) = state
        .db
        .write(move |tx| {
            let made = tokens::create(tx, actor.id, &new)?;
            crate::audit::record(tx, Some(&actor), "api.token_create", &actor.email, &details)?;
            Ok(made)
        })
        .await?;
    render(&state, &page, &user, StatusCode::OK, None, &TokenForm::default(), Some(token)).await
}

/// `POST /account/tokens/{id}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = user.clone();
    let revoked = state
        .db
        .write(move |tx| {
            let revoked = store::revoke_token(tx, actor.id, id)?;
            if revoked {
                crate::audit::record(tx, Some(&actor), "api.token_revoke", &actor.email, &format!("token {id}"))?;
            }
            Ok(revoked)
        })
        .await?;
    // Someone else's token, or one already revoked: nothing there for this person.
    if !revoked {
        return Err(AppError::NotFound);
    }
    flash(&page.session, "success", "The token was revoked: it no longer works.".to_string()).await;
    Ok(Redirect::to("/account/tokens").into_response())
}

async fn render(
    state: &AppState,
    page: &Page,
    user: &User,
    status: StatusCode,
    error: Option<String>,
    form: &TokenForm,
    made: Option<String>,
) -> Result<Response> {
    let id = user.id;
    let list = state.db.read(move |conn| store::tokens_of(conn, id)).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let listed: Vec<_> = list
        .iter()
        .map(|t| {
            let expired = t.expires_at.is_some_and(|at| at <= now);
            context! { token => t, expires => t.expires(), expired }
        })
        .collect();
    let expiries: Vec<_> = EXPIRIES.iter().map(|(value, label)| [*value, *label]).collect();
    let scopes = [
        ["read", "Read: surveys, responses, exports, agreement"],
        ["write", "Read and write: also import participants"],
    ];
    let own = context! {
        tokens => listed, made, error, expiries, scopes,
        name => &form.name, scope => if form.scope.is_empty() { "read" } else { &form.scope }, expires => &form.expires,
    };
    Ok(page.render_with_status(status, "api/tokens.html", own)?.into_response())
}
