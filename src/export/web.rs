//! The export page of a survey and its downloads: `GET /surveys/{slug}/export` lists every file
//! with its options; `GET /surveys/{slug}/export/{what}.csv?…` (or `project.qdpx?…`) streams one,
//! with the same options as `fieldwork export`. The survey's researchers only; every download is
//! in the audit log.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use super::stream::{self, CsvExportError, ExportOptions, What};
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::survey::model::QuestionType;
use crate::web::Page;
use crate::web::routes::Routes;
use crate::web::scope::ManagedSurvey;

pub fn router() -> Routes {
    Routes::new().route("/surveys/{slug}/export", get(page)).route("/surveys/{slug}/export/{file}", get(download))
}

/// The query parameters a download takes: the command line's flags, with `_` (or `-`).
pub const OPTIONS: [&str; 11] = [
    "codebook",
    "layer",
    "labels",
    "question",
    "by",
    "per",
    "texts",
    "missing",
    "include_partial",
    "bom",
    "no_formula_protection",
];

/// Reads the options from a query string; the message says what is wrong.
pub fn parse_query(query: &str) -> Result<ExportOptions, String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| "the query string could not be read".to_string())?;
    let mut options = ExportOptions::default();
    for (key, value) in pairs {
        let value = value.trim().to_string();
        let text = Some(value.clone()).filter(|v| !v.is_empty());
        match key.replace('-', "_").as_str() {
            "codebook" => {
                options.codebook = match text {
                    None => None,
                    Some(v) => {
                        Some(v.parse().map_err(|_| format!("codebook must be a codebook's number, not \"{v}\""))?)
                    }
                }
            }
            "layer" => options.layer = text,
            "labels" => options.labels = text,
            "question" => options.question = text,
            "by" => options.by = text,
            "per" => options.per = text,
            "texts" => options.texts = text,
            "missing" => options.missing = text,
            "include_partial" => options.include_partial = flag(&key, &value)?,
            "bom" => options.csv.bom = flag(&key, &value)?,
            "no_formula_protection" => options.csv.protect_formulas = !flag(&key, &value)?,
            _ => return Err(format!("there is no option \"{key}\"; the options are {}", OPTIONS.join(", "))),
        }
    }
    Ok(options)
}

/// A yes/no option: present (a ticked checkbox sends `on`) or `1`/`true`/`yes`, or `0`/`false`/`no`.
fn flag(key: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "" | "1" | "on" | "true" | "yes" => Ok(true),
        "0" | "off" | "false" | "no" => Ok(false),
        _ => Err(format!("{key} is a yes/no option: give {key}=1 or leave it out, not \"{value}\"")),
    }
}

/// A 400 page that says which option was wrong.
fn bad_request(state: &AppState, message: &str) -> Result<Response> {
    let context = context! { status => 400, title => "Export options not understood", message };
    let html = state.templates.render("error.html", context)?;
    Ok((StatusCode::BAD_REQUEST, Html(html)).into_response())
}

/// `GET /surveys/{slug}/export/{what}.csv` or `project.qdpx`: checked first (404, or 400 with the
/// reason), then written while it is sent.
pub async fn download(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    Path((_, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let slug = survey.slug;
    let what = What::ALL.into_iter().find(|w| w.url_file() == file).ok_or(AppError::NotFound)?;
    let options = match parse_query(query.as_deref().unwrap_or("")) {
        Ok(options) => options,
        Err(message) => return bad_request(&state, &message),
    };
    let plan = match state.db.read(move |conn| Ok(stream::resolve(conn, &slug, what, &options))).await? {
        Ok(plan) => plan,
        Err(CsvExportError::NotFound(_)) => return Err(AppError::NotFound),
        Err(CsvExportError::BadOption(message)) => return bad_request(&state, &message),
        Err(err) => return Err(anyhow::Error::new(err).into()),
    };
    let (target, details) = (plan.survey.slug.clone(), plan.describe());
    state.db.write(move |tx| crate::audit::record(tx, Some(&user), "responses.export", &target, &details)).await?;
    let name = what.file_name(&plan.survey.slug);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let content_type = if what.is_csv() { "text/csv; charset=utf-8" } else { "application/zip" };
    let headers =
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CONTENT_DISPOSITION, disposition)];
    Ok((headers, stream::body(state.db.path(), plan)).into_response())
}

