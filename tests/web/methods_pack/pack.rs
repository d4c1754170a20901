//! The pack itself: written by the command, downloaded as a zip of the same files, its figures
//! those of the pages, its manifest true, nothing in it pointing outside it.

use std::collections::BTreeMap;
use std::io::Read as _;

use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use super::fixture::{RESEARCHER, SLUG, arrange, files, report, written};
use crate::helpers::{PASSWORD, TestApp};

fn text(files: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(
        files.get(name).unwrap_or_else(|| panic!("{name} is not in the pack: {:?}", files.keys())).clone(),
    )
    .unwrap()
}

/// The value of `measure` for `group` (and `page`) in response-flow.csv.
fn flow(csv: &str, section: &str, group: &str, page: &str, measure: &str) -> i64 {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for row in reader.records() {
        let row = row.unwrap();
        if (&row[0], &row[1], &row[2], &row[3]) == (section, group, page, measure) {
            return row[4].parse().unwrap();
        }
    }
    panic!("no {section}/{group}/{page}/{measure} in\n{csv}")
}

/// The reached and stopped counts of a page in the responses page's breakoff table.
fn breakoff_on_page(html: &str, page: &str) -> (i64, i64) {
    let table = &html[html.find("id=\"breakoff\"").expect("the breakoff table")..];
    let row = &table[table.find(&format!("<code>{page}</code>")).unwrap()..];
    let cells: Vec<i64> = row
        .split("<td>")
        .skip(1)
        .take(2)
        .map(|cell| cell[..cell.find("</td>").unwrap()].trim().parse().unwrap())
        .collect();
    (cells[0], cells[1])
}

