//! JSON documents stored in a column (a survey's definition, a codebook's draft), decoded once: a
//! staff page reads them on every request (the scope extractors do), and decoding some 100 KB of
//! JSON each time was a good part of a coding page's cost. Entries are keyed by the stored text
//! itself, so a changed document is a new entry and nothing can go stale; the few most recent
//! are kept, for every database the process has open (the tests run many).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;

/// The most recently decoded documents of one type.
pub struct Decoded<T> {
    recent: Mutex<VecDeque<(Arc<str>, Arc<T>)>>,
}

impl<T: DeserializeOwned + Clone> Decoded<T> {
    /// Documents kept, most recent first.
    const KEPT: usize = 16;

    pub const fn new() -> Self {
        Decoded { recent: Mutex::new(VecDeque::new()) }
    }

    /// `json` decoded: a copy of the one decoded before from the same text, or decoded now.
    pub fn decode(&self, json: &str) -> serde_json::Result<T> {
        if let Some(found) = self.find(json) {
            return Ok((*found).clone());
        }
        let value: T = serde_json::from_str(json)?;
        let mut recent = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        recent.push_front((Arc::from(json), Arc::new(value.clone())));
        recent.truncate(Self::KEPT);
        Ok(value)
    }

    fn find(&self, json: &str) -> Option<Arc<T>> {
        let recent = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Lengths first: a full comparison only for a text of the same length.
        recent.iter().find(|(text, _)| text.len() == json.len() && **text == *json).map(|(_, value)| Arc::clone(value))
    }
}

impl<T: DeserializeOwned + Clone> Default for Decoded<T> {
    fn default() -> Self {
        Decoded::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_gives_the_same_value_and_a_changed_text_a_new_one() {
        let cache: Decoded<Vec<String>> = Decoded::new();
        assert_eq!(cache.decode(r#"["a","b"]"#).unwrap(), ["a", "b"]);
        assert_eq!(cache.decode(r#"["a","b"]"#).unwrap(), ["a", "b"], "from the cache");
        assert_eq!(cache.decode(r#"["a","c"]"#).unwrap(), ["a", "c"], "same length, other text");
        assert!(cache.decode("[1").is_err());
        for i in 0..40 {
            assert_eq!(cache.decode(&format!("[\"{i}\"]")).unwrap(), [i.to_string()]);
        }
        assert!(cache.recent.lock().unwrap().len() <= 16, "only the most recent are kept");
    }
}
