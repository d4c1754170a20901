//! The researcher's survey screens over HTTP: import, overview, opening and closing, export and
//! duplication (`manage`), the TOML editor and what a survey with answers may take (`editor`), the
//! builder (`builder`), translations and the preview (`translations`), and who may use them
//! (`access`). Here: the questionnaires they use, and the helpers that submit forms the way a
//! browser would and read what was stored.

mod access;
mod builder;
mod editor;
mod manage;
mod translations;

use fieldwork::accounts::Role;
use fieldwork::survey::store::{self, Status, StoredSurvey};
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, location};

/// The shipped questionnaire.
pub const SHIPPED: &str = include_str!("../../questionnaires/open-llm-governance.toml");
pub const SHIPPED_SLUG: &str = "open-llm-governance";

/// A small two-language questionnaire: ROLE and TOOLS on page p1, COMMENT on page p2.
pub const SMALL: &str = r#"format = 1
slug = "team-survey"
default_language = "en"
languages = ["en", "es"]
title = { en = "Team survey", es = "Encuesta del equipo" }

[[pages]]
code = "p1"
title = { en = "Your work", es = "Su trabajo" }

[[pages.questions]]
code = "ROLE"
type = "single_choice"
text = { en = "What is your role?", es = "¿Cuál es su función?" }
help = { en = "Pick one.", es = "Elija una." }
choices = [
  { code = "lead", label = { en = "Lead", es = "Dirección" } },
  { code = "dev", label = { en = "Developer", es = "Desarrollo" } },
  { code = "ops", label = { en = "Operations", es = "Operaciones" } },
]

[[pages.questions]]
code = "TOOLS"
type = "multiple_choice"
text = { en = "Which tools do you use?", es = "¿Qué herramientas usa?" }
choices = [
  { code = "git", label = { en = "Git", es = "Git" } },
  { code = "hg", label = { en = "Mercurial", es = "Mercurial" } },
]

[[pages]]
code = "p2"
title = { en = "Anything else", es = "Algo más" }

[[pages.questions]]
code = "COMMENT"
type = "long_text"
text = { en = "Anything else to tell us?", es = "¿Algo más que contarnos?" }
"#;
pub const SMALL_SLUG: &str = "team-survey";

pub const RESEARCHER: &str = "rita@example.org";

/// A server with a researcher signed in.
pub async fn signed_in_researcher() -> TestApp {
    signed_in_as(RESEARCHER, Role::Researcher).await
}

/// A server with an account of `role` signed in.
pub async fn signed_in_as(email: &str, role: Role) -> TestApp {
    let app = TestApp::spawn().await;
    app.add_user(email, role);
    let response = app.login(email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "login as {email}");
    app
}

/// Arrange: imports a questionnaire straight into the database and returns the survey's id. As
/// an import on the web would, it makes the researcher or admin signed in on `app` its researcher.
pub fn add_survey(app: &TestApp, toml: &str) -> i64 {
    let creator = app.signed_in().filter(|user| user.role.includes(Role::Researcher)).map(|user| user.id);
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    fieldwork::survey::import_toml(&conn, toml, creator).expect("a valid questionnaire").0
}

/// Arrange: sets a survey's status straight in the database.
pub fn set_status(app: &TestApp, id: i64, status: Status) {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    store::set_status(&conn, id, status).expect("set status");
}

/// Arrange: stores a response with `answers` (question, item, value) to survey `id`.
pub fn add_response(app: &TestApp, id: i64, status: &str, answers: &[(&str, &str, &str)]) -> i64 {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    conn.execute(
        "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at) \
         SELECT id, randomblob(32), ?2, version, 'en', '2025-05-01', '2025-05-01' FROM surveys WHERE id = ?1",
        rusqlite::params![id, status],
    )
    .expect("insert response");
    let response_id = conn.last_insert_rowid();
    for (question, item, value) in answers {
        conn.execute(
            "INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![response_id, question, item, value],
        )
        .expect("insert answer");
    }
    response_id
}

/// The survey stored at `slug`, read from the database file.
pub fn stored(app: &TestApp, slug: &str) -> StoredSurvey {
    try_stored(app, slug).unwrap_or_else(|| panic!("no survey at {slug}"))
}

pub fn try_stored(app: &TestApp, slug: &str) -> Option<StoredSurvey> {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    store::find_by_slug(&conn, slug).expect("read survey")
}

