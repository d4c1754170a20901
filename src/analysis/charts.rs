//! The analysis page's charts, from its tables: the code tallies and each closed question as bar
//! charts, co-occurrence as a heat map (`svg.rs` draws them). The same chart is shown inline on
//! the page and downloaded as a file (`/surveys/SLUG/analysis/NAME.svg`).

use super::csv::percent;
use super::svg::{self, Bar};
use super::tables::{Cooccurrence, Frequency, TallyRow};

/// The tallies chart's name, its element id and file name alike.
pub const TALLIES: &str = "tallies";
pub const COOCCURRENCE: &str = "cooccurrence";

/// The name of a closed question's chart: `closed-Q`, or `closed-Q-ROW` for a matrix row (codes
/// have no `-`).
pub fn closed_name(key: &str) -> String {
    format!("closed-{}", key.replace('/', "-"))
}

/// Respondents per code (categories left out: their codes are drawn).
pub fn tallies(rows: &[TallyRow], answered: usize, codebook: &str) -> String {
    let bars: Vec<Bar> = rows
        .iter()
        .filter(|r| !r.category)
        .map(|r| Bar {
            label: r.name.clone(),
            value: r.respondents as f64,
            shown: format!("{} ({}%)", r.respondents, percent(r.share.map(|s| s * 100.0))),
        })
        .collect();
    let description = format!("Respondents whose answers carry each code, out of {answered} who answered.");
    svg::bar_chart(&format!("chart-{TALLIES}"), &format!("Codes: {codebook}"), &description, &bars)
}

/// The c-coefficient of the codes shown, ordered so that related codes sit together.
pub fn cooccurrence(x: &Cooccurrence) -> String {
    let labels: Vec<String> = x.codes.iter().map(|(_, name)| name.clone()).collect();
    let diagonal: Vec<String> = (0..labels.len())
        .map(|i| {
            let n = x.answers[i][i];
            format!("{n} answer{}", if n == 1 { "" } else { "s" })
        })
        .collect();
    svg::heat_map(
        &format!("chart-{COOCCURRENCE}"),
        "Code co-occurrence (c-coefficient)",
        "How often two codes apply to the same answer: n12 / (n1 + n2 − n12); darker is more often. The rows \
         are numbered, and each column has its row's number.",
        &labels,
        &x.c,
        &diagonal,
    )
}

/// How often each choice of a closed question (or matrix row) was given.
pub fn closed(f: &Frequency) -> String {
    let bars: Vec<Bar> = f
        .rows
        .iter()
        .map(|r| Bar {
            label: r.label.clone(),
            value: r.count as f64,
            shown: format!("{} ({}%)", r.count, percent(r.percent)),
        })
        .collect();
    let id = format!("chart-{}", closed_name(&f.key));
    svg::bar_chart(&id, &f.text, &format!("Answers of {} respondents.", f.answered), &bars)
}