#[tokio::test]
async fn the_command_writes_a_pack_whose_figures_are_the_pages_figures() {
    let app = TestApp::spawn().await;
    let arranged = arrange(&app);
    // The audit log: a merge in this survey's codebook (its target a code) is the survey's; an
    // entry about another survey's codebook of the same name is not.
    {
        let conn = fieldwork::db::open(&app.db_path).unwrap();
        let ours = fieldwork::audit::about_codebook(arranged.codebook_id, "into Y");
        fieldwork::audit::record(&conn, None, "codebook.merge", "X", &ours).unwrap();
        let theirs = fieldwork::audit::about_codebook(arranged.codebook_id + 1000, "version 7");
        fieldwork::audit::record(&conn, None, "codebook.publish", "Motives", &theirs).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let pack = files(&written(&app, dir.path(), &["--quasi-identifiers", "ROLE,SIZE", "--k", "2"]));
    app.login(RESEARCHER, PASSWORD).await;
    let id = arranged.codebook_id;

    for name in [
        "index.html",
        "pack.css",
        "manifest.sha256",
        "questionnaire-en.html",
        "questionnaire-es.html",
        "response-flow.html",
        "response-flow.csv",
        &format!("codebook-{id}.html"),
        &format!("codebook-{id}-changes.csv"),
        &format!("reliability-{id}.html"),
        &format!("agreement-{id}.csv"),
        &format!("coder-vs-consensus-{id}.csv"),
        &format!("reconciliations-{id}.csv"),
        "closed-vs-coded.html",
        &format!("closed-vs-coded-{id}.csv"),
        "disclosure.html",
        "disclosure.csv",
        "audit-log.csv",
    ] {
        assert!(pack.contains_key(name), "{name} missing from {:?}", pack.keys());
    }

    let audit = text(&pack, "audit-log.csv");
    assert!(audit.contains("codebook.merge"), "{audit}");
    assert!(!audit.contains("version 7"), "another survey's codebook of the same name: {audit}");

    // Agreement: the agreement page's CSV, byte for byte.
    let page_csv = app.get(&format!("/codebooks/{id}/agreement.csv")).await;
    assert_eq!(page_csv.status(), StatusCode::OK);
    assert_eq!(page_csv.bytes().await.unwrap().as_ref(), pack[&format!("agreement-{id}.csv")].as_slice());

    // Closed answers against the coding: the comparison page's CSV, the open answers left out.
    let page_csv = app.get(&format!("/codebooks/{id}/agreement/closed.csv")).await;
    assert_eq!(page_csv.status(), StatusCode::OK);
    let page_csv = page_csv.text().await.unwrap();
    let pack_csv = text(&pack, &format!("closed-vs-coded-{id}.csv"));
    let records = |csv: &str| -> Vec<Vec<String>> {
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        reader.records().map(|row| row.unwrap().iter().map(str::to_string).collect()).collect()
    };
    let (on_page, in_pack) = (records(&page_csv), records(&pack_csv));
    assert_eq!(on_page.len(), in_pack.len());
    let agreement_rows = on_page.iter().filter(|row| row[1] == "agreement").count();
    assert!(agreement_rows > 0, "{page_csv}");
    for (page_row, pack_row) in on_page.iter().zip(&in_pack) {
        assert_eq!(page_row[..16], pack_row[..16], "every figure and response as on the page");
        assert_eq!(pack_row[16], "", "no open answer's text in the pack");
    }
    assert!(on_page.iter().any(|row| row[16].contains("reason")), "the page's CSV has the open answers");
    let closed = text(&pack, "closed-vs-coded.html");
    assert!(closed.contains("Coders could see the respondents"), "the blinding said: {closed}");
    assert!(!closed.contains("reason 1"), "no open answer's text in the pack: {closed}");

    // Response flow: the overview's counts and the responses page's breakoff, overall and per language.
    let flow_csv = text(&pack, "response-flow.csv");
    let (_, overview) = app.get_page(&format!("/surveys/{SLUG}")).await;
    let (complete, partial) =
        (flow(&flow_csv, "overall", "all", "", "complete"), flow(&flow_csv, "overall", "all", "", "partial"));
    assert_eq!((complete, partial), (5, 2));
    assert!(overview.contains(&format!("{complete} complete, {partial} partial")), "{overview}");
    for (group, query) in [("All responses", ""), ("Language en", "?language=en"), ("Language es", "?language=es")] {
        let (_, responses) = app.get_page(&format!("/surveys/{SLUG}/responses{query}")).await;
        for page in ["about", "why"] {
            let pack_figures = (
                flow(&flow_csv, "breakoff", group, page, "reached"),
                flow(&flow_csv, "breakoff", group, page, "stopped"),
            );
            assert_eq!(pack_figures, breakoff_on_page(&responses, page), "{group}, page {page}");
        }
    }
    assert_eq!(flow(&flow_csv, "breakoff", "Language es", "about", "stopped"), 1);

    // Codebook: the version coders use, each code with its definition.
    let codebook = text(&pack, &format!("codebook-{id}.html"));
    assert!(codebook.contains("Version 1, the version coders use"), "{codebook}");
    assert!(codebook.contains("Making models usable by people without large compute."), "{codebook}");

    // Reliability: the reconciliation with who and what changed; the accepted suggestion with its model.
    let reconciled = text(&pack, &format!("reconciliations-{id}.csv"));
    assert!(reconciled.contains(RESEARCHER) && reconciled.contains("Access is not argued here"), "{reconciled}");
    let reliability = text(&pack, &format!("reliability-{id}.html"));
    assert!(reliability.contains("1 codings came from accepted suggestions"), "{reliability}");
    assert!(reliability.contains("abc123model"), "{reliability}");
    assert!(text(&pack, &format!("coder-vs-consensus-{id}.csv")).contains("ann@example.org"));

    // Questionnaire: logic in words, piping, constraint, exclusive choice, consent, in each language.
    let en = text(&pack, "questionnaire-en.html");
    for said in [
        "This page is shown only when the answer to ROLE is \u{201c}dev\u{201d} or the answer to SIZE is more than 10.",
        "Its text shows the answer to ROLE (or \u{201c}member\u{201d} when unanswered).",
        "Accepted only when the answer is more than 0 (else: \u{201c}At least one.\u{201d}).",
        "excludes every other choice",
        "Contact: team@example.org",
    ] {
        assert!(en.contains(&said.replace('"', "&quot;")) || en.contains(said), "{said} not in\n{en}");
    }
    assert!(text(&pack, "questionnaire-es.html").contains("Desarrolladora"));

    // Disclosure: the lead of 40 is alone (below k = 2); the three developers are not listed.
    let disclosure = text(&pack, "disclosure.csv");
    assert_eq!(disclosure.trim(), "ROLE,SIZE,responses\nlead,3,1\nlead,40,1", "{disclosure}");
}

#[tokio::test]
async fn the_manifest_verifies_the_index_links_every_file_and_nothing_leaves_the_pack() {
    let app = TestApp::spawn().await;
    arrange(&app);
    let dir = tempfile::tempdir().unwrap();
    let pack = files(&written(&app, dir.path(), &[]));

    let manifest = text(&pack, "manifest.sha256");
    let mut listed = Vec::new();
    for line in manifest.lines() {
        let (hash, name) = line.split_once("  ").unwrap();
        let actual: String = Sha256::digest(&pack[name]).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, actual, "{name}");
        listed.push(name.to_string());
    }
    let others: Vec<&String> = pack.keys().filter(|n| *n != "manifest.sha256").collect();
    assert_eq!(listed.iter().collect::<std::collections::BTreeSet<_>>(), others.into_iter().collect());

    let index = text(&pack, "index.html");
    for name in pack.keys().filter(|n| *n != "index.html") {
        assert!(index.contains(&format!("href=\"{name}\"")), "index.html does not link {name}");
    }
    for (name, bytes) in &pack {
        let content = String::from_utf8_lossy(bytes);
        for external in
            ["http://", "https://", "src=\"/", "href=\"/", "src=\"//", "href=\"//", "url(", "@import", "file:"]
        {
            assert!(!content.contains(external), "{name} refers outside the pack: {external}");
        }
        assert!(!content.contains(dir.path().to_str().unwrap()), "{name} names an absolute path");
        if name.ends_with(".html") {
            assert!(content.contains("href=\"pack.css\""), "{name} does not use the pack's stylesheet");
        }
    }
    assert!(text(&pack, "pack.css").contains("@media print"));
}

