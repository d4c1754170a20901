//! The survey methods of issue 17, as respondents meet them over HTTP (a browser without
//! JavaScript): paradata (`paradata`), randomised order (`order`), piping (`piping`), exclusive
//! choices and constraints (`checks`), missing-data codes in the export (`missing`), and all of it
//! on the shipped questionnaire (`shipped`). The JavaScript parts are in `browser_methods`.

mod checks;
mod missing;
mod order;
mod paradata;
mod piping;
mod shipped;

use fieldwork::survey::store::Status;

use crate::helpers::TestApp;
use crate::respondent::*;

/// Four pages in two languages with a consent: a constrained project name piped into later texts,
/// a question shown only to leads, a randomised multiple choice with an exclusive and an anchored
/// choice, a page of randomised questions, and a last page.
pub const METHODS: &str = r#"
format = 1
slug = "methods"
default_language = "en"
languages = ["en", "es"]
title = { en = "Methods", es = "Métodos" }
consent = { en = "I agree to take part.", es = "Acepto participar." }
thank_you = { en = "Thank you for telling us about ${PROJECT|your project}.", es = "Gracias por hablarnos de ${PROJECT|su proyecto}." }

[[pages]]
code = "about"
title = { en = "About you", es = "Sobre usted" }
[[pages.questions]]
code = "PROJECT"
type = "short_text"
text = { en = "What is the project called?", es = "¿Cómo se llama el proyecto?" }
constraint = "string-length(.) <= 20"
constraint_message = { en = "At most 20 characters, please.", es = "Como máximo 20 caracteres, por favor." }
[[pages.questions]]
code = "ROLE"
type = "single_choice"
text = { en = "Your role?", es = "¿Su función?" }
choices = [{ code = "lead", label = { en = "Lead", es = "Dirección" } }, { code = "dev", label = { en = "Developer", es = "Desarrollo" } }]
[[pages.questions]]
code = "LEAD_WHY"
type = "long_text"
relevant = "${ROLE} = 'lead'"
text = { en = "Why do you lead?", es = "¿Por qué dirige?" }
[[pages.questions]]
code = "YEARS"
type = "number"
constraint = ". <= 50"
text = { en = "Years involved?", es = "¿Años de participación?" }

[[pages]]
code = "motives"
title = { en = "Why ${PROJECT|the project}?", es = "¿Por qué ${PROJECT|el proyecto}?" }
[[pages.questions]]
code = "MOTIV"
type = "multiple_choice"
randomize = true
other = true
text = { en = "Why do you contribute to ${PROJECT|the project} as ${ROLE|a contributor}?", es = "¿Por qué contribuye a ${PROJECT|el proyecto} como ${ROLE|colaborador/a}?" }
choices = [
  { code = "science", label = { en = "Science", es = "Ciencia" } },
  { code = "access", label = { en = "Access", es = "Acceso" } },
  { code = "career", label = { en = "Career", es = "Carrera" } },
  { code = "community", label = { en = "Community", es = "Comunidad" } },
  { code = "job", label = { en = "My job", es = "Mi trabajo" } },
  { code = "fun", label = { en = "Fun", es = "Diversión" } },
  { code = "none", label = { en = "None of these", es = "Ninguno de ellos" }, exclusive = true },
  { code = "dont_know", label = { en = "Don't know", es = "No lo sé" }, anchor = true },
]

[[pages]]
code = "rate"
randomize = true
[[pages.questions]]
code = "INTRO"
type = "display"
text = { en = "A few more.", es = "Unas pocas más." }
[[pages.questions]]
code = "Q1"
type = "short_text"
text = { en = "First?", es = "¿Primera?" }
[[pages.questions]]
code = "Q2"
type = "short_text"
text = { en = "Second?", es = "¿Segunda?" }
[[pages.questions]]
code = "Q3"
type = "short_text"
text = { en = "Third?", es = "¿Tercera?" }
[[pages.questions]]
code = "Q4"
type = "short_text"
text = { en = "Fourth?", es = "¿Cuarta?" }

[[pages]]
code = "end"
[[pages.questions]]
code = "LAST"
type = "short_text"
text = { en = "Anything else?", es = "¿Algo más?" }
"#;

/// The methods survey, open (anonymous when asked).
pub fn open_methods(app: &TestApp, anonymous: bool) {
    let text = if anonymous {
        METHODS.replace("slug = \"methods\"", "slug = \"methods\"\nanonymous = true")
    } else {
        METHODS.to_string()
    };
    add_survey(app, &text, Status::Open);
}

/// The codes of a question's choices (or a page's questions) in the order the page shows them:
/// the `value`s of its inputs named `q.CODE`, Other left out.
pub fn shown_choices(html: &str, code: &str) -> Vec<String> {
    let block = question_block(html, code).expect("the question");
    block
        .split("<input ")
        .skip(1)
        .filter(|tag| attribute(&format!(" {tag}"), "name").as_deref() == Some(&format!("q.{code}")))
        .filter_map(|tag| attribute(&format!(" {tag}"), "value"))
        .filter(|value| value != "other")
        .collect()
}

/// A number read from the database.
pub fn seed_of_only_response(app: &TestApp) -> u64 {
    app.query_i64("SELECT order_seed FROM responses") as u64
}

/// The page visits stored, in order: (page, language, shown_at, saved_at).
pub fn visits(app: &TestApp) -> Vec<(String, String, Option<String>, String)> {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let mut stmt = conn
        .prepare("SELECT page, language, shown_at, saved_at FROM page_visits ORDER BY response_id, seq")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The orders stored for the only response: (element, codes).
pub fn shown_orders(app: &TestApp) -> Vec<(String, String)> {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let mut stmt = conn.prepare("SELECT element, codes FROM shown_orders ORDER BY element").expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").collect::<Result<_, _>>().expect("rows")
}

/// The wide export through the command line, parsed, with `args` added.
pub fn export(app: &TestApp, slug: &str, what: &str, args: &[&str]) -> Vec<Vec<String>> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(["export", "--survey", slug, "--what", what, "--no-formula-protection"])
        .args(args)
        .env("FIELDWORK_LOG", "warn")
        .output()
        .expect("run fieldwork export");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(output.stdout.as_slice())
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect()
}

/// The cell of `column` in row `row` of a parsed export.
pub fn cell<'r>(rows: &'r [Vec<String>], row: usize, column: &str) -> &'r str {
    let at = rows[0].iter().position(|c| c == column).unwrap_or_else(|| panic!("no column {column} in {:?}", rows[0]));
    &rows[row][at]
}
