//! Where code lives, checked over the source tree: SQL only in the stores and the named read
//! models (never in a web handler), and the trash and completeness rules only in the views of
//! migration 0008.

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
            if (c == '}' && depth == 0) || (c == ';' && depth == 0) {
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

/// The web handlers: `src/*/web/`, `src/*/*/web/` and the features' `web.rs` files.
fn handler_files() -> Vec<PathBuf> {
    let mut all = Vec::new();
    rust_files(&src(), &mut all);
    all.retain(|path| {
        let relative = path.strip_prefix(src()).unwrap();
        let parts: Vec<&str> = relative.iter().map(|p| p.to_str().unwrap()).collect();
        let in_web_folder = parts.len() >= 3 && parts[..parts.len() - 1].iter().skip(1).any(|p| *p == "web");
        let web_file = parts.len() >= 2 && parts.last() == Some(&"web.rs");
        in_web_folder || web_file
    });
    all
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
fn no_web_handler_holds_sql() {
    let files = handler_files();
    assert!(files.len() > 30, "{files:?}");
    let mut found = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for (line, text) in string_literals(&source) {
            let keywords = sql_keywords(&text);
            if !keywords.is_empty() {
                let file = file.strip_prefix(src()).unwrap().display();
                found.push(format!("src/{file}:{line}: {keywords:?} in \"{text}\""));
            }
        }
    }
    assert!(found.is_empty(), "SQL belongs in the feature's store.rs (see ARCHITECTURE.md):\n{}", found.join("\n"));
}

/// Readers that still write the rules themselves: files being rewritten on other branches right
/// now, which move to the views when they are merged. Take a file off this list once it reads the
/// views; do not add one.
const NOT_YET_ON_THE_VIEWS: [&str; 6] = [
    "analysis/data.rs",
    "coding/layers.rs",
    "coding/units.rs",
    "export/codings.rs",
    "export/qdpx/rows.rs",
    "respond/store.rs",
];

#[test]
fn the_trash_and_completeness_rules_are_written_only_in_the_views() {
    const RULES: [&str; 4] =
        ["deleted_at IS NULL", "deleted_at IS NOT NULL", "status = 'complete'", "status = 'partial'"];
    let mut all = Vec::new();
    rust_files(&src(), &mut all);
    let mut found = Vec::new();
    for file in all {
        let relative = file.strip_prefix(src()).unwrap().to_str().unwrap().to_string();
        let source = std::fs::read_to_string(&file).unwrap();
        let written: Vec<&str> = RULES.into_iter().filter(|rule| source.contains(rule)).collect();
        match (written.is_empty(), NOT_YET_ON_THE_VIEWS.contains(&relative.as_str())) {
            (false, false) => found.push(format!("src/{relative}: {written:?}: read live_responses, complete_responses, trashed_responses or complete_answers instead")),
            (true, true) => found.push(format!("src/{relative} reads the views now: take it off NOT_YET_ON_THE_VIEWS")),
            _ => {}
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
