//! How to read Krippendorff's α, for one code and for a codebook: the thresholds (after
//! Krippendorff 2004, p. 241) and the summary a methods section needs — how many codes were used,
//! the lowest and the median per-code α, and which codes fall below .667 and .800.

use super::table::AgreementRow;

/// α from which a variable is reliable.
pub const RELIABLE: f64 = 0.800;
/// α from which tentative conclusions may be drawn.
pub const TENTATIVE: f64 = 0.667;

/// What the pooled row is, said wherever it is shown: every (answer, code) pair as one binary
/// unit, so the many codes absent from most answers make its agreement look high.
pub const POOLED: &str = "pooled over answer × code decisions; dominated by codes absent from most answers";

/// The reading of one variable's α: `reliable`, `tentative`, `unreliable`, or `n/a` when undefined.
pub fn reading(alpha: Option<f64>) -> &'static str {
    match alpha {
        Some(a) if a >= RELIABLE => "reliable",
        Some(a) if a >= TENTATIVE => "tentative",
        Some(_) => "unreliable",
        None => "n/a",
    }
}

/// The per-code figures of the codes that were used (applied by at least one coder).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// Codes applied at least once.
    pub codes_used: usize,
    /// The used codes whose α is defined, lowest first (ties by name).
    pub alphas: Vec<(String, f64)>,
    /// The used codes whose α is undefined (no variation among the answers two coders finished).
    pub undefined: Vec<String>,
}

impl Summary {
    /// The summary of the per-code rows of the codes used.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a AgreementRow>) -> Summary {
        let mut summary = Summary::default();
        for row in rows {
            summary.codes_used += 1;
            match row.krippendorff_alpha {
                Some(alpha) => summary.alphas.push((row.code.clone(), alpha)),
                None => summary.undefined.push(row.code.clone()),
            }
        }
        summary.alphas.sort_by(|(a, x), (b, y)| x.total_cmp(y).then_with(|| a.cmp(b)));
        summary.undefined.sort();
        summary
    }

    /// The code with the lowest α.
    pub fn lowest(&self) -> Option<(&str, f64)> {
        self.alphas.first().map(|(code, alpha)| (code.as_str(), *alpha))
    }

    /// The median of the defined per-code α (the mean of the middle two for an even number).
    pub fn median(&self) -> Option<f64> {
        let n = self.alphas.len();
        let at = |i: usize| self.alphas.get(i).map(|(_, alpha)| *alpha);
        match n {
            0 => None,
            _ if n % 2 == 1 => at(n / 2),
            _ => Some((at(n / 2 - 1)? + at(n / 2)?) / 2.0),
        }
    }

    /// The codes whose α is below `threshold`, lowest first.
    pub fn below(&self, threshold: f64) -> Vec<&str> {
        self.alphas.iter().filter(|(_, alpha)| *alpha < threshold).map(|(code, _)| code.as_str()).collect()
    }

    /// One sentence on the codebook as a whole. It calls the codebook reliable only when every
    /// code in use has a defined α of at least .800.
    pub fn verdict(&self) -> String {
        let count = |n: usize| if n == 1 { "1 code".to_string() } else { format!("{n} codes") };
        let them = |n: usize| if n == 1 { "it" } else { "them" };
        let unreliable = self.below(TENTATIVE).len();
        let tentative = self.below(RELIABLE).len() - unreliable;
        if self.codes_used == 0 {
            "No coder has applied a code yet, so there is nothing to judge.".into()
        } else if unreliable > 0 {
            format!(
                "{} in use below .667: conclusions drawn from {} are not supported; \
                 the codebook is not reliable as a whole.",
                count(unreliable),
                them(unreliable)
            )
        } else if tentative > 0 {
            let (codes, them) = (count(tentative), them(tentative));
            format!("{codes} in use between .667 and .800: tentative conclusions only for {them}.")
        } else if !self.undefined.is_empty() {
            let undefined = count(self.undefined.len());
            format!("Every code in use with a defined α reaches .800, but α is undefined for {undefined}.")
        } else {
            "Every code in use reaches α ≥ .800: reliable.".into()
        }
    }

    /// The summary as lines of text, codes named by `name`.
    pub fn lines(&self, name: impl Fn(&str) -> String) -> Vec<String> {
        let list = |codes: Vec<&str>| {
            if codes.is_empty() {
                "none".to_string()
            } else {
                codes.into_iter().map(&name).collect::<Vec<_>>().join(", ")
            }
        };
        let mut lines = vec![format!("Codes used: {}", self.codes_used)];
        if let (Some((code, lowest)), Some(median)) = (self.lowest(), self.median()) {
            lines.push(format!(
                "Krippendorff's α per code: lowest {} ({}), median {}",
                three(lowest),
                name(code),
                three(median)
            ));
        }
        lines.push(format!("Below .667: {}", list(self.below(TENTATIVE))));
        lines.push(format!("Below .800: {}", list(self.below(RELIABLE))));
        if !self.undefined.is_empty() {
            lines.push(format!(
                "α undefined (no variation): {}",
                list(self.undefined.iter().map(String::as_str).collect())
            ));
        }
        lines.push(self.verdict());
        lines
    }
}

