//! The coding workspace: one answer at a time with the codebook's codes beside it, and the save.
//! Every read is by key (`store::queue`), so a page costs the same in a survey of any size.
//! Whole-answer codes are a plain form (no JavaScript needed); highlighting a passage, the keyboard
//! shortcuts, definitions in place and the exclusive-category flag come from `static/coding.js`.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Context, back_link, context};
use crate::accounts::User;
use crate::app::AppState;
use crate::codebook::exclusivity_conflict;
use crate::codebook::model::CodeKind;
use crate::codebook::tree::Tree;
use crate::coding::blind::Blinding;
use crate::coding::questions;
use crate::coding::store::queue::{Around, Counts, Direction, Queue, any_assignments};
use crate::coding::store::{self, Coder};
use crate::coding::unit_page::suggestions::CoderOnAnswer;
use crate::coding::unit_page::{self, Facts};
use crate::coding::units::Unit;
use crate::db::DbError;
use crate::error::{AppError, Result, urlencode};
use crate::survey::members::Standing;
use crate::web::Page;
use crate::web::scope::{CodebookScope, CodingCodebook};

/// What the coding pages carry in their address: the question the queue is narrowed to, where
/// Save goes next, and the answer just saved (to say what was saved).
#[derive(Deserialize, Default)]
pub struct QueueQuery {
    question: Option<String>,
    then: Option<String>,
    pub(super) saved: Option<String>,
}

/// Where the coder goes after Save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Then {
    Stay,
    Next,
    NextOpen,
}

impl Then {
    pub const ALL: [(Then, &'static str); 3] = [
        (Then::Stay, "stay on this answer"),
        (Then::Next, "go to the next answer"),
        (Then::NextOpen, "go to the next answer not done"),
    ];

    fn parse(text: &str) -> Then {
        match text {
            "next" => Then::Next,
            "next_open" => Then::NextOpen,
            _ => Then::Stay,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Then::Stay => "stay",
            Then::Next => "next",
            Then::NextOpen => "next_open",
        }
    }
}

impl QueueQuery {
    pub(super) fn only(&self) -> Option<&str> {
        self.question.as_deref().filter(|q| !q.is_empty())
    }

    fn then(&self) -> Then {
        Then::parse(self.then.as_deref().unwrap_or_default())
    }

