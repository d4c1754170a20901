//! LimeSurvey's survey structure file (`.lss`, LimeSurvey 5 and 6) read into a survey definition:
//! groups as pages in group order, the common question types (`questions.rs`), every language's
//! texts, mandatory flags and the relevance equations fieldwork's display logic can express
//! (`relevance.rs`). What fieldwork cannot hold is listed with its XML line; nothing is read from
//! such a file unless the caller drops those parts.

mod questions;
mod relevance;
mod text;
mod xml;

use std::collections::BTreeMap;

use crate::survey::model::{FORMAT, MissingCodes, Page, SurveyDefinition, Text};
use xml::{Document, Row};

/// Something in the file fieldwork cannot hold (or a file it cannot read), with its XML line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

/// Why nothing was read: the file cannot be read as an `.lss` (one problem), or it holds parts
/// fieldwork cannot hold (each listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Unreadable(Problem),
    Unsupported(Vec<Problem>),
}

impl Refused {
    /// Every problem, in the order of the file.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Refused::Unreadable(problem) => std::slice::from_ref(problem),
            Refused::Unsupported(problems) => problems,
        }
    }
}

/// What was read: the definition (not yet validated) and what was left out (with `skip`).
#[derive(Debug, Clone)]
pub struct Read {
    pub definition: SurveyDefinition,
    pub skipped: Vec<Problem>,
}

/// Tables read elsewhere here, or that hold nothing a respondent sees (themes, survey groups);
/// `conditions` are read through the relevance equations LimeSurvey compiles them into.
const READ_OR_IGNORED: [&str; 16] = [
    "surveys",
    "surveys_languagesettings",
    "groups",
    "group_l10ns",
    "questions",
    "subquestions",
    "question_l10ns",
    "answers",
    "answer_l10ns",
    "question_attributes",
    "conditions",
    "surveys_groups",
    "surveys_groupsettings",
    "themes",
    "themes_inherited",
    "plugin_settings",
];

/// Reads an `.lss` file. With `skip`, parts fieldwork cannot hold are left out (and returned in
/// `Read::skipped`); without, any such part is an error, as is a file that is not an `.lss`.
pub fn read(bytes: &[u8], skip: bool) -> Result<Read, Refused> {
    let document = xml::parse(bytes).map_err(Refused::Unreadable)?;
    if document.doc_type != "Survey" {
        let what = "this is not a LimeSurvey survey structure file: <LimeSurveyDocType> is not Survey".into();
        return Err(Refused::Unreadable(Problem { line: 1, what }));
    }
    if document.db_version.is_some_and(|v| v < 400) || !document.tables.contains_key("question_l10ns") {
        let what = "this .lss is from a LimeSurvey older than 4 (no question_l10ns); open it in LimeSurvey 5 or 6 and export it again".into();
        return Err(Refused::Unreadable(Problem { line: 1, what }));
    }
    let mut reader = Reader { document: &document, problems: Vec::new() };
    let definition = reader.survey();
    if !reader.problems.is_empty() && !skip {
        reader.problems.sort_by_key(|p| p.line);
        return Err(Refused::Unsupported(reader.problems));
    }
    reader.problems.sort_by_key(|p| p.line);
    Ok(Read { definition, skipped: reader.problems })
}

struct Reader<'d> {
    document: &'d Document,
    problems: Vec<Problem>,
}

impl<'d> Reader<'d> {
    fn report(&mut self, line: usize, what: impl Into<String>) {
        self.problems.push(Problem { line, what: what.into() });
    }

    /// A translated field of the rows of `table` whose `key` field is `id`, as plain text; a text
    /// fieldwork cannot carry over is reported.
    fn texts(&mut self, table: &str, key: &str, id: &str, field: &str, whose: &str) -> Text {
        let mut text = Text::new();
        let rows: Vec<&Row> = self.document.rows(table).iter().filter(|r| r.get(key) == id).collect();
        for row in rows {
            let html = row.get(field);
            let language = match row.get("language") {
                "" => row.get("surveyls_language"),
                language => language,
            };
            if let Some(why) = text::unsupported(html) {
                let field = field.trim_start_matches("surveyls_").replace("question", "text");
                self.report(row.line, format!("{whose}'s {field} ({language}) holds {why}, which is not supported"));
            }
            let plain = text::plain(html);
            if !plain.is_empty() {
                text.insert(language.to_string(), plain);
            }
        }
        text
    }

