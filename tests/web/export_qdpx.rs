//! The REFI-QDA project export (.qdpx): project.qde validates against the schema, every coded
//! selection covers exactly its passage or its whole answer (per answer and per respondent), and
//! codes, users, variables, cases and notes are all there, the same bytes each time; the texts
//! inline give one zip entry with the same sources as the texts in files; and the same file comes
//! from the web download and `fieldwork export --what qdpx`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use fieldwork::accounts::Role;
use fieldwork::codebook::qdc::guid_for_id;
use fieldwork::coding::layers::Layer;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::export::qdpx::{ExportError, QdpxOptions, SourcePer, Texts, write_qdpx};
use fieldwork::survey::members::MemberRole;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use reqwest::StatusCode;
use rusqlite::Connection;

use crate::exports::cli;
use crate::helpers::{PASSWORD, TestApp, shared_file};

mod clients;

const SURVEY: &str = r#"
format = 1
slug = "qdpx"
default_language = "en"
languages = ["en", "es"]
title = { en = "Open models & <you>", es = "Modelos abiertos" }
description = { en = "Why people build open models." }
[[pages]]
code = "p1"
[[pages.questions]]
code = "INTRO"
type = "display"
text = { en = "About you", es = "Sobre usted" }
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why do you contribute?", es = "¿Por qué contribuye?" }
[[pages.questions]]
code = "ROLE"
type = "single_choice"
other = true
text = { en = "Your role", es = "Su papel" }
choices = [{ code = "dev", label = { en = "Developer", es = "Desarrolladora" } }, { code = "res", label = { en = "Researcher", es = "Investigadora" } }]
[[pages.questions]]
code = "USES"
type = "multiple_choice"
other = true
text = { en = "Uses", es = "Usos" }
choices = [{ code = "a", label = { en = "Alpha", es = "Alfa" } }, { code = "b", label = { en = "Beta", es = "Beta" } }, { code = "c", label = { en = "Gamma", es = "Gama" } }]
[[pages.questions]]
code = "GRID"
type = "matrix"
text = { en = "Importance", es = "Importancia" }
rows = [{ code = "r1", label = { en = "Access", es = "Acceso" } }, { code = "r2", label = { en = "Science", es = "Ciencia" } }]
choices = [{ code = "lo", label = { en = "Low", es = "Baja" } }, { code = "hi", label = { en = "High", es = "Alta" } }]
[[pages.questions]]
code = "YEARS"
type = "number"
text = { en = "Years", es = "Años" }
[[pages.questions]]
code = "SHARE"
type = "number"
number_kind = "decimal"
text = { en = "Share of time", es = "Parte del tiempo" }
[[pages.questions]]
code = "SINCE"
type = "date"
text = { en = "Since", es = "Desde" }
[[pages.questions]]
code = "HOW"
type = "short_text"
text = { en = "How did you start?", es = "¿Cómo empezó?" }
"#;

const CODEBOOK: &str = r#"
format = 1
name = "Motivations"
[[codes]]
id = "MOT"
kind = "category"
name = "Motivations"
[[codes]]
id = "ACCESS"
parent = "MOT"
name = "Access & <equity>"
[[codes]]
id = "SCIENCE"
parent = "MOT"
name = "Open science 🔬"
[[codes]]
id = "FUN"
name = "Fun"
"#;

/// Texts with a combining accent, emoji (one with a skin tone and a joiner), right-to-left
/// Hebrew, markup characters and line breaks (stored as LF, as typed text is).
const WHY_1: &str = "Je veux l'acce\u{300}s pour tous 👩🏽‍🔬 & <la> science ouverte.";
const HOW_1: &str = "שלום! I started with מודל פתוח in 2023 🚀\n\nthen stayed.";
const WHY_2: &str = "Fun 🎉🎉 and access for all — e\u{300}\u{301} marks.";

/// What the tests arranged.
struct Arranged {
    conn: Connection,
    survey: i64,
    codebook: i64,
    responses: [i64; 3],
    bob: i64,
}

