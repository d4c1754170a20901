//! The default project as QDA programs read it (QualCoder's importer, as observed in
//! `../shared/README.md`, the strictest): every text in a file that `plainTextPath` names, read
//! back with line-ending translation and sliced at each selection, gives exactly the coded
//! passage; memos on answers are notes selecting their answer; the journal is a file; the
//! consensus codes as a user of its own; no selection twice; characters XML forbids never
//! written; and the project's codebook reads back through fieldwork's own `.qdc` reader.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use fieldwork::codebook::qdc::from_qdc;
use fieldwork::coding::layers::Layer;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::export::qdpx::{QdpxOptions, SourcePer, Texts, write_qdpx};

use super::{Arranged, Node, WHY_2, arrange, code_points, parse, span, unzip, validate};
use crate::helpers::{PASSWORD, TestApp};

/// The project with the default options but `per`.
fn default_project(a: &Arranged, per: SourcePer) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let options = QdpxOptions { source_per: per, ..QdpxOptions::default() };
    write_qdpx(&a.conn, a.survey, a.codebook, &options, &mut out).unwrap();
    out.into_inner()
}

/// A text file as QualCoder reads it: Python's text mode, which turns CR LF and CR into LF.
fn read_as_text(bytes: &str) -> String {
    bytes.replace("\r\n", "\n").replace('\r', "\n")
}

/// The file `plainTextPath` names (`internal://NAME` is `sources/NAME` in the zip), which must
/// be there and read the same with line-ending translation.
fn named_file<'f>(element: &Node, files: &'f BTreeMap<String, String>) -> &'f str {
    let path = element.attrs.get("plainTextPath").unwrap_or_else(|| panic!("no plainTextPath: {element:?}"));
    let name = format!("sources/{}", path.strip_prefix("internal://").expect("an internal:// path"));
    let text = files.get(&name).unwrap_or_else(|| panic!("{name} is not in the zip"));
    assert_eq!(read_as_text(text), *text, "{name}: no CR, which a reader would turn into LF");
    assert!(!text.starts_with('\u{feff}'), "{name}: no byte-order mark, which would count as a character");
    text
}

/// (selection start, end) of an element.
fn positions(selection: &Node) -> (usize, usize) {
    (selection.attr("startPosition").parse().unwrap(), selection.attr("endPosition").parse().unwrap())
}

/// The passages of the codings export (span_text, without formula protection) by coder email
/// and code: what each coded selection must cover.
async fn exported_passages(app: &TestApp, a: &Arranged) -> BTreeSet<(String, String, String)> {
    let path = format!("/surveys/qdpx/export/codings.csv?codebook={}&no_formula_protection=1", a.codebook);
    let csv = app.get(&path).await.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (coder, layer, code, start, text) =
        (column("coder"), column("layer"), column("code"), column("span_start"), column("span_text"));
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| !r[start].is_empty())
        .map(|r| {
            let by = if &r[layer] == "consensus" { "consensus" } else { &r[coder] };
            (by.to_string(), r[code].to_string(), r[text].to_string())
        })
        .collect()
}

