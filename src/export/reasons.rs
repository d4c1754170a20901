//! Why a response's cell is empty — hidden by display logic, on a page after the furthest one a
//! partial response reached, or shown and left unanswered — the one rule for the wide CSV
//! (`responses::cells`) and the statistics files (`statistics`), which write its missing-data code.

use crate::answer::Rows;
use crate::paradata::trail::Trail;
use crate::respond::flow;
use crate::survey::model::{Question, Reason, SurveyDefinition};
use crate::survey::validate::CompiledSurvey;

use super::stream::{BadOption, CsvExportError};

/// How far a response went, and what it answered: what a reason is decided from.
pub struct Progress<'a> {
    /// The survey, compiled: display logic says which questions a response was shown.
    pub survey: &'a CompiledSurvey,
    pub complete: bool,
    pub trail: &'a Trail,
    pub answers: &'a Rows,
}

impl Progress<'_> {
    /// Why `q` has no answer: a partial response stopped before its page, display logic hid it,
    /// or it was left unanswered.
    pub fn question(&self, q: &Question) -> Reason {
        let Some(page) = self.survey.page_of(&q.code) else { return Reason::NotShown };
        if !self.complete && self.trail.beyond(page) {
            Reason::NotReached
        } else if !flow::shown(self.survey, page, q, self.answers) {
            Reason::NotShown
        } else {
            Reason::Skipped
        }
    }

    /// Why page `index` has no time (or order), by the same rules.
    pub fn page(&self, index: usize) -> Reason {
        if !self.complete && self.trail.beyond(index) {
            Reason::NotReached
        } else if !flow::page_visible(self.survey, index, self.answers) {
            Reason::NotShown
        } else {
            Reason::Skipped
        }
    }
}

/// The stored definition compiled once for an export (display logic decides which empty cells
/// were hidden), or why it does not compile.
pub fn compiled(definition: &SurveyDefinition) -> Result<CompiledSurvey, CsvExportError> {
    CompiledSurvey::compile_stored(definition.clone()).map_err(|errors| {
        let problems = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        let reason = format!("the survey's definition does not compile: {problems}");
        CsvExportError::BadOption(BadOption { option: None, reason })
    })
}
