//! The analysis tables as CSV: the same cells as on the page, for the web downloads and for
//! `fieldwork export`.

use std::io::Write;

use super::data::Data;
use super::tables::{self, GroupBy};
use crate::codebook::model::CodebookFile;
use crate::codebook::tree::Tree;
use crate::csv_out::CsvWriter;
use crate::survey::model::SurveyDefinition;

/// A percentage with one decimal, or empty when undefined.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v:.1}"))
}

pub fn tallies<W: Write>(
    w: &mut CsvWriter<W>,
    data: &Data,
    file: &CodebookFile,
    question: Option<&str>,
) -> csv::Result<()> {
    let (rows, answered) = tables::tallies(data, file, question);
    let tree = Tree::new(file);
    w.record([
        "code",
        "code_path",
        "category",
        "answers",
        "respondents",
        "percent_of_respondents",
        "respondents_who_answered",
        "answers_awaiting_reconciliation",
    ])?;
    let awaiting = data.awaiting_reconciliation(question).to_string();
    for r in &rows {
        let share = percent(r.share.map(|s| s * 100.0));
        let category = if r.category { "1" } else { "0" };
        w.record([
            r.key.as_str(),
            &tree.path(&r.key),
            category,
            &r.answers.to_string(),
            &r.respondents.to_string(),
            &share,
            &answered.to_string(),
            &awaiting,
        ])?;
    }
    Ok(())
}

pub fn crosstab<W: Write>(
    w: &mut CsvWriter<W>,
    data: &Data,
    definition: &SurveyDefinition,
    file: &CodebookFile,
    question: Option<&str>,
    by: &GroupBy,
) -> csv::Result<()> {
    let x = tables::crosstab(data, definition, file, question, by);
    let tree = Tree::new(file);
    let mut header = vec!["code".to_string(), "code_path".to_string()];
    for g in &x.groups {
        header.push(format!("{} n", g.label));
        header.push(format!("{} %", g.label));
    }
    w.record(&header)?;
    for r in &x.rows {
        let mut cells = vec![r.key.clone(), tree.path(&r.key)];
        for (n, pct) in r.counts.iter().zip(&r.percents) {
            cells.push(n.to_string());
            cells.push(percent(*pct));
        }
        w.record(&cells)?;
    }
    let mut totals = vec!["respondents".to_string(), "column total".to_string()];
    for g in &x.groups {
        totals.push(g.total.to_string());
        totals.push(String::new());
    }
    w.record(&totals)
}

/// Every pair of the codebook's codes, in codebook order, including those that never occur.
pub fn cooccurrence<W: Write>(w: &mut CsvWriter<W>, data: &Data, question: Option<&str>) -> csv::Result<()> {
    w.record(["code_a", "code_b", "answers", "respondents", "c_coefficient"])?;
    for (i, a) in data.codes.iter().enumerate() {
        for (j, b) in data.codes.iter().enumerate() {
            let pair = data.pair(question, i, j);
            let coefficient =
                tables::c_coefficient(data, question, i, j).map_or_else(String::new, |v| format!("{v:.4}"));
            w.record([a.as_str(), b, &pair.answers.to_string(), &pair.respondents.to_string(), &coefficient])?;
        }
    }
    Ok(())
}

pub fn closed<W: Write>(w: &mut CsvWriter<W>, data: &Data, definition: &SurveyDefinition) -> csv::Result<()> {
    w.record(["question", "choice", "label", "count", "percent", "answered"])?;
    for f in &tables::frequencies(data, definition) {
        for r in &f.rows {
            w.record([
                f.key.as_str(),
                &r.key,
                &r.label,
                &r.count.to_string(),
                &percent(r.percent),
                &f.answered.to_string(),
            ])?;
        }
    }
    Ok(())
}
