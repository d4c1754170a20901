use super::*;
use crate::codebook::model::{from_toml, to_toml};

const BOOK: &str = r#"
format = 1
name = "Models"
[[codes]]
id = "ORG"
kind = "category"
name = "Organisational model"
[[codes]]
id = "ORG_COMPANY"
parent = "ORG"
name = "Single company"
[[codes]]
id = "ORG_GRASSROOTS"
parent = "ORG"
name = "Grassroots"

[[closed]]
question = "ORGMODEL"
open_questions = ["WHY"]
[closed.codes]
ORG_COMPANY = "company"
ORG_GRASSROOTS = "grassroots"
"#;

pub(crate) fn survey() -> SurveyDefinition {
    let toml = r#"
        format = 1
        slug = "models"
        default_language = "en"
        languages = ["en"]
        title = { en = "S" }
        [[pages]]
        code = "p"
        [[pages.questions]]
        code = "ORGMODEL"
        type = "single_choice"
        text = { en = "Model" }
        other = true
        choices = [{ code = "company", label = { en = "Company" } }, { code = "grassroots", label = { en = "Grassroots" } }]
        [[pages.questions]]
        code = "AGE"
        type = "number"
        text = { en = "Age" }
        [[pages.questions]]
        code = "WHY"
        type = "long_text"
        text = { en = "Why?" }
    "#;
    crate::survey::file::from_toml(toml).expect("the test survey").definition
}

#[test]
fn a_mapping_reads_round_trips_and_fits_the_survey() {
    let file = from_toml(BOOK).unwrap();
    let mapping = &file.closed[0];
    assert_eq!((mapping.question.as_str(), mapping.open_questions.as_slice()), ("ORGMODEL", &["WHY".to_string()][..]));
    assert_eq!(mapping.codes.get("ORG_COMPANY").map(String::as_str), Some("company"));
    assert_eq!(from_toml(&to_toml(&file).unwrap()).unwrap(), file);
    assert_eq!(check_against(&file, &survey()), []);
    let question = survey().question("ORGMODEL").cloned();
    assert_eq!(mapping.choices(question.as_ref()), ["company", "grassroots"]);
}

#[test]
fn mappings_the_file_shows_wrong_are_refused_with_their_place() {
    let text = format!(
        "{BOOK}
[[closed]]
question = \"ORGMODEL\"
open_questions = [\"WHY\", \"WHY\"]
[closed.codes]
ORG = \"company\"
NOWHERE = \"grassroots\"
ORG_COMPANY = \"\"

[[closed]]
question = \"AGE\"
"
    );
    let errors: Vec<String> = from_toml(&text).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "closed[1].question: ORGMODEL is already mapped in closed[0]; put its codes in one mapping",
            "closed[1].codes.NOWHERE: the codebook has no code NOWHERE",
            "closed[1].codes.ORG: ORG is a category, which is not applied to answers; map the codes inside it",
            "closed[1].codes.ORG_COMPANY: name the choice it stands for",
            "closed[1].open_questions[1]: WHY is listed twice",
            "closed[2].codes: map at least one code to a choice",
        ]
    );
    // A code mapped twice in one mapping is a repeated key: TOML refuses it with its line.
    let twice = format!("{BOOK}ORG_COMPANY = \"grassroots\"\n");
    let errors = from_toml(&twice).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, "line 23", "the repeated key's line");
    assert!(errors[0].message.contains("duplicate key"), "{}", errors[0].message);
}

#[test]
fn mappings_that_do_not_fit_the_survey_are_refused_with_their_place() {
    let mut file = from_toml(BOOK).unwrap();
    file.closed[0].codes.insert("ORG_GRASSROOTS".into(), "volunteers".into());
    file.closed[0].open_questions.push("AGE".into());
    file.closed.push(ClosedMapping {
        question: "AGE".into(),
        codes: [("ORG_COMPANY".into(), "1".into())].into(),
        ..ClosedMapping::default()
    });
    file.closed.push(ClosedMapping {
        question: "GONE".into(),
        codes: [("ORG_COMPANY".into(), "1".into())].into(),
        ..ClosedMapping::default()
    });
    let errors: Vec<String> = check_against(&file, &survey()).iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "closed[0].codes.ORG_GRASSROOTS: ORGMODEL has no choice \"volunteers\" (its choices: company, grassroots, other)",
            "closed[0].open_questions[1]: AGE is not an open (text) question",
            "closed[1].question: AGE is a number question; only a single or multiple choice can be compared with codes",
            "closed[2].question: the survey has no question GONE",
        ]
    );
}

#[test]
fn in_a_multiple_choice_each_choice_is_compared_with_one_code_and_in_a_single_choice_with_several() {
    let mut survey = survey();
    let mut file = from_toml(BOOK).unwrap();
    file.closed[0].codes =
        [("ORG_COMPANY".into(), "company".into()), ("ORG_GRASSROOTS".into(), "company".into())].into();
    assert_eq!(check_against(&file, &survey), Vec::new(), "a single choice: both stand for one choice");
    let question = survey.pages[0].questions.iter_mut().find(|q| q.code == "ORGMODEL").unwrap();
    question.kind = crate::survey::model::QuestionType::MultipleChoice;
    let errors: Vec<String> = check_against(&file, &survey).iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "closed[0].codes.ORG_GRASSROOTS: another code already stands for \"company\": in a multiple choice each choice is compared with one code"
        ]
    );
}
