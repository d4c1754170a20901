//! What the machine coder sees of an answer: character n-grams inside words (2–5 by default) and
//! word unigrams and bigrams, weighted by TF-IDF and scaled to unit length. Words are runs of
//! letters and digits in any script, so the same features work in every language a survey uses.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Which n-grams are features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureParams {
    /// Shortest and longest character n-gram, taken inside each word padded with a space.
    pub char_ngrams: (usize, usize),
    /// Shortest and longest run of words.
    pub word_ngrams: (usize, usize),
    /// A feature must occur in at least this many training answers (rarer ones cannot generalise).
    pub min_answers: u32,
}

impl Default for FeatureParams {
    fn default() -> Self {
        FeatureParams { char_ngrams: (2, 5), word_ngrams: (1, 2), min_answers: 2 }
    }
}

impl FeatureParams {
    /// Calls `emit` with every n-gram of `text` (repeated as often as it occurs). Character
    /// n-grams start with `c`, word n-grams with `w`, so that the two never meet.
    pub fn each_ngram(&self, text: &str, mut emit: impl FnMut(&str)) {
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let mut gram = String::new();
        let mut chars: Vec<char> = Vec::new();
        for word in &words {
            chars.clear();
            chars.push(' ');
            chars.extend(word.chars());
            chars.push(' ');
            let (shortest, longest) = self.char_ngrams;
            for n in shortest..=longest.min(chars.len()) {
                for window in chars.windows(n) {
                    gram.clear();
                    gram.push('c');
                    gram.extend(window);
                    emit(&gram);
                }
            }
        }
        let (shortest, longest) = self.word_ngrams;
        for n in shortest.max(1)..=longest.min(words.len()) {
            for window in words.windows(n) {
                gram.clear();
                gram.push('w');
                for (i, word) in window.iter().enumerate() {
                    if i > 0 {
                        gram.push(' ');
                    }
                    gram.push_str(word);
                }
                emit(&gram);
            }
        }
    }
}

/// The features of a set of answers: the n-grams kept, their inverse document frequency, and
/// each answer's TF-IDF vector (sparse, unit length) by row and by column.
#[derive(Debug, Clone)]
pub struct Features {
    /// The n-grams kept, by feature number.
    pub names: Vec<String>,
    /// Each feature's inverse document frequency, `ln((1 + n) / (1 + df)) + 1`.
    pub idf: Vec<f32>,
    pub rows: Vec<SparseRow>,
    /// For each feature, the answers (row numbers, ascending) it occurs in, with its weight there.
    pub columns: Vec<Vec<(u32, f32)>>,
}

/// An answer's features: (feature number, weight), by feature number.
pub type SparseRow = Vec<(u32, f32)>;

impl Features {
    /// Extracts the features of `texts`, keeping the n-grams found in at least
    /// `params.min_answers` of them. Numbered in order of first appearance, so the same texts in
    /// the same order give the same numbers.
    pub fn extract(texts: &[&str], params: &FeatureParams) -> Features {
        let mut numbers: HashMap<String, u32> = HashMap::new();
        let mut found_in: Vec<u32> = Vec::new();
        let mut counted: Vec<Vec<(u32, u32)>> = Vec::with_capacity(texts.len());
        for text in texts {
            let mut counts: HashMap<u32, u32> = HashMap::new();
            params.each_ngram(text, |gram| {
                let number = match numbers.get(gram) {
                    Some(&n) => n,
                    None => {
                        let n = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                        numbers.insert(gram.to_owned(), n);
                        found_in.push(0);
                        n
                    }
                };
                *counts.entry(number).or_default() += 1;
            });
            let mut counts: Vec<(u32, u32)> = counts.into_iter().collect();
            counts.sort_unstable();
            for (number, _) in &counts {
                found_in[*number as usize] += 1;
            }
            counted.push(counts);
        }
        // Keep the frequent enough, renumbered in the order they were first seen.
        let mut first_seen: Vec<(u32, String)> = numbers.into_iter().map(|(gram, n)| (n, gram)).collect();
        first_seen.sort_unstable_by_key(|(n, _)| *n);
        let mut kept = vec![u32::MAX; first_seen.len()];
        let mut names = Vec::new();
        let mut idf = Vec::new();
        let n = texts.len() as f32;
        for (old, gram) in first_seen {
            let df = found_in[old as usize];
            if df >= params.min_answers {
                kept[old as usize] = names.len() as u32;
                names.push(gram);
                idf.push(((1.0 + n) / (1.0 + df as f32)).ln() + 1.0);
            }
        }
        let rows: Vec<SparseRow> = counted
            .iter()
            .map(|counts| {
                weigh(counts.iter().filter_map(|&(old, count)| {
                    let new = kept[old as usize];
                    (new != u32::MAX).then(|| (new, count, idf[new as usize]))
                }))
            })
            .collect();
        let columns = columns_of(&rows, names.len());
        Features { names, idf, rows, columns }
    }
}

