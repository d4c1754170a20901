//! The signature every delivery carries: `Fieldwork-Signature: t=TIMESTAMP,v1=HEX`, where HEX is
//! HMAC-SHA256 under the webhook's secret of `TIMESTAMP.BODY` (the Unix seconds of the attempt,
//! a dot, the exact bytes of the body). A receiver recomputes it and refuses an old timestamp, so
//! a captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name.
pub const HEADER: &str = "fieldwork-signature";

/// The header's value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        unreachable!("HMAC accepts any key length")
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body() {
        // Computed independently with Python's
        // hmac.new(b"Jefe", b"1700000000.what do ya want for nothing?", "sha256").hexdigest().
        assert_eq!(
            signature("Jefe", 1_700_000_000, b"what do ya want for nothing?"),
            "t=1700000000,v1=1cdd0650c8be1cb0974b1788d458b1e781206cfef59b85faafc582d2e182c57e"
        );
        assert_ne!(signature("Jefe", 1_700_000_001, b"x"), signature("Jefe", 1_700_000_000, b"x"));
    }
}
