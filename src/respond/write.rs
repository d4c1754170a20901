//! The one write a respondent's request makes, run in the writer's transaction: a response begun
//! (or the respondent's own found), a page's answers stored with the answers they hid elsewhere
//! let go, where the respondent is now, and the response completed after its last page. What to
//! write is decided beforehand by `respond::step`; this only does it.

use std::sync::Arc;

use crate::db::DbError;
use crate::distribute::participants;
use crate::paradata::device::Device;
use crate::respond::answers;
use crate::respond::flow;
use crate::respond::recent::{FormKey, RecentBegins};
use crate::respond::step::Checked;
use crate::respond::store::{self as responses, NewResponse, PageVisit, Position, ResponseRow};
use crate::survey::order;
use crate::survey::validate::CompiledSurvey;
use crate::web::{random_token, token_digest};

/// What the respondent was shown with a page: the seed its order was drawn from, and when it
/// was shown (RFC 3339 UTC), if the form said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    pub seed: u64,
    pub shown_at: Option<String>,
}

/// What storing a page writes: its answers (and those that its answers hid elsewhere) and where
/// the respondent goes next, None when the page was the last.
#[derive(Debug, Clone, PartialEq)]
pub struct Saving {
    replaced: Vec<String>,
    rows: Vec<(String, String, String)>,
    pub(crate) index: usize,
    pub(crate) next: Option<usize>,
    /// Whether the page comes back once because its answers revealed more questions.
    again: bool,
    language: String,
    version: i64,
    anonymous: bool,
    /// The page saved, and when it was shown (paradata); None when only the position changes.
    visit: Option<(String, Option<String>)>,
    /// The orders its randomised elements were shown in: (element code, codes in order).
    orders: Vec<(String, String)>,
}

impl Saving {
    /// Page `index` as posted and checked, in survey version `version`, as `seen` by the respondent.
    pub fn new(
        survey: &CompiledSurvey,
        version: i64,
        (index, seen): (usize, &Seen),
        checked: &Checked,
        language: &str,
    ) -> Saving {
        let d = &survey.definition;
        // Going back keeps what is valid and lets go of what is not, without holding the person up.
        let mut to_store = checked.merged.clone();
        for code in checked.problems.keys() {
            to_store.remove(code);
        }
        let dropped = flow::prune_hidden(survey, &mut to_store);
        let mut replaced: Vec<String> = d.pages[index].questions.iter().map(|q| q.code.clone()).collect();
        replaced.extend(dropped);
        let rows = replaced
            .iter()
            .filter_map(|code| Some((code, d.question(code)?, to_store.get(code)?)))
            .flat_map(|(code, question, items)| {
                answers::normalised(question, items).into_iter().map(move |(item, value)| (code.clone(), item, value))
            })
            .collect();
        let again = !checked.revealed.is_empty();
        let next = if checked.going_back {
            flow::previous_page(survey, index, &to_store).or(Some(index))
        } else if again {
            Some(index)
        } else {
            flow::next_page(survey, index, &to_store)
        };
        let page = &d.pages[index];
        let shown: Vec<&str> =
            flow::visible_questions(survey, index, &to_store).into_iter().map(|q| q.code.as_str()).collect();
        let orders = order::drawn(page, seen.seed, &shown)
            .into_iter()
            .map(|(element, codes)| (element.to_string(), codes))
            .collect();
        Saving {
            replaced,
            rows,
            index,
            next,
            again,
            language: language.to_string(),
            version,
            anonymous: d.anonymous,
            visit: Some((page.code.clone(), seen.shown_at.clone())),
            orders,
        }
    }

    /// No answers, only where the respondent is: page `index` in `language` (a response begun on
    /// the welcome page, a language switched).
    pub fn position(survey: &CompiledSurvey, version: i64, index: usize, language: &str) -> Saving {
        Saving {
            replaced: Vec::new(),
            rows: Vec::new(),
            index,
            next: Some(index),
            again: false,
            language: language.to_string(),
            version,
            anonymous: survey.definition.anonymous,
            visit: None,
            orders: Vec::new(),
        }
    }

    /// Where the respondent goes once the page is saved.
    pub fn target(&self, slug: &str) -> String {
        match self.next {
            Some(next) if self.again => format!("/s/{slug}/p/{next}?more=1"),
            Some(next) => format!("/s/{slug}/p/{next}"),
            None => format!("/s/{slug}/done"),
        }
    }

    /// The answer rows stored: (question, item, value).
    pub fn rows(&self) -> &[(String, String, String)] {
        &self.rows
    }

