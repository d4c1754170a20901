//! Each codebook of the survey: the version coders use, its history of changes between versions
//! (the codebook's history page, `codebook::store::changes`), and every code with its
//! definitions, in tree order.

use serde::Serialize;

use super::{PackFile, ReportError, Sources};
use crate::codebook::model::{CodeKind, CodebookFile};
use crate::codebook::store::{self as codebooks, StoredCodebook};
use crate::codebook::tree::Tree;

pub fn html_name(codebook: &StoredCodebook) -> String {
    format!("codebook-{}.html", codebook.id)
}

pub fn changes_name(codebook: &StoredCodebook) -> String {
    format!("codebook-{}-changes.csv", codebook.id)
}

#[derive(Serialize)]
struct ShownCode {
    depth: usize,
    id: String,
    path: String,
    category: bool,
    retired: bool,
    mutually_exclusive: bool,
    short_definition: String,
    definition: String,
    when_to_use: String,
    when_not_to_use: String,
    example: String,
}

/// The version coders use: the latest published one, or the draft before any is published.
pub fn in_use(sources: &Sources, codebook: &StoredCodebook) -> Result<CodebookFile, ReportError> {
    if codebook.published_version == 0 {
        return Ok(codebook.draft.clone());
    }
    Ok(codebooks::version(sources.conn, codebook.id, codebook.published_version)?
        .unwrap_or_else(|| codebook.draft.clone()))
}

pub fn files(sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
    let mut files = Vec::new();
    for codebook in &sources.codebooks {
        let file = in_use(sources, codebook)?;
        let tree = Tree::new(&file);
        let codes: Vec<ShownCode> = tree
            .entries()
            .into_iter()
            .map(|(depth, code)| ShownCode {
                depth,
                id: code.id.clone(),
                path: tree.path(&code.id),
                category: code.kind == CodeKind::Category,
                retired: code.retired,
                mutually_exclusive: code.mutually_exclusive,
                short_definition: code.short_definition.clone(),
                definition: code.definition.clone(),
                when_to_use: code.when_to_use.clone(),
                when_not_to_use: code.when_not_to_use.clone(),
                example: code.example.clone(),
            })
            .collect();
        let changes = codebooks::changes(sources.conn, codebook.id)?;
        let mut csv = super::Csv::new(["version", "at", "actor", "kind", "code", "detail"])?;
        for c in &changes {
            let version = c.version.map(|v| v.to_string()).unwrap_or_else(|| "draft".into());
            csv.row([version.as_str(), &c.at, &c.actor, &c.kind, &c.code_key, &c.detail])?;
        }
        let title = format!("Codebook: {}", file.name);
        let html = sources.html(
            "report/codebook.html",
            &title,
            minijinja::context! {
                codebook => codebook, file => &file, codes, changes, changes_csv => changes_name(codebook),
            },
        )?;
        files.push(PackFile::new(html_name(codebook), title.clone(), html));
        files.push(PackFile::new(
            changes_name(codebook),
            format!("{title}: changes between versions (CSV)"),
            csv.finish()?,
        ));
    }
    Ok(files)
}
