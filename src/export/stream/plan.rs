//! A request checked: `ExportRequest::resolve` checks every option given against the survey, its
//! codebooks and what the target (an export file, or the analysis page) takes, and gives the
//! `Plan` the writers and the page follow, or says which option is wrong and why.

use std::io;

use rusqlite::Connection;

use super::request::{BadOption, ExportRequest, Opt};
use super::what::What;
use crate::analysis::data::Filter;
use crate::analysis::tables::GroupBy;
use crate::codebook::store::{self as codebooks, NotChosen, StoredCodebook};
use crate::coding::layers::Layer;
use crate::csv_out::CsvOptions;
use crate::db::DbError;
use crate::export::labelled::LabelledError;
use crate::export::qdpx::{self, SourcePer, Texts};
use crate::survey::model::{QuestionType, SurveyDefinition};
use crate::survey::store::StoredSurvey;

/// What a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One export file.
    File(What),
    /// The analysis page, which shows the tables of several files under one set of options.
    AnalysisPage,
}

impl Target {
    /// The options the target takes; any other one given is refused.
    pub fn takes(self) -> Vec<Opt> {
        match self {
            Target::File(what) => what.takes(),
            Target::AnalysisPage => super::what::CROSSTAB.to_vec(),
        }
    }

    fn required(self) -> &'static [Opt] {
        match self {
            Target::File(what) => what.spec().required,
            Target::AnalysisPage => &[],
        }
    }

    /// For messages: `crosstab` or `the analysis page`.
    pub fn describe(self) -> &'static str {
        match self {
            Target::File(what) => what.name(),
            Target::AnalysisPage => "the analysis page",
        }
    }
}

/// A checked request: everything needed to write an export or show the analysis page.
#[derive(Debug, Clone)]
pub struct Plan {
    pub target: Target,
    pub survey: StoredSurvey,
    pub codebook: Option<StoredCodebook>,
    pub layer: Layer,
    /// A language of the survey, when labels were asked for.
    pub labels: Option<String>,
    pub question: Option<String>,
    pub by: Option<GroupBy>,
    pub per: SourcePer,
    pub texts: Texts,
    /// Empty answer cells hold the code of their reason (not shown, not reached, skipped).
    pub missing_codes: bool,
    /// Which responses count (and the participant attribute a cross-tab groups by).
    pub filter: Filter,
    pub csv: CsvOptions,
    /// The request as it was given, for links to the same tables.
    pub request: ExportRequest,
}

impl Plan {
    /// The language texts are written in: the one asked for, else the survey's default.
    pub fn language(&self) -> &str {
        self.labels.as_deref().unwrap_or(&self.survey.definition.default_language)
    }

    /// The export and its options, for the audit log.
    pub fn describe(&self) -> String {
        let mut parts = vec![self.target.describe().to_string()];
        if let Some(book) = &self.codebook {
            parts.push(format!("codebook {}", book.id));
            parts.push(format!("layer {}", self.layer.name()));
        }
        parts.extend(self.labels.as_ref().map(|l| format!("labels {l}")));
        parts.extend(self.question.as_ref().map(|q| format!("question {q}")));
        parts.extend(self.by.as_ref().map(|by| match by {
            GroupBy::Language => "by language".to_string(),
            GroupBy::Question(code) => format!("by {code}"),
            GroupBy::Attribute(name) => format!("by participant attribute {name}"),
        }));
        if self.target == Target::File(What::Qdpx) {
            parts.push(format!(
                "one source per {}",
                if self.per == SourcePer::Answer { "answer" } else { "respondent" }
            ));
            parts.push(if self.texts == Texts::Inline { "texts inline" } else { "texts in files" }.into());
        }
        if self.missing_codes {
            parts.push("missing-data codes".into());
        }
        let f = &self.filter;
        parts.extend(f.language.as_ref().map(|l| format!("responses in {l}")));
        parts.extend(f.from.as_ref().map(|d| format!("started from {d}")));
        parts.extend(f.to.as_ref().map(|d| format!("started until {d}")));
        parts.extend(f.answer.as_ref().map(|(q, c)| format!("respondents who answered {q}={c}")));
        if f.include_partial {
            parts.push("with partial responses".into());
        }
        if !self.csv.protect_formulas {
            parts.push("without formula protection".into());
        }
        parts.join(", ")
    }
}

