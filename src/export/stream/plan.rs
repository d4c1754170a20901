//! What an export is asked for (`What`, `ExportOptions`), checked against the survey and its
//! codebooks: `resolve` gives the `Plan` the writers follow, or says what is wrong.

use std::io;

use rusqlite::Connection;

use crate::analysis::data::Filter;
use crate::analysis::tables::GroupBy;
use crate::codebook::store::{self as codebooks, NotChosen, StoredCodebook};
use crate::coding::layers::Layer;
use crate::csv_out::CsvOptions;
use crate::db::DbError;
use crate::export::qdpx::{self, SourcePer, Texts};
use crate::survey::model::QuestionType;
use crate::survey::store::StoredSurvey;

/// The export files, by the name used on the command line and in URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    /// One row per response, one column per answer (wide).
    Responses,
    /// What each column of `responses` holds.
    CodebookDictionary,
    /// One row per code applied to an answer (long).
    Codings,
    /// One row per coded answer, one 0/1 column per code, in a coding layer.
    CodeMatrix,
    /// Answers and respondents per code.
    Tallies,
    /// Codes by the choices of a closed question, or by language.
    Crosstab,
    /// Pairs of codes applied to the same answer.
    Cooccurrence,
    /// Frequencies of the closed questions' answers.
    Closed,
    /// A REFI-QDA project (a zip) for ATLAS.ti, MAXQDA, NVivo or QualCoder; needs --out.
    Qdpx,
}

impl What {
    pub const ALL: [What; 9] = [
        What::Responses,
        What::CodebookDictionary,
        What::Codings,
        What::CodeMatrix,
        What::Tallies,
        What::Crosstab,
        What::Cooccurrence,
        What::Closed,
        What::Qdpx,
    ];

    pub fn name(self) -> &'static str {
        match self {
            What::Responses => "responses",
            What::CodebookDictionary => "codebook-dictionary",
            What::Codings => "codings",
            What::CodeMatrix => "code-matrix",
            What::Tallies => "tallies",
            What::Crosstab => "crosstab",
            What::Cooccurrence => "cooccurrence",
            What::Closed => "closed",
            What::Qdpx => "qdpx",
        }
    }

    pub fn parse(name: &str) -> Option<What> {
        What::ALL.into_iter().find(|w| w.name() == name)
    }

    /// Whether the file is about coding, and so needs a codebook.
    pub fn needs_codebook(self) -> bool {
        matches!(
            self,
            What::Codings | What::CodeMatrix | What::Tallies | What::Crosstab | What::Cooccurrence | What::Qdpx
        )
    }

    /// Whether the file holds the codes of one coding layer (`qdpx` takes a layer too, but by
    /// default every coder's codings and the consensus).
    pub fn follows_layer(self) -> bool {
        matches!(self, What::CodeMatrix | What::Tallies | What::Crosstab | What::Cooccurrence)
    }

    /// Every file is CSV but the REFI-QDA project, a zip.
    pub fn is_csv(self) -> bool {
        self != What::Qdpx
    }

    /// The file's name in its download address (`/surveys/SLUG/export/…`).
    pub fn url_file(self) -> String {
        if self.is_csv() { format!("{}.csv", self.name()) } else { "project.qdpx".into() }
    }

    /// The name a download is saved under.
    pub fn file_name(self, slug: &str) -> String {
        if self.is_csv() { format!("{slug}-{}.csv", self.name()) } else { format!("{slug}.qdpx") }
    }
}

/// The options of an export as given (command-line flags or query parameters), not yet checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportOptions {
    pub codebook: Option<i64>,
    /// `default`, `union`, `intersection`, `consensus` or `coder:ID`.
    pub layer: Option<String>,
    /// Choice labels in this language instead of codes (`responses`), or the dictionary's language.
    pub labels: Option<String>,
    /// Only this open question (coding exports and analysis tables).
    pub question: Option<String>,
    /// Cross-tab groups: a closed question's code, or `language`.
    pub by: Option<String>,
    /// What one text source of a `qdpx` holds: `answer` or `respondent`.
    pub per: Option<String>,
    /// Where a `qdpx` puts the sources' texts: `inline` (in project.qde) or `files`.
    pub texts: Option<String>,
    /// What an empty answer cell holds (`responses`, and the dictionary says so): `empty`, or
    /// `codes`, the survey's code for why it is empty.
    pub missing: Option<String>,
    pub include_partial: bool,
    pub csv: CsvOptions,
}