/// A coefficient with three decimals, as the tables show it.
pub fn three(value: f64) -> String {
    format!("{value:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, alpha: Option<f64>) -> AgreementRow {
        AgreementRow {
            code: code.into(),
            units: 10,
            coders: 2,
            percent_agreement: None,
            cohen_kappa: None,
            fleiss_kappa: None,
            krippendorff_alpha: alpha,
            alpha_interval: None,
        }
    }

    #[test]
    fn the_summary_orders_the_codes_by_alpha_and_sets_aside_undefined_ones() {
        let rows =
            [row("A", Some(0.9)), row("B", Some(0.5)), row("C", Some(0.7)), row("FLAT", None), row("D", Some(0.85))];
        let summary = Summary::of(&rows);
        assert_eq!(summary.codes_used, 5);
        assert_eq!(summary.lowest(), Some(("B", 0.5)));
        assert_eq!(summary.median(), Some((0.7 + 0.85) / 2.0));
        assert_eq!(summary.below(TENTATIVE), ["B"]);
        assert_eq!(summary.below(RELIABLE), ["B", "C"]);
        assert_eq!(summary.undefined, ["FLAT"]);
        let odd = Summary::of(&rows[..3]);
        assert_eq!(odd.median(), Some(0.7));
    }

    #[test]
    fn the_codebook_is_called_reliable_only_when_every_code_in_use_reaches_800() {
        let verdict = |alphas: &[Option<f64>]| {
            let rows: Vec<AgreementRow> =
                alphas.iter().enumerate().map(|(i, alpha)| row(&format!("C{i}"), *alpha)).collect();
            Summary::of(&rows).verdict()
        };
        let calls_reliable = |text: &str| text.contains(": reliable");
        assert!(calls_reliable(&verdict(&[Some(0.95), Some(0.8)])));
        for weak in [&[Some(0.95), Some(0.6)][..], &[Some(0.95), Some(0.7)], &[Some(0.95), None], &[]] {
            let text = verdict(weak);
            assert!(!calls_reliable(&text), "{weak:?}: {text}");
        }
        assert!(verdict(&[Some(0.99), Some(0.3)]).contains("1 code in use below .667"));
    }

    #[test]
    fn each_variable_is_read_at_the_same_thresholds() {
        assert_eq!(reading(Some(0.8)), "reliable");
        assert_eq!(reading(Some(0.7999)), "tentative");
        assert_eq!(reading(Some(0.667)), "tentative");
        assert_eq!(reading(Some(0.6669)), "unreliable");
        assert_eq!(reading(None), "n/a");
    }
}
