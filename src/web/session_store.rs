//! tower-sessions' store on fieldwork's own database, so that logins survive a restart and the
//! whole application stays one file to back up.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::db::{Db, DbError};

/// Sessions in the `sessions` table: the record as JSON, with its expiry in Unix seconds.
#[derive(Clone)]
pub struct SqliteSessionStore {
    db: Db,
}

impl std::fmt::Debug for SqliteSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteSessionStore").finish_non_exhaustive()
    }
}

impl SqliteSessionStore {
    pub fn new(db: Db) -> Self {
        SqliteSessionStore { db }
    }

    /// Removes expired sessions; run now and then.
    pub async fn delete_expired(&self) -> Result<usize, DbError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.db.write(move |tx| Ok(tx.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?)).await
    }
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn encode(record: &Record) -> session_store::Result<(String, Vec<u8>, i64)> {
    let data = serde_json::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok((record.id.to_string(), data, record.expiry_date.unix_timestamp()))
}

#[async_trait]
impl SessionStore for SqliteSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; on the off chance of a collision, draw again.
        loop {
            let (id, data, expires) = encode(record)?;
            let inserted = self
                .db
                .write(move |tx| {
                    Ok(tx.execute(
                        "INSERT INTO sessions (id, data, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
                        params![id, data, expires],
                    )?)
                })
                .await
                .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (id, data, expires) = encode(record)?;
        self.db
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO sessions (id, data, expires_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
                    params![id, data, expires],
                )?;
                Ok(())
            })
            .await
            .map_err(backend)
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let id = session_id.to_string();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        // A lookup by key, on every staff request: right here rather than on a blocking thread.
        let data: Option<Vec<u8>> = self
            .db
            .read_by_key(move |conn| {
                Ok(conn
                    .prepare_cached("SELECT data FROM sessions WHERE id = ?1 AND expires_at > ?2")?
                    .query_row(params![id, now], |row| row.get(0))
                    .optional()?)
            })
            .await
            .map_err(backend)?;
        data.map(|bytes| serde_json::from_slice(&bytes).map_err(|e| session_store::Error::Decode(e.to_string())))
            .transpose()
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        let id = session_id.to_string();
        self.db
            .write(move |tx| {
                tx.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
                Ok(())
            })
            .await
            .map_err(backend)
    }
}
