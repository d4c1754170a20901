//! Writes `project.qde` as it reads: the small parts from the `Project` and its `Summary`, then
//! the cases, the sources and the notes on answers each from a scan of the responses, one
//! response at a time, and the other notes from a scan of the memos; in the order `Project.xsd`
//! requires.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};
use rusqlite::Connection;

use super::project::{Journal, Project, Summary, memo_guid, model_note_guid, user_guid};
use super::rows::{self, AnswerMemo, MemoOn, Statements};
use super::selections::{self, Choice, Selection};
use super::sources::{self, Source, source_text};
use super::variables;
use super::xml::{Wrapper, attr, empty, end, start, text, xml_safe};
use super::{ExportError, NAMESPACE, Texts};
use crate::codebook::qdc::{derived_guid, write_codes};

/// Writes `project.qde` to `out` and returns `out`.
pub fn write<W: Write>(
    conn: &Connection,
    project: &Project,
    summary: &Summary,
    statements: &mut Statements,
    out: W,
) -> Result<W, ExportError> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("Project");
    root.push_attribute(("xmlns", NAMESPACE));
    root.push_attribute(attr("name", &project.name));
    root.push_attribute(("origin", "fieldwork"));
    if let Some(created) = &project.created {
        root.push_attribute(attr("creationDateTime", created));
    }
    if let Some(modified) = summary.modified {
        root.push_attribute(attr("modifiedDateTime", &crate::db::rfc3339(modified)));
    }
    w.write_event(Event::Start(root))?;

    if !summary.users.is_empty() {
        start(&mut w, "Users", &[])?;
        for user in &summary.users {
            empty(&mut w, "User", &[("guid", &user.guid), ("name", &user.name), ("id", &user.email)])?;
        }
        end(&mut w, "Users")?;
    }
    // A codebook without codes has no `<CodeBook>`: the schema wants one `<Code>` at least.
    let codes = if project.codebook.codes.is_empty() {
        BTreeMap::new()
    } else {
        start(&mut w, "CodeBook", &[])?;
        let codes = write_codes(&mut w, &project.codebook, &project.code_notes)?;
        end(&mut w, "CodeBook")?;
        codes
    };
    if !project.variables.is_empty() {
        start(&mut w, "Variables", &[])?;
        for v in &project.variables {
            start(&mut w, "Variable", &[("guid", &v.guid), ("name", &v.name), ("typeOfVariable", v.kind.as_str())])?;
            text(&mut w, "Description", &v.description)?;
            end(&mut w, "Variable")?;
        }
        end(&mut w, "Variables")?;
    }
    cases(&mut w, project, statements)?;
    sources(&mut w, project, statements, &codes)?;
    notes(&mut w, conn, project, summary, statements)?;
    text(&mut w, "Description", &project.description)?;
    if let Some(journal) = &summary.journal {
        empty(&mut w, "NoteRef", &[("targetGUID", &journal.guid)])?;
    }
    end(&mut w, "Project")?;
    Ok(w.into_inner())
}

/// A case per complete response, with its closed answers and its sources.
fn cases<W: Write>(w: &mut Writer<W>, project: &Project, statements: &mut Statements) -> Result<(), ExportError> {
    let mut wrapper = Wrapper::new("Cases");
    let mut scan = statements.scan(false)?;
    while let Some(respondent) = scan.next_respondent()? {
        wrapper.child(w)?;
        let guid = derived_guid("fieldwork-case", &respondent.id.to_string());
        start(w, "Case", &[("guid", &guid), ("name", &format!("Response {}", respondent.id))])?;
        for v in &project.variables {
            let Some(value) = variables::value(v, &project.definition, &respondent.answers) else { continue };
            start(w, "VariableValue", &[])?;
            empty(w, "VariableRef", &[("targetGUID", &v.guid)])?;
            text(w, v.kind.value_element(), &value)?;
            end(w, "VariableValue")?;
        }
        for source in sources::guids(&respondent, project.options.source_per) {
            empty(w, "SourceRef", &[("targetGUID", &source)])?;
        }
        end(w, "Case")?;
    }
    Ok(wrapper.close(w)?)
}

/// A `<TextSource>` per answer or respondent, with its selections, one response at a time.
fn sources<W: Write>(
    w: &mut Writer<W>,
    project: &Project,
    statements: &mut Statements,
    codes: &BTreeMap<String, String>,
) -> Result<(), ExportError> {
    let mut wrapper = Wrapper::new("Sources");
    // The summary already warned about any coding it had to leave out.
    let choice = Choice { codebook: &project.codebook, options: &project.options, warn: false };
    let mut scan = statements.scan(true)?;
    while let Some(respondent) = scan.next_respondent()? {
        let mut sources = sources::sources(&respondent, &project.definition, project.options.source_per);
        selections::attach(&mut sources, &respondent, &choice);
        for source in &sources {
            wrapper.child(w)?;
            text_source(w, source, project.options.texts, codes)?;
        }
    }
    Ok(wrapper.close(w)?)
}

