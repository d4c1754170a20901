//! The analysis page's charts, from its tables: the code tallies and each closed question as bar
//! charts, co-occurrence as a heat map (`svg.rs` draws them). The same chart is shown inline on
//! the page and downloaded as a file (`/surveys/SLUG/analysis/NAME.svg`).

use super::csv::percent;
use super::data::Data;
use super::svg::{self, Bar};
use super::tables::{self, Cooccurrence, Frequency, TallyRow};
use crate::export::stream::Plan;

/// The tallies chart's name, its element id and file name alike.
pub const TALLIES: &str = "tallies";
pub const COOCCURRENCE: &str = "cooccurrence";

/// The name of a closed question's chart: `closed-Q`, or `closed-Q-ROW` for a matrix row (codes
/// have no `-`).
pub fn closed_name(key: &str) -> String {
    format!("closed-{}", key.replace('/', "-"))
}

/// The chart `name` (`tallies`, `cooccurrence`, a `closed_name`) under the plan, if the page has it.
pub fn named(plan: &Plan, data: &Data, name: &str) -> Option<String> {
    let d = &plan.survey.definition;
    let question = plan.question.as_deref();
    if let Some(f) = tables::frequencies(data, d).iter().find(|f| closed_name(&f.key) == name) {
        return Some(closed(f));
    }
    let book = plan.codebook.as_ref()?;
    match name {
        TALLIES => {
            let (rows, answered) = tables::tallies(data, &book.draft, question);
            Some(tallies(&rows, answered, &book.draft.name))
        }
        COOCCURRENCE => Some(cooccurrence(&tables::cooccurrence(data, &book.draft, question))),
        _ => None,
    }
}

/// At most this many bars in the tallies chart: past it, the most frequent codes (the table below
/// the chart has them all).
pub const TALLY_BARS: usize = 40;

/// Respondents per code, in codebook order (categories left out: their codes are drawn).
pub fn tallies(rows: &[TallyRow], answered: usize, codebook: &str) -> String {
    let mut codes: Vec<&TallyRow> = rows.iter().filter(|r| !r.category).collect();
    let mut description = format!("Respondents whose answers carry each code, out of {answered} who answered.");
    if codes.len() > TALLY_BARS {
        let mut counts: Vec<usize> = codes.iter().map(|r| r.respondents).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let least = counts[TALLY_BARS - 1];
        // The most frequent, kept in codebook order; ties at the cut go to the first in the codebook.
        let mut ties = TALLY_BARS - counts.iter().filter(|&&n| n > least).count();
        codes.retain(|r| {
            let tie = r.respondents == least && ties > 0;
            ties -= usize::from(tie);
            r.respondents > least || tie
        });
        description
            .push_str(&format!(" The {TALLY_BARS} most frequent of {} codes; the table has them all.", counts.len()));
    }
    let bars: Vec<Bar> = codes
        .iter()
        .map(|r| Bar {
            label: r.name.clone(),
            value: r.respondents as f64,
            shown: format!("{} ({}%)", r.respondents, percent(r.share.map(|s| s * 100.0))),
        })
        .collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: usize, respondents: usize) -> TallyRow {
        TallyRow {
            key: format!("C{key}"),
            name: format!("Code {key}"),
            depth: 0,
            category: false,
            answers: respondents,
            respondents,
            share: None,
        }
    }

    #[test]
    fn the_tallies_chart_draws_at_most_its_bars_the_most_frequent_in_codebook_order() {
        let rows: Vec<TallyRow> = (0..100).map(|i| row(i, if i % 10 == 0 { 50 } else { i % 3 })).collect();
        let svg = tallies(&rows, 60, "Book");
        assert_eq!(svg.matches("<g class=\"bar\">").count(), TALLY_BARS);
        assert!(svg.contains("The 40 most frequent of 100 codes"));
        let first: Vec<usize> = (0..100).filter(|i| svg.contains(&format!("<title>Code {i}: "))).collect();
        assert!(first.iter().filter(|i| *i % 10 == 0).count() == 10, "every code of 50 respondents: {first:?}");
        let few: Vec<TallyRow> = (0..3).map(|i| row(i, 0)).collect();
        assert_eq!(tallies(&few, 0, "Book").matches("<g class=\"bar\">").count(), 3, "codes nobody has are drawn too");
    }
}