/// A checked export: everything needed to write it.
#[derive(Debug, Clone)]
pub struct Plan {
    pub what: What,
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
    pub include_partial: bool,
    pub csv: CsvOptions,
}

impl Plan {
    /// The language texts are written in: the one asked for, else the survey's default.
    pub fn language(&self) -> &str {
        self.labels.as_deref().unwrap_or(&self.survey.definition.default_language)
    }

    /// The export and its options, for the audit log.
    pub fn describe(&self) -> String {
        let mut parts = vec![self.what.name().to_string()];
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
        if self.what == What::Qdpx {
            parts.push(format!(
                "one source per {}",
                if self.per == SourcePer::Answer { "answer" } else { "respondent" }
            ));
            parts.push(if self.texts == Texts::Inline { "texts inline" } else { "texts in files" }.into());
        }
        if self.missing_codes {
            parts.push("missing-data codes".into());
        }
        if self.include_partial {
            parts.push("with partial responses".into());
        }
        if !self.csv.protect_formulas {
            parts.push("without formula protection".into());
        }
        parts.join(", ")
    }

    /// The analysis filter the same options mean.
    pub(super) fn filter(&self) -> Filter {
        let group_attribute = match &self.by {
            Some(GroupBy::Attribute(name)) => Some(name.clone()),
            _ => None,
        };
        Filter { include_partial: self.include_partial, group_attribute, ..Filter::default() }
    }
}

