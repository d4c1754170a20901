//! The unit of coding: one respondent's answer to one open question. Which answers a coder is
//! given, and in what order, is read by key in `store::queue`.

use serde::Serialize;

/// One respondent's answer to one open question.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Unit {
    pub response_id: i64,
    pub question: String,
}

/// One answer to code, borrowed: what the stores take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct UnitRef<'a> {
    pub response_id: i64,
    pub question: &'a str,
}

impl Unit {
    pub fn as_ref(&self) -> UnitRef<'_> {
        UnitRef { response_id: self.response_id, question: &self.question }
    }
}
