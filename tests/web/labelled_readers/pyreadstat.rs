//! pyreadstat (ReadStat) reads the `.sav` and the `.dta` back to the same names, labels, value
//! labels, user-missing values and cells: long strings whole, dates as dates, non-ASCII intact.

use std::path::Path;
use std::process::Command;

use fieldwork::export::labelled::{dta, sav};
use serde_json::{Value as Json, json};

use super::*;

/// Reads a file with pyreadstat twice — with `user_missing=True` (SPSS's user-missing values and
/// Stata's `.a`…`.z` come back as themselves) and without (every missing value as None) — and
/// prints what it found as JSON.
const READ: &str = r#"
import datetime, json, math, sys
import pyreadstat
kind, path = sys.argv[1], sys.argv[2]
read = pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta
def cell(v):
    if hasattr(v, "item"):
        v = v.item()
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()[:10]
    return v
def rows(df):
    return [[cell(v) for v in row] for row in df.itertuples(index=False, name=None)]
df, meta = read(path, user_missing=True)
plain, _ = read(path)
print(json.dumps({
    "names": list(df.columns),
    "labels": meta.column_labels,
    "file_label": meta.file_label,
    "value_labels": {k: {str(kk): vv for kk, vv in v.items()} for k, v in meta.variable_value_labels.items()},
    "missing_ranges": meta.missing_ranges,
    "measures": meta.variable_measure,
    "rows": rows(df),
    "plain_rows": rows(plain),
}, ensure_ascii=False))
"#;

pub fn read_back(python: &Path, kind: &str, path: &Path) -> Json {
    let output =
        Command::new(python).args(["-c", READ, kind, path.to_str().expect("path")]).output().expect("python runs");
    assert!(output.status.success(), "pyreadstat failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON from the reader")
}

/// Numbers compared as numbers (pyreadstat gives Stata's integers as ints, SPSS's as floats).
pub fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        _ => a == b,
    }
}

pub fn assert_same(what: &str, actual: &Json, expected: &Json) {
    assert!(same(actual, expected), "{what}:\n  read back: {actual}\n  expected:  {expected}");
}

/// The expected cells of `rows`, in the reader's terms: `missing(cell, variable)` says what a
/// missing cell reads as.
pub fn expected(dataset: &Dataset, rows: &[Vec<Cell<'_>>], missing: impl Fn(&Cell<'_>, &Variable) -> Json) -> Json {
    let rows: Vec<Json> = rows
        .iter()
        .map(|row| {
            let cells = row.iter().zip(&dataset.variables).map(|(cell, variable)| match cell {
                Cell::Number(n) => json!(n),
                // SPSS pads strings with spaces, which readers take off again.
                Cell::Text(t) => json!(t.trim_end_matches(' ')),
                Cell::Date(d) => json!(d.to_string()),
                Cell::Empty | Cell::Missing(_) => missing(cell, variable),
            });
            Json::Array(cells.collect())
        })
        .collect();
    Json::Array(rows)
}

pub fn code(reason: &Reason) -> i32 {
    MissingCodes::default().code(*reason)
}

