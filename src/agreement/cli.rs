//! The `fieldwork agreement` command: reads codings from a CSV file, or from the database as the
//! agreement page does, and prints the agreement report, per code or (with `--exclusive`) for the
//! codebook as one nominal variable.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use super::codebook::Report;
use super::csv_input::read_codings;
use super::database::{self, Selection};
use super::error::AgreementError;
use super::report::{write_csv, write_table};
use super::table::Bootstrap;

/// Inter-coder agreement (percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha
/// with a 95% bootstrap interval) per code, with a summary of the codes used and the pooled
/// figure; from a CSV file (`--input`) or from a survey's codings in the database (`--survey`).
#[derive(Debug, Clone, PartialEq, Eq, Default, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["input", "survey"])))]
pub struct AgreementArgs {
    /// CSV file with the columns unit, coder, code (any order; other columns are ignored): one
    /// row per code a coder applied to a unit; an empty code means the coder saw the unit and
    /// applied no code. fieldwork's `codings` export is read as it is: with a `layer` column only
    /// coder rows count, with a `done` column only answers the coder marked done, and with a
    /// `span_start` column a code applied to the whole answer and to passages counts once.
    #[arg(long, value_name = "FILE.csv")]
    pub input: Option<PathBuf>,

    /// The survey (its address) whose codings to read from the database, exactly as its
    /// codebook's agreement page does, answers marked done without a code included.
    #[arg(long, value_name = "SLUG")]
    pub survey: Option<String>,

    /// With --survey: the codebook, by id or name; needed only when the survey has several.
    #[arg(long, value_name = "ID|NAME", requires = "survey")]
    pub codebook: Option<String>,

    /// With --survey: only codings made under this published codebook version.
    #[arg(long, value_name = "N", requires = "survey")]
    pub codebook_version: Option<i64>,

    /// With --survey: only the answers to this open question.
    #[arg(long, value_name = "CODE", requires = "survey")]
    pub question: Option<String>,

    /// With --survey: instead of agreement between coders, the respondents' closed answers
    /// against the coding of their open answers, for each of the codebook's closed-answer
    /// mappings (docs/agreement.md): the figures, the counts and the responses that differ.
    #[arg(long, requires = "survey", conflicts_with_all = ["question", "codebook_version"])]
    pub closed: bool,

    /// Treat the codebook as one nominal variable: each coder gives a unit at most one code, and
    /// a coder who saw a unit without coding it gives it "none". Prints the ALL row only.
    /// (With --survey, each mutually exclusive category is already one variable.)
    #[arg(long, conflicts_with = "survey")]
    pub exclusive: bool,

    /// Output format: an aligned table for reading, or CSV for spreadsheets and scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Seed of the bootstrap: the same seed gives the same confidence intervals.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// Number of bootstrap resamples for each alpha's 95% confidence interval (0: none).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub bootstrap: usize,
}

/// How the table is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned table with a reading guide.
    #[default]
    Table,
    /// CSV with six-decimal numbers and empty cells for undefined values.
    Csv,
}

/// Runs `fieldwork agreement`, reading `--survey` from the database at `db`, and writes the
/// report to `out`.
pub fn run(args: &AgreementArgs, db: &Path, out: &mut dyn Write) -> Result<(), AgreementError> {
    let bootstrap = Bootstrap { draws: args.bootstrap, seed: args.seed };
    if let (true, Some(survey)) = (args.closed, &args.survey) {
        crate::db::migrate(db)?;
        let conn = crate::db::open(db)?;
        let (_, book) = database::codebook(&conn, survey, args.codebook.as_deref())?;
        let report = super::closed::report::closed_comparison(&conn, book.id, bootstrap)?;
        return match args.format {
            OutputFormat::Table => super::closed::text::write_table(&report, out),
            OutputFormat::Csv => super::closed::csv::write_csv(&report, out),
        };
    }
    let report = match (&args.input, &args.survey) {
        (Some(input), _) => from_file(input, args.exclusive, bootstrap)?,
        (None, Some(survey)) => {
            crate::db::migrate(db)?;
            let conn = crate::db::open(db)?;
            let selection = Selection {
                survey,
                codebook: args.codebook.as_deref(),
                version: args.codebook_version,
                question: args.question.as_deref(),
            };
            let (book, codings) = database::codings(&conn, selection)?;
            Report::per_code(&codings, Some(&book.draft), bootstrap)?
        }
        (None, None) => return Err(AgreementError::Selection("give --input FILE.csv or --survey SLUG".into())),
    };
    match args.format {
        OutputFormat::Table => write_table(&report, out),
        OutputFormat::Csv => write_csv(&report, out),
    }
}

