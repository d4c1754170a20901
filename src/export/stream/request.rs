//! What an export, an analysis table or the analysis page is asked for: `ExportRequest`, the one
//! declaration of the options, read by clap from the command line (`--include-partial`) and by
//! serde from a query string (`include_partial=1`), and checked by `ExportRequest::resolve`
//! (plan.rs). `Opt` names each option, for the rule of which file takes which (what.rs) and for
//! the forms that offer them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The options of an export, as given and not yet checked. A value left empty in a form counts as
/// not given; an option nobody knows is refused (`from_query`, clap).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// Which codebook (the coding files, the analysis tables, qdpx; the data dictionary and the
    /// SPSS, Stata and R files, whose coded variables it gives), when the survey has several.
    #[arg(long, value_name = "ID")]
    #[serde(default, deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub codebook: Option<i64>,
    /// The coding layer (code-matrix, the analysis tables and qdpx): default (the consensus where
    /// reconciled, else the codes the coders who finished an answer agree on; an answer they
    /// disagree on is left out until reconciled, and the count is printed; for qdpx every coder's
    /// codings and the consensus), union, intersection, consensus, or coder:ID.
    #[arg(long, value_name = "LAYER")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Only this open question (codings, code-matrix and the analysis tables).
    #[arg(long, value_name = "CODE")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Cross-tab groups: a single or multiple choice question's code, language, or
    /// attribute:NAME (a participant attribute; not in an anonymous survey).
    #[arg(long, value_name = "CODE|language|attribute:NAME")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Include partial (not submitted) responses; by default only complete ones.
    #[arg(long)]
    #[serde(default, deserialize_with = "yes_no", serialize_with = "one", skip_serializing_if = "is_false")]
    pub include_partial: bool,
    /// Only responses given in this language.
    #[arg(long, value_name = "LANG")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Only responses started on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Only responses started on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Only respondents who gave this answer to a single or multiple choice question
    /// (QUESTION=CHOICE, e.g. ROLE=researcher; CHOICE may be other).
    #[arg(long, value_name = "QUESTION=CHOICE")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Choice labels in this language instead of codes (responses), and the language of the
    /// data dictionary and of the SPSS, Stata and R files' labels.
    #[arg(long, value_name = "LANG")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub labels: Option<String>,
    /// responses and codebook-dictionary: codes writes in each empty answer cell the survey's
    /// code for why it is empty (not shown, not reached, skipped; -66, -77, -99 unless the survey
    /// sets its own); empty (the default) leaves them empty.
    #[arg(long, value_name = "empty|codes")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// qdpx: one text source per open answer (answer, the default) or per respondent.
    #[arg(long, value_name = "answer|respondent")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// qdpx: each text source's text as its own file in the zip (files, the default: what every
    /// QDA program reads, QualCoder only this) or inside project.qde (inline).
    #[arg(long, value_name = "files|inline")]
    #[serde(default, deserialize_with = "text", skip_serializing_if = "Option::is_none")]
    pub texts: Option<String>,
    /// Start with a UTF-8 byte-order mark, so that Excel reads the file as UTF-8.
    #[arg(long)]
    #[serde(default, deserialize_with = "yes_no", serialize_with = "one", skip_serializing_if = "is_false")]
    pub bom: bool,
    /// Write cells starting with = + - @ as they are, without the leading ' that keeps a
    /// spreadsheet from running them as formulas (for R, pandas, SPSS).
    #[arg(long)]
    #[serde(default, deserialize_with = "yes_no", serialize_with = "one", skip_serializing_if = "is_false")]
    pub no_formula_protection: bool,
}

/// One option of `ExportRequest`, by the name it has in a query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Opt {
    Codebook,
    Layer,
    Question,
    By,
    IncludePartial,
    Language,
    From,
    To,
    Answer,
    Labels,
    Missing,
    Per,
    Texts,
    Bom,
    NoFormulaProtection,
}

impl Opt {
    /// Every option, in the order of `ExportRequest`'s fields (and so of a query string).
    pub const ALL: [Opt; 15] = [
        Opt::Codebook,
        Opt::Layer,
        Opt::Question,
        Opt::By,
        Opt::IncludePartial,
        Opt::Language,
        Opt::From,
        Opt::To,
        Opt::Answer,
        Opt::Labels,
        Opt::Missing,
        Opt::Per,
        Opt::Texts,
        Opt::Bom,
        Opt::NoFormulaProtection,
    ];

