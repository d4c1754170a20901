//! Reading a participant list from CSV. Every row is checked before anything is stored, and each
//! problem is reported with its line number; a file with any problem imports nothing.

use std::collections::{HashMap, HashSet};

use super::participants::{Attributes, NewParticipant};
use crate::text::{self, Lines};

/// The most participants one file may hold.
pub const MAX_ROWS: usize = 100_000;
/// The longest name and attribute value, in characters.
const MAX_NAME: usize = 200;
const MAX_ATTRIBUTE: usize = 1000;

/// A problem with the file, at a line (1-based; 0 for the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 { f.write_str(&self.message) } else { write!(f, "line {}: {}", self.line, self.message) }
    }
}

/// What the rows are checked against.
pub struct ImportContext<'a> {
    /// The survey's languages; a participant's language must be one of them.
    pub languages: &'a [String],
    /// Emails already in the survey, lower-cased.
    pub existing_emails: &'a HashSet<String>,
}

/// The participants in `bytes`, or every problem found.
pub fn parse(bytes: &[u8], context: &ImportContext) -> Result<Vec<NewParticipant>, Vec<RowProblem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(bytes);
    let mut records = reader.byte_records();
    let problem = |line: u64, message: String| RowProblem { line, message };
    let header = match records.next() {
        None => return Err(vec![problem(0, "the file is empty: it needs a header row with an email column".into())]),
        Some(Err(err)) => return Err(vec![problem(1, format!("the header row could not be read: {err}"))]),
        Some(Ok(record)) => record,
    };
    let columns = match header_columns(&header) {
        Ok(columns) => columns,
        Err(message) => return Err(vec![problem(1, message)]),
    };
    let mut problems = Vec::new();
    let mut participants = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                problems.push(problem(line, format!("the row could not be read as CSV: {err}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|field| field.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if participants.len() + problems.len() >= MAX_ROWS {
            problems.push(problem(line, format!("the file has more than {MAX_ROWS} rows; split it")));
            break;
        }
        match read_row(&record, &columns, context) {
            Ok(participant) => {
                let key = participant.email.to_lowercase();
                if context.existing_emails.contains(&key) {
                    problems
                        .push(problem(line, format!("{} is already a participant of this survey", participant.email)));
                } else if let Some(first) = first_line_of.get(&key) {
                    problems
                        .push(problem(line, format!("{} appears twice (first on line {first})", participant.email)));
                } else {
                    first_line_of.insert(key, line);
                    participants.push(participant);
                }
            }
            Err(messages) => problems.extend(messages.into_iter().map(|m| problem(line, m))),
        }
    }
    if problems.is_empty() && participants.is_empty() {
        problems.push(problem(0, "the file has a header but no participants".into()));
    }
    if problems.is_empty() { Ok(participants) } else { Err(problems) }
}

/// Where each known column is, and the names of the others (the custom attributes).
struct Columns {
    count: usize,
    email: usize,
    name: Option<usize>,
    language: Option<usize>,
    attributes: Vec<(usize, String)>,
}

fn header_columns(header: &csv::ByteRecord) -> Result<Columns, String> {
    let mut names = Vec::new();
    for field in header {
        let name = std::str::from_utf8(field)
            .map_err(|_| "the header row is not UTF-8 text; save the file as UTF-8 CSV".to_string())?;
        names.push(name.trim().to_string());
    }
    let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
    let email = find("email").ok_or("the header row has no email column")?;
    let (name, language) = (find("name"), find("language"));
    let mut seen = HashSet::new();
    let mut attributes = Vec::new();
    for (index, column) in names.iter().enumerate() {
        if column.is_empty() {
            return Err(format!("column {} of the header row has no name", index + 1));
        }
        if !seen.insert(column.to_lowercase()) {
            return Err(format!("the header row names the column \"{column}\" twice"));
        }
        if ![Some(email), name, language].contains(&Some(index)) {
            attributes.push((index, column.clone()));
        }
    }
    Ok(Columns { count: names.len(), email, name, language, attributes })
}

