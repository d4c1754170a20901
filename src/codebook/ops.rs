//! Changing a codebook without losing a coding: edits of the draft are described code by code
//! for the history, and merging and splitting carry the codings along.

use rusqlite::Connection;

use super::model::{CodeEntry, CodeKind, CodebookError, CodebookFile};
use super::store;
use super::tree::Tree;
use crate::db::DbError;

/// The changes between two states of a codebook, as (kind, code id, detail).
pub fn describe_changes(old: &CodebookFile, new: &CodebookFile) -> Vec<(&'static str, String, String)> {
    let mut changes = Vec::new();
    let (old_tree, new_tree) = (Tree::new(old), Tree::new(new));
    for entry in &new.codes {
        let Some(before) = old_tree.get(&entry.id) else {
            changes.push(("added", entry.id.clone(), entry.name.clone()));
            continue;
        };
        if before.name != entry.name {
            changes.push(("renamed", entry.id.clone(), format!("{} → {}", before.name, entry.name)));
        }
        if definition_fields(before) != definition_fields(entry) {
            changes.push(("redefined", entry.id.clone(), String::new()));
        }
        if before.parent != entry.parent {
            let name = |p: &Option<String>| p.as_deref().map_or("the top".to_string(), |p| new_tree.path(p));
            changes.push(("moved", entry.id.clone(), format!("{} → {}", name(&before.parent), name(&entry.parent))));
        }
        if before.retired != entry.retired {
            changes.push((if entry.retired { "retired" } else { "restored" }, entry.id.clone(), String::new()));
        }
    }
    for entry in &old.codes {
        if new_tree.get(&entry.id).is_none() {
            changes.push(("removed", entry.id.clone(), entry.name.clone()));
        }
    }
    changes.extend(mapping_changes(old, new));
    changes
}

/// The closed-answer mappings added, changed or removed, by their question.
fn mapping_changes(old: &CodebookFile, new: &CodebookFile) -> Vec<(&'static str, String, String)> {
    let find = |file: &CodebookFile, question: &str| file.closed.iter().find(|m| m.question == question).cloned();
    let codes = |mapping: &super::closed::ClosedMapping| {
        mapping.codes.iter().map(|(code, choice)| format!("{code} → {choice}")).collect::<Vec<_>>().join(", ")
    };
    let mut changes = Vec::new();
    for mapping in &new.closed {
        match find(old, &mapping.question) {
            None => changes.push(("mapped", mapping.question.clone(), codes(mapping))),
            Some(before) if &before != mapping => changes.push(("remapped", mapping.question.clone(), codes(mapping))),
            Some(_) => {}
        }
    }
    for mapping in old.closed.iter().filter(|m| find(new, &m.question).is_none()) {
        changes.push(("unmapped", mapping.question.clone(), String::new()));
    }
    changes
}

fn definition_fields(e: &CodeEntry) -> [&str; 6] {
    [&e.short_definition, &e.definition, &e.when_to_use, &e.when_not_to_use, &e.example, &e.near_miss]
}

/// The closed-answer mappings the edit adds or changes, against the survey's questions. Those it
/// leaves as they were are not checked again: a survey changed since must not block every edit
/// (the comparison reports a mapping that no longer fits).
fn check_new_mappings(
    conn: &Connection,
    survey_id: i64,
    old: &CodebookFile,
    new: &CodebookFile,
) -> Result<Vec<CodebookError>, DbError> {
    if new.closed.iter().all(|mapping| old.closed.contains(mapping)) {
        return Ok(Vec::new());
    }
    let slug = crate::survey::store::slug_of(conn, survey_id)?;
    let Some(survey) = crate::survey::store::find_by_slug(conn, &slug)? else { return Ok(Vec::new()) };
    let changed = |error: &CodebookError| {
        new.closed.iter().enumerate().any(|(i, mapping)| {
            !old.closed.contains(mapping)
                && (error.path == format!("closed[{i}]") || error.path.starts_with(&format!("closed[{i}].")))
        })
    };
    Ok(super::closed::check_against(new, &survey.definition).into_iter().filter(changed).collect())
}

/// Codes that have codings may not disappear from the draft: they can be retired or merged.
pub fn check_removals(
    conn: &Connection,
    codebook_id: i64,
    old: &CodebookFile,
    new: &CodebookFile,
) -> Result<Vec<CodebookError>, DbError> {
    let mut errors = Vec::new();
    let new_tree = Tree::new(new);
    for entry in old.codes.iter().filter(|e| new_tree.get(&e.id).is_none()) {
        if store::codings_of_code(conn, codebook_id, &entry.id)? > 0 {
            errors.push(CodebookError {
                path: format!("codes.{}", entry.id),
                message: format!(
                    "{} has codings; retire it or merge it into another code instead of removing it",
                    entry.name
                ),
            });
        }
    }
    Ok(errors)
}