    /// Stores the page in response `response_id`; true when that completed the response.
    fn write(&self, tx: &rusqlite::Connection, response_id: i64) -> Result<bool, DbError> {
        if !self.replaced.is_empty() {
            responses::replace_answers(tx, response_id, &self.replaced, &self.rows)?;
        }
        // Paradata: the page saved (when it was shown, in which language) and the orders shown.
        if let Some((page, shown_at)) = &self.visit {
            let visit =
                PageVisit { page, language: &self.language, shown_at: shown_at.as_deref(), anonymous: self.anonymous };
            responses::add_visit(tx, response_id, &visit)?;
        }
        if !self.orders.is_empty() {
            responses::record_orders(tx, response_id, &self.orders)?;
        }
        let (language, version, anonymous) = (self.language.as_str(), self.version, self.anonymous);
        let page_index = self.next.unwrap_or(self.index);
        responses::set_position(tx, response_id, &Position { page_index, language, version, anonymous })?;
        if self.next.is_none() {
            responses::complete(tx, response_id, anonymous)?;
            crate::webhooks::response_completed(tx, response_id)?;
        }
        Ok(self.next.is_none())
    }
}

/// A new response as it is created, owned so that it can go to the writer thread.
pub struct Beginning {
    pub survey_id: i64,
    pub version: i64,
    pub language: String,
    pub consented: bool,
    pub anonymous: bool,
    pub client: String,
    pub user_agent: String,
    /// The participant whose personal link begins it.
    pub participant_id: Option<i64>,
    /// The browser form beginning it, and the responses forms began in the last seconds.
    pub form: FormKey,
    pub recent: Arc<RecentBegins>,
    /// The seed of its randomised orders, when the page that begins it was shown with one.
    pub seed: Option<u64>,
}

/// What beginning a response came to.
enum Begun {
    Created(i64, String),
    Already(ResponseRow, String),
    LinkUsed,
}

impl Beginning {
    /// Finds the response this form began seconds ago (it was sent twice), or marks the
    /// participant started and creates the response. Runs in the writer's transaction, so two
    /// sends of one form cannot both create.
    fn create(&self, tx: &rusqlite::Connection) -> Result<Begun, DbError> {
        if let Some(resume) = self.recent.find(&self.form)
            && let Some(row) = responses::find_by_resume(tx, self.survey_id, &token_digest(&resume))?
        {
            return Ok(Begun::Already(row, resume));
        }
        if let Some(id) = self.participant_id
            && !participants::mark_started(tx, id, self.anonymous)?
        {
            return Ok(Begun::LinkUsed);
        }
        let resume = random_token();
        let new = NewResponse {
            survey_id: self.survey_id,
            survey_version: self.version,
            language: &self.language,
            resume_hash: &token_digest(&resume),
            consented: self.consented,
            anonymous: self.anonymous,
            client_ip: &self.client,
            user_agent: &self.user_agent,
            // Anonymous surveys keep nothing that links a response to its participant.
            participant_id: self.participant_id.filter(|_| !self.anonymous),
            seed: self.seed.unwrap_or_else(order::new_seed),
            device: Device::of(&self.user_agent).map(Device::as_str),
        };
        let id = responses::create(tx, &new)?;
        // Should this transaction fail after all, a second send finds no such response and begins.
        self.recent.remember(self.form, resume.clone());
        Ok(Begun::Created(id, resume))
    }
}

/// Whose response the page goes into.
pub enum Whose {
    /// A response begun by this write.
    New(Beginning),
    /// The respondent's response, by id.
    Existing(i64),
}

/// One respondent write.
pub struct Write {
    pub whose: Whose,
    pub saving: Saving,
    /// The participant marked completed when this completes the response: in an anonymous
    /// survey the response does not name them, and only the request knows their personal link.
    pub completes_participant: Option<i64>,
}

/// What a write came to.
#[derive(Debug)]
pub enum Written {
    /// The page is stored; `begun` is the resume token of the response the write began.
    Stored { begun: Option<String> },
    /// This browser's form began a response seconds ago (it was sent twice): that response and
    /// its resume token. Nothing more was written.
    Already(ResponseRow, String),
    /// The personal link began a response meanwhile (another tab, another device); nothing was
    /// written.
    LinkUsed,
}

impl Write {
    /// Runs in the writer's transaction.
    pub fn run(self, tx: &rusqlite::Connection) -> Result<Written, DbError> {
        let (response_id, begun) = match &self.whose {
            Whose::Existing(id) => (*id, None),
            Whose::New(beginning) => match beginning.create(tx)? {
                Begun::Created(id, resume) => (id, Some(resume)),
                Begun::Already(row, resume) => return Ok(Written::Already(row, resume)),
                Begun::LinkUsed => return Ok(Written::LinkUsed),
            },
        };
        let completed = self.saving.write(tx, response_id)?;
        if completed && let Some(participant_id) = self.completes_participant {
            participants::mark_completed(tx, participant_id, true)?;
        }
        Ok(Written::Stored { begun })
    }
}
