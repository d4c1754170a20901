//! Trainings under way, for the page to show their progress: one at a time on the whole server
//! (a training takes a core for seconds to minutes), kept in memory; the result is in the
//! database, a failure here until the next training of the codebook.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// A codebook's training: how far it is, and how it ended.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub started_at: String,
    /// Classifiers fitted so far, of `total`.
    pub done: usize,
    pub total: usize,
    /// `None` while it runs; the model's hash, or why it failed.
    pub outcome: Option<Result<String, String>>,
}

impl Job {
    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }

    /// Percent done, for the progress bar.
    pub fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// The trainings of the server's codebooks, by codebook id.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<i64, Job>>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Job>> {
        // A panic while holding the lock leaves plain numbers behind: still good to read.
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a training of `codebook`, unless one (of any codebook) is running.
    pub fn start(&self, codebook: i64) -> bool {
        let mut jobs = self.lock();
        if jobs.values().any(Job::running) {
            return false;
        }
        let job = Job { started_at: crate::db::now_rfc3339(), done: 0, total: 0, outcome: None };
        jobs.insert(codebook, job);
        true
    }

    pub fn progress(&self, codebook: i64, done: usize, total: usize) {
        if let Some(job) = self.lock().get_mut(&codebook) {
            job.done = done;
            job.total = total;
        }
    }

    pub fn finish(&self, codebook: i64, outcome: Result<String, String>) {
        if let Some(job) = self.lock().get_mut(&codebook) {
            job.outcome = Some(outcome);
        }
    }

    pub fn get(&self, codebook: i64) -> Option<Job> {
        self.lock().get(&codebook).cloned()
    }
}
