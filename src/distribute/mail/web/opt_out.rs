//! The respondent's opt-out: `GET /s/{slug}/opt-out?t=TOKEN` (the participant's opt-out token,
//! not their personal link's) asks for confirmation in the participant's language, `POST` stops all further mail about the survey. Mail programs' own
//! "unsubscribe" buttons post `List-Unsubscribe=One-Click` (RFC 8058) to the same address.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::app::AppState;
use crate::audit;
use crate::distribute::mail::message::language_for;
use crate::distribute::participants::{self, Participant};
use crate::error::{AppError, Result};
use crate::respond::web::view::direction;
use crate::respond::web::{form_token, form_token_valid, with_form_cookie};
use crate::survey::messages;
use crate::survey::model::SurveyDefinition;

/// (key, English, Spanish, French, German, Portuguese, Chinese), as in `survey::messages`.
const TEXTS: &[(&str, [&str; 6])] = &[
    (
        "title",
        [
            "Stop emails",
            "Dejar de recibir correos",
            "Ne plus recevoir de courriels",
            "Keine E-Mails mehr",
            "Deixar de receber emails",
            "不再接收邮件",
        ],
    ),
    (
        "question",
        [
            "Do you want to stop receiving email about this survey? You will get no more invitations or reminders for it.",
            "¿Desea dejar de recibir correos sobre esta encuesta? No recibirá más invitaciones ni recordatorios.",
            "Voulez-vous ne plus recevoir de courriels au sujet de cette enquête ? Vous ne recevrez plus d'invitations ni de rappels.",
            "Möchten Sie keine E-Mails zu dieser Umfrage mehr erhalten? Sie bekommen dann keine Einladungen oder Erinnerungen mehr.",
            "Deseja deixar de receber emails sobre este questionário? Não receberá mais convites nem lembretes.",
            "您是否希望不再接收有关本问卷的邮件？您将不会再收到邀请或提醒。",
        ],
    ),
    (
        "done_title",
        [
            "Emails stopped",
            "Correos cancelados",
            "Courriels arrêtés",
            "E-Mails abbestellt",
            "Emails cancelados",
            "已停止发送邮件",
        ],
    ),
    (
        "done_body",
        [
            "You will receive no more email about this survey.",
            "No recibirá más correos sobre esta encuesta.",
            "Vous ne recevrez plus de courriels au sujet de cette enquête.",
            "Sie erhalten keine E-Mails zu dieser Umfrage mehr.",
            "Não receberá mais emails sobre este questionário.",
            "您将不会再收到有关本问卷的邮件。",
        ],
    ),
    (
        "invalid_title",
        ["Link not valid", "Enlace no válido", "Lien non valide", "Link ungültig", "Link inválido", "链接无效"],
    ),
    (
        "invalid_body",
        [
            "This link is not valid. Check that you copied the whole address from the email.",
            "Este enlace no es válido. Compruebe que ha copiado la dirección completa del correo.",
            "Ce lien n'est pas valide. Vérifiez que vous avez copié l'adresse complète du courriel.",
            "Dieser Link ist ungültig. Prüfen Sie, ob Sie die ganze Adresse aus der E-Mail kopiert haben.",
            "Este link não é válido. Verifique se copiou o endereço completo do email.",
            "此链接无效。请检查是否从邮件中复制了完整的地址。",
        ],
    ),
];

/// The opt-out texts in `language` (or its base language), English when there are none.
fn texts(language: &str) -> std::collections::BTreeMap<&'static str, &'static str> {
    let base = language.split(['-', '_']).next().unwrap_or(language);
    let column = ["en", "es", "fr", "de", "pt", "zh"].iter().position(|l| l.eq_ignore_ascii_case(base)).unwrap_or(0);
    TEXTS.iter().map(|(key, texts)| (*key, texts[column])).collect()
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    t: String,
}

/// What the page shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Confirm,
    Done,
    Invalid,
}

/// The survey's definition and the participant whose opt-out link carries `token` (an opt-out
/// token only stops mail: it opens no survey, and a personal link's token opts nobody out).
async fn find(state: &AppState, slug: &str, token: &str) -> Result<(i64, SurveyDefinition, Option<Participant>)> {
    let (meta, survey) = state.surveys.get(&state.db, slug).await?.ok_or(AppError::NotFound)?;
    let (survey_id, token) = (meta.id, token.to_string());
    let participant = if token.is_empty() {
        None
    } else {
        state.db.read(move |conn| participants::find_by_opt_out_token(conn, survey_id, &token)).await?
    };
    Ok((meta.id, survey.definition.clone(), participant))
}

