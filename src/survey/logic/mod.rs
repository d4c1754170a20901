//! Survey display logic and constraints: parses and evaluates the small, safe expression language
//! of XLSForm's `relevant` and `constraint` columns (`${age} >= 18 and selected(${langs}, 'es')`,
//! `. > 0 and regex(., '^[A-Z]')`). Conditions are parsed when a survey is saved (errors carry a
//! character position) and evaluated on the server against the answers so far; display logic is
//! also sent to the respondent pages' script (`Condition::to_client`), which evaluates it alike.

mod eval;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;
mod words;

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher;

use serde::{Deserialize, Serialize};

use eval::*;
use lexer::*;
use parser::*;

/// Longest condition accepted, in characters.
pub const MAX_LENGTH: usize = 2_000;
/// Deepest nesting of parentheses and function calls; this is what bounds recursion when parsing and evaluating.
pub const MAX_DEPTH: usize = 64;
/// Longest question code, per `^[A-Za-z][A-Za-z0-9_]{0,31}$`.
const MAX_CODE_LENGTH: usize = 32;
/// Words with a meaning; used to hint at the lowercase spelling when a designer writes `AND` or `Selected`.
const KEYWORDS: [&str; 8] = ["and", "or", "not", "selected", "count-selected", "regex", "string-length", "if"];

/// The code under which `Answers::value` is asked for `.`, the answer a constraint checks.
const CURRENT: &str = ".";

/// A parsed condition; (de)serializes as its source text.
///
/// Semantics:
/// - `${code}` is the answer as text; a multiple-choice answer is its ticked codes separated by single spaces;
///   an unanswered question is the empty string.
/// - Text literals use single or double quotes and have no escapes, so either quote may appear inside the
///   other (`"it's"`, `'say "hi"'`); a text containing both kinds of quote cannot be written.
/// - Number literals are `12`, `-3`, `4.5` (no exponent, no `+`, no subtraction).
/// - Comparisons are numeric when both sides read as finite decimal numbers (surrounding spaces allowed);
///   otherwise `=`/`!=` compare text exactly and `<`, `<=`, `>`, `>=` are false.
/// - A value used as a condition (`${q}`, `count-selected(${q})`) is true when it is a non-blank text
///   (an answered question, even "0") or a non-zero number; a blank or unanswered question is false.
/// - A condition (true/false) cannot be compared or passed where a value is expected; that is a parse error.
/// - In a constraint, `.` is the answer being checked; `regex(value, 'pattern')` holds when the pattern
///   matches somewhere in the value (anchor it with `^…$` to match the whole), `string-length(value)`
///   counts characters, and `if(test, a, b)` is `a` when `test` holds, else `b` (both conditions or
///   both values). These functions are available in display logic too.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Condition {
    source: String,
    expr: Expr,
}

impl Condition {
    /// Parses `source`, reporting the first problem with its character position.
    pub fn parse(source: &str) -> Result<Condition, LogicError> {
        Condition::parse_as(source, false)
    }

    /// Parses a constraint: a condition in which `.` is the answer being checked.
    pub fn parse_constraint(source: &str) -> Result<Condition, LogicError> {
        Condition::parse_as(source, true)
    }

    fn parse_as(source: &str, in_constraint: bool) -> Result<Condition, LogicError> {
        let length = source.chars().count();
        if length > MAX_LENGTH {
            return Err(LogicError::new(
                MAX_LENGTH,
                format!("the condition is {length} characters long; at most {MAX_LENGTH} are allowed"),
            ));
        }
        let expr = Parser::new(source, in_constraint)?.parse_condition()?;
        Ok(Condition { source: source.to_owned(), expr })
    }

    /// The text the condition was parsed from, exactly as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Question codes the condition refers to, in order of first appearance, without duplicates.
    pub fn referenced_codes(&self) -> Vec<String> {
        let mut codes = Vec::new();
        self.expr.collect_codes(&mut codes);
        codes
    }

    /// The condition in words, each question named by `name` from its code (the methods pack's
    /// questionnaire).
    pub fn in_words(&self, name: words::Naming) -> String {
        self.expr.words(name)
    }

    /// Whether the condition holds for `answers`.
    pub fn evaluate(&self, answers: &dyn Answers) -> bool {
        self.expr.is_true(answers)
    }

    /// Whether a constraint holds for the answer to `code` (`.`) among `answers`.
    pub fn evaluate_for(&self, answers: &dyn Answers, code: &str) -> bool {
        self.expr.is_true(&Checking { answers, code })
    }

    /// The condition as the respondent pages' script evaluates it, or None when only the server
    /// can (it holds a regular expression).
    pub fn to_client(&self) -> Option<serde_json::Value> {
        self.expr.to_client()
    }
}

/// The answers as a constraint on the answer to `code` sees them: `.` is that answer.
struct Checking<'a> {
    answers: &'a dyn Answers,
    code: &'a str,
}

impl Answers for Checking<'_> {
    fn value(&self, code: &str) -> String {
        self.answers.value(if code == CURRENT { self.code } else { code })
    }
}

impl TryFrom<String> for Condition {
    type Error = LogicError;

    fn try_from(source: String) -> Result<Self, Self::Error> {
        let expr = Condition::parse(&source)?.expr;
        Ok(Condition { source, expr })
    }
}

impl From<Condition> for String {
    fn from(condition: Condition) -> String {
        condition.source
    }
}

/// Where the answers come from.
pub trait Answers {
    /// The answer to question `code` as text (multiple choices space-separated); `""` when unanswered.
    fn value(&self, code: &str) -> String;
}

/// A missing key is an unanswered question.
impl<S: BuildHasher> Answers for HashMap<String, String, S> {
    fn value(&self, code: &str) -> String {
        self.get(code).cloned().unwrap_or_default()
    }
}

/// Why a condition could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicError {
    /// 0-based character (not byte) offset into the source.
    pub position: usize,
    /// What was expected and what was found, worded for a survey designer.
    pub message: String,
}

impl LogicError {
    fn new(position: usize, message: impl Into<String>) -> LogicError {
        LogicError { position, message: message.into() }
    }
}

impl fmt::Display for LogicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.position, self.message)
    }
}

impl std::error::Error for LogicError {}
