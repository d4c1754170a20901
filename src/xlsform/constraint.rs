//! The `constraint` column both ways: a question's checks — bounds, lengths, pattern, counts of
//! ticks, exclusive choices — and its own XLSForm-style `constraint` as one condition joined by
//! `and` (`constraint`), and such a condition split back at its `and`s into those settings
//! (`constrain`).

use crate::survey::logic::Condition;
use crate::survey::model::{Question, QuestionType};

/// The condition that `choice`, exclusive, is the only one ticked when it is ticked.
pub fn exclusive(choice: &str) -> String {
    format!("not(selected(., {}) and count-selected(.) > 1)", quoted(choice))
}

/// The question's checks as one XPath condition on `.`, the answer: the bounds, each exclusive
/// choice, then the question's own constraint (in parentheses when it has an `or` of its own, so
/// that the `and`s around it do not bind into it).
pub(super) fn constraint(q: &Question) -> Option<String> {
    let number = |n: f64| if n.fract() == 0.0 { format!("{}", n as i64) } else { n.to_string() };
    let mut parts = Vec::new();
    parts.extend(q.min.map(|n| format!(". >= {}", number(n))));
    parts.extend(q.max.map(|n| format!(". <= {}", number(n))));
    parts.extend(q.min_length.map(|n| format!("string-length(.) >= {n}")));
    parts.extend(q.max_length.map(|n| format!("string-length(.) <= {n}")));
    parts.extend(q.pattern.as_ref().map(|p| format!("regex(., {})", quoted(p))));
    parts.extend(q.min_selected.map(|n| format!("count-selected(.) >= {n}")));
    parts.extend(q.max_selected.map(|n| format!("count-selected(.) <= {n}")));
    if q.kind == QuestionType::MultipleChoice {
        parts.extend(q.choices.iter().filter(|c| c.exclusive).map(|c| exclusive(&c.code)));
    }
    if let Some(own) = &q.constraint {
        let bare = parts.is_empty() || split_and(own).is_some();
        parts.push(if bare { own.clone() } else { format!("({own})") });
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

/// An XPath string literal (XPath 1.0 has no escapes: the other quote encloses a quote).
fn quoted(text: &str) -> String {
    if text.contains('\'') { format!("\"{text}\"") } else { format!("'{text}'") }
}

/// `condition`'s operands of its top-level `and`s (outside parentheses and string literals), or
/// `None` when it also has a top-level `or` (which binds looser: `a or b and c` is not a list).
pub fn split_and(condition: &str) -> Option<Vec<&str>> {
    let (mut depth, mut quote, mut parts, mut from) = (0i32, None::<char>, Vec::new(), 0);
    let bytes = condition.as_bytes();
    let word_at = |at: usize, word: &str| {
        condition[at..].starts_with(word)
            && at > 0
            && bytes[at - 1].is_ascii_whitespace()
            && bytes.get(at + word.len()).is_some_and(u8::is_ascii_whitespace)
    };
    for (at, c) in condition.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, _) if depth == 0 && word_at(at, "or") => return None,
            (None, _) if depth == 0 && at >= from && word_at(at, "and") => {
                parts.push(condition[from..at].trim());
                from = at + "and".len();
            }
            _ => {}
        }
    }
    parts.push(condition[from..].trim());
    Some(parts)
}

/// Reads `constraint` (parts joined by `and`, as `rows::constraint` writes them) into `q`: each
/// bound, count and pattern into its setting, `not(selected(., 'C') and count-selected(.) > 1)`
/// as choice C's `exclusive`, and the other parts, joined again, as the question's own
/// `constraint` when fieldwork's logic reads them; false when it does not.
pub(super) fn constrain(q: &mut Question, constraint: &str) -> bool {
    let parts = split_and(constraint).unwrap_or_else(|| vec![constraint.trim()]);
    let mut own = Vec::new();
    for part in parts {
        if !setting(q, part) {
            own.push(part);
        }
    }
    let message = std::mem::take(&mut q.pattern_message);
    if !own.is_empty() {
        let own = match own.as_slice() {
            [alone] => unparenthesised(alone).to_string(),
            _ => own.join(" and "),
        };
        if Condition::parse_constraint(&own).is_err() {
            return false;
        }
        q.constraint = Some(own);
        q.constraint_message = message;
    } else if q.pattern.is_some() {
        q.pattern_message = message;
    }
    true
}