fn insert_response(conn: &Connection, survey: i64, status: &str, seed: u8, answers: &[(&str, &str, &str)]) -> i64 {
    conn.execute(
        "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at) \
         VALUES (?1, ?2, ?3, 1, 'en', '2026-01-01T09:00:00Z', ?4)",
        rusqlite::params![survey, vec![seed; 32], status, format!("2026-01-0{seed}T10:00:00Z")],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    for (question, item, value) in answers {
        conn.execute(
            "INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![id, question, item, value],
        )
        .unwrap();
    }
    id
}

/// Code points `[start, end)` of the first `needle` in `text`.
fn span(text: &str, needle: &str) -> (i64, i64) {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {text:?}"));
    let start = text[..at].chars().count() as i64;
    (start, start + needle.chars().count() as i64)
}

fn code_points(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

/// Three complete responses (one without open answers), a partial one, two coders with whole
/// and passage codings, a consensus by a researcher, and memos on an answer, a code and the
/// journal.
fn arrange(app: &TestApp) -> Arranged {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).unwrap();
    let codebook = fieldwork::codebook::import(&conn, survey, &file, "test", None).unwrap();
    let ann = app.add_user("ann@example.org", Role::Coder);
    let bob = app.add_user("bob@example.org", Role::Coder);
    let rita = app.add_user("rita@example.org", Role::Researcher);
    conn.execute("UPDATE users SET name = 'Rita Ló' WHERE id = ?1", [rita]).unwrap();
    app.add_user("idle@example.org", Role::Coder);
    for (email, role) in [
        ("ann@example.org", MemberRole::Coder),
        ("bob@example.org", MemberRole::Coder),
        ("rita@example.org", MemberRole::Researcher),
    ] {
        app.add_member(survey, email, role);
    }

    let r1 = insert_response(
        &conn,
        survey,
        "complete",
        1,
        &[
            ("WHY", "", WHY_1),
            ("HOW", "", HOW_1),
            ("ROLE", "", "res"),
            ("USES", "a", "1"),
            ("USES", "c", "1"),
            ("USES", "other", "teaching"),
            ("GRID", "r1", "hi"),
            ("GRID", "r2", "lo"),
            ("YEARS", "", "12"),
            ("SHARE", "", "0.25"),
            ("SINCE", "", "2023-05-01"),
        ],
    );
    let r2 = insert_response(
        &conn,
        survey,
        "complete",
        2,
        &[("WHY", "", WHY_2), ("ROLE", "", "other"), ("ROLE", "other", "Teacher"), ("YEARS", "", "3")],
    );
    let r3 = insert_response(&conn, survey, "complete", 3, &[("ROLE", "", "dev")]);
    let partial = insert_response(&conn, survey, "partial", 4, &[("WHY", "", "not finished")]);

    let by = |coder_id: i64, layer: &'static str| Coder { codebook_id: codebook, codebook_version: 1, coder_id, layer };
    let unit = |response_id: i64, question: &'static str| UnitRef { response_id, question };
    let passage = |coder: Coder, at: UnitRef, code: &str, text: &str, needle: &str| {
        let (start, end) = span(text, needle);
        store::apply_span(&conn, coder, at, code, start, end).unwrap();
    };
    passage(by(ann, "coder"), unit(r1, "WHY"), "ACCESS", WHY_1, "l'acce\u{300}s pour tous 👩🏽‍🔬");
    passage(by(ann, "coder"), unit(r1, "WHY"), "SCIENCE", WHY_1, "science ouverte");
    passage(by(ann, "coder"), unit(r1, "HOW"), "FUN", HOW_1, "מודל פתוח in 2023 🚀\n\nthen");
    store::apply_whole(&conn, by(bob, "coder"), unit(r1, "WHY"), "SCIENCE").unwrap();
    store::apply_whole(&conn, by(ann, "coder"), unit(r2, "WHY"), "FUN").unwrap();
    store::apply_whole(&conn, by(bob, "coder"), unit(r2, "WHY"), "FUN").unwrap();
    passage(by(bob, "coder"), unit(r2, "WHY"), "ACCESS", WHY_2, "access for all — e\u{300}\u{301}");
    store::apply_whole(&conn, by(ann, "coder"), unit(partial, "WHY"), "FUN").unwrap();
    for (response, coder) in [(r1, ann), (r1, bob), (r2, ann), (r2, bob)] {
        store::set_done(&conn, codebook, unit(response, "WHY"), coder, true).unwrap();
    }
    let consensus = ["ACCESS".to_string(), "SCIENCE".to_string()];
    store::reconcile(&conn, by(rita, "coder"), unit(r1, "WHY"), &consensus, "agreed").unwrap();

    let memo = |kind: &str, at: Option<UnitRef>, code: Option<&str>, author: i64, body: &str| {
        store::add_memo(&conn, codebook, kind, at, code, author, body).unwrap();
    };
    memo("answer", Some(unit(r1, "WHY")), None, rita, "Strong <case> & \"clear\"\nsecond line");
    memo("code", None, Some("ACCESS"), rita, "Access overlaps science ⚖️");
    memo("journal", None, None, ann, "Day one: coded 2 answers.");
    Arranged { conn, survey, codebook, responses: [r1, r2, r3], bob }
}

/// A project with the texts in files, `sources/GUID.txt`.
fn export(a: &Arranged, source_per: SourcePer, layer: Layer) -> Vec<u8> {
    export_as(a, source_per, layer, Texts::Files)
}

fn export_as(a: &Arranged, source_per: SourcePer, layer: Layer, texts: Texts) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    write_qdpx(&a.conn, a.survey, a.codebook, &QdpxOptions { source_per, texts, layer }, &mut out).unwrap();
    out.into_inner()
}