/// The options each file takes, as the page offers them.
fn options_of(what: What) -> &'static [&'static str] {
    match what {
        What::Responses => &["labels", "missing", "include_partial"],
        What::CodebookDictionary => &["labels", "missing"],
        What::Codings => &["codebook", "question", "include_partial"],
        What::CodeMatrix | What::Tallies | What::Cooccurrence => &["codebook", "layer", "question", "include_partial"],
        What::Crosstab => &["codebook", "layer", "question", "by", "include_partial"],
        What::Closed => &["include_partial"],
        What::Qdpx => &["codebook", "layer", "per", "texts"],
    }
}

fn describe(what: What) -> (&'static str, &'static str) {
    match what {
        What::Responses => (
            "Responses",
            "One row per response; one column per answer in survey order (Q2/open_access for a ticked \
             choice, Q5/row for a matrix row, Q/other for an Other text).",
        ),
        What::CodebookDictionary => {
            ("Data dictionary", "One row per column of the responses file: its question, type, and codes with labels.")
        }
        What::Codings => (
            "Codings",
            "One row per code applied to an answer, by every coder and the consensus, with the passage, the answer \
             and the coder's memos.",
        ),
        What::CodeMatrix => ("Code matrix", "One row per coded answer, one 0/1 column per code, in a coding layer."),
        What::Tallies => ("Code tallies", "Answers and respondents per code, as on the analysis page."),
        What::Crosstab => {
            ("Cross-tab", "Respondents with each code by the choices of a closed question, or by language.")
        }
        What::Cooccurrence => ("Co-occurrence", "Pairs of codes applied to the same answer, with the c-coefficient."),
        What::Closed => ("Closed questions", "How often each choice of each closed question was given."),
        What::Qdpx => (
            "REFI-QDA project",
            "The open answers with their codings, the codebook, the coders' memos and each respondent's closed \
             answers, as one project for ATLAS.ti, MAXQDA, NVivo or QualCoder (a zip; complete responses only).",
        ),
    }
}

/// `GET /surveys/{slug}/export`
pub async fn page(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
) -> Result<Response> {
    let survey_id = survey.id;
    let (codebooks, coders) = state
        .db
        .read(move |conn| {
            Ok((
                crate::codebook::store::for_survey(conn, survey_id)?,
                crate::coding::store::coders_in(conn, survey_id)?,
            ))
        })
        .await?;
    let d = &survey.definition;
    let text = |t| d.text(t, &d.default_language).to_string();
    let files: Vec<_> = What::ALL
        .into_iter()
        .map(|w| {
            let (title, description) = describe(w);
            context! {
                what => w.name(), file => w.url_file(), csv => w.is_csv(), title, description,
                options => options_of(w), needs_codebook => w.needs_codebook(),
            }
        })
        .collect();
    let mut layers: Vec<(String, String)> =
        crate::coding::layers::CHOICES.iter().map(|(name, label)| (name.to_string(), label.to_string())).collect();
    layers.extend(coders.into_iter().map(|(id, email)| (format!("coder:{id}"), format!("Coder {email}"))));
    let open: Vec<_> =
        d.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| (q.code.clone(), text(&q.text))).collect();
    let by: Vec<_> = d
        .questions()
        .filter(|(_, q)| matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice))
        .map(|(_, q)| (q.code.clone(), text(&q.text)))
        .collect();
    let own = context! {
        survey => &survey, codebooks => &codebooks, files, layers, open_questions => open, by_questions => by,
        languages => &d.languages, default_language => &d.default_language, missing_codes => &d.missing_codes,
    };
    Ok(page.render("export/page.html", own)?.into_response())
}
