//! The selections of a response's sources: a `<PlainTextSelection>` with its `<Coding>` for each
//! coding of the chosen layer, and the memos on its answers (per answer, a `<NoteRef>` of the
//! source; per respondent, a selection of the whole answer carrying it).

use super::project::{date_time, memo_guid, user_guid};
use super::rows::{CodingRow, Respondent};
use super::sources::{Placed, Source};
use super::{QdpxOptions, SourcePer};
use crate::codebook::model::CodebookFile;
use crate::codebook::qdc::derived_guid;
use crate::coding::layers::Layer;

/// A passage of a source with the code applied to it, or with notes on it.
#[derive(Debug)]
pub struct Selection {
    pub guid: String,
    pub start: usize,
    pub end: usize,
    pub user: Option<String>,
    pub created: Option<String>,
    pub coding: Option<CodingRef>,
    pub note_refs: Vec<String>,
    /// Orders selections of the same span as they were made: codings by id, then memos by id.
    made: (bool, i64),
}

#[derive(Debug)]
pub struct CodingRef {
    pub guid: String,
    pub code_key: String,
}

/// What decides which codings become selections.
pub struct Choice<'a> {
    pub codebook: &'a CodebookFile,
    pub options: &'a QdpxOptions,
    /// Whether to log the codings left out for a passage outside their answer: once per export,
    /// though the codings are read in two passes.
    pub warn: bool,
}

/// The codings of a response that become selections, as read: each with its source (an index
/// into `sources`) and the span it covers there.
pub fn exported<'r>(
    sources: &[Source],
    respondent: &'r Respondent,
    choice: &Choice,
) -> Vec<(usize, (usize, usize), &'r CodingRow)> {
    let mut found = Vec::new();
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
            Some(span) => found.push((source, span, row)),
            None if choice.warn => {
                tracing::warn!(coding = row.id, "a passage outside its answer was left out of the .qdpx export");
            }
            None => {}
        }
    }
    found
}

/// The source holding the answer to `question`, and where the answer lies in it.
fn place(sources: &[Source], question: &str) -> Option<(usize, Placed)> {
    sources.iter().enumerate().find_map(|(i, s)| Some((i, s.place(question)?)))
}

/// Adds the selections and memo references to a response's sources (`sources::sources`), in
/// order of position.
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
            user: Some(user_guid(row.coder_id)),
            created: date_time(&row.created_at),
            coding: Some(CodingRef {
                guid: derived_guid("fieldwork-coding", &row.id.to_string()),
                code_key: row.code_key.clone(),
            }),
            note_refs: Vec::new(),
            made: (false, row.id),
        });
    }
    for memo in &respondent.memos {
        let Some((source, at)) = place(sources, &memo.question) else { continue };
        let guid = memo_guid(memo.id);
        let source = &mut sources[source];
        match choice.options.source_per {
            SourcePer::Answer => source.note_refs.push(guid),
            SourcePer::Respondent => {
                let (start, end) = at.span(None).unwrap_or((at.offset, at.offset));
                source.selections.push(Selection {
                    guid: derived_guid("fieldwork-memo-selection", &memo.id.to_string()),
                    start,
                    end,
                    user: Some(user_guid(memo.author_id)),
                    created: date_time(&memo.created_at),
                    coding: None,
                    note_refs: vec![guid],
                    made: (true, memo.id),
                });
            }
        }
    }
    for source in sources {
        source.selections.sort_by_key(|s| (s.start, s.end, s.made));
    }
}