/// The entries of a zip, by name.
pub fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut entries = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        entries.insert(name, text);
    }
    entries
}

/// An element of project.qde, read back.
#[derive(Debug, Default, Clone, PartialEq)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, key: &str) -> &str {
        self.attrs.get(key).map_or_else(|| panic!("<{}> has no {key}", self.name), String::as_str)
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Every element of that name at any depth below.
    fn descendants<'a>(&'a self, name: &str, found: &mut Vec<&'a Node>) {
        for child in &self.children {
            if child.name == name {
                found.push(child);
            }
            child.descendants(name, found);
        }
    }

    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

fn parse(xml: &str) -> Node {
    let start = |e: &BytesStart| Node {
        name: e.local_name().into_inner().to_string(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (a.key.0.to_string(), a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned())
            })
            .collect(),
        ..Node::default()
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(start(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().children.push(start(&e)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&r).unwrap().to_string(),
                };
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().unwrap().children.remove(0)
}

fn project(bytes: &[u8]) -> Node {
    parse(&unzip(bytes)["project.qde"])
}

/// The REFI-QDA project schema, when the reference folder `../shared/` is there.
fn project_schema() -> Option<PathBuf> {
    shared_file("refi-qda/Project.xsd")
}

fn xmllint(schema: &Path, file: &Path) -> Result<(), String> {
    match Command::new("xmllint").arg("--noout").arg("--schema").arg(schema).arg(file).output() {
        Err(err) => panic!("xmllint could not run ({err}): install Debian's libxml2-utils, as .ci/test does"),
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

#[tokio::test]
async fn project_qde_validates_against_the_refi_qda_project_schema() {
    let Some(schema) = project_schema() else { return };
    let app = TestApp::spawn().await;
    let a = arrange(&app);

    for texts in [Texts::Inline, Texts::Files] {
        for source_per in [SourcePer::Answer, SourcePer::Respondent] {
            let qde = unzip(&export_as(&a, source_per, Layer::Default, texts)).remove("project.qde").unwrap();
            let path = app.dir.path().join("project.qde");
            std::fs::write(&path, &qde).unwrap();
            xmllint(&schema, &path).unwrap_or_else(|err| panic!("{texts:?}, {source_per:?}: {err}\n{qde}"));
            // The check bites: an empty <Sets>, which the schema forbids, is refused.
            let broken = qde.replacen("\n  <Description>", "\n  <Sets/><Description>", 1);
            assert_ne!(broken, qde);
            std::fs::write(&path, &broken).unwrap();
            assert!(xmllint(&schema, &path).is_err(), "xmllint accepted an empty <Sets>");
        }
    }
    // A source's text comes before its selections, as the schema's sequence wants: moved after
    // them, it is refused.
    let qde = unzip(&export_as(&a, SourcePer::Answer, Layer::Default, Texts::Inline)).remove("project.qde").unwrap();
    let (from, to) = (qde.find("<PlainTextContent>").unwrap(), qde.find("</PlainTextContent>").unwrap());
    let content = &qde[from..to + "</PlainTextContent>".len()];
    let end = qde.find("</TextSource>").unwrap();
    assert!(qde[to..end].contains("<PlainTextSelection"), "the first source has selections");
    let moved = format!("{}{}{content}{}", &qde[..from], &qde[from + content.len()..end], &qde[end..]);
    let path = app.dir.path().join("project.qde");
    std::fs::write(&path, &moved).unwrap();
    assert!(xmllint(&schema, &path).is_err(), "xmllint accepted <PlainTextContent> after the selections");
}

/// A text source's text: its `<PlainTextContent>`, or the file its `plainTextPath` names; never
/// both.
fn source_text(source: &Node, files: &BTreeMap<String, String>) -> String {
    match (source.child("PlainTextContent"), source.attrs.get("plainTextPath")) {
        (Some(content), None) => content.text.clone(),
        (None, Some(path)) => files[&format!("sources/{}", path.strip_prefix("internal://").unwrap())].clone(),
        _ => panic!("a source needs its text inline or in a file, and not both: {source:?}"),
    }
}

/// (coder email, code id, covered text) for every coded selection of an export.
fn coded_texts(bytes: &[u8]) -> Vec<(String, String, String)> {
    let files = unzip(bytes);
    let root = parse(&files["project.qde"]);
    let users: BTreeMap<&str, &str> =
        root.child("Users").unwrap().all("User").map(|u| (u.attr("guid"), u.attr("id"))).collect();
    let mut codes = Vec::new();
    root.child("CodeBook").unwrap().descendants("Code", &mut codes);
    let codes: BTreeSet<&str> = codes.iter().map(|c| c.attr("guid")).collect();
    let key_of = |guid: &str| {
        ["MOT", "ACCESS", "SCIENCE", "FUN"].into_iter().find(|k| guid_for_id(k) == guid).unwrap().to_string()
    };
    let mut found = Vec::new();
    for source in root.child("Sources").unwrap().all("TextSource") {
        let text = &source_text(source, &files);
        for selection in source.all("PlainTextSelection") {
            let Some(coding) = selection.child("Coding") else { continue };
            let (start, end): (usize, usize) =
                (selection.attr("startPosition").parse().unwrap(), selection.attr("endPosition").parse().unwrap());
            assert!(start < end && end <= text.chars().count(), "{start}..{end} in {text:?}");
            let code = coding.child("CodeRef").unwrap().attr("targetGUID");
            assert!(codes.contains(code), "a coding refers to a code that is not in the codebook");
            assert_eq!(coding.attr("creatingUser"), selection.attr("creatingUser"));
            let user = users[selection.attr("creatingUser")].to_string();
            found.push((user, key_of(code), code_points(text, start, end)));
        }
    }
    found.sort();
    found
}

/// The same from the database: each coding of a complete response, its passage or whole answer;
/// the consensus's under the project's consensus user.
fn expected_texts(a: &Arranged, keep: impl Fn(&str, &str) -> bool) -> Vec<(String, String, String)> {
    let mut stmt = a
        .conn
        .prepare(
            "SELECT u.email, c.layer, c.code_key, c.span_start, c.span_end, an.value FROM codings c \
             JOIN users u ON u.id = c.coder_id JOIN responses r ON r.id = c.response_id AND r.status = 'complete' \
             JOIN answers an ON an.response_id = c.response_id AND an.question = c.question AND an.item = ''",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            let (start, end): (Option<i64>, Option<i64>) = (r.get(3)?, r.get(4)?);
            let (email, layer, code, text): (String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(5)?);
            let covered = match start.zip(end) {
                Some((start, end)) => code_points(&text, start as usize, end as usize),
                None => text,
            };
            Ok((email, layer, code, covered))
        })
        .unwrap();
    let mut expected: Vec<(String, String, String)> = rows
        .map(Result::unwrap)
        .filter(|(email, layer, _, _)| keep(email, layer))
        .map(|(email, layer, code, covered)| {
            (if layer == "consensus" { "consensus".into() } else { email }, code, covered)
        })
        .collect();
    expected.sort();
    expected
}

#[tokio::test]
async fn every_selection_covers_exactly_its_passage_or_its_whole_answer() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let expected = expected_texts(&a, |_, _| true);
    // 3 passages by ann (each with its whole-answer coding), 1 by bob (likewise), 3 more whole
    // codings, 2 consensus codings; the partial response's coding is not exported.
    assert_eq!(expected.len(), 13);
    assert!(expected.contains(&("ann@example.org".into(), "FUN".into(), "מודל פתוח in 2023 🚀\n\nthen".into())));
    assert!(expected.contains(&("consensus".into(), "SCIENCE".into(), WHY_1.into())));

    for texts in [Texts::Inline, Texts::Files] {
        for source_per in [SourcePer::Answer, SourcePer::Respondent] {
            let bytes = export_as(&a, source_per, Layer::Default, texts);
            assert_eq!(coded_texts(&bytes), expected, "{texts:?}, {source_per:?}");
        }
    }

    // Per answer, each source is the stored answer byte for byte; per respondent, the answers
    // come under their questions, and the memo on an answer marks exactly that answer.
    let mut texts: Vec<String> =
        source_texts(&export(&a, SourcePer::Answer, Layer::Default)).into_iter().map(|(_, t)| t).collect();
    texts.sort();
    let mut answers = vec![WHY_1, HOW_1, WHY_2];
    answers.sort();
    assert_eq!(texts, answers);

    let bytes = export(&a, SourcePer::Respondent, Layer::Default);
    let files = unzip(&bytes);
    let root = parse(&files["project.qde"]);
    let sources: Vec<&Node> = root.child("Sources").unwrap().all("TextSource").collect();
    assert_eq!(sources.len(), 2);
    let first = &files[&format!("sources/{}.txt", sources[0].attr("guid"))];
    assert_eq!(*first, format!("WHY: Why do you contribute?\n{WHY_1}\n\nHOW: How did you start?\n{HOW_1}"));
    let memo =
        root.child("Notes").unwrap().all("Note").find(|n| n.attr("name").starts_with("Memo on response")).unwrap();
    assert!(sources[0].all("NoteRef").any(|r| r.attr("targetGUID") == memo.attr("guid")), "the source refers to it");
    let marked = memo.child("PlainTextSelection").expect("the note selects its answer");
    let (start, end) = (marked.attr("startPosition").parse().unwrap(), marked.attr("endPosition").parse().unwrap());
    assert_eq!(code_points(first, start, end), WHY_1);
}

/// project.qde without the sources' texts (their `<PlainTextContent>` and `plainTextPath`) and
/// without the indentation between elements, which has one line more with a text inline.
fn without_texts(mut node: Node) -> Node {
    node.attrs.remove("plainTextPath");
    if node.text.trim().is_empty() {
        node.text.clear();
    }
    node.children = node.children.into_iter().filter(|c| c.name != "PlainTextContent").map(without_texts).collect();
    node
}

/// Each text source's guid and text.
fn source_texts(bytes: &[u8]) -> Vec<(String, String)> {
    let files = unzip(bytes);
    let root = parse(&files["project.qde"]);
    let sources = root.child("Sources").unwrap().all("TextSource");
    sources.map(|s| (s.attr("guid").to_string(), source_text(s, &files))).collect()
}

#[tokio::test]
async fn texts_inline_give_one_entry_and_the_same_sources_and_selections_as_texts_in_files() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);

    for source_per in [SourcePer::Answer, SourcePer::Respondent] {
        for layer in [Layer::Default, Layer::Consensus, Layer::Coder(a.bob)] {
            let inline = export_as(&a, source_per, layer, Texts::Inline);
            let files = export_as(&a, source_per, layer, Texts::Files);
            let entries = unzip(&inline);
            assert_eq!(entries.keys().collect::<Vec<_>>(), ["project.qde"], "{source_per:?}, {layer:?}");
            let texts = source_texts(&inline);
            assert_eq!(texts, source_texts(&files), "{source_per:?}, {layer:?}");
            assert_eq!(unzip(&files).len(), 1 + texts.len() + 1, "project.qde, the sources, the journal");
            // Nothing else differs: the same selections at the same positions, codes and notes.
            let root = parse(&entries["project.qde"]);
            assert_eq!(without_texts(root.clone()), without_texts(project(&files)), "{source_per:?}, {layer:?}");
            let sources: Vec<&Node> = root.child("Sources").unwrap().all("TextSource").collect();
            assert!(sources.iter().all(|s| !s.attrs.contains_key("plainTextPath")));
            for source in &sources {
                // The text comes first, after the description if there is one.
                let names = source.names();
                let at = names.iter().position(|n| *n == "PlainTextContent").unwrap();
                assert!(names[..at].is_empty() || names[..at] == ["Description"], "{names:?}");
            }
        }
    }

    // Per answer, each source holds the answer exactly as stored, markup characters, emoji and
    // line breaks included.
    let inline = export_as(&a, SourcePer::Answer, Layer::Default, Texts::Inline);
    let mut texts: Vec<String> = source_texts(&inline).into_iter().map(|(_, t)| t).collect();
    texts.sort();
    let mut answers = vec![WHY_1, HOW_1, WHY_2];
    answers.sort();
    assert_eq!(texts, answers);
    let qde = &unzip(&inline)["project.qde"];
    assert!(qde.contains("&lt;la&gt; science") && qde.contains("🚀\n\nthen"), "{qde}");
}

