//! A survey for the pack: two languages, closed questions with display logic, a constraint,
//! piping and an exclusive choice; complete and partial responses with page visits; a codebook
//! coded by two coders, one answer reconciled and one coding from an accepted suggestion.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fieldwork::accounts::Role;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::survey::members::MemberRole;

use crate::helpers::TestApp;
use crate::surveys::add_response;

pub const SLUG: &str = "pack";
pub const RESEARCHER: &str = "rae@example.org";

const SURVEY: &str = r#"
format = 1
slug = "pack"
default_language = "en"
languages = ["en", "es"]
title = { en = "Open models", es = "Modelos abiertos" }
consent = { en = "You agree to take part. Contact: team@example.org", es = "Acepta participar. Contacto: team@example.org" }
[[pages]]
code = "about"
title = { en = "About you", es = "Sobre usted" }
[[pages.questions]]
code = "ROLE"
type = "single_choice"
text = { en = "Your role", es = "Su papel" }
choices = [
  { code = "dev", label = { en = "Developer", es = "Desarrolladora" } },
  { code = "lead", label = { en = "Lead", es = "Responsable" } },
]
[[pages.questions]]
code = "SIZE"
type = "number"
text = { en = "People in the project", es = "Personas en el proyecto" }
constraint = ". > 0"
constraint_message = { en = "At least one.", es = "Al menos una." }
[[pages.questions]]
code = "TOOLS"
type = "multiple_choice"
text = { en = "Tools", es = "Herramientas" }
choices = [
  { code = "git", label = { en = "Git", es = "Git" } },
  { code = "none", label = { en = "None", es = "Ninguna" }, exclusive = true },
]
[[pages]]
code = "why"
title = { en = "Why", es = "Por qué" }
relevant = "${ROLE} = 'dev' or ${SIZE} > 10"
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why do you take part, ${ROLE|member}?", es = "¿Por qué participa, ${ROLE|miembro}?" }
"#;

const CODEBOOK: &str = r#"
format = 1
name = "Motives"
[[codes]]
id = "X"
name = "Open science"
definition = "Sharing results so that others can build on them."
[[codes]]
id = "Y"
name = "Access"
definition = "Making models usable by people without large compute."
[[closed]]
question = "ROLE"
[closed.codes]
X = "dev"
Y = "lead"
"#;

/// The codes each coder applies to the five answers (ann, bob).
const CODES: [(&[&str], &[&str]); 5] =
    [(&["X"], &["X"]), (&["X"], &["Y"]), (&[], &[]), (&["Y"], &["Y"]), (&["X", "Y"], &["X"])];

/// The arranged survey: its codebook's id.
pub struct Arranged {
    pub codebook_id: i64,
}

pub fn arrange(app: &TestApp) -> Arranged {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey_id, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).unwrap();
    let codebook_id = fieldwork::codebook::import(&conn, survey_id, &file, "test", None).unwrap();
    let coders = [app.add_user("ann@example.org", Role::Coder), app.add_user("bob@example.org", Role::Coder)];
    let researcher = app.add_user(RESEARCHER, Role::Researcher);
    for (email, role) in [
        ("ann@example.org", MemberRole::Coder),
        ("bob@example.org", MemberRole::Coder),
        (RESEARCHER, MemberRole::Researcher),
    ] {
        app.add_member(survey_id, email, role);
    }
    // Five complete responses: three developers of 3 people, a lead of 3, a lead of 40 (alone in
    // their group: the disclosure check must list it).
    let closed = [("dev", "3"), ("dev", "3"), ("dev", "3"), ("lead", "3"), ("lead", "40")];
    for (n, ((role, size), (ann, bob))) in closed.into_iter().zip(CODES).enumerate() {
        let why = format!("reason {n}");
        let id = add_response(
            app,
            survey_id,
            "complete",
            &[("ROLE", "", role), ("SIZE", "", size), ("TOOLS", "git", "1"), ("WHY", "", &why)],
        );
        visit(&conn, id, &["about", "why"]);
        let at = UnitRef { response_id: id, question: "WHY" };
        for (coder, applied) in coders.iter().zip([ann, bob]) {
            let by = Coder { codebook_id, codebook_version: 1, coder_id: *coder, layer: "coder" };
            for code in applied {
                store::apply_whole(&conn, by, at, code).unwrap();
            }
            store::set_done(&conn, codebook_id, at, *coder, true).unwrap();
        }
        if n == 1 {
            let by = Coder { codebook_id, codebook_version: 1, coder_id: researcher, layer: "consensus" };
            store::reconcile(&conn, by, at, &["X".to_string()], "Access is not argued here").unwrap();
        }
        if n == 2 {
            let by = Coder { codebook_id, codebook_version: 1, coder_id: coders[0], layer: "coder" };
            store::apply_suggested(&conn, by, at, "Y", "abc123model").unwrap();
        }
    }
    // Two partial responses, one in Spanish, stopped on the first page.
    for language in ["en", "es"] {
        let id = add_response(app, survey_id, "partial", &[("ROLE", "", "lead")]);
        conn.execute("UPDATE responses SET language = ?2 WHERE id = ?1", rusqlite::params![id, language]).unwrap();
        visit(&conn, id, &["about"]);
    }
    Arranged { codebook_id }
}

fn visit(conn: &rusqlite::Connection, response_id: i64, pages: &[&str]) {
    for (seq, page) in pages.iter().enumerate() {
        conn.execute(
            "INSERT INTO page_visits (response_id, seq, page, language, shown_at, saved_at) \
             VALUES (?1, ?2, ?3, 'en', '2025-05-01T10:00:00Z', '2025-05-01T10:01:00Z')",
            rusqlite::params![response_id, seq as i64, page],
        )
        .unwrap();
    }
}

/// Runs `fieldwork --db DB report ARGS…`.
pub fn report(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork")).arg("--db").arg(db).arg("report").args(args).output().unwrap()
}

/// Writes the pack of the fixture into a new folder under `dir` and returns it.
pub fn written(app: &TestApp, dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("pack");
    let mut args = vec!["--survey", SLUG, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = report(&app.db_path, &args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    out
}

/// The folder's files by name.
pub fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}