    /// The query string the coding pages keep from page to page (empty, or starting with `?`).
    pub(super) fn suffix(&self) -> String {
        suffix(self.only(), self.then())
    }
}

fn suffix(only: Option<&str>, then: Then) -> String {
    let mut parts = Vec::new();
    if let Some(question) = only {
        parts.push(format!("question={}", urlencode(question)));
    }
    if then != Then::Stay {
        parts.push(format!("then={}", then.as_str()));
    }
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

pub(super) fn unit_url(codebook_id: i64, unit: &Unit, suffix: &str) -> String {
    format!("/codebooks/{codebook_id}/code/{}/{}{suffix}", unit.response_id, urlencode(&unit.question))
}

/// `url` (with the kept `suffix`) saying that the coder just saved `saved`.
pub(super) fn with_saved(url: &str, suffix: &str, saved: &Unit) -> String {
    let joint = if suffix.is_empty() { "?" } else { "&" };
    format!("{url}{suffix}{joint}saved={}", urlencode(&format!("{}/{}", saved.response_id, saved.question)))
}

pub(super) fn question_text(ctx: &Context, code: &str) -> String {
    let d = &ctx.survey.definition;
    d.question(code).map(|q| d.text(&q.text, &d.default_language).to_string()).unwrap_or_default()
}

/// The coder's queue for this request, read by key.
pub(super) struct Scope {
    codebook_id: i64,
    survey_id: i64,
    coder_id: i64,
    open: Vec<String>,
    meant_for: Vec<String>,
    only: Option<String>,
}

impl Scope {
    pub(super) fn new(ctx: &Context, user: &User, query: &QueueQuery) -> Scope {
        Scope {
            codebook_id: ctx.codebook.id,
            survey_id: ctx.survey.id,
            coder_id: user.id,
            open: ctx.questions.clone(),
            meant_for: ctx.meant_for.clone(),
            only: query.only().map(str::to_string),
        }
    }

    /// Runs `f` with the queue (its questions depend on whether answers were assigned).
    pub(super) fn with<T>(
        &self,
        conn: &rusqlite::Connection,
        f: impl FnOnce(&Queue) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let assigned = any_assignments(conn, self.codebook_id)?;
        let questions = questions::of_queue(&self.open, &self.meant_for, self.only.as_deref(), assigned);
        let queue = Queue {
            codebook_id: self.codebook_id,
            survey_id: self.survey_id,
            coder_id: self.coder_id,
            questions: &questions,
            assigned,
        };
        f(&queue)
    }
}

/// A coder may open only the answers of their queue (others are 404, as for a stranger).
pub(super) async fn ensure_in_queue(state: &AppState, ctx: &Context, user: &User, unit: &Unit) -> Result<()> {
    // The answer is looked for in the whole queue, whatever question it was narrowed to.
    let scope = Scope::new(ctx, user, &QueueQuery::default());
    let u = unit.clone();
    let found = state.db.read_by_key(move |conn| scope.with(conn, |queue| queue.contains(conn, &u))).await?;
    if found { Ok(()) } else { Err(AppError::NotFound) }
}

/// What is read for the page of an answer, in one visit to a reader.
struct Read {
    text: String,
    codings: Vec<store::Coding>,
    memos: Vec<store::Memo>,
    done_by: Vec<i64>,
    around: Around,
    counts: Option<Counts>,
    saved: Option<Saved>,
}

/// What was just saved on an answer, to say so.
#[derive(Serialize)]
struct Saved {
    unit: Unit,
    codes: Vec<String>,
    done: bool,
}

fn read(conn: &rusqlite::Connection, scope: &Scope, unit: &Unit, saved: Option<Unit>) -> Result<Option<Read>, DbError> {
    scope.with(conn, |queue| {
        let whole =
            Queue { questions: &questions::of_queue(&scope.open, &scope.meant_for, None, queue.assigned), ..*queue };
        if !whole.contains(conn, unit)? {
            return Ok(None);
        }
        let Some(text) = store::answer_text(conn, scope.survey_id, unit.as_ref())? else { return Ok(None) };
        let saved = match saved.filter(|s| whole.contains(conn, s).unwrap_or(false)) {
            Some(unit) => {
                let by = Coder {
                    codebook_id: scope.codebook_id,
                    codebook_version: 0,
                    coder_id: scope.coder_id,
                    layer: "coder",
                };
                let codes = store::applied_codes(conn, by, unit.as_ref())?;
                let done = store::done_by(conn, scope.codebook_id, unit.as_ref())?.contains(&scope.coder_id);
                Some(Saved { unit, codes, done })
            }
            None => None,
        };
        Ok(Some(Read {
            text,
            codings: store::codings(conn, scope.codebook_id, unit.as_ref())?,
            memos: store::memos(conn, scope.codebook_id, "answer", Some(unit.as_ref()), None)?,
            done_by: store::done_by(conn, scope.codebook_id, unit.as_ref())?,
            around: queue.around(conn, unit)?,
            counts: queue.counts(conn)?,
            saved,
        }))
    })
}

/// Who is looking at a coding page.
pub(super) struct Viewer<'a> {
    pub user: &'a User,
    pub standing: Standing,
}

/// A form that came back refused: the codes ticked (kept instead of the stored ones) and why.
#[derive(Default)]
pub(super) struct Refused {
    pub ticked: Option<Vec<String>>,
    pub error: Option<String>,
}

/// The page of an answer.
pub(super) async fn unit_view(
    state: &AppState,
    ctx: &Context,
    viewer: &Viewer<'_>,
    unit: &Unit,
    query: &QueueQuery,
    refused: Refused,
) -> Result<minijinja::Value> {
    let (user, Refused { ticked, error }) = (viewer.user, refused);
    let scope = Scope::new(ctx, user, query);
    let saved = query.saved.as_deref().and_then(parse_unit);
    let u = unit.clone();
    let read = state.db.read_by_key(move |conn| read(conn, &scope, &u, saved)).await?.ok_or(AppError::NotFound)?;
    let tree = Tree::new(&ctx.published);
    let facts = Facts { text: &read.text, codings: &read.codings, memos: read.memos, done_by: &read.done_by };
    let just_saved = read.saved.as_ref().is_some_and(|s| &s.unit == unit);
    let on_answer = CoderOnAnswer::of(&facts, user.id, just_saved);
    let page = unit_page::unit_page(facts, user.id, &tree, Blinding::of(&ctx.codebook), ticked);
    let offer = super::offer::offer(state, ctx, &read.text, &on_answer).await?;
    // Accepting says whether the page followed the save, as the page itself knew.
    let accept = format!("{}/suggestion", unit_url(ctx.codebook.id, unit, ""));
    let accept_url = if just_saved { with_saved(&accept, &query.suffix(), unit) } else { accept + &query.suffix() };
    let context_answers = if ctx.codebook.coders_see_closed_answers {
        closed_answers(state, ctx, unit.response_id).await?
    } else {
        Vec::new()
    };
    let suffix = query.suffix();
    let url = |u: &Option<Unit>| u.as_ref().map(|u| unit_url(ctx.codebook.id, u, &suffix));
    let name = |code: &String| ctx.published.entry(code).map_or(code.clone(), |e| e.name.clone());
    let saved = read
        .saved
        .map(|s| context! { unit => &s.unit, names => s.codes.iter().map(name).collect::<Vec<_>>(), done => s.done });
    let (back_url, back_label) = back_link(ctx, viewer.standing);
    // The codes a passage may be highlighted as.
    let span_codes: Vec<(&str, &str)> =
        page.codes.iter().filter(|c| !c.category && !c.retired).map(|c| (c.id.as_str(), c.name.as_str())).collect();
    Ok(context! {
        codebook => super::codebook_view(&ctx.codebook), unit, question_text => question_text(ctx, &unit.question),
        view => &page, span_codes, offer, accept_url, error, context_answers, suffix, counts => read.counts, saved, back_url, back_label,
        prev_url => url(&read.around.prev), next_url => url(&read.around.next), next_open_url => url(&read.around.next_open),
        published => ctx.codebook.published_version > 0, then => query.then(), then_choices => Then::ALL,
        definitions_url => format!("/codebooks/{}/definitions/{}", ctx.codebook.id, ctx.codebook.published_version),
    })
}

/// `RESPONSE/QUESTION`, as the `saved` parameter names an answer.
pub(super) fn parse_unit(text: &str) -> Option<Unit> {
    let (response, question) = text.split_once('/')?;
    Some(Unit { response_id: response.parse().ok()?, question: question.to_string() })
}

/// The respondent's answers to closed questions, as context for the coder: each on one line in
/// the default language, as the responses page and the exports show it.
async fn closed_answers(state: &AppState, ctx: &Context, response_id: i64) -> Result<Vec<minijinja::Value>> {
    use crate::answer::{Answer, Naming};
    let answers = state.db.read(move |conn| crate::respond::store::load_answers(conn, response_id)).await?;
    let d = &ctx.survey.definition;
    let naming = Naming::default_labels(d);
    Ok(d.questions()
        .map(|(_, q)| q)
        .filter(|q| !q.kind.is_open())
        .filter_map(|q| {
            let value = Answer::of(q, &answers)?.line(q, naming);
            Some(context! { code => &q.code, text => d.text(&q.text, &d.default_language), value })
        })
        .collect())
}

/// `GET /codebooks/{id}/code/{response_id}/{question}`
pub async fn unit(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, standing }): CodingCodebook,
    page: Page,
    Path((_, response_id, question)): Path<(i64, i64, String)>,
    Query(query): Query<QueueQuery>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let unit = Unit { response_id, question };
    let viewer = Viewer { user: &user, standing };
    let own = unit_view(&state, &ctx, &viewer, &unit, &query, Refused::default()).await?;
    Ok(page.render("coding/unit.html", own)?.into_response())
}

