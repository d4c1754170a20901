//! The respondent interface's own texts (buttons, validation messages, status pages), built in for
//! several languages. A survey can override any of them per language in its `[messages]` table.

mod catalog;

use super::model::SurveyDefinition;
use catalog::{CATALOG, LANGUAGES};

/// Whether `key` names a built-in message (for checking a survey's `[messages]` overrides).
pub fn is_known(key: &str) -> bool {
    CATALOG.iter().any(|(k, _)| *k == key)
}

/// Every message key, for documentation and for the designer's translation view.
pub fn keys() -> impl Iterator<Item = &'static str> {
    CATALOG.iter().map(|(k, _)| *k)
}

/// The message `key` in `language`: the survey's override, else the built-in text in that language
/// (or its base language, `pt` for `pt-BR`), else English.
pub fn message(survey: &SurveyDefinition, key: &str, language: &str) -> String {
    if let Some(text) = survey.messages.get(key).and_then(|t| t.get(language)).filter(|t| !t.is_empty()) {
        return text.clone();
    }
    let base = language.split('-').next().unwrap_or(language);
    let column = LANGUAGES.iter().position(|l| *l == base).unwrap_or(0);
    CATALOG.iter().find(|(k, _)| *k == key).map_or_else(|| key.to_string(), |(_, texts)| texts[column].to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_message_the_code_asks_for_is_in_the_catalogue() {
        let sources = [
            include_str!("../../respond/web/pages.rs"),
            include_str!("../../respond/web/execute.rs"),
            include_str!("../../respond/web/resume.rs"),
            include_str!("../../respond/web/invite.rs"),
            include_str!("../../respond/step/mod.rs"),
            include_str!("../../respond/answers/mod.rs"),
            include_str!("../../respond/step/page.rs"),
            include_str!("../../respond/web/view.rs"),
        ];
        for source in sources {
            for (i, _) in source
                .match_indices("\"error_")
                .chain(source.match_indices("\"revealed\""))
                .chain(source.match_indices("\"resume_"))
                .chain(source.match_indices("\"personal_link_"))
            {
                let key: String = source[i + 1..].chars().take_while(|c| *c != '"').collect();
                assert!(super::is_known(&key), "{key} is used but has no text");
            }
        }
    }
}
