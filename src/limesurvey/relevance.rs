//! LimeSurvey relevance equations (ExpressionScript) translated into fieldwork's display logic,
//! where the display-logic language can say the same: comparisons of a question (`Q1`,
//! `Q1.NAOK`) with a literal, a multiple choice's option (`Q2_SQ001 == "Y"`), `is_empty(…)`, `!`,
//! `and`/`&&`, `or`/`||` and parentheses. Anything else is `None`: reported, never guessed.

use std::collections::HashMap;

use crate::answer::OTHER;
use crate::survey::model::QuestionType;

/// What a condition may refer to: a question's type and its LimeSurvey option codes (answers or
/// subquestions) with the codes they were given here.
#[derive(Debug, Clone)]
pub struct Known {
    pub kind: QuestionType,
    pub codes: HashMap<String, String>,
}

/// The condition for `equation`: `Ok(None)` when it is always true, `Err(())` when it cannot be
/// expressed.
pub fn translate(equation: &str, known: &HashMap<String, Known>) -> Result<Option<String>, ()> {
    let trimmed = equation.trim();
    let trimmed = trimmed.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(trimmed).trim();
    if trimmed.is_empty() || trimmed == "1" || trimmed.eq_ignore_ascii_case("true") {
        return Ok(None);
    }
    let tokens = tokens(trimmed)?;
    let mut parser = Parser { tokens, at: 0, known };
    let condition = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(());
    }
    Ok(Some(condition))
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Text(String),
    Number(String),
    Op(&'static str),
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<Token>, ()> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            out.push(if c == '(' { Token::Open } else { Token::Close });
            i += 1;
        } else if let Some(op) = ["==", "!=", "<=", ">=", "&&", "||"].into_iter().find(|op| *op == two) {
            out.push(Token::Op(op));
            i += 2;
        } else if let Some(op) = ["<", ">", "!"].into_iter().find(|op| op.starts_with(c)) {
            out.push(Token::Op(op));
            i += 1;
        } else if c == '"' || c == '\'' {
            let end = chars[i + 1..].iter().position(|&d| d == c).ok_or(())? + i + 1;
            out.push(Token::Text(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let end = chars[i + 1..]
                .iter()
                .position(|d| !(d.is_ascii_digit() || *d == '.'))
                .map_or(chars.len(), |p| p + i + 1);
            out.push(Token::Number(chars[i..end].iter().collect()));
            i = end;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = chars[i..]
                .iter()
                .position(|d| !(d.is_ascii_alphanumeric() || *d == '_' || *d == '.'))
                .map_or(chars.len(), |p| p + i);
            let word: String = chars[i..end].iter().collect();
            out.push(match word.to_ascii_lowercase().as_str() {
                "and" => Token::Op("&&"),
                "or" => Token::Op("||"),
                "not" => Token::Op("!"),
                "eq" => Token::Op("=="),
                "ne" => Token::Op("!="),
                "lt" => Token::Op("<"),
                "le" => Token::Op("<="),
                "gt" => Token::Op(">"),
                "ge" => Token::Op(">="),
                _ => Token::Name(word),
            });
            i = end;
        } else {
            return Err(());
        }
    }
    Ok(out)
}

