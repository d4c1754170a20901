//! Who reaches what under a survey. Here: a server with two studies (ours and theirs) and the six
//! kinds of person the access rules tell apart, and how a route's parameters are filled. The
//! matrix of every route from the router × every kind of person (`matrix`), ids of another survey
//! or of the trash in a URL (`nested_ids`), and managing members on the web and the command line
//! with the lists each person sees (`members`).

mod matrix;
mod members;
mod nested_ids;

use fieldwork::accounts::Role;
use fieldwork::coding::store::{Coder, UnitRef, apply_span};
use fieldwork::survey::members::{MemberRole, store as member_store};
use fieldwork::survey::store::Status;

use crate::coding::{WHY, import_codebook};
use crate::helpers::{PASSWORD, TestApp};
use crate::surveys::{SHIPPED, add_response, set_status};

/// The kinds of person, in the order the matrix asks them (those refused first, so that what the
/// others change cannot hide a refusal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    Anonymous,
    StrangerCoder,
    StrangerResearcher,
    MemberCoder,
    MemberResearcher,
    Admin,
}

impl Who {
    pub const ALL: [Who; 6] = [
        Who::Anonymous,
        Who::StrangerCoder,
        Who::StrangerResearcher,
        Who::MemberCoder,
        Who::MemberResearcher,
        Who::Admin,
    ];

    fn email(self) -> &'static str {
        match self {
            Who::Anonymous => "",
            Who::StrangerCoder => "stranger-coder@example.org",
            Who::StrangerResearcher => "stranger-researcher@example.org",
            Who::MemberCoder => "member-coder@example.org",
            Who::MemberResearcher => "member-researcher@example.org",
            Who::Admin => "admin@example.org",
        }
    }

    fn role(self) -> Role {
        match self {
            Who::Anonymous | Who::StrangerCoder | Who::MemberCoder => Role::Coder,
            Who::StrangerResearcher | Who::MemberResearcher => Role::Researcher,
            Who::Admin => Role::Admin,
        }
    }
}

/// A person with a browser of their own.
pub struct Person {
    pub who: Who,
    pub id: i64,
    pub client: TestApp,
}

impl Person {
    /// Signs in again (after a route that signs out).
    pub async fn sign_in(&self) {
        if self.who != Who::Anonymous {
            let response = self.client.login(self.who.email(), PASSWORD).await;
            assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER, "login as {:?}", self.who);
        }
    }
}

/// What a study holds, by id: everything a route's parameters can name.
pub struct Study {
    pub survey: i64,
    pub slug: String,
    pub codebook: i64,
    /// A complete response with an answer to OPEN_WHY, assigned to the study's coders.
    pub response: i64,
    /// A complete response in the trash.
    pub trashed: i64,
    /// A participant who has begun (so that removing them is refused, not done).
    pub participant: i64,
    /// A passage coded by the study's coder on `response`.
    pub passage: i64,
    pub mailing: i64,
    /// A member who is there to be removed.
    pub spare_member: i64,
}

/// The server, its admin's client, the six kinds of person, our study (whose members the member
/// researcher and coder are; the admin is not a member) and theirs (the strangers' study).
pub struct World {
    pub app: TestApp,
    pub people: Vec<Person>,
    pub ours: Study,
    pub theirs: Study,
    /// An account for the admin's pages to act on.
    pub target_user: i64,
}

impl World {
    pub async fn new() -> World {
        let app = TestApp::spawn().await;
        app.setup_admin(Who::Admin.email()).await;
        let mut ids = std::collections::HashMap::new();
        for who in Who::ALL.into_iter().filter(|w| !matches!(w, Who::Anonymous | Who::Admin)) {
            ids.insert(who, app.add_user(who.email(), who.role()));
        }
        ids.insert(Who::Admin, app.query_i64("SELECT id FROM users WHERE role = 'admin'"));
        let target_user = app.add_user("target@example.org", Role::Coder);
        let ours = study(
            &app,
            "our-study",
            ids[&Who::MemberResearcher],
            ids[&Who::MemberCoder],
            &[ids[&Who::MemberCoder], ids[&Who::MemberResearcher], ids[&Who::Admin]],
        );
        let theirs = study(
            &app,
            "their-study",
            ids[&Who::StrangerResearcher],
            ids[&Who::StrangerCoder],
            &[ids[&Who::StrangerCoder], ids[&Who::StrangerResearcher]],
        );
        let mut people = Vec::new();
        for who in Who::ALL {
            let person = Person { who, id: ids.get(&who).copied().unwrap_or(0), client: app.other_client() };
            person.sign_in().await;
            people.push(person);
        }
        World { app, people, ours, theirs, target_user }
    }

