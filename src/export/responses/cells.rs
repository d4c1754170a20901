//! A response's cells in the wide file: each question's answer decoded once (`answer::Answer`),
//! its choices named as codes or as labels in the chosen language (`answer::Naming`); the
//! paradata as read; and, when missing-data codes are asked for, in every answer or paradata cell
//! that would be empty the code of its reason — hidden by display logic, on a page after the
//! furthest one a partial response reached, or shown and left unanswered.

use std::borrow::Cow;

use super::{Column, Paradata, Row, Source};
use crate::answer::{Answer, Naming, OTHER};
use crate::export::reasons::Progress;
use crate::survey::model::{MissingCodes, Question, Reason};
use crate::survey::validate::CompiledSurvey;

pub(super) struct Cells<'a> {
    pub(super) naming: Naming<'a>,
    /// The survey, compiled: display logic says which questions a response was shown.
    pub(super) survey: &'a CompiledSurvey,
    /// The codes to write in empty cells; None leaves them empty.
    pub(super) missing: Option<MissingCodes>,
}

impl Cells<'_> {
    pub(super) fn record<'r>(&self, columns: &'r [Column], row: &'r Row) -> Vec<Cow<'r, str>> {
        let mut decoded: Option<(&str, Option<Answer<'r>>)> = None;
        let mut cells = Vec::with_capacity(columns.len());
        for column in columns {
            let Some(q) = column.question else {
                cells.push(match &column.source {
                    Source::Response(i) => Cow::Borrowed(row.own[*i].as_str()),
                    Source::Participant(name) => {
                        row.participant.get(name).map_or(Cow::Borrowed(""), |v| Cow::Borrowed(v))
                    }
                    Source::Paradata(paradata) => self.paradata(paradata, row),
                    _ => Cow::Borrowed(""),
                });
                continue;
            };
            // A question's columns are side by side: its answer is decoded at the first of them.
            if decoded.as_ref().is_none_or(|(code, _)| *code != q.code) {
                decoded = Some((q.code.as_str(), Answer::of(q, &row.answers)));
            }
            let answer = decoded.as_ref().and_then(|(_, answer)| answer.as_ref());
            cells.push(match answer {
                Some(answer) => self.cell(column, q, answer),
                None => self.missing(|| self.question_reason(q, row)),
            });
        }
        cells
    }

    /// An empty cell, or the code of its reason.
    fn missing<'r>(&self, reason: impl FnOnce() -> Reason) -> Cow<'r, str> {
        match &self.missing {
            Some(codes) => Cow::Owned(codes.code(reason()).to_string()),
            None => Cow::Borrowed(""),
        }
    }

    fn cell<'r>(&self, column: &Column, q: &'r Question, answer: &Answer<'r>) -> Cow<'r, str> {
        match &column.source {
            Source::Value => match answer {
                Answer::Single { choice, .. } => self.naming.choice(q, choice),
                _ => Cow::Borrowed(answer.value().unwrap_or_default()),
            },
            // Always codes: the column is for programs (`selected()` in XLSForm's terms).
            Source::Ticked => Cow::Owned(answer.codes().join(" ")),
            Source::Choice(code) => Cow::Borrowed(if answer.is_ticked(code) { "1" } else { "0" }),
            Source::Item(item) => match answer {
                Answer::Matrix(_) => match answer.row(item) {
                    Some(choice) => self.naming.choice(q, choice),
                    None => self.missing(|| Reason::Skipped),
                },
                Answer::Ranking(_) => match answer.rank_of(item) {
                    Some(rank) => Cow::Borrowed(rank),
                    None => self.missing(|| Reason::Skipped),
                },
                // The Other box is there to fill in only when Other is chosen.
                _ if item == OTHER => match answer.other_text() {
                    Some(text) => Cow::Borrowed(text),
                    None => self.missing(|| Reason::NotShown),
                },
                _ => Cow::Borrowed(""),
            },
            Source::Response(_) | Source::Participant(_) | Source::Paradata(_) => Cow::Borrowed(""),
        }
    }

    fn paradata<'r>(&self, paradata: &Paradata, row: &'r Row) -> Cow<'r, str> {
        let p = &row.paradata;
        let definition = &self.survey.definition;
        match paradata {
            Paradata::ConsentVersion => Cow::Borrowed(&p.consent_version),
            Paradata::ConsentAt => Cow::Borrowed(&p.consent_at),
            Paradata::Device => Cow::Borrowed(&p.device),
            Paradata::LastPage => {
                let page = p.trail.furthest().and_then(|i| definition.pages.get(i));
                page.map_or(Cow::Borrowed(""), |page| Cow::Owned(page.code.clone()))
            }
            Paradata::Time(index) => match p.trail.seconds_on(*index) {
                Some(seconds) => Cow::Owned(seconds.to_string()),
                None => self.missing(|| self.page_reason(*index, row)),
            },
            Paradata::Order { element, page, question } => match p.orders.get(element) {
                Some(codes) => Cow::Borrowed(codes),
                None => self.missing(|| match question.as_deref().and_then(|code| self.survey.question(code)) {
                    Some(q) => self.question_reason(q, row),
                    None => self.page_reason(*page, row),
                }),
            },
        }
    }

    /// How far `row` went: what its empty cells' reasons are decided from (`export::reasons`).
    fn progress<'r>(&'r self, row: &'r Row) -> Progress<'r> {
        let (complete, trail) = (row.paradata.complete, &row.paradata.trail);
        Progress { survey: self.survey, complete, trail, answers: &row.answers }
    }

    fn question_reason(&self, q: &Question, row: &Row) -> Reason {
        self.progress(row).question(q)
    }

    fn page_reason(&self, index: usize, row: &Row) -> Reason {
        self.progress(row).page(index)
    }
}