/// TF-IDF weights (`(1 + ln count) × idf`) scaled to unit length, from (feature, count, idf).
pub fn weigh(counts: impl Iterator<Item = (u32, u32, f32)>) -> SparseRow {
    let mut row: SparseRow = counts.map(|(f, count, idf)| (f, (1.0 + (count as f32).ln()) * idf)).collect();
    let norm = row.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in &mut row {
            *w /= norm;
        }
    }
    row
}

/// The same matrix by column.
fn columns_of(rows: &[SparseRow], features: usize) -> Vec<Vec<(u32, f32)>> {
    let mut columns: Vec<Vec<(u32, f32)>> = vec![Vec::new(); features];
    for (i, row) in rows.iter().enumerate() {
        for &(f, w) in row {
            columns[f as usize].push((i as u32, w));
        }
    }
    columns
}

/// A vocabulary to look features up by name when scoring new answers.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    numbers: HashMap<String, u32>,
}

impl Lookup {
    pub fn new(names: &[String]) -> Lookup {
        Lookup { numbers: names.iter().enumerate().map(|(i, name)| (name.clone(), i as u32)).collect() }
    }

    /// The TF-IDF row of a new text, as the training rows were made.
    pub fn row(&self, text: &str, params: &FeatureParams, idf: &[f32]) -> SparseRow {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        params.each_ngram(text, |gram| {
            if let Some(&n) = self.numbers.get(gram) {
                *counts.entry(n).or_default() += 1;
            }
        });
        let mut counts: Vec<(u32, u32)> = counts.into_iter().collect();
        counts.sort_unstable();
        weigh(counts.into_iter().map(|(f, count)| (f, count, idf.get(f as usize).copied().unwrap_or(0.0))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(text: &str, params: &FeatureParams) -> Vec<String> {
        let mut all = Vec::new();
        params.each_ngram(text, |g| all.push(g.to_owned()));
        all
    }

    #[test]
    fn ngrams_are_taken_inside_words_and_over_words_in_any_script() {
        let params = FeatureParams { char_ngrams: (2, 3), word_ngrams: (1, 2), min_answers: 1 };
        let found = grams("Zu teuer!", &params);
        for expected in ["c z", "czu", "cu ", "c t", "cer ", "wzu", "wteuer", "wzu teuer"] {
            assert!(found.iter().any(|g| g == expected), "{expected} in {found:?}");
        }
        assert!(!found.iter().any(|g| g.contains('!')), "punctuation is no part of a word");
        let greek = grams("Πολύ ακριβό", &params);
        assert!(greek.contains(&"wπολύ ακριβό".to_string()), "{greek:?}");
    }

    #[test]
    fn rare_ngrams_are_dropped_and_rows_have_unit_length() {
        let texts = ["too expensive", "too slow", "expensive"];
        let features = Features::extract(&texts, &FeatureParams::default());
        assert!(features.names.contains(&"wtoo".to_string()));
        assert!(!features.names.contains(&"wslow".to_string()), "only in one answer");
        for row in &features.rows {
            let norm: f32 = row.iter().map(|(_, w)| w * w).sum();
            assert!((norm - 1.0).abs() < 1e-5, "{norm}");
        }
        // Scoring a training text again gives its training row.
        let lookup = Lookup::new(&features.names);
        assert_eq!(lookup.row(texts[0], &FeatureParams::default(), &features.idf), features.rows[0]);
    }
}
