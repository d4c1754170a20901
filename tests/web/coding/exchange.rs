//! Codebooks in and out: the shipped codebook through `fieldwork codebook import` and `export`
//! (TOML without loss, `.qdc` valid against the REFI-QDA schema), the web export, and the web
//! upload of the specification's own example, of colours in other spellings and of broken files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fieldwork::codebook::model::{CodeKind, CodebookFile, from_toml};
use reqwest::StatusCode;

use super::{CODEBOOK, Study};
use crate::helpers::{TestApp, shared_file};
use crate::surveys::{SHIPPED, SHIPPED_SLUG, add_survey, flash, follow, listed_errors, upload_through_form};

pub(super) fn fieldwork(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork")).arg("--db").arg(db).args(args).output().expect("run fieldwork")
}

pub(super) fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// The REFI-QDA codebook schema, when the reference folder `../shared/` is there.
fn schema() -> Option<PathBuf> {
    shared_file("refi-qda/Codebook.xsd")
}

/// Validates a `.qdc` with xmllint against the schema; the error when invalid.
fn xmllint(schema: &Path, qdc: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("codebook.qdc");
    std::fs::write(&file, qdc).unwrap();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(&file)
        .output()
        .expect("xmllint checks .qdc files: install Debian's libxml2-utils");
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

pub(super) fn shipped() -> CodebookFile {
    from_toml(CODEBOOK).expect("the shipped codebook is valid")
}

/// Uploads a codebook file through the survey's import form, as a browser does.
pub(super) async fn upload(app: &TestApp, file_name: &str, content: &[u8]) -> reqwest::Response {
    let (list, action) =
        (format!("/surveys/{SHIPPED_SLUG}/codebooks"), format!("/surveys/{SHIPPED_SLUG}/codebooks/import"));
    upload_through_form(app, &list, &action, &[("file", Some(file_name), content)]).await
}

pub(super) fn stored_draft(app: &TestApp, id: i64) -> CodebookFile {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    fieldwork::codebook::store::find(&conn, id).unwrap().expect("the codebook").draft
}

/// The codebook a redirect to `/codebooks/{id}` points at.
pub(super) fn codebook_in(response: &reqwest::Response) -> i64 {
    let location = crate::helpers::location(response);
    location.strip_prefix("/codebooks/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("{location}"))
}

#[tokio::test]
async fn the_shipped_codebook_round_trips_through_the_command_line_without_loss() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED);
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/codebooks/open-llm-governance.toml");

    let id: i64 = stdout(&fieldwork(&app.db_path, &["codebook", "import", "--survey", SHIPPED_SLUG, file]))
        .trim()
        .parse()
        .expect("the new codebook's id");
    let exported = stdout(&fieldwork(&app.db_path, &["codebook", "export", "--survey", SHIPPED_SLUG]));

    assert_eq!(stored_draft(&app, id), shipped());
    assert_eq!(app.query_i64(&format!("SELECT published_version FROM codebooks WHERE id = {id}")), 1);
    assert_eq!(from_toml(&exported).expect("the export reads back"), shipped(), "TOML round trip");
    let again = stdout(&fieldwork(&app.db_path, &["codebook", "export", "--survey", SHIPPED_SLUG]));
    assert_eq!(again, exported, "the same file every time");

    let qdc = stdout(&fieldwork(&app.db_path, &["codebook", "export", "--survey", SHIPPED_SLUG, "--format", "qdc"]));
    if let Some(schema) = schema() {
        xmllint(&schema, &qdc).expect("the .qdc export is valid REFI-QDA");
    }
    let (back, notes) = fieldwork::codebook::parse_file(qdc.as_bytes(), "x.qdc").expect("the .qdc reads back");
    let mut without_shortcuts = shipped();
    without_shortcuts.codes.iter_mut().for_each(|c| c.shortcut = None);
    // REFI-QDA has no place for them (docs/codebook-format.md).
    without_shortcuts.closed = Vec::new();
    assert_eq!(
        (back, notes),
        (without_shortcuts, vec![]),
        "TOML → .qdc → TOML loses only the shortcuts and the closed-answer mappings"
    );
}

