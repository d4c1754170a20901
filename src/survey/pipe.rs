//! Piping: an earlier answer inside a text, written as XLSForm does, `${CODE}`, or with a text to
//! show when the question was not answered, `${CODE|the project}`. The respondent pages fill the
//! references in (`fill`); the validator checks that each names a question asked on an earlier
//! page (`references`).

use std::borrow::Cow;

/// One reference in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'a> {
    pub code: &'a str,
    /// What is shown when the question has no answer ("" unless given after `|`).
    pub fallback: &'a str,
    /// Where `${` starts, in characters.
    pub position: usize,
}

/// A `${` that does not begin a reference, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipeError {
    pub position: usize,
    pub message: String,
}

impl std::fmt::Display for PipeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at character {}: {}", self.position, self.message)
    }
}

/// Longest question code, as everywhere.
const MAX_CODE: usize = 32;

/// The reference starting at byte `start` of `text` (which starts with `${` there) and the byte
/// just after it, or why there is none.
fn reference_at(text: &str, start: usize) -> Result<(&str, &str, usize), String> {
    let rest = &text[start + 2..];
    let code_length = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    let code = &rest[..code_length];
    if !code.starts_with(|c: char| c.is_ascii_alphabetic()) || code.len() > MAX_CODE {
        return Err("write an answer as ${CODE} or ${CODE|text shown when it was not answered}".into());
    }
    let after = &rest[code_length..];
    let (fallback, length) = match after.chars().next() {
        Some('}') => ("", 1),
        Some('|') => match after.find('}') {
            Some(close) => (&after[1..close], close + 1),
            None => return Err(format!("the reference to {code} is never closed with '}}'")),
        },
        _ => return Err(format!("expected '}}' or '|' after ${{{code}")),
    };
    Ok((code, fallback, start + 2 + code_length + length))
}

/// Every reference in `text`, in order, or the first `${` that begins none.
pub fn references(text: &str) -> Result<Vec<Reference<'_>>, PipeError> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("${") {
        let start = from + offset;
        let position = text[..start].chars().count();
        let (code, fallback, end) = reference_at(text, start).map_err(|message| PipeError { position, message })?;
        found.push(Reference { code, fallback, position });
        from = end;
    }
    Ok(found)
}

/// `text` with each reference replaced by `answer(code)`, or by its fallback when that is None.
/// A `${` that begins no reference is left as it is. Texts without `${` are not copied.
pub fn fill<'t>(text: &'t str, answer: impl Fn(&str) -> Option<String>) -> Cow<'t, str> {
    if !text.contains("${") {
        return Cow::Borrowed(text);
    }
    let mut filled = String::with_capacity(text.len());
    let mut from = 0;
    while let Some(offset) = text[from..].find("${") {
        let start = from + offset;
        filled.push_str(&text[from..start]);
        match reference_at(text, start) {
            Ok((code, fallback, end)) => {
                filled.push_str(&answer(code).unwrap_or_else(|| fallback.to_string()));
                from = end;
            }
            Err(_) => {
                filled.push_str("${");
                from = start + 2;
            }
        }
    }
    filled.push_str(&text[from..]);
    Cow::Owned(filled)
}

/// `text` with each reference's fallback dropped, `${CODE|the project}` → `${CODE}`: XLSForm's
/// form, which has no fallback (a respondent of ODK sees nothing where no answer was given).
pub fn without_fallbacks(text: &str) -> Cow<'_, str> {
    fill(text, |code| Some(format!("${{{code}}}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_with_their_fallbacks_and_places() {
        let found = references("How is ${PROJECT|the project} run, ${NAME}? ¿${X|}").unwrap();
        let codes: Vec<(&str, &str, usize)> = found.iter().map(|r| (r.code, r.fallback, r.position)).collect();
        assert_eq!(codes, [("PROJECT", "the project", 7), ("NAME", "", 35), ("X", "", 45)]);
        assert!(references("costs $5 {not a reference}").unwrap().is_empty());
    }

    #[test]
    fn a_dollar_brace_that_begins_no_reference_is_reported_at_its_place() {
        for (text, position, fragment) in [
            ("ab ${", 3, "write an answer as"),
            ("${1A}", 0, "write an answer as"),
            ("é ${A|never closed", 2, "never closed"),
            ("${A B}", 0, "expected '}' or '|'"),
        ] {
            let error = references(text).unwrap_err();
            assert_eq!(error.position, position, "{text}");
            assert!(error.message.contains(fragment), "{text}: {error}");
        }
    }

    #[test]
    fn references_are_filled_with_the_answer_or_the_fallback() {
        let answer = |code: &str| (code == "PROJECT").then(|| "BLOOM".to_string());
        assert_eq!(fill("How is ${PROJECT|the project} run?", answer), "How is BLOOM run?");
        assert_eq!(fill("Who leads ${OTHER|it}? ${NONE}.", answer), "Who leads it? .");
        assert_eq!(fill("Left as typed: ${ and ${1}", answer), "Left as typed: ${ and ${1}");
        assert!(matches!(fill("no references", answer), Cow::Borrowed(_)));
    }

    #[test]
    fn fallbacks_are_dropped_for_xlsform() {
        assert_eq!(
            without_fallbacks("How is ${PROJECT|the project} run, ${NAME}? ${"),
            "How is ${PROJECT} run, ${NAME}? ${"
        );
    }
}