/// Saves an edited draft (refused if someone saved since `revision`) and files its changes.
pub fn save_draft(
    conn: &Connection,
    codebook_id: i64,
    revision: i64,
    actor: &str,
    new: &CodebookFile,
) -> Result<Result<(), Vec<CodebookError>>, DbError> {
    let Some(current) = store::find(conn, codebook_id)? else {
        return Ok(Err(vec![CodebookError { path: String::new(), message: "the codebook no longer exists".into() }]));
    };
    let mut errors = new.check();
    errors.extend(check_removals(conn, codebook_id, &current.draft, new)?);
    errors.extend(check_new_mappings(conn, current.survey_id, &current.draft, new)?);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if !store::save_draft(conn, codebook_id, revision, new)? {
        let message =
            "someone changed this codebook after you opened it; reload and make your change again".to_string();
        return Ok(Err(vec![CodebookError { path: String::new(), message }]));
    }
    for (kind, key, detail) in describe_changes(&current.draft, new) {
        store::record_change(conn, codebook_id, actor, kind, &key, &detail)?;
    }
    Ok(Ok(()))
}

/// Codings a merge moves, or a split flags, in one write (`store::move_codings_batch`): a few
/// milliseconds, so that a respondent's save never waits long behind one.
pub const CODINGS_PER_WRITE: usize = 500;

/// Merges code `from` into `into`: `from` is retired in the draft and memos on it follow; its
/// codings are then moved by `store::move_codings_batch`, a write at a time (an answer that had
/// both keeps one), by the caller. Merging a retired code again finishes a merge that was
/// interrupted.
pub fn merge(
    conn: &Connection,
    codebook_id: i64,
    revision: i64,
    actor: &str,
    from: &str,
    into: &str,
) -> Result<Result<(), Vec<CodebookError>>, DbError> {
    let Some(current) = store::find(conn, codebook_id)? else { return Ok(Err(not_found())) };
    let refuse = |message: String| Ok(Err(vec![CodebookError { path: format!("codes.{from}"), message }]));
    let (Some(source), Some(target)) = (current.draft.entry(from), current.draft.entry(into)) else {
        return refuse("both codes must exist".into());
    };
    if from == into || source.kind != CodeKind::Code || target.kind != CodeKind::Code {
        return refuse("merge one code into another code".into());
    }
    // The draft first: a merge sent from an outdated page must move no coding. (The caller
    // commits whatever ran, so the refusal has to come before any change.)
    let mut draft = current.draft.clone();
    if let Some(entry) = draft.codes.iter_mut().find(|e| e.id == from) {
        entry.retired = true;
        entry.shortcut = None;
    }
    if !store::save_draft(conn, codebook_id, revision, &draft)? {
        return Ok(Err(stale()));
    }
    store::move_memos(conn, codebook_id, from, into)?;
    store::record_change(conn, codebook_id, actor, "merged", from, &format!("into {into}"))?;
    Ok(Ok(()))
}

/// Splits code `key` into new codes under the same parent: `key` is retired; its codings are
/// then flagged for review, to be reassigned to one of the new codes, by
/// `store::flag_for_review_batch`, a write at a time, by the caller.
pub fn split(
    conn: &Connection,
    codebook_id: i64,
    revision: i64,
    actor: &str,
    key: &str,
    into: Vec<CodeEntry>,
) -> Result<Result<(), Vec<CodebookError>>, DbError> {
    let Some(current) = store::find(conn, codebook_id)? else { return Ok(Err(not_found())) };
    let Some(source) = current.draft.entry(key).cloned() else { return Ok(Err(not_found())) };
    if source.kind != CodeKind::Code || into.len() < 2 {
        return Ok(Err(vec![CodebookError {
            path: format!("codes.{key}"),
            message: "split a code into at least two new codes".into(),
        }]));
    }
    let mut draft = current.draft.clone();
    let position = draft.codes.iter().position(|e| e.id == key).map_or(draft.codes.len(), |p| p + 1);
    let names: Vec<String> = into.iter().map(|e| e.id.clone()).collect();
    for (offset, mut entry) in into.into_iter().enumerate() {
        entry.parent = source.parent.clone();
        entry.kind = CodeKind::Code;
        draft.codes.insert(position + offset, entry);
    }
    if let Some(entry) = draft.codes.iter_mut().find(|e| e.id == key) {
        entry.retired = true;
        entry.shortcut = None;
    }
    let errors = draft.check();
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if !store::save_draft(conn, codebook_id, revision, &draft)? {
        return Ok(Err(stale()));
    }
    store::record_change(conn, codebook_id, actor, "split", key, &format!("into {}", names.join(", ")))?;
    for name in &names {
        store::record_change(conn, codebook_id, actor, "added", name, &format!("split from {key}"))?;
    }
    Ok(Ok(()))
}

fn not_found() -> Vec<CodebookError> {
    vec![CodebookError { path: String::new(), message: "that code or codebook no longer exists".into() }]
}

fn stale() -> Vec<CodebookError> {
    vec![CodebookError {
        path: String::new(),
        message: "someone changed this codebook after you opened it; reload and try again".into(),
    }]
}