#[tokio::test]
async fn every_text_is_a_file_and_each_selection_read_from_it_is_the_coded_passage() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    app.login("rita@example.org", PASSWORD).await;
    let passages = exported_passages(&app, &a).await;
    assert!(passages.iter().any(|(_, _, text)| text.contains("🚀\n\nthen")), "a passage after line breaks");
    assert!(passages.iter().any(|(_, _, text)| text.contains("e\u{300}\u{301}")), "one with combining accents");

    for per in [SourcePer::Answer, SourcePer::Respondent] {
        let bytes = default_project(&a, per);
        validate(&app, &bytes);
        let files = unzip(&bytes);
        let root = parse(&files["project.qde"]);
        let users: BTreeMap<&str, &str> =
            root.child("Users").unwrap().all("User").map(|u| (u.attr("guid"), u.attr("id"))).collect();
        let mut codes = Vec::new();
        root.child("CodeBook").unwrap().descendants("Code", &mut codes);
        let code_ids: BTreeMap<&str, String> = codes
            .iter()
            .map(|c| {
                (
                    c.attr("guid"),
                    c.child("Description").unwrap().text.rsplit("fieldwork id: ").next().unwrap().to_string(),
                )
            })
            .collect();
        let mut sources: BTreeMap<&str, (&Node, &str)> = BTreeMap::new();
        let mut found = BTreeSet::new();
        let mut selections = 0;
        for source in root.child("Sources").unwrap().all("TextSource") {
            assert!(source.child("PlainTextContent").is_none(), "{per:?}: the text is in the file only");
            let text = named_file(source, &files);
            sources.insert(source.attr("guid"), (source, text));
            for selection in source.all("PlainTextSelection") {
                let (start, end) = positions(selection);
                assert!(start < end && end <= text.chars().count(), "{per:?}: {start}..{end} in {text:?}");
                let coding = selection.child("Coding").expect("every selection is a coding");
                let code = &code_ids[coding.child("CodeRef").unwrap().attr("targetGUID")];
                let by = users[selection.attr("creatingUser")].to_string();
                let covered = code_points(text, start, end);
                // A whole answer is coded too; only passages are in the export's span_text.
                let answer = a
                    .conn
                    .query_row("SELECT count(*) FROM answers WHERE value = ?1", [&covered], |r| r.get::<_, i64>(0));
                if answer.unwrap() == 0 {
                    found.insert((by, code.clone(), covered));
                }
                selections += 1;
            }
        }
        assert_eq!(found, passages, "{per:?}: each passage selected exactly");
        assert!(selections > passages.len());

        // Memos on answers: notes selecting their answer in the source that refers to them.
        let notes: Vec<&Node> = root.child("Notes").unwrap().all("Note").collect();
        assert!(notes.iter().all(|n| n.attrs.contains_key("creationDateTime")), "QualCoder needs a time on each");
        let on_answer = notes.iter().find(|n| n.attr("name").starts_with("Memo on response")).unwrap();
        let (source, text) = sources
            .values()
            .find(|(s, _)| s.all("NoteRef").any(|r| r.attr("targetGUID") == on_answer.attr("guid")))
            .expect("a source refers to the memo");
        assert!(source.all("PlainTextSelection").all(|s| s.child("NoteRef").is_none()));
        let selected = positions(on_answer.child("PlainTextSelection").expect("the memo selects its answer"));
        assert_eq!(code_points(text, selected.0, selected.1), super::WHY_1);
        assert_eq!(on_answer.child("PlainTextContent").unwrap().text, "Strong <case> & \"clear\"\nsecond line");
        // The journal: a note of its own with a text file; the project refers to it.
        let journal = notes.iter().find(|n| n.attr("name") == "Journal").unwrap();
        assert!(named_file(journal, &files).ends_with("Day one: coded 2 answers."));
        assert_eq!(root.child("NoteRef").unwrap().attr("targetGUID"), journal.attr("guid"));
    }
}

#[tokio::test]
async fn a_passage_covering_its_whole_answer_is_one_selection() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    // Ann applied FUN to the whole of WHY_2; she now marks all of it as a passage too.
    let ann = a.conn.query_row("SELECT id FROM users WHERE email = 'ann@example.org'", [], |r| r.get(0)).unwrap();
    let by = Coder { codebook_id: a.codebook, codebook_version: 1, coder_id: ann, layer: "coder" };
    let (start, end) = span(WHY_2, WHY_2);
    let r2 = a.responses[1];
    store::apply_span(&a.conn, by, UnitRef { response_id: r2, question: "WHY" }, "FUN", start, end).unwrap();

    for per in [SourcePer::Answer, SourcePer::Respondent] {
        let files = unzip(&default_project(&a, per));
        let root = parse(&files["project.qde"]);
        let ann_guid = root.child("Users").unwrap().all("User").find(|u| u.attr("id") == "ann@example.org").unwrap();
        let mut whole = 0;
        for source in root.child("Sources").unwrap().all("TextSource") {
            let text = named_file(source, &files);
            whole += source
                .all("PlainTextSelection")
                .filter(|s| s.attr("creatingUser") == ann_guid.attr("guid"))
                .filter(|s| code_points(text, positions(s).0, positions(s).1) == WHY_2)
                .count();
        }
        assert_eq!(whole, 1, "{per:?}: the whole answer once, not once more as a passage");
    }
}

