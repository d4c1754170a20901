//! One stored answer reads the same wherever it is shown: a response with every question type,
//! given through the respondent pages, is compared on the responses page, in the wide export (as
//! codes and as labels), in the coding context and in the `.qdpx` case variables.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use fieldwork::accounts::Role;
use fieldwork::survey::store::{Status, set_status};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use reqwest::StatusCode;

use crate::coding::{RESEARCHER, import_codebook};
use crate::helpers::{PASSWORD, TestApp, unescape};
use crate::respondent::Respondent;

const SURVEY: &str = r#"
format = 1
slug = "every"
default_language = "en"
languages = ["en", "es"]
welcome_page = false
title = { en = "Every kind of answer", es = "Cada tipo de respuesta" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "INTRO"
type = "display"
text = { en = "About you", es = "Sobre usted" }
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why do you contribute?", es = "¿Por qué contribuye?" }
[[pages.questions]]
code = "HOW"
type = "short_text"
text = { en = "How did you start?", es = "¿Cómo empezó?" }
[[pages.questions]]
code = "ROLE"
type = "single_choice"
other = true
text = { en = "Your role", es = "Su papel" }
choices = [{ code = "dev", label = { en = "Developer", es = "Desarrolladora" } }, { code = "res", label = { en = "Researcher", es = "Investigadora" } }]
[[pages.questions]]
code = "REGION"
type = "single_choice"
display = "dropdown"
text = { en = "Region", es = "Región" }
choices = [{ code = "eu", label = { en = "Europe", es = "Europa" } }, { code = "as", label = { en = "Asia", es = "Asia" } }]
[[pages.questions]]
code = "USES"
type = "multiple_choice"
other = true
text = { en = "Uses", es = "Usos" }
choices = [{ code = "a", label = { en = "Alpha", es = "Alfa" } }, { code = "b", label = { en = "Beta", es = "Beta" } }, { code = "c", label = { en = "Gamma", es = "Gama" } }]
[[pages.questions]]
code = "RANK"
type = "ranking"
text = { en = "Rank these", es = "Ordene" }
choices = [{ code = "x", label = { en = "Ex", es = "Equis" } }, { code = "y", label = { en = "Why", es = "I griega" } }, { code = "z", label = { en = "Zed", es = "Zeta" } }]
[[pages.questions]]
code = "GRID"
type = "matrix"
text = { en = "Importance", es = "Importancia" }
rows = [{ code = "r1", label = { en = "Access", es = "Acceso" } }, { code = "r2", label = { en = "Science", es = "Ciencia" } }]
choices = [{ code = "lo", label = { en = "Low", es = "Baja" } }, { code = "hi", label = { en = "High", es = "Alta" } }]
[[pages.questions]]
code = "YEARS"
type = "number"
text = { en = "Years", es = "Años" }
[[pages.questions]]
code = "SHARE"
type = "number"
number_kind = "decimal"
text = { en = "Share of time", es = "Parte del tiempo" }
[[pages.questions]]
code = "SINCE"
type = "date"
text = { en = "Since", es = "Desde" }
"#;

/// The survey open, the shipped codebook on it, the researcher signed in, and one complete
/// response given through the respondent pages (in Spanish, which no reading below depends on).
async fn arrange() -> (TestApp, i64, i64) {
    let app = TestApp::spawn().await;
    let researcher = app.add_user(RESEARCHER, Role::Researcher);
    assert_eq!(app.login(RESEARCHER, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let (survey, _) = fieldwork::survey::import_toml(&conn, SURVEY, Some(researcher)).expect("a valid questionnaire");
    set_status(&conn, survey, Status::Open).expect("open the survey");
    let codebook = import_codebook(&app, survey, researcher);

    let respondent_app = app.other_client();
    let mut respondent = Respondent::new(&respondent_app, "every");
    assert_eq!(respondent.welcome("?lang=es").await.status, StatusCode::OK);
    let reply = respondent
        .submit(
            0,
            &[
                ("q.WHY", "Because\r\nit matters"),
                ("q.HOW", "by chance"),
                ("q.ROLE", "other"),
                ("q.ROLE.other", "Teacher"),
                ("q.REGION", "as"),
                ("q.USES", "c"),
                ("q.USES", "a"),
                ("q.USES", "other"),
                ("q.USES.other", "teaching"),
                ("q.RANK.z", "1"),
                ("q.RANK.x", "2"),
                ("q.RANK.y", "3"),
                ("q.GRID.r1", "hi"),
                ("q.GRID.r2", "lo"),
                ("q.YEARS", "12"),
                ("q.SHARE", "0,25"),
                ("q.SINCE", "2023-05-01"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.html);
    let response: i64 =
        conn.query_row("SELECT id FROM responses WHERE status = 'complete'", [], |r| r.get(0)).expect("one response");
    (app, codebook, response)
}

/// Each question's answer on one line, in the survey's default language: what people read.
const EXPECTED: [(&str, &str); 10] = [
    ("WHY", "Because\nit matters"),
    ("HOW", "by chance"),
    ("ROLE", "Other (please specify): Teacher"),
    ("REGION", "Asia"),
    ("USES", "Alpha; Gamma; Other (please specify): teaching"),
    ("RANK", "1. Zed; 2. Ex; 3. Why"),
    ("GRID", "Access: High; Science: Low"),
    ("YEARS", "12"),
    ("SHARE", "0.25"),
    ("SINCE", "2023-05-01"),
];

fn expected(code: &str) -> &'static str {
    EXPECTED.iter().find(|(c, _)| *c == code).map(|(_, line)| *line).expect("an expected line")
}

/// The `<dt>`/`<dd>` pairs of the first `<dl class="{class}">` of a page, each `<dd>`'s
/// paragraphs joined with "; " (the responses page shows one paragraph per part of an answer).
fn definitions(html: &str, class: &str) -> Vec<(String, String)> {
    let start = html.find(&format!("<dl class=\"{class}\"")).unwrap_or_else(|| panic!("no {class} list:\n{html}"));
    let list = &html[start..start + html[start..].find("</dl>").expect("the list ends")];
    let between = |text: &str, open: &str, close: &str| -> Vec<String> {
        text.split(open).skip(1).map(|part| part.split(close).next().unwrap_or("").to_string()).collect()
    };
    let terms = between(list, "<dt>", "</dt>");
    let details = between(list, "<dd>", "</dd>").into_iter().map(|dd| {
        // The text between tags: before the first, and after each tag's `>`.
        let pieces = dd.split('<').enumerate();
        let paragraphs: Vec<String> = pieces
            .filter_map(|(i, piece)| if i == 0 { Some(piece) } else { piece.split_once('>').map(|(_, text)| text) })
            .map(unescape)
            .collect();
        paragraphs.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("; ")
    });
    terms.into_iter().map(|t| unescape(&t)).zip(details).collect()
}

async fn csv(app: &TestApp, path: &str) -> BTreeMap<String, String> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let body = response.bytes().await.expect("body");
    let mut rows = csv::ReaderBuilder::new().has_headers(false).from_reader(&body[..]).into_records();
    let header = rows.next().expect("a header").expect("a record");
    let row = rows.next().expect("one response").expect("a record");
    header.iter().map(str::to_string).zip(row.iter().map(str::to_string)).collect()
}

/// The case variables of the project's first case, by variable name.
fn case_variables(qde: &str) -> BTreeMap<String, String> {
    let mut reader = quick_xml::Reader::from_str(qde);
    let (mut names, mut values) = (BTreeMap::new(), Vec::new());
    let (mut reference, mut text, mut in_value, mut cases) = (String::new(), String::new(), false, 0);
    let attribute = |e: &quick_xml::events::BytesStart, key: &str| {
        e.attributes().flatten().find(|a| a.key.0 == key).map(|a| a.value.to_string())
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.local_name().into_inner() {
                "Variable" => {
                    names.insert(attribute(&e, "guid").expect("guid"), attribute(&e, "name").expect("name"));
                }
                "Case" => cases += 1,
                "VariableRef" if cases == 1 => reference = attribute(&e, "targetGUID").expect("target"),
                "TextValue" | "IntegerValue" | "FloatValue" | "DateValue" if cases == 1 => {
                    (in_value, text) = (true, String::new());
                }
                _ => {}
            },
            Event::Text(t) if in_value => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_value => {
                let resolved = match r.resolve_char_ref().expect("a reference") {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&r).expect("a predefined entity").to_string(),
                };
                text.push_str(&resolved);
            }
            Event::End(e) if in_value && e.local_name().into_inner().ends_with("Value") => {
                in_value = false;
                values.push((reference.clone(), text.clone()));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    values.into_iter().map(|(guid, value)| (names[&guid].clone(), value)).collect()
}

async fn qdpx_variables(app: &TestApp, codebook: i64) -> BTreeMap<String, String> {
    let response = app.get(&format!("/surveys/every/export/project.qdpx?codebook={codebook}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("body");
    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes[..])).expect("a zip");
    let mut qde = String::new();
    archive.by_name("project.qde").expect("project.qde").read_to_string(&mut qde).expect("UTF-8");
    case_variables(&qde)
}

#[tokio::test]
async fn an_answer_reads_the_same_on_the_responses_page_in_the_exports_and_the_coding_context() {
    let (app, codebook, response) = arrange().await;

    // The responses page: every answered question, one paragraph per part of its answer.
    let (status, html) = app.get_page(&format!("/surveys/every/responses/{response}")).await;
    assert_eq!(status, StatusCode::OK);
    let shown: Vec<(String, String)> = definitions(&html, "answers")
        .into_iter()
        .map(|(term, detail)| (term.split_once('.').expect("CODE. text").0.to_string(), detail))
        .collect();
    let all: Vec<(String, String)> = EXPECTED.iter().map(|(c, l)| (c.to_string(), l.to_string())).collect();
    assert_eq!(shown, all, "the responses page");

    // The coding context: the closed answers beside the answer being coded, by question text.
    let (status, html) = app.get_page(&format!("/codebooks/{codebook}/code/{response}/WHY")).await;
    assert_eq!(status, StatusCode::OK);
    let context = definitions(&html, "context");
    let closed = ["ROLE", "REGION", "USES", "RANK", "GRID", "YEARS", "SHARE", "SINCE"];
    let texts = ["Your role", "Region", "Uses", "Rank these", "Importance", "Years", "Share of time", "Since"];
    let wanted: Vec<(String, String)> =
        texts.iter().zip(closed).map(|(text, code)| (text.to_string(), expected(code).to_string())).collect();
    assert_eq!(context, wanted, "the coding context");

    // The project's case variables: the same lines, a matrix row by row.
    let variables = qdpx_variables(&app, codebook).await;
    let mut wanted: BTreeMap<String, String> = ["ROLE", "REGION", "USES", "RANK", "YEARS", "SHARE", "SINCE"]
        .map(|c| (c.to_string(), expected(c).to_string()))
        .into();
    wanted.insert("GRID/r1".into(), "High".into());
    wanted.insert("GRID/r2".into(), "Low".into());
    assert_eq!(variables, wanted, "the .qdpx variables");

    // The wide file as codes: each part in its own column.
    let codes = csv(&app, "/surveys/every/export/responses.csv").await;
    let cells = |row: &BTreeMap<String, String>, columns: &[&str]| -> Vec<String> {
        columns.iter().map(|c| row.get(*c).unwrap_or_else(|| panic!("no column {c}")).clone()).collect()
    };
    let columns = [
        "WHY",
        "HOW",
        "ROLE",
        "ROLE/other",
        "REGION",
        "USES",
        "USES/a",
        "USES/b",
        "USES/c",
        "USES/other",
        "RANK/x",
        "RANK/y",
        "RANK/z",
        "GRID/r1",
        "GRID/r2",
        "YEARS",
        "SHARE",
        "SINCE",
    ];
    assert_eq!(
        cells(&codes, &columns),
        [
            "Because\nit matters",
            "by chance",
            "other",
            "Teacher",
            "as",
            "a c other",
            "1",
            "0",
            "1",
            "teaching",
            "2",
            "3",
            "1",
            "hi",
            "lo",
            "12",
            "0.25",
            "2023-05-01"
        ],
        "the wide file, codes"
    );
    // As labels: the choices named as on every other page, the parts in the same columns.
    let labels = csv(&app, "/surveys/every/export/responses.csv?labels=en").await;
    let named = cells(&labels, &["ROLE", "ROLE/other", "REGION", "GRID/r1", "GRID/r2"]);
    assert_eq!(named, ["Other (please specify)", "Teacher", "Asia", "High", "Low"], "the wide file, labels");
    assert_eq!(format!("{}: {}", named[0], named[1]), expected("ROLE"));
    assert_eq!(format!("Access: {}; Science: {}", named[3], named[4]), expected("GRID"));
}
