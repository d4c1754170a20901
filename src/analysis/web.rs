//! The analysis page of a survey: filters, the coding layer, and the tables (tallies, a cross-tab,
//! co-occurrence, closed questions), each with its CSV download and chart.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use serde::Deserialize;

use super::csv::percent;
use super::data::{self, Data, Filter};
use super::svg::{self, Bar};
use super::tables::{self, GroupBy};
use crate::app::AppState;
use crate::codebook::store::{self as codebooks, StoredCodebook};
use crate::coding::layers::Layer;
use crate::csv_out::{CsvOptions, CsvWriter};
use crate::error::{AppError, Result};
use crate::survey::store::StoredSurvey;
use crate::web::Page;
use crate::web::routes::Routes;
use crate::web::scope::ManagedSurvey;

pub fn router() -> Routes {
    Routes::new().route("/surveys/{slug}/analysis", get(page)).route("/surveys/{slug}/analysis/{file}", get(download))
}

/// The page's settings, all in the query string so that every view can be bookmarked.
#[derive(Deserialize, Default, Clone)]
pub struct AnalysisQuery {
    codebook: Option<i64>,
    #[serde(default)]
    layer: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    partial: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// `QUESTION=choice`: only respondents who gave that answer.
    #[serde(default)]
    answer: String,
    /// Cross-tab by a closed question's code, or `language`.
    #[serde(default)]
    by: String,
    /// For a closed question's chart: which question (or `Q/row`).
    #[serde(default)]
    key: String,
}

impl AnalysisQuery {
    fn filter(&self) -> Filter {
        let optional = |s: &str| Some(s.trim().to_string()).filter(|v| !v.is_empty());
        Filter {
            include_partial: self.partial == "on",
            language: optional(&self.language),
            from: optional(&self.from),
            to: optional(&self.to),
            answer: self
                .answer
                .split_once('=')
                .map(|(q, c)| (q.trim().to_string(), c.trim().to_string()))
                .filter(|(q, c)| !q.is_empty() && !c.is_empty()),
            group_attribute: self.by.strip_prefix("attribute:").map(str::to_string),
        }
    }

    fn question(&self) -> Option<&str> {
        Some(self.question.as_str()).filter(|q| !q.is_empty())
    }

    fn group_by(&self) -> Option<GroupBy> {
        match self.by.as_str() {
            "" => None,
            "language" => Some(GroupBy::Language),
            by if by.starts_with("attribute:") => Some(GroupBy::Attribute(by["attribute:".len()..].to_string())),
            code => Some(GroupBy::Question(code.to_string())),
        }
    }

