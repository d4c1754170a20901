//! Which addresses a webhook may have: `http` or `https` with a host, no user name or password in
//! it. A webhook makes the server send requests where a researcher says, so, unless the server
//! allows it (`--allow-private-webhooks`, for tests and for a receiver on the same network), a
//! host that is or resolves to a loopback, private, link-local (cloud metadata at 169.254.169.254)
//! or otherwise internal address is refused: when registered, by its name or address, and again
//! when sent, by every address it resolves to then (a name can be pointed elsewhere later).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use axum::http::Uri;

/// A webhook address, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// The path and query, `/` when none.
    pub path: String,
}

/// The most characters an address may have.
const MAX_URL: usize = 2000;

/// Checks an address as typed; the message says what is wrong.
pub fn parse(url: &str, allow_private: bool) -> Result<Target, String> {
    let url = url.trim();
    if url.is_empty() {
        return Err("give the address to send to, such as https://example.org/fieldwork-hook".into());
    }
    if url.chars().count() > MAX_URL || url.chars().any(char::is_control) {
        return Err(format!("an address has at most {MAX_URL} characters and no control characters"));
    }
    let uri: Uri = url.parse().map_err(|_| "not an address: give one such as https://example.org/hook".to_string())?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err("only http:// and https:// addresses can receive webhooks".into()),
    };
    let authority = uri.authority().ok_or("the address has no host")?;
    if authority.as_str().contains('@') {
        return Err("the address may not hold a user name or password; put a secret in the path instead".into());
    }
    let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_string();
    if host.is_empty() {
        return Err("the address has no host".into());
    }
    if !allow_private && is_internal_name(&host) {
        return Err(format!(
            "{host} is an address inside this server's network; webhooks go to outside receivers (the server's \
             administrator can allow such addresses with --allow-private-webhooks)"
        ));
    }
    let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
    let path = uri.path_and_query().map_or("/".to_string(), |p| p.as_str().to_string());
    Ok(Target { https, host, port, path: if path.is_empty() { "/".into() } else { path } })
}

/// Whether a host, by its name or its literal address, is internal.
fn is_internal_name(host: &str) -> bool {
    let lower = host.to_ascii_lowercase();
    if lower == "localhost"
        || lower.ends_with(".localhost")
        || lower.ends_with(".local")
        || lower.ends_with(".internal")
    {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(is_internal)
}

/// Whether an address is one a webhook should not reach without the server allowing it.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal_v4(v4),
            None => is_internal_v6(v6),
        },
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        // Shared address space (carrier-grade NAT), and 0.0.0.0/8.
        || (a == 100 && (64..128).contains(&b))
        || a == 0
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local (fc00::/7) and link-local (fe80::/10).
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_addresses_are_taken_with_their_port_and_path() {
        let t = parse("https://example.org/hook?x=1", false).unwrap();
        assert_eq!((t.https, t.host.as_str(), t.port, t.path.as_str()), (true, "example.org", 443, "/hook?x=1"));
        let t = parse(" http://example.org:8080 ", false).unwrap();
        assert_eq!((t.port, t.path.as_str()), (8080, "/"));
    }

    #[test]
    fn other_schemes_credentials_and_internal_hosts_are_refused_unless_allowed() {
        for bad in ["ftp://example.org/", "example.org/hook", "", "https://user:pw@example.org/", "http://a b/"] {
            assert!(parse(bad, true).is_err(), "{bad}");
        }
        for internal in [
            "http://127.0.0.1:9000/",
            "http://localhost/",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:8080/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
        ] {
            assert!(parse(internal, false).is_err(), "{internal}");
            assert!(parse(internal, true).is_ok(), "{internal} with --allow-private-webhooks");
        }
        assert!(!is_internal("93.184.216.34".parse().unwrap()));
        assert!(!is_internal("2606:2800:220:1::1".parse().unwrap()));
    }
}
