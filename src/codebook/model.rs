//! A codebook as a file and as plain data: a flat list of categories and codes, each pointing at
//! its parent, with the MacQueen et al. (1998) definition fields. Ids are stable, so codings keep
//! their code through renames, moves and new versions.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::closed::ClosedMapping;
use super::tree::{MAX_DEPTH, Tree};
use crate::text::{Lines, normalize_line_breaks, typed};

/// The codebook file format version this fieldwork reads and writes.
pub const FORMAT: u32 = 1;

/// A colour as `#RRGGBB`.
fn is_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A whole codebook, as in `codebooks/*.toml` (docs/codebook-format.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodebookFile {
    pub format: u32,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub codes: Vec<CodeEntry>,
    /// Codes standing for a closed question's choices, to compare the respondent's answer with
    /// the coding (`codebook::closed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<ClosedMapping>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// Groups codes; not applied to answers itself.
    Category,
    #[default]
    Code,
}

/// A category or a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CodeEntry {
    /// Stable identifier: letters, digits and `_`, starting with a letter.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "is_code")]
    pub kind: CodeKind,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub short_definition: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub definition: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub when_to_use: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub when_not_to_use: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub example: String,
    /// An answer that looks like this code but is not, and why ("looks like this code but is
    /// not, because…"): the boundary a coder most often gets wrong.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub near_miss: String,
    /// `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
    /// One character that toggles the code in the coding screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcut: Option<String>,
    /// Categories only: a coder may apply at most one of its codes to an answer.
    #[serde(default, skip_serializing_if = "is_false")]
    pub mutually_exclusive: bool,
    /// No longer offered to coders; its codings are kept and exported.
    #[serde(default, skip_serializing_if = "is_false")]
    pub retired: bool,
    /// The REFI-QDA guid, kept so that codes keep their identity across exchanges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

fn is_code(kind: &CodeKind) -> bool {
    *kind == CodeKind::Code
}

impl CodeEntry {
    /// Every text of the entry a person types, with its field and whether it may hold line breaks.
    fn texts(&self) -> [(&'static str, Option<&str>, Lines); 10] {
        [
            ("id", Some(self.id.as_str()), Lines::One),
            ("name", Some(self.name.as_str()), Lines::One),
            ("short_definition", Some(self.short_definition.as_str()), Lines::Many),
            ("definition", Some(self.definition.as_str()), Lines::Many),
            ("when_to_use", Some(self.when_to_use.as_str()), Lines::Many),
            ("when_not_to_use", Some(self.when_not_to_use.as_str()), Lines::Many),
            ("example", Some(self.example.as_str()), Lines::Many),
            ("near_miss", Some(self.near_miss.as_str()), Lines::Many),
            ("colour", self.colour.as_deref(), Lines::One),
            ("shortcut", self.shortcut.as_deref(), Lines::One),
        ]
    }
}

/// One problem in a codebook, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodebookError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for CodebookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() { write!(f, "{}", self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

impl CodebookFile {
    /// Every problem, each with its place (`codes[3].parent`).
    pub fn check(&self) -> Vec<CodebookError> {
        let mut errors = Vec::new();
        let mut error = |path: String, message: String| errors.push(CodebookError { path, message });
        if self.format != FORMAT {
            error("format".into(), format!("this fieldwork reads format {FORMAT}, not {}", self.format));
        }
        if self.name.trim().is_empty() {
            error("name".into(), "give the codebook a name".into());
        }
        // Control characters anywhere, and line breaks in one-line texts, with their place
        // (line breaks in the others are made LF by `with_lf_line_breaks`).
        for (path, text, lines) in [("name", &self.name, Lines::One), ("description", &self.description, Lines::Many)] {
            if let Err(problem) = typed(text, lines) {
                error(path.into(), problem.to_string());
            }
        }
        for (i, code) in self.codes.iter().enumerate() {
            for (field, text, lines) in code.texts() {
                if let Some(Err(problem)) = text.map(|text| typed(text, lines)) {
                    error(format!("codes[{i}].{field}"), problem.to_string());
                }
            }
        }
        let kinds: HashMap<&str, CodeKind> = self.codes.iter().map(|c| (c.id.as_str(), c.kind)).collect();
        let mut ids = HashSet::new();
        let mut shortcuts = HashMap::new();
        let mut sibling_names = HashSet::new();
        for (i, code) in self.codes.iter().enumerate() {
            let at = |field: &str| format!("codes[{i}].{field}");
            if !crate::survey::validate::is_code(&code.id, 64) {
                error(
                    at("id"),
                    format!("\"{}\" is not an id: start with a letter, then letters, digits or _", code.id),
                );
            }
            if !ids.insert(code.id.as_str()) {
                error(at("id"), format!("another entry already has the id {}", code.id));
            }
            if code.name.trim().is_empty() {
                error(at("name"), "give it a name".into());
            } else if !sibling_names.insert((code.parent.clone(), code.name.trim().to_lowercase())) {
                error(
                    at("name"),
                    format!("\"{}\" is already used next to it; names under one parent must differ", code.name),
                );
            }
            match code.parent.as_deref().map(|p| kinds.get(p)) {
                Some(None) => {
                    error(at("parent"), format!("there is no category {}", code.parent.as_deref().unwrap_or("")))
                }
                Some(Some(CodeKind::Code)) => {
                    error(at("parent"), "a code cannot contain other codes; make the parent a category".into())
                }
                _ => {}
            }
            if code.mutually_exclusive && code.kind == CodeKind::Code {
                error(at("mutually_exclusive"), "only a category can be mutually exclusive".into());
            }
            if let Some(colour) = &code.colour
                && !is_colour(colour)
            {
                error(at("colour"), format!("\"{colour}\" is not a colour such as #1F77B4"));
            }
            if let Some(key) = &code.shortcut {
                let reserved = ["n", "p", "u", "d"];
                if key.chars().count() != 1 || key.trim().is_empty() {
                    error(at("shortcut"), "a shortcut is one character".into());
                } else if reserved.contains(&key.to_lowercase().as_str()) {
                    error(at("shortcut"), format!("\"{key}\" is taken by the coding screen (n, p, u, d)"));
                } else if let Some(other) = shortcuts.insert(key.to_lowercase(), &code.id) {
                    error(at("shortcut"), format!("\"{key}\" is already the shortcut of {other}"));
                }
                if code.kind == CodeKind::Category {
                    error(at("shortcut"), "categories are not applied, so they have no shortcut".into());
                }
            }
        }
        // One walk from the tops gives every entry's depth; an entry it never reaches is in (or
        // under) a parent cycle.
        let mut reached = vec![false; self.codes.len()];
        for (depth, i) in Tree::new(self).order() {
            reached[i] = true;
            // Only the first level too deep: what is inside it moves up with it.
            if depth == MAX_DEPTH {
                let code = &self.codes[i];
                error(
                    format!("codes[{i}].parent"),
                    format!(
                        "{} would be at level {}, and a codebook has at most {MAX_DEPTH} levels: move it, or a \
                         category above it, higher up",
                        code.id,
                        depth + 1
                    ),
                );
            }
        }
        for (i, code) in self.codes.iter().enumerate().filter(|(i, _)| !reached[*i]) {
            error(format!("codes[{i}].parent"), format!("{} is inside itself", code.id));
        }
        errors.extend(super::closed::check(self));
        errors
    }

    /// The codebook with LF line breaks in its definitions and description (`text::typed`): the
    /// readers of codebook files call it, so that texts are stored as the pages count them.
    pub fn with_lf_line_breaks(mut self) -> Self {
        let lf = |text: &mut String| *text = normalize_line_breaks(text);
        lf(&mut self.description);
        for code in &mut self.codes {
            for text in [
                &mut code.short_definition,
                &mut code.definition,
                &mut code.when_to_use,
                &mut code.when_not_to_use,
                &mut code.example,
                &mut code.near_miss,
            ] {
                lf(text);
            }
        }
        self
    }

    /// The entry with this id. A scan: to look up many, build a [`Tree`] once.
    pub fn entry(&self, id: &str) -> Option<&CodeEntry> {
        self.codes.iter().find(|c| c.id == id)
    }

    /// The entries in tree order (each parent before its children), with their depth.
    pub fn tree(&self) -> Vec<(usize, &CodeEntry)> {
        Tree::new(self).entries()
    }

    /// The path of names from the top, such as "Motivations / Social / Democratising access".
    /// For the paths of many entries, build a [`Tree`] once.
    pub fn path(&self, id: &str) -> String {
        Tree::new(self).path(id)
    }
}

/// Reads a TOML codebook; every problem is returned with its place.
pub fn from_toml(text: &str) -> Result<CodebookFile, Vec<CodebookError>> {
    let file: CodebookFile = toml::from_str(text).map_err(|err| {
        let path = err.span().map_or(String::new(), |span| {
            let before = &text[..span.start.min(text.len())];
            format!("line {}", before.matches('\n').count() + 1)
        });
        vec![CodebookError { path, message: err.message().to_string() }]
    })?;
    let file = file.with_lf_line_breaks();
    let errors = file.check();
    if errors.is_empty() { Ok(file) } else { Err(errors) }
}

/// Writes a codebook as TOML; `from_toml` of the result gives it back unchanged.
pub fn to_toml(file: &CodebookFile) -> Result<String, toml::ser::Error> {
    Ok(format!("# fieldwork codebook; format described in docs/codebook-format.md\n{}", toml::to_string_pretty(file)?))
}
