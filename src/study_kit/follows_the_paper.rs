//! What can be checked mechanically of the kit's fidelity to its source (issue 18, "The kit
//! follows the paper"): the paper's five organisational models in the questionnaire and the
//! codebook, every code's six definition fields and its near miss, every respondent-visible text
//! in every language (with the same piped answers and placeholders in each), one term per
//! concept, the barriers one idea each with a ranking that follows the rating, and every code
//! reachable from an open question the codebook names.

use std::collections::BTreeSet;

use regex::Regex;

use super::{CODEBOOK, QUESTIONNAIRE};
use crate::codebook::model::{CodeKind, CodebookFile, from_toml};
use crate::survey::model::{QuestionType, SurveyDefinition};
use crate::survey::{file, placeholders, translations};

/// The five models as the paper names them, in its order, with the codes the kit gives them.
const MODELS: [(&str, &str, &str); 5] = [
    ("single_company", "ORG_SINGLE_COMPANY", "Single company project"),
    ("single_research", "ORG_SINGLE_RESEARCH", "Single research institute project"),
    ("multi_research", "ORG_MULTI_RESEARCH", "Multi-organisational research institute project"),
    ("nonprofit_grassroots", "ORG_NONPROFIT_GRASSROOTS", "Non-profit-sponsored grassroots project"),
    ("company_grassroots", "ORG_COMPANY_GRASSROOTS", "Company-sponsored grassroots project"),
];

fn questionnaire() -> SurveyDefinition {
    file::from_toml(QUESTIONNAIRE).expect("the shipped questionnaire is valid").definition
}

fn codebook() -> CodebookFile {
    from_toml(CODEBOOK).expect("the shipped codebook is valid")
}

fn codes(book: &CodebookFile) -> impl Iterator<Item = &crate::codebook::model::CodeEntry> {
    book.codes.iter().filter(|c| c.kind == CodeKind::Code)
}

#[test]
fn orgmodel_offers_exactly_the_five_models_and_the_codebook_codes_the_same_five() {
    let survey = questionnaire();
    let orgmodel = survey.question("ORGMODEL").expect("ORGMODEL");
    assert_eq!(orgmodel.kind, QuestionType::SingleChoice);
    assert!(orgmodel.other, "Other is offered");
    let offered: Vec<(&str, &str)> =
        orgmodel.choices.iter().map(|c| (c.code.as_str(), c.label["en"].as_str())).collect();
    let mut expected: Vec<(&str, &str)> = MODELS.iter().map(|(choice, _, name)| (*choice, *name)).collect();
    expected.push(("dont_know", "Don't know"));
    assert_eq!(offered, expected);

    let book = codebook();
    let category = book.entry("GOV_ORGMODEL").expect("the organisational model category");
    assert!(category.kind == CodeKind::Category && category.mutually_exclusive);
    let coded: Vec<(&str, &str)> = book
        .codes
        .iter()
        .filter(|c| c.parent.as_deref() == Some("GOV_ORGMODEL") && !c.retired)
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = MODELS.iter().map(|(_, id, name)| (*id, *name)).collect();
    assert_eq!(coded, expected, "no model the paper does not have, none merged");
}

#[test]
fn every_code_has_its_six_fields_and_a_near_miss() {
    let book = codebook();
    let mut checked = 0;
    for code in codes(&book) {
        let fields = [
            ("name", &code.name),
            ("short_definition", &code.short_definition),
            ("definition", &code.definition),
            ("when_to_use", &code.when_to_use),
            ("when_not_to_use", &code.when_not_to_use),
            ("example", &code.example),
            ("near_miss", &code.near_miss),
        ];
        for (field, value) in fields {
            assert!(!value.trim().is_empty(), "{}: {field} is empty", code.id);
        }
        assert_ne!(code.example, code.near_miss, "{}", code.id);
        checked += 1;
    }
    for category in book.codes.iter().filter(|c| c.kind == CodeKind::Category) {
        assert!(!category.short_definition.trim().is_empty(), "{}: a category says what it groups", category.id);
    }
    assert!(checked >= 50, "{checked} codes");
}

