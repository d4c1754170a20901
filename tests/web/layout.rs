//! Where code lives, checked over the source tree: SQL only in the stores and the named read
//! models (never in a web handler), the trash and completeness rules read only through the views
//! of migration 0008, and no two files importing each other (`cycles`).

use std::path::{Path, PathBuf};

mod cycles;

const SQL_KEYWORDS: [&str; 11] =
    ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "PRAGMA", "JOIN", "WHERE", "VALUES"];

/// Rust source taken apart: its string literals (normal, raw and byte strings) with their line
/// numbers, and its code with comments, character literals and the strings' contents removed
/// (each string left as `""`, line breaks kept, so braces and paths can be read off it).
struct Lexed {
    literals: Vec<(usize, String)>,
    code: String,
}

fn lex(source: &str) -> Lexed {
    let chars: Vec<char> = source.chars().collect();
    let (mut literals, mut code, mut i, mut line) = (Vec::new(), String::new(), 0, 1);
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let skipped = |text: &str, code: &mut String| code.extend(std::iter::repeat_n('\n', text.matches('\n').count()));
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && at(i + 1) == '*' {
            let start = i;
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && at(i + 1) == '/') {
                i += 1;
            }
            i += 2;
            let comment: String = chars[start..i.min(chars.len())].iter().collect();
            line += comment.matches('\n').count();
            skipped(&comment, &mut code);
            continue;
        }
        if c == '\'' {
            // A character literal ('x', '\n', '\''), or a lifetime ('a), which has no closing quote.
            if at(i + 1) == '\\' {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
            } else if at(i + 2) == '\'' {
                i += 2;
            }
            i += 1;
            continue;
        }
        let raw = c == 'r' && (at(i + 1) == '"' || at(i + 1) == '#') && !at(i.wrapping_sub(1)).is_alphanumeric();
        if raw {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if at(i + 1 + hashes) == '"' {
                let start = i + 2 + hashes;
                let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let rest: String = chars[start..].iter().collect();
                let end = rest.find(&closing).unwrap_or(rest.len());
                let text = rest[..end].to_string();
                literals.push((line, text.clone()));
                line += text.matches('\n').count();
                code.push_str("\"\"");
                skipped(&text, &mut code);
                i = start + rest[..end].chars().count() + closing.chars().count();
                continue;
            }
        }
        if c == '"' {
            let (start_line, mut text) = (line, String::new());
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    text.push(chars[i]);
                    i += 1;
                }
                line += usize::from(at(i) == '\n');
                text.push(at(i));
                i += 1;
            }
            literals.push((start_line, text.clone()));
            code.push_str("\"\"");
            skipped(&text, &mut code);
            i += 1;
            continue;
        }
        line += usize::from(c == '\n');
        code.push(c);
        i += 1;
    }
    Lexed { literals, code }
}

/// The lines of the items marked `#[cfg(test)]` (a test module, a test helper): from the
/// attribute to the item's closing brace, or its semicolon (`mod tests;`).
fn test_lines(code: &str) -> Vec<std::ops::RangeInclusive<usize>> {
    let line_at = |offset: usize| 1 + code[..offset].matches('\n').count();
    let mut found = Vec::new();
    for (start, _) in code.match_indices("#[cfg(test)]") {
        let mut depth = 0;
        for (offset, c) in code[start..].char_indices() {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            if (c == '}' || c == ';') && depth == 0 {
                found.push(line_at(start)..=line_at(start + offset));
                break;
            }
        }
    }
    found
}

/// The code without its `#[cfg(test)]` items (their lines left empty).
fn production_code(lexed: &Lexed) -> String {
    let tests = test_lines(&lexed.code);
    let lines = lexed.code.split('\n').enumerate();
    lines
        .map(|(i, line)| if tests.iter().any(|t| t.contains(&(i + 1))) { "" } else { line })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The string literals of Rust source, with their line numbers.
fn string_literals(source: &str) -> Vec<(usize, String)> {
    lex(source).literals
}

/// The SQL keywords a text holds, as whole upper-case words.
fn sql_keywords(text: &str) -> Vec<&'static str> {
    let words: Vec<&str> = text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').collect();
    SQL_KEYWORDS.into_iter().filter(|k| words.contains(k)).collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every Rust file of `src/`, relative to it, with its text.
fn sources() -> Vec<(String, String)> {
    let mut all = Vec::new();
    rust_files(&src(), &mut all);
    let relative = |path: &Path| path.strip_prefix(src()).unwrap().to_str().unwrap().to_string();
    all.iter().map(|path| (relative(path), std::fs::read_to_string(path).unwrap())).collect()
}

/// The string literals of a file's production code: those outside `#[cfg(test)]` items, in a
/// file that is not a test module of its own (`tests.rs`, `*_tests.rs`).
fn production_literals(file: &str, source: &str) -> Vec<(usize, String)> {
    let name = file.rsplit('/').next().unwrap_or(file);
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return Vec::new();
    }
    let lexed = lex(source);
    let tests = test_lines(&lexed.code);
    lexed.literals.into_iter().filter(|(line, _)| !tests.iter().any(|t| t.contains(line))).collect()
}