    /// The respondents the analysis filters choose: what the analysis page and every export of
    /// responses, codings or tables take.
    pub const FILTERS: [Opt; 5] = [Opt::IncludePartial, Opt::Language, Opt::From, Opt::To, Opt::Answer];

    /// The name in a query string, the field's name.
    pub fn name(self) -> &'static str {
        match self {
            Opt::Codebook => "codebook",
            Opt::Layer => "layer",
            Opt::Question => "question",
            Opt::By => "by",
            Opt::IncludePartial => "include_partial",
            Opt::Language => "language",
            Opt::From => "from",
            Opt::To => "to",
            Opt::Answer => "answer",
            Opt::Labels => "labels",
            Opt::Missing => "missing",
            Opt::Per => "per",
            Opt::Texts => "texts",
            Opt::Bom => "bom",
            Opt::NoFormulaProtection => "no_formula_protection",
        }
    }

    /// The command line's flag: `--include-partial`.
    pub fn flag(self) -> String {
        format!("--{}", self.name().replace('_', "-"))
    }

    pub fn named(name: &str) -> Option<Opt> {
        Opt::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// An option that cannot be used as given: which (none when the request as a whole is wrong) and
/// why, in words that say what would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadOption {
    pub option: Option<Opt>,
    pub reason: String,
}

impl BadOption {
    pub fn new(option: Opt, reason: impl Into<String>) -> BadOption {
        BadOption { option: Some(option), reason: reason.into() }
    }

    /// The message for the command line, naming the flag.
    pub fn for_command_line(&self) -> String {
        match self.option {
            Some(option) => format!("{}: {}", option.flag(), self.reason),
            None => self.reason.clone(),
        }
    }
}

/// As the web shows it: the option by its query name.
impl std::fmt::Display for BadOption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.option {
            Some(option) => write!(f, "{}: {}", option.name(), self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl ExportRequest {
    /// Reads a query string. Each parameter is read alone first, so that a wrong one is named.
    pub fn from_query(query: &str) -> Result<ExportRequest, BadOption> {
        let unreadable = || BadOption { option: None, reason: "the query string could not be read".into() };
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|_| unreadable())?;
        for (key, value) in &pairs {
            let Some(option) = Opt::named(key) else {
                let known: Vec<&str> = Opt::ALL.iter().map(|o| o.name()).collect();
                let reason = format!("there is no option \"{key}\"; the options are {}", known.join(", "));
                return Err(BadOption { option: None, reason });
            };
            let alone = serde_urlencoded::to_string([(key, value)]).map_err(|_| unreadable())?;
            if let Err(err) = serde_urlencoded::from_str::<ExportRequest>(&alone) {
                return Err(BadOption::new(option, err.to_string()));
            }
        }
        serde_urlencoded::from_str(query).map_err(|err| match err.to_string() {
            duplicate if duplicate.starts_with("duplicate field") => {
                let name = duplicate.split('`').nth(1).unwrap_or_default().to_string();
                let reason = "is given twice; give it once".to_string();
                Opt::named(&name).map_or(BadOption { option: None, reason: duplicate }, |o| BadOption::new(o, reason))
            }
            other => BadOption { option: None, reason: other },
        })
    }

    /// The query string that gives this request (empty options left out), for links.
    pub fn to_query(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }

    /// The options given, in field order. Read from the query string the request serializes to,
    /// which leaves out what was not given, so no second list of the fields is kept.
    pub fn given(&self) -> Vec<Opt> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&self.to_query()).unwrap_or_default();
        pairs.iter().filter_map(|(key, _)| Opt::named(key)).collect()
    }

    /// The same request with only the options in `kept`: the link to one table of a page.
    pub fn only(&self, kept: &[Opt]) -> ExportRequest {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&self.to_query()).unwrap_or_default();
        let pairs: Vec<_> =
            pairs.into_iter().filter(|(key, _)| Opt::named(key).is_some_and(|o| kept.contains(&o))).collect();
        serde_urlencoded::to_string(pairs).ok().and_then(|q| serde_urlencoded::from_str(&q).ok()).unwrap_or_default()
    }

    /// The command line's arguments that give this request (`--by ROLE --include-partial`).
    pub fn to_args(&self) -> Vec<String> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&self.to_query()).unwrap_or_default();
        let mut args = Vec::new();
        for (key, value) in pairs {
            let Some(option) = Opt::named(&key) else { continue };
            args.push(option.flag());
            if !matches!(option, Opt::IncludePartial | Opt::Bom | Opt::NoFormulaProtection) {
                args.push(value);
            }
        }
        args
    }
}

