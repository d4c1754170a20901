//! Trained models kept decoded for the coding screen: a page scores its answer on the request
//! (some 0.06 ms), but decoding a model's weights takes far longer, so each model is decoded once
//! per hash and kept, a bounded few.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::model::Model;
use super::store::{self, StoredModel};
use crate::app::AppState;
use crate::error::Result;

/// Decoded models by codebook and hash (a model's hash decides its weights).
#[derive(Default)]
pub struct Models {
    decoded: Mutex<HashMap<(i64, String), Arc<Model>>>,
}

impl Models {
    /// Models kept at most; past it the cache starts afresh (a codebook uses its latest one).
    const KEPT: usize = 8;

    fn lock(&self) -> MutexGuard<'_, HashMap<(i64, String), Arc<Model>>> {
        self.decoded.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The model `stored` of codebook `codebook_id`, decoded.
    pub async fn get(&self, state: &AppState, codebook_id: i64, stored: &StoredModel) -> Result<Arc<Model>> {
        let key = (codebook_id, stored.hash.clone());
        if let Some(model) = self.lock().get(&key) {
            return Ok(Arc::clone(model));
        }
        let description = stored.clone();
        let model = Arc::new(state.db.read_by_key(move |conn| store::load(conn, &description)).await?);
        let mut decoded = self.lock();
        if decoded.len() >= Self::KEPT {
            decoded.clear();
        }
        decoded.insert(key, Arc::clone(&model));
        Ok(model)
    }
}
