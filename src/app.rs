//! Building the application: state, the route table (which reads like a sitemap), the layers every
//! request passes through, and `serve`, the seam tests plug into.

use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::accounts::hashing::{self, Hashing};
use crate::accounts::password::PasswordHasher;
use crate::accounts::store;
use crate::config::ServeArgs;
use crate::db::Db;
use crate::distribute::links::LinkKey;
use crate::distribute::mail::{self, Mailer};
use crate::error::AppError;
use crate::respond::limiter::NewResponseLimiter;
use crate::respond::recent::RecentBegins;
use crate::respond::web::rendered::RenderedPages;
use crate::survey::cache::SurveyCache;
use crate::web::routes::Routes;
use crate::web::session_store::SqliteSessionStore;
use crate::web::templates::Templates;
use crate::web::{csrf, middleware, server, static_files};
use crate::{
    accounts, agreement, analysis, api, codebook, coding, dashboard, db, distribute, export, respond, suggest, survey,
    webhooks, xlsform,
};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub templates: Arc<Templates>,
    pub config: Arc<ServeArgs>,
    /// Password hashing, a few at a time.
    pub hashing: Arc<Hashing>,
    pub surveys: Arc<SurveyCache>,
    /// Respondent pages that are the same for everyone, kept rendered.
    pub rendered: Arc<RenderedPages>,
    pub new_responses: Arc<NewResponseLimiter>,
    /// Responses begun in the last seconds, so that a form sent twice begins one.
    pub recent_begins: Arc<RecentBegins>,
    /// Coders' assignments being written in batches, one per codebook at a time.
    pub assignments: Arc<crate::coding::web::AssignmentJobs>,
    /// Published codebook versions, decoded once.
    pub published: Arc<crate::coding::web::PublishedVersions>,
    /// The secret personal links are derived from.
    pub link_key: Arc<LinkKey>,
    /// Invitations and reminders: the SMTP server, the pace, and the sender's wake-up call.
    pub mail: Arc<Mailer>,
    /// The machine coder's trainings under way, with their progress.
    pub suggest_jobs: Arc<crate::suggest::jobs::Jobs>,
    /// Wakes the webhook sender when an event is queued.
    pub webhooks: Arc<tokio::sync::Notify>,
    /// The machine coder's models, decoded once for the coding screen's suggestions.
    pub suggest_models: Arc<crate::suggest::cache::Models>,
    /// The first-run setup token, while no account exists.
    setup_token: Arc<Mutex<Option<String>>>,
}

impl AppState {
    /// The public base URL, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.config.base_url()
    }

    pub fn setup_token_matches(&self, token: &str) -> bool {
        let guard = self.setup_token.lock().ok();
        guard.as_ref().and_then(|g| g.as_deref()).is_some_and(|expected| crate::web::secrets_match(expected, token))
    }

    /// Closes the setup link for good, once the first account exists.
    pub fn close_setup(&self) {
        if let Ok(mut guard) = self.setup_token.lock() {
            *guard = None;
        }
    }

    /// The one-time setup link, while setup is open.
    pub fn setup_link(&self) -> Option<String> {
        let token = self.setup_token.lock().ok()?.clone()?;
        Some(format!("{}/setup?token={token}", self.base_url()))
    }
}

/// Migrates the database and builds the state. Blocking work (migrations, the first hash) runs
/// here, before the server accepts requests.
pub fn build(db_path: &Path, config: ServeArgs) -> anyhow::Result<AppState> {
    let report = db::migrate(db_path)?;
    if report.from != report.to {
        tracing::info!(from = report.from, to = report.to, "database migrated");
    }
    db::check_writable(db_path)?;
    let db = Db::open(db_path)?;
    let accounts = store::count(&db::open(db_path)?)?;
    let setup_token = (accounts == 0).then(crate::web::random_token);
    let link_key = config.link_key.clone().unwrap_or_else(|| LinkKey::default_path(db_path));
    let link_key = Arc::new(LinkKey::load_or_create(&link_key)?);
    Ok(AppState {
        db,
        link_key,
        mail: Arc::new(Mailer::from_args(&config.smtp)?),
        templates: Arc::new(Templates::load()?),
        hashing: Arc::new(Hashing::new(
            PasswordHasher::new(config.password_hashing)?,
            Hashing::default_slots(),
            hashing::WAIT_FOR_SLOT,
        )),
        surveys: Arc::new(SurveyCache::default()),
        rendered: Arc::new(RenderedPages::default()),
        new_responses: Arc::new(NewResponseLimiter::new(config.new_responses_per_client)),
        recent_begins: Arc::new(RecentBegins::default()),
        assignments: Arc::default(),
        published: Arc::default(),
        suggest_jobs: Arc::default(),
        webhooks: Arc::default(),
        suggest_models: Arc::default(),
        config: Arc::new(config),
        setup_token: Arc::new(Mutex::new(setup_token)),
    })
}

