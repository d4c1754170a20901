//! What the analysis page shows, from a checked plan and its counts: one section per table
//! (code tallies, a cross-tab, co-occurrence, closed questions) with its figures, chart and
//! download link, and the table of contents that links to them. Every download link leads to
//! the export writer with the page's options, so the file is the one `fieldwork export` writes.

use minijinja::{Value, context};

use super::charts;
use super::data::Data;
use super::tables::{self, GroupBy, SHOWN_CODES};
use crate::export::stream::{ANONYMOUS, Plan, What};

/// The page's sections, in order: (id, title) for the table of contents.
pub const SECTIONS: [(&str, &str); 4] = [
    ("tallies", "Code tallies"),
    ("crosstab", "Cross-tab"),
    ("cooccurrence", "Co-occurrence"),
    ("closed", "Closed questions"),
];

/// The address of the export file `what` under the page's options (those the file takes, and
/// the codebook the page shows).
pub fn download(plan: &Plan, what: What) -> String {
    let mut request = plan.request.clone();
    if what.spec().needs_codebook {
        request.codebook = plan.codebook.as_ref().map(|c| c.id);
    }
    let query = request.only(&what.takes()).to_query();
    let url = format!("/surveys/{}/export/{}", plan.survey.slug, what.spec().url);
    if query.is_empty() { url } else { format!("{url}?{query}") }
}

/// The address of a chart (`charts::TALLIES`, …) under the page's options.
pub fn chart_file(plan: &Plan, name: &str) -> String {
    let mut request = plan.request.clone();
    request.codebook = plan.codebook.as_ref().map(|c| c.id);
    format!("/surveys/{}/analysis/{name}.svg?{}", plan.survey.slug, request.to_query())
}

/// An SVG chart drawn by `svg.rs`, which escapes every text it draws: markup for the template.
fn markup(svg: String) -> Value {
    Value::from_safe_string(svg)
}

/// The sections' context.
pub fn sections(plan: &Plan, data: &Data) -> Value {
    let d = &plan.survey.definition;
    let question = plan.question.as_deref();
    let frequencies: Vec<Value> = tables::frequencies(data, d)
        .into_iter()
        .map(|f| {
            let name = charts::closed_name(&f.key);
            context! { chart => markup(charts::closed(&f)), svg => chart_file(plan, &name), ..Value::from_serialize(&f) }
        })
        .collect();
    let closed = context! { frequencies, csv => download(plan, What::Closed) };
    let Some(book) = &plan.codebook else {
        return context! { sections => SECTIONS, closed, responses => data.included };
    };
    let (rows, answered) = tables::tallies(data, &book.draft, question);
    let tallies = context! {
        chart => markup(charts::tallies(&rows, answered, &book.draft.name)), rows, answered,
        csv => download(plan, What::Tallies), svg => chart_file(plan, charts::TALLIES),
    };
    let crosstab = match &plan.by {
        Some(by) => context! {
            table => tables::crosstab(data, d, &book.draft, question, by), by => by_label(plan, by),
            csv => download(plan, What::Crosstab),
        },
        None => {
            let mut note =
                "No cross-tab chosen: choose what to group respondents by in “Cross-tab codes by” above.".to_string();
            if d.anonymous {
                note.push_str(&format!(" There is none by participant attribute: {ANONYMOUS}."));
            }
            context! { note }
        }
    };
    let x = tables::cooccurrence(data, &book.draft, question);
    let capped = (x.occurring > SHOWN_CODES).then(|| {
        format!(
            "Showing the {SHOWN_CODES} most frequent of the {} codes that occur; the CSV has every pair.",
            x.occurring
        )
    });
    let cooccurrence = context! {
        chart => (!x.codes.is_empty()).then(|| markup(charts::cooccurrence(&x))),
        csv => download(plan, What::Cooccurrence), svg => chart_file(plan, charts::COOCCURRENCE), capped,
        ..Value::from_serialize(&x)
    };
    context! {
        sections => SECTIONS, closed, tallies, crosstab, cooccurrence, responses => data.included,
        awaiting => data.awaiting_reconciliation(question), codebook => book, question,
    }
}

/// What a cross-tab groups by, in words.
fn by_label(plan: &Plan, by: &GroupBy) -> String {
    let d = &plan.survey.definition;
    match by {
        GroupBy::Language => "language".to_string(),
        GroupBy::Attribute(name) => format!("participant {name}"),
        GroupBy::Question(code) => match d.question(code) {
            Some(q) => format!("{code}: {}", d.text(&q.text, &d.default_language)),
            None => code.clone(),
        },
    }
}
