//! The parser: recursive descent with an explicit depth limit; tokens are read lazily so the
//! leftmost error wins.

use super::*;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Function {
    Selected,
    CountSelected,
    Not,
}

impl Function {
    pub(super) fn from_name(name: &str) -> Option<Function> {
        match name {
            "selected" => Some(Function::Selected),
            "count-selected" => Some(Function::CountSelected),
            "not" => Some(Function::Not),
            _ => None,
        }
    }

    pub(super) fn after_arguments(self) -> &'static str {
        match self {
            Function::Selected => "')' after the two arguments of selected(...)",
            Function::CountSelected => "')' after the argument of count-selected(...)",
            Function::Not => "')' to close not(...)",
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Function::Selected => "selected",
            Function::CountSelected => "count-selected",
            Function::Not => "not",
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
}

impl Parser {
    pub(super) fn new(source: &str) -> Result<Parser, LogicError> {
        let mut lexer = Lexer::new(source);
        let current = lexer.next_token()?;
        Ok(Parser { lexer, current, depth: 0 })
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
                format!("unknown function '{word}'; the functions are selected(...), count-selected(...) and not(...)"),
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
}