/// The audit entries with this action, oldest first: (actor, target, details).
pub fn audit(app: &TestApp, action: &str) -> Vec<(String, String, String)> {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let mut stmt =
        conn.prepare("SELECT actor, target, details FROM audit_log WHERE action = ?1 ORDER BY id").expect("prepare");
    stmt.query_map([action], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

// ----- Sending ----------------------------------------------------------------------------------

/// One part of a `multipart/form-data` body: name, file name (for a file), content.
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// POSTs a multipart body to `path` as is (the caller puts any CSRF token in `path`).
pub async fn post_multipart(app: &TestApp, path: &str, parts: &[Part<'_>]) -> reqwest::Response {
    const BOUNDARY: &str = "----fieldwork-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, filename, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(filename) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    app.client
        .post(app.url(path))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .expect("POST multipart")
}

/// A file to upload: its name and content.
pub type Upload<'a> = (&'a str, &'a [u8]);

/// Submits the import form as a browser does: a file part (empty when no file was chosen) and the
/// pasted text.
pub async fn import(app: &TestApp, file: Option<Upload<'_>>, pasted: &str) -> reqwest::Response {
    let (filename, content) = file.unwrap_or(("", b""));
    let parts = [("file", Some(filename), content), ("toml", None, pasted.as_bytes())];
    upload_through_form(app, "/surveys", "/surveys/import", &parts).await
}

/// Submits the upload form whose action is `action` on the page at `page_path`, as a browser does:
/// the form's own CSRF field first (in the body: never in the action's URL), then `parts`.
pub async fn upload_through_form(
    app: &TestApp,
    page_path: &str,
    action: &str,
    parts: &[Part<'_>],
) -> reqwest::Response {
    let html = page(app, page_path).await;
    assert_eq!(form_action(&html, action).as_deref(), Some(action), "the upload form, its action without a query");
    let fields = form_fields(&html, action);
    let token = fields.iter().find(|(name, _)| name == "csrf_token").map(|(_, v)| v.clone());
    let token = token.expect("the upload form carries the CSRF token in a field");
    let mut all: Vec<Part<'_>> = vec![("csrf_token", None, token.as_bytes())];
    all.extend_from_slice(parts);
    post_multipart(app, action, &all).await
}

/// POSTs exactly these fields.
pub async fn submit(app: &TestApp, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    app.client.post(app.url(path)).form(fields).send().await.expect("POST")
}

/// GETs a page that must exist and returns its body.
pub async fn page(app: &TestApp, path: &str) -> String {
    let (status, body) = app.get_page(path).await;
    assert_eq!(status, StatusCode::OK, "GET {path}");
    body
}

/// Follows a 303 and returns the page it leads to.
pub async fn follow(app: &TestApp, response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "expected a redirect: {}", response.text().await.unwrap());
    page(app, &location(&response)).await
}

/// The `based_on` stamp the builder's forms on this page carry.
pub fn based_on(html: &str) -> String {
    hidden(html, "based_on").expect("a based_on field")
}

// ----- Reading pages ----------------------------------------------------------------------------

pub use crate::helpers::{attribute, hidden, unescape};

/// The unescaped action of the first form whose action starts with `prefix`.
pub fn form_action(html: &str, prefix: &str) -> Option<String> {
    html.split("<form ")
        .skip(1)
        .filter_map(|f| attribute(f.split('>').next()?, "action"))
        .find(|a| a.starts_with(prefix))
}

/// What a browser would send from the form whose action is `action`: every input, textarea and
/// select with its current value, ticked boxes only, no buttons.
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let form = html
        .split("<form ")
        .skip(1)
        .find(|f| attribute(f.split('>').next().unwrap_or(""), "action").as_deref() == Some(action))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    let mut fields = Vec::new();
    let mut select: Option<(String, Option<String>)> = None;
    for piece in form.split('<').skip(1) {
        let opening = piece.split('>').next().unwrap_or("");
        let tag = format!(" {opening}");
        let element = opening.split([' ', '>']).next().unwrap_or("");
        match element {
            "input" => {
                let Some(name) = attribute(&tag, "name") else { continue };
                let kind = attribute(&tag, "type").unwrap_or_else(|| "text".into());
                let value = attribute(&tag, "value");
                match kind.as_str() {
                    "checkbox" | "radio" if tag.contains(" checked") => {
                        fields.push((name, value.unwrap_or_else(|| "on".into())))
                    }
                    "checkbox" | "radio" | "submit" | "button" | "file" => {}
                    _ => fields.push((name, value.unwrap_or_default())),
                }
            }
            "textarea" => {
                let Some(name) = attribute(&tag, "name") else { continue };
                let content = piece.split_once('>').map_or("", |(_, rest)| rest);
                fields.push((name, unescape(content)));
            }
            "select" => select = attribute(&tag, "name").map(|name| (name, None)),
            "option" => {
                if let Some((_, chosen)) = select.as_mut() {
                    let value = attribute(&tag, "value").unwrap_or_default();
                    if chosen.is_none() || tag.contains(" selected") {
                        *chosen = Some(value);
                    }
                }
            }
            "/select" => {
                if let Some((name, chosen)) = select.take() {
                    fields.push((name, chosen.unwrap_or_default()));
                }
            }
            _ => {}
        }
    }
    fields
}

/// Sets a field of a form, as a person typing into it would (adding it if absent).
pub fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(field) => field.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
}

/// A field's value in a form's fields.
pub fn value_of<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The flash message a page shows: (kind, unescaped text).
pub fn flash(html: &str) -> Option<(String, String)> {
    let start = html.find("<div class=\"flash flash-")? + "<div class=\"flash flash-".len();
    let kind = html[start..].split('"').next()?.to_string();
    let text_start = start + html[start..].find('>')? + 1;
    let end = text_start + html[text_start..].find("</div>")?;
    Some((kind, unescape(html[text_start..end].trim())))
}

/// The entries of a page's error summary, unescaped, tags removed (`path: message`).
pub fn listed_errors(html: &str) -> Vec<String> {
    let Some(start) = html.find("class=\"error-summary\"") else { return Vec::new() };
    let end = start + html[start..].find("</div>").unwrap_or(html.len() - start);
    html[start..end]
        .split("<li>")
        .skip(1)
        .map(|item| {
            let item = item.split("</li>").next().unwrap_or("");
            unescape(&item.replace("<code>", "").replace("</code>", ""))
        })
        .collect()
}
