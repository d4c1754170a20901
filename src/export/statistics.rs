//! The files for statistics packages — `spss` (.sav), `stata` (.dta) and `r` (a zip of a CSV and
//! the `.R` script that reads it) — from a checked `Plan`: the survey mapping
//! (`labelled::survey::Layout`, with the plan's codebook as 0/1 variables of its coding layer)
//! over the responses the plan's filters let through, read from SQLite one response at a time
//! for every pass a writer makes, so memory does not grow with the survey.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use rusqlite::Connection;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::labelled::names::Package;
use super::labelled::survey::{CodedLayer, Layout, Response};
use super::labelled::{Cell, Dataset, LabelledError, Reason, Rows, dta, r, sav};
use super::reasons::{self, Progress};
use super::store;
use super::stream::{CsvExportError, Plan};
use crate::answer::{self, Answer};
use crate::coding::store::layers::UnitStatements;
use crate::paradata::trail::Trail;
use crate::survey::model::QuestionType;
use crate::survey::validate::CompiledSurvey;

/// The plan's variables: the survey's in the plan's language, then with a codebook a 0/1
/// variable per code of its layer for every open question.
pub fn layout(plan: &Plan) -> Layout<'_> {
    let definition = &plan.survey.definition;
    let open: Vec<&str> =
        definition.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.as_str()).collect();
    let coded = plan.codebook.as_ref().map(|book| CodedLayer { codebook: &book.draft, questions: &open });
    Layout::new(definition, plan.language(), coded)
}

/// The dataset for `package`: labelled with the survey's title. A missing answer is the
/// package's plain missing value, or with `--missing codes` its reason's code (`export::reasons`):
/// user-missing in SPSS, `.a`/`.b`/`.c` in Stata, NA in R with the codes in the script's notes.
fn dataset(conn: &Connection, plan: &Plan, layout: &Layout<'_>, package: Package) -> Result<Dataset, CsvExportError> {
    let definition = &plan.survey.definition;
    let title = definition.text(&definition.title, plan.language());
    let missing = plan.missing_codes.then_some(definition.missing_codes);
    Ok(layout.dataset(package, title, missing, created(conn, plan)?))
}

/// When the data last changed: the file records it instead of the clock's time, so that the same
/// data gives the same bytes.
fn created(conn: &Connection, plan: &Plan) -> Result<jiff::civil::DateTime, CsvExportError> {
    let changed = store::last_change(conn, plan.survey.id)?;
    let at = changed.and_then(|t| t.parse::<jiff::Timestamp>().ok()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    Ok(at.to_zoned(jiff::tz::TimeZone::UTC).datetime())
}

/// `.sav`
pub fn write_sav(conn: &Connection, plan: &Plan, out: &mut dyn Write) -> Result<(), CsvExportError> {
    let layout = layout(plan);
    let dataset = dataset(conn, plan, &layout, Package::Spss)?;
    sav::write(&dataset, &mut Stored::new(conn, plan, &layout)?, out)?;
    Ok(())
}

/// `.dta` (Stata 118)
pub fn write_dta(conn: &Connection, plan: &Plan, out: &mut dyn Write) -> Result<(), CsvExportError> {
    let layout = layout(plan);
    let dataset = dataset(conn, plan, &layout, Package::Stata)?;
    dta::write(&dataset, &mut Stored::new(conn, plan, &layout)?, out)?;
    Ok(())
}

/// A zip of `SLUG.R` and `SLUG.csv`: R runs the script in the folder it is unpacked to.
pub fn write_r(conn: &Connection, plan: &Plan, out: &mut dyn Write) -> Result<(), CsvExportError> {
    let layout = layout(plan);
    let dataset = dataset(conn, plan, &layout, Package::R)?;
    let slug = &plan.survey.slug;
    let csv_name = format!("{slug}.csv");
    let mut zip = ZipWriter::new_stream(super::qdpx::Output::new(out));
    let written = (|| -> Result<(), CsvExportError> {
        let entry = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(format!("{slug}.R"), entry).map_err(zipped)?;
        zip.write_all(r::script(&dataset, &csv_name).as_bytes())?;
        // A streamed entry announces ZIP64 before its data: the CSV of a large survey may need it.
        zip.start_file(csv_name.as_str(), entry.large_file(true)).map_err(zipped)?;
        r::write_csv(&dataset, &mut Stored::new(conn, plan, &layout)?, &mut zip)?;
        Ok(())
    })();
    match written {
        Ok(()) => {
            zip.finish().map_err(zipped)?.into_inner().flush()?;
            Ok(())
        }
        Err(err) => {
            // A file cut short must not end as a complete-looking zip.
            if let Some(out) = zip.get_ref() {
                out.get_ref().abandon();
            }
            Err(err)
        }
    }
}

fn zipped(err: zip::result::ZipError) -> CsvExportError {
    match err {
        zip::result::ZipError::Io(err) => CsvExportError::Io(err),
        other => CsvExportError::Labelled(LabelledError::Dataset(other.to_string())),
    }
}

/// The plan's responses as rows of `layout`, read again from SQLite at every pass.
struct Stored<'a> {
    conn: &'a Connection,
    plan: &'a Plan,
    layout: &'a Layout<'a>,
    /// With missing-data codes, the survey compiled: display logic decides why a cell is empty.
    survey: Option<CompiledSurvey>,
}

