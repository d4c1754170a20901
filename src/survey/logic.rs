//! Survey display logic: parses and evaluates the small, safe expression language of XLSForm's
//! `relevant` column (`${age} >= 18 and selected(${langs}, 'es')`). Conditions are parsed when a
//! survey is saved (errors carry a character position) and evaluated on the server against the answers so far.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher;

use serde::{Deserialize, Serialize};

/// Longest condition accepted, in characters.
pub const MAX_LENGTH: usize = 2_000;
/// Deepest nesting of parentheses and function calls; this is what bounds recursion when parsing and evaluating.
pub const MAX_DEPTH: usize = 64;
/// Longest question code, per `^[A-Za-z][A-Za-z0-9_]{0,31}$`.
const MAX_CODE_LENGTH: usize = 32;
/// Words with a meaning; used to hint at the lowercase spelling when a designer writes `AND` or `Selected`.
const KEYWORDS: [&str; 5] = ["and", "or", "not", "selected", "count-selected"];

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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Condition {
    source: String,
    expr: Expr,
}

impl Condition {
    /// Parses `source`, reporting the first problem with its character position.
    pub fn parse(source: &str) -> Result<Condition, LogicError> {
        let length = source.chars().count();
        if length > MAX_LENGTH {
            return Err(LogicError::new(
                MAX_LENGTH,
                format!("the condition is {length} characters long; at most {MAX_LENGTH} are allowed"),
            ));
        }
        let expr = Parser::new(source)?.parse_condition()?;
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

    /// Whether the condition holds for `answers`.
    pub fn evaluate(&self, answers: &dyn Answers) -> bool {
        self.expr.is_true(answers)
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

// ---------------------------------------------------------------------------------------------------------------
// Syntax tree and evaluation
// ---------------------------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Expr {
    Answer(String),
    Text(String),
    /// Keeps the literal's text so `selected(${q}, 01)` matches the choice code "01" as written.
    Number {
        text: String,
        value: f64,
    },
    CountSelected(Box<Expr>),
    Compare {
        op: CompareOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Selected {
        values: Box<Expr>,
        choice: Box<Expr>,
    },
    Not(Box<Expr>),
    /// Chains are kept flat so that `a and b and c ...` does not deepen the tree.
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

impl Expr {
    /// True for expressions that yield true/false rather than a value; the parser keeps them out of value slots.
    fn is_condition(&self) -> bool {
        matches!(self, Expr::Compare { .. } | Expr::Selected { .. } | Expr::Not(_) | Expr::And(_) | Expr::Or(_))
    }

    fn is_true(&self, answers: &dyn Answers) -> bool {
        match self {
            Expr::Or(parts) => parts.iter().any(|part| part.is_true(answers)),
            Expr::And(parts) => parts.iter().all(|part| part.is_true(answers)),
            Expr::Not(inner) => !inner.is_true(answers),
            Expr::Compare { op, left, right } => op.holds(&left.value(answers), &right.value(answers)),
            Expr::Selected { values, choice } => {
                let (values, choice) = (values.value(answers), choice.value(answers));
                let choice = choice.text();
                values.text().split_whitespace().any(|ticked| ticked == choice)
            }
            Expr::Number { value, .. } => *value != 0.0,
            Expr::Answer(_) | Expr::Text(_) | Expr::CountSelected(_) => self.value(answers).is_truthy(),
        }
    }

    fn value<'a>(&'a self, answers: &dyn Answers) -> Value<'a> {
        match self {
            Expr::Answer(code) => Value::Text(Cow::Owned(answers.value(code))),
            Expr::Text(text) | Expr::Number { text, .. } => Value::Text(Cow::Borrowed(text)),
            Expr::CountSelected(inner) => Value::Number(inner.value(answers).text().split_whitespace().count() as f64),
            // The parser never puts a condition where a value is expected; XPath's string(boolean) is the fallback.
            _ => Value::Text(Cow::Borrowed(if self.is_true(answers) { "true" } else { "false" })),
        }
    }

    fn collect_codes(&self, codes: &mut Vec<String>) {
        match self {
            Expr::Answer(code) => {
                if !codes.contains(code) {
                    codes.push(code.clone());
                }
            }
            Expr::Text(_) | Expr::Number { .. } => {}
            Expr::CountSelected(inner) | Expr::Not(inner) => inner.collect_codes(codes),
            Expr::Compare { left: first, right: second, .. } | Expr::Selected { values: first, choice: second } => {
                first.collect_codes(codes);
                second.collect_codes(codes);
            }
            Expr::And(parts) | Expr::Or(parts) => parts.iter().for_each(|part| part.collect_codes(codes)),
        }
    }
}

/// A value during evaluation; borrows literals so that only answers themselves are allocated.
enum Value<'a> {
    Text(Cow<'a, str>),
    Number(f64),
}

impl Value<'_> {
    fn text(&self) -> Cow<'_, str> {
        match self {
            Value::Text(text) => Cow::Borrowed(text),
            Value::Number(number) => Cow::Owned(number.to_string()),
        }
    }

