//! PSPP opens the `.sav` without a warning and prints its dictionary — names, labels,
//! measurement levels, formats, user-missing values, value labels — and its data.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use fieldwork::export::labelled::sav;

use super::*;

/// Runs `syntax` through PSPP in `dir`, returning its tables (by title) as CSV records; fails
/// on any warning or error.
pub fn run_pspp(pspp: &Path, dir: &Path, syntax: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    std::fs::write(dir.join("read.sps"), syntax).expect("syntax written");
    let output = Command::new(pspp)
        .current_dir(dir)
        .args(["read.sps", "-o", "out.csv"])
        .env("LANG", "C.UTF-8")
        .output()
        .expect("pspp runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "pspp failed: {said}");
    assert!(!said.contains("warning") && !said.contains("error"), "pspp complained: {said}");
    let text = std::fs::read_to_string(dir.join("out.csv")).expect("pspp's output");
    assert!(!text.contains("warning") && !text.contains("error"), "pspp complained: {text}");
    let mut tables: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut current = String::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    for record in reader.records() {
        let record: Vec<String> = record.expect("a CSV record").iter().map(str::to_string).collect();
        match record.first().and_then(|first| first.strip_prefix("Table: ")) {
            Some(title) => current = title.to_string(),
            None if record.iter().all(String::is_empty) => {}
            None => tables.entry(current.clone()).or_default().push(record),
        }
    }
    tables
}

#[test]
fn pspp_opens_the_sav_and_prints_its_dictionary_with_names_labels_and_value_labels() {
    let test = "pspp_opens_the_sav_and_prints_its_dictionary_with_names_labels_and_value_labels";
    let Some(pspp) = tool("pspp", &["--version"], test) else { return };
    let dir = scratch();
    let dataset = dataset(Package::Spss);
    let file = std::fs::File::create(dir.path().join("fixture.sav")).expect("file");
    let written = sav::write(&dataset, &mut rows(), file).expect("the .sav is written");
    assert_eq!((written.cases, written.texts_cut), (4, 0));

    let names: Vec<&str> = dataset.variables.iter().map(|v| v.name.as_str()).collect();
    let syntax = format!(
        "GET FILE='fixture.sav'.\nDISPLAY DICTIONARY.\nLIST /VARIABLES={}.\n",
        names.iter().filter(|n| **n != "WHY").copied().collect::<Vec<_>>().join(" ")
    );
    let tables = run_pspp(&pspp, dir.path(), &syntax);

    // Name, label, measurement level, print format, user-missing values.
    let variables: Vec<[&str; 5]> =
        tables["Variables"][1..].iter().map(|r| [&*r[0], &*r[2], &*r[3], &*r[7], &*r[9]]).collect();
    let codes = "-66; -77; -99";
    let note_label = long_label();
    let cut = note_label.char_indices().map(|(i, _)| i).take_while(|i| *i <= 255).last().expect("a cut");
    let note_label = note_label[..cut].trim_end();
    let why = format!("A{}", long_text().len());
    assert_eq!(
        variables,
        [
            ["response_id", "Response number", "Nominal", "F8.0", codes],
            ["ROLE", "Quelle est votre fonction ?", "Nominal", "F8.0", codes],
            ["LANGS_english", "English: Languages?", "Nominal", "F8.0", codes],
            ["IMP_data", "Open data: How important?", "Ordinal", "F8.0", codes],
            ["YEARS", "Years of experience", "Scale", "F14.2", codes],
            ["SINCE", "Since when?", "Scale", "DATE11", ""],
            ["NOTE", note_label, "Nominal", "A3", "\"-66\"; \"-77\"; \"-99\""],
            ["WHY", "Why? 日本語", "Nominal", why.as_str(), ""],
            ["in", "A reserved name", "Scale", "F8.0", codes],
        ]
    );
    assert!(long_label().len() > 255, "the label must be past SPSS's limit for this test");

    // Value labels: the variable's label starts each group.
    let labels: Vec<[&str; 3]> =
        tables["Value Labels"][1..].iter().filter(|r| r.len() == 3).map(|r| [&*r[0], &*r[1], &*r[2]]).collect();
    let role_at = labels.iter().position(|r| r[0] == "Quelle est votre fonction ?").expect("ROLE's labels");
    assert_eq!(
        labels[role_at..role_at + 6],
        [
            ["Quelle est votre fonction ?", "-99[a]", "shown and skipped"],
            ["", "-77[a]", "not reached"],
            ["", "-66[a]", "not shown"],
            ["", "1", "Développeuse"],
            ["", "2", "Researcher «R»"],
            ["", "3", "Other (please specify)"],
        ]
    );
    assert!(!labels.iter().any(|r| r[0] == "Since when?"), "dates carry no codes in SPSS");

    let data: Vec<Vec<&str>> =
        tables["Data List"][1..].iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    assert_eq!(
        data,
        [
            ["1", "1", "1", "3", "3.25", "29-FEB-2024", "ok", "10"],
            ["2", "3", "0", "-66", "-99.00", "31-DEC-1959", "-99", "."],
            ["3", "-77", "-77", "-77", "-77.00", ".", "-77", "-77"],
            ["4", ".", ".", "2", "-12.50", "01-JAN-1900", "", "200"],
        ]
    );
}

#[test]
fn pspp_reads_a_very_long_string_back_whole() {
    let Some(pspp) = tool("pspp", &["--version"], "pspp_reads_a_very_long_string_back_whole") else { return };
    let dir = scratch();
    let file = std::fs::File::create(dir.path().join("fixture.sav")).expect("file");
    sav::write(&dataset(Package::Spss), &mut rows(), file).expect("the .sav is written");
    let tables = run_pspp(&pspp, dir.path(), "GET FILE='fixture.sav'.\nLIST /VARIABLES=WHY.\n");
    let texts: Vec<&str> = tables["Data List"][1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        texts,
        [long_text().as_str(), "Kurz: Grüße \"zitiert\", mit Komma\nund Zeile", "-77", "日本語のテキスト"]
    );
}