impl<'a> Stored<'a> {
    fn new(conn: &'a Connection, plan: &'a Plan, layout: &'a Layout<'a>) -> Result<Self, CsvExportError> {
        let survey = plan.missing_codes.then(|| reasons::compiled(&plan.survey.definition)).transpose()?;
        Ok(Stored { conn, plan, layout, survey })
    }

    /// Why each unanswered question of `read` is empty (nothing without missing-data codes).
    fn reasons(&self, read: &Read) -> Result<BTreeMap<String, Reason>, LabelledError> {
        let Some(survey) = &self.survey else { return Ok(BTreeMap::new()) };
        let definition = &survey.definition;
        let visits = store::visits(self.conn, read.id).map_err(source)?;
        let trail = Trail::new(definition, &visits, read.position);
        let progress = Progress { survey, complete: read.complete, trail: &trail, answers: &read.answers };
        Ok(definition
            .questions()
            .map(|(_, q)| q)
            .filter(|q| q.kind != QuestionType::Display && Answer::of(q, &read.answers).is_none())
            .map(|q| (q.code.clone(), progress.question(q)))
            .collect())
    }
}

/// One response as read: its number, status, language, the page it is on and its answers.
struct Read {
    id: i64,
    complete: bool,
    language: String,
    position: usize,
    answers: answer::Rows,
}

fn source(err: impl std::error::Error + Send + Sync + 'static) -> LabelledError {
    LabelledError::Source(Box::new(err))
}

impl Rows for Stored<'_> {
    fn each(&mut self, visit: &mut dyn FnMut(&[Cell<'_>]) -> Result<(), LabelledError>) -> Result<(), LabelledError> {
        let plan = self.plan;
        let mut units = plan
            .codebook
            .as_ref()
            .map(|book| UnitStatements::prepare(self.conn, book.id))
            .transpose()
            .map_err(source)?;
        let mut reader = units.as_mut().map(UnitStatements::reader).transpose().map_err(source)?;
        let mut emit = |read: &Read| -> Result<(), LabelledError> {
            let reasons = self.reasons(read)?;
            let codes: Option<BTreeMap<String, BTreeSet<String>>> = match reader.as_mut() {
                Some(reader) => {
                    let units = reader.response(read.id).map_err(source)?;
                    Some(
                        units
                            .into_iter()
                            .filter_map(|(q, unit)| unit.codes(plan.layer).map(|codes| (q, codes)))
                            .collect(),
                    )
                }
                None => None,
            };
            let response = Response {
                id: read.id,
                complete: read.complete,
                language: &read.language,
                answers: &read.answers,
                reasons: &reasons,
                codes: codes.as_ref(),
            };
            visit(&self.layout.row(&response)?)
        };
        let mut stmt = self.conn.prepare(&store::RESPONSES).map_err(source)?;
        let params = store::responses_params(plan.survey.id, &plan.filter);
        let mut rows = stmt.query(&*params.named()).map_err(source)?;
        let mut current: Option<Read> = None;
        while let Some(r) = rows.next().map_err(source)? {
            let id: i64 = r.get(0).map_err(source)?;
            if current.as_ref().is_none_or(|read| read.id != id) {
                if let Some(done) = current.take() {
                    emit(&done)?;
                }
                let status: String = r.get(1).map_err(source)?;
                let language: String = r.get(3).map_err(source)?;
                let position = r.get::<_, i64>(14).map_err(source)?.max(0) as usize;
                let complete = status == "complete";
                current = Some(Read { id, complete, language, position, answers: BTreeMap::new() });
            }
            let question: Option<String> = r.get(7).map_err(source)?;
            if let (Some(read), Some(question)) = (current.as_mut(), question) {
                let (item, value): (String, String) = (r.get(8).map_err(source)?, r.get(9).map_err(source)?);
                read.answers.entry(question).or_default().insert(item, value);
            }
        }
        if let Some(done) = current {
            emit(&done)?;
        }
        Ok(())
    }
}