    fn as_number(&self) -> Option<f64> {
        match self {
            Value::Text(text) => parse_number(text),
            Value::Number(number) => Some(*number).filter(|n| n.is_finite()),
        }
    }

    /// Blank answers count as unanswered, hence false.
    fn is_truthy(&self) -> bool {
        match self {
            Value::Text(text) => !text.trim().is_empty(),
            Value::Number(number) => *number != 0.0,
        }
    }
}

/// Reads XPath-style decimals (`-3`, `12`, `4.5`, `.5`, `5.`; spaces around allowed), not `1e5`, `inf` or `+1`,
/// which Rust's own float parser would accept.
fn parse_number(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let unsigned = trimmed.strip_prefix('-').unwrap_or(trimmed);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    trimmed.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CompareOp {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl CompareOp {
    fn symbol(self) -> &'static str {
        match self {
            CompareOp::Equal => "=",
            CompareOp::NotEqual => "!=",
            CompareOp::Less => "<",
            CompareOp::LessOrEqual => "<=",
            CompareOp::Greater => ">",
            CompareOp::GreaterOrEqual => ">=",
        }
    }

    fn holds(self, left: &Value<'_>, right: &Value<'_>) -> bool {
        if let (Some(left), Some(right)) = (left.as_number(), right.as_number()) {
            return match self {
                CompareOp::Equal => left == right,
                CompareOp::NotEqual => left != right,
                CompareOp::Less => left < right,
                CompareOp::LessOrEqual => left <= right,
                CompareOp::Greater => left > right,
                CompareOp::GreaterOrEqual => left >= right,
            };
        }
        // Ordering text (or a blank answer) is meaningless in a survey, so only equality falls back to text.
        match self {
            CompareOp::Equal => left.text() == right.text(),
            CompareOp::NotEqual => left.text() != right.text(),
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Lexer: works on chars so that every position is a character offset
// ---------------------------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum TokenKind {
    Answer(String),
    Text(String),
    Number { text: String, value: f64 },
    Word(String),
    OpenParen,
    CloseParen,
    Comma,
    Compare(CompareOp),
    End,
}

impl TokenKind {
    /// How the token is named in "found ..." parts of error messages.
    fn describe(&self) -> String {
        match self {
            TokenKind::Answer(code) => format!("${{{code}}}"),
            TokenKind::Text(text) => format!("the text {}", quote_for_message(text)),
            TokenKind::Number { text, .. } => format!("the number {text}"),
            TokenKind::Word(word) => describe_word(word),
            TokenKind::OpenParen => "'('".to_owned(),
            TokenKind::CloseParen => "')'".to_owned(),
            TokenKind::Comma => "','".to_owned(),
            TokenKind::Compare(op) => format!("'{}'", op.symbol()),
            TokenKind::End => "the end of the condition".to_owned(),
        }
    }
}

fn describe_word(word: &str) -> String {
    let lowercase = word.to_ascii_lowercase();
    if lowercase != word && KEYWORDS.contains(&lowercase.as_str()) {
        format!("'{word}' (keywords are lowercase: write '{lowercase}')")
    } else {
        format!("'{word}'")
    }
}

/// Quotes a text for a message, shortened so that a long literal does not drown the message.
fn quote_for_message(text: &str) -> String {
    const SHOWN: usize = 30;
    let mut shown: String = text.chars().take(SHOWN).collect();
    if text.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    if text.contains('\'') { format!("\"{shown}\"") } else { format!("'{shown}'") }
}

fn describe_char(c: Option<char>) -> String {
    match c {
        None => "the end of the condition".to_owned(),
        Some(c) if c.is_whitespace() => "a space".to_owned(),
        Some(c) => format!("{c:?}"),
    }
}

struct Token {
    kind: TokenKind,
    position: usize,
}

struct Lexer {
    chars: Vec<char>,
    index: usize,
}

impl Lexer {
    fn new(source: &str) -> Lexer {
        Lexer { chars: source.chars().collect(), index: 0 }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.index + ahead).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek(0).is_some_and(char::is_whitespace) {
            self.index += 1;
        }
    }

    /// Whether the next non-space character is `wanted`, without consuming anything.
    fn next_char_is(&self, wanted: char) -> bool {
        self.chars.get(self.index..).and_then(|rest| rest.iter().find(|c| !c.is_whitespace())) == Some(&wanted)
    }

    fn next_token(&mut self) -> Result<Token, LogicError> {
        self.skip_whitespace();
        let position = self.index;
        let Some(c) = self.peek(0) else {
            return Ok(Token { kind: TokenKind::End, position });
        };
        let kind = match c {
            '$' => self.answer()?,
            '\'' | '"' => self.text(c)?,
            '-' | '0'..='9' => self.number()?,
            'a'..='z' | 'A'..='Z' => self.word(),
            '=' | '!' | '<' | '>' => self.comparison()?,
            '(' => self.single(TokenKind::OpenParen),
            ')' => self.single(TokenKind::CloseParen),
            ',' => self.single(TokenKind::Comma),
            '&' => return Err(LogicError::new(position, "unexpected character '&'; combine conditions with 'and'")),
            '|' => return Err(LogicError::new(position, "unexpected character '|'; combine conditions with 'or'")),
            _ => return Err(LogicError::new(position, format!("unexpected character {c:?}"))),
        };
        Ok(Token { kind, position })
    }

    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.index += 1;
        kind
    }

    /// `${code}`, checked against `^[A-Za-z][A-Za-z0-9_]{0,31}$`.
    fn answer(&mut self) -> Result<TokenKind, LogicError> {
        let dollar = self.index;
        if self.peek(1) != Some('{') {
            let found = describe_char(self.peek(1));
            return Err(LogicError::new(
                dollar + 1,
                format!("expected '{{' after '$' (answers are written ${{code}}), found {found}"),
            ));
        }
        self.index += 2;
        let code_start = self.index;
        match self.peek(0) {
            Some(c) if c.is_ascii_alphabetic() => {}
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
                return Err(LogicError::new(
                    code_start,
                    format!("a question code must start with a letter, found {}", describe_char(Some(c))),
                ));
            }
            other => {
                return Err(LogicError::new(
                    code_start,
                    format!("expected a question code after '${{', found {}", describe_char(other)),
                ));
            }
        }
        while self.peek(0).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.index += 1;
        }
        let code: String = self.chars[code_start..self.index].iter().collect();
        if code.len() > MAX_CODE_LENGTH {
            return Err(LogicError::new(
                code_start,
                format!(
                    "the question code '{code}' is {} characters long; at most {MAX_CODE_LENGTH} are allowed",
                    code.len()
                ),
            ));
        }
        match self.peek(0) {
            Some('}') => {
                self.index += 1;
                Ok(TokenKind::Answer(code))
            }
            found => {
                let hint = if found.is_some() { "; question codes contain only letters, digits and '_'" } else { "" };
                Err(LogicError::new(
                    self.index,
                    format!("expected '}}' to close '${{' at character {dollar}, found {}{hint}", describe_char(found)),
                ))
            }
        }
    }

    /// A quoted text; there are no escapes, so the closing quote is the next one of the same kind.
    fn text(&mut self, quote: char) -> Result<TokenKind, LogicError> {
        let open = self.index;
        let content_start = open + 1;
        let Some(length) = self.chars.get(content_start..).and_then(|rest| rest.iter().position(|&c| c == quote))
        else {
            return Err(LogicError::new(
                open,
                format!("this text is never closed: expected a closing {quote} before the end of the condition"),
            ));
        };
        let text = self.chars[content_start..content_start + length].iter().collect();
        self.index = content_start + length + 1;
        Ok(TokenKind::Text(text))
    }

    /// `-?[0-9]+(\.[0-9]+)?`; there is no subtraction, so '-' only ever starts a negative number.
    fn number(&mut self) -> Result<TokenKind, LogicError> {
        let start = self.index;
        if self.peek(0) == Some('-') {
            self.index += 1;
            if !self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                return Err(LogicError::new(
                    start,
                    format!(
                        "'-' must be followed directly by digits to write a negative number, found {}",
                        describe_char(self.peek(0))
                    ),
                ));
            }
        }
        self.skip_digits();
        if self.peek(0) == Some('.') {
            self.index += 1;
            if !self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                return Err(LogicError::new(
                    self.index,
                    format!("expected a digit after the decimal point, found {}", describe_char(self.peek(0))),
                ));
            }
            self.skip_digits();
        }
        let text: String = self.chars[start..self.index].iter().collect();
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(TokenKind::Number { text, value }),
            _ => Err(LogicError::new(start, "this number is too large")),
        }
    }

    fn skip_digits(&mut self) {
        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
            self.index += 1;
        }
    }

    /// Keywords and function names; '-' is a word character because of `count-selected`.
    fn word(&mut self) -> TokenKind {
        let start = self.index;
        while self.peek(0).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            self.index += 1;
        }
        TokenKind::Word(self.chars[start..self.index].iter().collect())
    }

    fn comparison(&mut self) -> Result<TokenKind, LogicError> {
        let start = self.index;
        let followed_by_equals = self.peek(1) == Some('=');
        let (op, length) = match (self.peek(0), followed_by_equals) {
            (Some('='), true) => {
                return Err(LogicError::new(start, "'==' is not an operator; use a single '=' to test equality"));
            }
            (Some('!'), false) => {
                return Err(LogicError::new(
                    start,
                    "'!' on its own is not an operator; write '!=' for 'not equal' or not(...) to negate a condition",
                ));
            }
            (Some('='), false) => (CompareOp::Equal, 1),
            (Some('!'), true) => (CompareOp::NotEqual, 2),
            (Some('<'), true) => (CompareOp::LessOrEqual, 2),
            (Some('<'), false) => (CompareOp::Less, 1),
            (Some('>'), true) => (CompareOp::GreaterOrEqual, 2),
            _ => (CompareOp::Greater, 1),
        };
        self.index += length;
        Ok(TokenKind::Compare(op))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Parser: recursive descent with an explicit depth limit; tokens are read lazily so the leftmost error wins
// ---------------------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Function {
    Selected,
    CountSelected,
    Not,
}

