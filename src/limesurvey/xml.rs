//! The `.lss` file as tables (quick-xml): `<document>` holds one element per database table
//! (`<questions>`, `<answers>`, …), each with `<rows><row><field>value</field>…</row></rows>`.
//! Every row keeps the line of its `<row>`, so that what cannot be imported is named by its line.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

use super::Problem;

/// One `<row>`: its fields (empty ones left out) and the line it starts on.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub line: usize,
    pub fields: BTreeMap<String, String>,
}

impl Row {
    /// The field's value, or "" when the row does not have it.
    pub fn get(&self, field: &str) -> &str {
        self.fields.get(field).map_or("", String::as_str)
    }
}

/// The document: its tables by name, and the languages it lists.
#[derive(Debug, Default)]
pub struct Document {
    pub tables: BTreeMap<String, Vec<Row>>,
    pub languages: Vec<String>,
    pub doc_type: String,
    pub db_version: Option<u32>,
}

impl Document {
    pub fn rows(&self, table: &str) -> &[Row] {
        self.tables.get(table).map_or(&[], Vec::as_slice)
    }
}

/// Line numbers of byte positions.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    fn line(&self, pos: u64) -> usize {
        let pos = usize::try_from(pos).unwrap_or(usize::MAX);
        self.0.partition_point(|&start| start <= pos).max(1)
    }
}

/// Parses the file; a file that is not well-formed XML is one problem, with its line.
pub fn parse(bytes: &[u8]) -> Result<Document, Problem> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|err| {
        let line = bytes[..err.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        Problem { line, what: "the file is not UTF-8 text".into() }
    })?;
    let lines = Lines::new(text);
    let mut reader = Reader::from_str(text);
    let mut document = Document::default();
    // The open elements, each with the line it opened on.
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut value = String::new();
    let mut row: Option<Row> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|err| Problem {
            line: lines.line(reader.error_position()),
            what: format!("this is not well-formed XML: {err}"),
        })?;
        match event {
            Event::Start(e) => {
                let name = e.name().0.to_string();
                if open.is_empty() && name != "document" {
                    return Err(not_lss(lines.line(at)));
                }
                if open.len() == 3 && name == "row" {
                    row = Some(Row { line: lines.line(at), fields: BTreeMap::new() });
                }
                open.push((name, lines.line(at)));
                value.clear();
            }
            Event::Empty(_) => {
                if open.is_empty() {
                    return Err(not_lss(lines.line(at)));
                }
            }
            Event::Text(t) => value.push_str(&t.xml10_content()),
            Event::CData(t) => value.push_str(&t.xml10_content()),
            Event::GeneralRef(reference) => match reference.resolve_char_ref() {
                Ok(Some(ch)) => value.push(ch),
                _ => match resolve_predefined_entity(&reference) {
                    Some(replacement) => value.push_str(replacement),
                    None => {
                        return Err(Problem {
                            line: lines.line(at),
                            what: format!("the entity &{}; is not defined", &*reference),
                        });
                    }
                },
            },
            Event::End(_) => {
                let Some((name, _)) = open.pop() else { continue };
                let path: Vec<&str> = open.iter().map(|(n, _)| n.as_str()).collect();
                match path.as_slice() {
                    ["document"] if name == "LimeSurveyDocType" => document.doc_type = value.trim().to_string(),
                    ["document"] if name == "DBVersion" => document.db_version = value.trim().parse().ok(),
                    ["document", "languages"] if name == "language" => {
                        document.languages.push(value.trim().to_string());
                    }
                    [_, _, "rows", "row"] => {
                        if let Some(row) = row.as_mut()
                            && !value.trim().is_empty()
                        {
                            row.fields.insert(name, value.clone());
                        }
                    }
                    ["document", table, "rows"] if name == "row" => {
                        if let Some(row) = row.take() {
                            document.tables.entry((*table).to_string()).or_default().push(row);
                        }
                    }
                    _ => {}
                }
                value.clear();
            }
            Event::Eof => {
                return match open.last() {
                    Some((name, line)) => Err(Problem {
                        line: lines.line(at),
                        what: format!("the file ends before <{name}> from line {line} is closed: it is cut short"),
                    }),
                    None if document.doc_type.is_empty() && document.tables.is_empty() => Err(not_lss(1)),
                    None => Ok(document),
                };
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

fn not_lss(line: usize) -> Problem {
    Problem { line, what: "this is not a LimeSurvey survey structure file (.lss): it has no <document>".into() }
}
