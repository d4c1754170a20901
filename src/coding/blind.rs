//! Blind coding, the one rule: while a codebook is blind (and reconciliation is not open), a coder
//! sees nothing of another coder's work on any page — codes, passages, memos on answers or codes,
//! journal entries, done marks, counts. Those who run the study (admins, the survey's researchers)
//! still read the whole journal, and their own entries stay in every coder's view.

use crate::codebook::store::StoredCodebook;

/// Whether others' coding work is hidden now, and from whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blinding {
    /// The codebook hides coders' work from each other.
    pub blind: bool,
}

/// Who is looking, and whose work it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    /// Runs the study (an admin, or a researcher of the survey) rather than only coding in it.
    pub manages: bool,
}

impl Blinding {
    /// Blind while the codebook says so and reconciliation, which shows everyone's codes, is not
    /// open.
    pub fn of(codebook: &StoredCodebook) -> Blinding {
        Blinding { blind: codebook.blind && !codebook.reconciliation_open }
    }

    /// Whether `viewer` sees work on an answer (codes, passages, memos, done marks) by `author`.
    /// On an answer everyone codes, researchers too: each sees only their own while blind.
    pub fn shows_on_answer(self, viewer: i64, author: i64) -> bool {
        !self.blind || viewer == author
    }

    /// Whether `viewer` sees a journal entry or a memo on a code by `author`: their own, and
    /// those of the people who run the study; and everything to those who run it.
    pub fn shows_in_journal(self, viewer: Person, author: Person) -> bool {
        !self.blind || viewer.manages || viewer.id == author.id || author.manages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODER_A: Person = Person { id: 1, manages: false };
    const CODER_B: Person = Person { id: 2, manages: false };
    const RESEARCHER: Person = Person { id: 3, manages: true };

    #[test]
    fn while_blind_a_coder_sees_only_their_own_work_and_the_researchers_journal() {
        let blind = Blinding { blind: true };
        assert!(blind.shows_on_answer(CODER_A.id, CODER_A.id));
        assert!(!blind.shows_on_answer(CODER_A.id, CODER_B.id));
        assert!(!blind.shows_on_answer(CODER_A.id, RESEARCHER.id), "a researcher's codes are coding work too");
        assert!(!blind.shows_on_answer(RESEARCHER.id, CODER_A.id), "a researcher coding codes blind");
        assert!(blind.shows_in_journal(CODER_A, CODER_A));
        assert!(!blind.shows_in_journal(CODER_A, CODER_B));
        assert!(blind.shows_in_journal(CODER_A, RESEARCHER), "the study's guidance");
        assert!(blind.shows_in_journal(RESEARCHER, CODER_B), "those who run the study read it all");
    }

    #[test]
    fn not_blind_everyone_sees_everything() {
        let open = Blinding { blind: false };
        assert!(open.shows_on_answer(CODER_A.id, CODER_B.id));
        assert!(open.shows_in_journal(CODER_A, CODER_B));
    }
}