fn read_row(
    record: &csv::ByteRecord,
    columns: &Columns,
    context: &ImportContext,
) -> Result<NewParticipant, Vec<String>> {
    if record.len() != columns.count {
        return Err(vec![format!("the row has {} columns; the header has {}", record.len(), columns.count)]);
    }
    let mut fields = Vec::with_capacity(record.len());
    for (index, field) in record.iter().enumerate() {
        match std::str::from_utf8(field) {
            Ok(text) => fields.push(text.trim().to_string()),
            Err(_) => return Err(vec![format!("column {} is not UTF-8 text; save the file as UTF-8 CSV", index + 1)]),
        }
    }
    let mut messages = Vec::new();
    let email = fields[columns.email].clone();
    if let Err(message) = check_email(&email) {
        messages.push(message);
    }
    let language = columns.language.map(|i| fields[i].clone()).unwrap_or_default();
    if !language.is_empty() && !context.languages.contains(&language) {
        messages.push(format!(
            "the language \"{language}\" is not one of this survey's ({})",
            context.languages.join(", ")
        ));
    }
    let name = columns.name.map(|i| fields[i].clone()).unwrap_or_default();
    if let Err(message) = check_name(&name) {
        messages.push(message);
    }
    let mut attributes = Attributes::new();
    for (index, column) in &columns.attributes {
        if let Err(message) = check_attribute(column, &fields[*index]) {
            messages.push(message);
        }
        attributes.insert(column.clone(), fields[*index].clone());
    }
    if messages.is_empty() { Ok(NewParticipant { email, name, language, attributes }) } else { Err(messages) }
}

/// Checks every row of `bytes` against the survey, then adds all of them, or nothing: the count
/// added, or every problem found. Run it inside a transaction.
pub fn import_csv(
    conn: &rusqlite::Connection,
    key: &super::links::LinkKey,
    survey_id: i64,
    languages: &[String],
    bytes: &[u8],
) -> Result<Result<usize, Vec<RowProblem>>, crate::db::DbError> {
    let existing_emails = super::participants::emails(conn, survey_id)?;
    let new = match parse(bytes, &ImportContext { languages, existing_emails: &existing_emails }) {
        Ok(new) => new,
        Err(problems) => return Ok(Err(problems)),
    };
    for participant in &new {
        super::participants::insert(conn, key, survey_id, participant)?;
    }
    Ok(Ok(new.len()))
}

/// The web's and the token API's import: an empty file refused, then every row checked and all
/// of them stored in one write with its record in the audit log, or none.
pub async fn import_in_one_write(
    db: &crate::db::Db,
    key: &std::sync::Arc<super::links::LinkKey>,
    survey: &crate::survey::store::StoredSurvey,
    user: &crate::accounts::User,
    bytes: Vec<u8>,
) -> Result<Result<usize, Vec<RowProblem>>, crate::db::DbError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        let message = "choose a CSV file or paste its text".to_string();
        return Ok(Err(vec![RowProblem { line: 0, message }]));
    }
    let (id, languages, key, actor, slug) =
        (survey.id, survey.definition.languages.clone(), key.clone(), user.clone(), survey.slug.clone());
    db.write(move |tx| {
        let imported = import_csv(tx, &key, id, &languages, &bytes)?;
        if let Ok(count) = imported {
            crate::audit::record(tx, Some(&actor), "participants.import", &slug, &format!("{count} participants"))?;
        }
        Ok(imported)
    })
    .await
}

/// A participant's name: one line without control characters (it goes into the `To:` header of
/// their mail, where a line break would begin a header of its own), not too long.
pub fn check_name(name: &str) -> Result<(), String> {
    text::typed(name, Lines::One).map_err(|problem| format!("the name {problem}"))?;
    if name.chars().count() > MAX_NAME {
        return Err(format!("the name is longer than {MAX_NAME} characters"));
    }
    Ok(())
}

/// A custom attribute's value: one line without control characters, not too long.
pub fn check_attribute(column: &str, value: &str) -> Result<(), String> {
    text::typed(value, Lines::One).map_err(|problem| format!("the {column} {problem}"))?;
    if value.chars().count() > MAX_ATTRIBUTE {
        return Err(format!("the {column} is longer than {MAX_ATTRIBUTE} characters"));
    }
    Ok(())
}

