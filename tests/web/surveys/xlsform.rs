//! The survey as an XLSForm: the survey page's download and `fieldwork survey export --format
//! xlsform` give a workbook that pyxform (the XLSForm reference converter) turns into an XForm
//! without an error or a warning, with only columns XLSForm knows, every question, both
//! languages, the logic and the checks.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value as Json;

use fieldwork::survey::model::{MissingCodes, QuestionType, SurveyDefinition, Text};
use fieldwork::survey::pipe::without_fallbacks;

use super::{
    SHIPPED, SHIPPED_SLUG, add_survey, flash, follow, listed_errors, signed_in_researcher, upload_through_form,
};

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
const KNOWN: [&str; 15] = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "parameters",
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
number_kind = "integer"
min = 18
max = 99
text = { en = "Age?", fr = "Âge ?" }
[[pages.questions]]
code = "SHARE"
type = "number"
number_kind = "decimal"
min = 0.5
constraint = ". < 1 or ${AGE} >= 65"
constraint_message = { en = "Below 1 unless retired", fr = "Moins de 1 sauf retraite" }
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
randomize = true
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
randomize = true
text = { en = "Tools?", fr = "Outils ?" }
choices = [{ code = "git", label = { en = "Git" } }, { code = "ci", label = { en = "CI", fr = "IC" } }, { code = "py", label = { en = "Python" }, anchor = true }, { code = "none", label = { en = "None", fr = "Aucun" }, exclusive = true }]
[[pages.questions]]
code = "IMP"
type = "matrix"
required = true
randomize = true
order_group = "views"
relevant = "count-selected(${TOOLS}) > 1"
text = { en = "How important?", fr = "Importance ?" }
rows = [{ code = "speed", label = { en = "Speed", fr = "Vitesse" } }, { code = "trust", label = { en = "Trust", fr = "Confiance" } }]
choices = [{ code = "low", label = { en = "Low", fr = "Faible" } }, { code = "high", label = { en = "High", fr = "Forte" } }]
[[pages.questions]]
code = "RANK"
type = "ranking"
order_group = "views"
text = { en = "Rank them", fr = "Classez-les" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }]
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why, ${NAME|friend}?", fr = "Pourquoi, ${NAME|l'ami} ?" }
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
    assert_eq!(converted["warnings"], serde_json::json!([]), "no warnings, a missing translation too");
    assert_known_columns(&converted);
    let xform = converted["xform"].as_str().unwrap();
    let expected = [
        // Checks as constraints, with the pattern's message in both languages.
        r#"constraint="string-length(.) &gt;= 2 and string-length(.) &lt;= 40 and regex(., &quot;^[A-Z][a-z']+$&quot;)""#,
        r#"constraint=". &gt;= 18 and . &lt;= 99""#,
        r#"constraint="count-selected(.) &gt;= 1 and count-selected(.) &lt;= 2 and not(selected(., 'none') and count-selected(.) &gt; 1)""#,
        "Une majuscule, puis des lettres",
        // The question's own constraint, in parentheses after the bound, with its message.
        r#"constraint=". &gt;= 0.5 and (. &lt; 1 or  /data/p1/AGE  &gt;= 65)""#,
        "Moins de 1 sauf retraite",
        // Shuffled choices; a piped answer without its fallback.
        r#"<itemset nodeset="randomize(instance('TOOLS')/root/item)">"#,
        r#"Why, <output value=" /data/p1/NAME "/>?"#,
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
        // Translations: both languages; a label missing in French is left empty.
        r#"<text id="TOOLS-0"><value>Git</value></text>"#,
        "Autre (précisez)",
    ];
    for needle in expected {
        assert!(xform.contains(needle), "{needle} in:\n{xform}");
    }
}

/// Runs `fieldwork` on `db`.
fn fieldwork(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork")).arg("--db").arg(db).args(args).output().expect("fieldwork runs")
}

/// What an XLSForm holds of a survey: not the survey's description, consent and thank-you texts,
/// its welcome page, anonymity, dates, interface texts, title translations or missing-data codes,
/// nor a page's `randomize`, `order_group`s, anchored choices, a choice's `relevant` (XLSForm's
/// `choice_filter` is another shape) or a matrix's shuffled rows (see
/// src/xlsform/rows.rs). Piped answers lose their fallback: the caller compares the texts modulo
/// fallbacks, reading the original with them dropped (`pipe::without_fallbacks`).
fn xlsform_part(mut definition: SurveyDefinition) -> SurveyDefinition {
    let title = definition.text(&definition.title, &definition.default_language).to_string();
    definition.title = Text::from([(definition.default_language.clone(), title)]);
    (definition.description, definition.consent, definition.thank_you) = (Text::new(), Text::new(), Text::new());
    (definition.welcome_page, definition.anonymous) = (true, false);
    (definition.opens_at, definition.closes_at) = (None, None);
    definition.messages.clear();
    definition.missing_codes = MissingCodes::default();
    for page in &mut definition.pages {
        page.randomize = false;
        for q in &mut page.questions {
            q.order_group = None;
            q.randomize &= q.kind != QuestionType::Matrix;
            q.choices.iter_mut().for_each(|c| (c.anchor, c.relevant) = (false, None));
        }
    }
    definition
}

