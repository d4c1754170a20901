//! The lexer: works on chars so that every position is a character offset.

use super::*;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum TokenKind {
    Answer(String),
    Text(String),
    Number {
        text: String,
        value: f64,
    },
    Word(String),
    OpenParen,
    CloseParen,
    Comma,
    /// `.`: the answer a constraint checks.
    Current,
    Compare(CompareOp),
    End,
}

impl TokenKind {
    /// How the token is named in "found ..." parts of error messages.
    pub(super) fn describe(&self) -> String {
        match self {
            TokenKind::Answer(code) => format!("${{{code}}}"),
            TokenKind::Text(text) => format!("the text {}", quote_for_message(text)),
            TokenKind::Number { text, .. } => format!("the number {text}"),
            TokenKind::Word(word) => describe_word(word),
            TokenKind::OpenParen => "'('".to_owned(),
            TokenKind::CloseParen => "')'".to_owned(),
            TokenKind::Comma => "','".to_owned(),
            TokenKind::Current => "'.'".to_owned(),
            TokenKind::Compare(op) => format!("'{}'", op.symbol()),
            TokenKind::End => "the end of the condition".to_owned(),
        }
    }
}

pub(super) fn describe_word(word: &str) -> String {
    let lowercase = word.to_ascii_lowercase();
    if lowercase != word && KEYWORDS.contains(&lowercase.as_str()) {
        format!("'{word}' (keywords are lowercase: write '{lowercase}')")
    } else {
        format!("'{word}'")
    }
}

/// Quotes a text for a message, shortened so that a long literal does not drown the message.
pub(super) fn quote_for_message(text: &str) -> String {
    const SHOWN: usize = 30;
    let mut shown: String = text.chars().take(SHOWN).collect();
    if text.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    if text.contains('\'') { format!("\"{shown}\"") } else { format!("'{shown}'") }
}

pub(super) fn describe_char(c: Option<char>) -> String {
    match c {
        None => "the end of the condition".to_owned(),
        Some(c) if c.is_whitespace() => "a space".to_owned(),
        Some(c) => format!("{c:?}"),
    }
}

pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) position: usize,
}

pub(super) struct Lexer {
    pub(super) chars: Vec<char>,
    pub(super) index: usize,
}

impl Lexer {
    pub(super) fn new(source: &str) -> Lexer {
        Lexer { chars: source.chars().collect(), index: 0 }
    }

    pub(super) fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.index + ahead).copied()
    }

    pub(super) fn skip_whitespace(&mut self) {
        while self.peek(0).is_some_and(char::is_whitespace) {
            self.index += 1;
        }
    }

    /// Whether the next non-space character is `wanted`, without consuming anything.
    pub(super) fn next_char_is(&self, wanted: char) -> bool {
        self.chars.get(self.index..).and_then(|rest| rest.iter().find(|c| !c.is_whitespace())) == Some(&wanted)
    }

    pub(super) fn next_token(&mut self) -> Result<Token, LogicError> {
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
            '.' if self.peek(1).is_some_and(|c| c.is_ascii_digit()) => {
                return Err(LogicError::new(
                    position,
                    "write a number with a digit before its decimal point, e.g. 0.5",
                ));
            }
            '.' => self.single(TokenKind::Current),
            '&' => return Err(LogicError::new(position, "unexpected character '&'; combine conditions with 'and'")),
            '|' => return Err(LogicError::new(position, "unexpected character '|'; combine conditions with 'or'")),
            _ => return Err(LogicError::new(position, format!("unexpected character {c:?}"))),
        };
        Ok(Token { kind, position })
    }

    pub(super) fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.index += 1;
        kind
    }

    /// `${code}`, checked against `^[A-Za-z][A-Za-z0-9_]{0,31}$`.
    pub(super) fn answer(&mut self) -> Result<TokenKind, LogicError> {
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
    pub(super) fn text(&mut self, quote: char) -> Result<TokenKind, LogicError> {
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
    pub(super) fn number(&mut self) -> Result<TokenKind, LogicError> {
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

    pub(super) fn skip_digits(&mut self) {
        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
            self.index += 1;
        }
    }

    /// Keywords and function names; '-' is a word character because of `count-selected`.
    pub(super) fn word(&mut self) -> TokenKind {
        let start = self.index;
        while self.peek(0).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            self.index += 1;
        }
        TokenKind::Word(self.chars[start..self.index].iter().collect())
    }

    pub(super) fn comparison(&mut self) -> Result<TokenKind, LogicError> {
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