/// Which codings (by coder email and layer) an export should hold.
type Keep<'a> = &'a dyn Fn(&str, &str) -> bool;

#[tokio::test]
async fn a_layer_picks_which_codings_become_selections() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);

    let cases: [(Layer, Keep); 3] = [
        (Layer::Consensus, &|_, layer| layer == "consensus"),
        (Layer::Union, &|_, layer| layer == "coder"),
        (Layer::Coder(a.bob), &|email, layer| email == "bob@example.org" && layer == "coder"),
    ];
    for (layer, keep) in cases {
        let found = coded_texts(&export(&a, SourcePer::Respondent, layer));
        assert_eq!(found, expected_texts(&a, keep), "{layer:?}");
        assert_eq!(coded_texts(&export_as(&a, SourcePer::Answer, layer, Texts::Inline)), found, "{layer:?} inline");
        assert!(!found.is_empty());
    }
    let consensus = project(&export(&a, SourcePer::Answer, Layer::Consensus));
    let users: Vec<(&str, &str)> =
        consensus.child("Users").unwrap().all("User").map(|u| (u.attr("id"), u.attr("name"))).collect();
    assert_eq!(
        users,
        [("ann@example.org", "ann@example.org"), ("rita@example.org", "Rita Ló"), ("consensus", "Consensus")],
        "the memo authors, and the consensus as a user of its own (not its reconciler)"
    );
}