    pub fn person(&self, who: Who) -> &Person {
        self.people.iter().find(|p| p.who == who).expect("everyone is there")
    }
}

/// A study: the shipped questionnaire under `slug`, open, created by `researcher`, with `coder` as
/// its coder, the shipped codebook, a response to code (given to each of `assignees`), one in the
/// trash, a participant who began, a passage, a mailing, and a spare member.
fn study(app: &TestApp, slug: &str, researcher: i64, coder: i64, assignees: &[i64]) -> Study {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let toml = SHIPPED.replace("slug = \"open-llm-governance\"", &format!("slug = \"{slug}\""));
    let (survey, _) = fieldwork::survey::import_toml(&conn, &toml, Some(researcher)).unwrap();
    set_status(app, survey, Status::Open);
    member_store::upsert(&conn, survey, coder, MemberRole::Coder, None).unwrap();
    let spare_member = app.add_user(&format!("spare@{slug}.example.org"), Role::Coder);
    member_store::upsert(&conn, survey, spare_member, MemberRole::Coder, None).unwrap();
    let codebook = import_codebook(app, survey, researcher);
    fieldwork::codebook::store::set_modes(&conn, codebook, true, true).unwrap();

    let response = add_response(app, survey, "complete", &[(WHY, "", &format!("An answer of {slug} to code"))]);
    let trashed = add_response(app, survey, "complete", &[(WHY, "", &format!("A deleted answer of {slug}"))]);
    // Deleted now: older than the trash period, the trash page would purge it.
    conn.execute("UPDATE responses SET deleted_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1", [trashed])
        .unwrap();
    let (participant, _) =
        crate::distribution::add_participant(app, survey, &format!("participant@{slug}.example.org"), &[]);
    conn.execute("UPDATE participants SET started_at = '2026-01-01' WHERE id = ?1", [participant]).unwrap();

    conn.execute(
        "INSERT INTO assignment_runs (codebook_id, coders, double_share, coders_per_double, seed, created_at) \
         VALUES (?1, '[]', 1.0, 2, 1, '2026-01-01T00:00:00Z')",
        [codebook],
    )
    .unwrap();
    let run = conn.last_insert_rowid();
    for assignee in assignees {
        conn.execute(
            "INSERT INTO assignments (codebook_id, response_id, question, coder_id, run_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![codebook, response, WHY, assignee, run],
        )
        .unwrap();
    }
    let by = Coder { codebook_id: codebook, codebook_version: 1, coder_id: coder, layer: "coder" };
    apply_span(&conn, by, UnitRef { response_id: response, question: WHY }, "MOT_ACCESS", 0, 4).unwrap();
    let passage = conn
        .query_row("SELECT id FROM codings WHERE codebook_id = ?1 AND span_start IS NOT NULL", [codebook], |r| r.get(0))
        .unwrap();
    conn.execute(
        "INSERT INTO mailings (survey_id, kind, created_at) VALUES (?1, 'invitation', '2026-01-01T00:00:00Z')",
        [survey],
    )
    .unwrap();
    let mailing = conn.last_insert_rowid();
    Study { survey, slug: slug.to_string(), codebook, response, trashed, participant, passage, mailing, spare_member }
}

/// What a route parameter names, told by its name and the path segment before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Slug,
    Codebook,
    Account,
    Member,
    Participant,
    Response,
    Passage,
    Mailing,
    Page,
    Question,
    Action,
    CodeKey,
    MailKind,
    Language,
    AnalysisFile,
    ExportFile,
    PageIndex,
    Token,
    StaticFile,
}

