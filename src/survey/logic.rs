//! Placeholder until the display-logic module lands.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    source: String,
}
pub trait Answers {
    fn value(&self, code: &str) -> String;
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicError {
    pub position: usize,
    pub message: String,
}
impl std::fmt::Display for LogicError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at character {}: {}", self.position, self.message)
    }
}
impl Condition {
    pub fn parse(source: &str) -> Result<Condition, LogicError> {
        Ok(Condition { source: source.into() })
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn referenced_codes(&self) -> Vec<String> {
        Vec::new()
    }
    pub fn evaluate(&self, _answers: &dyn Answers) -> bool {
        true
    }
}
