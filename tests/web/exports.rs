//! The CSV exports: the wide responses file, its data dictionary, the codings (long and as a 0/1
//! matrix per layer) and the analysis tables, through the web and `fieldwork export`. Cells parse
//! back exactly (with the csv crate and Python), formula-looking answers are neutralised unless
//! asked otherwise, the column set follows the questionnaire, and big exports stream.

use fieldwork::accounts::Role;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::survey::members::MemberRole;
use fieldwork::survey::model::{QuestionType, SurveyDefinition};
use reqwest::StatusCode;

use crate::helpers::unescape;
use crate::helpers::{PASSWORD, TestApp};

const SURVEY: &str = r#"
format = 1
slug = "exp"
default_language = "en"
languages = ["en", "es"]
title = { en = "Exports", es = "Exportaciones" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "INTRO"
type = "display"
text = { en = "Welcome" }
[[pages.questions]]
code = "NAME"
type = "short_text"
text = { en = "Name?" }
[[pages.questions]]
code = "ROLE"
type = "single_choice"
other = true
text = { en = "Role?", es = "¿Función?" }
choices = [
  { code = "lead", label = { en = "Lead, \"chief\"", es = "Jefe" } },
  { code = "dev", label = { en = "Developer", es = "Desarrollador" } },
]
[[pages.questions]]
code = "LANGS"
type = "multiple_choice"
other = true
text = { en = "Languages?" }
choices = [
  { code = "english", label = { en = "English" } },
  { code = "chinese", label = { en = "Chinese" } },
  { code = "open_access", label = { en = "Open access" } },
]
[[pages.questions]]
code = "AGE"
type = "number"
text = { en = "Age?" }
[[pages.questions]]
code = "WHEN"
type = "date"
text = { en = "When?" }
[[pages]]
code = "p2"
[[pages.questions]]
code = "IMP"
type = "matrix"
text = { en = "How important?" }
rows = [{ code = "r1", label = { en = "Row one" } }, { code = "r2", label = { en = "Row two" } }]
choices = [{ code = "i1", label = { en = "Low", es = "Bajo" } }, { code = "i2", label = { en = "High", es = "Alto" } }]
[[pages.questions]]
code = "RANK"
type = "ranking"
text = { en = "Rank these" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }, { code = "c", label = { en = "C" } }]
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?" }
"#;

const CODEBOOK: &str = r#"
format = 1
name = "Export codes"
[[codes]]
id = "MOT"
kind = "category"
name = "Motivations"
[[codes]]
id = "ACCESS"
parent = "MOT"
name = "Access"
[[codes]]
id = "SCIENCE"
parent = "MOT"
name = "Science"
[[codes]]
id = "CAREER"
name = "Career"
"#;

const NAME_1: &str = "Smith, \"Jo\"\nline two 🙂";
const WHY_1: &str = "Open access, for science 🙂";

/// The header of the wide file for `SURVEY`.
const COLUMNS: [&str; 29] = [
    "response_id",
    "status",
    "survey_version",
    "language",
    "started_at",
    "submitted_at",
    "duration_s",
    "consent_version",
    "consent_at",
    "device",
    "last_page",
    "time_p1",
    "time_p2",
    "NAME",
    "ROLE",
    "ROLE/other",
    "LANGS",
    "LANGS/english",
    "LANGS/chinese",
    "LANGS/open_access",
    "LANGS/other",
    "AGE",
    "WHEN",
    "IMP/r1",
    "IMP/r2",
    "RANK/a",
    "RANK/b",
    "RANK/c",
    "WHY",
];

struct Arranged {
    codebook: i64,
    responses: Vec<i64>,
    coders: [i64; 2],
}

/// The `n`th response, started on day `n % 9 + 1` of March 2026.
fn insert_response(conn: &rusqlite::Connection, survey: i64, n: usize, status: &str, language: &str) -> i64 {
    let day = n % 9 + 1;
    let submitted = (status == "complete").then(|| format!("2026-03-0{day}T10:05:00Z"));
    conn.execute(
        "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, submitted_at, duration_s, updated_at) \
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?5)",
        rusqlite::params![
            survey,
            (n as u64).to_le_bytes().repeat(4),
            status,
            language,
            format!("2026-03-0{day}T10:00:00Z"),
            submitted,
            submitted.as_ref().map(|_| 300),
        ],
    )
    .unwrap();
    conn.last_insert_rowid()
}