/// The staff's pages: signed in (or signing in), behind the session and CSRF layers. Every route
/// under a survey takes a `web::scope` extractor.
fn staff_routes() -> Routes {
    Routes::new()
        .route("/", get(dashboard::home))
        .route("/study-kit", axum::routing::post(dashboard::import_study_kit))
        .route("/healthz", get(dashboard::healthz))
        .route("/static/{*path}", get(static_files::serve))
        .route("/favicon.ico", get(static_files::favicon))
        .merge(accounts::web::router())
        .merge(survey::web::router())
        .merge(codebook::web::router())
        .merge(coding::web::router())
        .merge(agreement::web::router())
        .merge(agreement::closed::web::router())
        .merge(suggest::web::router())
        .merge(analysis::web::router())
        .merge(export::web::router())
        .merge(xlsform::web::router())
        .merge(distribute::web::router())
        .merge(mail::router())
        .merge(api::web::account_router())
        .merge(webhooks::web::router())
        .merge(crate::report::web::router())
}

/// The respondent's pages: no account, no session.
fn respondent_routes() -> Routes {
    respond::web::router().merge(mail::opt_out_router())
}

/// The token API: no session, no CSRF (a token, never a cookie, says who asks), errors as JSON.
fn api_routes() -> Routes {
    api::web::router()
}

/// Every path the server answers, in the order of the route table (for tests that must cover
/// every route).
pub fn route_paths() -> Vec<&'static str> {
    [staff_routes().paths(), respondent_routes().paths(), api_routes().paths()].concat()
}

/// Every route, and the layers around them.
pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(SqliteSessionStore::new(state.db.clone()))
        .with_name("fieldwork_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(i64::from(state.config.session_idle_minutes))));
    let timeout = Duration::from_secs(state.config.request_timeout_secs);

    staff_routes()
        .into_router()
        // Staff pages check the session's CSRF token; respondent pages (merged below) have no
        // session and check their own double-submit token, so that a stale token re-shows the
        // page with the answers instead of refusing it.
        .layer(from_fn_with_state(state.clone(), csrf::verify))
        .fallback(|| async { AppError::NotFound })
        .layer(sessions)
        // Outside the session layer too: a respondent's request has no session to load.
        .merge(respondent_routes().into_router())
        .merge(api_routes().into_router().layer(from_fn(api::error::json_statuses)))
        // Listed innermost first: everything below the error pages gets a rendered page; every
        // response gets the headers and a log line.
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(from_fn_with_state(state.clone(), server::body_deadline))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(from_fn_with_state(state.clone(), middleware::render_error_pages))
        .layer(from_fn(middleware::security_headers))
        .layer(from_fn(middleware::log_request))
        .with_state(state)
}

/// Serves until `shutdown` resolves, lets requests in flight finish, then closes the database.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let sweeper = tokio::spawn(housekeeping(state.clone()));
    // Stops the background senders (mail, webhooks) between two sends.
    let (stop_senders, stopping) = tokio::sync::watch::channel(false);
    let mailer = tokio::spawn(mail::worker::run(state.clone(), stopping.clone()));
    let webhooks = tokio::spawn(crate::webhooks::worker::run(state.clone(), stopping));
    let limits = server::Limits {
        header_timeout: Duration::from_secs(state.config.header_timeout_secs),
        max_connections: state.config.max_connections,
        // Behind a proxy every connection comes from the proxy's address.
        max_connections_per_address: if state.config.behind_proxy {
            0
        } else {
            state.config.max_connections_per_address
        },
    };
    server::serve(listener, router(state.clone()), limits, shutdown).await;
    sweeper.abort();
    // The sender finishes the message in hand (so it is recorded as sent, not left `sending`).
    let _ = stop_senders.send(true);
    if let Err(err) = mailer.await {
        tracing::error!(error = %err, "the mail sender stopped abnormally");
    }
    // The webhook sender records the attempt in hand; one not recorded is sent again next time.
    if let Err(err) = webhooks.await {
        tracing::error!(error = %err, "the webhook sender stopped abnormally");
    }
    state.db.close().await?;
    Ok(())
}

/// At start and every ten minutes: deletes expired sessions, purges responses that have been in
/// the trash for the trash period, and lets go of the memory of a burst of new responses.
async fn housekeeping(state: AppState) {
    let store = SqliteSessionStore::new(state.db.clone());
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(err) = store.delete_expired().await {
            tracing::warn!(error = %err, "could not delete expired sessions");
        }
        match distribute::web::purge_trash(&state).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged responses from the trash"),
            Err(err) => tracing::warn!(error = %err, "could not purge the trash"),
        }
        state.recent_begins.forget_old();
    }
}

/// Listens for SIGINT and SIGTERM from now on, and returns a future that resolves on either.
/// Registering first (before the server announces itself) means a signal sent as soon as the
/// address is printed still stops the server gracefully.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
            tracing::info!("shutting down: finishing requests in flight");
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}
