//! LimeSurvey in: `.lss` files written for these tests (`tests/fixtures/limesurvey/`) imported by
//! `fieldwork survey import` and by the web import give the expected survey (its TOML export
//! compared with `every-type.toml`); what fieldwork cannot hold is listed by XML line and nothing
//! is imported unless it is left out on request; a malformed file is refused with its line.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;

use super::{flash, follow, listed_errors, signed_in_researcher, upload_through_form};
use crate::helpers::TestApp;

const EVERY_TYPE: &[u8] = include_bytes!("../../fixtures/limesurvey/every-type.lss");
const EVERY_TYPE_TOML: &str = include_str!("../../fixtures/limesurvey/every-type.toml");
const UNSUPPORTED: &[u8] = include_bytes!("../../fixtures/limesurvey/unsupported.lss");
const MALFORMED: &[u8] = include_bytes!("../../fixtures/limesurvey/malformed.lss");

/// Every part of `unsupported.lss` fieldwork cannot hold, with its line.
const UNSUPPORTED_PARTS: [&str; 13] = [
    "line 95: the group's randomization group is not supported",
    "line 162: the question HOURS has the type \"K\" (multiple numerical input), which is not supported",
    "line 181: the question SCORE has the type \"*\" (equation), which is not supported",
    "line 219: the question SOFT is soft mandatory, which is not supported",
    "line 276: the condition \"sum(HOURS_SQ001, 1) > 2\" cannot be expressed in fieldwork's display logic",
    "line 432: the condition on LIKE's option R2 is not supported",
    "line 519: the question HELLO's text (en) holds an expression in braces (piping), which is not supported",
    "line 593: the question PICK's setting random_order = \"1\" is not supported",
    "line 605: the question TOOLS's setting array_filter = \"PICK\" is not supported",
    "line 629: the survey's expiry date 2027-01-31 23:59:00 is not carried over (it has no time zone; set opens_at and closes_at)",
    "line 681: a row of <quotas> (quotas) is not supported",
    "line 700: a row of <quota_members> (quotas) is not supported",
    "line 722: a row of <assessments> (assessments) is not supported",
];

/// Runs `fieldwork` on `db`.
fn fieldwork(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork")).arg("--db").arg(db).args(args).output().expect("fieldwork runs")
}

/// `bytes` written as `name` in the app's folder.
fn file(app: &TestApp, name: &str, bytes: &[u8]) -> PathBuf {
    let path = app.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Uploads `bytes` as `name` through the import form, with the leave-out box ticked or not.
async fn upload(app: &TestApp, name: &str, bytes: &[u8], skip: bool) -> reqwest::Response {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("file", Some(name), bytes)];
    if skip {
        parts.push(("skip_unsupported", None, b"on"));
    }
    upload_through_form(app, "/surveys", "/surveys/import", &parts).await
}