#[tokio::test]
async fn the_web_export_as_qdc_validates_against_the_refi_qda_schema() {
    let study = Study::with_answers(&[]).await;

    let response = study.app.get(&format!("/codebooks/{}/export?format=qdc", study.codebook)).await;

    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
    assert!(header("content-type").starts_with("application/xml"));
    assert!(header("content-disposition").ends_with(".qdc\""), "{}", header("content-disposition"));
    let qdc = response.text().await.unwrap();
    if let Some(schema) = schema() {
        xmllint(&schema, &qdc).expect("the web export is valid REFI-QDA");
        // The check bites: the same file with a value the schema does not allow is refused.
        assert!(xmllint(&schema, &qdc.replacen("isCodable=\"true\"", "isCodable=\"maybe\"", 1)).is_err());
    }
    let toml = study.app.get(&format!("/codebooks/{}/export?format=toml", study.codebook)).await;
    assert_eq!(from_toml(&toml.text().await.unwrap()).unwrap(), shipped());
}

#[tokio::test]
async fn the_specification_example_uploaded_on_the_web_is_imported_and_exports_valid_again() {
    let Some(example) = shared_file("refi-qda/spec-annexA1-codebook.qdc") else { return };
    let study = Study::with_answers(&[]).await;

    let response = upload(&study.app, "spec-annexA1-codebook.qdc", &std::fs::read(&example).unwrap()).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id = codebook_in(&response);
    assert_ne!(id, study.codebook);
    let overview = follow(&study.app, response).await;
    assert_eq!(flash(&overview).map(|f| f.0).as_deref(), Some("success"), "no notes: {:?}", flash(&overview));
    let file = stored_draft(&study.app, id);
    assert_eq!(file.name, "spec-annexA1-codebook");
    let entries: Vec<_> = file
        .codes
        .iter()
        .map(|c| (c.kind, c.name.as_str(), c.colour.as_deref(), c.short_definition.as_str(), c.guid.as_deref()))
        .collect();
    let (category, code) = (CodeKind::Category, CodeKind::Code);
    assert_eq!(
        entries,
        vec![
            (category, "Topics", None, "", Some("5215cc69-b628-4e02-afb9-9beeaee55808")),
            (
                code,
                "Economy",
                Some("#FFFF00"),
                "Anything about jobs or taxes or business",
                Some("d7aa29da-519b-4946-9b90-253b6db8fd0a")
            ),
            (
                code,
                "Health care",
                Some("#33CC33"),
                "Health care issues, doctor, patients, etc.",
                Some("0dcef2f5-e55c-49da-8c33-9b0803c7aeb4")
            ),
            (category, "Values", None, "", Some("9fa9bcb7-5b59-47a9-8c3e-f65cffdc7520")),
            (
                code,
                "Conservatives",
                Some("#FF0000"),
                "Republicans or right-wing libertarians",
                Some("7c108712-b650-4892-ac0b-fc9a10190c3b")
            ),
            (
                code,
                "Liberals",
                Some("#0000FF"),
                "Democrats, socialists, or progressive independents",
                Some("12365523-1035-4afa-9e7b-281fe0bc51c5")
            ),
        ]
    );
    assert_eq!(study.app.query_i64(&format!("SELECT published_version FROM codebooks WHERE id = {id}")), 1);
    let qdc = study.app.get(&format!("/codebooks/{id}/export?format=qdc")).await.text().await.unwrap();
    xmllint(&example.with_file_name("Codebook.xsd"), &qdc).expect("valid REFI-QDA");
    assert!(qdc.contains("guid=\"d7aa29da-519b-4946-9b90-253b6db8fd0a\""), "the guid is kept: {qdc}");
}