/// `(a or b)` → `a or b`: the parentheses `rows::constraint` puts around a constraint with an
/// `or` of its own (only those: `(a) and (b)` keeps its own).
fn unparenthesised(part: &str) -> &str {
    match part.strip_prefix('(').and_then(|p| p.strip_suffix(')')) {
        Some(inner) if split_and(part).is_some() && split_and(inner).is_none() => inner.trim(),
        _ => part,
    }
}

/// Reads one part of a constraint into the setting it is, or false when it is none of them.
fn setting(q: &mut Question, part: &str) -> bool {
    let bound = |prefix: &str| part.strip_prefix(prefix).map(str::trim);
    if let Some(n) = bound(". >=").and_then(|n| n.parse().ok()) {
        q.min = Some(n);
    } else if let Some(n) = bound(". <=").and_then(|n| n.parse().ok()) {
        q.max = Some(n);
    } else if let Some(n) = bound("string-length(.) >=").and_then(|n| n.parse().ok()) {
        q.min_length = Some(n);
    } else if let Some(n) = bound("string-length(.) <=").and_then(|n| n.parse().ok()) {
        q.max_length = Some(n);
    } else if let Some(n) = bound("count-selected(.) >=").and_then(|n| n.parse().ok()) {
        q.min_selected = Some(n);
    } else if let Some(n) = bound("count-selected(.) <=").and_then(|n| n.parse().ok()) {
        q.max_selected = Some(n);
    } else if let Some(pattern) = bound("regex(.,").and_then(|p| p.strip_suffix(')')).map(str::trim) {
        let unquoted = pattern
            .strip_prefix('\'')
            .and_then(|p| p.strip_suffix('\''))
            .or_else(|| pattern.strip_prefix('"').and_then(|p| p.strip_suffix('"')));
        match unquoted {
            Some(p) => q.pattern = Some(p.to_string()),
            None => return false,
        }
    } else {
        let squeezed = |s: &str| s.split_whitespace().collect::<String>();
        let multiple = q.kind == QuestionType::MultipleChoice;
        match q.choices.iter_mut().find(|c| multiple && squeezed(&exclusive(&c.code)) == squeezed(part)) {
            Some(choice) => choice.exclusive = true,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::model::{Choice, Text};

    fn multiple() -> Question {
        let mut q = Question::new("TOOLS", QuestionType::MultipleChoice, "en", "Tools?");
        q.choices = vec![Choice::new("git", "en", "Git"), Choice::new("none", "en", "None")];
        q.pattern_message = Text::from([("en".to_string(), "Not like that".to_string())]);
        q
    }

    #[test]
    fn a_constraint_is_read_into_bounds_exclusive_choices_and_the_questions_own() {
        let mut q = multiple();
        let read =
            "count-selected(.) <= 2 and not(selected(.,'none') and count-selected(.)>1) and (. != 'git' or ${A} = 1)";
        assert!(constrain(&mut q, read));
        assert_eq!(q.max_selected, Some(2));
        assert!(q.choices[1].exclusive && !q.choices[0].exclusive);
        assert_eq!(q.constraint.as_deref(), Some(". != 'git' or ${A} = 1"), "its parentheses dropped");
        assert_eq!(q.constraint_message["en"], "Not like that", "the message is the constraint's");
        assert!(q.pattern_message.is_empty());

        let mut q = multiple();
        assert!(constrain(&mut q, ". >= 2 and ${A} > . and string-length(.) <= 9"));
        assert_eq!((q.min, q.max_length), (Some(2.0), Some(9)));
        assert_eq!(q.constraint.as_deref(), Some("${A} > ."));
        let mut q = multiple();
        assert!(constrain(&mut q, ". >= 2 or . <= 1"), "an `or` is not split");
        assert_eq!((q.min, q.max, q.constraint.as_deref()), (None, None, Some(". >= 2 or . <= 1")));
        assert!(!constrain(&mut multiple(), "pulldata('x', 1) and . >= 1"), "a function fieldwork lacks");
        assert!(!constrain(&mut multiple(), "regex(., unquoted)"));
    }
}
