//! Password hashing in the server: a few hashes at a time on blocking threads, each verification
//! in memory kept for its slot. A flood of logins waits its turn (or is told to come back) instead
//! of running hundreds of argon2 instances of many MiB each at once, and leaves no memory behind.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::Block;
use tokio::sync::Semaphore;

use super::password::PasswordHasher;

/// How long a password waits for a free slot before the person is asked to try again.
pub const WAIT_FOR_SLOT: Duration = Duration::from_secs(3);

/// Why a password was not hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    #[error("every password hashing slot stayed busy")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// The server's password hasher: at most `slots` hashes run at once.
pub struct Hashing {
    hasher: PasswordHasher,
    slots: Semaphore,
    wait: Duration,
    /// One argon2 memory per slot, reused: verifications allocate nothing.
    memories: Mutex<Vec<Vec<Block>>>,
    /// Passwords checked since start (for the tests of throttling, and for the curious).
    verifications: AtomicU64,
}

impl Hashing {
    /// `slots` hashes at a time; a password waits at most `wait` for one.
    pub fn new(hasher: PasswordHasher, slots: usize, wait: Duration) -> Self {
        Hashing {
            hasher,
            slots: Semaphore::new(slots.max(1)),
            wait,
            memories: Mutex::new(Vec::new()),
            verifications: AtomicU64::new(0),
        }
    }

    /// As many slots as the machine has cores, at most four: more at once would not finish sooner,
    /// only take more memory.
    pub fn default_slots() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(4)
    }

    /// `PasswordHasher::verify`, in a slot.
    pub async fn verify(self: &Arc<Self>, password: String, stored: Option<String>) -> Result<bool, HashingError> {
        let _slot = self.slot().await?;
        let this = Arc::clone(self);
        let verified = tokio::task::spawn_blocking(move || {
            let mut memory = this.memories.lock().ok().and_then(|mut kept| kept.pop()).unwrap_or_default();
            let verified = this.hasher.verify_in(&password, stored.as_deref(), &mut memory);
            this.verifications.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut kept) = this.memories.lock() {
                kept.push(memory);
            }
            verified
        })
        .await
        .map_err(|e| anyhow::anyhow!("verify task: {e}"))?;
        Ok(verified)
    }

    /// `PasswordHasher::hash`, in a slot.
    pub async fn hash(self: &Arc<Self>, password: String) -> Result<String, HashingError> {
        let _slot = self.slot().await?;
        let this = Arc::clone(self);
        Ok(tokio::task::spawn_blocking(move || this.hasher.hash(&password))
            .await
            .map_err(|e| anyhow::anyhow!("hashing task: {e}"))??)
    }

    /// How many passwords have been checked since start.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, HashingError> {
        match tokio::time::timeout(self.wait, self.slots.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            // Closed never happens (nothing closes it); treat it as busy all the same.
            Ok(Err(_)) | Err(_) => Err(HashingError::Busy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PasswordHashingArgs;

    fn hashing(slots: usize, wait: Duration) -> Arc<Hashing> {
        let cost = PasswordHashingArgs { argon2_memory_kib: 64, argon2_iterations: 1 };
        Arc::new(Hashing::new(PasswordHasher::new(cost).unwrap(), slots, wait))
    }

    #[tokio::test]
    async fn verifications_are_counted_and_memories_kept_per_slot() {
        let hashing = hashing(2, WAIT_FOR_SLOT);
        let hash = hashing.hash("a good long password".into()).await.unwrap();
        let checks: Vec<_> = (0..8)
            .map(|n| {
                let (hashing, hash) = (hashing.clone(), hash.clone());
                let password = if n == 0 { "a good long password" } else { "wrong" };
                tokio::spawn(async move { hashing.verify(password.into(), Some(hash)).await.unwrap() })
            })
            .collect();
        let mut results = Vec::new();
        for check in checks {
            results.push(check.await.unwrap());
        }
        assert_eq!(results.iter().filter(|ok| **ok).count(), 1);
        assert_eq!(hashing.verifications(), 8);
        assert!(hashing.memories.lock().unwrap().len() <= 2, "more memories than slots");
    }

    #[tokio::test]
    async fn a_password_that_finds_every_slot_busy_is_refused_after_the_wait() {
        let hashing = hashing(1, Duration::from_millis(50));
        let held = hashing.slots.acquire().await.unwrap();
        let refused = hashing.verify("whatever".into(), None).await;
        assert!(matches!(refused, Err(HashingError::Busy)), "{refused:?}");
        drop(held);
        assert!(!hashing.verify("whatever".into(), None).await.unwrap());
    }
}