fn answer(conn: &rusqlite::Connection, response: i64, question: &str, item: &str, value: &str) {
    conn.execute(
        "INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![response, question, item, value],
    )
    .unwrap();
}

/// r1 (en) answers everything, with commas, quotes, a newline, an emoji and formula-looking
/// values; r2 (es) picks Other in ROLE and only types under Other in LANGS; r3 is partial; r4
/// answered nothing. WHY is coded: r1 by Ann (whole ACCESS with a passage, a passage of SCIENCE)
/// and Bob (CAREER), reconciled to ACCESS; r2 by both as CAREER; the partial r3 by Ann as ACCESS.
fn arrange(app: &TestApp) -> Arranged {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).unwrap();
    let codebook = fieldwork::codebook::import(&conn, survey, &file, "test", None).unwrap();
    let coders = [app.add_user("ann@example.org", Role::Coder), app.add_user("bob@example.org", Role::Coder)];
    app.add_member(survey, "ann@example.org", MemberRole::Coder);
    app.add_member(survey, "bob@example.org", MemberRole::Coder);

    let r1 = insert_response(&conn, survey, 0, "complete", "en");
    for (q, item, value) in [
        ("NAME", "", NAME_1),
        ("ROLE", "", "lead"),
        ("LANGS", "english", "1"),
        ("LANGS", "open_access", "1"),
        ("AGE", "", "-2"),
        ("WHEN", "", "2026-01-02"),
        ("IMP", "r1", "i2"),
        ("IMP", "r2", "i1"),
        ("RANK", "a", "2"),
        ("RANK", "b", "1"),
        ("RANK", "c", "3"),
        ("WHY", "", WHY_1),
    ] {
        answer(&conn, r1, q, item, value);
    }
    let r2 = insert_response(&conn, survey, 1, "complete", "es");
    for (q, item, value) in [
        ("NAME", "", "@cmd"),
        ("ROLE", "", "other"),
        ("ROLE", "other", "+3"),
        ("LANGS", "other", "Basque, mostly"),
        ("WHY", "", "=1+1"),
    ] {
        answer(&conn, r2, q, item, value);
    }
    let r3 = insert_response(&conn, survey, 2, "partial", "en");
    answer(&conn, r3, "WHY", "", "partial answer");
    let r4 = insert_response(&conn, survey, 3, "complete", "en");

    let by = |coder: i64, layer| Coder { codebook_id: codebook, codebook_version: 1, coder_id: coder, layer };
    let why = |response_id| UnitRef { response_id, question: "WHY" };
    let [ann, bob] = coders;
    store::apply_whole(&conn, by(ann, "coder"), why(r1), "ACCESS").unwrap();
    store::apply_span(&conn, by(ann, "coder"), why(r1), "ACCESS", 25, 26).unwrap();
    store::apply_span(&conn, by(ann, "coder"), why(r1), "SCIENCE", 17, 24).unwrap();
    store::apply_whole(&conn, by(bob, "coder"), why(r1), "CAREER").unwrap();
    store::apply_whole(&conn, by(ann, "coder"), why(r2), "CAREER").unwrap();
    store::apply_whole(&conn, by(bob, "coder"), why(r2), "CAREER").unwrap();
    store::apply_whole(&conn, by(ann, "coder"), why(r3), "ACCESS").unwrap();
    for (coder, response) in [(ann, r1), (bob, r1), (ann, r2), (bob, r2), (ann, r3)] {
        store::set_done(&conn, codebook, why(response), coder, true).unwrap();
    }
    store::add_memo(&conn, codebook, "answer", Some(why(r1)), None, ann, "memo one").unwrap();
    store::add_memo(&conn, codebook, "answer", Some(why(r1)), None, ann, "memo two").unwrap();
    store::add_memo(&conn, codebook, "answer", Some(why(r1)), None, bob, "=bob's memo").unwrap();
    store::reconcile(&conn, by(ann, "consensus"), why(r1), &["ACCESS".into()], "agreed").unwrap();
    Arranged { codebook, responses: vec![r1, r2, r3, r4], coders }
}

