//! The database a coding benchmark runs on: the shipped questionnaire (eight open questions) and
//! codebook, N complete responses answering all eight with about 300 characters each (and two
//! closed questions), a researcher and eight coders who are members of the survey, and the
//! load generator's survey for the respondents who answer during an assignment.

use std::path::Path;
use std::time::Instant;

use fieldwork::accounts::Role;
use fieldwork::accounts::password::PasswordHasher;
use fieldwork::config::PasswordHashingArgs;
use fieldwork::survey::members::{MemberRole, store as members};
use fieldwork::survey::store::Status;
use rusqlite::params;

pub const SURVEY: &str = include_str!("../../questionnaires/open-llm-governance.toml");
pub const CODEBOOK: &str = include_str!("../../codebooks/open-llm-governance.toml");
pub const PASSWORD: &str = "a long benchmark password";
pub const RESEARCHER: &str = "rita@example.org";
pub const CODERS: usize = 8;
pub const OPEN: [&str; 8] =
    ["OPEN_WHY", "OPEN_NEEDS", "OPEN_DECIDE", "OPEN_RULES", "OPEN_WHO", "OPEN_BLOCKED", "OPEN_CHANGE", "OPEN_FINAL"];

pub fn coder(i: usize) -> String {
    format!("coder{i}@example.org")
}

/// What was made: the codebook's id.
pub struct Filled {
    pub codebook: i64,
    pub seconds: f64,
}

/// Fills `db` (migrated, empty) with `n` responses.
pub fn fill(db: &Path, n: usize) -> Result<Filled, String> {
    let started = Instant::now();
    fieldwork::db::migrate(db).map_err(|e| e.to_string())?;
    let mut conn = fieldwork::db::open(db).map_err(|e| e.to_string())?;
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let hasher = PasswordHasher::new(PasswordHashingArgs { argon2_memory_kib: 19 * 1024, argon2_iterations: 2 })
        .map_err(|err| e(&err))?;
    let hash = hasher.hash(PASSWORD).map_err(|err| e(&err))?;
    let researcher = fieldwork::accounts::store::insert(&conn, RESEARCHER, "Rita", Role::Researcher, Some(&hash))
        .map_err(|err| e(&err))?;
    let (survey, _) = fieldwork::survey::import_toml(&conn, SURVEY, Some(researcher))
        .map_err(|err| format!("the shipped questionnaire: {err:?}"))?;
    fieldwork::survey::store::set_status(&conn, survey, Status::Open).map_err(|err| e(&err))?;
    for i in 0..CODERS {
        let id = fieldwork::accounts::store::insert(&conn, &coder(i), "", Role::Coder, Some(&hash))
            .map_err(|err| e(&err))?;
        members::upsert(&conn, survey, id, MemberRole::Coder, None).map_err(|err| e(&err))?;
    }
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).map_err(|err| format!("{err:?}"))?;
    let codebook = fieldwork::codebook::import(&conn, survey, &file, RESEARCHER, Some(researcher))
        .map_err(|err| format!("the shipped codebook: {err:?}"))?;
    const BATCH: usize = 10_000;
    for from in (0..n).step_by(BATCH) {
        let tx = conn.transaction().map_err(|err| e(&err))?;
        {
            let mut response = tx
                .prepare_cached(
                    "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, \
                     submitted_at, updated_at) VALUES (?1, randomblob(32), 'complete', 1, 'en', '2026-01-01', \
                     '2026-01-01', '2026-01-01')",
                )
                .map_err(|err| e(&err))?;
            let mut answer = tx
                .prepare_cached("INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, '', ?3)")
                .map_err(|err| e(&err))?;
            for r in from..(from + BATCH).min(n) {
                response.execute([survey]).map_err(|err| e(&err))?;
                let id = tx.last_insert_rowid();
                for (q, question) in OPEN.iter().enumerate() {
                    answer.execute(params![id, question, text(r, q)]).map_err(|err| e(&err))?;
                }
                answer.execute(params![id, "ROLE", "lead"]).map_err(|err| e(&err))?;
                answer.execute(params![id, "YEARS", (r % 20).to_string()]).map_err(|err| e(&err))?;
            }
        }
        tx.commit().map_err(|err| e(&err))?;
    }
    Ok(Filled { codebook, seconds: started.elapsed().as_secs_f64() })
}

/// About 300 characters, different for every answer.
fn text(response: usize, question: usize) -> String {
    const WORDS: &str = "We release the weights because researchers in smaller labs, and people who write in \
        languages the big models ignore, should be able to study and adapt the model. Our community decides in \
        public meetings, but a single company pays for the compute, which shapes what gets trained. ";
    let start = (response * 7 + question * 13) % 60;
    let mut text = format!("Respondent {response}, question {question}: {}", &WORDS[start..]);
    text.truncate(300);
    text
}
