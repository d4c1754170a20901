//! "Find more like this": the answers nobody has coded, ranked by the latest model's probability
//! for a chosen code, so that a researcher can look for a rare code's answers.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::codebook::tree::Tree;
use crate::error::Result;
use crate::suggest::model::short_hash;
use crate::suggest::store;
use crate::web::Page;
use crate::web::scope::ManagedCodebook;

/// How many answers the page lists.
const SHOWN: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct MoreQuery {
    #[serde(default)]
    code: String,
}

#[derive(Serialize)]
struct Ranked {
    probability: f64,
    question: String,
    text: String,
}

/// `GET /codebooks/{id}/machine-coder/more?code=KEY`
pub async fn page(
    State(state): State<AppState>,
    ManagedCodebook(scope): ManagedCodebook,
    page: Page,
    Query(query): Query<MoreQuery>,
) -> Result<Response> {
    let (id, survey_id) = (scope.codebook.id, scope.survey.id);
    let questions: Vec<String> =
        scope.survey.definition.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.clone()).collect();
    let found = state
        .db
        .read(move |conn| {
            let Some(stored) = store::latest(conn, id)? else { return Ok(None) };
            let model = store::load(conn, &stored)?;
            let uncoded = store::uncoded(conn, id, survey_id, &questions)?;
            Ok(Some((stored, model, uncoded)))
        })
        .await?;
    let tree = Tree::new(&scope.codebook.draft);
    let Some((stored, model, uncoded)) = found else {
        return Ok(page
            .render("suggest/more.html", context! { codebook => &scope.codebook, model => None::<String> })?
            .into_response());
    };
    let codes: Vec<(String, String)> = stored.figures.iter().map(|f| (f.code.clone(), tree.path(&f.code))).collect();
    let figures = stored.figures.iter().find(|f| f.code == query.code).cloned();
    let unknown = (!query.code.is_empty() && figures.is_none()).then(|| query.code.clone());
    let count = uncoded.len();
    let (ranked, strongest) = match &figures {
        Some(_) => {
            let code = query.code.clone();
            // Scoring every uncoded answer grows with the survey: off the async workers.
            crate::web::off_workers(move || {
                let strongest = model.strongest(&code, 12);
                (rank(&model, &code, uncoded), strongest)
            })
            .await?
        }
        None => (Vec::new(), Vec::new()),
    };
    let own = context! {
        codebook => &scope.codebook, model => short_hash(&stored.hash), code_choices => codes, code => &query.code,
        code_name => figures.as_ref().map(|f| tree.path(&f.code)), figures, unknown, uncoded => count, ranked, strongest,
    };
    Ok(page.render("suggest/more.html", own)?.into_response())
}

/// The `SHOWN` answers most likely to have `code`, most likely first (ties in answer order).
fn rank(model: &crate::suggest::Model, code: &str, answers: Vec<(crate::coding::units::Unit, String)>) -> Vec<Ranked> {
    let mut scored: Vec<(f64, usize)> = answers
        .iter()
        .enumerate()
        .filter_map(|(i, (_, text))| model.probability(code, &model.row(text)).map(|p| (p, i)))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(SHOWN)
        .map(|(probability, i)| {
            let (unit, text) = &answers[i];
            Ranked { probability, question: unit.question.clone(), text: text.clone() }
        })
        .collect()
}