/// Who is coding, and under which version.
pub(super) fn coder(ctx: &Context, user: &User) -> Result<Coder<'static>> {
    if ctx.codebook.published_version == 0 {
        return Err(AppError::NotFound);
    }
    Ok(Coder {
        codebook_id: ctx.codebook.id,
        codebook_version: ctx.codebook.published_version,
        coder_id: user.id,
        layer: crate::coding::layers::CODER,
    })
}

/// Checks codes a coder applies to an answer against the published codebook: each must be a
/// code, retired only if the answer already has it (`applied`); a message when refused.
pub(super) fn check_codes(ctx: &Context, codes: &[String], applied: &[String]) -> Option<String> {
    for code in codes {
        match ctx.published.entry(code) {
            Some(entry) if entry.kind == CodeKind::Code && (!entry.retired || applied.contains(code)) => {}
            Some(entry) if entry.kind == CodeKind::Code => {
                return Some(format!("{} is retired: it is no longer applied to new answers", entry.name));
            }
            _ => return Some(format!("\"{code}\" is not a code of this codebook")),
        }
    }
    exclusivity_conflict(&ctx.published, codes)
}

/// The codes the coding form offers, so that leaving one unticked removes it. Codings of a code
/// the published version does not offer (one given in review after a split that is not
/// published yet) are not on the form and are kept.
fn offered(ctx: &Context) -> HashSet<String> {
    ctx.published.codes.iter().filter(|e| e.kind == CodeKind::Code).map(|e| e.id.clone()).collect()
}