/// Signs in rae, a researcher of the survey `exp`.
async fn researcher(app: &TestApp) {
    app.add_user("rae@example.org", Role::Researcher);
    let survey = crate::surveys::stored(app, "exp").id;
    app.add_member(survey, "rae@example.org", MemberRole::Researcher);
    app.login("rae@example.org", PASSWORD).await;
}

fn parse_csv(body: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The same file read by Python's csv module.
fn parse_with_python(app: &TestApp, body: &[u8]) -> Vec<Vec<String>> {
    let path = app.dir.path().join("python.csv");
    std::fs::write(&path, body).unwrap();
    let python = std::env::var("FIELDWORK_PYTHON").unwrap_or_else(|_| "python3".into());
    let script =
        "import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))))";
    let output = std::process::Command::new(python).args(["-c", script, path.to_str().unwrap()]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    response.bytes().await.unwrap().to_vec()
}

/// Runs `fieldwork export` on the app's database.
pub(crate) fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .arg("export")
        .args(args)
        .env("FIELDWORK_LOG", "warn")
        .output()
        .unwrap()
}

fn row(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[tokio::test]
async fn the_responses_file_parses_back_to_exactly_the_answers_with_formulas_neutralised() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let (r1, r2, r4) = (a.responses[0].to_string(), a.responses[1].to_string(), a.responses[3].to_string());

    let body = download(&app, "/surveys/exp/export/responses.csv").await;
    let rows = parse_csv(&body);
    assert_eq!(rows[0], COLUMNS);
    assert_eq!(rows.len(), 4, "header and the three complete responses: {rows:?}");
    #[rustfmt::skip]
    let expected = [
        row(&[&r1, "complete", "1", "en", "2026-03-01T10:00:00Z", "2026-03-01T10:05:00Z", "300", "", "", "", "p1", "", "", NAME_1, "lead", "", "english open_access", "1", "0", "1", "", "'-2", "2026-01-02", "i2", "i1", "2", "1", "3", WHY_1]),
        row(&[&r2, "complete", "1", "es", "2026-03-02T10:00:00Z", "2026-03-02T10:05:00Z", "300", "", "", "", "p1", "", "", "'@cmd", "other", "'+3", "other", "0", "0", "0", "Basque, mostly", "", "", "", "", "", "", "", "'=1+1"]),
        row(&[&r4, "complete", "1", "en", "2026-03-04T10:00:00Z", "2026-03-04T10:05:00Z", "300", "", "", "", "p1", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""]),
    ];
    assert_eq!(rows[1..], expected);
    assert_eq!(parse_with_python(&app, &body), rows, "Python reads the same cells");

    // Without protection the values are exactly as stored.
    let raw = parse_csv(&download(&app, "/surveys/exp/export/responses.csv?no_formula_protection=1").await);
    // (The answers' columns come after the response's 7 columns and its 6 of paradata.)
    assert_eq!((raw[1][21].as_str(), raw[1][28].as_str()), ("-2", WHY_1));
    assert_eq!((raw[2][13].as_str(), raw[2][15].as_str(), raw[2][28].as_str()), ("@cmd", "+3", "=1+1"));

    // Labels in Spanish for single choices and matrix cells; multiple choices stay codes.
    let labelled = parse_csv(&download(&app, "/surveys/exp/export/responses.csv?labels=es&include_partial=on").await);
    assert_eq!(labelled.len(), 5, "the partial response is included");
    assert_eq!(labelled[1][14..17], ["Jefe", "", "english open_access"]);
    assert_eq!(labelled[1][23..25], ["Alto", "Bajo"]);
    assert_eq!(labelled[2][14], "Otro (especifique)");
    assert_eq!(labelled[3][1], "partial");
    assert_eq!(labelled[3][28], "partial answer");

    // A byte-order mark only when asked for.
    let bom = download(&app, "/surveys/exp/export/responses.csv?bom=1").await;
    assert!(bom.starts_with("\u{feff}response_id,".as_bytes()));
    assert!(!body.starts_with("\u{feff}".as_bytes()));
    assert_eq!(parse_csv(&bom[3..]), rows);
    assert_eq!(parse_with_python(&app, &bom), rows, "Python with utf-8-sig drops the mark");
}

#[tokio::test]
async fn the_dictionary_describes_every_column_of_the_responses_file_in_a_language() {
    let app = TestApp::spawn().await;
    arrange(&app);
    researcher(&app).await;
    let body = download(&app, "/surveys/exp/export/codebook-dictionary.csv").await;
    let rows = parse_csv(&body);
    assert_eq!(
        rows[0],
        [
            "column",
            "question",
            "question_text",
            "item",
            "item_label",
            "type",
            "choices",
            "spss",
            "stata",
            "r",
            "values",
            "missing"
        ]
    );
    let columns: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).take(COLUMNS.len()).collect();
    assert_eq!(columns, COLUMNS, "one row per column, in the same order");
    assert!(rows[1 + COLUMNS.len()..].iter().all(|r| r[5] == "coded"), "then the coded variables");
    // The mapping to the statistics packages: names and the numbers codes are written as.
    let mapping = |rows: &[Vec<String>], column: &str| rows.iter().find(|r| r[0] == column).unwrap()[7..11].to_vec();
    assert_eq!(mapping(&rows, "ROLE"), ["ROLE", "ROLE", "ROLE", "1=lead; 2=dev; 3=other"]);
    assert_eq!(mapping(&rows, "LANGS/open_access")[..3], ["LANGS_open_access"; 3]);
    assert_eq!(mapping(&rows, "started_at"), ["", "", "", ""], "not in the statistics files");
    // The row's description and its `missing` cell (the mapping is checked above).
    let find = |rows: &[Vec<String>], column: &str| {
        let found = rows.iter().find(|r| r[0] == column).unwrap();
        found[..7].iter().chain(found.last()).cloned().collect::<Vec<_>>()
    };
    assert_eq!(
        find(&rows, "ROLE"),
        row(&[
            "ROLE",
            "ROLE",
            "Role?",
            "",
            "",
            "single_choice",
            "lead=Lead, \"chief\"; dev=Developer; other=Other (please specify)",
            ""
        ])
    );
    assert_eq!(
        find(&rows, "LANGS/open_access"),
        row(&[
            "LANGS/open_access",
            "LANGS",
            "Languages?",
            "open_access",
            "Open access",
            "selected",
            "0=not selected; 1=selected",
            ""
        ])
    );
    assert_eq!(
        find(&rows, "IMP/r2"),
        row(&["IMP/r2", "IMP", "How important?", "r2", "Row two", "matrix_row", "i1=Low; i2=High", ""])
    );
    assert_eq!(find(&rows, "RANK/b")[5..7], ["rank", "1=first"]);
    assert_eq!(find(&rows, "AGE")[5], "number (integer)");
    assert_eq!(find(&rows, "language")[6], "en=en; es=es");
    assert_eq!(parse_with_python(&app, &body), rows);

    let spanish = parse_csv(&download(&app, "/surveys/exp/export/codebook-dictionary.csv?labels=es").await);
    assert_eq!(
        find(&spanish, "ROLE")[2..7],
        ["¿Función?", "", "", "single_choice", "lead=Jefe; dev=Desarrollador; other=Otro (especifique)"]
    );
    assert_eq!(find(&spanish, "NAME")[2], "Name?", "a missing translation falls back to the default language");
}