#[tokio::test]
async fn codes_users_variables_cases_and_notes_are_all_there_the_same_each_time() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let bytes = export(&a, SourcePer::Answer, Layer::Default);
    assert_eq!(bytes, export(&a, SourcePer::Answer, Layer::Default), "the same data gives the same bytes");
    assert_eq!(export(&a, SourcePer::Respondent, Layer::Default), export(&a, SourcePer::Respondent, Layer::Default));
    let inline = |per| export_as(&a, per, Layer::Default, Texts::Inline);
    assert_eq!(inline(SourcePer::Answer), inline(SourcePer::Answer));
    assert_eq!(inline(SourcePer::Respondent), inline(SourcePer::Respondent));
    let files = unzip(&bytes);
    assert_eq!(files.len(), 1 + 3 + 1, "project.qde, one file per answer, the journal");
    let root = parse(&files["project.qde"]);

    assert_eq!(root.name, "Project");
    assert_eq!(root.attr("name"), "Open models & <you>");
    assert_eq!(root.attr("origin"), "fieldwork");
    assert_eq!(root.names(), ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Description", "NoteRef"]);
    assert!(root.child("Description").unwrap().text.starts_with("Why people build open models."));

    let users: Vec<(&str, &str)> =
        root.child("Users").unwrap().all("User").map(|u| (u.attr("id"), u.attr("name"))).collect();
    assert_eq!(
        users,
        [
            ("ann@example.org", "ann@example.org"),
            ("bob@example.org", "bob@example.org"),
            ("rita@example.org", "Rita Ló"),
            ("consensus", "Consensus")
        ]
    );
    let guids: Vec<&str> = root.child("Users").unwrap().all("User").map(|u| u.attr("guid")).collect();
    assert!(guids.iter().all(|g| g.len() == 36) && guids[0] != guids[1]);

    let codes = root.child("CodeBook").unwrap().child("Codes").unwrap();
    let tops: Vec<(&str, &str)> = codes.all("Code").map(|c| (c.attr("name"), c.attr("isCodable"))).collect();
    assert_eq!(tops, [("Motivations", "false"), ("Fun", "true")]);
    let motivations = codes.child("Code").unwrap();
    let inner: Vec<&str> = motivations.all("Code").map(|c| c.attr("guid")).collect();
    assert_eq!(inner, [guid_for_id("ACCESS"), guid_for_id("SCIENCE")], "same guids as the .qdc export");
    let access = motivations.child("Code").unwrap();
    assert_eq!(access.attr("name"), "Access & <equity>");
    let code_memo =
        root.child("Notes").unwrap().all("Note").find(|n| n.attr("name") == "Memo on code Access & <equity>");
    assert_eq!(access.child("NoteRef").unwrap().attr("targetGUID"), code_memo.unwrap().attr("guid"));

    let variables: Vec<(&str, &str)> =
        root.child("Variables").unwrap().all("Variable").map(|v| (v.attr("name"), v.attr("typeOfVariable"))).collect();
    assert_eq!(
        variables,
        [
            ("ROLE", "Text"),
            ("USES", "Text"),
            ("GRID/r1", "Text"),
            ("GRID/r2", "Text"),
            ("YEARS", "Integer"),
            ("SHARE", "Float"),
            ("SINCE", "Date")
        ]
    );
    let variable_names: BTreeMap<&str, &str> =
        root.child("Variables").unwrap().all("Variable").map(|v| (v.attr("guid"), v.attr("name"))).collect();

    let cases: Vec<&Node> = root.child("Cases").unwrap().all("Case").collect();
    let names: Vec<&str> = cases.iter().map(|c| c.attr("name")).collect();
    let [r1, r2, r3] = a.responses;
    assert_eq!(names, [format!("Response {r1}"), format!("Response {r2}"), format!("Response {r3}")]);
    let values = |case: &Node| -> Vec<(String, String, String)> {
        case.all("VariableValue")
            .map(|v| {
                let name = variable_names[v.child("VariableRef").unwrap().attr("targetGUID")].to_string();
                let value = &v.children[1];
                (name, value.name.clone(), value.text.clone())
            })
            .collect()
    };
    let owned = |rows: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
        rows.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
    };
    assert_eq!(
        values(cases[0]),
        owned(&[
            ("ROLE", "TextValue", "Researcher"),
            ("USES", "TextValue", "Alpha; Gamma; Other (please specify): teaching"),
            ("GRID/r1", "TextValue", "High"),
            ("GRID/r2", "TextValue", "Low"),
            ("YEARS", "IntegerValue", "12"),
            ("SHARE", "FloatValue", "0.25"),
            ("SINCE", "DateValue", "2023-05-01"),
        ])
    );
    assert_eq!(
        values(cases[1]),
        owned(&[("ROLE", "TextValue", "Other (please specify): Teacher"), ("YEARS", "IntegerValue", "3")])
    );
    assert_eq!(values(cases[2]), owned(&[("ROLE", "TextValue", "Developer")]));
    let source_refs = |case: &Node| case.all("SourceRef").count();
    assert_eq!([source_refs(cases[0]), source_refs(cases[1]), source_refs(cases[2])], [2, 1, 0]);
    let sources: Vec<&str> = root.child("Sources").unwrap().all("TextSource").map(|s| s.attr("guid")).collect();
    for case in &cases {
        assert!(case.all("SourceRef").all(|r| sources.contains(&r.attr("targetGUID"))));
    }

    let notes: Vec<(&str, &str)> = root
        .child("Notes")
        .unwrap()
        .all("Note")
        .map(|n| (n.attr("name"), n.child("PlainTextContent").map_or("", |c| c.text.as_str())))
        .collect();
    let answer_note = format!("Memo on response {r1}, WHY");
    assert_eq!(
        notes,
        [
            (answer_note.as_str(), "Strong <case> & \"clear\"\nsecond line"),
            ("Memo on code Access & <equity>", "Access overlaps science ⚖️"),
            ("Journal", "")
        ]
    );
    let journal = root.child("Notes").unwrap().all("Note").find(|n| n.attr("name") == "Journal").unwrap();
    assert_eq!(root.child("NoteRef").unwrap().attr("targetGUID"), journal.attr("guid"));
    assert_eq!(journal.attr("creatingUser"), guids[0], "written by ann");
    let journal_file = &files[&format!("sources/{}.txt", journal.attr("guid"))];
    assert!(journal_file.starts_with("ann@example.org, 20") && journal_file.ends_with("\nDay one: coded 2 answers."));
    let answer_memo =
        root.child("Notes").unwrap().all("Note").find(|n| n.attr("name").starts_with("Memo on response")).unwrap();
    let why_1 =
        root.child("Sources").unwrap().all("TextSource").find(|s| s.attr("name") == format!("Response {r1}, WHY"));
    assert_eq!(why_1.unwrap().child("NoteRef").unwrap().attr("targetGUID"), answer_memo.attr("guid"));
}