/// Why an export was not made.
#[derive(Debug, thiserror::Error)]
pub enum CsvExportError {
    /// The survey does not exist.
    #[error("{0}")]
    NotFound(String),
    /// An option that cannot be used; the message says why and what would do.
    #[error("{0}")]
    BadOption(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("could not write the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("could not write the CSV: {0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Project(#[from] qdpx::ExportError),
}

impl From<rusqlite::Error> for CsvExportError {
    fn from(err: rusqlite::Error) -> Self {
        CsvExportError::Db(err.into())
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
            CsvExportError::Csv(err) => match err.kind() {
                csv::ErrorKind::Io(err) => Some(err),
                _ => None,
            },
            _ => None,
        };
        io.is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    }
}

pub(super) fn bad(message: impl Into<String>) -> CsvExportError {
    CsvExportError::BadOption(message.into())
}

/// Checks the options against the survey and its codebooks.
pub fn resolve(conn: &Connection, slug: &str, what: What, options: &ExportOptions) -> Result<Plan, CsvExportError> {
    let survey = crate::survey::store::find_by_slug(conn, slug)?
        .ok_or_else(|| CsvExportError::NotFound(format!("there is no survey with the address \"{slug}\"")))?;
    let definition = &survey.definition;
    let layer_text = options.layer.as_deref().unwrap_or("default");
    let layer = Layer::parse(layer_text).ok_or_else(|| {
        bad(format!("layer \"{layer_text}\" is not one of default, union, intersection, consensus or coder:ID"))
    })?;
    if let Layer::Coder(id) = layer {
        let known: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)", [id], |r| r.get(0))?;
        if !known {
            return Err(bad(format!("layer coder:{id}: there is no account with the id {id}")));
        }
    }
    if let Some(language) = &options.labels
        && !definition.languages.contains(language)
    {
        let known = definition.languages.join(", ");
        return Err(bad(format!("labels: the survey has no language \"{language}\" (it has {known})")));
    }
    if let Some(code) = &options.question {
        definition.open_question(code).map_err(|why| bad(format!("question: {why}")))?;
    }
    let by = match options.by.as_deref() {
        None => None,
        Some("language") => Some(GroupBy::Language),
        Some(by) if by.starts_with("attribute:") => {
            let name = &by["attribute:".len()..];
            let known = crate::distribute::participants::attribute_names(conn, survey.id)?;
            if definition.anonymous {
                return Err(bad("by: an anonymous survey links no response to a participant's attributes".to_string()));
            }
            if !known.iter().any(|k| k == name) {
                return Err(bad(format!(
                    "by: the participant list has no attribute \"{name}\" (it has: {})",
                    known.join(", ")
                )));
            }
            Some(GroupBy::Attribute(name.to_string()))
        }
        Some(code) => match definition.question(code) {
            Some(q) if matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice) => {
                Some(GroupBy::Question(code.to_string()))
            }
            Some(_) => return Err(bad(format!("by: {code} is not a single or multiple choice question"))),
            None => return Err(bad(format!("by: the survey has no question {code} (or use by=language)"))),
        },
    };
    if what == What::Crosstab && by.is_none() {
        return Err(bad("crosstab needs by: a single or multiple choice question's code, or language"));
    }
    let per = match (options.per.as_deref(), what) {
        (None, _) => SourcePer::Answer,
        (Some(_), w) if w.is_csv() => return Err(bad("per applies only to qdpx")),
        (Some("answer"), _) => SourcePer::Answer,
        (Some("respondent"), _) => SourcePer::Respondent,
        (Some(other), _) => return Err(bad(format!("per: \"{other}\" is not answer or respondent"))),
    };
    let texts = match (options.texts.as_deref(), what) {
        (None, _) => Texts::default(),
        (Some(_), w) if w.is_csv() => return Err(bad("texts applies only to qdpx")),
        (Some("inline"), _) => Texts::Inline,
        (Some("files"), _) => Texts::Files,
        (Some(other), _) => return Err(bad(format!("texts: \"{other}\" is not inline or files"))),
    };
    let missing_codes = match (options.missing.as_deref(), what) {
        (None | Some("empty"), _) => false,
        (Some(_), w) if !matches!(w, What::Responses | What::CodebookDictionary) => {
            return Err(bad("missing applies only to responses and codebook-dictionary"));
        }
        (Some("codes"), _) => true,
        (Some(other), _) => return Err(bad(format!("missing: \"{other}\" is not empty or codes"))),
    };
    if what == What::Qdpx {
        // The project has every complete response and open question, in no spreadsheet: a CSV
        // option would be silently ignored, so it is refused.
        let csv_only = [
            ("labels", options.labels.is_some()),
            ("question", options.question.is_some()),
            ("by", options.by.is_some()),
            ("include_partial", options.include_partial),
            ("bom", options.csv.bom),
            ("no_formula_protection", !options.csv.protect_formulas),
        ];
        if let Some((name, _)) = csv_only.iter().find(|(_, given)| *given) {
            return Err(bad(format!("{name} applies only to the CSV files, not to qdpx")));
        }
    }
    // A project is addressed by its codebook: an unknown one is not found. For a CSV file it is
    // one option among others.
    let unknown = if what == What::Qdpx { CsvExportError::NotFound } else { CsvExportError::BadOption };
    let codebook =
        if what.needs_codebook() { Some(choose_codebook(conn, &survey, options.codebook, unknown)?) } else { None };
    Ok(Plan {
        what,
        codebook,
        layer,
        labels: options.labels.clone(),
        question: options.question.clone(),
        by,
        per,
        texts,
        missing_codes,
        include_partial: options.include_partial,
        csv: options.csv,
        survey,
    })
}

fn choose_codebook(
    conn: &Connection,
    survey: &StoredSurvey,
    id: Option<i64>,
    unknown: fn(String) -> CsvExportError,
) -> Result<StoredCodebook, CsvExportError> {
    let given = id.map(|id| id.to_string());
    codebooks::choose(conn, survey.id, &survey.slug, given.as_deref())?.map_err(|why| match why {
        NotChosen::Unknown { .. } => unknown(format!("codebook: {why}")),
        other => bad(other.to_string()),
    })
}
