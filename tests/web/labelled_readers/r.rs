//! R runs the `.R` script over the CSV: the data frame has the expected factor levels (ordered
//! where the variable is ordinal), dates, labels and values, missing codes as NA.

use std::path::Path;
use std::process::Command;

use fieldwork::export::labelled::r;

use super::*;

/// After the script, writes what R made of each column: its class, levels and label
/// (`meta.csv`), and its values as text (`values.csv`, NA as `NA`).
const INSPECT: &str = r#"
source("fixture.R")
meta <- data.frame(
  name = names(responses),
  class = vapply(responses, function(x) paste(class(x), collapse = " "), ""),
  levels = vapply(responses, function(x) paste(levels(x), collapse = "|"), ""),
  label = vapply(responses, function(x) { l <- attr(x, "label"); if (is.null(l)) "" else l }, "")
)
utils::write.csv(meta, "meta.csv", row.names = FALSE, fileEncoding = "UTF-8")
values <- as.data.frame(lapply(responses, as.character), check.names = FALSE)
utils::write.csv(values, "values.csv", row.names = FALSE, fileEncoding = "UTF-8", na = "NA")
"#;

fn records(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_path(path).expect("R's CSV");
    reader.records().map(|r| r.expect("a record").iter().map(str::to_string).collect()).collect()
}

#[test]
fn r_runs_the_script_and_the_data_frame_has_the_expected_levels_labels_and_values() {
    let test = "r_runs_the_script_and_the_data_frame_has_the_expected_levels_labels_and_values";
    let Some(rscript) = tool("Rscript", &["--version"], test) else { return };
    let dir = scratch();
    let dataset = dataset(Package::R);
    let csv = std::fs::File::create(dir.path().join("fixture.csv")).expect("file");
    let written = r::write_csv(&dataset, &mut rows(), csv).expect("the CSV is written");
    assert_eq!(written.cases, 4);
    std::fs::write(dir.path().join("fixture.R"), r::script(&dataset, "fixture.csv")).expect("script");
    let output = Command::new(rscript)
        .current_dir(dir.path())
        .args(["--vanilla", "-e", INSPECT])
        .env("LANG", "C.UTF-8")
        .output()
        .expect("Rscript runs");
    assert!(output.status.success(), "R failed: {}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("Warning"), "R warned: {stderr}");

    let meta = records(&dir.path().join("meta.csv"));
    let meta: Vec<[&str; 4]> = meta.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3]]).collect();
    let long_label = long_label();
    assert_eq!(
        meta,
        [
            ["response_id", "numeric", "", "Response number"],
            ["ROLE", "factor", "Développeuse|Researcher «R»|Other (please specify)", "Quelle est votre fonction ?"],
            ["LANGS_english", "factor", "not selected|selected", "English: Languages?"],
            ["IMP_data", "ordered factor", "Pas important|Un peu|Très important", "Open data: How important?"],
            ["YEARS", "numeric", "", "Years of experience"],
            ["SINCE", "Date", "", "Since when?"],
            ["NOTE", "character", "", long_label.as_str()],
            ["WHY", "character", "", "Why? 日本語"],
            ["v_in", "numeric", "", "A reserved name"],
        ]
    );
    let values = records(&dir.path().join("values.csv"));
    let long = long_text();
    assert_eq!(
        values,
        [
            ["1", "Développeuse", "selected", "Très important", "3.25", "2024-02-29", "ok", long.as_str(), "10"],
            [
                "2",
                "Other (please specify)",
                "not selected",
                "NA",
                "NA",
                "1959-12-31",
                "NA",
                "Kurz: Grüße \"zitiert\", mit Komma\nund Zeile",
                "NA"
            ],
            ["3", "NA", "NA", "NA", "NA", "NA", "NA", "NA", "NA"],
            ["4", "NA", "NA", "Un peu", "-12.5", "1900-01-01", "NA", "日本語のテキスト", "200"],
        ]
    );
}
