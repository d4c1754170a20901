//! A respondent driving the `/s/{slug}` pages over HTTP, the way a browser without JavaScript
//! would: each form is sent back with the hidden fields of the page it came from. Also the few
//! string searches the respondent tests read pages with, and readers for what was stored.

use std::collections::BTreeMap;

use fieldwork::survey::store::{Status, set_status};
use reqwest::StatusCode;

use crate::helpers::{TestApp, location};

/// Imports a questionnaire into the app's database and sets its status. Returns id and slug.
pub fn add_survey(app: &TestApp, toml: &str, status: Status) -> (i64, String) {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let (id, slug) = fieldwork::survey::import_toml(&conn, toml, None).expect("a valid questionnaire");
    set_status(&conn, id, status).expect("set status");
    (id, slug)
}

/// The shipped questionnaire and its address.
pub const SHIPPED: &str = include_str!("../../questionnaires/open-llm-governance.toml");
pub const SHIPPED_SLUG: &str = "open-llm-governance";

/// What the server answered: a redirect's target, or a page.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub location: String,
    pub html: String,
}

pub struct Respondent<'a> {
    pub app: &'a TestApp,
    pub slug: String,
    /// The last page shown; the next form sent copies its hidden fields.
    pub html: String,
    headers: Vec<(&'static str, String)>,
}

