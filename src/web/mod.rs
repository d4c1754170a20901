//! The thin web layer shared by every feature: templates and the page context, CSRF, sessions
//! stored in SQLite, security headers, request logging, error pages, static files, the route
//! table as data, and the extractors that scope a request to a survey.

pub mod client;
pub mod csrf;
pub mod middleware;
pub mod page;
pub mod routes;
pub mod scope;
pub mod server;
pub mod session_store;
pub mod static_files;
pub mod templates;
pub mod time_zone;

use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

pub use page::Page;

/// The session the session layer put on the request (for the page context and the login
/// extractors alike).
pub fn session_of(parts: &axum::http::request::Parts) -> crate::error::Result<tower_sessions::Session> {
    let session = parts.extensions.get::<tower_sessions::Session>().cloned();
    session.ok_or_else(|| anyhow::anyhow!("no session layer").into())
}

/// Runs `work` on a blocking thread, off the async workers that serve every request: parsing an
/// upload, checking a template, anything that grows with what a person sent. A panic in it
/// becomes an internal error.
pub async fn off_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> crate::error::Result<T> {
    let done = tokio::task::spawn_blocking(work).await;
    done.map_err(|err| anyhow::anyhow!("work on a blocking thread failed: {err}").into())
}

/// A new unguessable token: 256 random bits, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `text` has the shape of a `random_token` (43 URL-safe base64 characters): what a
/// browser sends back as a token is used only then, never echoed into a page otherwise.
pub fn is_token(text: &str) -> bool {
    text.len() == 43 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The SHA-256 of a token, the form in which tokens are stored.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Compares two secrets in constant time.
pub fn secrets_match(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// True when `next` is a path on this site, safe to redirect to after login.
pub fn is_local_path(next: &str) -> bool {
    next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
    }

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert!(is_local_path("/admin/users?x=1"));
        for bad in ["https://evil.example", "//evil.example", "/\\evil.example", "admin", "/a\nb"] {
            assert!(!is_local_path(bad), "{bad}");
        }
    }
}