    /// The query string again, for download links.
    fn encoded(&self) -> String {
        let pairs = [
            ("codebook", self.codebook.map(|c| c.to_string()).unwrap_or_default()),
            ("layer", self.layer.clone()),
            ("question", self.question.clone()),
            ("partial", self.partial.clone()),
            ("language", self.language.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("answer", self.answer.clone()),
            ("by", self.by.clone()),
        ];
        serde_urlencoded::to_string(pairs.iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>()).unwrap_or_default()
    }
}

struct Prepared {
    survey: StoredSurvey,
    codebooks: Vec<StoredCodebook>,
    codebook: Option<StoredCodebook>,
    data: Data,
}

async fn prepare(state: &AppState, survey: StoredSurvey, query: &AnalysisQuery) -> Result<Prepared> {
    let survey_id = survey.id;
    let codebooks = state.db.read(move |conn| codebooks::for_survey(conn, survey_id)).await?;
    let codebook = match query.codebook {
        Some(id) => Some(codebooks.iter().find(|c| c.id == id).cloned().ok_or(AppError::NotFound)?),
        None => codebooks.first().cloned(),
    };
    let layer = Layer::parse(&query.layer).unwrap_or(Layer::Default);
    let (definition, filter, chosen) =
        (survey.definition.clone(), query.filter(), codebook.as_ref().map(|c| (c.id, layer)));
    let data = state.db.read(move |conn| data::load(conn, survey_id, &definition, chosen, &filter)).await?;
    Ok(Prepared { survey, codebooks, codebook, data })
}

/// `GET /surveys/{slug}/analysis`
pub async fn page(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response> {
    let p = prepare(&state, survey, &query).await?;
    let d = &p.survey.definition;
    let question = query.question();
    let (tallies, answered) =
        p.codebook.as_ref().map(|c| tables::tallies(&p.data, &c.draft, question)).unwrap_or_default();
    let crosstab = match (&p.codebook, query.group_by()) {
        (Some(c), Some(by)) => Some(tables::crosstab(&p.data, d, &c.draft, question, &by)),
        _ => None,
    };
    let cooccurrence = p.codebook.as_ref().map(|c| tables::cooccurrence(&p.data, &c.draft, question));
    let frequencies = tables::frequencies(&p.data, d);
    let open: Vec<_> = d.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.clone()).collect();
    let closed: Vec<_> = d
        .questions()
        .filter(|(_, q)| matches!(q.kind, crate::survey::model::QuestionType::SingleChoice | crate::survey::model::QuestionType::MultipleChoice))
        .map(|(_, q)| context! { code => &q.code, text => d.text(&q.text, &d.default_language), choices => q.choices.iter().map(|c| context! { code => &c.code, label => d.text(&c.label, &d.default_language) }).collect::<Vec<_>>() })
        .collect();
    // Anonymous surveys link no response to a participant, so they offer no attributes.
    let survey_id = p.survey.id;
    let attributes = if d.anonymous {
        Vec::new()
    } else {
        state.db.read(move |conn| crate::distribute::participants::attribute_names(conn, survey_id)).await?
    };
    let own = context! {
        survey => &p.survey, codebooks => &p.codebooks, codebook => &p.codebook, tallies, answered, crosstab, cooccurrence, frequencies,
        open_questions => open, closed_questions => closed, attributes, q => context! { layer => &query.layer, question => &query.question, partial => &query.partial, language => &query.language,
            from => &query.from, to => &query.to, answer => &query.answer, by => &query.by },
        encoded => query.encoded(), responses => p.data.included, awaiting => p.data.awaiting_reconciliation(question), layers => crate::coding::layers::CHOICES,
    };
    Ok(page.render("analysis/page.html", own)?.into_response())
}

fn csv_file(name: &str, body: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

fn svg_file(body: String) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8"))], body).into_response()
}

/// `GET /surveys/{slug}/analysis/{tallies|crosstab|cooccurrence|closed}.{csv|svg}`: exactly
/// the table shown on the page under the same settings.
pub async fn download(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    Path((_, file)): Path<(String, String)>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response> {
    let (table, format) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let p = prepare(&state, survey, &query).await?;
    let d = &p.survey.definition;
    let question = query.question();
    let out = match (table, format, &p.codebook) {
        ("tallies", "csv", Some(c)) => {
            csv_file("tallies.csv", write_csv(|w| super::csv::tallies(w, &p.data, &c.draft, question))?)
        }
        ("tallies", "svg", Some(c)) => {
            let (rows, answered) = tables::tallies(&p.data, &c.draft, question);
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
            svg_file(svg::bar_chart(&format!("Codes: {}", c.draft.name), &description, &bars))
        }
        ("crosstab", "csv", Some(c)) => {
            let by = query.group_by().ok_or(AppError::NotFound)?;
            csv_file("crosstab.csv", write_csv(|w| super::csv::crosstab(w, &p.data, d, &c.draft, question, &by))?)
        }
        ("cooccurrence", "csv", Some(c)) => {
            csv_file("cooccurrence.csv", write_csv(|w| super::csv::cooccurrence(w, &p.data, &c.draft, question))?)
        }
        ("cooccurrence", "svg", Some(c)) => {
            let x = tables::cooccurrence(&p.data, &c.draft, question);
            let labels: Vec<String> = x.codes.iter().map(|(_, n)| n.clone()).collect();
            svg_file(svg::heat_map(
                "Code co-occurrence (c-coefficient)",
                "How often two codes apply to the same answer: n12 / (n1 + n2 − n12).",
                &labels,
                &x.c,
            ))
        }
        ("closed", "csv", _) => csv_file("closed-questions.csv", write_csv(|w| super::csv::closed(w, &p.data, d))?),
        ("closed", "svg", _) => {
            let frequencies = tables::frequencies(&p.data, d);
            let f = frequencies.iter().find(|f| f.key == query.key).ok_or(AppError::NotFound)?;
            let bars: Vec<Bar> = f
                .rows
                .iter()
                .map(|r| Bar {
                    label: r.label.clone(),
                    value: r.count as f64,
                    shown: format!("{} ({}%)", r.count, percent(r.percent)),
                })
                .collect();
            svg_file(svg::bar_chart(&f.text, &format!("Answers of {} respondents.", f.answered), &bars))
        }
        _ => return Err(AppError::NotFound),
    };
    Ok(out)
}

fn write_csv(fill: impl FnOnce(&mut CsvWriter<Vec<u8>>) -> csv::Result<()>) -> Result<Vec<u8>> {
    let mut w = CsvWriter::new(Vec::new(), CsvOptions::default()).map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    fill(&mut w).map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    Ok(w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?)
}
