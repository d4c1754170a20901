//! The parser: recursive descent with an explicit depth limit; tokens are read lazily so the
//! leftmost error wins.

use super::*;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Function {
    Selected,
    CountSelected,
    Not,
    Regex,
    StringLength,
    If,
}

impl Function {
    pub(super) fn from_name(name: &str) -> Option<Function> {
        match name {
            "selected" => Some(Function::Selected),
            "count-selected" => Some(Function::CountSelected),
            "not" => Some(Function::Not),
            "regex" => Some(Function::Regex),
            "string-length" => Some(Function::StringLength),
            "if" => Some(Function::If),
            _ => None,
        }
    }

    pub(super) fn after_arguments(self) -> &'static str {
        match self {
            Function::Selected => "')' after the two arguments of selected(...)",
            Function::CountSelected => "')' after the argument of count-selected(...)",
            Function::Not => "')' to close not(...)",
            Function::Regex => "')' after the two arguments of regex(...)",
            Function::StringLength => "')' after the argument of string-length(...)",
            Function::If => "')' after the three arguments of if(...)",
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Function::Selected => "selected",
            Function::CountSelected => "count-selected",
            Function::Not => "not",
            Function::Regex => "regex",
            Function::StringLength => "string-length",
            Function::If => "if",
        }
    }
}