struct Parser<'k> {
    tokens: Vec<Token>,
    at: usize,
    known: &'k HashMap<String, Known>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn eat(&mut self, token: &Token) -> bool {
        let found = self.peek() == Some(token);
        if found {
            self.at += 1;
        }
        found
    }

    fn or(&mut self) -> Result<String, ()> {
        let mut left = self.and()?;
        while self.eat(&Token::Op("||")) {
            left = format!("{left} or {}", self.and()?);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<String, ()> {
        let mut left = self.not()?;
        while self.eat(&Token::Op("&&")) {
            left = format!("{left} and {}", self.not()?);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<String, ()> {
        if self.eat(&Token::Op("!")) {
            if self.peek() == Some(&Token::Name("is_empty".into())) {
                self.at += 1;
                return self.is_empty("!=");
            }
            return Ok(format!("not({})", self.not()?));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<String, ()> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                if !self.eat(&Token::Close) {
                    return Err(());
                }
                Ok(format!("({inner})"))
            }
            Some(Token::Name(name)) if name == "is_empty" => self.is_empty("=="),
            Some(Token::Name(variable)) => {
                let Some(Token::Op(op)) = self.next() else { return Err(()) };
                let literal = self.next().ok_or(())?;
                self.compare(&variable, op, &literal)
            }
            Some(literal @ (Token::Text(_) | Token::Number(_))) => {
                // `"A1" == Q1`: the same comparison the other way round.
                let Some(Token::Op(op)) = self.next() else { return Err(()) };
                let Some(Token::Name(variable)) = self.next() else { return Err(()) };
                let flipped = match op {
                    "<" => ">",
                    ">" => "<",
                    "<=" => ">=",
                    ">=" => "<=",
                    other => other,
                };
                self.compare(&variable, flipped, &literal)
            }
            _ => Err(()),
        }
    }

    /// `(variable)` after `is_empty`: the variable compared with "" by `op`.
    fn is_empty(&mut self, op: &str) -> Result<String, ()> {
        let (Some(Token::Open), Some(Token::Name(variable)), Some(Token::Close)) =
            (self.next(), self.next(), self.next())
        else {
            return Err(());
        };
        self.compare(&variable, op, &Token::Text(String::new()))
    }

    /// `variable op literal` in fieldwork's language.
    fn compare(&self, variable: &str, op: &str, literal: &Token) -> Result<String, ()> {
        let name = variable.strip_suffix(".NAOK").unwrap_or(variable);
        let fieldwork_op = match op {
            "==" => "=",
            "!=" | "<" | "<=" | ">" | ">=" => op,
            _ => return Err(()),
        };
        if let Some(question) = self.known.get(name) {
            return match (question.kind, literal) {
                (QuestionType::MultipleChoice, Token::Text(t)) if t.is_empty() && matches!(op, "==" | "!=") => {
                    Ok(format!("count-selected(${{{name}}}) {} 0", if op == "==" { "=" } else { ">" }))
                }
                (QuestionType::SingleChoice, Token::Text(code) | Token::Number(code)) if matches!(op, "==" | "!=") => {
                    let code = match code.as_str() {
                        "" => String::new(),
                        "-oth-" => OTHER.to_string(),
                        code => question.codes.get(code).cloned().ok_or(())?,
                    };
                    Ok(format!("${{{name}}} {fieldwork_op} '{code}'"))
                }
                (QuestionType::ShortText | QuestionType::LongText | QuestionType::Date, Token::Text(t))
                    if !t.contains('\'') =>
                {
                    Ok(format!("${{{name}}} {fieldwork_op} '{t}'"))
                }
                (QuestionType::Number, Token::Number(n)) => Ok(format!("${{{name}}} {fieldwork_op} {n}")),
                (QuestionType::Number, Token::Text(n)) if n.trim().parse::<f64>().is_ok() => {
                    Ok(format!("${{{name}}} {fieldwork_op} {}", n.trim()))
                }
                (QuestionType::Number, Token::Text(t)) if t.is_empty() && matches!(op, "==" | "!=") => {
                    Ok(format!("${{{name}}} {fieldwork_op} ''"))
                }
                _ => Err(()),
            };
        }
        // A multiple choice's option: `Q2_SQ001` is "Y" when ticked, "" when not.
        let (question, option) = name.rsplit_once('_').ok_or(())?;
        let known = self.known.get(question).filter(|k| k.kind == QuestionType::MultipleChoice).ok_or(())?;
        let code = known.codes.get(option).ok_or(())?;
        let ticked = match (op, literal) {
            ("==", Token::Text(t)) | ("!=", Token::Text(t)) if t == "Y" || t.is_empty() => (op == "==") == (t == "Y"),
            _ => return Err(()),
        };
        let selected = format!("selected(${{{question}}}, '{code}')");
        Ok(if ticked { selected } else { format!("not({selected})") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> HashMap<String, Known> {
        let codes = |pairs: &[(&str, &str)]| pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        HashMap::from([
            ("Q1".to_string(), Known { kind: QuestionType::SingleChoice, codes: codes(&[("A1", "A1"), ("1", "c1")]) }),
            ("Q2".to_string(), Known { kind: QuestionType::MultipleChoice, codes: codes(&[("SQ001", "SQ001")]) }),
            ("AGE".to_string(), Known { kind: QuestionType::Number, codes: HashMap::new() }),
            ("NAME".to_string(), Known { kind: QuestionType::ShortText, codes: HashMap::new() }),
        ])
    }

    #[test]
    fn simple_equations_become_display_logic() {
        let cases = [
            ("1", None),
            ("", None),
            (r#"Q1 == "A1""#, Some("${Q1} = 'A1'")),
            (r#"((Q1.NAOK == "1"))"#, Some("((${Q1} = 'c1'))")),
            (r#"Q1.NAOK != "-oth-""#, Some("${Q1} != 'other'")),
            (r#"Q2_SQ001 == "Y" and AGE >= 18"#, Some("selected(${Q2}, 'SQ001') and ${AGE} >= 18")),
            (r#"Q2_SQ001 != "Y" || !is_empty(NAME)"#, Some("not(selected(${Q2}, 'SQ001')) or ${NAME} != ''")),
            ("is_empty(Q2)", Some("count-selected(${Q2}) = 0")),
            ("!is_empty(Q2.NAOK)", Some("count-selected(${Q2}) > 0")),
            ("18 <= AGE.NAOK", Some("${AGE} >= 18")),
            ("{AGE gt 5}", Some("${AGE} > 5")),
            (r#"AGE.NAOK < "30" or Q1 == 1"#, Some("${AGE} < 30 or ${Q1} = 'c1'")),
        ];
        for (equation, expected) in cases {
            assert_eq!(translate(equation, &known()), Ok(expected.map(str::to_string)), "{equation}");
        }
    }

    #[test]
    fn what_the_display_logic_cannot_say_is_refused() {
        for equation in [
            "sum(AGE, 2) > 3",
            r#"Q1 == "ZZ""#,
            "AGE + 1 > 3",
            r#"Q9 == "A1""#,
            "AGE > OTHERQ",
            r#"regexMatch("/x/", NAME)"#,
            "Q1.shown == 'x'",
            "(AGE > 3",
            r#"Q2_SQ001 == "N""#,
        ] {
            assert_eq!(translate(equation, &known()), Err(()), "{equation}");
        }
    }
}
