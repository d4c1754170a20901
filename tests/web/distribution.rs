//! Distribution: participants and their personal links, access modes, limits, the responses page,
//! the trash and erasure, driven through the real server.

mod anonymity;
mod erasure;
mod links;
mod participants;
mod responses;

use fieldwork::distribute::links::LinkKey;
use fieldwork::distribute::participants::{self as store, NewParticipant};
use fieldwork::survey::store::Status;

use crate::helpers::TestApp;
use crate::surveys::{SMALL, add_survey, set_status, signed_in_researcher};

/// A researcher signed in, with the small survey open; returns the app and the survey's id.
pub async fn open_small_survey() -> (TestApp, i64) {
    let app = signed_in_researcher().await;
    let id = add_survey(&app, SMALL);
    set_status(&app, id, Status::Open);
    (app, id)
}

/// The same, but anonymous.
pub async fn open_anonymous_survey() -> (TestApp, i64) {
    let app = signed_in_researcher().await;
    let anonymous = SMALL.replacen("languages = [\"en\", \"es\"]", "languages = [\"en\", \"es\"]\nanonymous = true", 1);
    let id = add_survey(&app, &anonymous);
    set_status(&app, id, Status::Open);
    (app, id)
}

/// The link key the app derives personal links from (made beside the database on start).
pub fn link_key(db_path: &std::path::Path) -> LinkKey {
    LinkKey::load_or_create(&LinkKey::default_path(db_path)).expect("link key")
}

/// Arrange: adds a participant straight to the database; returns their id and link token.
pub fn insert_participant(db_path: &std::path::Path, survey_id: i64, new: &NewParticipant) -> (i64, String) {
    let conn = fieldwork::db::open(db_path).expect("open db");
    let key = link_key(db_path);
    let id = store::insert(&conn, &key, survey_id, new).expect("insert participant");
    let salt = store::find(&conn, survey_id, id).expect("read").expect("found").token_salt;
    (id, key.token(&salt))
}

/// Arrange: a participant named "Named Person" with these attributes; returns id and token.
pub fn add_participant(app: &TestApp, survey_id: i64, email: &str, attributes: &[(&str, &str)]) -> (i64, String) {
    let new = NewParticipant {
        email: email.into(),
        name: "Named Person".into(),
        language: String::new(),
        attributes: attributes.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    insert_participant(&app.db_path, survey_id, &new)
}

/// A participant's status, read from the database.
pub fn status_of(app: &TestApp, participant_id: i64) -> String {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    conn.query_row("SELECT status FROM participants WHERE id = ?1", [participant_id], |r| r.get(0)).expect("status")
}