/// A note per memo: those on the exported answers, each with a selection of its answer (how
/// QualCoder reads an annotation; the answer's source refers to the note too), in response
/// order; those on codes, which the codes refer to; then the journal.
fn notes<W: Write>(
    w: &mut Writer<W>,
    conn: &Connection,
    project: &Project,
    summary: &Summary,
    statements: &mut Statements,
) -> Result<(), ExportError> {
    let mut wrapper = Wrapper::new("Notes");
    let mut scan = statements.scan(true)?;
    while let Some(respondent) = scan.next_respondent()? {
        if respondent.memos.is_empty() {
            continue;
        }
        let sources = sources::sources(&respondent, &project.definition, project.options.source_per);
        for memo in &respondent.memos {
            wrapper.child(w)?;
            let answer = selections::place(&sources, &memo.question).and_then(|(_, at)| at.span(None));
            answer_note(w, memo, answer, summary)?;
        }
    }
    rows::for_each_memo(conn, project.codebook_id, |memo| {
        let MemoOn::Code(key) = memo.on() else { return Ok(()) };
        let name = match project.codebook.entry(key) {
            Some(code) => format!("Memo on code {}", code.name),
            None => format!("Memo on code {key}"),
        };
        wrapper.child(w)?;
        let (guid, user, created) =
            (memo_guid(memo.id), user_guid(memo.author_id), summary.date_time_or_latest(&memo.created_at));
        let attrs = [("guid", guid.as_str()), ("name", &name), ("creatingUser", &user), ("creationDateTime", &created)];
        start(w, "Note", &attrs)?;
        text(w, "PlainTextContent", &memo.body)?;
        end(w, "Note")?;
        Ok(())
    })?;
    for (hash, trained_at, version) in rows::model_sources(conn, project.codebook_id)? {
        wrapper.child(w)?;
        model_note(w, &hash, trained_at.as_deref(), version)?;
    }
    if let Some(journal) = &summary.journal {
        wrapper.child(w)?;
        journal_note(w, conn, project, journal)?;
    }
    Ok(wrapper.close(w)?)
}

/// The note about a machine-coder model, which each coding accepted from its suggestions refers
/// to (`<Coding><NoteRef>`): the coder applied the code, and the model suggested it.
fn model_note<W: Write>(
    w: &mut Writer<W>,
    hash: &str,
    trained_at: Option<&str>,
    version: Option<i64>,
) -> std::io::Result<()> {
    let guid = model_note_guid(hash);
    let name = format!("Machine coder {}", crate::suggest::model::short_hash(hash));
    start(w, "Note", &[("guid", guid.as_str()), ("name", &name)])?;
    let trained = match (trained_at, version) {
        (Some(at), Some(version)) => format!(" It was trained at {at} on the consensus of codebook version {version}."),
        _ => String::new(),
    };
    let body = format!(
        "The codings that refer to this note were suggested by fieldwork's machine coder, model {hash} \
         (coder machine:{}), and accepted by the coder named on each coding.{trained} See fieldwork's \
         docs/machine-coder.md for how the model was trained and measured.",
        crate::suggest::model::short_hash(hash)
    );
    text(w, "PlainTextContent", &body)?;
    end(w, "Note")
}

/// A memo on an answer, with a selection of the whole answer in its source (`answer`, `None`
/// when its answer is not a source, such as a blank one).
fn answer_note<W: Write>(
    w: &mut Writer<W>,
    memo: &AnswerMemo,
    answer: Option<(usize, usize)>,
    summary: &Summary,
) -> std::io::Result<()> {
    let name = format!("Memo on response {}, {}", memo.response_id, memo.question);
    let (guid, user, created) =
        (memo_guid(memo.id), user_guid(memo.author_id), summary.date_time_or_latest(&memo.created_at));
    let attrs = [
        ("guid", guid.as_str()),
        ("name", &name),
        ("creatingUser", &user),
        ("creationDateTime", &created),
        ("modifyingUser", &user),
        ("modifiedDateTime", &created),
    ];
    start(w, "Note", &attrs)?;
    text(w, "PlainTextContent", &memo.body)?;
    if let Some((start_at, end_at)) = answer {
        let selection = crate::codebook::qdc::derived_guid("fieldwork-memo-selection", &memo.id.to_string());
        let (start_at, end_at) = (start_at.to_string(), end_at.to_string());
        let attrs = [("guid", selection.as_str()), ("startPosition", &start_at), ("endPosition", &end_at)];
        empty(w, "PlainTextSelection", &attrs)?;
    }
    end(w, "Note")
}