/// Why an export was not made.
#[derive(Debug, thiserror::Error)]
pub enum CsvExportError {
    /// The survey does not exist.
    #[error("{0}")]
    NotFound(String),
    /// An option that cannot be used; the message says which, why and what would do.
    #[error("{0}")]
    BadOption(BadOption),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("could not write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("could not write the CSV: {0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Project(#[from] qdpx::ExportError),
    /// A statistics package's file (`export::statistics`).
    #[error(transparent)]
    Labelled(#[from] LabelledError),
}

impl From<rusqlite::Error> for CsvExportError {
    fn from(err: rusqlite::Error) -> Self {
        CsvExportError::Db(err.into())
    }
}

impl From<BadOption> for CsvExportError {
    fn from(bad: BadOption) -> Self {
        CsvExportError::BadOption(bad)
    }
}

impl CsvExportError {
    /// The reader went away (a cancelled download): not a failure worth logging as one.
    pub fn is_cancelled(&self) -> bool {
        let io = match self {
            CsvExportError::Io(err) => Some(err),
            // A project streams into the download too.
            CsvExportError::Project(
                qdpx::ExportError::Io(err)
                | qdpx::ExportError::Xml(err)
                | qdpx::ExportError::Zip(zip::result::ZipError::Io(err)),
            ) => Some(err),
            CsvExportError::Csv(err) | CsvExportError::Labelled(LabelledError::Csv(err)) => match err.kind() {
                csv::ErrorKind::Io(err) => Some(err),
                _ => None,
            },
            CsvExportError::Labelled(LabelledError::Io(err)) => Some(err),
            _ => None,
        };
        io.is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    }
}

pub(crate) fn bad(option: Opt, reason: impl Into<String>) -> CsvExportError {
    CsvExportError::BadOption(BadOption::new(option, reason))
}

/// The survey at `slug`, or why not: what the command line asks first.
pub fn find_survey(conn: &Connection, slug: &str) -> Result<StoredSurvey, CsvExportError> {
    crate::survey::store::find_by_slug(conn, slug)?
        .ok_or_else(|| CsvExportError::NotFound(format!("there is no survey with the address \"{slug}\"")))
}

impl ExportRequest {
    /// Checks the request for `target` against `survey` and its codebooks: every option given
    /// must be one the target takes, with a value the survey has.
    pub fn resolve(&self, conn: &Connection, survey: StoredSurvey, target: Target) -> Result<Plan, CsvExportError> {
        let (takes, given) = (target.takes(), self.given());
        if let Some(option) = given.iter().find(|o| !takes.contains(o)) {
            let names: Vec<&str> = takes.iter().map(|o| o.name()).collect();
            let reason = format!("does not apply to {}, which takes {}", target.describe(), names.join(", "));
            return Err(bad(*option, reason));
        }
        if let Some(option) = target.required().iter().find(|o| !given.contains(o)) {
            return Err(bad(*option, format!("{} needs it: {}", target.describe(), BY_VALUES)));
        }
        let definition = &survey.definition;
        let by = self.group_by(conn, &survey)?;
        let filter = Filter {
            include_partial: self.include_partial,
            language: self.language.as_ref().map(|l| language(definition, Opt::Language, l)).transpose()?,
            from: self.from.as_ref().map(|d| day(Opt::From, d)).transpose()?,
            to: self.to.as_ref().map(|d| day(Opt::To, d)).transpose()?,
            answer: self.answer.as_ref().map(|a| answer(definition, a)).transpose()?,
            group_attribute: match &by {
                Some(GroupBy::Attribute(name)) => Some(name.clone()),
                _ => None,
            },
        };
        if let (Some(from), Some(to)) = (&filter.from, &filter.to)
            && from > to
        {
            return Err(bad(Opt::To, format!("{to} is before from ({from}): no response could start in between")));
        }
        if let Some(code) = &self.question {
            definition.open_question(code).map_err(|why| bad(Opt::Question, why))?;
        }
        Ok(Plan {
            target,
            layer: self.layer(conn)?,
            labels: self.labels.as_ref().map(|l| language(definition, Opt::Labels, l)).transpose()?,
            question: self.question.clone(),
            by,
            per: match self.per.as_deref() {
                None | Some("answer") => SourcePer::Answer,
                Some("respondent") => SourcePer::Respondent,
                Some(other) => return Err(bad(Opt::Per, format!("\"{other}\" is not answer or respondent"))),
            },
            texts: match self.texts.as_deref() {
                None => Texts::default(),
                Some("inline") => Texts::Inline,
                Some("files") => Texts::Files,
                Some(other) => return Err(bad(Opt::Texts, format!("\"{other}\" is not inline or files"))),
            },
            missing_codes: match self.missing.as_deref() {
                None | Some("empty") => false,
                Some("codes") => true,
                Some(other) => return Err(bad(Opt::Missing, format!("\"{other}\" is not empty or codes"))),
            },
            filter,
            csv: CsvOptions { bom: self.bom, protect_formulas: !self.no_formula_protection },
            codebook: self.codebook(conn, &survey, target)?,
            request: self.clone(),
            survey,
        })
    }

    fn layer(&self, conn: &Connection) -> Result<Layer, CsvExportError> {
        let text = self.layer.as_deref().unwrap_or("default");
        let layer = Layer::parse(text).ok_or_else(|| {
            bad(Opt::Layer, format!("\"{text}\" is not one of default, union, intersection, consensus or coder:ID"))
        })?;
        if let Layer::Coder(id) = layer
            && crate::accounts::store::find(conn, id)?.is_none()
        {
            return Err(bad(Opt::Layer, format!("coder:{id}: there is no account with the id {id}")));
        }
        Ok(layer)
    }

    fn group_by(&self, conn: &Connection, survey: &StoredSurvey) -> Result<Option<GroupBy>, CsvExportError> {
        let definition = &survey.definition;
        let Some(by) = self.by.as_deref() else { return Ok(None) };
        if by == "language" {
            return Ok(Some(GroupBy::Language));
        }
        if let Some(name) = by.strip_prefix("attribute:") {
            if definition.anonymous {
                return Err(bad(Opt::By, ANONYMOUS));
            }
            let known = crate::distribute::participants::attribute_names(conn, survey.id)?;
            if !known.iter().any(|k| k == name) {
                let has = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                return Err(bad(Opt::By, format!("the participant list has no attribute \"{name}\" (it has: {has})")));
            }
            return Ok(Some(GroupBy::Attribute(name.to_string())));
        }
        match definition.question(by) {
            Some(q) if is_choice(q.kind) => Ok(Some(GroupBy::Question(by.to_string()))),
            Some(_) => Err(bad(Opt::By, format!("{by} is not a single or multiple choice question; {BY_VALUES}"))),
            None => Err(bad(Opt::By, format!("the survey has no question {by}; {BY_VALUES}"))),
        }
    }

    fn codebook(
        &self,
        conn: &Connection,
        survey: &StoredSurvey,
        target: Target,
    ) -> Result<Option<StoredCodebook>, CsvExportError> {
        if let Target::File(what) = target
            && !what.spec().options.contains(&Opt::Codebook)
        {
            return Ok(None);
        }
        // A file that takes a codebook without needing one (the statistics files, the dictionary)
        // goes without when the survey has none.
        let optional = matches!(target, Target::File(what) if !what.spec().needs_codebook);
        let given = self.codebook.map(|id| id.to_string());
        let chosen = codebooks::choose(conn, survey.id, &survey.slug, given.as_deref())?;
        match (chosen, target) {
            (Ok(book), _) => Ok(Some(book)),
            // The page shows the first of several codebooks, and the closed questions without one.
            (Err(NotChosen::Several { .. } | NotChosen::NoCodebook { .. }), Target::AnalysisPage) => {
                Ok(codebooks::for_survey(conn, survey.id)?.into_iter().next())
            }
            // A project is addressed by its codebook: an unknown one is not found.
            (Err(why @ NotChosen::Unknown { .. }), Target::File(What::Qdpx)) => {
                Err(CsvExportError::NotFound(format!("codebook: {why}")))
            }
            (Err(NotChosen::NoCodebook { .. }), _) if optional => Ok(None),
            (Err(why), _) => Err(bad(Opt::Codebook, why.to_string())),
        }
    }
}

/// What `by` may be.
const BY_VALUES: &str = "give a single or multiple choice question's code, language, or attribute:NAME";

/// Why an anonymous survey has no cross-tab by participant attribute.
pub const ANONYMOUS: &str = "the survey is anonymous, so no response is linked to a participant and there are no \
                             participant attributes to group by";

fn is_choice(kind: QuestionType) -> bool {
    matches!(kind, QuestionType::SingleChoice | QuestionType::MultipleChoice)
}

/// A language of the survey.
fn language(definition: &SurveyDefinition, option: Opt, given: &str) -> Result<String, CsvExportError> {
    if definition.languages.iter().any(|l| l == given) {
        return Ok(given.to_string());
    }
    let known = definition.languages.join(", ");
    Err(bad(option, format!("the survey has no language \"{given}\" (it has {known})")))
}

/// A day, `YYYY-MM-DD`.
fn day(option: Opt, given: &str) -> Result<String, CsvExportError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(given, &format)
        .map(|_| given.to_string())
        .map_err(|_| bad(option, format!("\"{given}\" is not a day written YYYY-MM-DD, such as 2026-03-31")))
}

/// `QUESTION=CHOICE`: a choice (or `other`) of a single or multiple choice question.
fn answer(definition: &SurveyDefinition, given: &str) -> Result<(String, String), CsvExportError> {
    let example = "give QUESTION=CHOICE, a single or multiple choice question's code and one of its choices";
    let (code, choice) = given.split_once('=').ok_or_else(|| bad(Opt::Answer, format!("\"{given}\": {example}")))?;
    let (code, choice) = (code.trim(), choice.trim());
    let question = match definition.question(code) {
        Some(q) if is_choice(q.kind) => q,
        Some(_) => return Err(bad(Opt::Answer, format!("{code} is not a single or multiple choice question"))),
        None => return Err(bad(Opt::Answer, format!("the survey has no question {code}; {example}"))),
    };
    if question.choice(choice).is_none() && !(question.other && choice == "other") {
        let mut choices: Vec<&str> = question.choices.iter().map(|c| c.code.as_str()).collect();
        choices.extend(question.other.then_some("other"));
        return Err(bad(Opt::Answer, format!("{code} has no choice {choice} (it has {})", choices.join(", "))));
    }
    Ok((code.to_string(), choice.to_string()))
}
