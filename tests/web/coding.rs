//! Codebooks and coding over HTTP against the real server, checked against what SQLite stored:
//! mutually exclusive categories (`exclusive`), versions and history (`versions`), rename, merge,
//! split and retire keeping codings (`changes`), TOML and REFI-QDA exchange (`exchange`), passage
//! offsets (`spans`), the workspace — done marks, blind mode, concurrent coders, memos
//! (`workspace`), assignment and who may see what (`assignment`), and reconciliation into the
//! consensus layer (`reconcile`). Here: the study every test starts from and readers for what
//! was stored.

mod assignment;
mod blind_matrix;
mod changes;
mod csv_codebook;
mod depth;
mod exchange;
mod exclusive;
mod plans;
mod queue;
mod reconcile;
mod spans;
mod typed_text;
mod versions;
mod workspace;

use fieldwork::accounts::Role;
use fieldwork::survey::members::MemberRole;
use fieldwork::survey::store::Status;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};
use crate::surveys::{SHIPPED, add_response, unescape};

/// The shipped codebook, written for the shipped questionnaire.
pub const CODEBOOK: &str = include_str!("../../codebooks/open-llm-governance.toml");
pub const RESEARCHER: &str = "rita@example.org";
/// The open question most tests code.
pub const WHY: &str = "OPEN_WHY";

/// The shipped questionnaire, open, with complete responses, and the shipped codebook imported
/// and published as version 1; the researcher is signed in on `app`.
pub struct Study {
    pub app: TestApp,
    pub researcher: i64,
    pub survey: i64,
    pub codebook: i64,
    /// One response per answer given to `with_answers`, in order.
    pub responses: Vec<i64>,
}

impl Study {
    /// A study whose responses answer OPEN_WHY with `answers`, one response each.
    pub async fn with_answers(answers: &[&str]) -> Study {
        let app = TestApp::spawn().await;
        let researcher = app.add_user(RESEARCHER, Role::Researcher);
        assert_eq!(app.login(RESEARCHER, PASSWORD).await.status(), StatusCode::SEE_OTHER, "researcher login");
        let conn = fieldwork::db::open(&app.db_path).expect("open db");
        let (survey, _) = fieldwork::survey::import_toml(&conn, SHIPPED, Some(researcher)).expect("shipped survey");
        fieldwork::survey::store::set_status(&conn, survey, Status::Open).expect("open the survey");
        drop(conn);
        let codebook = import_codebook(&app, survey, researcher);
        let responses = answers.iter().map(|text| add_response(&app, survey, "complete", &[(WHY, "", text)])).collect();
        Study { app, researcher, survey, codebook, responses }
    }

    /// Another complete response with these (question, value) answers.
    pub fn add_response(&self, answers: &[(&str, &str)]) -> i64 {
        let answers: Vec<(&str, &str, &str)> = answers.iter().map(|(q, v)| (*q, "", *v)).collect();
        add_response(&self.app, self.survey, "complete", &answers)
    }

    /// A second copy of the shipped codebook on the same survey.
    pub fn another_codebook(&self) -> i64 {
        import_codebook(&self.app, self.survey, self.researcher)
    }

    /// Adds an account of `role`, makes it a member of the study's survey (a coder as a coder,
    /// anyone else as a researcher) and signs it in on a client of its own.
    pub async fn person(&self, email: &str, role: Role) -> (TestApp, i64) {
        let id = self.app.add_user(email, role);
        let member = if role == Role::Coder { MemberRole::Coder } else { MemberRole::Researcher };
        self.app.add_member(self.survey, email, member);
        let client = self.app.other_client();
        assert_eq!(client.login(email, PASSWORD).await.status(), StatusCode::SEE_OTHER, "login as {email}");
        (client, id)
    }

    /// The coding screen of a response's answer to OPEN_WHY.
    pub fn unit(&self, response: i64) -> String {
        self.unit_of(response, WHY)
    }

    pub fn unit_of(&self, response: i64, question: &str) -> String {
        format!("/codebooks/{}/code/{response}/{question}", self.codebook)
    }

    /// `who` sends the coding form of a response's OPEN_WHY answer with these codes ticked.
    pub async fn code(&self, who: &TestApp, response: i64, codes: &[&str], action: &str) -> reqwest::Response {
        let mut form = vec![("action", action)];
        form.extend(codes.iter().map(|c| ("code", *c)));
        who.post_form(&self.unit(response), &form).await
    }

    /// Like `code`, but the answer must be taken (303).
    pub async fn code_ok(&self, who: &TestApp, response: i64, codes: &[&str], action: &str) {
        let response = self.code(who, response, codes, action).await;
        let status = response.status();
        assert_eq!(status, StatusCode::SEE_OTHER, "coding refused: {}", visible_text(&response.text().await.unwrap()));
    }

    /// `who` highlights code points `start..end` of a response's OPEN_WHY answer as `code`.
    pub async fn highlight(
        &self,
        who: &TestApp,
        response: i64,
        code: &str,
        start: &str,
        end: &str,
    ) -> reqwest::Response {
        let path = format!("{}/span", self.unit(response));
        who.post_form(&path, &[("code", code), ("start", start), ("end", end)]).await
    }

