//! What the page of an answer offers of the machine coder's suggestions: the rule is
//! `unit_page::suggestions`; this reads the codebook's settings and latest model and scores the
//! answer with it (decoded once, `suggest::cache`).

use std::collections::BTreeSet;

use serde::Serialize;

use super::Context;
use crate::app::AppState;
use crate::codebook::tree::Tree;
use crate::coding::unit_page::suggestions::{self, CoderOnAnswer, Prediction, Suggestion};
use crate::error::Result;
use crate::suggest::model::short_hash;

/// What the page of an answer offers: the model's suggestions and which model made them.
#[derive(Debug, Serialize, Default)]
pub(super) struct Offer {
    /// The model's hash.
    pub model: String,
    /// The start of it, as shown.
    pub short: String,
    pub suggestions: Vec<Suggestion>,
}

/// The suggestions for a coder on an answer with `text`: none unless the rule allows them, the
/// codebook has a model, and the model predicts an eligible code the coder did not apply.
pub(super) async fn offer(state: &AppState, ctx: &Context, text: &str, coder: &CoderOnAnswer) -> Result<Offer> {
    let codebook_id = ctx.codebook.id;
    let settings = state.db.read_by_key(move |conn| crate::suggest::store::settings(conn, codebook_id)).await?;
    if !suggestions::may_suggest(&settings, ctx.codebook.blind, coder) {
        return Ok(Offer::default());
    }
    let Some(stored) = state.db.read_by_key(move |conn| crate::suggest::store::latest(conn, codebook_id)).await? else {
        return Ok(Offer::default());
    };
    let model = state.suggest_models.get(state, codebook_id, &stored).await?;
    // Proportional to the answer's length (a long one costs milliseconds): off the async workers.
    let owned = text.to_owned();
    let scored: Vec<(String, f64)> = crate::web::off_workers(move || {
        model.scores(&owned).into_iter().map(|(code, p)| (code.to_owned(), p)).collect()
    })
    .await?;
    let scores: Vec<(&str, f64)> = scored.iter().map(|(code, p)| (code.as_str(), *p)).collect();
    let eligible: BTreeSet<String> = stored.figures.iter().filter(|f| f.eligible).map(|f| f.code.clone()).collect();
    let prediction = Prediction { scores: &scores, eligible: &eligible, decision: stored.params.fit.decision };
    let tree = Tree::new(&ctx.published);
    let found = suggestions::suggestions(&settings, ctx.codebook.blind, coder, &prediction, &tree);
    Ok(Offer { short: short_hash(&stored.hash).to_owned(), model: stored.hash, suggestions: found })
}
