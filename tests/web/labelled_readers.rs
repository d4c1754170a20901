//! The labelled-data writers (`export::labelled`) checked by the programs researchers open their
//! files with: PSPP reads the `.sav` and prints its dictionary, pyreadstat (ReadStat) reads the
//! `.sav` and the `.dta` back, R runs the `.R` script over the CSV. A dataset made for the tests
//! holds every kind of variable with non-ASCII text, long strings (past SPSS's 255 bytes and
//! Stata's 2,045), dates before and after 1960, user-missing codes and reserved names; the
//! shipped questionnaire and codebook go through the survey mapping to all three.
//!
//! A test whose program is missing says SKIPPED, unless `FIELDWORK_REQUIRE_TOOLS=1` (as in
//! `.ci/test`, which installs them), where it fails.

mod export;
mod pspp;
pub mod pyreadstat;
mod r;
mod shipped;
#[path = "../../benches/labelled/synthetic.rs"]
mod synthetic;

use std::path::PathBuf;
use std::process::Command;

use fieldwork::export::labelled::names::{Package, legal};
use fieldwork::export::labelled::{Cell, Dataset, Kind, Measure, MissingCodes, Reason, ValueLabel, Variable};

/// The program `name` run with `--version`-like `probe`, or `None` (after saying SKIPPED) when
/// it is not installed and the tools are not required.
pub fn tool(program: &str, probe: &[&str], test: &str) -> Option<PathBuf> {
    let found = Command::new(program).args(probe).output().is_ok_and(|o| o.status.success());
    if found {
        return Some(PathBuf::from(program));
    }
    if std::env::var("FIELDWORK_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("{program} is needed by {test} (FIELDWORK_REQUIRE_TOOLS=1): install it, as .ci/test does");
    }
    eprintln!("SKIPPED {test}: {program} is not installed (.ci/test installs it)");
    None
}

/// The Python with pyreadstat: `FIELDWORK_READERS_PYTHON`, as `.ci/test` sets it.
pub fn readers_python(test: &str) -> Option<PathBuf> {
    let python = std::env::var("FIELDWORK_READERS_PYTHON").unwrap_or_else(|_| "python3".into());
    let found = Command::new(&python).args(["-c", "import pyreadstat"]).output().is_ok_and(|o| o.status.success());
    if found {
        return Some(PathBuf::from(python));
    }
    if std::env::var("FIELDWORK_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("pyreadstat is needed by {test}: set FIELDWORK_READERS_PYTHON (bash scripts/labelled_readers_venv.sh)");
    }
    eprintln!("SKIPPED {test}: no Python with pyreadstat (FIELDWORK_READERS_PYTHON; see .ci/test)");
    None
}

/// The fixture's columns, as fieldwork names them.
pub const COLUMNS: [&str; 9] =
    ["response_id", "ROLE", "LANGS/english", "IMP/data", "YEARS", "SINCE", "NOTE", "WHY", "in"];

/// A label past every package's limit (SPSS keeps 255 bytes, Stata 80 characters).
pub fn long_label() -> String {
    format!("Notiz zur Äußerung — {}", "très long libellé ".repeat(20))
}

/// A text of about 3,000 bytes: a very long string in SPSS, a `strL` in Stata. (It ends with a
/// letter: SPSS pads strings with spaces, so trailing spaces do not survive it.)
pub fn long_text() -> String {
    let mut text = String::from("Début:");
    let mut i = 0;
    while text.len() < 3_000 {
        text.push_str(&format!(" phrase {i} avec des accents éèà et 日本語;"));
        i += 1;
    }
    text
}

pub fn labels(pairs: &[(f64, &str)]) -> Vec<ValueLabel> {
    pairs.iter().map(|(value, label)| ValueLabel { value: *value, label: (*label).to_string() }).collect()
}

/// The test dataset with its names made legal for `package`.
pub fn dataset(package: Package) -> Dataset {
    let names = legal(package, &COLUMNS);
    let number = Kind::Numeric { decimals: 0 };
    let v = |i: usize, label: &str, kind: Kind, measure: Measure, value_labels: Vec<ValueLabel>| Variable {
        name: names[i].clone(),
        label: label.to_string(),
        kind,
        measure,
        value_labels,
    };
    Dataset {
        label: "Enquête de test — fieldwork".into(),
        variables: vec![
            v(0, "Response number", number, Measure::Nominal, Vec::new()),
            v(
                1,
                "Quelle est votre fonction ?",
                number,
                Measure::Nominal,
                labels(&[(1.0, "Développeuse"), (2.0, "Researcher «R»"), (3.0, "Other (please specify)")]),
            ),
            v(2, "English: Languages?", number, Measure::Nominal, labels(&[(0.0, "not selected"), (1.0, "selected")])),
            v(
                3,
                "Open data: How important?",
                number,
                Measure::Ordinal,
                labels(&[(1.0, "Pas important"), (2.0, "Un peu"), (3.0, "Très important")]),
            ),
            v(4, "Years of experience", Kind::Numeric { decimals: 2 }, Measure::Scale, Vec::new()),
            v(5, "Since when?", Kind::Date, Measure::Scale, Vec::new()),
            v(6, &long_label(), Kind::String { width: 1 }, Measure::Nominal, Vec::new()),
            v(7, "Why? 日本語", Kind::String { width: 1 }, Measure::Nominal, Vec::new()),
            v(8, "A reserved name", number, Measure::Scale, Vec::new()),
        ],
        missing: Some(MissingCodes::default()),
        created: jiff::civil::date(2026, 3, 1).at(10, 5, 0, 0),
    }
}

/// The test rows: answers, missing-data reasons, empty cells.
pub fn rows() -> Vec<Vec<Cell<'static>>> {
    use Cell::{Empty, Missing, Number};
    let text = |t: &str| Cell::Text(t.to_string().into());
    let date = |y, m, d| Cell::Date(jiff::civil::date(y, m, d));
    vec![
        vec![
            Number(1.0),
            Number(1.0),
            Number(1.0),
            Number(3.0),
            Number(3.25),
            date(2024, 2, 29),
            text("ok"),
            text(&long_text()),
            Number(10.0),
        ],
        vec![
            Number(2.0),
            Number(3.0),
            Number(0.0),
            Missing(Reason::NotShown),
            Missing(Reason::Skipped),
            date(1959, 12, 31),
            Missing(Reason::Skipped),
            text("Kurz: Grüße \"zitiert\", mit Komma\nund Zeile"),
            Empty,
        ],
        vec![
            Number(3.0),
            Missing(Reason::NotReached),
            Missing(Reason::NotReached),
            Missing(Reason::NotReached),
            Missing(Reason::NotReached),
            Missing(Reason::NotReached),
            Missing(Reason::NotReached),
            Missing(Reason::NotReached),
            Missing(Reason::NotReached),
        ],
        vec![
            Number(4.0),
            Empty,
            Empty,
            Number(2.0),
            Number(-12.5),
            date(1900, 1, 1),
            text(""),
            text("日本語のテキスト"),
            Number(200.0),
        ],
    ]
}

/// A fresh directory for one test's files.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}
