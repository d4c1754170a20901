//! Compiled surveys kept in memory, one per survey, so respondent pages parse no JSON and compile
//! no conditions per request. An entry is used only while the survey's version and `updated_at`
//! are those it was compiled from: a draft is edited without a new version, and its preview must
//! show the edit.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rusqlite::Connection;

pub use super::store::SurveyMeta;
use super::store::{self, meta_by_slug};
use super::validate::CompiledSurvey;
use crate::db::{Db, DbError};

/// A compiled definition and the (version, updated_at) it was compiled from.
type Entry = (i64, String, Arc<CompiledSurvey>);

#[derive(Default)]
pub struct SurveyCache {
    compiled: RwLock<HashMap<i64, Entry>>,
}

impl SurveyCache {
    /// The survey at `slug` and its current compiled definition.
    pub async fn get(&self, db: &Db, slug: &str) -> Result<Option<(SurveyMeta, Arc<CompiledSurvey>)>, DbError> {
        Ok(self.get_with(db, slug, |_, _| Ok(())).await?.map(|(meta, compiled, ())| (meta, compiled)))
    }

    /// The survey at `slug`, its compiled definition, and what `also` reads about it in the same
    /// visit to the database (a respondent's response, say): one trip to a reader per request.
    pub async fn get_with<T, F>(
        &self,
        db: &Db,
        slug: &str,
        also: F,
    ) -> Result<Option<(SurveyMeta, Arc<CompiledSurvey>, T)>, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &SurveyMeta) -> Result<T, DbError> + Send + 'static,
    {
        let slug = slug.to_string();
        let found = db
            .read_by_key(move |conn| {
                let Some(meta) = meta_by_slug(conn, &slug)? else { return Ok(None) };
                let extra = also(conn, &meta)?;
                Ok(Some((meta, extra)))
            })
            .await?;
        let Some((meta, extra)) = found else { return Ok(None) };
        let cached = self.compiled.read().ok().and_then(|map| {
            map.get(&meta.id)
                .filter(|(version, updated_at, _)| *version == meta.version && *updated_at == meta.updated_at)
                .map(|(_, _, compiled)| compiled.clone())
        });
        if let Some(compiled) = cached {
            return Ok(Some((meta, compiled, extra)));
        }
        let (id, version) = (meta.id, meta.version);
        let definition = db.read(move |conn| store::definition_at(conn, id, version)).await?;
        let Some(definition) = definition else { return Ok(None) };
        // Stored definitions were checked when saved; one that no longer compiles is a bug.
        let compiled = CompiledSurvey::compile_stored(definition).map_err(|errors| {
            DbError::Backup(format!("stored survey {id} v{version} does not compile: {}", errors.len()))
        })?;
        let compiled = Arc::new(compiled);
        if let Ok(mut map) = self.compiled.write() {
            map.insert(id, (version, meta.updated_at.clone(), compiled.clone()));
        }
        Ok(Some((meta, compiled, extra)))
    }
}
