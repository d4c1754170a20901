//! Personal links: each participant's token is HMAC-SHA256 of a random per-participant salt under
//! the server's link key, a file kept outside the database. The database holds only the salt and
//! the token's SHA-256, so a leaked database opens no survey, while the key holder can list the
//! links again (for a CSV of links or a reminder) without ever storing them. Opt-out links are made
//! the same way from a salt of their own and for their own purpose: they only stop mail.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use sha2::Sha256;

/// The secret from which every personal link is derived.
#[derive(Clone)]
pub struct LinkKey([u8; 32]);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

/// Why the link key could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum LinkKeyError {
    #[error("could not read or create the link key {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the link key {0} is damaged: it must hold 64 hexadecimal digits")]
    Damaged(PathBuf),
}

impl LinkKey {
    /// Where the key lives when no path is given: beside the database, `fieldwork.db.link-key`.
    pub fn default_path(db_path: &Path) -> PathBuf {
        let mut name = db_path.as_os_str().to_owned();
        name.push(".link-key");
        PathBuf::from(name)
    }

    /// Reads the key at `path`, or makes a new one there (readable by its owner only).
    pub fn load_or_create(path: &Path) -> Result<LinkKey, LinkKeyError> {
        let io = |source| LinkKeyError::Io { path: path.to_path_buf(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(text.trim()).ok_or_else(|| LinkKeyError::Damaged(path.to_path_buf())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(path) {
                    Ok(mut file) => {
                        file.write_all(hex(&key).as_bytes()).map_err(io)?;
                        file.sync_all().map_err(io)?;
                        Ok(LinkKey(key))
                    }
                    // Another process made it first: use theirs.
                    Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(path),
                    Err(err) => Err(io(err)),
                }
            }
            Err(err) => Err(io(err)),
        }
    }

    fn parse(text: &str) -> Option<LinkKey> {
        if text.len() != 64 {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(LinkKey(key))
    }

    /// The personal link's token of the participant with this salt: 256 bits, URL-safe base64.
    pub fn token(&self, salt: &[u8]) -> String {
        self.derive(b"fieldwork personal link\0", salt)
    }

    /// The opt-out link's token with this salt. Its own purpose in the MAC, so that it never
    /// equals a personal link's token, whatever the salts.
    pub fn opt_out_token(&self, salt: &[u8]) -> String {
        self.derive(b"fieldwork opt-out link\0", salt)
    }

    fn derive(&self, purpose: &[u8], salt: &[u8]) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            unreachable!("HMAC takes a key of any length")
        };
        mac.update(purpose);
        mac.update(salt);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random salt for a participant's token (128 bits, so every token is distinct).
pub fn new_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    salt
}

/// A participant's personal link.
pub fn personal_link(base_url: &str, slug: &str, token: &str) -> String {
    format!("{}/s/{slug}?t={token}", base_url.trim_end_matches('/'))
}

/// The link that stops further mail to a participant, with their opt-out token (never their
/// personal link's token: this link travels in a mail header that mail providers fetch).
pub fn opt_out_link(base_url: &str, slug: &str, token: &str) -> String {
    format!("{}/s/{slug}/opt-out?t={token}", base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_and_read_back_and_tokens_follow_from_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let made = LinkKey::load_or_create(&path).unwrap();
        let read = LinkKey::load_or_create(&path).unwrap();
        assert_eq!(made.token(b"salt"), read.token(b"salt"));
        assert_ne!(made.token(b"salt"), made.token(b"other salt"));
        assert_eq!(made.token(b"salt").len(), 43, "256 bits in URL-safe base64");
        assert_ne!(made.opt_out_token(b"salt"), made.token(b"salt"), "each token has its own purpose");
        assert_eq!(made.opt_out_token(b"salt"), read.opt_out_token(b"salt"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_key_is_refused_rather_than_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, "not hex").unwrap();
        assert!(matches!(LinkKey::load_or_create(&path), Err(LinkKeyError::Damaged(_))));
    }
}
