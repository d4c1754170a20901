//! Codebooks: trees of categories and codes with their definitions, versioned, as TOML and as
//! REFI-QDA files, and the operations that keep every coding (rename, move, merge, split, retire).

pub mod cli;
pub mod closed;
pub mod csv;
pub mod model;
pub mod ops;
pub mod qdc;
pub mod store;
pub mod tree;
pub mod web;

use rusqlite::Connection;

use crate::db::DbError;
use model::CodebookFile;

/// Adds an imported codebook to a survey and publishes it as version 1, ready for coding.
pub fn import(
    conn: &Connection,
    survey_id: i64,
    file: &CodebookFile,
    actor: &str,
    actor_id: Option<i64>,
) -> Result<i64, DbError> {
    let id = store::insert(conn, survey_id, file)?;
    store::record_change(conn, id, actor, "imported", "", &format!("{} entries", file.codes.len()))?;
    store::publish(conn, id, actor_id)?;
    Ok(id)
}

/// Reads a codebook file: CSV by its name (`.csv`), REFI-QDA XML when it looks like XML, else TOML.
pub fn parse_file(bytes: &[u8], file_name: &str) -> Result<(CodebookFile, Vec<String>), Vec<model::CodebookError>> {
    if file_name.to_lowercase().ends_with(".csv") {
        let stem = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
        return csv::from_csv(bytes, if stem.is_empty() { "Imported codebook" } else { stem }).map(|f| (f, Vec::new()));
    }
    let looks_like_xml =
        file_name.to_lowercase().ends_with(".qdc") || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    if looks_like_xml {
        let fallback = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
        return qdc::from_qdc(bytes, if fallback.is_empty() { "Imported codebook" } else { fallback })
            .map(|i| (i.file, i.notes));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        vec![model::CodebookError { path: String::new(), message: "the file is not UTF-8 text".into() }]
    })?;
    model::from_toml(text.trim_start_matches('\u{feff}')).map(|file| (file, Vec::new()))
}

/// Reads a codebook file for a survey: [`parse_file`], then its closed-answer mappings against the
/// survey's questions.
pub fn parse_file_for(
    bytes: &[u8],
    file_name: &str,
    survey: &crate::survey::model::SurveyDefinition,
) -> Result<(CodebookFile, Vec<String>), Vec<model::CodebookError>> {
    let (file, notes) = parse_file(bytes, file_name)?;
    let errors = closed::check_against(&file, survey);
    if errors.is_empty() { Ok((file, notes)) } else { Err(errors) }
}

/// The categories that make `code` mutually exclusive with its siblings (nearest first). For the
/// categories of many codes, build a [`tree::Tree`] once.
pub fn exclusive_categories<'a>(file: &'a CodebookFile, code: &str) -> Vec<&'a str> {
    tree::Tree::new(file).exclusive_categories(code)
}

