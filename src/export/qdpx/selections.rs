//! The selections of a response's sources: a `<PlainTextSelection>` with its `<Coding>` for each
//! coding of the chosen layer, and a `<NoteRef>` on the source for each memo on one of its
//! answers (the note itself selects the answer: `qde::notes`).

use std::collections::HashSet;

use super::project::{consensus_guid, date_time, memo_guid, user_guid};
use super::rows::{CodingRow, Respondent};
use super::sources::{Placed, Source};
use super::{QdpxOptions, SourcePer};
use crate::codebook::model::CodebookFile;
use crate::codebook::qdc::derived_guid;
use crate::coding::layers::Layer;

/// A passage of a source with the code applied to it.
#[derive(Debug)]
pub struct Selection {
    pub guid: String,
    pub start: usize,
    pub end: usize,
    pub user: String,
    pub created: Option<String>,
    pub coding: CodingRef,
    /// The coding's id: selections of the same span come in the order they were made.
    made: i64,
}

#[derive(Debug)]
pub struct CodingRef {
    pub guid: String,
    pub code_key: String,
    /// The model hash of an accepted suggestion: the coding refers to the model's note.
    pub source: Option<String>,
}

/// What decides which codings become selections.
pub struct Choice<'a> {
    pub codebook: &'a CodebookFile,
    pub options: &'a QdpxOptions,
    /// Whether to log the codings left out for a passage outside their answer: once per export,
    /// though the codings are read in two passes.
    pub warn: bool,
}

/// The guid of whoever made a coding: its coder, or for the consensus of a reconciled answer the
/// project's consensus user (the reconciler decided it, but it is no one's own coding).
pub fn coding_user(row: &CodingRow) -> String {
    if row.consensus { consensus_guid() } else { user_guid(row.coder_id) }
}

/// The codings of a response that become selections, as read: each with its source (an index
/// into `sources`) and the span it covers there. A coding that would give the same selection as
/// one before it (a passage covering its whole answer, beside the whole-answer coding that every
/// passage brings) is left out: readers take a repeated selection as a mistake.
pub fn exported<'r>(
    sources: &[Source],
    respondent: &'r Respondent,
    choice: &Choice,
) -> Vec<(usize, (usize, usize), &'r CodingRow)> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    for row in &respondent.codings {
        let in_layer = match choice.options.layer {
            Layer::Default => true,
            Layer::Coder(id) => !row.consensus && row.coder_id == id,
            Layer::Union | Layer::Intersection => !row.consensus,
            Layer::Consensus => row.consensus,
        };
        let kept = respondent
            .layer_codes
            .as_ref()
            .is_none_or(|k| k.get(&row.question).is_some_and(|codes| codes.contains(&row.code_key)));
        let Some((source, at)) = place(sources, &row.question) else { continue };
        if !in_layer || !kept || choice.codebook.entry(&row.code_key).is_none() {
            continue;
        }
        match at.span(row.passage) {
            Some(span) if seen.insert((source, span, &row.code_key, row.consensus, row.coder_id)) => {
                found.push((source, span, row));
            }
            Some(_) => {}
            None if choice.warn => {
                tracing::warn!(coding = row.id, "a passage outside its answer was left out of the .qdpx export");
            }
            None => {}
        }
    }
    found
}

/// The source holding the answer to `question`, and where the answer lies in it.
pub fn place(sources: &[Source], question: &str) -> Option<(usize, Placed)> {
    sources.iter().enumerate().find_map(|(i, s)| Some((i, s.place(question)?)))
}

/// Adds the selections and memo references to a response's sources (`sources::sources`), the
/// selections in order of position.
pub fn attach(sources: &mut [Source], respondent: &Respondent, choice: &Choice) {
    let mode = match choice.options.source_per {
        SourcePer::Answer => "answer",
        SourcePer::Respondent => "respondent",
    };
    for (source, (start, end), row) in exported(sources, respondent, choice) {
        sources[source].selections.push(Selection {
            guid: derived_guid("fieldwork-selection", &format!("{mode}:{}", row.id)),
            start,
            end,
            user: coding_user(row),
            created: date_time(&row.created_at),
            coding: CodingRef {
                guid: derived_guid("fieldwork-coding", &row.id.to_string()),
                code_key: row.code_key.clone(),
                source: row.source.clone(),
            },
            made: row.id,
        });
    }
    for memo in &respondent.memos {
        if let Some((source, _)) = place(sources, &memo.question) {
            sources[source].note_refs.push(memo_guid(memo.id));
        }
    }
    for source in sources {
        source.selections.sort_by_key(|s| (s.start, s.end, s.made));
    }
}
