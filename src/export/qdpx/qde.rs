//! Writes `project.qde` as it reads: the small parts from the `Project` and its `Summary`, then
//! the cases and the sources each from a scan of the responses, one response at a time, and the
//! notes from a scan of the memos; in the order `Project.xsd` requires.

use std::collections::BTreeMap;
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesStart, Event};
use rusqlite::Connection;

use super::project::{Project, Summary, date_time, memo_guid, user_guid};
use super::rows::{self, MemoOn, Statements};
use super::selections::{self, Choice, Selection};
use super::sources::{self, Source};
use super::variables;
use super::xml::{Wrapper, attr, empty, end, start, text};
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
    notes(&mut w, conn, project)?;
    text(&mut w, "Description", &project.description)?;
    rows::for_each_memo(conn, project.codebook_id, |memo| {
        if let MemoOn::Project = memo.on() {
            empty(&mut w, "NoteRef", &[("targetGUID", &memo_guid(memo.id))])?;
        }
        Ok(())
    })?;
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

/// A note per memo, by id.
fn notes<W: Write>(w: &mut Writer<W>, conn: &Connection, project: &Project) -> Result<(), ExportError> {
    let mut wrapper = Wrapper::new("Notes");
    rows::for_each_memo(conn, project.codebook_id, |memo| {
        wrapper.child(w)?;
        let name = match memo.on() {
            MemoOn::Answer { response_id, question } => format!("Memo on response {response_id}: {question}"),
            MemoOn::Code(key) => match project.codebook.entry(key) {
                Some(code) => format!("Memo on code {}", code.name),
                None => format!("Memo on code {key}"),
            },
            MemoOn::Project => "Journal".to_string(),
        };
        let (guid, user, created) = (memo_guid(memo.id), user_guid(memo.author_id), date_time(&memo.created_at));
        let mut attrs = vec![("guid", guid.as_str()), ("name", &name), ("creatingUser", &user)];
        attrs.extend(created.as_deref().map(|c| ("creationDateTime", c)));
        start(w, "Note", &attrs)?;
        text(w, "PlainTextContent", &memo.body)?;
        end(w, "Note")?;
        Ok(())
    })?;
    Ok(wrapper.close(w)?)
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
    let by: Vec<(&str, &str)> = [
        selection.user.as_deref().map(|u| ("creatingUser", u)),
        selection.created.as_deref().map(|c| ("creationDateTime", c)),
    ]
    .into_iter()
    .flatten()
    .collect();
    attrs.extend(by.iter().copied());
    start(w, "PlainTextSelection", &attrs)?;
    if let Some((coding, code_guid)) = selection.coding.as_ref().and_then(|c| Some((c, codes.get(&c.code_key)?))) {
        let mut attrs = vec![("guid", coding.guid.as_str())];
        attrs.extend(by.iter().copied());
        start(w, "Coding", &attrs)?;
        empty(w, "CodeRef", &[("targetGUID", code_guid)])?;
        end(w, "Coding")?;
    }
    for note in &selection.note_refs {
        empty(w, "NoteRef", &[("targetGUID", note)])?;
    }
    end(w, "PlainTextSelection")
}