#[test]
fn the_codebook_has_the_codes_the_issue_asks_for() {
    let book = codebook();
    let children = |parent: &str| -> BTreeSet<&str> {
        book.codes.iter().filter(|c| c.parent.as_deref() == Some(parent)).map(|c| c.id.as_str()).collect()
    };
    let stakeholders = [
        "STK_COMPANIES",
        "STK_RESEARCH",
        "STK_UNIVERSITIES",
        "STK_NONPROFITS",
        "STK_VOLUNTEERS",
        "STK_GOVERNMENTS",
        "STK_PLATFORMS",
    ];
    assert_eq!(children("PART_STAKEHOLDERS"), stakeholders.into_iter().collect());
    for id in ["PART_BROADENING", "PART_JOINING", "REC_PRACTICE", "REC_SUPPORT", "EMERGENT"] {
        assert_eq!(book.entry(id).map(|c| c.kind), Some(CodeKind::Code), "{id}");
    }
    let barriers = [
        "BAR_SECRECY",
        "BAR_COMPUTE_COST",
        "BAR_COMPUTE_ACCESS",
        "BAR_COMPLEXITY",
        "BAR_PACE",
        "BAR_COPYRIGHT",
        "BAR_DATA_LAW",
        "BAR_CURATION",
        "BAR_DATA_SHARING",
    ];
    assert_eq!(children("BARRIER"), barriers.into_iter().collect());
}

#[test]
fn every_respondent_visible_text_is_in_every_language_with_the_same_answers_piped_and_placeholders() {
    let survey = questionnaire();
    assert_eq!(
        survey.languages,
        ["en", "es", "zh"],
        "zh: Simplified Chinese (XLSForm takes only a primary language subtag)"
    );
    let piped = Regex::new(r"\$\{([A-Za-z][A-Za-z0-9_]*)").unwrap();
    let placeholder = Regex::new(r"\[\[FILL:[^\]]*\]\]").unwrap();
    let texts = translations::texts(&survey);
    let listed = |path: &str| texts.iter().any(|t| t.path == path);
    assert!(listed("consent") && listed("questions.BARRIER_RANK.help"), "every kind of text is checked");
    assert!(texts.len() > 300, "{} texts", texts.len());
    for entry in &texts {
        let in_default = &entry.text[&survey.default_language];
        let refs = |text: &str| piped.captures_iter(text).map(|c| c[1].to_string()).collect::<BTreeSet<_>>();
        let fills = |text: &str| placeholder.find_iter(text).map(|m| m.as_str().to_string()).collect::<Vec<_>>();
        for language in &survey.languages {
            let text = entry.text.get(language).map(|t| t.trim()).unwrap_or_default();
            assert!(!text.is_empty(), "{} has no {language} text", entry.label);
            assert_eq!(refs(text), refs(in_default), "{} ({language}) pipes other answers", entry.label);
            assert_eq!(fills(text), fills(in_default), "{} ({language}) has other placeholders", entry.label);
            // Numbers and ranges ("6–20") may read the same in two languages; nothing else may.
            if language != &survey.default_language && in_default.chars().any(char::is_alphabetic) {
                assert_ne!(text, in_default.trim(), "{} ({language}) is not translated", entry.label);
            }
        }
    }
}

#[test]
fn one_term_per_concept_in_every_language() {
    let survey = questionnaire();
    for concept in ["dont_know", "none", "not_applicable", "no_answer"] {
        for language in &survey.languages {
            let labels: BTreeSet<&str> = survey
                .questions()
                .flat_map(|(_, q)| q.choices.iter())
                .filter(|c| c.code == concept)
                .map(|c| c.label[language].as_str())
                .collect();
            assert_eq!(labels.len(), 1, "{concept} in {language}: {labels:?}");
        }
    }
}

#[test]
fn the_consent_has_the_placeholders_the_team_fills_and_a_contact_for_every_respondent() {
    let survey = questionnaire();
    assert!(survey.anonymous, "the survey stays anonymous");
    for language in &survey.languages {
        let consent = &survey.consent[language];
        for what in ["data controller", "legal basis", "retention period", "ethics approval", "contact"] {
            assert!(consent.contains(&format!("[[FILL: {what}")), "consent ({language}) lacks {what}");
        }
        assert!(!consent.contains("named in your invitation"), "public-link respondents have no invitation");
    }
    let unfilled = placeholders::unfilled(&survey);
    assert!(unfilled.iter().any(|p| p.path == "consent.zh"), "the validator warns: {unfilled:?}");
}

#[test]
fn identifying_questions_say_so_and_are_optional() {
    let survey = questionnaire();
    for code in ["PROJECT", "PROJSIZE", "ROLE"] {
        let question = survey.question(code).expect(code);
        assert!(!question.required, "{code} is optional");
        assert!(question.help["en"].contains("could identify you"), "{code} says so");
    }
}

