//! Text a person typed, made canonical before it is stored: line breaks as LF only (browsers send
//! a textarea's as CR LF, while the pages, passage offsets and exports count LF), and no control
//! characters other than tab and LF (they are invisible, break mail headers and are forbidden in
//! XML). Every form and import that stores typed text goes through `typed`.

use std::fmt;

/// Whether a text may hold line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A paragraph: an answer, a memo, a definition.
    Many,
    /// One line: a name, an address, a title, a code's name.
    One,
}

/// Why a typed text was refused, with where (counted in characters from 1, as a person counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextProblem {
    pub position: usize,
    pub found: char,
}

impl fmt::Display for TextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.found {
            '\n' => write!(f, "has a line break at character {}; it must be one line", self.position),
            c => write!(
                f,
                "has an invisible control character (U+{:04X}) at character {}; remove it and try again",
                u32::from(c),
                self.position
            ),
        }
    }
}

/// The text with CR LF and lone CR turned into LF, or the first character that may not be
/// stored: a control character other than tab and LF, or a line break in a one-line text.
pub fn typed(text: &str, lines: Lines) -> Result<String, TextProblem> {
    let text = normalize_line_breaks(text);
    match text.chars().enumerate().find(|(_, c)| !allowed(*c, lines)) {
        Some((index, found)) => Err(TextProblem { position: index + 1, found }),
        None => Ok(text),
    }
}

/// A form field as typed (`typed`), trimmed; a refusal names the field (`what`, such as
/// "The memo") and says where the character is.
pub fn field(what: &str, text: &str, lines: Lines) -> Result<String, String> {
    typed(text, lines).map(|text| text.trim().to_string()).map_err(|problem| format!("{what} {problem}."))
}

/// CR LF and lone CR become LF; nothing else changes.
pub fn normalize_line_breaks(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn allowed(c: char, lines: Lines) -> bool {
    match c {
        '\t' => true,
        '\n' => lines == Lines::Many,
        c => !c.is_control(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_become_lf_whatever_the_browser_sent() {
        assert_eq!(typed("a\r\nb\rc\nd", Lines::Many), Ok("a\nb\nc\nd".to_string()));
        assert_eq!(typed("a\r\n\r\nb", Lines::Many), Ok("a\n\nb".to_string()));
    }

    #[test]
    fn tabs_and_every_script_pass_unchanged() {
        let text = "col\tumn · 中文 · é́ · 👩‍💻";
        assert_eq!(typed(text, Lines::One), Ok(text.to_string()));
    }

    #[test]
    fn control_characters_are_refused_with_their_place() {
        assert_eq!(typed("ab\u{0}c", Lines::Many), Err(TextProblem { position: 3, found: '\u{0}' }));
        assert_eq!(typed("é\u{7}", Lines::Many), Err(TextProblem { position: 2, found: '\u{7}' }));
        assert_eq!(
            typed("x\u{1b}[31m", Lines::Many).map_err(|p| p.to_string()),
            Err("has an invisible control character (U+001B) at character 2; remove it and try again".to_string())
        );
        // DEL and the C1 controls are as invisible as the C0 ones.
        assert!(typed("a\u{7f}", Lines::Many).is_err());
        assert!(typed("a\u{85}", Lines::Many).is_err());
    }

    #[test]
    fn a_field_is_trimmed_and_a_refusal_names_it() {
        assert_eq!(field("The memo", "  a\r\nb \r\n", Lines::Many), Ok("a\nb".to_string()));
        assert_eq!(
            field("The name", "Ada\u{0}", Lines::One),
            Err("The name has an invisible control character (U+0000) at character 4; remove it and try again.".into())
        );
    }

    #[test]
    fn a_one_line_text_refuses_a_line_break_however_it_was_sent() {
        assert_eq!(typed("Ada\r\nBcc: x", Lines::One), Err(TextProblem { position: 4, found: '\n' }));
        assert_eq!(typed("Ada\rB", Lines::One), Err(TextProblem { position: 4, found: '\n' }));
    }
}