    /// The researcher shares the answers out (HTTP), which must be accepted.
    pub async fn assign(&self, coders: &[i64], double_percent: &str, coders_per_double: &str, seed: &str) {
        let response = self.try_assign(coders, "", double_percent, coders_per_double, seed).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "assignment refused");
    }

    pub async fn try_assign(
        &self,
        coders: &[i64],
        question: &str,
        double_percent: &str,
        coders_per_double: &str,
        seed: &str,
    ) -> reqwest::Response {
        let ids: Vec<String> = coders.iter().map(i64::to_string).collect();
        let mut form: Vec<(&str, &str)> = ids.iter().map(|id| ("coder", id.as_str())).collect();
        form.extend([
            ("question", question),
            ("double_percent", double_percent),
            ("coders_per_double", coders_per_double),
            ("seed", seed),
        ]);
        self.app.post_form(&format!("/codebooks/{}/assign", self.codebook), &form).await
    }

    /// The researcher sets blind coding and whether reconciliation is open (HTTP).
    pub async fn set_modes(&self, blind: bool, reconciliation_open: bool) {
        let mut form = Vec::new();
        if blind {
            form.push(("blind", "on"));
        }
        if reconciliation_open {
            form.push(("reconciliation_open", "on"));
        }
        let response = self.app.post_form(&format!("/codebooks/{}/modes", self.codebook), &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "modes not saved");
    }

    /// The researcher publishes the draft (HTTP).
    pub async fn publish(&self) {
        let response = self.app.post_form(&format!("/codebooks/{}/publish", self.codebook), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "publish refused");
    }

    /// Every coding of the study's codebook, in the order they were made.
    pub fn codings(&self) -> Vec<Stored> {
        codings(&self.app, self.codebook)
    }

    /// The draft's revision as stored.
    pub fn revision(&self) -> i64 {
        self.app.query_i64(&format!("SELECT draft_revision FROM codebooks WHERE id = {}", self.codebook))
    }

    /// The draft as stored.
    pub fn draft(&self) -> fieldwork::codebook::model::CodebookFile {
        let conn = fieldwork::db::open(&self.app.db_path).expect("open db");
        fieldwork::codebook::store::find(&conn, self.codebook).expect("read").expect("the codebook").draft
    }
}

/// Arrange: imports the shipped codebook through the library (published as version 1).
pub fn import_codebook(app: &TestApp, survey: i64, researcher: i64) -> i64 {
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).expect("the shipped codebook is valid");
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    fieldwork::codebook::import(&conn, survey, &file, RESEARCHER, Some(researcher)).expect("import the codebook")
}

/// A row of `codings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: i64,
    pub response_id: i64,
    pub question: String,
    pub coder_id: i64,
    pub layer: String,
    pub code_key: String,
    pub span: Option<(i64, i64)>,
    pub codebook_version: i64,
    pub needs_review: bool,
}

/// The stored draft of a codebook.
pub fn exchange_draft(app: &TestApp, id: i64) -> fieldwork::codebook::model::CodebookFile {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    fieldwork::codebook::store::find(&conn, id).expect("read").expect("the codebook").draft
}

pub fn codings(app: &TestApp, codebook: i64) -> Vec<Stored> {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let mut stmt = conn
        .prepare(
            "SELECT id, response_id, question, coder_id, layer, code_key, span_start, span_end, codebook_version, \
             needs_review FROM codings WHERE codebook_id = ?1 ORDER BY id",
        )
        .expect("prepare");
    stmt.query_map([codebook], |r| {
        let span = match (r.get::<_, Option<i64>>(6)?, r.get::<_, Option<i64>>(7)?) {
            (Some(start), Some(end)) => Some((start, end)),
            _ => None,
        };
        Ok(Stored {
            id: r.get(0)?,
            response_id: r.get(1)?,
            question: r.get(2)?,
            coder_id: r.get(3)?,
            layer: r.get(4)?,
            code_key: r.get(5)?,
            span,
            codebook_version: r.get(8)?,
            needs_review: r.get(9)?,
        })
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

/// The codes a coder applied to the whole of a response's answer (coder layer), sorted.
pub fn whole_codes(codings: &[Stored], response: i64, coder: i64) -> Vec<String> {
    let mut codes: Vec<String> = codings
        .iter()
        .filter(|c| c.response_id == response && c.coder_id == coder && c.layer == "coder" && c.span.is_none())
        .map(|c| c.code_key.clone())
        .collect();
    codes.sort();
    codes
}

/// A page's text as a person reads it: tags dropped, entities undone, spaces collapsed.
pub fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    unescape(&text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the coding screen shows a code's checkbox, and whether it is ticked.
pub fn checkbox(html: &str, code: &str) -> Option<bool> {
    let start = html.find(&format!("id=\"code-{code}\""))?;
    let tag_start = html[..start].rfind('<')?;
    let tag = &html[tag_start..start + html[start..].find('>')?];
    Some(tag.contains(" checked"))
}

/// The text of a code's label on the coding screen (its name, key and "(retired)").
pub fn label(html: &str, code: &str) -> Option<String> {
    let start = html.find(&format!("<label for=\"code-{code}\">"))?;
    let end = start + html[start..].find("</label>")?;
    Some(visible_text(&html[start..end]))
}
