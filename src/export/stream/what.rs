//! The export files: `What` names each, and `What::spec` says everything else about it in one
//! place — its address, title and description, the options it takes, whether it needs a
//! codebook, and its format. Adding an export is one variant and its arm here, and its writer's
//! arm in `files::writer` (the compiler asks for both); the command line, the export page, the
//! download address and the checks of `resolve` follow from the spec.

use clap::ValueEnum;

use super::request::Opt;

/// The export files, by the name used on the command line (`--what`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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
    /// Codes by the choices of a closed question, by language or by a participant attribute.
    Crosstab,
    /// Pairs of codes applied to the same answer.
    Cooccurrence,
    /// Frequencies of the closed questions' answers.
    Closed,
    /// A REFI-QDA project (a zip) for ATLAS.ti, MAXQDA, NVivo or QualCoder; needs --out.
    Qdpx,
    /// An SPSS system file (.sav) with variable and value labels; needs --out.
    Spss,
    /// A Stata 118 dataset (.dta) with variable and value labels; needs --out.
    Stata,
    /// A zip of a CSV and the R script that reads it with factor levels and labels; needs --out.
    R,
}

/// What kind of file an export is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A CSV file, written record by record.
    Csv,
    /// Any other file (a zip, a statistics package's format), written as it is produced.
    File {
        /// The name's ending; the download is saved as `SLUG.EXTENSION`.
        extension: &'static str,
        content_type: &'static str,
    },
}

/// Everything about one export file.
#[derive(Clone, Copy)]
pub struct Spec {
    /// As on the command line (`--what`) and in the audit log.
    pub name: &'static str,
    /// The file in the download address, `/surveys/SLUG/export/FILE`.
    pub url: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The options it takes; any other one given is refused. CSV files also take `bom` and
    /// `no_formula_protection`.
    pub options: &'static [Opt],
    /// Options it cannot do without.
    pub required: &'static [Opt],
    /// Whether it is about coding, and so needs a codebook.
    pub needs_codebook: bool,
    /// Whether it holds the codes of one coding layer, so that the answers the default layer
    /// leaves out are counted for the command line's note.
    pub follows_layer: bool,
    pub format: Format,
}

/// The options of the cross-tab, and so of the analysis page, which shows it with the other tables.
pub const CROSSTAB: &[Opt] = &[
    Opt::Codebook,
    Opt::Layer,
    Opt::Question,
    Opt::By,
    Opt::IncludePartial,
    Opt::Language,
    Opt::From,
    Opt::To,
    Opt::Answer,
];

/// The options of the statistics packages' files: the codebook whose layer becomes 0/1
/// variables, the language of the labels, the missing-data codes, and the filters.
const LABELLED: &[Opt] = &[
    Opt::Codebook,
    Opt::Layer,
    Opt::Labels,
    Opt::Missing,
    Opt::IncludePartial,
    Opt::Language,
    Opt::From,
    Opt::To,
    Opt::Answer,
];

/// The options of the analysis tables: the coding layer, one open question and the filters.
const TABLE: &[Opt] =
    &[Opt::Codebook, Opt::Layer, Opt::Question, Opt::IncludePartial, Opt::Language, Opt::From, Opt::To, Opt::Answer];

impl What {
    /// Every export, in the order the export page lists them.
    pub fn all() -> impl Iterator<Item = What> {
        What::value_variants().iter().copied()
    }

