//! A per-client limit on starting new responses, so a bot cannot flood a public link while
//! people behind one address (a conference room, a company network) still get through.

use std::collections::HashMap;
use std::sync::Mutex;
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
}
