//! The agreement table as the page, its CSV download and `fieldwork agreement` all show it, from
//! one function: a row per code, a row per mutually exclusive category (as one nominal variable),
//! the pooled row, and the summary of the codes that were used.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::error::AgreementError;
use super::summary::{POOLED, Summary, reading};
use super::table::{AgreementRow, Bootstrap, Coding, exclusive_table, per_code_table};
use crate::codebook::model::{CodeKind, CodebookFile};

/// What a row of the table stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// One code: did the coder apply it to the answer or not.
    Code,
    /// A mutually exclusive category as one nominal variable: which of its codes, or none.
    Category,
    /// The `ALL` row of the per-code table: every (answer, code) pair as a binary unit.
    Pooled,
    /// The `ALL` row in exclusive mode: the whole codebook as one nominal variable.
    Nominal,
}

/// A row of the table and what it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub figures: AgreementRow,
    pub kind: RowKind,
}

impl ReportRow {
    /// How to read the row: the α reading of a variable, or what the pooled row is.
    pub fn reading(&self) -> &'static str {
        match self.kind {
            RowKind::Pooled => POOLED,
            _ => reading(self.figures.krippendorff_alpha),
        }
    }
}

/// The whole table, the codebook's codes and categories nobody applied (which have no figures
/// worth showing: every coder left them off every answer), and, in per-code mode, the summary.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub rows: Vec<ReportRow>,
    /// Codes (`RowKind::Code`) and categories (`RowKind::Category`) of the codebook no coder applied.
    pub not_applied: Vec<(String, RowKind)>,
    /// The codes used and their α (absent in exclusive mode, which has no per-code rows).
    pub summary: Option<Summary>,
    /// Answers (units) that at least two coders finished.
    pub double_coded: u64,
}

impl Report {
    /// The per-code table of `codings`: a row per code applied (the codebook's first, in its
    /// order, then codes no longer in it), each mutually exclusive category with an applied code
    /// as one variable, then the pooled row over the codes applied. Without a codebook, the codes
    /// are those of the codings, in order of first appearance — the same rows and the same pooled
    /// row, so a file of the same codings gives the same figures.
    pub fn per_code(
        codings: &[Coding],
        codebook: Option<&CodebookFile>,
        bootstrap: Bootstrap,
    ) -> Result<Report, AgreementError> {
        let applied: HashSet<&str> = codings.iter().filter_map(|c| c.code.as_deref()).collect();
        let codes: Vec<String> = codebook
            .map(|file| file.codes.iter().filter(|c| c.kind == CodeKind::Code).map(|c| c.id.clone()).collect())
            .unwrap_or_default();
        let (used, unused): (Vec<String>, Vec<String>) = codes.into_iter().partition(|c| applied.contains(c.as_str()));
        let mut figures = per_code_table(codings, &used, bootstrap)?;
        let pooled = figures.pop();
        let summary = Summary::of(&figures);
        let mut rows: Vec<ReportRow> =
            figures.into_iter().map(|figures| ReportRow { figures, kind: RowKind::Code }).collect();
        let mut not_applied: Vec<(String, RowKind)> = unused.into_iter().map(|code| (code, RowKind::Code)).collect();
        if let Some(file) = codebook {
            for category in file.codes.iter().filter(|c| c.mutually_exclusive) {
                let inside: Vec<&str> = file
                    .codes
                    .iter()
                    .filter(|c| c.kind == CodeKind::Code)
                    .map(|c| c.id.as_str())
                    .filter(|c| crate::codebook::exclusive_categories(file, c).contains(&category.id.as_str()))
                    .collect();
                if inside.iter().any(|code| applied.contains(code)) {
                    rows.extend(category_row(&category.id, &inside, codings, bootstrap)?);
                } else {
                    not_applied.push((category.id.clone(), RowKind::Category));
                }
            }
        }
        rows.extend(pooled.map(|figures| ReportRow { figures, kind: RowKind::Pooled }));
        Ok(Report { rows, not_applied, summary: Some(summary), double_coded: double_coded(codings) })
    }