    pub fn spec(self) -> Spec {
        match self {
            What::Responses => csv(
                "responses",
                "responses.csv",
                "Responses",
                "One row per response; one column per answer in survey order (Q2/open_access for a ticked \
                 choice, Q5/row for a matrix row, Q/other for an Other text).",
                &[Opt::Labels, Opt::Missing, Opt::IncludePartial, Opt::Language, Opt::From, Opt::To, Opt::Answer],
            ),
            What::CodebookDictionary => Spec {
                // With a codebook it also maps the coded variables of the SPSS, Stata and R files.
                needs_codebook: false,
                follows_layer: false,
                ..csv(
                    "codebook-dictionary",
                    "codebook-dictionary.csv",
                    "Data dictionary",
                    "One row per column of the responses file: its question, type, and codes with labels; and the \
                     variable each becomes in SPSS, Stata and R with the number each code is written as (and, with \
                     a codebook, the coded variables).",
                    &[Opt::Labels, Opt::Codebook, Opt::Missing],
                )
            },
            What::Codings => Spec {
                // Every coder's codings and the consensus: no one layer.
                follows_layer: false,
                ..csv(
                    "codings",
                    "codings.csv",
                    "Codings",
                    "One row per code applied to an answer, by every coder and the consensus, with the passage, \
                     the answer and the coder's memos.",
                    &[
                        Opt::Codebook,
                        Opt::Question,
                        Opt::IncludePartial,
                        Opt::Language,
                        Opt::From,
                        Opt::To,
                        Opt::Answer,
                    ],
                )
            },
            What::CodeMatrix => csv(
                "code-matrix",
                "code-matrix.csv",
                "Code matrix",
                "One row per coded answer, one 0/1 column per code, in a coding layer.",
                TABLE,
            ),
            What::Tallies => csv(
                "tallies",
                "tallies.csv",
                "Code tallies",
                "Answers and respondents per code, as on the analysis page.",
                TABLE,
            ),
            What::Crosstab => Spec {
                required: &[Opt::By],
                ..csv(
                    "crosstab",
                    "crosstab.csv",
                    "Cross-tab",
                    "Respondents with each code by the choices of a closed question, by language or by a \
                     participant attribute.",
                    CROSSTAB,
                )
            },
            What::Cooccurrence => csv(
                "cooccurrence",
                "cooccurrence.csv",
                "Co-occurrence",
                "Pairs of codes applied to the same answer, with the c-coefficient.",
                TABLE,
            ),
            What::Closed => csv(
                "closed",
                "closed.csv",
                "Closed questions",
                "How often each choice of each closed question was given.",
                &Opt::FILTERS,
            ),
            What::Qdpx => Spec {
                name: "qdpx",
                url: "project.qdpx",
                title: "REFI-QDA project",
                description: "The open answers with their codings, the codebook, the coders' memos and each \
                              respondent's closed answers, as one project for ATLAS.ti, MAXQDA, NVivo or QualCoder \
                              (a zip; complete responses only).",
                options: &[Opt::Codebook, Opt::Layer, Opt::Per, Opt::Texts],
                required: &[],
                needs_codebook: true,
                // By default every coder's codings and the consensus.
                follows_layer: false,
                format: Format::File { extension: "qdpx", content_type: "application/zip" },
            },
            What::Spss => labelled(
                "spss",
                "responses.sav",
                "SPSS",
                "An SPSS system file: one case per response, variables named for SPSS, with the questions as \
                 variable labels and the choices as value labels (1…n in questionnaire order; 0/1 per choice of a \
                 multiple choice), dates as dates, and with a codebook a 0/1 variable per open question and code \
                 of the coding layer. Also read by PSPP, jamovi and pyreadstat.",
                Format::File { extension: "sav", content_type: "application/x-spss-sav" },
            ),
            What::Stata => labelled(
                "stata",
                "responses.dta",
                "Stata",
                "A Stata 118 dataset with the same variables as the SPSS file, named for Stata, with variable and \
                 value labels.",
                Format::File { extension: "dta", content_type: "application/x-stata-dta" },
            ),
            What::R => labelled(
                "r",
                "responses-r.zip",
                "R",
                "A zip of the responses as CSV (codes as numbers) and an R script in base R that reads them \
                 with factor levels and labels, dates as dates and each variable's label.",
                Format::File { extension: "r.zip", content_type: "application/zip" },
            ),
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn parse(name: &str) -> Option<What> {
        What::all().find(|w| w.name() == name)
    }

    /// The file addressed by `/surveys/SLUG/export/FILE`.
    pub fn at_url(file: &str) -> Option<What> {
        What::all().find(|w| w.spec().url == file)
    }

    pub fn is_csv(self) -> bool {
        self.spec().format == Format::Csv
    }

    /// Every option the file takes: its own, and for a CSV file the two of every CSV file.
    pub fn takes(self) -> Vec<Opt> {
        let mut options = self.spec().options.to_vec();
        if self.is_csv() {
            options.extend([Opt::Bom, Opt::NoFormulaProtection]);
        }
        options
    }

    pub fn content_type(self) -> &'static str {
        match self.spec().format {
            Format::Csv => "text/csv; charset=utf-8",
            Format::File { content_type, .. } => content_type,
        }
    }

    /// The name a download is saved under.
    pub fn file_name(self, slug: &str) -> String {
        match self.spec().format {
            Format::Csv => format!("{slug}-{}", self.spec().url),
            Format::File { extension, .. } => format!("{slug}.{extension}"),
        }
    }
}

/// A statistics package's file: it takes a codebook without needing one (without, it has no
/// coded variables), and follows the layer.
fn labelled(
    name: &'static str,
    url: &'static str,
    title: &'static str,
    description: &'static str,
    format: Format,
) -> Spec {
    Spec {
        name,
        url,
        title,
        description,
        options: LABELLED,
        required: &[],
        needs_codebook: false,
        follows_layer: true,
        format,
    }
}

/// A CSV file's spec: it needs a codebook when it takes one, and follows the layer it takes.
fn csv(
    name: &'static str,
    url: &'static str,
    title: &'static str,
    description: &'static str,
    options: &'static [Opt],
) -> Spec {
    Spec {
        name,
        url,
        title,
        description,
        options,
        required: &[],
        needs_codebook: options.contains(&Opt::Codebook),
        follows_layer: options.contains(&Opt::Layer),
        format: Format::Csv,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_spec_is_named_as_the_command_line_names_it() {
        for what in What::all() {
            let clap = what.to_possible_value().map(|v| v.get_name().to_string());
            assert_eq!(clap.as_deref(), Some(what.name()));
            assert_eq!(What::parse(what.name()), Some(what));
            assert_eq!(What::at_url(what.spec().url), Some(what));
            for required in what.spec().required {
                assert!(what.spec().options.contains(required), "{}: a required option is taken", what.name());
            }
        }
    }
}