#[tokio::test]
async fn the_download_is_a_zip_of_the_same_files_recorded_in_the_audit_log() {
    let app = TestApp::spawn().await;
    arrange(&app);
    let dir = tempfile::tempdir().unwrap();
    let folder = files(&written(&app, dir.path(), &[]));
    app.login(RESEARCHER, PASSWORD).await;
    let response = app.get(&format!("/surveys/{SLUG}/report/methods-pack.zip")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut zipped = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        zipped.insert(entry.name().unwrap().to_string(), content);
    }
    assert_eq!(zipped.keys().collect::<Vec<_>>(), folder.keys().collect::<Vec<_>>());
    for (name, content) in &folder {
        assert!(zipped[name] == *content, "{name} differs between the folder and the download");
    }
    let audited = app.query_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'report.download' AND target = 'pack'");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn bad_input_on_the_command_line_is_refused_with_its_reason() {
    let app = TestApp::spawn().await;
    arrange(&app);
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("notes.txt"), "mine").unwrap();
    let a_file = dir.path().join("a-file");
    std::fs::write(&a_file, "x").unwrap();
    let under_a_file = a_file.join("pack");
    let new = dir.path().join("new");
    let new = new.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["--survey", "nope", "--out", new], "there is no survey with the address \"nope\""),
        (&["--survey", SLUG, "--out", full.to_str().unwrap()], "the folder is not empty"),
        (&["--survey", SLUG, "--out", under_a_file.to_str().unwrap()], "a-file/pack"),
        (
            &["--survey", SLUG, "--out", new, "--quasi-identifiers", "ROLE,NOPE"],
            "\"NOPE\" is not a question of this survey",
        ),
        (&["--survey", SLUG, "--out", new, "--quasi-identifiers", "WHY"], "\"WHY\" is a text question"),
        (&["--survey", SLUG, "--out", new, "--k", "1"], "at least 2"),
    ];
    for (args, expected) in cases {
        let output = report(&app.db_path, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(!std::path::Path::new(new).exists(), "a refused pack wrote nothing");
    assert_eq!(std::fs::read_to_string(full.join("notes.txt")).unwrap(), "mine");
}