#[tokio::test]
async fn an_exported_xlsform_imports_back_to_the_same_survey() {
    let app = signed_in_researcher().await;
    for (toml, slug) in [(SHIPPED, SHIPPED_SLUG), (EVERY_TYPE, "every-type")] {
        add_survey(&app, toml);
        let bytes = app.get(&format!("/surveys/{slug}/export.xlsx")).await.bytes().await.unwrap();
        let file = app.dir.path().join(format!("{slug}.xlsx"));
        std::fs::write(&file, &bytes).unwrap();
        // Into another database, where the address is free.
        let other = app.dir.path().join(format!("{slug}.db"));
        let output = fieldwork(&other, &["survey", "import", file.to_str().unwrap()]);
        assert!(output.status.success(), "{slug}: {}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), slug);
        let exported = fieldwork(&other, &["survey", "export", slug]);
        let back = fieldwork::survey::file::from_toml(&String::from_utf8_lossy(&exported.stdout)).unwrap().definition;
        let original = fieldwork::survey::file::from_toml(&without_fallbacks(toml)).unwrap().definition;
        assert_eq!(back, xlsform_part(original), "{slug}: the round trip keeps all an XLSForm holds");
    }
}

/// An XLSForm as other tools write it: a repeat, a geopoint, a calculation, a choice filter and a
/// media column among questions fieldwork can hold.
fn foreign_xlsform() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let survey = [
        ["type", "name", "label::English (en)", "calculation", "choice_filter"],
        ["text", "NAME", "Name?", "", ""],
        ["geopoint", "WHERE", "Where?", "", ""],
        ["begin_repeat", "KIDS", "Children", "", ""],
        ["integer", "AGE", "Age?", "", ""],
        ["end_repeat", "", "", "", ""],
        ["calculate", "DOUBLE", "", "${AGE} * 2", ""],
        ["select_one colours", "COLOUR", "Colour?", "", "kind = 'warm'"],
        ["select_multiple colours", "LIKED", "Liked colours?", "", ""],
    ];
    let choices = [
        ["list_name", "name", "label::English (en)", "media::image"],
        ["colours", "red", "Red", "red.png"],
        ["colours", "blue", "Blue", ""],
    ];
    let settings = [["form_title", "form_id", "default_language"], ["Foreign", "foreign", "English (en)"]];
    let mut write = |name: &str, rows: &[&[&str]]| {
        let sheet = book.add_worksheet();
        sheet.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
                sheet.write_string(r as u32, c as u16, *value).unwrap();
            }
        }
    };
    write("survey", &survey.iter().map(|r| r.as_slice()).collect::<Vec<_>>());
    write("choices", &choices.iter().map(|r| r.as_slice()).collect::<Vec<_>>());
    write("settings", &settings.iter().map(|r| r.as_slice()).collect::<Vec<_>>());
    book.save_to_buffer().unwrap()
}

const FOREIGN_ROWS: [&str; 7] = [
    "sheet choices, row 2: the column media::image (media, filters) is not supported",
    "sheet survey, row 3: the type \"geopoint\" is not supported",
    "sheet survey, row 4: the type \"begin_repeat\" is not supported",
    "sheet survey, row 6: the type \"end_repeat\" is not supported",
    "sheet survey, row 7: the column calculation is not supported",
    "sheet survey, row 7: the type \"calculate\" is not supported",
    "sheet survey, row 8: the column choice_filter is not supported",
];

#[tokio::test]
async fn unsupported_xlsform_rows_are_listed_by_sheet_and_row_and_left_out_only_when_asked() {
    let app = signed_in_researcher().await;
    let file = app.dir.path().join("foreign.xlsx");
    std::fs::write(&file, foreign_xlsform()).unwrap();
    let surveys = || app.query_i64("SELECT COUNT(*) FROM surveys");

    let refused = fieldwork(&app.db_path, &["survey", "import", file.to_str().unwrap()]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    for row in FOREIGN_ROWS {
        assert!(said.contains(&format!("foreign.xlsx: {row}")), "{row} in {said}");
    }
    assert!(said.contains("nothing was imported: 7 row(s)"), "{said}");
    assert_eq!(surveys(), 0);

    let parts = [("file", Some("foreign.xlsx"), foreign_xlsform())];
    let parts: Vec<(&str, Option<&str>, &[u8])> = parts.iter().map(|(n, f, b)| (*n, *f, b.as_slice())).collect();
    let response = upload_through_form(&app, "/surveys", "/surveys/import", &parts).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = listed_errors(&response.text().await.unwrap());
    assert!(errors.iter().any(|e| e.contains("sheet survey, row 3") && e.contains("geopoint")), "{errors:?}");
    assert_eq!(errors.len(), FOREIGN_ROWS.len(), "{errors:?}");
    assert_eq!(surveys(), 0, "nothing imported from the web either");

    let mut with_skip = parts.clone();
    with_skip.push(("skip_unsupported", None, b"on"));
    let response = upload_through_form(&app, "/surveys", "/surveys/import", &with_skip).await;
    let overview = follow(&app, response).await;
    let (kind, text) = flash(&overview).expect("a message");
    assert_eq!(kind, "success");
    assert!(text.contains("Left out: sheet choices, row 2"), "{text}");
    let definition = super::stored(&app, "foreign").definition;
    let codes: Vec<&str> = definition.questions().map(|(_, q)| q.code.as_str()).collect();
    assert_eq!(codes, ["NAME", "AGE", "COLOUR", "LIKED"], "the rows fieldwork can hold");
    assert_eq!(definition.pages.len(), 4, "a question outside any group is a page of its own");
}