impl Param {
    /// The parameter `{name}` that follows the segment `before`; a route with a parameter this
    /// test does not know fails here, so that whoever adds it says what it names.
    pub fn of(before: &str, name: &str) -> Param {
        match (before, name) {
            (_, "slug") => Param::Slug,
            ("codebooks", "id") => Param::Codebook,
            ("users", "id") => Param::Account,
            ("members", "user_id") => Param::Member,
            ("participants", "id") => Param::Participant,
            ("responses", "id") | (_, "response_id") => Param::Response,
            ("span", "coding_id") => Param::Passage,
            ("mail", "mailing") => Param::Mailing,
            ("pages", "code") => Param::Page,
            ("questions", "code") | (_, "question") => Param::Question,
            (_, "action") => Param::Action,
            ("codes", "key") => Param::CodeKey,
            ("templates", "kind") => Param::MailKind,
            (_, "language") => Param::Language,
            ("analysis", "file") => Param::AnalysisFile,
            ("export", "file") => Param::ExportFile,
            ("p", "index") => Param::PageIndex,
            ("resume", "token") => Param::Token,
            ("static", "*path") => Param::StaticFile,
            _ => panic!("a route parameter the access tests do not know: {{{name}}} after {before}/"),
        }
    }

    /// Whether it names a row of one survey (as opposed to the survey itself, or a name).
    pub fn is_nested_id(self) -> bool {
        matches!(self, Param::Member | Param::Participant | Param::Response | Param::Passage | Param::Mailing)
    }

    /// Its value in `study`.
    fn value(self, world: &World, study: &Study) -> String {
        let page = fieldwork::survey::file::from_toml(SHIPPED).unwrap().definition.pages[0].code.clone();
        match self {
            Param::Slug => study.slug.clone(),
            Param::Codebook => study.codebook.to_string(),
            Param::Account => world.target_user.to_string(),
            Param::Member => study.spare_member.to_string(),
            Param::Participant => study.participant.to_string(),
            Param::Response => study.response.to_string(),
            Param::Passage => study.passage.to_string(),
            Param::Mailing => study.mailing.to_string(),
            Param::Page => page,
            Param::Question => WHY.to_string(),
            Param::Action => "move".into(),
            Param::CodeKey => "MOT_ACCESS".into(),
            Param::MailKind => "invitation".into(),
            Param::Language => "en".into(),
            Param::AnalysisFile => "tallies.svg".into(),
            Param::ExportFile => "responses.csv".into(),
            Param::PageIndex => "0".into(),
            Param::Token => "A".repeat(43),
            Param::StaticFile => "app.css".into(),
        }
    }
}

/// The parameters of a route pattern, in order.
pub fn params(pattern: &str) -> Vec<Param> {
    let segments: Vec<&str> = pattern.split('/').collect();
    segments
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.strip_prefix('{')?.strip_suffix('}').map(|name| (i, name)))
        .map(|(i, name)| Param::of(segments[i - 1], name))
        .collect()
}

/// `pattern` with every parameter filled from our study, except `foreign`, taken from theirs.
pub fn fill(world: &World, pattern: &str, foreign: Option<Param>) -> String {
    let kinds = params(pattern);
    let mut kinds = kinds.into_iter();
    pattern
        .split('/')
        .map(|segment| {
            if !segment.starts_with('{') {
                return segment.to_string();
            }
            let param = kinds.next().expect("one parameter per braced segment");
            let study = if Some(param) == foreign { &world.theirs } else { &world.ours };
            param.value(world, study)
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The fields every POST of the matrix sends: enough for most forms to do something, nothing that
/// deletes without a confirmation.
pub fn form(study: &Study, token: &str) -> Vec<(String, String)> {
    [
        ("csrf_token", token.to_string()),
        ("status", "closed".into()),
        ("blind", "on".into()),
        ("reconciliation_open", "on".into()),
        ("kind", "invitation".into()),
        ("type", "short_text".into()),
        // Ticked on the coding form, so that saving it keeps the passage the matrix deletes later.
        ("code", "MOT_ACCESS".into()),
        ("id", study.trashed.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}
