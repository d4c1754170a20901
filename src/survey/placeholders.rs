//! Placeholders a study team must fill before a survey opens: `[[FILL: what]]` anywhere in a
//! text (the study kit's consent has them for the data controller, legal basis, retention period
//! and ethics approval). They are warnings, not errors: a draft may hold them, and the command
//! line and the survey's page say which are left when the survey is imported or opened.

use super::model::SurveyDefinition;
use super::validate::DefinitionError;

/// How a placeholder begins; it ends at the next `]]`.
pub const START: &str = "[[FILL:";
const END: &str = "]]";

/// Every placeholder left in the definition's texts, in every language, with its place
/// (`consent.en`) and what it asks for.
pub fn unfilled(definition: &SurveyDefinition) -> Vec<DefinitionError> {
    let mut copy = definition.clone();
    let mut found = Vec::new();
    for (path, text) in copy.texts_mut() {
        for (language, value) in text.iter() {
            for placeholder in in_text(value) {
                found.push(DefinitionError {
                    path: format!("{path}.{language}"),
                    message: format!("{placeholder} is still to be filled in"),
                });
            }
        }
    }
    found
}

/// The placeholders in one text, as written (`[[FILL: data controller]]`); one left open runs to
/// the end of the text.
fn in_text(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(START) {
        let after = &rest[start..];
        let end = after.find(END).map_or(after.len(), |end| end + END.len());
        found.push(&after[..end]);
        rest = &after[end..];
    }
    found
}

/// One line for people: how many placeholders are left and where, or `None` when there are none.
pub fn summary(definition: &SurveyDefinition) -> Option<String> {
    let found = unfilled(definition);
    if found.is_empty() {
        return None;
    }
    let list = found.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; ");
    Some(format!("{} placeholder(s) to fill in before respondents read them: {list}.", found.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_with_their_place_in_every_language() {
        let mut definition = SurveyDefinition::blank("fill-me", "en", "A survey");
        definition.languages.push("es".into());
        definition
            .consent
            .insert("en".into(), "Controller: [[FILL: data controller]]. Kept [[FILL: retention period]].".into());
        definition.consent.insert("es".into(), "Responsable: [[FILL: responsable del tratamiento]].".into());
        definition.thank_you.insert("en".into(), "Ends with [[FILL: an open one".into());
        let found: Vec<String> = unfilled(&definition).iter().map(|f| f.to_string()).collect();
        assert_eq!(
            found,
            [
                "consent.en: [[FILL: data controller]] is still to be filled in",
                "consent.en: [[FILL: retention period]] is still to be filled in",
                "consent.es: [[FILL: responsable del tratamiento]] is still to be filled in",
                "thank_you.en: [[FILL: an open one is still to be filled in",
            ]
        );
        assert!(summary(&definition).is_some_and(|s| s.starts_with("4 placeholder(s)")));
    }

    #[test]
    fn a_filled_in_text_has_no_placeholder() {
        let mut definition = SurveyDefinition::blank("filled", "en", "A survey");
        definition.consent.insert("en".into(), "Controller: Example University [[not a placeholder]].".into());
        assert!(unfilled(&definition).is_empty());
        assert_eq!(summary(&definition), None);
    }
}
