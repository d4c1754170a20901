//! The survey as an XLSForm: the survey page's download and `fieldwork survey export --format
//! xlsform` give a workbook that pyxform (the XLSForm reference converter) turns into an XForm
//! without an error or a warning, with only columns XLSForm knows, every question, both
//! languages, the logic and the checks.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value as Json;

use super::{SHIPPED, SHIPPED_SLUG, add_survey, signed_in_researcher};

/// Converts the workbook with pyxform and prints, as JSON, its warnings, the XForm and each
/// sheet's header row (read with openpyxl, which pyxform reads XLSX with).
const CONVERT: &str = r#"
import json, sys
import openpyxl
from pyxform.xls2xform import convert
warnings = []
result = convert(xlsform=sys.argv[1], warnings=warnings)
book = openpyxl.load_workbook(sys.argv[1])
headers = {sheet.title: [c.value for c in next(sheet.iter_rows(max_row=1))] for sheet in book.worksheets}
print(json.dumps({"warnings": warnings, "xform": result.xform, "headers": headers}, ensure_ascii=False))
"#;

/// The Python with pyxform (`FIELDWORK_READERS_PYTHON`, as `.ci/test` sets it), or `None` after
/// saying SKIPPED when it is missing and the tools are not required.
fn pyxform_python(test: &str) -> Option<PathBuf> {
    let python = std::env::var("FIELDWORK_READERS_PYTHON").unwrap_or_else(|_| "python3".into());
    if Command::new(&python).args(["-c", "import pyxform"]).output().is_ok_and(|o| o.status.success()) {
        return Some(PathBuf::from(python));
    }
    if std::env::var("FIELDWORK_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("pyxform is needed by {test}: set FIELDWORK_READERS_PYTHON (bash scripts/labelled_readers_venv.sh)");
    }
    eprintln!("SKIPPED {test}: no Python with pyxform (FIELDWORK_READERS_PYTHON; see .ci/test)");
    None
}