/// The journal's note: its text in the file `plainTextPath` names (what QualCoder reads a
/// journal from), or inline, written entry by entry as the memos are read.
fn journal_note<W: Write>(
    w: &mut Writer<W>,
    conn: &Connection,
    project: &Project,
    journal: &Journal,
) -> Result<(), ExportError> {
    let path = format!("internal://{}.txt", journal.guid);
    let mut attrs = vec![
        ("guid", journal.guid.as_str()),
        ("name", "Journal"),
        ("creatingUser", &journal.user),
        ("creationDateTime", &journal.created),
        ("modifiedDateTime", &journal.modified),
    ];
    if project.options.texts == Texts::Files {
        attrs.push(("plainTextPath", &path));
        return Ok(empty(w, "Note", &attrs)?);
    }
    start(w, "Note", &attrs)?;
    start(w, "PlainTextContent", &[])?;
    journal_text(conn, project, |piece| w.write_event(Event::Text(BytesText::new(&xml_safe(piece)))))?;
    end(w, "PlainTextContent")?;
    Ok(end(w, "Note")?)
}

/// The journal's text, in pieces: each entry (and each memo that lost what it was about) in the
/// order written, as its author's name or email and its time on a line, then the entry, entries
/// separated by an empty line.
pub fn journal_text(
    conn: &Connection,
    project: &Project,
    mut write: impl FnMut(&str) -> std::io::Result<()>,
) -> Result<(), ExportError> {
    let mut authors = HashMap::new();
    let mut first = true;
    rows::for_each_memo(conn, project.codebook_id, |memo| {
        let MemoOn::Project = memo.on() else { return Ok(()) };
        let author = match authors.entry(memo.author_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                let found = rows::users(conn, &[memo.author_id].into())?.pop();
                new.insert(found.map(|(_, _, name)| name).unwrap_or_default())
            }
        };
        let heading = format!("{}{author}, {}\n", if first { "" } else { "\n\n" }, memo.created_at);
        first = false;
        write(&source_text(&heading))?;
        Ok(write(&source_text(&memo.body))?)
    })
}

/// A `<TextSource>`: its text either in `<PlainTextContent>` or in the file `plainTextPath` names,
/// never both (as the schema says).
fn text_source<W: Write>(
    w: &mut Writer<W>,
    source: &Source,
    texts: Texts,
    codes: &BTreeMap<String, String>,
) -> std::io::Result<()> {
    let path = format!("internal://{}.txt", source.guid);
    let mut attrs = vec![("guid", source.guid.as_str()), ("name", &source.name)];
    if texts == Texts::Files {
        attrs.push(("plainTextPath", &path));
    }
    start(w, "TextSource", &attrs)?;
    if let Some(description) = &source.description {
        text(w, "Description", description)?;
    }
    // After the description and before the selections, in the schema's sequence. Escaped by
    // quick-xml, `\r` included, so that positions count the same code points as in the file.
    if texts == Texts::Inline {
        text(w, "PlainTextContent", &source.text)?;
    }
    for selection in &source.selections {
        selection_element(w, selection, codes)?;
    }
    for note in &source.note_refs {
        empty(w, "NoteRef", &[("targetGUID", note)])?;
    }
    end(w, "TextSource")
}

fn selection_element<W: Write>(
    w: &mut Writer<W>,
    selection: &Selection,
    codes: &BTreeMap<String, String>,
) -> std::io::Result<()> {
    let (start_at, end_at) = (selection.start.to_string(), selection.end.to_string());
    let mut attrs = vec![("guid", selection.guid.as_str()), ("startPosition", &start_at), ("endPosition", &end_at)];
    let mut by = vec![("creatingUser", selection.user.as_str())];
    by.extend(selection.created.as_deref().map(|c| ("creationDateTime", c)));
    attrs.extend(by.iter().copied());
    start(w, "PlainTextSelection", &attrs)?;
    if let Some(code_guid) = codes.get(&selection.coding.code_key) {
        let mut attrs = vec![("guid", selection.coding.guid.as_str())];
        attrs.extend(by.iter().copied());
        start(w, "Coding", &attrs)?;
        empty(w, "CodeRef", &[("targetGUID", code_guid)])?;
        if let Some(hash) = &selection.coding.source {
            empty(w, "NoteRef", &[("targetGUID", &model_note_guid(hash))])?;
        }
        end(w, "Coding")?;
    }
    end(w, "PlainTextSelection")
}
