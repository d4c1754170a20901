//! A per-client limit on starting new responses, so a bot cannot flood a public link while
//! people behind one address (a conference room, a company network) still get through.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(600);

/// Allows `per_window` new responses per client address every ten minutes (0 = no limit).
pub struct NewResponseLimiter {
    per_window: u32,
    clients: Mutex<HashMap<String, (Instant, u32)>>,
}

impl NewResponseLimiter {
    pub fn new(per_window: u32) -> Self {
        NewResponseLimiter { per_window, clients: Mutex::new(HashMap::new()) }
    }

    /// Counts a new response from `client`; false when the client is over its limit.
    pub fn allow(&self, client: &str) -> bool {
        if self.per_window == 0 {
            return true;
        }
        let Ok(mut clients) = self.clients.lock() else { return true };
        let now = Instant::now();
        if clients.len() > 100_000 {
            clients.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = clients.entry(client.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_window
    }

    /// Holds a place for a new response from `client` while a request decides whether to begin
    /// one, or None when the client is over its limit. The place is given back when the
    /// reservation is dropped unless it was kept (a response was begun): a page sent back with
    /// problems costs a conference room nothing.
    pub fn reserve(self: &Arc<Self>, client: &str) -> Option<Reservation> {
        if !self.allow(client) {
            self.give_back(client);
            return None;
        }
        let limiter = (self.per_window > 0).then(|| self.clone());
        Some(Reservation { limiter, client: client.to_string(), kept: AtomicBool::new(false) })
    }

    fn give_back(&self, client: &str) {
        if self.per_window == 0 {
            return;
        }
        if let Ok(mut clients) = self.clients.lock()
            && let Some(entry) = clients.get_mut(client)
        {
            entry.1 = entry.1.saturating_sub(1);
        }
    }
}

/// A client's place for one new response (see [`NewResponseLimiter::reserve`]).
pub struct Reservation {
    limiter: Option<Arc<NewResponseLimiter>>,
    client: String,
    kept: AtomicBool,
}

impl Reservation {
    /// A place no limit counts (a personal link, which admits one response anyway).
    pub fn unlimited() -> Reservation {
        Reservation { limiter: None, client: String::new(), kept: AtomicBool::new(false) }
    }

    /// A response was begun: the place stays taken.
    pub fn keep(&self) {
        self.kept.store(true, Ordering::Relaxed);
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(limiter) = &self.limiter
            && !self.kept.load(Ordering::Relaxed)
        {
            limiter.give_back(&self.client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_limit_is_refused_and_others_are_not() {
        let limiter = NewResponseLimiter::new(2);
        assert!(limiter.allow("a") && limiter.allow("a"));
        assert!(!limiter.allow("a"));
        assert!(limiter.allow("b"));
        assert!(NewResponseLimiter::new(0).allow("a"));
    }

    #[test]
    fn a_place_not_kept_is_given_back_and_a_kept_one_counts() {
        let limiter = Arc::new(NewResponseLimiter::new(2));
        let first = limiter.reserve("a").expect("within the limit");
        first.keep();
        drop(first);
        for _ in 0..5 {
            // Pages sent back with problems: reserved and given back each time.
            assert!(limiter.reserve("a").is_some());
        }
        let second = limiter.reserve("a").expect("the second response");
        assert!(limiter.reserve("a").is_none(), "held places count while held");
        second.keep();
        drop(second);
        assert!(limiter.reserve("a").is_none(), "two responses begun: over the limit");
        assert!(limiter.reserve("b").is_some());
    }
}
