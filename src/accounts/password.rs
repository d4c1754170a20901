//! Password hashing with argon2id. Hashing is deliberately slow, so callers run these functions
//! on blocking threads (`spawn_blocking`), never on the async workers.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

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
        let candidate = stored.unwrap_or(&self.decoy_hash);
        let matches = PasswordHash::new(candidate)
            .map(|parsed| self.argon2().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        matches && stored.is_some()
    }
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
    fn the_same_password_gets_a_different_salt_each_time() {
        let hasher = cheap();
        assert_ne!(hasher.hash("same password here").unwrap(), hasher.hash("same password here").unwrap());
    }
}
