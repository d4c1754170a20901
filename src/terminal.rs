//! Text that users typed, made safe to print on a terminal: control characters (which can move
//! the cursor, rewrite what is on screen or set the window title) and the invisible marks that
//! reorder text are shown as escapes, `\u{1b}`, instead of being sent. Every CLI printer of
//! stored or imported text goes through here.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character and bidirectional mark escaped, line breaks included.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escaped(text, false)
}

/// The same, but keeping line breaks: for messages of several lines, such as errors.
pub fn lines_for_terminal(text: &str) -> Cow<'_, str> {
    escaped(text, true)
}

fn escaped(text: &str, keep_line_breaks: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| needs_escape(c) && !(keep_line_breaks && c == '\n');
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !unsafe_char(c) => shown.push(c),
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            '\t' => shown.push_str("\\t"),
            c => {
                let _ = write!(shown, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(shown)
}

/// C0 and C1 controls and DEL, and the bidirectional embeddings, overrides, isolates and marks
/// that make a terminal show text in another order than it is stored.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_printed_as_it_is() {
        assert!(matches!(for_terminal("Étude – 2026 «pilot»"), Cow::Borrowed(_)));
    }

    #[test]
    fn control_characters_and_reordering_marks_are_escaped() {
        let cases = [
            ("Title\u{1b}]0;owned\u{7}", "Title\\u{1b}]0;owned\\u{7}"),
            ("two\nlines\r\tand tab", "two\\nlines\\r\\tand tab"),
            ("del\u{7f} c1\u{9b}2J", "del\\u{7f} c1\\u{9b}2J"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            ("\u{2066}isolated\u{2069}", "\\u{2066}isolated\\u{2069}"),
        ];
        for (typed, shown) in cases {
            assert_eq!(for_terminal(typed), shown, "{typed:?}");
        }
    }

    #[test]
    fn messages_keep_their_line_breaks() {
        assert_eq!(lines_for_terminal("first\nsecond \u{1b}[2J"), "first\nsecond \\u{1b}[2J");
    }
}
