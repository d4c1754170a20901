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
}

impl Expr {
    /// True for expressions that yield true/false rather than a value; the parser keeps them out of value slots.
    pub(super) fn is_condition(&self) -> bool {
        matches!(self, Expr::Compare { .. } | Expr::Selected { .. } | Expr::Not(_) | Expr::And(_) | Expr::Or(_))
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
            Expr::Answer(_) | Expr::Text(_) | Expr::CountSelected(_) => self.value(answers).is_truthy(),
        }
    }

    pub(super) fn value<'a>(&'a self, answers: &dyn Answers) -> Value<'a> {
        match self {
            Expr::Answer(code) => Value::Text(Cow::Owned(answers.value(code))),
            Expr::Text(text) | Expr::Number { text, .. } => Value::Text(Cow::Borrowed(text)),
            Expr::CountSelected(inner) => Value::Number(inner.value(answers).text().split_whitespace().count() as f64),
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