impl Function {
    fn from_name(name: &str) -> Option<Function> {
        match name {
            "selected" => Some(Function::Selected),
            "count-selected" => Some(Function::CountSelected),
            "not" => Some(Function::Not),
            _ => None,
        }
    }

    fn after_arguments(self) -> &'static str {
        match self {
            Function::Selected => "')' after the two arguments of selected(...)",
            Function::CountSelected => "')' after the argument of count-selected(...)",
            Function::Not => "')' to close not(...)",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Function::Selected => "selected",
            Function::CountSelected => "count-selected",
            Function::Not => "not",
        }
    }
}

/// What the parser wanted when it reached an operand, for the "expected ..." part of messages.
#[derive(Clone, Copy)]
enum Expecting {
    Start,
    AfterComparison(CompareOp),
    AfterKeyword(&'static str),
    InsideParens,
    Argument(&'static str),
}

impl Expecting {
    fn describe(self) -> String {
        match self {
            Expecting::Start => "a condition such as ${code} = 'value'".to_owned(),
            Expecting::AfterComparison(op) => format!("a value to compare after '{}'", op.symbol()),
            Expecting::AfterKeyword(keyword) => format!("a condition after '{keyword}'"),
            Expecting::InsideParens => "a condition after '('".to_owned(),
            Expecting::Argument(what) => what.to_owned(),
        }
    }
}

struct Parser {
    lexer: Lexer,
    current: Token,
    depth: usize,
}

impl Parser {
    fn new(source: &str) -> Result<Parser, LogicError> {
        let mut lexer = Lexer::new(source);
        let current = lexer.next_token()?;
        Ok(Parser { lexer, current, depth: 0 })
    }

    fn parse_condition(mut self) -> Result<Expr, LogicError> {
        if self.at(&TokenKind::End) {
            return Err(LogicError::new(0, "the condition is empty; write one such as ${code} = 'value'"));
        }
        let expr = self.parse_or(Expecting::Start)?;
        match self.current.kind {
            TokenKind::End => Ok(expr),
            TokenKind::CloseParen => Err(LogicError::new(self.current.position, "found ')' without a matching '('")),
            _ => Err(self.expected("'and', 'or' or the end of the condition")),
        }
    }

    fn at(&self, kind: &TokenKind) -> bool {
        self.current.kind == *kind
    }

    fn at_word(&self, word: &str) -> bool {
        matches!(&self.current.kind, TokenKind::Word(w) if w == word)
    }

    fn advance(&mut self) -> Result<(), LogicError> {
        self.current = self.lexer.next_token()?;
        Ok(())
    }

    fn expected(&self, what: &str) -> LogicError {
        LogicError::new(self.current.position, format!("expected {what}, found {}", self.current.kind.describe()))
    }

    fn enter(&mut self, position: usize) -> Result<(), LogicError> {
        if self.depth >= MAX_DEPTH {
            return Err(LogicError::new(
                position,
                format!("too deeply nested: at most {MAX_DEPTH} levels of parentheses and function calls are allowed"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn parse_or(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
        let first = self.parse_and(expecting)?;
        if !self.at_word("or") {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.at_word("or") {
            self.advance()?;
            parts.push(self.parse_and(Expecting::AfterKeyword("or"))?);
        }
        Ok(Expr::Or(parts))
    }

    fn parse_and(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
        let first = self.parse_comparison(expecting)?;
        if !self.at_word("and") {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.at_word("and") {
            self.advance()?;
            parts.push(self.parse_comparison(Expecting::AfterKeyword("and"))?);
        }
        Ok(Expr::And(parts))
    }

    fn parse_comparison(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
        let left = self.parse_operand(expecting)?;
        let TokenKind::Compare(op) = self.current.kind else {
            return Ok(left);
        };
        if left.is_condition() {
            return Err(LogicError::new(
                self.current.position,
                format!(
                    "'{}' compares two values, but its left side is a condition (true or false); \
                     compare an answer such as ${{code}} instead",
                    op.symbol()
                ),
            ));
        }
        self.advance()?;
        let expecting = Expecting::AfterComparison(op);
        let right_position = self.current.position;
        let right = Self::ensure_value(self.parse_operand(expecting)?, right_position, expecting)?;
        if let TokenKind::Compare(_) = self.current.kind {
            return Err(LogicError::new(
                self.current.position,
                "comparisons cannot be chained; join them with 'and', e.g. ${q} > 1 and ${q} < 5",
            ));
        }
        Ok(Expr::Compare { op, left: Box::new(left), right: Box::new(right) })
    }

    /// A function argument that must be a value rather than a condition.
    fn parse_value(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
        let start = self.current.position;
        let expr = self.parse_or(expecting)?;
        Self::ensure_value(expr, start, expecting)
    }

    fn ensure_value(expr: Expr, start: usize, expecting: Expecting) -> Result<Expr, LogicError> {
        if expr.is_condition() {
            return Err(LogicError::new(
                start,
                format!("expected {}, found a condition (true or false)", expecting.describe()),
            ));
        }
        Ok(expr)
    }

    fn parse_operand(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
        let literal = match &self.current.kind {
            TokenKind::Answer(code) => Expr::Answer(code.clone()),
            TokenKind::Text(text) => Expr::Text(text.clone()),
            TokenKind::Number { text, value } => Expr::Number { text: text.clone(), value: *value },
            TokenKind::OpenParen => return self.parse_group(),
            TokenKind::Word(word) => {
                return match Function::from_name(word) {
                    Some(function) => self.parse_call(function),
                    None => Err(self.unknown_word(word, expecting)),
                };
            }
            _ => return Err(self.expected(&expecting.describe())),
        };
        self.advance()?;
        Ok(literal)
    }

    fn unknown_word(&self, word: &str, expecting: Expecting) -> LogicError {
        let position = self.current.position;
        if KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) {
            // 'and'/'or' out of place, or a keyword in the wrong case: the description says which.
            return self.expected(&expecting.describe());
        }
        if self.lexer.next_char_is('(') {
            return LogicError::new(
                position,
                format!("unknown function '{word}'; the functions are selected(...), count-selected(...) and not(...)"),
            );
        }
        LogicError::new(
            position,
            format!("unexpected word '{word}'; refer to an answer as ${{{word}}} and put text in quotes: '{word}'"),
        )
    }

    fn parse_group(&mut self) -> Result<Expr, LogicError> {
        let open = self.current.position;
        self.enter(open)?;
        self.advance()?;
        let inner = self.parse_or(Expecting::InsideParens)?;
        if !self.at(&TokenKind::CloseParen) {
            return Err(self.expected(&format!("'and', 'or' or ')' to close the '(' at character {open}")));
        }
        self.leave();
        self.advance()?;
        Ok(inner)
    }

    fn parse_call(&mut self, function: Function) -> Result<Expr, LogicError> {
        self.advance()?;
        if !self.at(&TokenKind::OpenParen) {
            return Err(self.expected(&format!("'(' after {}", function.name())));
        }
        self.enter(self.current.position)?;
        self.advance()?;
        let expr = match function {
            Function::Not => Expr::Not(Box::new(self.parse_or(Expecting::Argument("a condition inside not(...)"))?)),
            Function::CountSelected => Expr::CountSelected(Box::new(
                self.parse_value(Expecting::Argument("a question inside count-selected(...), such as ${code}"))?,
            )),
            Function::Selected => self.parse_selected_arguments()?,
        };
        if !self.at(&TokenKind::CloseParen) {
            return Err(self.expected(function.after_arguments()));
        }
        self.leave();
        self.advance()?;
        Ok(expr)
    }

    fn parse_selected_arguments(&mut self) -> Result<Expr, LogicError> {
        let values = self.parse_value(Expecting::Argument("a question as the first argument of selected(...)"))?;
        match self.current.kind {
            TokenKind::Comma => self.advance()?,
            TokenKind::CloseParen => {
                return Err(LogicError::new(
                    self.current.position,
                    "selected(...) needs two arguments, e.g. selected(${code}, 'choice'); found ')' after the first",
                ));
            }
            _ => return Err(self.expected("',' between the two arguments of selected(...)")),
        }
        let choice = self.parse_value(Expecting::Argument("a choice code as the second argument of selected(...)"))?;
        Ok(Expr::Selected { values: Box::new(values), choice: Box::new(choice) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(code, value)| (code.to_string(), value.to_string())).collect()
    }

    /// A condition, the answers given, and whether the condition should hold.
    type EvaluationCase<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);

    fn check_evaluations(cases: &[EvaluationCase<'_>]) {
        for (source, given, expected) in cases {
            let condition = Condition::parse(source).unwrap_or_else(|e| panic!("{source:?} should parse: {e}"));
            assert_eq!(condition.evaluate(&answers(given)), *expected, "{source:?} with {given:?}");
        }
    }

    fn check_errors(cases: &[(&str, usize, &str)]) {
        for (source, position, fragment) in cases {
            let Err(error) = Condition::parse(source) else { panic!("{source:?} should not parse") };
            assert_eq!(error.position, *position, "{source:?}: {error}");
            assert!(error.message.contains(fragment), "{source:?}: {error:?} should mention {fragment:?}");
        }
    }

    #[test]
    fn comparison_operators() {
        check_evaluations(&[
            ("${q} = 'a'", &[("q", "a")], true),
            ("${q} = 'a'", &[("q", "b")], false),
            ("${q} = 'a'", &[], false),
            ("${q} = ''", &[], true),
            ("${q} != 'a'", &[("q", "b")], true),
            ("${q} != 'a'", &[("q", "a")], false),
            ("${q} != 'a'", &[], true),
            ("${n} < 5", &[("n", "4")], true),
            ("${n} < 5", &[("n", "5")], false),
            ("${n} <= 5", &[("n", "5")], true),
            ("${n} <= 5", &[("n", "6")], false),
            ("${n} > 5", &[("n", "6")], true),
            ("${n} > 5", &[("n", "5")], false),
            ("${n} >= 5", &[("n", "5")], true),
            ("${n} >= 5", &[("n", "4.99")], false),
            ("${a} = ${b}", &[("a", "x"), ("b", "x")], true),
            ("${a} < ${b}", &[("a", "2"), ("b", "10")], true),
            ("'x' = 'x'", &[], true),
            ("${q}='a'", &[("q", "a")], true),
            ("\t${q}\n=\r\n'a' ", &[("q", "a")], true),
        ]);
    }

    #[test]
    fn numbers_versus_strings() {
        check_evaluations(&[
            ("${age} > 18", &[("age", "20")], true),
            ("${age} > 18", &[("age", "abc")], false),
            ("${age} > 18", &[("age", "")], false),
            ("${age} > 18", &[], false),
            ("${age} <= 18", &[("age", "abc")], false),
            ("${age} > 18", &[("age", "9")], false), // numeric, not text, order: "9" > "18" as text
            ("${age} > 18", &[("age", " 20 ")], true),
            ("${age} = 18", &[("age", "18.0")], true),
            ("${age} = 18", &[("age", "018")], true),
            ("${age} = '18'", &[("age", "18.00")], true),
            ("${age} != 18", &[("age", "18.0")], false),
            ("${age} = 18", &[("age", "eighteen")], false),
            ("${age} != 18", &[("age", "eighteen")], true),
            ("${t} > -3", &[("t", "-2.5")], true),
            ("${t} < -3", &[("t", "-4")], true),
            ("${t} >= 4.5", &[("t", "4.5")], true),
            ("${t} > 1", &[("t", ".5")], false),
            ("${t} > 1", &[("t", "1e5")], false), // exponents are not numbers here
            ("${t} > 1", &[("t", "inf")], false),
            ("${t} > 1", &[("t", "+5")], false),
            ("${t} > 1", &[("t", "-")], false),
            ("${t} > 1", &[("t", ".")], false),
            ("${a} < ${b}", &[("a", "apple"), ("b", "banana")], false),
        ]);
    }

    #[test]
    fn functions() {
        check_evaluations(&[
            ("selected(${langs}, 'es')", &[("langs", "en es")], true),
            ("selected(${langs}, 'en')", &[("langs", "en es")], true),
            ("selected(${langs}, 'e')", &[("langs", "en es")], false),
            ("selected(${langs}, 'en es')", &[("langs", "en es")], false),
            ("selected(${langs}, 'es')", &[], false),
            ("selected(${langs}, \"es\")", &[("langs", "es")], true),
            ("selected(${c}, 1)", &[("c", "2 1")], true),
            ("selected(${c}, 01)", &[("c", "01")], true),
            ("selected( ${langs} , 'fr' )", &[("langs", "fr")], true),
            ("selected(${a}, ${b})", &[("a", "x y"), ("b", "y")], true),
            ("count-selected(${langs}) = 2", &[("langs", "en es")], true),
            ("count-selected(${langs}) = 0", &[], true),
            ("count-selected(${langs}) >= 3", &[("langs", "en es")], false),
            ("count-selected(${langs}) > 1", &[("langs", "a b c")], true),
            ("count-selected (${langs}) = 1", &[("langs", "a")], true),
            ("count-selected(${langs}) = '1'", &[("langs", "a")], true),
            ("not(${q} = 'a')", &[("q", "b")], true),
            ("not(${q} = 'a')", &[("q", "a")], false),
            ("not(not(${q} = 'a'))", &[("q", "a")], true),
            ("not(selected(${langs}, 'es'))", &[("langs", "en")], true),
            ("not(${q})", &[], true),
            ("not(${q} = 'a' or ${q} = 'b')", &[("q", "b")], false),
        ]);
    }

    #[test]
    fn precedence_and_parentheses() {
        // `a or b and c` is `a or (b and c)`.
        let a_or_b_and_c = "${a} = 1 or ${b} = 1 and ${c} = 1";
        let parenthesized = "(${a} = 1 or ${b} = 1) and ${c} = 1";
        check_evaluations(&[
            (a_or_b_and_c, &[("a", "1")], true),
            (a_or_b_and_c, &[("b", "1")], false),
            (a_or_b_and_c, &[("b", "1"), ("c", "1")], true),
            (parenthesized, &[("a", "1")], false),
            (parenthesized, &[("a", "1"), ("c", "1")], true),
            ("${b} = 1 and ${c} = 1 or ${a} = 1", &[("a", "1")], true),
            ("${a} = 1 and ${b} = 1 and ${c} = 1", &[("a", "1"), ("b", "1"), ("c", "1")], true),
            ("${a} = 1 and ${b} = 1 and ${c} = 1", &[("a", "1"), ("b", "1")], false),
            ("${a} = 1 or ${b} = 1 or ${c} = 1", &[("c", "1")], true),
            ("${a} = 1 or ${b} = 1 or ${c} = 1", &[], false),
            ("((${a} = 1))", &[("a", "1")], true),
            ("(${a}) = 1", &[("a", "1")], true),
            ("not(${a} = 1) and (${b} = 1 or ${c} = 1)", &[("c", "1")], true),
        ]);
    }

    #[test]
    fn bare_values_as_conditions() {
        check_evaluations(&[
            ("${q}", &[("q", "anything")], true),
            ("${q}", &[("q", "0")], true),
            ("${q}", &[("q", "")], false),
            ("${q}", &[("q", "  ")], false),
            ("${q}", &[], false),
            ("count-selected(${q})", &[("q", "a")], true),
            ("count-selected(${q})", &[], false),
            ("0", &[], false),
            ("-1.5", &[], true),
            ("''", &[], false),
            ("'x'", &[], true),
            ("${a} and ${b}", &[("a", "x")], false),
            ("${a} or ${b}", &[("b", "x")], true),
        ]);
    }

    #[test]
    fn quotes_and_unicode() {
        check_evaluations(&[
            ("${q} = \"it's\"", &[("q", "it's")], true),
            ("${q} = 'say \"hi\"'", &[("q", "say \"hi\"")], true),
            ("${q} = 'café ☕'", &[("q", "café ☕")], true),
            ("${q} = '日本語'", &[("q", "日本語")], true),
            ("${q} = 'Ä'", &[("q", "A")], false),
            ("selected(${q}, 'ü')", &[("q", "a ü")], true),
        ]);
    }

    #[test]
    fn malformed_expressions_report_their_position() {
        check_errors(&[
            ("", 0, "the condition is empty"),
            ("   ", 0, "the condition is empty"),
            ("${", 2, "expected a question code after '${', found the end of the condition"),
            ("${}", 2, "found '}'"),
            ("${ q}", 2, "found a space"),
            ("${1abc}", 2, "must start with a letter, found '1'"),
            ("${_a}", 2, "must start with a letter"),
            ("${q", 3, "expected '}' to close '${' at character 0, found the end of the condition"),
            ("${q-1} = 2", 3, "only letters, digits and '_'"),
            ("$q = 1", 1, "expected '{' after '$'"),
            ("${q} =", 6, "expected a value to compare after '=', found the end of the condition"),
            ("${q} = 'unterminated", 7, "never closed"),
            ("${q} = \"it's", 7, "expected a closing \""),
            ("selected(${q} 'x')", 14, "expected ',' between the two arguments of selected(...), found the text 'x'"),
            ("selected(${q})", 13, "needs two arguments"),
            ("selected(${q}, 'x'", 18, "expected ')' after the two arguments of selected(...)"),
            ("selected(${q}, 'x', 'y')", 18, "expected ')' after the two arguments of selected(...), found ','"),
            ("selected ${q}", 9, "expected '(' after selected, found ${q}"),
            ("count-selected()", 15, "expected a question inside count-selected(...)"),
            ("count-selected(${q} = 'a')", 15, "found a condition"),
            ("not ${q}", 4, "expected '(' after not"),
            ("not()", 4, "expected a condition inside not(...), found ')'"),
            ("foo(${q})", 0, "unknown function 'foo'"),
            ("foo = 1", 0, "unexpected word 'foo'"),
            ("${q} == 'x'", 5, "'==' is not an operator"),
            ("${q} ! 'x'", 5, "'!' on its own"),
            ("${q} = 'a' && ${r} = 'b'", 11, "combine conditions with 'and'"),
            ("${q} = 'a' || ${r} = 'b'", 11, "combine conditions with 'or'"),
            ("${q} = 'a' # comment", 11, "unexpected character '#'"),
            (
                "(${q} = 'a'",
                11,
                "expected 'and', 'or' or ')' to close the '(' at character 0, found the end of the condition",
            ),
            ("${q} = 'a')", 10, "found ')' without a matching '('"),
            ("and ${q}", 0, "expected a condition such as ${code} = 'value', found 'and'"),
            ("${q} = 'a' and", 14, "expected a condition after 'and', found the end of the condition"),
            ("${q} = 'a' or or", 14, "expected a condition after 'or', found 'or'"),
            ("${q} = 'a' AND ${r} = 'b'", 11, "'AND' (keywords are lowercase: write 'and')"),
            ("Selected(${q}, 'a')", 0, "write 'selected'"),
            ("${q} 'x'", 5, "expected 'and', 'or' or the end of the condition, found the text 'x'"),
            ("${q} = 'a' = 'b'", 11, "comparisons cannot be chained"),
            ("${a} < ${b} < ${c}", 12, "comparisons cannot be chained"),
            ("not(${q}) = 'a'", 10, "its left side is a condition"),
            ("${q} = (${r} = 'a')", 7, "expected a value to compare after '=', found a condition"),
            ("${q} = - 3", 7, "'-' must be followed directly by digits"),
            ("${q} = 4.", 9, "expected a digit after the decimal point"),
            ("${q} = 12abc", 9, "found 'abc'"),
            ("()", 1, "expected a condition after '(', found ')'"),
            ("'é' = ${", 8, "expected a question code"), // positions count characters, not bytes
        ]);
    }

    #[test]
    fn over_long_question_code_is_rejected() {
        let ok = format!("${{{}}} = 1", "a".repeat(32));
        assert!(Condition::parse(&ok).is_ok());
        let too_long = format!("${{{}}} = 1", "a".repeat(33));
        check_errors(&[(&too_long, 2, "is 33 characters long; at most 32")]);
    }

    #[test]
    fn nesting_is_limited() {
        let nested = |depth: usize| format!("{}${{q}} = 'a'{}", "(".repeat(depth), ")".repeat(depth));
        assert!(Condition::parse(&nested(MAX_DEPTH)).is_ok());
        check_errors(&[(&nested(100), MAX_DEPTH, "too deeply nested: at most 64 levels")]);
        check_errors(&[(&nested(MAX_DEPTH + 1), MAX_DEPTH, "too deeply nested")]);
        let nots = format!("{}${{q}}{}", "not(".repeat(100), ")".repeat(100));
        check_errors(&[(&nots, 4 * MAX_DEPTH + 3, "too deeply nested")]);
        // Flat chains are not nesting: a long list of alternatives stays well within limits.
        let alternatives = ["${q} = 1"; 150].join(" or ");
        assert!(Condition::parse(&alternatives).is_ok_and(|c| c.evaluate(&answers(&[("q", "1")]))));
    }

    #[test]
    fn length_is_limited() {
        let padded = |length: usize| format!("${{q}} = '{}'", "é".repeat(length - 9));
        assert_eq!(padded(MAX_LENGTH).chars().count(), MAX_LENGTH);
        assert!(Condition::parse(&padded(MAX_LENGTH)).is_ok());
        check_errors(&[(&padded(MAX_LENGTH + 1), MAX_LENGTH, "is 2001 characters long; at most 2000")]);
        check_errors(&[(&"(".repeat(1_000_000), MAX_LENGTH, "at most 2000")]);
    }

    #[test]
    fn referenced_codes_in_order_without_duplicates() {
        let cases: &[(&str, &[&str])] = &[
            ("'a' = 'a'", &[]),
            ("${q}", &["q"]),
            ("${b} = 1 or ${a} = 2 and ${b} = 3", &["b", "a"]),
            ("not(selected(${langs}, ${other})) and count-selected(${langs}) > ${min}", &["langs", "other", "min"]),
        ];
        for (source, codes) in cases {
            let condition = Condition::parse(source).expect("valid");
            assert_eq!(condition.referenced_codes(), *codes, "{source:?}");
        }
    }

    #[test]
    fn serde_round_trip_as_plain_string() {
        let source = "selected(${langs}, 'es') and ${age} >= 18 or ${name} = \"José\"";
        let condition = Condition::parse(source).expect("valid");
        let json = serde_json::to_string(&condition).expect("serializes");
        assert_eq!(json, serde_json::to_string(source).expect("serializes"));
        let back: Condition = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, condition);
        assert_eq!(back.source(), source);

        let error = serde_json::from_str::<Condition>("\"${q} ==\"").expect_err("invalid condition");
        assert!(error.to_string().contains("at character 5: '==' is not an operator"), "{error}");
        assert!(serde_json::from_str::<Condition>("42").is_err());
    }

    #[test]
    fn source_is_kept_verbatim() {
        let source = "  ${q}   =  'a'  ";
        assert_eq!(Condition::parse(source).expect("valid").source(), source);
    }

    #[test]
    fn error_display_names_the_character() {
        let error = Condition::parse("selected(${q}, 'x'").expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "at character 18: expected ')' after the two arguments of selected(...), found the end of the condition"
        );
        let long_text = format!("${{q}} '{}'", "x".repeat(50));
        let message = Condition::parse(&long_text).expect_err("invalid").message;
        assert!(message.ends_with(&format!("found the text '{}…'", "x".repeat(30))), "{message}");
    }

    #[test]
    fn custom_answer_sources() {
        struct Everything;
        impl Answers for Everything {
            fn value(&self, _code: &str) -> String {
                "yes".to_owned()
            }
        }
        let condition = Condition::parse("${any} = 'yes' and selected(${other}, 'yes')").expect("valid");
        assert!(condition.evaluate(&Everything));
    }

    /// Parses every prefix, suffix and splice of assorted inputs: none may panic, and error positions stay in bounds.
    #[test]
    fn arbitrary_input_never_panics() {
        let samples = [
            "not(selected(${a}, 'x') or count-selected(${b}) >= 2) and (${c} != \"y\" or ${d} < -4.5)",
            "${a}=${b}<=${c}>=${d}!=${e}<${f}>${g}",
            "((('é' = \"ü\")))) , ${",
            "${a_1} = '' or not(not(())) selected count-selected - 1. $ { } ! = & |",
        ];
        for sample in samples {
            let chars: Vec<char> = sample.chars().collect();
            for start in 0..chars.len() {
                for end in start..=chars.len() {
                    let piece: String = chars[start..end].iter().collect();
                    let spliced: String = chars[..start].iter().chain(&chars[end..]).collect();
                    for input in [piece, spliced] {
                        match Condition::parse(&input) {
                            Ok(condition) => {
                                condition.evaluate(&answers(&[("a", "x y"), ("b", "3"), ("c", "")]));
                            }
                            Err(error) => assert!(error.position <= input.chars().count(), "{input:?}: {error}"),
                        }
                    }
                }
            }
        }
    }
}