impl<'a> Respondent<'a> {
    pub fn new(app: &'a TestApp, slug: &str) -> Respondent<'a> {
        Respondent { app, slug: slug.to_string(), html: String::new(), headers: Vec::new() }
    }

    /// Sends `name: value` with every request (a browser's User-Agent or Accept-Language).
    pub fn with_header(mut self, name: &'static str, value: &str) -> Respondent<'a> {
        self.headers.push((name, value.to_string()));
        self
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Reply {
        let request = self.headers.iter().fold(request, |r, (name, value)| r.header(*name, value));
        let response = request.send().await.expect("request");
        let status = response.status();
        let location = location(&response);
        let html = response.text().await.expect("body");
        if !status.is_redirection() {
            self.html = html.clone();
        }
        Reply { status, location, html }
    }

    /// GETs a path on the server.
    pub async fn get(&mut self, path: &str) -> Reply {
        let request = self.app.client.get(self.app.url(path));
        self.send(request).await
    }

    /// POSTs exactly these fields.
    pub async fn post(&mut self, path: &str, fields: &[(String, String)]) -> Reply {
        let request = self.app.client.post(self.app.url(path)).form(fields);
        self.send(request).await
    }

    /// The welcome page, `query` being e.g. `?lang=es` or ``.
    pub async fn welcome(&mut self, query: &str) -> Reply {
        let path = format!("/s/{}{query}", self.slug);
        self.get(&path).await
    }

    /// Sends the welcome form with `fields` added to its hidden `form_token` and `lang`.
    pub async fn post_start(&mut self, fields: &[(&str, &str)]) -> Reply {
        let mut form = self.hidden_fields(&["form_token", "lang", "invite"]);
        form.extend(owned(fields));
        let path = format!("/s/{}/start", self.slug);
        self.post(&path, &form).await
    }

    /// Welcome page, consent ticked, Start; ends on the first page. Returns its index.
    pub async fn start_with(&mut self, query: &str) -> usize {
        let welcome = self.welcome(query).await;
        assert_eq!(welcome.status, StatusCode::OK, "{}", welcome.html);
        let started = self.post_start(&[("consent", "yes")]).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.html);
        let index = page_index_in(&started.location).expect("redirect to a page");
        let page = self.get(&started.location).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        index
    }

    pub async fn start(&mut self) -> usize {
        self.start_with("").await
    }

    /// `GET /s/{slug}/p/{index}`.
    pub async fn page(&mut self, index: usize) -> Reply {
        let path = format!("/s/{}/p/{index}", self.slug);
        self.get(&path).await
    }

    /// The form a browser would send from the last page shown: its hidden `form_token`, `r`,
    /// `lang`, `shown` and `seed`, `action=next` unless `fields` say otherwise, then `fields`.
    pub fn form(&self, fields: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut form = self.hidden_fields(&["form_token", "r", "lang", "shown", "seed"]);
        if !fields.iter().any(|(name, _)| *name == "action" || *name == "switch_lang") {
            form.push(("action".into(), "next".into()));
        }
        form.extend(owned(fields));
        form
    }

    /// Sends `form` as page `index`.
    pub async fn post_page(&mut self, index: usize, form: &[(String, String)]) -> Reply {
        let path = format!("/s/{}/p/{index}", self.slug);
        self.post(&path, form).await
    }

    /// Sends page `index` as a browser would (see `form`).
    pub async fn submit(&mut self, index: usize, fields: &[(&str, &str)]) -> Reply {
        let form = self.form(fields);
        self.post_page(index, &form).await
    }

    /// Sends page `index` and follows the redirect to the next page; returns where it went.
    pub async fn next(&mut self, index: usize, fields: &[(&str, &str)]) -> String {
        let reply = self.submit(index, fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "page {index} was not accepted: {}", errors_in(&reply.html));
        let shown = self.get(&reply.location).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", reply.location);
        reply.location
    }

    /// Opens the resume link `path` in this browser and, asked whether to continue the response
    /// (a browser that does not hold it is), says yes. Returns the answer to the yes.
    pub async fn resume_by_link(&mut self, path: &str) -> Reply {
        let asked = self.get(path).await;
        assert_eq!(asked.status, StatusCode::OK, "asked first: {}", asked.html);
        assert!(asked.html.contains("Continue this response?"), "{}", asked.html);
        let form = self.hidden_fields(&["form_token"]);
        self.post(path, &form).await
    }

    fn hidden_fields(&self, names: &[&str]) -> Vec<(String, String)> {
        names.iter().filter_map(|name| hidden(&self.html, name).map(|value| (name.to_string(), value))).collect()
    }
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The page index in `/s/{slug}/p/{index}`.
pub fn page_index_in(path: &str) -> Option<usize> {
    path.split('?').next()?.rsplit_once("/p/")?.1.parse().ok()
}

// ----- Reading pages -----------------------------------------------------------------------

pub use crate::helpers::{attribute, hidden, unescape};

/// The opening tag of the element with this id.
pub fn tag<'h>(html: &'h str, id: &str) -> Option<&'h str> {
    let at = html.find(&format!(" id=\"{id}\""))?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    Some(&html[start..=end])
}

/// What a text input or textarea with this id holds.
pub fn field_value(html: &str, id: &str) -> Option<String> {
    let opening = tag(html, id)?;
    if opening.starts_with("<textarea") {
        let start = html.find(opening)? + opening.len();
        let end = html[start..].find("</textarea>")?;
        return Some(unescape(&html[start..start + end]));
    }
    attribute(opening, "value")
}

/// Whether the radio button or checkbox with this id is ticked.
pub fn is_checked(html: &str, id: &str) -> bool {
    tag(html, id).is_some_and(|t| t.contains(" checked"))
}

/// The selected option of the `<select>` with this id.
pub fn selected_option(html: &str, id: &str) -> Option<String> {
    let start = html.find(tag(html, id)?)?;
    let end = start + html[start..].find("</select>")?;
    let options = &html[start..end];
    options.split("<option").skip(1).find(|o| o.contains(" selected")).and_then(|o| attribute(o, "value"))
}

/// The text of the element with this id, up to its first closing tag, without inner tags.
pub fn element_text(html: &str, id: &str) -> Option<String> {
    let opening = tag(html, id)?;
    let start = html.find(opening)? + opening.len();
    let end = html[start..].find("</")?;
    let text: String =
        html[start..start + end].split('<').map(|piece| piece.split_once('>').map_or(piece, |(_, t)| t)).collect();
    Some(unescape(text.trim()))
}

/// The codes of the questions a page shows, in order (not those rendered hidden, for the page's
/// script to show when an answer on the page reveals them).
pub fn question_codes(html: &str) -> Vec<String> {
    html.split("<div class=\"question question-")
        .skip(1)
        .filter_map(|block| block.split('>').next())
        .filter(|opening| !opening.ends_with(" hidden"))
        .filter_map(|opening| attribute(opening, "id"))
        .filter_map(|id| id.strip_prefix("question-").map(str::to_string))
        .collect()
}

/// The codes of the questions a page renders hidden, for its script to show.
pub fn hidden_question_codes(html: &str) -> Vec<String> {
    html.split("<div class=\"question question-")
        .skip(1)
        .filter_map(|block| block.split('>').next())
        .filter(|opening| opening.ends_with(" hidden"))
        .filter_map(|opening| attribute(opening, "id"))
        .filter_map(|id| id.strip_prefix("question-").map(str::to_string))
        .collect()
}

/// The markup of one question, from its `<div>` to the next question's.
pub fn question_block<'h>(html: &'h str, code: &str) -> Option<&'h str> {
    let at = html.find(&format!(" id=\"question-{code}\""))?;
    let start = html[..at].rfind("<div")?;
    let rest = &html[start..];
    let end = rest[1..].find("<div class=\"question question-").map_or(rest.len(), |e| e + 1);
    Some(&rest[..end])
}