    fn survey(&mut self) -> SurveyDefinition {
        let document = self.document;
        let survey = document.rows("surveys").first().cloned().unwrap_or_default();
        let default_language = survey.get("language").to_string();
        let mut languages = vec![default_language.clone()];
        let more = survey.get("additional_languages").split_whitespace().map(str::to_string);
        for language in document.languages.iter().cloned().chain(more) {
            if !language.is_empty() && !languages.contains(&language) {
                languages.push(language);
            }
        }
        for table in document.tables.keys().filter(|t| !READ_OR_IGNORED.contains(&t.as_str())) {
            for row in document.rows(table) {
                self.report(row.line, format!("a row of <{table}> ({}) is not supported", what_table_holds(table)));
            }
        }
        let sid = survey.get("sid").to_string();
        for (field, what) in [("startdate", "start date"), ("expires", "expiry date")] {
            if !survey.get(field).trim().is_empty() {
                let when = survey.get(field).trim();
                let why = "it has no time zone; set opens_at and closes_at";
                self.report(survey.line, format!("the survey's {what} {when} is not carried over ({why})"));
            }
        }
        let settings = "surveys_languagesettings";
        let title = self.texts(settings, "surveyls_survey_id", &sid, "surveyls_title", "the survey");
        let description = self.texts(settings, "surveyls_survey_id", &sid, "surveyls_description", "the survey");
        let welcome = self.texts(settings, "surveyls_survey_id", &sid, "surveyls_welcometext", "the survey");
        // A data policy notice the respondent must accept (1) or only sees (2) is the consent.
        let consent = match survey.get("showsurveypolicynotice") {
            "1" | "2" => self.texts(settings, "surveyls_survey_id", &sid, "surveyls_policy_notice", "the survey"),
            _ => Text::new(),
        };
        let thank_you = self.texts(settings, "surveyls_survey_id", &sid, "surveyls_endtext", "the survey");
        let alias = document.rows(settings).iter().map(|r| r.get("surveyls_alias")).find(|a| !a.is_empty());
        let slug = match alias {
            Some(alias) if crate::survey::validate::is_slug(alias) => alias.to_string(),
            _ => format!("limesurvey-{sid}"),
        };
        SurveyDefinition {
            format: FORMAT,
            slug,
            default_language,
            languages,
            anonymous: survey.get("anonymized") == "Y",
            // Consent is asked on the welcome page, so a notice keeps it.
            welcome_page: survey.get("showwelcome") != "N" || !consent.is_empty(),
            title,
            description: joined(description, welcome),
            consent,
            thank_you,
            opens_at: None,
            closes_at: None,
            messages: BTreeMap::new(),
            missing_codes: MissingCodes::default(),
            pages: self.pages(),
        }
    }

    /// The groups in group order, each a page.
    fn pages(&mut self) -> Vec<Page> {
        let mut groups: Vec<&Row> = self.document.rows("groups").iter().collect();
        groups.sort_by_key(|g| g.get("group_order").parse::<i64>().unwrap_or(0));
        let mut known = std::collections::HashMap::new();
        let mut pages = Vec::new();
        for group in groups {
            let gid = group.get("gid");
            let code = format!("G{gid}");
            let title = self.texts("group_l10ns", "gid", gid, "group_name", &format!("the group {gid}"));
            let mut page = Page { title, ..Page::new(&code) };
            if !group.get("randomization_group").is_empty() {
                self.report(group.line, "the group's randomization group is not supported");
            }
            page.relevant = self.condition(group.line, group.get("grelevance"), &known);
            let about = self.texts("group_l10ns", "gid", gid, "description", &format!("the group {gid}"));
            if !about.is_empty() {
                page.questions.push(questions::display(format!("{code}_about"), about));
            }
            for question in questions::of_group(self, gid, &mut known) {
                page.questions.push(question);
            }
            pages.push(page);
        }
        let gids: Vec<&str> = self.document.rows("groups").iter().map(|g| g.get("gid")).collect();
        let document = self.document;
        for orphan in document.rows("questions").iter().filter(|q| !gids.contains(&q.get("gid"))) {
            let what = format!("the question {} belongs to no group of the file", orphan.get("title"));
            self.report(orphan.line, what);
        }
        pages
    }

    /// The display logic for a relevance equation, reported when it cannot be expressed.
    fn condition(
        &mut self,
        line: usize,
        equation: &str,
        known: &std::collections::HashMap<String, relevance::Known>,
    ) -> Option<String> {
        relevance::translate(equation, known).unwrap_or_else(|()| {
            self.report(line, format!("the condition \"{equation}\" cannot be expressed in fieldwork's display logic"));
            None
        })
    }
}

/// Two texts of each language, one paragraph after the other.
fn joined(mut first: Text, second: Text) -> Text {
    for (language, text) in second {
        let entry = first.entry(language).or_default();
        if !entry.is_empty() {
            entry.push_str("\n\n");
        }
        entry.push_str(&text);
    }
    first
}

fn what_table_holds(table: &str) -> &'static str {
    match table {
        "quotas" | "quota_members" | "quota_languagesettings" => "quotas",
        "assessments" => "assessments",
        "defaultvalues" | "defaultvalue_l10ns" => "default answers",
        "survey_url_parameters" => "URL parameters",
        _ => "not read",
    }
}
