//! Randomised order: the choices of a question (a matrix: its rows) and the questions of a page,
//! shown in an order drawn once per response from the response's seed. The draw is a pure
//! function of the seed and the element's code, so the same response sees the same order on Back,
//! on resuming and after switching language, and a response can be replayed in tests. The
//! generator is written here (SplitMix64 and a Fisher–Yates shuffle) rather than taken from a
//! crate, whose algorithm may change between versions: an order once shown must stay the same.

use super::model::{Choice, Page, Question, QuestionType};

/// A stable 64-bit hash of a text (FNV-1a), to draw a different order for each element.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// SplitMix64: small, fast and well mixed, enough to order a few dozen elements.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `bound` (> 0); the bias of the remainder is negligible at these sizes.
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// Shuffles the elements of `items` whose `group` is Some among the places of their group; the
/// others keep their place. `key` names what is shuffled, so that each element draws its own order.
fn shuffle_groups<T: Copy>(items: &mut [T], seed: u64, key: &str, group: impl Fn(&T) -> Option<String>) {
    let mut groups: Vec<String> = items.iter().filter_map(&group).collect();
    groups.sort();
    groups.dedup();
    for name in groups {
        let places: Vec<usize> = (0..items.len()).filter(|&i| group(&items[i]).as_deref() == Some(&name)).collect();
        let mut members: Vec<T> = places.iter().map(|&i| items[i]).collect();
        let mut random = SplitMix(seed ^ fnv1a(key) ^ fnv1a(&name).rotate_left(17));
        for i in (1..members.len()).rev() {
            members.swap(i, random.below(i + 1));
        }
        for (place, member) in places.into_iter().zip(members) {
            items[place] = member;
        }
    }
}

/// The choices of `question` in the order the response with `seed` sees them. A matrix's choices
/// are its scale, never shuffled; Other is not a choice here and always comes last.
pub fn choices(question: &Question, seed: u64) -> Vec<&Choice> {
    let mut choices: Vec<&Choice> = question.choices.iter().collect();
    if question.randomize && question.kind != QuestionType::Matrix {
        let key = format!("choices:{}", question.code);
        shuffle_groups(&mut choices, seed, &key, |c| (!c.keeps_place()).then(String::new));
    }
    choices
}

/// The rows of a matrix `question` in the order the response with `seed` sees them.
pub fn rows(question: &Question, seed: u64) -> Vec<&Choice> {
    let mut rows: Vec<&Choice> = question.rows.iter().collect();
    if question.randomize && question.kind == QuestionType::Matrix {
        let key = format!("rows:{}", question.code);
        shuffle_groups(&mut rows, seed, &key, |r| (!r.keeps_place()).then(String::new));
    }
    rows
}

/// The questions of `page` in the order the response with `seed` sees them: with `order_group`s,
/// each group's questions change places among themselves and the others keep theirs; without,
/// every question but the display texts (an introduction stays first) changes places.
pub fn questions(page: &Page, seed: u64) -> Vec<&Question> {
    let mut questions: Vec<&Question> = page.questions.iter().collect();
    if page.randomize {
        let key = format!("page:{}", page.code);
        let grouped = page.questions.iter().any(|q| q.order_group.is_some());
        shuffle_groups(&mut questions, seed, &key, |q| match (grouped, &q.order_group) {
            (true, group) => group.clone(),
            (false, _) => (q.kind != QuestionType::Display).then(String::new),
        });
    }
    questions
}

/// What is randomised on `page` and the codes in the order the response with `seed` sees them,
/// for each element (the page's own code for its questions, a question's code for its choices or
/// rows) among `shown` (codes of the questions shown): the order recorded with the response.
pub fn drawn<'p>(page: &'p Page, seed: u64, shown: &[&str]) -> Vec<(&'p str, String)> {
    let join = |codes: Vec<&str>| codes.join(" ");
    let mut drawn = Vec::new();
    if page.randomize {
        let order = questions(page, seed).into_iter().map(|q| q.code.as_str()).filter(|c| shown.contains(c));
        drawn.push((page.code.as_str(), join(order.collect())));
    }
    for question in page.questions.iter().filter(|q| q.randomize && shown.contains(&q.code.as_str())) {
        let elements =
            if question.kind == QuestionType::Matrix { rows(question, seed) } else { choices(question, seed) };
        drawn.push((question.code.as_str(), join(elements.into_iter().map(|c| c.code.as_str()).collect())));
    }
    drawn
}

/// A new response's seed.
pub fn new_seed() -> u64 {
    rand::random()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::model::Choice;

    fn question(codes: &[&str], anchored: &[&str]) -> Question {
        let mut q = Question::new("Q", QuestionType::MultipleChoice, "en", "Q");
        q.randomize = true;
        q.choices = codes
            .iter()
            .map(|code| Choice { anchor: anchored.contains(code), ..Choice::new(code, "en", code) })
            .collect();
        q
    }

    fn codes(choices: Vec<&Choice>) -> Vec<&str> {
        choices.into_iter().map(|c| c.code.as_str()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_order_and_seeds_differ() {
        let q = question(&["a", "b", "c", "d", "e", "f", "g", "h"], &[]);
        assert_eq!(codes(choices(&q, 7)), codes(choices(&q, 7)));
        let orders: std::collections::HashSet<Vec<&str>> = (0..50).map(|seed| codes(choices(&q, seed))).collect();
        assert!(orders.len() > 40, "{} different orders of 50", orders.len());
        let mut sorted = codes(choices(&q, 3));
        sorted.sort();
        assert_eq!(sorted, ["a", "b", "c", "d", "e", "f", "g", "h"], "a permutation");
    }

    #[test]
    fn the_order_of_a_seed_is_fixed_for_good() {
        // Stored responses are shown this order again after an upgrade: it must never change.
        let q = question(&["a", "b", "c", "d", "e"], &[]);
        assert_eq!(codes(choices(&q, 42)), ["a", "c", "e", "d", "b"]);
    }

    #[test]
    fn anchored_and_exclusive_choices_keep_their_place() {
        let mut q = question(&["a", "b", "c", "d", "none", "no_answer"], &["no_answer"]);
        q.choices[4].exclusive = true;
        for seed in 0..30 {
            let order = codes(choices(&q, seed));
            assert_eq!(&order[4..], ["none", "no_answer"], "seed {seed}");
        }
    }

    #[test]
    fn a_question_without_randomize_keeps_its_order() {
        let mut q = question(&["a", "b", "c"], &[]);
        q.randomize = false;
        assert_eq!(codes(choices(&q, 99)), ["a", "b", "c"]);
    }

    #[test]
    fn questions_change_places_within_their_groups_and_display_texts_stay() {
        let mut page = Page::new("p");
        page.randomize = true;
        page.questions.push(Question::new("INTRO", QuestionType::Display, "en", "Intro"));
        for code in ["A", "B", "C", "D"] {
            page.questions.push(Question::new(code, QuestionType::ShortText, "en", code));
        }
        for seed in 0..20 {
            assert_eq!(questions(&page, seed)[0].code, "INTRO");
        }
        page.questions[1].order_group = Some("g".into());
        page.questions[2].order_group = Some("g".into());
        for seed in 0..20 {
            let order: Vec<&str> = questions(&page, seed).into_iter().map(|q| q.code.as_str()).collect();
            assert!(order[1..3] == ["A", "B"] || order[1..3] == ["B", "A"], "{order:?}");
            assert_eq!(order[3..], ["C", "D"], "ungrouped questions keep their place when groups are used");
        }
    }
}
