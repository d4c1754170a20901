//! The syntax tree of a condition and its evaluation against the answers so far.

use std::borrow::Cow;

use super::*;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Expr {
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
    /// `.`: the answer a constraint checks.
    Current,
    /// `regex(value, 'pattern')`: whether the pattern matches somewhere in the value.
    Regex {
        value: Box<Expr>,
        pattern: Pattern,
    },
    /// `string-length(value)`: characters, not bytes.
    StringLength(Box<Expr>),
    /// `if(test, then, otherwise)`.
    If {
        test: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
}

/// A compiled regular expression, compared by its source.
#[derive(Clone, Debug)]
pub(super) struct Pattern(regex::Regex);

impl Pattern {
    pub(super) fn new(source: &str) -> Result<Pattern, String> {
        regex::RegexBuilder::new(source)
            .size_limit(1 << 20)
            .build()
            .map(Pattern)
            .map_err(|err| format!("not a valid regular expression: {err}"))
    }

    pub(super) fn source(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.source() == other.source()
    }
}

impl Expr {
    /// True for expressions that yield true/false rather than a value; the parser keeps them out of value slots.
    pub(super) fn is_condition(&self) -> bool {
        match self {
            Expr::Compare { .. } | Expr::Selected { .. } | Expr::Not(_) | Expr::And(_) | Expr::Or(_) => true,
            Expr::Regex { .. } => true,
            Expr::If { then, .. } => then.is_condition(),
            _ => false,
        }
    }

    pub(super) fn is_true(&self, answers: &dyn Answers) -> bool {
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
            Expr::Regex { value, pattern } => pattern.0.is_match(&value.value(answers).text()),
            Expr::If { test, then, otherwise } => {
                if test.is_true(answers) {
                    then.is_true(answers)
                } else {
                    otherwise.is_true(answers)
                }
            }
            Expr::Answer(_) | Expr::Text(_) | Expr::CountSelected(_) | Expr::Current | Expr::StringLength(_) => {
                self.value(answers).is_truthy()
            }
        }
    }

    pub(super) fn value<'a>(&'a self, answers: &dyn Answers) -> Value<'a> {
        match self {
            Expr::Answer(code) => Value::Text(Cow::Owned(answers.value(code))),
            Expr::Text(text) | Expr::Number { text, .. } => Value::Text(Cow::Borrowed(text)),
            Expr::CountSelected(inner) => Value::Number(inner.value(answers).text().split_whitespace().count() as f64),
            Expr::Current => Value::Text(Cow::Owned(answers.value(CURRENT))),
            Expr::StringLength(inner) => Value::Number(inner.value(answers).text().chars().count() as f64),
            Expr::If { test, then, otherwise } if !self.is_condition() => {
                if test.is_true(answers) {
                    then.value(answers)
                } else {
                    otherwise.value(answers)
                }
            }
            // The parser never puts a condition where a value is expected; XPath's string(boolean) is the fallback.
            _ => Value::Text(Cow::Borrowed(if self.is_true(answers) { "true" } else { "false" })),
        }
    }

    pub(super) fn collect_codes(&self, codes: &mut Vec<String>) {
        match self {
            Expr::Answer(code) => {
                if !codes.contains(code) {
                    codes.push(code.clone());
                }
            }
            Expr::Text(_) | Expr::Number { .. } | Expr::Current => {}
            Expr::CountSelected(inner) | Expr::Not(inner) | Expr::StringLength(inner) => inner.collect_codes(codes),
            Expr::Regex { value, .. } => value.collect_codes(codes),
            Expr::If { test, then, otherwise } => {
                for part in [test, then, otherwise] {
                    part.collect_codes(codes);
                }
            }
            Expr::Compare { left: first, right: second, .. } | Expr::Selected { values: first, choice: second } => {
                first.collect_codes(codes);
                second.collect_codes(codes);
            }
            Expr::And(parts) | Expr::Or(parts) => parts.iter().for_each(|part| part.collect_codes(codes)),
        }
    }
}

impl Expr {
    /// The expression as the respondent pages' script reads it (`static/respond.js`): nested
    /// arrays, `["cmp", "=", left, right]` and the like. None for one holding a regular
    /// expression, whose syntax differs between Rust and JavaScript: the server alone decides those.
    pub(super) fn to_client(&self) -> Option<serde_json::Value> {
        use serde_json::json;
        Some(match self {
            Expr::Answer(code) => json!(["answer", code]),
            Expr::Text(text) => json!(["text", text]),
            Expr::Number { text, value } => json!(["number", text, value]),
            Expr::CountSelected(inner) => json!(["count", inner.to_client()?]),
            Expr::Compare { op, left, right } => json!(["cmp", op.symbol(), left.to_client()?, right.to_client()?]),
            Expr::Selected { values, choice } => json!(["selected", values.to_client()?, choice.to_client()?]),
            Expr::Not(inner) => json!(["not", inner.to_client()?]),
            Expr::And(parts) => json!(["and", parts.iter().map(Expr::to_client).collect::<Option<Vec<_>>>()?]),
            Expr::Or(parts) => json!(["or", parts.iter().map(Expr::to_client).collect::<Option<Vec<_>>>()?]),
            Expr::Current => json!(["current"]),
            Expr::Regex { .. } => return None,
            Expr::StringLength(inner) => json!(["length", inner.to_client()?]),
            Expr::If { test, then, otherwise } => {
                json!(["if", test.to_client()?, then.to_client()?, otherwise.to_client()?])
            }
        })
    }
}

/// A value during evaluation; borrows literals so that only answers themselves are allocated.
pub(super) enum Value<'a> {
    Text(Cow<'a, str>),
    Number(f64),
}

impl Value<'_> {
    pub(super) fn text(&self) -> Cow<'_, str> {
        match self {
            Value::Text(text) => Cow::Borrowed(text),
            Value::Number(number) => Cow::Owned(number.to_string()),
        }
    }

    pub(super) fn as_number(&self) -> Option<f64> {
        match self {
            Value::Text(text) => parse_number(text),
            Value::Number(number) => Some(*number).filter(|n| n.is_finite()),
        }
    }

    /// Blank answers count as unanswered, hence false.
    pub(super) fn is_truthy(&self) -> bool {
        match self {
            Value::Text(text) => !text.trim().is_empty(),
            Value::Number(number) => *number != 0.0,
        }
    }
}

/// Reads XPath-style decimals (`-3`, `12`, `4.5`, `.5`, `5.`; spaces around allowed), not `1e5`, `inf` or `+1`,
/// which Rust's own float parser would accept.
pub(super) fn parse_number(text: &str) -> Option<f64> {
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
pub(super) enum CompareOp {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl CompareOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            CompareOp::Equal => "=",
            CompareOp::NotEqual => "!=",
            CompareOp::Less => "<",
            CompareOp::LessOrEqual => "<=",
            CompareOp::Greater => ">",
            CompareOp::GreaterOrEqual => ">=",
        }
    }

    pub(super) fn holds(self, left: &Value<'_>, right: &Value<'_>) -> bool {
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