/// The columns the wide file must have, from the definition by the documented rules.
fn expected_columns(definition: &SurveyDefinition) -> Vec<String> {
    let mut columns: Vec<String> =
        ["response_id", "status", "survey_version", "language", "started_at", "submitted_at", "duration_s"]
            .map(String::from)
            .to_vec();
    // Paradata: consent; the device (not in anonymous surveys); the furthest page; the time on
    // each page (not in anonymous surveys); the order of each randomised page and question.
    columns.extend(["consent_version", "consent_at"].map(String::from));
    if !definition.anonymous {
        columns.push("device".into());
    }
    columns.push("last_page".into());
    if !definition.anonymous {
        columns.extend(definition.pages.iter().map(|p| format!("time_{}", p.code)));
    }
    for page in &definition.pages {
        if page.randomize {
            columns.push(format!("order_{}", page.code));
        }
        columns.extend(page.questions.iter().filter(|q| q.randomize).map(|q| format!("order_{}", q.code)));
    }
    for (_, q) in definition.questions() {
        let code = &q.code;
        match q.kind {
            QuestionType::Display => continue,
            QuestionType::Matrix => columns.extend(q.rows.iter().map(|r| format!("{code}/{}", r.code))),
            QuestionType::Ranking => columns.extend(q.choices.iter().map(|c| format!("{code}/{}", c.code))),
            QuestionType::MultipleChoice => {
                columns.push(code.clone());
                columns.extend(q.choices.iter().map(|c| format!("{code}/{}", c.code)));
            }
            _ => columns.push(code.clone()),
        }
        if q.other {
            columns.push(format!("{code}/other"));
        }
    }
    columns
}