/// Where SQL is written besides the features' `store.rs` files (ARCHITECTURE.md, "Where SQL
/// lives"): the database layer, the audit log, the sessions, and the two read models that stream
/// whole surveys.
const SQL_PLACES: [&str; 5] = ["db/", "audit.rs", "web/session_store.rs", "analysis/data.rs", "export/qdpx/rows.rs"];

/// Files that still hold SQL outside a store: in folders being rewritten on other branches right
/// now, which move it into their feature's `store.rs`. Take a file off once it holds none; never
/// add one.
const NOT_YET_IN_A_STORE: [&str; 3] = ["coding/assign.rs", "coding/layers.rs", "coding/units.rs"];

fn may_hold_sql(file: &str) -> bool {
    file == "store.rs"
        || file.ends_with("/store.rs")
        || SQL_PLACES.iter().any(|place| if place.ends_with('/') { file.starts_with(place) } else { file == *place })
}

#[test]
fn the_sql_detector_finds_sql_in_strings_and_nowhere_else() {
    let source = r##"
        // SELECT in a comment
        let a = "SELECT id FROM surveys WHERE slug = ?1";
        let b = r#"UPDATE "x" SET y = 1"#;
        let c = "Select a passage inside the answer"; let d = '"'; fn e<'a>(x: &'a str) {}
        let f = "multi \
            line DELETE FROM t";
        /* INSERT in a block comment */
    "##;
    let found: Vec<(usize, Vec<&str>)> = string_literals(source)
        .into_iter()
        .map(|(line, text)| (line, sql_keywords(&text)))
        .filter(|(_, keywords)| !keywords.is_empty())
        .collect();
    assert_eq!(found, [(3, vec!["SELECT", "WHERE"]), (4, vec!["UPDATE"]), (6, vec!["DELETE"])]);
}

#[test]
fn sql_is_written_only_in_the_stores_and_the_named_read_models() {
    let mut found = Vec::new();
    let mut checked = 0;
    for (file, source) in sources() {
        let sql: Vec<String> = production_literals(&file, &source)
            .into_iter()
            .filter(|(_, text)| !sql_keywords(text).is_empty())
            .map(|(line, text)| format!("src/{file}:{line}: {:?} in \"{text}\"", sql_keywords(&text)))
            .collect();
        checked += usize::from(!may_hold_sql(&file));
        match (sql.is_empty(), may_hold_sql(&file) || NOT_YET_IN_A_STORE.contains(&file.as_str())) {
            (false, false) => found.extend(sql),
            (true, true) if NOT_YET_IN_A_STORE.contains(&file.as_str()) => {
                found.push(format!("src/{file} holds no SQL now: take it off NOT_YET_IN_A_STORE"));
            }
            _ => {}
        }
    }
    assert!(checked > 150, "only {checked} files checked");
    assert!(found.is_empty(), "SQL belongs in the feature's store.rs (see ARCHITECTURE.md):\n{}", found.join("\n"));
}

/// Readers that still write the rules themselves: files being rewritten on other branches right
/// now, which move to the views when they are merged. Take a file off this list once it reads the
/// views; do not add one.
const NOT_YET_ON_THE_VIEWS: [&str; 2] = ["coding/layers.rs", "coding/units.rs"];

/// Whether a piece of SQL reads (a query, or part of one) rather than writes: the rules may be
/// written in a write, which sets them.
fn reads(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or("");
    !["INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE"].contains(&first)
}

#[test]
fn the_trash_and_completeness_rules_are_read_only_through_the_views() {
    const RULES: [&str; 4] =
        ["deleted_at IS NULL", "deleted_at IS NOT NULL", "status = 'complete'", "status = 'partial'"];
    let mut found = Vec::new();
    for (file, source) in sources() {
        let literals = production_literals(&file, &source);
        let read: Vec<String> = literals
            .iter()
            .filter(|(_, text)| reads(text))
            .flat_map(|(line, text)| {
                RULES.iter().filter(|rule| text.contains(**rule)).map(move |rule| format!("{line}: {rule}"))
            })
            .collect();
        match (read.is_empty(), NOT_YET_ON_THE_VIEWS.contains(&file.as_str())) {
            (false, false) => found.push(format!("src/{file}: {read:?}: read live_responses, complete_responses, trashed_responses or complete_answers instead")),
            (true, true) => found.push(format!("src/{file} reads the views now: take it off NOT_YET_ON_THE_VIEWS")),
            _ => {}
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