struct View<'a> {
    slug: &'a str,
    definition: &'a SurveyDefinition,
    participant: Option<&'a Participant>,
    token: &'a str,
    shown: Shown,
    error: Option<String>,
}

fn render(state: &AppState, view: View, headers: &HeaderMap, status: StatusCode) -> Result<Response> {
    let d = view.definition;
    let language = view.participant.map_or_else(|| d.default_language.clone(), |p| language_for(d, &p.language));
    let form_token = form_token(headers);
    let own = context! {
        slug => view.slug,
        survey_title => d.text(&d.title, &language),
        lang => &language,
        dir => direction(&language),
        text => texts(&language),
        shown => match view.shown { Shown::Confirm => "confirm", Shown::Done => "done", Shown::Invalid => "invalid" },
        token => view.token,
        form_token => &form_token,
        error => view.error,
    };
    let html = state.templates.render("respond/opt_out.html", own)?;
    Ok(with_form_cookie(state, status, html, &form_token))
}

/// `GET /s/{slug}/opt-out?t=TOKEN`
pub async fn confirm(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let (_, definition, participant) = find(&state, &slug, &query.t).await?;
    let (shown, status) = match &participant {
        None => (Shown::Invalid, StatusCode::NOT_FOUND),
        Some(p) if p.opted_out_at.is_some() => (Shown::Done, StatusCode::OK),
        Some(_) => (Shown::Confirm, StatusCode::OK),
    };
    let view = View {
        slug: &slug,
        definition: &definition,
        participant: participant.as_ref(),
        token: &query.t,
        shown,
        error: None,
    };
    render(&state, view, &headers, status)
}

#[derive(Deserialize, Default)]
pub struct OptOutForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    form_token: String,
    /// `One-Click` when a mail program posts on the person's behalf (RFC 8058).
    #[serde(default, rename = "List-Unsubscribe")]
    list_unsubscribe: String,
}

impl OptOutForm {
    /// The form from a urlencoded body. RFC 8058 also lets a mail program post its one-click
    /// request as multipart: that is recognised by its one field alone.
    fn read(headers: &HeaderMap, body: &[u8]) -> OptOutForm {
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if content_type.starts_with("multipart/form-data") {
            let text = String::from_utf8_lossy(body);
            let one_click = text.contains("name=\"List-Unsubscribe\"") && text.contains("One-Click");
            return OptOutForm {
                list_unsubscribe: if one_click { "One-Click".into() } else { String::new() },
                ..Default::default()
            };
        }
        serde_urlencoded::from_bytes(body).unwrap_or_default()
    }
}

/// `POST /s/{slug}/opt-out`: the token in the form (or, from a mail program, in the address).
pub async fn opt_out(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let form = OptOutForm::read(&headers, &body);
    let token = if form.t.is_empty() { query.t } else { form.t };
    let (survey_id, definition, participant) = find(&state, &slug, &token).await?;
    let mut view = View {
        slug: &slug,
        definition: &definition,
        participant: participant.as_ref(),
        token: &token,
        shown: Shown::Invalid,
        error: None,
    };
    let Some(participant) = participant.as_ref() else {
        return render(&state, view, &headers, StatusCode::NOT_FOUND);
    };
    // A mail program's one-click post carries no cookie; the link's secret token is what
    // authorises it, as it does the form.
    let one_click = form.list_unsubscribe == "One-Click";
    if !one_click && !form_token_valid(&headers, Some(&form.form_token)) {
        let language = language_for(&definition, &participant.language);
        view.shown = Shown::Confirm;
        view.error = Some(messages::message(&definition, "error_resubmit", &language));
        return render(&state, view, &headers, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (id, details) = (participant.id, format!("survey {slug}"));
    state
        .db
        .write(move |tx| {
            if participants::opt_out(tx, id)? {
                audit::record(tx, None, "participant.opt_out", &id.to_string(), &details)?;
            }
            Ok(())
        })
        .await?;
    tracing::info!(survey_id, participant = id, "participant opted out of mail");
    if one_click {
        return Ok((StatusCode::OK, "Unsubscribed.").into_response());
    }
    Ok(Redirect::to(&format!("/s/{slug}/opt-out?t={}", crate::error::urlencode(&token))).into_response())
}