#[tokio::test]
async fn an_unknown_survey_or_a_codebook_of_another_survey_is_refused() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let other = SURVEY.replace("slug = \"qdpx\"", "slug = \"other\"");
    let (other, _) = fieldwork::survey::import_toml(&a.conn, &other, None).unwrap();

    for (survey, missing_survey) in [(a.survey + 100, true), (other, false)] {
        let mut out = Cursor::new(Vec::new());
        let result = write_qdpx(&a.conn, survey, a.codebook, &QdpxOptions::default(), &mut out);

        match result {
            Err(ExportError::SurveyNotFound(id)) if missing_survey => assert_eq!(id, survey),
            Err(ExportError::CodebookNotFound { survey_id, codebook_id }) if !missing_survey => {
                assert_eq!((survey_id, codebook_id), (other, a.codebook))
            }
            other => panic!("{other:?}"),
        }
        assert!(out.into_inner().is_empty(), "nothing is written");
    }
}

/// Keeps what it is given, but refuses it once, at the `fail_at`th byte.
struct FailsOnce {
    kept: Vec<u8>,
    fail_at: usize,
    failed: bool,
}

impl std::io::Write for FailsOnce {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if !self.failed && self.kept.len() + bytes.len() >= self.fail_at {
            self.failed = true;
            return Err(std::io::Error::other("disk full"));
        }
        self.kept.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_project_cut_short_is_not_finished_as_a_complete_zip() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let whole = export_as(&a, SourcePer::Answer, Layer::Default, Texts::Files).len();
    // While project.qde is written, when the texts' files start, at the very end.
    for fail_at in [100, whole / 2, whole - 1] {
        let mut out = FailsOnce { kept: Vec::new(), fail_at, failed: false };
        let options = QdpxOptions { texts: Texts::Files, ..QdpxOptions::default() };
        let result = write_qdpx(&a.conn, a.survey, a.codebook, &options, &mut out);

        assert!(result.is_err(), "{fail_at}");
        assert!(out.failed && out.kept.len() < fail_at, "{fail_at}: {} bytes kept", out.kept.len());
        // The zip crate would finish the archive when dropped: nothing of it reached the output.
        let end_of_directory = [b'P', b'K', 5, 6];
        assert!(!out.kept.windows(4).any(|w| w == end_of_directory), "{fail_at}: the zip was finished");
    }
}