#[tokio::test]
async fn control_characters_in_a_code_name_or_an_answer_never_reach_the_xml_and_positions_hold() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    // Stored before typed text was checked: a BEL in a code's name, an ESC and a CR in an answer.
    for table in ["codebook_versions SET snapshot = replace(snapshot", "codebooks SET draft = replace(draft"] {
        let sql = format!("UPDATE {table}, '\"name\":\"Fun\"', '\"name\":\"Fun\\u0007\"')");
        assert_eq!(a.conn.execute(&sql, []).unwrap(), 1, "{sql}");
    }
    let stored = "Bell \u{1b}[1m and\r\nthen the passage.";
    let r3 = a.responses[2];
    a.conn
        .execute("INSERT INTO answers (response_id, question, item, value) VALUES (?1, 'WHY', '', ?2)", (r3, stored))
        .unwrap();
    let bob = Coder { codebook_id: a.codebook, codebook_version: 1, coder_id: a.bob, layer: "coder" };
    let (start, end) = span(stored, "the passage");
    store::apply_span(&a.conn, bob, UnitRef { response_id: r3, question: "WHY" }, "FUN", start, end).unwrap();

    for texts in [Texts::Files, Texts::Inline] {
        for per in [SourcePer::Answer, SourcePer::Respondent] {
            let mut out = Cursor::new(Vec::new());
            let options = QdpxOptions { source_per: per, texts, layer: Layer::Default };
            write_qdpx(&a.conn, a.survey, a.codebook, &options, &mut out).unwrap();
            let bytes = out.into_inner();
            validate(&app, &bytes);
            let files = unzip(&bytes);
            assert!(files.values().all(|f| !f.contains(['\u{7}', '\u{1b}', '\r'])), "{texts:?} {per:?}");
            let root = parse(&files["project.qde"]);
            let mut codes = Vec::new();
            root.child("CodeBook").unwrap().descendants("Code", &mut codes);
            assert!(codes.iter().any(|c| c.attr("name") == "Fun\u{fffd}"), "replaced, one for one");
            let source = root
                .child("Sources")
                .unwrap()
                .all("TextSource")
                .find(|s| s.attr("name").starts_with(&format!("Response {r3}")))
                .unwrap();
            let text = match source.child("PlainTextContent") {
                Some(content) => content.text.clone(),
                None => named_file(source, &files).to_string(),
            };
            assert!(text.contains("Bell \u{fffd}[1m and\n\nthen"), "{text:?}");
            let passage = source
                .all("PlainTextSelection")
                .map(positions)
                .map(|(s, e)| code_points(&text, s, e))
                .collect::<Vec<_>>();
            assert!(passage.contains(&"the passage".to_string()), "{texts:?} {per:?}: {passage:?}");
        }
    }
    let qdc = fieldwork::codebook::qdc::to_qdc(&a_codebook(&a));
    if let Some(schema) = crate::helpers::shared_file("refi-qda/Codebook.xsd") {
        let path = app.dir.path().join("control.qdc");
        std::fs::write(&path, &qdc).unwrap();
        let lint = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .arg(&path)
            .output()
            .unwrap();
        assert!(lint.status.success(), "{}", String::from_utf8_lossy(&lint.stderr));
    }
    assert!(qdc.contains("name=\"Fun\u{fffd}\""));
}

/// The codebook's published version, as stored.
fn a_codebook(a: &Arranged) -> fieldwork::codebook::model::CodebookFile {
    fieldwork::codebook::store::version(&a.conn, a.codebook, 1).unwrap().unwrap()
}

#[tokio::test]
async fn the_projects_codebook_reads_back_through_fieldworks_qdc_reader_unchanged() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let files = unzip(&default_project(&a, SourcePer::Answer));
    let qde = &files["project.qde"];
    let (from, to) = (qde.find("<CodeBook>").unwrap(), qde.find("</CodeBook>").unwrap());
    let qdc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">{}</CodeBook>",
        &qde[from + "<CodeBook>".len()..to]
    );

    let read = from_qdc(qdc.as_bytes(), "Motivations").unwrap_or_else(|e| panic!("{e:?}"));

    assert_eq!(read.file, a_codebook(&a));
}