fn from_file(input: &Path, exclusive: bool, bootstrap: Bootstrap) -> Result<Report, AgreementError> {
    let file = File::open(input).map_err(|source| AgreementError::Open { path: input.to_owned(), source })?;
    let read = read_codings(BufReader::new(file))?;
    let report = if exclusive {
        Report::exclusive(&read.codings, bootstrap)
    } else {
        Report::per_code(&read.codings, None, bootstrap)
    };
    report.map_err(|error| error.on_lines(&read.lines))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::agreement::report::{SUMMARY_PREFIX, spreadsheet_safe};
    use crate::agreement::summary::POOLED;
    use crate::agreement::table::ALL;

    /// Writes `text` to a file of its own under the system's temp dir.
    fn input_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fieldwork-agreement-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn run_on(name: &str, text: &str, exclusive: bool, format: OutputFormat) -> Result<String, AgreementError> {
        let input = Some(input_file(name, text));
        let args = AgreementArgs { input, exclusive, format, seed: 1, bootstrap: 200, ..AgreementArgs::default() };
        let mut out = Vec::new();
        run(&args, Path::new("unused.db"), &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn awkward_code_names_survive_the_csv_path() {
        let names = ["comma, code", "say \"hi\"", "Ünïcødé 日本", "=SUM(A1)"];
        let mut text = String::from("unit,coder,code\n");
        for (unit, name) in ["u1", "u2", "u3"].iter().zip(names.iter().cycle()) {
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            text.push_str(&format!("{unit},ann,{quoted}\n{unit},bob,{quoted}\n{unit},bob,\"{}\"\n", names[3]));
        }
        let output = run_on("awkward.csv", &text, false, OutputFormat::Csv).unwrap();
        let mut reader = csv::Reader::from_reader(output.as_bytes());
        let codes: Vec<String> = reader.records().map(|record| record.unwrap()[0].to_owned()).collect();
        let (table, summary): (Vec<String>, Vec<String>) =
            codes.into_iter().partition(|code| !code.starts_with(SUMMARY_PREFIX));
        let expected = [names[0], names[3], names[1], names[2], ALL].map(spreadsheet_safe);
        assert_eq!(table, expected);
        assert_eq!(summary.len(), 7, "{summary:?}");
        let table = run_on("awkward.csv", &text, false, OutputFormat::Table).unwrap();
        assert!(table.contains("Ünïcødé 日本") && table.contains("n/a") && table.contains("≥ .800"));
    }

    #[test]
    fn the_csv_output_has_the_documented_header_and_six_decimals() {
        let text = "unit,coder,code\nu1,ann,X\nu1,bob,X\nu2,ann,\nu2,bob,X\nu3,ann,\nu3,bob,\n";
        let output = run_on("decimals.csv", text, false, OutputFormat::Csv).unwrap();
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(
            lines[0],
            "code,units,coders,percent_agreement,cohen_kappa,fleiss_kappa,\
                              krippendorff_alpha,alpha_ci_low,alpha_ci_high,reading"
        );
        assert!(lines[1].starts_with("X,3,2,0.666667,0.400000,0.333333,0.444444,"), "{}", lines[1]);
        assert!(lines[1].ends_with(",unreliable"), "{}", lines[1]);
        assert!(lines[2].starts_with("ALL,3,2,0.666667,"));
        assert!(lines[2].ends_with(&format!(",{POOLED}")), "the pooled row says what it is: {}", lines[2]);
        assert_eq!(
            lines[3..],
            [
                "summary: codes used,,,,,,,,,1",
                "summary: lowest alpha,,,,,,0.444444,,,X",
                "summary: median alpha,,,,,,0.444444,,,",
                "summary: below .667,,,,,,,,,X",
                "summary: below .800,,,,,,,,,X",
                "summary: alpha undefined,,,,,,,,,",
                "summary: verdict,,,,,,,,,1 code in use below .667: conclusions drawn from it are not supported; \
                 the codebook is not reliable as a whole.",
            ]
        );
    }

    #[test]
    fn the_table_lines_up_and_says_how_to_read_alpha() {
        let text = "unit,coder,code\nu1,ann,a long code name\nu1,bob,X\nu2,ann,X\nu2,bob,X\n";
        let table = run_on("table.csv", text, false, OutputFormat::Table).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "Summary (per-code Krippendorff's α of the codes used):");
        assert_eq!(lines[1], "  Codes used: 2");
        let header = lines.iter().position(|line| line.starts_with("code ")).unwrap();
        let units_column_end = |line: &str| line.find("units").map(|at| at + "units".len());
        let end = units_column_end(lines[header]).unwrap();
        for line in &lines[header + 2..header + 5] {
            assert_eq!(line.chars().nth(end - 1).map(|c| c.is_ascii_digit()), Some(true), "{line}");
        }
        assert!(lines[header + 4].starts_with("ALL "));
        assert!(table.contains(&format!("\nALL: {POOLED}.\n")));
        assert!(table.ends_with("two coders).\n"));
    }

    #[test]
    fn the_command_says_which_lines_conflict() {
        let duplicate = "unit,coder,code\nu1,ann,X\nu1,bob,X\nu1,ann,X\n";
        let error = run_on("dup.csv", duplicate, false, OutputFormat::Csv).unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 4: coder \"ann\" applied code \"X\" to unit \"u1\" a second time (first on line 2)"
        );
        let double = "unit,coder,code\nu1,ann,X\nu1,bob,X\n\"u1\",ann,Y\n";
        let error = run_on("double.csv", double, true, OutputFormat::Csv).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("line 4: coder \"ann\" gave unit \"u1\" a second code, \"Y\", besides \"X\" (line 2)"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_input_file_is_named() {
        let args = AgreementArgs {
            input: Some(PathBuf::from("/nonexistent/codings.csv")),
            format: OutputFormat::Table,
            seed: 1,
            ..AgreementArgs::default()
        };
        let error = run(&args, Path::new("unused.db"), &mut Vec::new()).unwrap_err().to_string();
        assert!(error.starts_with("cannot read /nonexistent/codings.csv: "), "{error}");
    }

    #[test]
    fn the_arguments_default_to_a_table_a_fixed_seed_and_1000_draws() {
        use clap::Parser;
        #[derive(Parser)]
        struct Command {
            #[command(flatten)]
            args: AgreementArgs,
        }
        let parsed = Command::try_parse_from(["agreement", "--input", "c.csv"]).unwrap().args;
        assert_eq!(
            (parsed.format, parsed.seed, parsed.bootstrap, parsed.exclusive),
            (OutputFormat::Table, 1, 1000, false)
        );
        let parsed = Command::try_parse_from([
            "agreement",
            "--input",
            "c.csv",
            "--format",
            "csv",
            "--exclusive",
            "--seed",
            "9",
            "--bootstrap",
            "5",
        ]);
        let parsed = parsed.unwrap().args;
        assert_eq!((parsed.format, parsed.seed, parsed.bootstrap, parsed.exclusive), (OutputFormat::Csv, 9, 5, true));
    }
}