    /// The codebook as one nominal variable (each coder gives an answer at most one code).
    pub fn exclusive(codings: &[Coding], bootstrap: Bootstrap) -> Result<Report, AgreementError> {
        let rows = exclusive_table(codings, bootstrap)?;
        let rows = rows.into_iter().map(|figures| ReportRow { figures, kind: RowKind::Nominal });
        Ok(Report { rows: rows.collect(), double_coded: double_coded(codings), ..Report::default() })
    }
}

/// Units that at least two coders saw.
fn double_coded(codings: &[Coding]) -> u64 {
    let mut coders: HashMap<&str, HashSet<&str>> = HashMap::new();
    for coding in codings {
        coders.entry(&coding.unit).or_default().insert(&coding.coder);
    }
    coders.values().filter(|seen| seen.len() >= 2).count() as u64
}

/// The row of a mutually exclusive category: each coder's value for an answer is the one code of
/// the category (`inside`) they applied, or none.
fn category_row(
    category: &str,
    inside: &[&str],
    codings: &[Coding],
    bootstrap: Bootstrap,
) -> Result<Option<ReportRow>, AgreementError> {
    let mut values: BTreeMap<(&str, &str), Option<&str>> = BTreeMap::new();
    for coding in codings {
        let value = values.entry((&coding.unit, &coding.coder)).or_insert(None);
        if let Some(code) = coding.code.as_deref().filter(|c| inside.contains(c)) {
            *value = Some(code);
        }
    }
    let nominal: Vec<Coding> =
        values.into_iter().map(|((unit, coder), code)| Coding::new(unit, coder, code.unwrap_or_default())).collect();
    let row = exclusive_table(&nominal, bootstrap)?.pop();
    Ok(row.map(|mut figures| {
        figures.code = category.to_owned();
        ReportRow { figures, kind: RowKind::Category }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODEBOOK: &str = r#"
format = 1
name = "t"
[[codes]]
id = "X"
name = "X"
[[codes]]
id = "NEVER"
name = "Never applied"
[[codes]]
id = "ORG"
kind = "category"
name = "Organisation"
mutually_exclusive = true
[[codes]]
id = "ORG_A"
parent = "ORG"
name = "A"
"#;

    #[test]
    fn rows_are_the_codes_applied_and_the_pooled_row_pools_only_them() {
        let file = crate::codebook::model::from_toml(CODEBOOK).unwrap();
        let codings = [
            Coding::new("u1", "ann", "X"),
            Coding::new("u1", "bob", "X"),
            Coding::new("u2", "ann", ""),
            Coding::new("u2", "bob", "X"),
            Coding::new("u3", "ann", ""),
            Coding::new("u3", "bob", ""),
        ];
        let bootstrap = Bootstrap { draws: 0, seed: 1 };
        let report = Report::per_code(&codings, Some(&file), bootstrap).unwrap();
        let shape: Vec<(&str, RowKind)> = report.rows.iter().map(|r| (r.figures.code.as_str(), r.kind)).collect();
        assert_eq!(shape, [("X", RowKind::Code), ("ALL", RowKind::Pooled)]);
        assert_eq!(
            report.not_applied,
            [("NEVER".into(), RowKind::Code), ("ORG_A".into(), RowKind::Code), ("ORG".into(), RowKind::Category)]
        );
        assert_eq!(report.rows[1].reading(), POOLED);
        assert_eq!(report.double_coded, 3);
        // Without the codebook, the same codings give the same rows.
        let bare = Report::per_code(&codings, None, bootstrap).unwrap();
        assert_eq!(bare.rows, report.rows);
        assert_eq!(bare.summary, report.summary);
        assert_eq!(report.summary.map(|s| s.codes_used), Some(1));
    }
}