#[tokio::test]
async fn colours_written_as_rgb_or_short_hex_become_rrggbb_and_an_unreadable_one_is_noted() {
    let study = Study::with_answers(&[]).await;
    let qdc = r##"<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0">
  <Codes>
    <Code guid="0e6f0f0c-4b5a-4c8e-9a57-2f7a8c6b1d01" name="Red" isCodable="true" color="rgb(255, 0, 0)"/>
    <Code guid="0e6f0f0c-4b5a-4c8e-9a57-2f7a8c6b1d02" name="Green" isCodable="true" color="#0f0"/>
    <Code guid="0e6f0f0c-4b5a-4c8e-9a57-2f7a8c6b1d03" name="Teal" isCodable="true" color="008080"/>
    <Code guid="0e6f0f0c-4b5a-4c8e-9a57-2f7a8c6b1d04" name="Sky" isCodable="true" color="sky blue"/>
  </Codes>
</CodeBook>"##;

    let response = upload(&study.app, "colours.qdc", qdc.as_bytes()).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id = codebook_in(&response);
    let colours: Vec<_> =
        stored_draft(&study.app, id).codes.iter().map(|c| (c.name.clone(), c.colour.clone())).collect();
    let expected = [("Red", Some("#FF0000")), ("Green", Some("#00FF00")), ("Teal", Some("#008080")), ("Sky", None)];
    let expected: Vec<_> = expected.iter().map(|(n, c)| (n.to_string(), c.map(str::to_string))).collect();
    assert_eq!(colours, expected);
    let (kind, message) = flash(&follow(&study.app, response).await).expect("a message");
    assert_eq!(kind, "error", "notes are shown as a warning");
    assert!(message.contains("the colour \"sky blue\" could not be read"), "{message}");
    let css = study.app.get(&format!("/codebooks/{id}/colours.css")).await.text().await.unwrap();
    assert!(css.contains(".code-colour-RED { background: #FF0000; }"), "{css}");
}

#[tokio::test]
async fn a_broken_codebook_file_is_refused_with_its_place_and_nothing_is_imported() {
    let study = Study::with_answers(&[]).await;
    // A .qdc cut short, at a character's boundary so that it is still UTF-8.
    let whole = fieldwork::codebook::qdc::to_qdc(&shipped());
    let half = whole.char_indices().map(|(i, _)| i).find(|i| *i >= whole.len() / 2).unwrap_or(0);
    let cut = &whole.as_bytes()[..half];
    let cases: [(&str, &str, &[u8], &str); 6] = [
        ("cut short", "spec.qdc", cut, "line"),
        ("not UTF-8", "odd.qdc", b"<CodeBook>\xc3\x28</CodeBook>", "not UTF-8"),
        ("a project", "project.qdc", b"<Project xmlns=\"urn:QDA-XML:project:1.0\"/>", ".qdc"),
        ("no codes", "empty.qdc", b"<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"></CodeBook>", "<Codes>"),
        (
            "bad TOML",
            "book.toml",
            b"format = 1\nname = \"Broken\"\n[[codes]]\nid = \"1st\"\nname = \"x\"\n",
            "codes[0].id",
        ),
        ("no file", "", b"", "choose a .toml, .qdc or .csv file"),
    ];
    let before = || {
        let count = |table: &str| study.app.query_i64(&format!("SELECT COUNT(*) FROM {table}"));
        (count("codebooks"), count("codebook_versions"), count("codebook_changes"))
    };
    let unchanged = before();

    for (what, file_name, content, expected) in cases {
        let response = upload(&study.app, file_name, content).await;

        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let errors = listed_errors(&response.text().await.unwrap());
        assert!(errors.iter().any(|e| e.contains(expected)), "{what}: {errors:?}");
        assert_eq!(before(), unchanged, "{what}: nothing imported");
    }
}
