//! Codebooks as CSV: `fieldwork codebook export --format csv` and the web download give the same
//! file, which Python's csv module reads and Taguette's codebook import accepts (its rules, run
//! here in Python); importing it on the command line or the web gives the codebook back; a file
//! with errors lists each with its CSV line, and nothing is imported.

use std::process::Command;

use fieldwork::codebook::tree::Tree;
use reqwest::StatusCode;
use serde_json::Value as Json;

use super::Study;
use super::exchange::{codebook_in, fieldwork, shipped, stdout, stored_draft, upload};
use crate::surveys::{SHIPPED_SLUG, listed_errors};

/// Taguette's `import_codebook.list_tags_csv` (remram44/taguette), shortened: the header,
/// lower-cased, must have exactly one of `tag`, `name` and `path`; `description` is optional; a
/// row with too few cells or no name is an error. Prints the tags it would import as JSON, then
/// every row as Python's csv module reads it.
const TAGUETTE: &str = r#"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
header = [cell.lower() for cell in rows[0]]
found = [c for c in ("tag", "name", "path") if c in header]
if len(found) != 1:
    sys.exit("Taguette refuses the header: %r" % found)
col_path = header.index(found[0])
col_description = header.index("description") if "description" in header else None
tags = []
for nb, row in enumerate(rows[1:], 2):
    if not any(row):
        continue
    if len(row) < max(c for c in (col_path, col_description) if c is not None) + 1:
        sys.exit("line %d: Not enough columns" % nb)
    path = row[col_path].strip()
    if not path:
        sys.exit("line %d: Empty tag name" % nb)
    tags.append({"path": path, "description": row[col_description].strip() if col_description is not None else ""})
print(json.dumps({"tags": tags, "rows": rows}, ensure_ascii=False))
"#;

fn python() -> String {
    std::env::var("FIELDWORK_PYTHON").unwrap_or_else(|_| "python3".into())
}

#[tokio::test]
async fn the_codebook_as_csv_reads_in_python_and_taguette_and_imports_back_the_same() {
    let study = Study::with_answers(&[]).await;
    let app = &study.app;
    let cli = stdout(&fieldwork(&app.db_path, &["codebook", "export", "--survey", SHIPPED_SLUG, "--format", "csv"]));
    let response = app.get(&format!("/codebooks/{}/export?format=csv", study.codebook)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.ends_with(".csv\""), "{disposition}");
    let web = response.text().await.unwrap();
    assert_eq!(web, cli, "the download and the command line give the same file");

    let path = app.dir.path().join("codebook.csv");
    std::fs::write(&path, &cli).unwrap();
    let output = Command::new(python()).args(["-c", TAGUETTE, path.to_str().unwrap()]).output().expect("python");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let read: Json = serde_json::from_slice(&output.stdout).unwrap();
    let book = shipped();
    let tree = Tree::new(&book);
    let entries = tree.entries();
    let tags: Vec<(String, String)> = read["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["path"].as_str().unwrap().to_string(), t["description"].as_str().unwrap().to_string()))
        .collect();
    let expected: Vec<(String, String)> =
        entries.iter().map(|(_, e)| (tree.path(&e.id), e.short_definition.trim().to_string())).collect();
    assert_eq!(tags, expected, "one tag per entry, its path, its short definition");
    let rows = read["rows"].as_array().unwrap();
    assert_eq!(rows[0].as_array().unwrap().len(), 16);
    assert_eq!((&rows[0][0], &rows[0][10]), (&Json::from("tag"), &Json::from("near_miss")));
    let motivation = rows.iter().find(|r| r[1] == "MOT_ACCESS").expect("a code's row");
    assert_eq!(motivation[2], "MOT_SOCIAL");
    assert_eq!(motivation[4].as_str(), book.entry("MOT_ACCESS").map(|e| e.name.as_str()));
    assert_eq!(motivation[6].as_str(), book.entry("MOT_ACCESS").map(|e| e.definition.as_str()));
    assert_eq!(motivation[10].as_str(), book.entry("MOT_ACCESS").map(|e| e.near_miss.as_str()));

    // Imported again, on the command line and on the web: the same entries, in tree order.
    let mut in_order = book.clone();
    // A CSV holds the codes only: not the description, nor the closed-answer mappings.
    in_order.description = String::new();
    in_order.closed = Vec::new();
    in_order.codes = entries.iter().map(|(_, e)| (*e).clone()).collect();
    let imported =
        stdout(&fieldwork(&app.db_path, &["codebook", "import", "--survey", SHIPPED_SLUG, path.to_str().unwrap()]));
    let id: i64 = imported.trim().parse().unwrap();
    assert_eq!(
        stored_draft(app, id),
        fieldwork::codebook::model::CodebookFile { name: "codebook".into(), ..in_order.clone() }
    );
    let response = upload(app, "Motivations v2.csv", cli.as_bytes()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id = codebook_in(&response);
    assert_eq!(
        stored_draft(app, id),
        fieldwork::codebook::model::CodebookFile { name: "Motivations v2".into(), ..in_order }
    );
}

#[tokio::test]
async fn a_codebook_csv_with_errors_lists_each_with_its_line_and_imports_nothing() {
    let study = Study::with_answers(&[]).await;
    let app = &study.app;
    let bad = "tag,id,parent,kind,code_name,description\n\
               Motivations,MOT,,category,Motivations,\n\
               Motivations / Access,ACCESS,MOT,code,Access,\"Open weights,\nfor all\"\n\
               Motivations / Fun,FUN,MOT,fun,Fun,\n\
               Lost,LOST,NOWHERE,code,Lost,\n";
    let count = || app.query_i64("SELECT COUNT(*) FROM codebooks");
    let before = count();

    let response = upload(app, "broken.csv", bad.as_bytes()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = listed_errors(&response.text().await.unwrap());
    assert!(errors.iter().any(|e| e.contains("line 5: kind: \"fun\" is not code or category")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("line 6, parent: there is no category NOWHERE")), "{errors:?}");
    assert_eq!(count(), before, "nothing imported from the web");

    let path = app.dir.path().join("broken.csv");
    std::fs::write(&path, bad).unwrap();
    let output = fieldwork(&app.db_path, &["codebook", "import", "--survey", SHIPPED_SLUG, path.to_str().unwrap()]);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("broken.csv: line 5: kind: \"fun\" is not code or category"), "{said}");
    assert!(said.contains("broken.csv: line 6, parent: there is no category NOWHERE"), "{said}");
    assert!(said.contains("nothing was imported: 2 problem(s)"), "{said}");
    assert_eq!(count(), before, "nothing imported from the command line");
}