#[test]
fn barriers_are_one_idea_each_and_the_ranking_follows_the_rating() {
    let survey = questionnaire();
    let rank = survey.question("BARRIER_RANK").expect("the ranking");
    let rated: Vec<&str> = survey
        .questions()
        .filter(|(_, q)| q.code.starts_with("BARRIER_") && q.kind == QuestionType::SingleChoice)
        .map(|(_, q)| q.code.as_str())
        .collect();
    assert_eq!(rated.len(), rank.choices.len(), "one rating per ranked barrier");
    for (choice, question) in rank.choices.iter().zip(&rated) {
        let label = &survey.question(question).map(|q| &q.text["en"]).unwrap();
        assert!(!label.contains(" or ") && !label.contains(", "), "{question}: one idea per item: {label}");
        assert!(choice.label["en"].contains(&format!("${{{question}|")), "{}: pipes its rating", choice.code);
        assert_eq!(
            choice.relevant.as_deref(),
            Some(format!("regex(${{{question}}}, '^h[2-5]$')").as_str()),
            "{}: offered only when rated above Not at all",
            choice.code
        );
    }
    let page = survey.pages.iter().find(|p| p.questions.iter().any(|q| q.code == "BARRIER_RANK")).unwrap();
    assert!(page.relevant.is_some(), "the ranking page is shown only after a barrier was rated above Not at all");
}

#[test]
fn every_code_is_reachable_from_an_open_question_the_codebook_names() {
    let survey = questionnaire();
    let book = codebook();
    let open: BTreeSet<&str> =
        survey.questions().filter(|(_, q)| q.kind == QuestionType::LongText).map(|(_, q)| q.code.as_str()).collect();
    let named: BTreeSet<&str> =
        Regex::new(r"\bOPEN_[A-Z]+\b").unwrap().find_iter(&book.description).map(|m| m.as_str()).collect();
    assert_eq!(named, open, "the codebook names every open question of the questionnaire, and only those");
    let asked = Regex::new(r"^(OPEN_[A-Z]+): ").unwrap();
    for code in codes(&book) {
        for (field, text) in [("example", &code.example), ("near_miss", &code.near_miss)] {
            let question = asked.captures(text).map(|c| c[1].to_string());
            assert!(
                question.as_deref().is_some_and(|q| named.contains(q)),
                "{}: the {field} begins with the open question it answers: {text}",
                code.id
            );
        }
    }
    // Every code a definition points to exists (no reference left to a renamed or removed code).
    let reference = Regex::new(r"\b(?:MOT|ORG|GOV|DEC|LC|ART|BAR|TEN|STK|PART|REC)_[A-Z_]+\b|\bEMERGENT\b").unwrap();
    for entry in &book.codes {
        for text in [&entry.definition, &entry.when_to_use, &entry.when_not_to_use, &entry.near_miss] {
            for found in reference.find_iter(text) {
                assert!(
                    book.entry(found.as_str()).is_some(),
                    "{} refers to {}, which is not a code",
                    entry.id,
                    found.as_str()
                );
            }
        }
    }
}

#[test]
fn the_kit_maps_its_codes_to_the_closed_answers_they_stand_for() {
    let (survey, book) = (questionnaire(), codebook());
    assert_eq!(crate::codebook::closed::check(&book), Vec::new());
    assert_eq!(crate::codebook::closed::check_against(&book, &survey), Vec::new());
    let mapped = |question: &str| {
        let mapping = book.closed.iter().find(|m| m.question == question);
        mapping.unwrap_or_else(|| panic!("{question} is mapped")).codes.clone()
    };
    // Each organisational model's code stands for its ORGMODEL choice.
    let orgmodel = mapped("ORGMODEL");
    for (choice, code, _) in MODELS {
        assert_eq!(orgmodel.get(code).map(String::as_str), Some(choice), "{code}");
    }
    assert_eq!(orgmodel.len(), MODELS.len());
    // The lifecycle codes stand for the project's stages, the artefact codes for COLLAB's choices.
    for (question, parent) in
        [("PROJ_STAGES", "LC_STAGES"), ("COLLAB", "LC_ARTEFACTS"), ("STAKEHOLDERS", "PART_STAKEHOLDERS")]
    {
        let codes: Vec<&str> = book
            .codes
            .iter()
            .filter(|c| c.parent.as_deref() == Some(parent) && c.kind == CodeKind::Code)
            .map(|c| c.id.as_str())
            .collect();
        let map = mapped(question);
        assert_eq!(map.len(), codes.len(), "{question}");
        assert!(codes.iter().all(|c| map.contains_key(*c)), "every {parent} code maps to {question}");
    }
}
