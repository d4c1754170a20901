//! Compiled surveys kept in memory by (survey, version), so respondent pages parse no JSON and
//! compile no conditions per request. A new version is simply a new key.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rusqlite::{Connection, OptionalExtension};

use super::store::{self, Status};
use super::validate::CompiledSurvey;
use crate::db::{Db, DbError};

/// What respondent pages need to know about a survey besides its definition.
#[derive(Debug, Clone)]
pub struct SurveyMeta {
    pub id: i64,
    pub slug: String,
    pub status: Status,
    pub version: i64,
}

#[derive(Default)]
pub struct SurveyCache {
    compiled: RwLock<HashMap<(i64, i64), Arc<CompiledSurvey>>>,
}

fn find_meta(conn: &Connection, slug: &str) -> Result<Option<SurveyMeta>, DbError> {
    Ok(conn
        .query_row("SELECT id, slug, status, version FROM surveys WHERE slug = ?1", [slug], |row| {
            let status: String = row.get(2)?;
            let status = match status.as_str() {
                "open" => Status::Open,
                "closed" => Status::Closed,
                _ => Status::Draft,
            };
            Ok(SurveyMeta { id: row.get(0)?, slug: row.get(1)?, status, version: row.get(3)? })
        })
        .optional()?)
}

impl SurveyCache {
    /// The survey at `slug` and its current compiled definition.
    pub async fn get(&self, db: &Db, slug: &str) -> Result<Option<(SurveyMeta, Arc<CompiledSurvey>)>, DbError> {
        let slug = slug.to_string();
        let Some(meta) = db.read(move |conn| find_meta(conn, &slug)).await? else { return Ok(None) };
        let key = (meta.id, meta.version);
        if let Some(compiled) = self.compiled.read().ok().and_then(|map| map.get(&key).cloned()) {
            return Ok(Some((meta, compiled)));
        }
        let (id, version) = key;
        let definition = db.read(move |conn| store::definition_at(conn, id, version)).await?;
        let Some(definition) = definition else { return Ok(None) };
        // Stored definitions were checked when saved; one that no longer compiles is a bug.
        let compiled = CompiledSurvey::compile(definition).map_err(|errors| {
            DbError::Backup(format!("stored survey {id} v{version} does not compile: {}", errors.len()))
        })?;
        let compiled = Arc::new(compiled);
        if let Ok(mut map) = self.compiled.write() {
            map.insert(key, compiled.clone());
        }
        Ok(Some((meta, compiled)))
    }
}