/// A plain check of an email address: one line without control characters, one `@`, something
/// before it, a dotted domain after it, no spaces. Whether the mailbox exists only a delivery can
/// tell.
pub fn check_email(email: &str) -> Result<(), String> {
    // Said first and by place: an invisible character is not worth echoing back.
    text::typed(email, Lines::One).map_err(|problem| format!("the email address {problem}"))?;
    let bad = |why: &str| Err(format!("\"{email}\" is not an email address ({why})"));
    if email.is_empty() {
        return Err("the email is missing".into());
    }
    if email.len() > 254 {
        return bad("longer than 254 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')) {
        return bad("it contains a space or a character addresses cannot have");
    }
    let Some((local, domain)) = email.rsplit_once('@') else { return bad("no @") };
    if local.is_empty() || local.contains('@') {
        return bad("one @ with a name before it");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-')) {
        return bad("the part after @ must be a domain such as example.org");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_with(text: &[u8], existing: &[&str]) -> Result<Vec<NewParticipant>, Vec<RowProblem>> {
        let languages = vec!["en".to_string(), "es".to_string()];
        let existing_emails = existing.iter().map(|e| e.to_string()).collect();
        parse(text, &ImportContext { languages: &languages, existing_emails: &existing_emails })
    }

    #[test]
    fn a_good_file_gives_participants_with_custom_attributes() {
        let file = "\u{feff}email,name,language,organisation,role\nada@example.org,Ada,es,Hub,maintainer\n\nbo@example.org,,,\"Lab, Inc\",\n";
        let found = parse_with(file.as_bytes(), &[]).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].language, "es");
        assert_eq!(found[0].attributes["organisation"], "Hub");
        assert_eq!(found[1].attributes["organisation"], "Lab, Inc");
        assert_eq!(found[1].attributes["role"], "");
    }

    #[test]
    fn each_kind_of_bad_row_is_reported_with_its_line() {
        let file = b"email,name,language\n\
            not-an-email,A,en\n\
            ok@example.org,B,en\n\
            OK@example.org,C,en\n\
            c@example.org,D,xx\n\
            d@example.org,E\n\
            e@example.org,\xff\xfe,en\n\
            taken@example.org,F,en\n";
        let problems = parse_with(file, &["taken@example.org"]).unwrap_err();
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 4, 5, 6, 7, 8], "{problems:?}");
        assert!(problems[0].message.contains("not an email"));
        assert!(problems[1].message.contains("first on line 3"));
        assert!(problems[2].message.contains("\"xx\""));
        assert!(problems[3].message.contains("2 columns; the header has 3"));
        assert!(problems[4].message.contains("UTF-8"));
        assert!(problems[5].message.contains("already a participant"));
    }

    #[test]
    fn a_file_without_an_email_column_or_rows_is_refused() {
        assert_eq!(parse_with(b"name\nAda\n", &[]).unwrap_err()[0].line, 1);
        assert!(parse_with(b"email\n", &[]).unwrap_err()[0].message.contains("no participants"));
        assert!(parse_with(b"", &[]).unwrap_err()[0].message.contains("empty"));
        assert!(parse_with(b"email,email\nx@y.org,x@y.org\n", &[]).unwrap_err()[0].message.contains("twice"));
    }

    #[test]
    fn a_line_break_or_control_character_in_a_name_address_or_attribute_is_refused_by_line_and_place() {
        let file = "email,name,team\n\
            a@example.org,\"Ada\r\nBcc: spy@example.net\",x\n\
            b@example.org,Bo\u{1b}[2J,x\n\
            \"c@example.org\nBcc: spy@example.net\",Cy,x\n\
            d@example.org,Di,\"two\nlines\"\n\
            e@example.org,\"Eve \u{7}\",x\n\
            f@example.org,Fine Name,ok\n";
        let problems = parse_with(file.as_bytes(), &[]).unwrap_err();
        let found: Vec<(u64, &str)> = problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (2, "the name has a line break at character 4; it must be one line"),
                (4, "the name has an invisible control character (U+001B) at character 3; remove it and try again"),
                (5, "the email address has a line break at character 14; it must be one line"),
                (7, "the team has a line break at character 4; it must be one line"),
                (9, "the name has an invisible control character (U+0007) at character 5; remove it and try again"),
            ],
            "{problems:?}"
        );
    }

    #[test]
    fn email_addresses_are_checked_plainly() {
        for good in ["a@b.org", "first.last+tag@sub.example.co.uk"] {
            assert!(check_email(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "@b.org", "a@b", "a b@c.org", "a@@b.org", "a@.org", "<a@b.org>"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