/// `POST /codebooks/{id}/code/{response_id}/{question}`: the ticked codes, `then` (where Save
/// goes: `stay`, `next`, `next_open`), and an action: `save` (then as chosen), `apply` (save and
/// stay: the code keys), `done` (mark done and go to the next answer not done), `undone`, `next`,
/// `prev`.
pub async fn save(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, standing }): CodingCodebook,
    page: Page,
    Path((id, response_id, question)): Path<(i64, i64, String)>,
    Query(query): Query<QueueQuery>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let unit = Unit { response_id, question };
    let by = coder(&ctx, &user)?;
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let mut ticked: Vec<String> = fields.iter().filter(|(k, _)| k == "code").map(|(_, v)| v.clone()).collect();
    ticked.sort();
    ticked.dedup();
    let action = field("action").unwrap_or("save").to_string();
    let then = field("then").map_or(query.then(), Then::parse);
    let (scope, u) = (Scope::new(&ctx, &user, &QueueQuery::default()), unit.clone());
    let applied = state
        .db
        .read_by_key(move |conn| {
            let mine = scope.with(conn, |queue| queue.contains(conn, &u))?;
            if mine { store::applied_codes(conn, by, u.as_ref()).map(Some) } else { Ok(None) }
        })
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(problem) = check_codes(&ctx, &ticked, &applied) {
        let viewer = Viewer { user: &user, standing };
        let refused = Refused { ticked: Some(ticked), error: Some(problem) };
        let own = unit_view(&state, &ctx, &viewer, &unit, &query, refused).await?;
        return Ok(page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "coding/unit.html", own)?.into_response());
    }
    let (stored_unit, set, act) = (unit.clone(), ticked, action.clone());
    let offered = offered(&ctx);
    state
        .db
        .write(move |tx| {
            let u = stored_unit.as_ref();
            let current = store::applied_codes(tx, by, u)?;
            for code in current.iter().filter(|c| !set.contains(c) && offered.contains(*c)) {
                store::remove_code(tx, by, u, code)?;
            }
            for code in set.iter().filter(|c| !current.contains(c)) {
                store::apply_whole(tx, by, u, code)?;
            }
            match act.as_str() {
                "done" => store::set_done(tx, by.codebook_id, u, by.coder_id, true),
                "undone" => store::set_done(tx, by.codebook_id, u, by.coder_id, false),
                _ => Ok(()),
            }
        })
        .await?;
    let suffix = suffix(query.only(), then);
    let target = match (action.as_str(), then) {
        ("apply" | "undone", _) | ("save", Then::Stay) => Some(unit.clone()),
        _ => {
            // From the queue as it is after the save (the answer may have just become done).
            // Only the one step asked for is looked up.
            let (scope, u, act) = (Scope::new(&ctx, &user, &query), unit.clone(), action.clone());
            let step = state
                .db
                .read_by_key(move |conn| {
                    scope.with(conn, |queue| match (act.as_str(), then) {
                        ("done", _) | ("save", Then::NextOpen) => queue.next_open(conn, &u).map(|u| (u, true)),
                        ("prev", _) => queue.next(conn, &u, Direction::Before).map(|u| (u, false)),
                        _ => queue.next(conn, &u, Direction::After).map(|u| (u, false)),
                    })
                })
                .await?;
            match step {
                // With nothing left not done: the queue.
                (next, true) => next,
                // At either end of the queue: here.
                (next, false) => next.or(Some(unit.clone())),
            }
        }
    };
    let url = match target {
        Some(to) if matches!(action.as_str(), "next" | "prev") => unit_url(id, &to, &suffix),
        Some(to) => with_saved(&unit_url(id, &to, ""), &suffix, &unit),
        // Nothing left to do: the queue, which says so.
        None => format!("/codebooks/{id}/code{suffix}"),
    };
    Ok(Redirect::to(&url).into_response())
}