#[tokio::test]
async fn every_limesurvey_type_in_two_languages_imports_over_the_cli_and_the_web_as_expected() {
    let app = signed_in_researcher().await;
    let lss = file(&app, "every-type.lss", EVERY_TYPE);

    let other = app.dir.path().join("cli.db");
    let output = fieldwork(&other, &["survey", "import", lss.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "every-type-ls", "the survey's alias is its address");
    let exported = fieldwork(&other, &["survey", "export", "every-type-ls"]);
    assert_eq!(String::from_utf8_lossy(&exported.stdout).trim(), EVERY_TYPE_TOML.trim(), "over the command line");

    let response = upload(&app, "every-type.lss", EVERY_TYPE, false).await;
    let overview = follow(&app, response).await;
    assert_eq!(flash(&overview).map(|(kind, _)| kind).as_deref(), Some("success"));
    let exported = app.get("/surveys/every-type-ls/export.toml").await.text().await.unwrap();
    assert_eq!(exported.trim(), EVERY_TYPE_TOML.trim(), "over the web");
}

#[tokio::test]
async fn unsupported_limesurvey_parts_are_listed_by_line_and_left_out_only_when_asked() {
    let app = signed_in_researcher().await;
    let lss = file(&app, "unsupported.lss", UNSUPPORTED);
    let surveys = || app.query_i64("SELECT COUNT(*) FROM surveys");

    let refused = fieldwork(&app.db_path, &["survey", "import", lss.to_str().unwrap()]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    for part in UNSUPPORTED_PARTS {
        assert!(said.contains(&format!("unsupported.lss: {part}")), "{part} in {said}");
    }
    assert!(said.contains("nothing was imported: 13 part(s)"), "{said}");
    assert_eq!(surveys(), 0);

    let response = upload(&app, "unsupported.lss", UNSUPPORTED, false).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = listed_errors(&response.text().await.unwrap());
    assert_eq!(errors.len(), UNSUPPORTED_PARTS.len(), "{errors:?}");
    for (error, part) in errors.iter().zip(UNSUPPORTED_PARTS) {
        let (line, what) = part.split_once(": ").unwrap();
        assert!(error.contains(line) && error.contains(what), "{error} is {part}");
    }
    assert_eq!(surveys(), 0, "nothing imported from the web either");

    let response = upload(&app, "unsupported.lss", UNSUPPORTED, true).await;
    let overview = follow(&app, response).await;
    let (kind, text) = flash(&overview).expect("a message");
    assert_eq!(kind, "success");
    assert!(text.contains("Left out: line 95: the group's randomization group"), "{text}");
    let definition = super::stored(&app, "limesurvey-777001").definition;
    let codes: Vec<&str> = definition.questions().map(|(_, q)| q.code.as_str()).collect();
    assert_eq!(codes, ["NAME", "PICK", "SOFT", "HELLO", "TOOLS", "LATER", "LIKE"], "the questions fieldwork can hold");
    let later = definition.question("LATER").unwrap();
    assert_eq!((later.relevant.as_deref(), later.required), (None, false), "the condition left out");
    assert!(!definition.question("SOFT").unwrap().required, "soft mandatory is not required");
    assert!(!definition.welcome_page, "showwelcome N");

    let again = fieldwork(&app.db_path, &["survey", "import", "--skip-unsupported", lss.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("unsupported.lss: left out: line 681: a row of <quotas>"), "{said}");
    assert!(said.contains("already exists"), "the address is taken now: {said}");
}

#[tokio::test]
async fn a_malformed_or_cut_short_lss_is_refused_with_its_xml_line_and_nothing_is_imported() {
    let app = signed_in_researcher().await;
    let surveys = || app.query_i64("SELECT COUNT(*) FROM surveys");
    // Cut after a whole line, half way: every element is well-formed, some are not closed.
    let half = EVERY_TYPE[..EVERY_TYPE.len() / 2].iter().rposition(|b| *b == b'\n').unwrap() + 1;
    let cut = &EVERY_TYPE[..half];
    let cut_lines = cut.iter().filter(|b| **b == b'\n').count() + 1;
    let cases: [(&str, &[u8], String); 3] = [
        ("malformed.lss", MALFORMED, "line 10: this is not well-formed XML".to_string()),
        ("cut.lss", cut, format!("line {cut_lines}: the file ends before")),
        ("form.lss", b"<html><body>not a survey</body></html>", "line 1: this is not a LimeSurvey".to_string()),
    ];
    for (name, bytes, expected) in cases {
        let lss = file(&app, name, bytes);
        let refused = fieldwork(&app.db_path, &["survey", "import", lss.to_str().unwrap()]);
        assert!(!refused.status.success());
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains(&expected), "{name}: {expected} in {said}");
        assert!(said.contains("nothing was imported"), "{said}");

        let response = upload(&app, name, bytes, true).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let errors = listed_errors(&response.text().await.unwrap());
        let (line, what) = expected.split_once(": ").unwrap();
        assert!(errors.len() == 1 && errors[0].contains(line) && errors[0].contains(what), "{name}: {errors:?}");
    }
    assert_eq!(surveys(), 0);
}