#[tokio::test]
async fn the_shipped_questionnaire_gives_exactly_the_expected_columns() {
    let app = TestApp::spawn().await;
    let text = include_str!("../../questionnaires/open-llm-governance.toml");
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    fieldwork::survey::import_toml(&conn, text, None).unwrap();
    let definition = fieldwork::survey::file::from_toml(text).unwrap().definition;

    let output = cli(&app, &["--survey", "open-llm-governance", "--what", "responses"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows = parse_csv(&output.stdout);
    assert_eq!(rows.len(), 1, "no responses yet: the header only");
    assert_eq!(rows[0], expected_columns(&definition));
    for name in [
        "LANGS",
        "LANGS/english",
        "MOTIV_IMP/democratise",
        "MOTIV_IMP/technology",
        "ROLE/other",
        "LANGS/other",
        "OPEN_WHY",
    ] {
        assert!(rows[0].iter().any(|c| c == name), "{name} in {:?}", rows[0]);
    }
    assert!(!rows[0].iter().any(|c| c.starts_with("INTRO_")), "display questions have no column");
    let unique: std::collections::BTreeSet<_> = rows[0].iter().collect();
    assert_eq!(unique.len(), rows[0].len(), "column names are unique");

    let dictionary =
        parse_csv(&cli(&app, &["--survey", "open-llm-governance", "--what", "codebook-dictionary"]).stdout);
    assert_eq!(dictionary[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>(), rows[0]);
}

#[tokio::test]
async fn codings_list_every_applied_code_with_passages_memos_and_the_consensus() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let (r1, r2, r3) = (a.responses[0].to_string(), a.responses[1].to_string(), a.responses[2].to_string());
    let body = download(&app, &format!("/surveys/exp/export/codings.csv?codebook={}", a.codebook)).await;
    let rows = parse_csv(&body);
    assert_eq!(
        rows[0],
        [
            "response_id",
            "question",
            "coder",
            "layer",
            "code",
            "code_path",
            "codebook_version",
            "span_start",
            "span_end",
            "span_text",
            "answer_text",
            "memo",
            "unit",
            "done",
            "source"
        ]
    );
    let (ann, bob, memos) = ("ann@example.org", "bob@example.org", "memo one\n\nmemo two");
    let (u1, u2) = (format!("{r1}:WHY"), format!("{r2}:WHY"));
    #[rustfmt::skip]
    let expected = [
        row(&[&r1, "WHY", ann, "coder", "ACCESS", "Motivations / Access", "1", "", "", "", WHY_1, memos, &u1, "1", ""]),
        row(&[&r1, "WHY", ann, "coder", "ACCESS", "Motivations / Access", "1", "25", "26", "🙂", WHY_1, memos, &u1, "1", ""]),
        row(&[&r1, "WHY", ann, "coder", "SCIENCE", "Motivations / Science", "1", "", "", "", WHY_1, memos, &u1, "1", ""]),
        row(&[&r1, "WHY", ann, "coder", "SCIENCE", "Motivations / Science", "1", "17", "24", "science", WHY_1, memos, &u1, "1", ""]),
        row(&[&r1, "WHY", bob, "coder", "CAREER", "Career", "1", "", "", "", WHY_1, "'=bob's memo", &u1, "1", ""]),
        row(&[&r1, "WHY", ann, "consensus", "ACCESS", "Motivations / Access", "1", "", "", "", WHY_1, memos, &u1, "", ""]),
        row(&[&r2, "WHY", ann, "coder", "CAREER", "Career", "1", "", "", "", "'=1+1", "", &u2, "1", ""]),
        row(&[&r2, "WHY", bob, "coder", "CAREER", "Career", "1", "", "", "", "'=1+1", "", &u2, "1", ""]),
    ];
    assert_eq!(rows[1..], expected);
    assert_eq!(parse_with_python(&app, &body), rows);

    let with_partial = parse_csv(
        &download(&app, &format!("/surveys/exp/export/codings.csv?codebook={}&include_partial=1", a.codebook)).await,
    );
    assert_eq!(with_partial.len(), rows.len() + 1);
    assert_eq!(with_partial.last().unwrap()[..5], [r3.as_str(), "WHY", ann, "coder", "ACCESS"]);
}

#[tokio::test]
async fn the_code_matrix_follows_the_chosen_layer() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let (r1, r2, r3) = (a.responses[0].to_string(), a.responses[1].to_string(), a.responses[2].to_string());
    let matrix = |layer: String| {
        let app = &app;
        let path = format!("/surveys/exp/export/code-matrix.csv?codebook={}&layer={layer}", a.codebook);
        async move { parse_csv(&download(app, &path).await) }
    };
    let header = row(&["response_id", "question", "ACCESS", "SCIENCE", "CAREER"]);
    let cases = [
        ("default", vec![row(&[&r1, "WHY", "1", "0", "0"]), row(&[&r2, "WHY", "0", "0", "1"])]),
        ("union", vec![row(&[&r1, "WHY", "1", "1", "1"]), row(&[&r2, "WHY", "0", "0", "1"])]),
        ("intersection", vec![row(&[&r1, "WHY", "0", "0", "0"]), row(&[&r2, "WHY", "0", "0", "1"])]),
        ("consensus", vec![row(&[&r1, "WHY", "1", "0", "0"])]),
        (&format!("coder:{}", a.coders[1]), vec![row(&[&r1, "WHY", "0", "0", "1"]), row(&[&r2, "WHY", "0", "0", "1"])]),
        (&format!("coder:{}", a.coders[0]), vec![row(&[&r1, "WHY", "1", "1", "0"]), row(&[&r2, "WHY", "0", "0", "1"])]),
    ];
    for (layer, expected) in cases {
        let rows = matrix(layer.to_string()).await;
        assert_eq!(rows[0], header, "{layer}");
        assert_eq!(rows[1..], expected, "{layer}");
    }
    let partial = parse_csv(
        &download(
            &app,
            &format!("/surveys/exp/export/code-matrix.csv?codebook={}&layer=union&include_partial=1", a.codebook),
        )
        .await,
    );
    assert_eq!(partial.last().unwrap(), &row(&[&r3, "WHY", "1", "0", "0"]));
}

#[tokio::test]
async fn web_downloads_equal_the_command_line_for_the_same_options_and_are_audited() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let book = a.codebook.to_string();
    let ann = format!("coder:{}", a.coders[0]);
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("responses", String::new(), vec![]),
        (
            "responses",
            "labels=es&no_formula_protection=1&include_partial=1".into(),
            vec!["--labels", "es", "--no-formula-protection", "--include-partial"],
        ),
        ("codebook-dictionary", "labels=es&bom=1".into(), vec!["--labels", "es", "--bom"]),
        ("codings", format!("codebook={book}&question=WHY"), vec!["--codebook", &book, "--question", "WHY"]),
        ("code-matrix", format!("codebook={book}&layer={ann}"), vec!["--codebook", &book, "--layer", &ann]),
        ("tallies", format!("codebook={book}&layer=union"), vec!["--codebook", &book, "--layer", "union"]),
        ("crosstab", format!("codebook={book}&by=ROLE"), vec!["--codebook", &book, "--by", "ROLE"]),
        (
            "crosstab",
            format!("codebook={book}&by=language&include_partial=1"),
            vec!["--codebook", &book, "--by", "language", "--include-partial"],
        ),
        ("cooccurrence", format!("codebook={book}"), vec!["--codebook", &book]),
        ("closed", "bom=1".into(), vec!["--bom"]),
    ];
    for (what, query, flags) in &cases {
        let web = download(&app, &format!("/surveys/exp/export/{what}.csv?{query}")).await;
        let mut args = vec!["--survey", "exp", "--what", what];
        args.extend(flags);
        let output = cli(&app, &args);
        assert!(output.status.success(), "{what}: {}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&web), String::from_utf8_lossy(&output.stdout), "{what}?{query}");
        assert!(parse_csv(&web).len() > 1, "{what} has rows");
    }
    // --out writes the same bytes to a file.
    let out = app.dir.path().join("codings.csv");
    let output = cli(&app, &["--survey", "exp", "--what", "codings", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read(&out).unwrap(), download(&app, "/surveys/exp/export/codings.csv").await);

    let audited =
        app.query_i64("SELECT count(*) FROM audit_log WHERE action = 'responses.export' AND actor = 'rae@example.org'");
    assert!(audited >= cases.len() as i64, "{audited}");
    let from_cli = app.query_i64(
        "SELECT count(*) FROM audit_log WHERE action = 'responses.export' AND details LIKE '%command line%'",
    );
    assert_eq!(from_cli, cases.len() as i64 + 1);
}
#[tokio::test]
async fn exports_are_for_researchers_and_bad_requests_get_a_clear_answer() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    app.login("ann@example.org", PASSWORD).await;
    assert_eq!(app.get("/surveys/exp/export/responses.csv").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/surveys/exp/export").await.status(), StatusCode::FORBIDDEN);
    app.logout().await;
    assert_eq!(app.get("/surveys/exp/export/responses.csv").await.status(), StatusCode::SEE_OTHER, "to the login page");

    researcher(&app).await;
    for path in [
        "/surveys/exp/export/nope.csv",
        "/surveys/exp/export/responses.txt",
        "/surveys/nope/export/responses.csv",
        "/surveys/nope/export",
    ] {
        assert_eq!(app.get(path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let book = a.codebook;
    let cases = [
        (
            "code-matrix",
            "layer=bogus".to_string(),
            "layer: \"bogus\" is not one of default, union, intersection, consensus or coder:ID",
        ),
        ("responses", "layer=union".to_string(), "layer: does not apply to responses, which takes labels"),
        ("code-matrix", "layer=coder:x".into(), "is not one of default"),
        ("code-matrix", "layer=coder:9999".into(), "there is no account with the id 9999"),
        ("codings", "codebook=abc".into(), "codebook: must be a number, not \"abc\""),
        ("codings", "codebook=9999".into(), "survey exp has no codebook 9999"),
        ("responses", "labels=fr".into(), "the survey has no language"),
        ("codings", format!("codebook={book}&question=NOPE"), "the survey has no question NOPE"),
        ("tallies", format!("codebook={book}&question=ROLE"), "ROLE is not an open (text) question"),
        ("crosstab", format!("codebook={book}&by=WHY"), "WHY is not a single or multiple choice question"),
        ("crosstab", format!("codebook={book}"), "by: crosstab needs it"),
        ("responses", "bom=maybe".into(), "bom: is a yes/no option"),
        ("responses", "colour=red".into(), "there is no option"),
        ("responses", "bom=%FF%FE".into(), "bom: is a yes/no option"),
        ("responses", "per=answer".into(), "per: does not apply to responses"),
        ("codings", format!("codebook={book}&texts=files"), "texts: does not apply to codings"),
        ("responses", "question=WHY".into(), "question: does not apply to responses"),
        ("responses", "language=fr".into(), "language: the survey has no language \"fr\""),
        ("responses", "from=2026-02-30".into(), "from: \"2026-02-30\" is not a day written YYYY-MM-DD"),
        ("responses", "from=2026-03-02&to=2026-03-01".into(), "to: 2026-03-01 is before from"),
        ("responses", "answer=ROLE".into(), "answer: \"ROLE\": give QUESTION=CHOICE"),
        ("responses", "answer=ROLE=astronaut".into(), "answer: ROLE has no choice astronaut"),
        ("responses", "answer=WHY=x".into(), "answer: WHY is not a single or multiple choice question"),
        ("responses", "by=a&by=b".into(), "by: is given twice"),
    ];
    for (what, query, message) in cases {
        let (status, page) = app.get_page(&format!("/surveys/exp/export/{what}.csv?{query}")).await;
        let page = unescape(&page);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}?{query}: {page}");
        assert!(page.contains(message), "{what}?{query} should say {message:?}: {page}");
    }
    // The command line refuses the same options with the same message.
    let output = cli(&app, &["--survey", "exp", "--what", "crosstab", "--codebook", &book.to_string()]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--by: crosstab needs it"));
    let output = cli(&app, &["--survey", "nope", "--what", "responses"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no survey with the address \"nope\""));
}

#[tokio::test]
async fn a_refused_download_brings_the_export_page_back_with_the_message_at_its_field_and_the_options_kept() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let query = format!("codebook={}&by=WHY&language=es&include_partial=1", a.codebook);
    let (status, page) = app.get_page(&format!("/surveys/exp/export/crosstab.csv?{query}")).await;
    let page = unescape(&page);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = "by: WHY is not a single or multiple choice question";
    assert!(page.contains(&format!("<a href=\"#crosstab-by\">{message}")), "the summary links to the field: {page}");
    assert!(page.contains(&format!("id=\"crosstab-by-error\">{message}")), "the message at the field");
    let form =
        page.split("action=\"/surveys/exp/export/crosstab.csv\"").nth(1).unwrap().split("</form>").next().unwrap();
    assert!(form.contains("<option value=\"es\" selected>es</option>"), "the options as given: {form}");
    assert!(
        form.contains("id=\"crosstab-include_partial\" name=\"include_partial\" type=\"checkbox\" value=\"1\" checked")
    );
    let other =
        page.split("action=\"/surveys/exp/export/responses.csv\"").nth(1).unwrap().split("</form>").next().unwrap();
    assert!(!other.contains(" selected>es<") && !other.contains("aria-invalid"), "other files' forms as they were");
    // An option the file has no field for: the message at its form.
    let (status, page) = app.get_page("/surveys/exp/export/closed.csv?question=WHY").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(unescape(&page).contains("<a href=\"#closed-options\">question: does not apply to closed"), "{page}");
}

#[tokio::test]
async fn the_export_page_offers_every_file_with_its_options_and_the_overview_links_to_it() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let (status, page) = app.get_page("/surveys/exp/export").await;
    assert_eq!(status, StatusCode::OK);
    for what in
        ["responses", "codebook-dictionary", "codings", "code-matrix", "tallies", "crosstab", "cooccurrence", "closed"]
    {
        assert!(page.contains(&format!("action=\"/surveys/exp/export/{what}.csv\"")), "{what}");
    }
    assert!(page.contains("action=\"/surveys/exp/export/project.qdpx\""), "the REFI-QDA project");
    assert!(page.contains("name=\"per\"") && page.contains("value=\"respondent\""));
    assert!(page.contains("name=\"texts\"") && page.contains("value=\"inline\"") && page.contains("value=\"files\""));
    assert!(page.contains(&format!("value=\"coder:{}\"", a.coders[1])), "each coder's layer is offered");
    assert!(page.contains("name=\"no_formula_protection\"") && page.contains("name=\"bom\""));
    assert!(
        page.contains("id=\"responses-missing\" name=\"missing\"") && page.contains("-66 not shown"),
        "missing codes"
    );
    let (_, overview) = app.get_page("/surveys/exp").await;
    assert!(overview.contains("href=\"/surveys/exp/export\""));
}

#[tokio::test]
async fn a_large_export_streams_every_row() {
    let app = TestApp::spawn().await;
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    const N: usize = 3_000;
    let tx = conn.unchecked_transaction().unwrap();
    for n in 0..N {
        let id = insert_response(&tx, survey, n, "complete", "en");
        answer(&tx, id, "NAME", "", &format!("Respondent number {n}, who wrote a line long enough to fill chunks"));
        answer(&tx, id, "ROLE", "", "dev");
        answer(&tx, id, "LANGS", "chinese", "1");
    }
    tx.commit().unwrap();
    researcher(&app).await;

    let response = app.get("/surveys/exp/export/responses.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("content-length").is_none(), "{:?}", response.headers());
    assert_eq!(response.headers().get("transfer-encoding").map(|v| v.to_str().unwrap()), Some("chunked"));
    let body = response.bytes().await.unwrap();
    assert!(body.len() > 256 * 1024, "larger than the chunks in flight: {}", body.len());
    let rows = parse_csv(&body);
    assert_eq!(rows.len(), N + 1);
    let at = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let (name, langs, chinese) = (at("NAME"), at("LANGS"), at("LANGS/chinese"));
    assert_eq!(rows[N][name], format!("Respondent number {}, who wrote a line long enough to fill chunks", N - 1));
    assert!(rows[1..].iter().all(|r| r[langs] == "chinese" && r[chinese] == "1"));

    // Responses are read in id order without SQLite sorting them in memory.
    let params = fieldwork::export::store::responses_params(survey, &Default::default());
    let plan: Vec<String> = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", *fieldwork::export::store::RESPONSES))
        .unwrap()
        .query_map(&*params.named(), |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(plan.iter().all(|step| !step.contains("TEMP B-TREE")), "{plan:?}");
}