#[test]
fn pyreadstat_reads_the_sav_back_to_the_same_values_and_labels() {
    let test = "pyreadstat_reads_the_sav_back_to_the_same_values_and_labels";
    let Some(python) = readers_python(test) else { return };
    let dir = scratch();
    let path = dir.path().join("fixture.sav");
    let dataset = dataset(Package::Spss);
    sav::write(&dataset, &mut rows(), std::fs::File::create(&path).expect("file")).expect("written");
    let back = read_back(&python, "sav", &path);

    assert_eq!(
        back["names"],
        json!(["response_id", "ROLE", "LANGS_english", "IMP_data", "YEARS", "SINCE", "NOTE", "WHY", "in"])
    );
    assert_eq!(back["file_label"], json!("Enquête de test — fieldwork"));
    let mut labels: Vec<String> = dataset.variables.iter().map(|v| v.label.clone()).collect();
    let cut = labels[6].char_indices().map(|(i, _)| i).take_while(|i| *i <= 255).last().expect("a cut");
    labels[6] = labels[6][..cut].trim_end().to_string();
    assert_eq!(back["labels"], json!(labels));
    assert_eq!(
        back["value_labels"]["ROLE"],
        json!({"1.0": "Développeuse", "2.0": "Researcher «R»", "3.0": "Other (please specify)",
               "-66.0": "not shown", "-77.0": "not reached", "-99.0": "shown and skipped"})
    );
    let discrete = |codes: [Json; 3]| json!(codes.map(|c| json!({"lo": c, "hi": c})));
    assert_eq!(back["missing_ranges"]["ROLE"], discrete([json!(-66.0), json!(-77.0), json!(-99.0)]));
    assert_eq!(back["missing_ranges"]["NOTE"], discrete([json!("-66"), json!("-77"), json!("-99")]));
    assert_eq!(back["measures"]["IMP_data"], json!("ordinal"));

    // User-missing codes read as themselves; an empty number is None, an empty string "".
    let expected = expected(&dataset, &rows(), |cell, variable| match (cell, variable.kind) {
        (Cell::Missing(reason), Kind::Numeric { .. }) => json!(code(reason)),
        (Cell::Missing(reason), Kind::String { .. }) => json!(code(reason).to_string()),
        (_, Kind::String { .. }) => json!(""),
        _ => Json::Null,
    });
    assert_same("the .sav's rows", &back["rows"], &expected);
}

#[test]
fn pyreadstat_reads_the_dta_back_to_the_same_values_labels_and_extended_missing_values() {
    let test = "pyreadstat_reads_the_dta_back_to_the_same_values_labels_and_extended_missing_values";
    let Some(python) = readers_python(test) else { return };
    let dir = scratch();
    let path = dir.path().join("fixture.dta");
    let dataset = dataset(Package::Stata);
    dta::write(&dataset, &mut rows(), std::fs::File::create(&path).expect("file")).expect("written");
    let back = read_back(&python, "dta", &path);

    assert_eq!(
        back["names"],
        json!(["response_id", "ROLE", "LANGS_english", "IMP_data", "YEARS", "SINCE", "NOTE", "WHY", "v_in"])
    );
    let mut labels: Vec<String> = dataset.variables.iter().map(|v| v.label.clone()).collect();
    // Cut to 80 characters, without the space the cut leaves at the end.
    labels[6] = labels[6].chars().take(80).collect::<String>().trim_end().to_string();
    assert_eq!(back["labels"], json!(labels));
    assert_eq!(back["file_label"], json!("Enquête de test — fieldwork"));
    assert_eq!(
        back["value_labels"]["IMP_data"],
        json!({"1": "Pas important", "2": "Un peu", "3": "Très important",
               "a": "not shown", "b": "not reached", "c": "shown and skipped"})
    );
    assert_eq!(back["value_labels"]["SINCE"]["c"], json!("shown and skipped"));

    // Without user_missing every missing value is None and strings keep the codes' digits.
    let plain = expected(&dataset, &rows(), |cell, variable| match (cell, variable.kind) {
        (Cell::Missing(reason), Kind::String { .. }) => json!(code(reason).to_string()),
        (_, Kind::String { .. }) => json!(""),
        _ => Json::Null,
    });
    assert_same("the .dta's rows", &back["plain_rows"], &plain);
    // With it, `.a` `.b` `.c` come back as their letters. (pyreadstat 1.3.8 returns garbage for a
    // plain `.` that follows a letter in the same column, so only the lettered cells are
    // compared here; the plain read above checks every `.`.)
    let tagged = expected(&dataset, &rows(), |cell, variable| match (cell, variable.kind) {
        (Cell::Missing(reason), Kind::String { .. }) => json!(code(reason).to_string()),
        (Cell::Missing(reason), _) => json!(fieldwork::export::labelled::dta::stata_letter(*reason).to_string()),
        (_, Kind::String { .. }) => json!(""),
        _ => Json::Null,
    });
    for (r, (got, want)) in
        back["rows"].as_array().expect("rows").iter().zip(tagged.as_array().expect("rows")).enumerate()
    {
        for (c, (got, want)) in got.as_array().expect("cells").iter().zip(want.as_array().expect("cells")).enumerate() {
            if !want.is_null() {
                assert!(same(got, want), "row {r}, column {c}: read {got}, expected {want}");
            }
        }
    }
}