/// The page's first-level heading.
pub fn heading(html: &str) -> String {
    let start = html.find("<h1>").map(|s| s + 4).unwrap_or(0);
    let end = html[start..].find("</h1>").map_or(start, |e| start + e);
    unescape(&html[start..end])
}

/// The error summary's entries, for assertion messages.
pub fn errors_in(html: &str) -> String {
    let Some(start) = html.find("class=\"error-summary\"").or_else(|| html.find("class=\"notice\"")) else {
        return format!("no error summary in {}", &html[..html.len().min(2000)]);
    };
    let end = html[start..].find("</div>").map_or(html.len(), |e| start + e);
    unescape(&html[start..end])
}

/// The form controls in a piece of markup, in order: each name with the values it can take
/// (an input's value, a select's non-empty options).
fn controls(block: &str) -> Vec<(String, Vec<String>)> {
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    let mut open_select: Option<usize> = None;
    for piece in block.split('<').skip(1) {
        let opening = format!(" {}", piece.split('>').next().unwrap_or(""));
        let name = attribute(&opening, "name");
        if opening.starts_with(" option") {
            let value = attribute(&opening, "value").unwrap_or_default();
            if let (Some(i), false) = (open_select, value.is_empty()) {
                found[i].1.push(value);
            }
        } else if opening.starts_with(" /select") {
            open_select = None;
        } else if let Some(name) = name {
            let value = attribute(&opening, "value");
            let index = match found.iter().position(|(n, _)| *n == name) {
                Some(i) => i,
                None => {
                    found.push((name, Vec::new()));
                    found.len() - 1
                }
            };
            if opening.starts_with(" select") {
                open_select = Some(index);
            } else if let Some(value) = value {
                found[index].1.push(value);
            }
        }
    }
    found
}