/// What the parser wanted when it reached an operand, for the "expected ..." part of messages.
#[derive(Clone, Copy)]
pub(super) enum Expecting {
    Start,
    AfterComparison(CompareOp),
    AfterKeyword(&'static str),
    InsideParens,
    Argument(&'static str),
}

impl Expecting {
    pub(super) fn describe(self) -> String {
        match self {
            Expecting::Start => "a condition such as ${code} = 'value'".to_owned(),
            Expecting::AfterComparison(op) => format!("a value to compare after '{}'", op.symbol()),
            Expecting::AfterKeyword(keyword) => format!("a condition after '{keyword}'"),
            Expecting::InsideParens => "a condition after '('".to_owned(),
            Expecting::Argument(what) => what.to_owned(),
        }
    }
}

pub(super) struct Parser {
    pub(super) lexer: Lexer,
    pub(super) current: Token,
    pub(super) depth: usize,
    /// Whether `.` (the answer being checked) may appear: in a constraint, not in display logic.
    pub(super) in_constraint: bool,
}

impl Parser {
    pub(super) fn new(source: &str, in_constraint: bool) -> Result<Parser, LogicError> {
        let mut lexer = Lexer::new(source);
        let current = lexer.next_token()?;
        Ok(Parser { lexer, current, depth: 0, in_constraint })
    }

    pub(super) fn parse_condition(mut self) -> Result<Expr, LogicError> {
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

    pub(super) fn at(&self, kind: &TokenKind) -> bool {
        self.current.kind == *kind
    }

    pub(super) fn at_word(&self, word: &str) -> bool {
        matches!(&self.current.kind, TokenKind::Word(w) if w == word)
    }

    pub(super) fn advance(&mut self) -> Result<(), LogicError> {
        self.current = self.lexer.next_token()?;
        Ok(())
    }

    pub(super) fn expected(&self, what: &str) -> LogicError {
        LogicError::new(self.current.position, format!("expected {what}, found {}", self.current.kind.describe()))
    }

    pub(super) fn enter(&mut self, position: usize) -> Result<(), LogicError> {
        if self.depth >= MAX_DEPTH {
            return Err(LogicError::new(
                position,
                format!("too deeply nested: at most {MAX_DEPTH} levels of parentheses and function calls are allowed"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub(super) fn parse_or(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
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

    pub(super) fn parse_and(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
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

    pub(super) fn parse_comparison(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
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
    pub(super) fn parse_value(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
        let start = self.current.position;
        let expr = self.parse_or(expecting)?;
        Self::ensure_value(expr, start, expecting)
    }

    pub(super) fn ensure_value(expr: Expr, start: usize, expecting: Expecting) -> Result<Expr, LogicError> {
        if expr.is_condition() {
            return Err(LogicError::new(
                start,
                format!("expected {}, found a condition (true or false)", expecting.describe()),
            ));
        }
        Ok(expr)
    }

    pub(super) fn parse_operand(&mut self, expecting: Expecting) -> Result<Expr, LogicError> {
        let literal = match &self.current.kind {
            TokenKind::Answer(code) => Expr::Answer(code.clone()),
            TokenKind::Text(text) => Expr::Text(text.clone()),
            TokenKind::Number { text, value } => Expr::Number { text: text.clone(), value: *value },
            TokenKind::Current if self.in_constraint => Expr::Current,
            TokenKind::Current => {
                return Err(LogicError::new(
                    self.current.position,
                    "'.' stands for the answer a constraint checks; display logic refers to answers as ${code}",
                ));
            }
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

    pub(super) fn unknown_word(&self, word: &str, expecting: Expecting) -> LogicError {
        let position = self.current.position;
        if KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) {
            // 'and'/'or' out of place, or a keyword in the wrong case: the description says which.
            return self.expected(&expecting.describe());
        }
        if self.lexer.next_char_is('(') {
            return LogicError::new(
                position,
                format!(
                    "unknown function '{word}'; the functions are selected(...), count-selected(...), not(...), \
                     regex(...), string-length(...) and if(...)"
                ),
            );
        }
        LogicError::new(
            position,
            format!("unexpected word '{word}'; refer to an answer as ${{{word}}} and put text in quotes: '{word}'"),
        )
    }

    pub(super) fn parse_group(&mut self) -> Result<Expr, LogicError> {
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

    pub(super) fn parse_call(&mut self, function: Function) -> Result<Expr, LogicError> {
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
            Function::StringLength => Expr::StringLength(Box::new(
                self.parse_value(Expecting::Argument("a value inside string-length(...), such as ."))?,
            )),
            Function::Regex => self.parse_regex_arguments()?,
            Function::If => self.parse_if_arguments()?,
        };
        if !self.at(&TokenKind::CloseParen) {
            return Err(self.expected(function.after_arguments()));
        }
        self.leave();
        self.advance()?;
        Ok(expr)
    }

    pub(super) fn parse_selected_arguments(&mut self) -> Result<Expr, LogicError> {
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

    /// `regex(value, 'pattern')`: the pattern is a quoted text, compiled here so that a mistake in
    /// it is reported at its place.
    pub(super) fn parse_regex_arguments(&mut self) -> Result<Expr, LogicError> {
        let value = self.parse_value(Expecting::Argument("a value as the first argument of regex(...), such as ."))?;
        if !self.at(&TokenKind::Comma) {
            return Err(self.expected("',' and a quoted pattern after the first argument of regex(...)"));
        }
        self.advance()?;
        let TokenKind::Text(pattern) = &self.current.kind else {
            return Err(self.expected("a quoted regular expression as the second argument of regex(...)"));
        };
        let pattern = Pattern::new(pattern).map_err(|message| LogicError::new(self.current.position, message))?;
        self.advance()?;
        Ok(Expr::Regex { value: Box::new(value), pattern })
    }

    /// `if(condition, then, else)`: both results conditions, or both values.
    pub(super) fn parse_if_arguments(&mut self) -> Result<Expr, LogicError> {
        let test = self.parse_or(Expecting::Argument("a condition as the first argument of if(...)"))?;
        let mut results = Vec::with_capacity(2);
        for which in ["second", "third"] {
            if !self.at(&TokenKind::Comma) {
                return Err(self.expected(&format!("',' before the {which} argument of if(...)")));
            }
            self.advance()?;
            let start = self.current.position;
            let result = self.parse_or(Expecting::Argument("a condition or a value as a result of if(...)"))?;
            if results.first().is_some_and(|first: &Expr| first.is_condition() != result.is_condition()) {
                return Err(LogicError::new(
                    start,
                    "the two results of if(...) must both be conditions (true or false) or both be values",
                ));
            }
            results.push(result);
        }
        let otherwise = results.pop().map(Box::new);
        let then = results.pop().map(Box::new);
        match (then, otherwise) {
            (Some(then), Some(otherwise)) => Ok(Expr::If { test: Box::new(test), then, otherwise }),
            _ => Err(self.expected("the three arguments of if(...)")),
        }
    }
}
