//! One delivery attempt: a POST of the JSON payload to the webhook's address, over TCP or TLS
//! (rustls with Mozilla's roots), with hyper's HTTP/1.1 client, the signature and a deadline. The
//! host's addresses are checked again here (`url::is_internal`) unless private ones are allowed.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, header};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use super::url::{self, Target};

/// The most time one attempt may take, from connecting to the status line.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the receiver said: its status, or why there was none.
pub type Answer = Result<u16, String>;

/// The headers of a delivery besides the content type.
pub struct Signed<'a> {
    pub event: &'a str,
    pub delivery_id: i64,
    pub signature: String,
}

/// TLS by rustls with ring and Mozilla's roots (None should rustls refuse the configuration).
static TLS: LazyLock<Option<TlsConnector>> = LazyLock::new(|| {
    let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions();
    match config {
        Ok(builder) => Some(TlsConnector::from(Arc::new(builder.with_root_certificates(roots).with_no_client_auth()))),
        Err(err) => {
            tracing::error!(error = %err, "webhooks: no TLS configuration, https addresses cannot be reached");
            None
        }
    }
});

/// POSTs `body` to `target`; the receiver's status, or why it could not be reached.
pub async fn post(target: &Target, signed: &Signed<'_>, body: String, allow_private: bool) -> Answer {
    match tokio::time::timeout(ATTEMPT_TIMEOUT, attempt(target, signed, body, allow_private)).await {
        Ok(answer) => answer,
        Err(_) => Err(format!("no answer within {} seconds", ATTEMPT_TIMEOUT.as_secs())),
    }
}

async fn attempt(target: &Target, signed: &Signed<'_>, body: String, allow_private: bool) -> Answer {
    let addresses: Vec<_> = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map_err(|e| format!("cannot resolve {}: {e}", target.host))?
        .collect();
    let allowed: Vec<_> = addresses.iter().filter(|a| allow_private || !url::is_internal(a.ip())).collect();
    let Some(address) = allowed.first() else {
        return Err(format!("{} resolves only to addresses inside this server's network", target.host));
    };
    let tcp = TcpStream::connect(*address).await.map_err(|e| format!("cannot connect to {address}: {e}"))?;
    if target.https {
        let name = ServerName::try_from(target.host.clone()).map_err(|e| format!("{}: {e}", target.host))?;
        let connector = TLS.as_ref().ok_or("TLS is not available on this server")?;
        let tls = connector.connect(name, tcp).await.map_err(|e| format!("TLS with {}: {e}", target.host))?;
        exchange(TokioIo::new(tls), target, signed, body).await
    } else {
        exchange(TokioIo::new(tcp), target, signed, body).await
    }
}

async fn exchange<IO>(io: IO, target: &Target, signed: &Signed<'_>, body: String) -> Answer
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(io).await.map_err(|e| format!("HTTP with {}: {e}", target.host))?;
    let driver = tokio::spawn(connection);
    let default_port = if target.https { 443 } else { 80 };
    let host =
        if target.port == default_port { target.host.clone() } else { format!("{}:{}", target.host, target.port) };
    let request = Request::post(target.path.as_str())
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "fieldwork-webhooks")
        .header("fieldwork-event", signed.event)
        .header("fieldwork-delivery", signed.delivery_id.to_string())
        .header(super::sign::HEADER, signed.signature.as_str())
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("the request: {e}"))?;
    let answer = sender.send_request(request).await.map(|r| r.status().as_u16()).map_err(|e| format!("{e}"));
    driver.abort();
    answer
}
