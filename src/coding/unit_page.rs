//! What the page of one answer shows a coder (`unit_page`), decided from what is stored about the
//! answer: its text cut at the coder's passages, the codebook's codes (names only: the definitions
//! are served once per version, `web/definitions.rs`) with the coder's own ticked and the
//! categories that allow one code at most marked, the coder's passages, and — as far as blind
//! coding allows (`blind::Blinding`) — other coders' codes and the memos on the answer.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::blind::Blinding;
use super::layers::{self, CODER};
use super::store::{Coding, Memo};
use crate::codebook::model::CodeKind;
use crate::codebook::tree::Tree;

/// What is stored about one answer.
pub struct Facts<'a> {
    pub text: &'a str,
    /// Every coding of the answer in the codebook: all coders, both layers.
    pub codings: &'a [Coding],
    /// Every memo on the answer.
    pub memos: Vec<Memo>,
    /// The coders who marked it done.
    pub done_by: &'a [i64],
}

/// A stretch of the answer's text and the codes whose passages cover it.
#[derive(Debug, Serialize, PartialEq)]
pub struct Segment {
    /// Offset of the stretch in code points, for the highlighting script.
    pub start: usize,
    pub text: String,
    pub codes: Vec<String>,
}

/// A category or code as the coding form lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CodeOption {
    pub id: String,
    pub name: String,
    pub category: bool,
    pub depth: usize,
    pub shortcut: Option<String>,
    pub retired: bool,
    /// A category whose codes may not be applied together.
    pub choose_one: bool,
    pub applied: bool,
    /// The first category that allows one of its codes at most, by id and name.
    pub exclusive_group: Option<(String, String)>,
    /// Whether there is a definition to look up.
    pub defined: bool,
    /// Ticked together with another code of a category that allows one at most.
    pub conflicting: bool,
}

/// One of the coder's passages.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Passage {
    pub id: i64,
    pub code: String,
    pub name: Option<String>,
    pub text: String,
}

/// What the page of one answer shows.
#[derive(Debug, Serialize)]
pub struct UnitPage {
    pub segments: Vec<Segment>,
    pub text_length: usize,
    pub codes: Vec<CodeOption>,
    pub passages: Vec<Passage>,
    /// Other people's whole-answer codes by whose they are (a coder, or the consensus).
    pub others: BTreeMap<String, Vec<String>>,
    pub memos: Vec<Memo>,
    /// The viewer marked the answer done.
    pub done: bool,
    /// Others' work is hidden.
    pub blind: bool,
}

/// The page of an answer for `viewer`. `ticked` replaces the viewer's stored codes when a refused
/// form comes back, so that what they ticked is kept.
pub fn unit_page(facts: Facts, viewer: i64, tree: &Tree, blinding: Blinding, ticked: Option<Vec<String>>) -> UnitPage {
    let mine: Vec<&Coding> = facts.codings.iter().filter(|c| c.coder_id == viewer && c.layer == CODER).collect();
    let applied: BTreeSet<String> =
        ticked.unwrap_or_else(|| mine.iter().map(|c| c.code_key.clone()).collect()).into_iter().collect();
    let conflicting = conflicting(tree, &applied);
    let codes = tree
        .entries()
        .into_iter()
        .filter(|(_, e)| !e.retired || applied.contains(&e.id))
        .map(|(depth, entry)| CodeOption {
            id: entry.id.clone(),
            name: entry.name.clone(),
            category: entry.kind == CodeKind::Category,
            depth,
            shortcut: entry.shortcut.clone(),
            retired: entry.retired,
            choose_one: entry.mutually_exclusive,
            applied: applied.contains(&entry.id),
            exclusive_group: tree
                .exclusive_categories(&entry.id)
                .first()
                .and_then(|c| tree.get(c))
                .map(|c| (c.id.clone(), c.name.clone())),
            defined: [
                &entry.short_definition,
                &entry.definition,
                &entry.when_to_use,
                &entry.when_not_to_use,
                &entry.example,
                &entry.near_miss,
            ]
            .iter()
            .any(|field| !field.is_empty()),
            conflicting: conflicting.contains(&entry.id),
        })
        .collect();
    let spans: Vec<(usize, usize, String)> =
        mine.iter().filter_map(|c| Some((span(c)?.0, span(c)?.1, c.code_key.clone()))).collect();
    let passages = mine
        .iter()
        .filter_map(|c| {
            let (start, end) = span(c)?;
            Some(Passage {
                id: c.id,
                code: c.code_key.clone(),
                name: tree.get(&c.code_key).map(|e| e.name.clone()),
                text: facts.text.chars().skip(start).take(end.saturating_sub(start)).collect(),
            })
        })
        .collect();
    let mut others: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in facts.codings.iter().filter(|c| c.coder_id != viewer && c.span_start.is_none()) {
        if blinding.shows_on_answer(viewer, c.coder_id) {
            let name = tree.get(&c.code_key).map_or(c.code_key.clone(), |e| e.name.clone());
            others.entry(layers::stored_label(&c.layer, &c.coder)).or_default().push(name);
        }
    }
    UnitPage {
        segments: segments(facts.text, &spans),
        text_length: facts.text.chars().count(),
        codes,
        passages,
        others,
        memos: facts.memos.into_iter().filter(|m| blinding.shows_on_answer(viewer, m.author_id)).collect(),
        done: facts.done_by.contains(&viewer),
        blind: blinding.blind,
    }
}

/// A passage's code points, end exclusive.
fn span(coding: &Coding) -> Option<(usize, usize)> {
    Some((usize::try_from(coding.span_start?).ok()?, usize::try_from(coding.span_end?).ok()?))
}

/// The codes of `applied` that share a category allowing one code at most with another of them.
fn conflicting(tree: &Tree, applied: &BTreeSet<String>) -> BTreeSet<String> {
    let mut by_category: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for code in applied {
        for category in tree.exclusive_categories(code) {
            by_category.entry(category).or_default().push(code);
        }
    }
    by_category.into_values().filter(|codes| codes.len() > 1).flatten().cloned().collect()
}

/// Splits `text` at every passage boundary; offsets are Unicode code points, end exclusive.
pub fn segments(text: &str, spans: &[(usize, usize, String)]) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut bounds: Vec<usize> = vec![0, chars.len()];
    for (start, end, _) in spans {
        bounds.push((*start).min(chars.len()));
        bounds.push((*end).min(chars.len()));
    }
    bounds.sort_unstable();
    bounds.dedup();
    bounds
        .windows(2)
        .map(|w| {
            let codes = spans.iter().filter(|(s, e, _)| *s <= w[0] && w[1] <= *e).map(|(_, _, c)| c.clone()).collect();
            Segment { start: w[0], text: chars[w[0]..w[1]].iter().collect(), codes }
        })
        .collect()
}

pub mod suggestions;

#[cfg(test)]
mod tests;