/// Validates a project's `project.qde` with xmllint (when the reference folder is there).
pub fn validate(app: &TestApp, bytes: &[u8]) {
    let Some(schema) = project_schema() else { return };
    let qde = unzip(bytes).remove("project.qde").unwrap();
    let path = app.dir.path().join("downloaded.qde");
    std::fs::write(&path, &qde).unwrap();
    xmllint(&schema, &path).unwrap_or_else(|err| panic!("{err}\n{qde}"));
}

#[tokio::test]
async fn the_web_download_and_the_command_line_give_the_same_valid_project() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    app.login("rita@example.org", PASSWORD).await;
    let book = a.codebook.to_string();
    let bob = format!("coder:{}", a.bob);
    let cases = [
        ("", vec![], SourcePer::Answer, Layer::Default, Texts::Files),
        (
            "per=respondent&layer=union&texts=files",
            vec!["--per", "respondent", "--layer", "union", "--texts", "files"],
            SourcePer::Respondent,
            Layer::Union,
            Texts::Files,
        ),
        (
            &*format!("per=answer&layer={bob}&texts=inline"),
            vec!["--per", "answer", "--layer", &bob, "--texts", "inline"],
            SourcePer::Answer,
            Layer::Coder(a.bob),
            Texts::Inline,
        ),
    ];
    for (i, (query, flags, per, layer, texts)) in cases.into_iter().enumerate() {
        let response = app.get(&format!("/surveys/qdpx/export/project.qdpx?codebook={book}&{query}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        assert_eq!(response.headers()["content-type"], "application/zip");
        assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"qdpx.qdpx\"");
        let web = response.bytes().await.unwrap().to_vec();
        validate(&app, &web);
        assert_eq!(web, export_as(&a, per, layer, texts), "{query}: the writer's bytes");

        let out = app.dir.path().join(format!("cli-{i}.qdpx"));
        let mut args = vec!["--survey", "qdpx", "--what", "qdpx", "--codebook", &book, "--out", out.to_str().unwrap()];
        args.extend(flags);
        let output = cli(&app, &args);
        assert!(output.status.success(), "{query}: {}", String::from_utf8_lossy(&output.stderr));
        let file = std::fs::read(&out).unwrap();
        validate(&app, &file);
        assert!(file == web, "{query}: the command line writes the same bytes");
    }
    // The command line wrote each file beside its target and renamed it: nothing else is left.
    let mut left: Vec<String> =
        std::fs::read_dir(app.dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    left.retain(|name| name.contains(".qdpx"));
    left.sort();
    assert_eq!(left, ["cli-0.qdpx", "cli-1.qdpx", "cli-2.qdpx"]);
    let audited = app.query_i64(
        "SELECT count(*) FROM audit_log WHERE action = 'responses.export' AND details LIKE 'qdpx, codebook %'",
    );
    assert_eq!(audited, 6, "three downloads and three command-line exports");
    let in_files = app.query_i64("SELECT count(*) FROM audit_log WHERE details LIKE '%, texts in files%'");
    assert_eq!(in_files, 4, "the audit log says where the texts went");
}

#[tokio::test]
async fn the_project_is_refused_to_coders_and_for_unknown_codebooks_or_options() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let project = |query: &str| format!("/surveys/qdpx/export/project.qdpx?{query}");
    app.login("ann@example.org", PASSWORD).await;
    assert_eq!(app.get(&project(&format!("codebook={}", a.codebook))).await.status(), StatusCode::FORBIDDEN);
    app.logout().await;

    app.login("rita@example.org", PASSWORD).await;
    for path in [
        project("codebook=9999"),
        "/surveys/nope/export/project.qdpx".into(),
        "/surveys/qdpx/export/qdpx.csv".into(),
        "/surveys/qdpx/export/qdpx.qdpx".into(),
    ] {
        assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let book = a.codebook;
    for (query, message) in [
        (format!("codebook={book}&per=question"), "per: \"question\" is not answer or respondent"),
        (format!("codebook={book}&texts=zip"), "texts: \"zip\" is not inline or files"),
        (format!("codebook={book}&layer=bogus"), "is not one of default, union"),
        (format!("codebook={book}&include_partial=1"), "include_partial: does not apply to qdpx"),
        (
            format!("codebook={book}&question=WHY"),
            "question: does not apply to qdpx, which takes codebook, layer, per, texts",
        ),
        ("codebook=x".into(), "codebook: must be a number, not \"x\""),
    ] {
        let (status, page) = app.get_page(&project(&query)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {page}");
        assert!(page.replace("&quot;", "\"").replace("&#34;", "\"").contains(message), "{query}: {page}");
    }

    // The command line: a zip needs a file, and the same refusals.
    let book = book.to_string();
    let output = cli(&app, &["--survey", "qdpx", "--what", "qdpx", "--codebook", &book]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("qdpx is not a text file and needs a file to write to: give --out FILE.qdpx"), "{stderr}");
    assert!(output.stdout.is_empty());
    let out = app.dir.path().join("refused.qdpx");
    let output =
        cli(&app, &["--survey", "qdpx", "--what", "qdpx", "--codebook", "9999", "--out", out.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("survey qdpx has no codebook 9999"));
    assert!(!out.exists(), "no file for a refused export");
    let output = cli(&app, &["--survey", "qdpx", "--what", "responses", "--per", "respondent"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--per: does not apply to responses"));
    let output = cli(&app, &["--survey", "qdpx", "--what", "responses", "--texts", "files"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--texts: does not apply to responses"));
    let output = cli(
        &app,
        &["--survey", "qdpx", "--what", "qdpx", "--codebook", &book, "--texts", "zip", "--out", out.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("texts: \"zip\" is not inline or files"));
    assert!(!out.exists(), "no file for a refused export");
    let audited = app.query_i64("SELECT count(*) FROM audit_log WHERE action = 'responses.export'");
    assert_eq!(audited, 0, "nothing refused is audited");
}
