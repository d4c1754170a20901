//! Password hashing with argon2id. Hashing is deliberately slow, so callers run these functions
//! on blocking threads (`spawn_blocking`), never on the async workers; the server goes through
//! `hashing::Hashing`, which bounds how many run at once.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq as _;

use crate::config::PasswordHashingArgs;

/// Hashes and verifies passwords with one set of argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password, verified against when an email is unknown so that an unknown
    /// email costs the same time as a wrong password.
    decoy_hash: String,
}

impl PasswordHasher {
    pub fn new(cost: PasswordHashingArgs) -> anyhow::Result<Self> {
        let params = Params::new(cost.argon2_memory_kib, cost.argon2_iterations, 1, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let mut hasher = PasswordHasher { params, decoy_hash: String::new() };
        hasher.decoy_hash = hasher.hash(&crate::web::random_token())?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes a password with a fresh random salt, as a PHC string.
    pub fn hash(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        let hash = self
            .argon2()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("could not hash a password: {e}"))?;
        Ok(hash.to_string())
    }

    /// True when `password` matches `stored`. With no stored hash (unknown email, or an account
    /// that has not set a password yet) the decoy is verified instead and the answer is false.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        self.verify_in(password, stored, &mut Vec::new())
    }

    /// `verify`, computing in `memory` (grown to the size the stored hash needs), so that a caller
    /// that keeps its memory allocates nothing per password.
    pub fn verify_in(&self, password: &str, stored: Option<&str>, memory: &mut Vec<Block>) -> bool {
        let candidate = stored.unwrap_or(&self.decoy_hash);
        let matches = PasswordHash::new(candidate).ok().is_some_and(|parsed| verify_hash(password, &parsed, memory));
        matches && stored.is_some()
    }
}

/// Recomputes `hash` from `password` with the hash's own algorithm, version, parameters and salt,
/// and compares in constant time: what argon2's `verify_password` does, but in the memory given.
fn verify_hash(password: &str, hash: &PasswordHash<'_>, memory: &mut Vec<Block>) -> bool {
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else { return false };
    let version = hash.version.map_or(Ok(Version::default()), Version::try_from);
    let (Ok(version), Ok(params)) = (version, Params::try_from(hash)) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let blocks = params.block_count();
    let mut output = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut output,
        &mut memory[..blocks],
    );
    computed.is_ok() && bool::from(output.as_slice().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordHasher {
        PasswordHasher::new(PasswordHashingArgs { argon2_memory_kib: 64, argon2_iterations: 1 }).unwrap()
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hasher = cheap();
        let hash = hasher.hash("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(hasher.verify("correct horse battery staple", Some(&hash)));
        assert!(!hasher.verify("wrong horse battery staple", Some(&hash)));
        assert!(!hasher.verify("correct horse battery staple", None));
    }

    #[test]
    fn verifying_in_kept_memory_gives_the_same_answers_and_reuses_it() {
        let hasher = cheap();
        let hash = hasher.hash("correct horse battery staple").unwrap();
        let mut memory = Vec::new();
        assert!(hasher.verify_in("correct horse battery staple", Some(&hash), &mut memory));
        let kept = memory.as_ptr();
        assert!(!hasher.verify_in("wrong horse battery staple", Some(&hash), &mut memory));
        assert!(!hasher.verify_in("correct horse battery staple", None, &mut memory));
        assert_eq!(memory.as_ptr(), kept, "the memory was allocated again");
        assert!(!hasher.verify_in("x", Some("not a hash"), &mut memory));
    }

    #[test]
    fn the_same_password_gets_a_different_salt_each_time() {
        let hasher = cheap();
        assert_ne!(hasher.hash("same password here").unwrap(), hasher.hash("same password here").unwrap());
    }
}