/// A problem with a set of codes for one answer: two codes from one mutually exclusive category.
pub fn exclusivity_conflict(file: &CodebookFile, codes: &[String]) -> Option<String> {
    let tree = tree::Tree::new(file);
    let categories: Vec<Vec<&str>> = codes.iter().map(|code| tree.exclusive_categories(code)).collect();
    for (i, a) in codes.iter().enumerate() {
        for (b, of_b) in codes.iter().zip(&categories).skip(i + 1) {
            let shared = categories[i].iter().find(|c| of_b.contains(c));
            if let Some(category) = shared {
                let name = |id: &str| tree.get(id).map_or(id.to_string(), |e| e.name.clone());
                return Some(format!(
                    "{} and {} are both in \"{}\", where only one code may apply to an answer",
                    name(a),
                    name(b),
                    name(category)
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::model::from_toml;
    use super::*;

    const BOOK: &str = r#"
format = 1
name = "Test"
[[codes]]
id = "ORG"
kind = "category"
name = "Organisational model"
mutually_exclusive = true
[[codes]]
id = "ORG_COMPANY"
parent = "ORG"
name = "Single company"
[[codes]]
id = "ORG_GRASSROOTS"
parent = "ORG"
name = "Grassroots"
[[codes]]
id = "MOT"
kind = "category"
name = "Motivations"
[[codes]]
id = "MOT_ACCESS"
parent = "MOT"
name = "Access"
[[codes]]
id = "MOT_SCIENCE"
parent = "MOT"
name = "Open science"
"#;

    #[test]
    fn two_codes_from_a_mutually_exclusive_category_conflict() {
        let file = from_toml(BOOK).unwrap();
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(exclusivity_conflict(&file, &codes(&["ORG_COMPANY", "ORG_GRASSROOTS"])).is_some());
        assert!(exclusivity_conflict(&file, &codes(&["ORG_COMPANY", "MOT_ACCESS", "MOT_SCIENCE"])).is_none());
    }

    #[test]
    fn a_codebook_round_trips_through_toml() {
        let file = from_toml(BOOK).unwrap();
        assert_eq!(from_toml(&model::to_toml(&file).unwrap()).unwrap(), file);
    }

    /// A TOML codebook of one chain `levels` deep: categories down to a code.
    fn chain(levels: usize) -> String {
        let mut text = String::from("format = 1\nname = \"Chain\"\n");
        for level in 0..levels {
            let kind = if level + 1 < levels { "category" } else { "code" };
            text.push_str(&format!("[[codes]]\nid = \"L{level}\"\nname = \"Level {level}\"\nkind = \"{kind}\"\n"));
            if level > 0 {
                text.push_str(&format!("parent = \"L{}\"\n", level - 1));
            }
        }
        text
    }

    #[test]
    fn twelve_levels_are_allowed_and_a_thirteenth_is_refused_with_its_place() {
        assert!(from_toml(&chain(tree::MAX_DEPTH)).is_ok());
        let errors = from_toml(&chain(tree::MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].to_string(),
            "codes[12].parent: L12 would be at level 13, and a codebook has at most 12 levels: move it, or a \
             category above it, higher up"
        );
        // A 3,000-level chain: one problem, for the first level too deep.
        let errors = from_toml(&chain(3000)).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), ["codes[12].parent"]);
    }

    #[test]
    fn broken_trees_are_refused_with_every_problem() {
        let text = r##"
format = 1
name = "Broken"
[[codes]]
id = "A"
name = "A"
parent = "B"
[[codes]]
id = "B"
kind = "category"
name = "B"
parent = "A"
[[codes]]
id = "C"
name = "C"
mutually_exclusive = true
colour = "red"
shortcut = "n"
[[codes]]
id = "C"
name = "C"
"##;
        let errors = from_toml(text).unwrap_err();
        let places: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        for expected in [
            "codes[0].parent",
            "codes[1].parent",
            "codes[2].mutually_exclusive",
            "codes[2].colour",
            "codes[2].shortcut",
            "codes[3].id",
            "codes[3].name",
        ] {
            assert!(places.contains(&expected), "missing {expected} in {places:?}");
        }
    }

    #[test]
    fn texts_get_lf_line_breaks_and_control_characters_or_broken_names_are_refused_with_their_place() {
        let text = "format = 1\r\nname = \"Test\"\r\n[[codes]]\r\nid = \"A\"\r\nname = \"A\"\r\n\
                    definition = \"\"\"\r\nOne\r\ntwo\r\nthree\"\"\"\r\nexample = \"a\\rb\"\r\n";
        let code = &from_toml(text).unwrap().codes[0];
        assert_eq!((code.definition.as_str(), code.example.as_str()), ("One\ntwo\nthree", "a\nb"));

        let text = r#"
format = 1
name = "Bad\u0007"
description = "ok\u0000"
[[codes]]
id = "A"
name = "Two\nlines"
example = "esc \u001b[0m"
shortcut = "\u0001"
"#;
        let errors: Vec<String> = from_toml(text).unwrap_err().iter().map(ToString::to_string).collect();
        for expected in [
            "name: has an invisible control character (U+0007) at character 4",
            "description: has an invisible control character (U+0000) at character 3",
            "codes[0].name: has a line break at character 4; it must be one line",
            "codes[0].example: has an invisible control character (U+001B) at character 5",
            "codes[0].shortcut: has an invisible control character (U+0001) at character 1",
        ] {
            assert!(errors.iter().any(|e| e.starts_with(expected)), "missing {expected:?} in {errors:?}");
        }
    }
}