fn convert(python: &Path, xlsx: &Path) -> Json {
    let output = Command::new(python).args(["-c", CONVERT, xlsx.to_str().unwrap()]).output().expect("python runs");
    assert!(output.status.success(), "pyxform refused the XLSForm: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// The columns XLSForm defines that the export may use.
const KNOWN: [&str; 14] = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "list_name",
    "form_title",
    "form_id",
    "default_language",
    "version",
];

fn assert_known_columns(converted: &Json) {
    for (sheet, header) in converted["headers"].as_object().unwrap() {
        for column in header.as_array().unwrap() {
            let column = column.as_str().unwrap_or_default();
            let base = column.split("::").next().unwrap_or_default();
            assert!(KNOWN.contains(&base), "{sheet}: column {column} is not XLSForm's");
        }
    }
}

#[tokio::test]
async fn the_shipped_questionnaire_as_xlsform_converts_in_pyxform_without_errors_or_warnings() {
    let test = "the_shipped_questionnaire_as_xlsform_converts_in_pyxform_without_errors_or_warnings";
    let app = signed_in_researcher().await;
    add_survey(&app, SHIPPED);
    let response = app.get(&format!("/surveys/{SHIPPED_SLUG}/export.xlsx")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
    assert_eq!(disposition, format!("attachment; filename=\"{SHIPPED_SLUG}.xlsx\""));
    let web = app.dir.path().join("web.xlsx");
    std::fs::write(&web, response.bytes().await.unwrap()).unwrap();
    let overview = app.get(&format!("/surveys/{SHIPPED_SLUG}")).await.text().await.unwrap();
    assert!(overview.contains(&format!("href=\"/surveys/{SHIPPED_SLUG}/export.xlsx\"")), "linked from the survey page");

    let cli = app.dir.path().join("cli.xlsx");
    let output = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(["survey", "export", SHIPPED_SLUG, "--format", "xlsform", "--out", cli.to_str().unwrap()])
        .output()
        .expect("fieldwork runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let refused = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(["survey", "export", SHIPPED_SLUG, "--format", "xlsform"])
        .output()
        .expect("fieldwork runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("give --out FILE.xlsx"));

    let Some(python) = pyxform_python(test) else { return };
    let definition = fieldwork::survey::file::from_toml(SHIPPED).unwrap().definition;
    for file in [&web, &cli] {
        let converted = convert(&python, file);
        assert_eq!(converted["warnings"], serde_json::json!([]), "no warnings");
        assert_known_columns(&converted);
        let xform = converted["xform"].as_str().unwrap();
        for (_, q) in definition.questions() {
            assert!(xform.contains(&format!("/{}\"", q.code)), "{} is in the XForm", q.code);
        }
        assert!(xform.contains("<translation lang=\"English (en)\" default=\"true()\">"), "English is the default");
        assert!(xform.contains("<translation lang=\"Español (es)\">"), "Spanish too");
        assert!(xform.contains("¿Cuál es su función principal en el proyecto?"));
        assert!(xform.contains("relevant=\" /data/"), "display logic is kept");
        assert!(xform.contains("/ROLE_other\""), "Other's text is a question of its own");
    }
}

const EVERY_TYPE: &str = r#"
format = 1
slug = "every-type"
default_language = "en"
languages = ["en", "fr"]
title = { en = "Every type", fr = "Tous les types" }
[[pages]]
code = "p1"
title = { en = "First", fr = "Premier" }
[[pages.questions]]
code = "NAME"
type = "short_text"
required = true
min_length = 2
max_length = 40
pattern = "^[A-Z][a-z']+$"
pattern_message = { en = "A capital, then letters", fr = "Une majuscule, puis des lettres" }
text = { en = "Name?", fr = "Nom ?" }
help = { en = "As on your badge" }
[[pages.questions]]
code = "AGE"
type = "number"
min = 18
max = 99
text = { en = "Age?", fr = "Âge ?" }
[[pages.questions]]
code = "SHARE"
type = "number"
number_kind = "decimal"
min = 0.5
text = { en = "Share?", fr = "Part ?" }
[[pages.questions]]
code = "SINCE"
type = "date"
text = { en = "Since?", fr = "Depuis ?" }
[[pages.questions]]
code = "ROLE"
type = "single_choice"
display = "dropdown"
other = true
text = { en = "Role?", fr = "Rôle ?" }
choices = [{ code = "dev", label = { en = "Developer", fr = "Développeuse" } }, { code = "res", label = { en = "Researcher", fr = "Chercheuse" } }]
[[pages]]
code = "p2"
relevant = "${ROLE} = 'dev'"
[[pages.questions]]
code = "INFO"
type = "display"
text = { en = "About your work", fr = "Votre travail" }
[[pages.questions]]
code = "TOOLS"
type = "multiple_choice"
min_selected = 1
max_selected = 2
other = true
text = { en = "Tools?", fr = "Outils ?" }
choices = [{ code = "git", label = { en = "Git" } }, { code = "ci", label = { en = "CI", fr = "IC" } }, { code = "py", label = { en = "Python" } }]
[[pages.questions]]
code = "IMP"
type = "matrix"
required = true
relevant = "count-selected(${TOOLS}) > 1"
text = { en = "How important?", fr = "Importance ?" }
rows = [{ code = "speed", label = { en = "Speed", fr = "Vitesse" } }, { code = "trust", label = { en = "Trust", fr = "Confiance" } }]
choices = [{ code = "low", label = { en = "Low", fr = "Faible" } }, { code = "high", label = { en = "High", fr = "Forte" } }]
[[pages.questions]]
code = "RANK"
type = "ranking"
text = { en = "Rank them", fr = "Classez-les" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }]
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?", fr = "Pourquoi ?" }
"#;

#[tokio::test]
async fn every_question_type_logic_and_check_converts_in_pyxform() {
    let test = "every_question_type_logic_and_check_converts_in_pyxform";
    let app = signed_in_researcher().await;
    add_survey(&app, EVERY_TYPE);
    let response = app.get("/surveys/every-type/export.xlsx").await;
    assert_eq!(response.status(), StatusCode::OK);
    let file = app.dir.path().join("every-type.xlsx");
    std::fs::write(&file, response.bytes().await.unwrap()).unwrap();
    let Some(python) = pyxform_python(test) else { return };

    let converted = convert(&python, &file);
    assert_eq!(converted["warnings"], serde_json::json!([]), "no warnings (a missing translation takes English)");
    assert_known_columns(&converted);
    let xform = converted["xform"].as_str().unwrap();
    let expected = [
        // Checks as constraints, with the pattern's message in both languages.
        r#"constraint="string-length(.) &gt;= 2 and string-length(.) &lt;= 40 and regex(., &quot;^[A-Z][a-z']+$&quot;)""#,
        r#"constraint=". &gt;= 18 and . &lt;= 99""#,
        r#"constraint=". &gt;= 0.5""#,
        r#"constraint="count-selected(.) &gt;= 1 and count-selected(.) &lt;= 2""#,
        "Une majuscule, puis des lettres",
        // Types.
        r#"nodeset="/data/p1/AGE" type="int""#,
        r#"nodeset="/data/p1/SHARE" type="decimal""#,
        r#"nodeset="/data/p1/SINCE" type="date""#,
        r#"nodeset="/data/p2/RANK" type="odk:rank""#,
        r#"<select1 ref="/data/p1/ROLE" appearance="minimal">"#,
        r#"<input ref="/data/p2/WHY" appearance="multiline">"#,
        // Logic: the page's, the question's, Other's.
        r#"nodeset="/data/p2" relevant=" /data/p1/ROLE  = 'dev'""#,
        r#"relevant="count-selected( /data/p2/TOOLS ) &gt; 1""#,
        r#"nodeset="/data/p2/TOOLS_other" type="string" required="true()" relevant="selected( /data/p2/TOOLS , 'other')""#,
        // The matrix: a group of one question per row, each required.
        r#"nodeset="/data/p2/IMP/IMP_trust" type="string" required="true()""#,
        "Vitesse",
        // Translations: a label missing in French shows the English one.
        r#"<text id="TOOLS-0"><value>Git</value></text>"#,
        "Autre (précisez)",
    ];
    for needle in expected {
        assert!(xform.contains(needle), "{needle} in:\n{xform}");
    }
}