/// A valid answer to every question the page shows, except those `answered` already has a field
/// for: texts get a sentence, numbers 3, dates a day, choices their first option(s), matrices
/// the first point on every row, rankings the order shown.
pub fn answer_everything(html: &str, answered: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for code in question_codes(html) {
        let prefix = format!("q.{code}");
        let on_this_page = |name: &str| name == prefix || name.starts_with(&format!("{prefix}."));
        let given: Vec<_> = answered.iter().filter(|(name, _)| on_this_page(name)).collect();
        if !given.is_empty() {
            fields.extend(given.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            continue;
        }
        let block = question_block(html, &code).expect("question markup");
        let kind = block.split("question question-").nth(1).unwrap_or("").split(['"', ' ']).next().unwrap_or("");
        let controls = controls(block);
        let choices = |name: &str| controls.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
        match kind {
            "display" => {}
            "short_text" | "long_text" => fields.push((prefix.clone(), format!("An answer to {code}"))),
            "number" => fields.push((prefix.clone(), "3".into())),
            "date" => fields.push((prefix.clone(), "2024-05-01".into())),
            "single_choice" => {
                let first = choices(&prefix).into_iter().find(|c| c != "other").expect("a choice");
                fields.push((prefix.clone(), first));
            }
            "multiple_choice" => {
                for choice in choices(&prefix).into_iter().filter(|c| c != "other").take(2) {
                    fields.push((prefix.clone(), choice));
                }
            }
            "matrix" => {
                for (name, values) in controls.iter().filter(|(n, _)| n.starts_with(&format!("{prefix}."))) {
                    fields.push((name.clone(), values[0].clone()));
                }
            }
            "ranking" => {
                let items = controls.iter().filter(|(n, _)| n.starts_with(&format!("{prefix}.")));
                for (rank, (name, _)) in items.enumerate() {
                    fields.push((name.clone(), (rank + 1).to_string()));
                }
            }
            other => panic!("question {code} of unknown kind {other}"),
        }
    }
    fields
}

// ----- Reading the database ----------------------------------------------------------------

/// A `responses` row.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: String,
    pub language: String,
    pub page_index: i64,
    pub consent_version: Option<i64>,
    pub consent_at: Option<String>,
    pub started_at: String,
    pub submitted_at: Option<String>,
    pub duration_s: Option<i64>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Every response stored, oldest first.
pub fn responses(app: &TestApp) -> Vec<StoredResponse> {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let mut stmt = conn
        .prepare(
            "SELECT status, language, page_index, consent_version, consent_at, started_at, submitted_at, \
             duration_s, client_ip, user_agent FROM responses ORDER BY id",
        )
        .expect("prepare");
    stmt.query_map([], |row| {
        Ok(StoredResponse {
            status: row.get(0)?,
            language: row.get(1)?,
            page_index: row.get(2)?,
            consent_version: row.get(3)?,
            consent_at: row.get(4)?,
            started_at: row.get(5)?,
            submitted_at: row.get(6)?,
            duration_s: row.get(7)?,
            client_ip: row.get(8)?,
            user_agent: row.get(9)?,
        })
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

/// The one response stored (fails when there is not exactly one).
pub fn only_response(app: &TestApp) -> StoredResponse {
    let all = responses(app);
    assert_eq!(all.len(), 1, "expected exactly one response: {all:?}");
    all.into_iter().next().unwrap()
}

/// Every stored answer, as `(question, item) -> value`.
pub fn answers(app: &TestApp) -> BTreeMap<(String, String), String> {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let mut stmt = conn.prepare("SELECT question, item, value FROM answers").expect("prepare");
    stmt.query_map([], |row| Ok(((row.get(0)?, row.get(1)?), row.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The stored value of one answer item ('' for single-valued questions).
pub fn answer(app: &TestApp, question: &str, item: &str) -> Option<String> {
    answers(app).get(&(question.to_string(), item.to_string())).cloned()
}

/// The stored items of one question.
pub fn answer_items(app: &TestApp, question: &str) -> BTreeMap<String, String> {
    answers(app).into_iter().filter(|((q, _), _)| q == question).map(|((_, item), value)| (item, value)).collect()
}

/// The index of the page whose form `html` holds (`action="/s/{slug}/p/{index}"`).
pub fn form_index(html: &str) -> Option<usize> {
    let start = html.find("<form method=\"post\" action=\"")?;
    let action = attribute(&html[start..start + html[start..].find('>')?], "action")?;
    page_index_in(&action)
}

/// Borrows owned form fields for `Respondent::submit`.
pub fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
