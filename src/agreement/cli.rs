//! The `fieldwork agreement` command: reads codings from a CSV file and prints the agreement
//! table, per code or (with `--exclusive`) for the codebook as one nominal variable.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::PathBuf;

use super::csv_input::read_codings;
use super::error::AgreementError;
use super::report::{write_csv, write_table};
use super::table::{Bootstrap, exclusive_table, per_code_table};

/// Inter-coder agreement (percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha
/// with a 95% bootstrap interval) per code and overall.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct AgreementArgs {
    /// CSV file with the columns unit, coder, code (any order; other columns are ignored): one
    /// row per code a coder applied to a unit; an empty code means the coder saw the unit and
    /// applied no code.
    #[arg(long, value_name = "FILE.csv")]
    pub input: PathBuf,

    /// Treat the codebook as one nominal variable: each coder gives a unit at most one code, and
    /// a coder who saw a unit without coding it gives it "none". Prints the ALL row only.
    #[arg(long)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// An aligned table with a reading guide.
    Table,
    /// CSV with six-decimal numbers and empty cells for undefined values.
    Csv,
}

/// Runs `fieldwork agreement`, writing the table to `out`.
pub fn run(args: &AgreementArgs, out: &mut dyn Write) -> Result<(), AgreementError> {
    let file = File::open(&args.input).map_err(|source| AgreementError::Open { path: args.input.clone(), source })?;
    let input = read_codings(BufReader::new(file))?;
    let bootstrap = Bootstrap { draws: args.bootstrap, seed: args.seed };
    let rows = if args.exclusive {
        exclusive_table(&input.codings, bootstrap)
    } else {
        per_code_table(&input.codings, &[], bootstrap)
    }
    .map_err(|error| error.on_lines(&input.lines))?;
    match args.format {
        OutputFormat::Table => write_table(&rows, out),
        OutputFormat::Csv => write_csv(&rows, out),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::agreement::report::spreadsheet_safe;
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
        let args = AgreementArgs { input: input_file(name, text), exclusive, format, seed: 1, bootstrap: 200 };
        let mut out = Vec::new();
        run(&args, &mut out)?;
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
        let expected = [names[0], names[3], names[1], names[2], ALL].map(spreadsheet_safe);
        assert_eq!(codes, expected);
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
                              krippendorff_alpha,alpha_ci_low,alpha_ci_high"
        );
        assert!(lines[1].starts_with("X,3,2,0.666667,0.400000,0.333333,0.444444,"), "{}", lines[1]);
        assert!(lines[2].starts_with("ALL,3,2,0.666667,"));
    }

    #[test]
    fn the_table_lines_up_and_says_how_to_read_alpha() {
        let text = "unit,coder,code\nu1,ann,a long code name\nu1,bob,X\nu2,ann,X\nu2,bob,X\n";
        let table = run_on("table.csv", text, false, OutputFormat::Table).unwrap();
        let lines: Vec<&str> = table.lines().collect();
        let units_column_end = |line: &str| line.find("units").map(|at| at + "units".len());
        let end = units_column_end(lines[0]).unwrap();
        for line in &lines[2..5] {
            assert_eq!(line.chars().nth(end - 1).map(|c| c.is_ascii_digit()), Some(true), "{line}");
        }
        assert!(lines[4].starts_with("ALL "));
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
            input: PathBuf::from("/nonexistent/codings.csv"),
            exclusive: false,
            format: OutputFormat::Table,
            seed: 1,
            bootstrap: 0,
        };
        let error = run(&args, &mut Vec::new()).unwrap_err().to_string();
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
