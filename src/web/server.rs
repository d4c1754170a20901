//! The HTTP server's accept loop, with the limits that keep slow or idle clients from tying the
//! server up: a deadline for each request's headers (which also closes idle kept-alive
//! connections, and so slowloris-style clients), a deadline for its body, a cap on open
//! connections, past which new ones wait in the kernel's backlog, and a cap per client address,
//! past which its new connections are refused at once. At start-up the cap on connections is
//! fitted to the limit on open files. On shutdown it stops accepting, lets requests in flight
//! finish and closes idle connections.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt as _;

use crate::app::AppState;
use crate::logging::OncePerMinute;

/// How long clients may take, and how many may be connected at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From waiting for a request (a new connection, or the next request on a kept-alive one) to
    /// having all of its headers.
    pub header_timeout: Duration,
    pub max_connections: usize,
    /// Connections one client address may hold open (0: no cap).
    pub max_connections_per_address: usize,
}

/// Serves `router` on `listener` until `shutdown` resolves, then waits for the connections.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_address = Arc::new(OpenPerAddress::default());
    let refusal_logged = OncePerMinute::default();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer, slot) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = accept(&listener, &slots) => accepted,
        };
        let Some(address_slot) = per_address.take(peer.ip(), limits.max_connections_per_address) else {
            refuse(&stream);
            if refusal_logged.ready() {
                tracing::warn!(client = %peer.ip(), cap = limits.max_connections_per_address,
                    "refusing connections: this address has as many open as --max-connections-per-address allows");
            }
            continue;
        };
        // What `ClientAddr` reads, as axum's `into_make_service_with_connect_info` would set it.
        let service = router.clone().map_request(move |mut request: axum::http::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            // An error here is the client's: it went away, sent garbage or was too slow.
            let _ = connection.await;
            drop((slot, address_slot));
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The next connection, once there is a free slot for it.
async fn accept(listener: &TcpListener, slots: &Arc<Semaphore>) -> (TcpStream, SocketAddr, OwnedSemaphorePermit) {
    let Ok(slot) = slots.clone().acquire_owned().await else {
        // The semaphore is never closed; should it be, accept nothing more.
        return std::future::pending().await;
    };
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                // Pages are written in one go; don't hold their last segment back (Nagle).
                let _ = stream.set_nodelay(true);
                return (stream, peer, slot);
            }
            Err(err) => {
                // Out of file descriptors, say: wait a moment for some to close instead of spinning.
                tracing::warn!(error = %err, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Tells a client over its cap why it is turned away, if its socket takes the few bytes at once,
/// and closes (when `stream` is dropped).
fn refuse(stream: &TcpStream) {
    let _ = stream.try_write(
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );
}

/// How many connections each client address has open.
#[derive(Default)]
struct OpenPerAddress {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One open connection of an address, counted until dropped.
struct AddressSlot {
    address: IpAddr,
    table: Arc<OpenPerAddress>,
}

impl OpenPerAddress {
    /// Counts a new connection from `ip`, or None when its address already has `cap` (0: no cap).
    fn take(self: &Arc<Self>, ip: IpAddr, cap: usize) -> Option<AddressSlot> {
        let address = address_of(ip);
        let mut open = self.open.lock().ok()?;
        let count = open.entry(address).or_insert(0);
        if cap > 0 && *count >= cap {
            return None;
        }
        *count += 1;
        Some(AddressSlot { address, table: Arc::clone(self) })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.table.open.lock()
            && let Some(count) = open.get_mut(&self.address)
        {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// The address a cap applies to: an IPv4 address, or an IPv6 /64 (what one subscriber gets, so
/// one person cannot take a new address per connection).
fn address_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        v4 => v4,
    }
}

/// Raises the soft limit on open files to the hard limit, and returns how many connections fit
/// under it beside the files the server itself keeps open (`requested`, or fewer). Says so in
/// the log.
pub fn fit_connections_to_file_limit(requested: usize) -> usize {
    // The database (five connections, each with its file and WAL, and the shared memory), the
    // log, the listener, and files opened for an import or export.
    const KEPT_FOR_THE_SERVER: u64 = 64;
    let before = rlimit::Resource::NOFILE.get().map(|(soft, _)| soft).ok();
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(err) => {
            tracing::warn!(error = %err, "could not read or raise the limit on open files");
            return requested;
        }
    };
    if before.is_some_and(|before| before < limit) {
        tracing::info!(from = before, to = limit, "raised the limit on open files to the hard limit");
    }
    let fits = usize::try_from(limit.saturating_sub(KEPT_FOR_THE_SERVER).max(1)).unwrap_or(usize::MAX);
    if requested > fits {
        tracing::warn!(
            requested,
            max_connections = fits,
            open_files = limit,
            "--max-connections lowered to what the limit on open files allows (raise the hard limit, e.g. LimitNOFILE= in systemd)"
        );
        fits
    } else {
        tracing::info!(max_connections = requested, open_files = limit, "connection limit");
        requested
    }
}

/// A layer: a request's body must have arrived within `--body-timeout-secs` of its headers, or
/// the request is answered 408 and its connection closed. (The request timeout covers the whole
/// request, saving included; this one frees a connection held by a client that trickles its body.)
pub async fn body_deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let expired = Arc::new(AtomicBool::new(false));
    let deadline = Duration::from_secs(state.config.body_timeout_secs);
    let flag = Arc::clone(&expired);
    let request = request
        .map(|body| Body::new(DeadlineBody { body, deadline: Box::pin(tokio::time::sleep(deadline)), expired: flag }));
    let response = next.run(request).await;
    if expired.load(Ordering::Relaxed) {
        return (StatusCode::REQUEST_TIMEOUT, [(header::CONNECTION, "close")]).into_response();
    }
    response
}

/// A body that fails once its deadline has passed.
struct DeadlineBody {
    body: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
}

impl hyper::body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            this.expired.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(axum::Error::new("the request body did not arrive in time"))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_its_cap_is_refused_until_one_of_its_connections_closes() {
        let table = Arc::new(OpenPerAddress::default());
        let (one, other): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let first = table.take(one, 2).unwrap();
        let _second = table.take(one, 2).unwrap();
        assert!(table.take(one, 2).is_none());
        assert!(table.take(other, 2).is_some(), "other addresses are unaffected");
        drop(first);
        assert!(table.take(one, 2).is_some());
        let uncapped: Vec<_> = (0..1000).filter_map(|_| table.take(one, 0)).collect();
        assert_eq!(uncapped.len(), 1000, "0 means no cap");
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_of(a), address_of(b));
        assert_ne!(address_of(a), address_of(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(address_of(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