/// A text option: trimmed, and not given when empty (a form's "All" choice sends `name=`).
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = String::deserialize(deserializer)?;
    Ok(Some(value.trim().to_string()).filter(|v| !v.is_empty()))
}

/// A number option, or not given when empty.
fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match text(deserializer)? {
        None => Ok(None),
        Some(value) => {
            value.parse().map(Some).map_err(|_| serde::de::Error::custom(format!("must be a number, not \"{value}\"")))
        }
    }
}

/// A yes/no option: present (a ticked checkbox sends `on`) or `1`/`true`/`yes`, or `0`/`false`/`no`.
fn yes_no<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let value = String::deserialize(deserializer)?;
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "on" | "true" | "yes" => Ok(true),
        "0" | "off" | "false" | "no" => Ok(false),
        _ => Err(serde::de::Error::custom(format!("is a yes/no option: give 1 or leave it out, not \"{value}\""))),
    }
}

/// A yes in a link: `1`.
fn one<S: Serializer>(_: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("1")
}

fn is_false(value: &bool) -> bool {
    !*value
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    /// The command line, as `fieldwork export` flattens the request into it.
    #[derive(Debug, clap::Parser)]
    struct Command {
        #[command(flatten)]
        request: ExportRequest,
    }

    fn everything() -> ExportRequest {
        let text = |s: &str| Some(s.to_string());
        ExportRequest {
            codebook: Some(2),
            layer: text("coder:3"),
            question: text("WHY"),
            by: text("attribute:region"),
            include_partial: true,
            language: text("es"),
            from: text("2026-01-01"),
            to: text("2026-02-01"),
            answer: text("ROLE=dev"),
            labels: text("es"),
            missing: text("codes"),
            per: text("respondent"),
            texts: text("inline"),
            bom: true,
            no_formula_protection: true,
        }
    }

    #[test]
    fn opt_names_every_field_in_order() {
        let names: Vec<Opt> = everything().given();
        assert_eq!(names, Opt::ALL, "Opt::ALL lists ExportRequest's fields, in order");
    }

    #[test]
    fn a_query_string_and_the_command_line_read_the_same_request() {
        let request = everything();
        assert_eq!(ExportRequest::from_query(&request.to_query()), Ok(request.clone()));
        let args = std::iter::once("fieldwork".to_string()).chain(request.to_args());
        assert_eq!(Command::try_parse_from(args).unwrap().request, request);
    }

    #[test]
    fn empty_values_are_not_given_and_checkboxes_say_on() {
        let request = ExportRequest::from_query("codebook=&question=&by=+&include_partial=on&bom").unwrap();
        assert_eq!(request, ExportRequest { include_partial: true, bom: true, ..ExportRequest::default() });
        assert_eq!(request.to_query(), "include_partial=1&bom=1");
        assert_eq!(request.given(), [Opt::IncludePartial, Opt::Bom]);
    }

    #[test]
    fn a_wrong_option_is_named() {
        let cases = [
            ("codebook=abc", Some(Opt::Codebook), "must be a number, not \"abc\""),
            ("bom=maybe", Some(Opt::Bom), "is a yes/no option"),
            ("by=a&by=b", Some(Opt::By), "is given twice"),
            ("colour=red", None, "there is no option \"colour\"; the options are codebook, layer"),
            ("partial=on", None, "there is no option \"partial\""),
        ];
        for (query, option, reason) in cases {
            let err = ExportRequest::from_query(query).unwrap_err();
            assert_eq!(err.option, option, "{query}");
            assert!(err.reason.contains(reason), "{query}: {}", err.reason);
        }
        let flag = BadOption::new(Opt::IncludePartial, "no").for_command_line();
        assert_eq!(flag, "--include-partial: no");
    }

    #[test]
    fn only_keeps_the_options_a_table_takes() {
        let request = everything().only(&[Opt::Codebook, Opt::Language]);
        assert_eq!(request.to_query(), "codebook=2&language=es");
    }
}
