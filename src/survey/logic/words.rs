//! A condition said in words, for people reading a questionnaire rather than running it (the
//! methods pack): `${age} >= 18 and selected(${langs}, 'es')` becomes "the answer to AGE is at
//! least 18 and ES is ticked in LANGS". Questions are named by the caller (code, or code and text).

use super::eval::{CompareOp, Expr};

/// How a question is named in the words: given its code.
pub type Naming<'a> = &'a dyn Fn(&str) -> String;

impl Expr {
    pub(super) fn words(&self, name: Naming) -> String {
        match self {
            Expr::Answer(code) => format!("the answer to {}", name(code)),
            Expr::Current => "the answer".into(),
            Expr::Text(text) => format!("\u{201c}{text}\u{201d}"),
            Expr::Number { text, .. } => text.clone(),
            Expr::CountSelected(inner) => format!("the number of choices ticked in {}", inner.subject(name)),
            Expr::StringLength(inner) => format!("the length of {}", inner.words(name)),
            Expr::Compare { op, left, right } => {
                format!("{} {} {}", left.words(name), op_words(*op), right.words(name))
            }
            Expr::Selected { values, choice } => {
                format!("{} is chosen in {}", choice.words(name), values.subject(name))
            }
            Expr::Not(inner) => format!("not ({})", inner.words(name)),
            Expr::And(parts) => joined(parts, " and ", name),
            Expr::Or(parts) => joined(parts, " or ", name),
            Expr::Regex { value, pattern } => {
                format!("{} matches the pattern \u{201c}{}\u{201d}", value.words(name), pattern.source())
            }
            Expr::If { test, then, otherwise } => {
                format!("{} when {}, else {}", then.words(name), test.words(name), otherwise.words(name))
            }
        }
    }

    /// A question named as the thing a choice is ticked in.
    fn subject(&self, name: Naming) -> String {
        match self {
            Expr::Answer(code) => name(code),
            Expr::Current => "the answer".into(),
            other => other.words(name),
        }
    }
}

fn joined(parts: &[Expr], between: &str, name: Naming) -> String {
    let said: Vec<String> = parts
        .iter()
        .map(|part| match part {
            // A group inside a chain of the other kind keeps its brackets.
            Expr::And(_) | Expr::Or(_) => format!("({})", part.words(name)),
            _ => part.words(name),
        })
        .collect();
    said.join(between)
}

fn op_words(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Equal => "is",
        CompareOp::NotEqual => "is not",
        CompareOp::Less => "is less than",
        CompareOp::LessOrEqual => "is at most",
        CompareOp::Greater => "is more than",
        CompareOp::GreaterOrEqual => "is at least",
    }
}

#[cfg(test)]
mod tests {
    use super::super::Condition;

    fn said(source: &str) -> String {
        Condition::parse(source).unwrap().in_words(&|code: &str| code.to_uppercase())
    }

    #[test]
    fn conditions_are_said_in_words_with_questions_named_by_the_caller() {
        assert_eq!(
            said("${age} >= 18 and selected(${langs}, 'es')"),
            "the answer to AGE is at least 18 and \u{201c}es\u{201d} is chosen in LANGS"
        );
        assert_eq!(
            said("not(${a} = 'x') or (${b} != 2 and count-selected(${c}) > 1)"),
            "not (the answer to A is \u{201c}x\u{201d}) or (the answer to B is not 2 and the number of choices ticked in C is more than 1)"
        );
        let constraint = Condition::parse_constraint(". > 0 and regex(., '^[A-Z]')").unwrap();
        assert_eq!(
            constraint.in_words(&|c: &str| c.to_string()),
            "the answer is more than 0 and the answer matches the pattern \u{201c}^[A-Z]\u{201d}"
        );
    }
}
