//! The command line: one clap struct per subcommand, whose doc comments are the `--help` text.
//! Every flag that matters in production also reads a `FIELDWORK_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::accounts::Role;
use crate::survey::members::MemberRole;

/// fieldwork: self-hosted surveys and qualitative coding in one binary and one SQLite file.
#[derive(Debug, Parser)]
#[command(name = "fieldwork", version, about, long_about = None)]
pub struct Cli {
    /// The SQLite database file (created if missing).
    #[arg(long, global = true, env = "FIELDWORK_DB", default_value = "fieldwork.db")]
    pub db: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (applies pending migrations first).
    Serve(ServeArgs),
    /// Manage accounts from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Import, export, list, open and close surveys.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// Import participants of a survey and list their personal links.
    #[command(subcommand)]
    Participants(ParticipantsCommand),
    /// Import and export codebooks (fieldwork TOML, REFI-QDA .qdc, or CSV as Taguette reads it).
    #[command(subcommand)]
    Codebook(CodebookCommand),
    /// Inter-coder agreement (percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha)
    /// of a survey's codings as its agreement page computes it (--survey), or of codings made
    /// anywhere, read from a CSV with header `unit,coder,code` (--input).
    Agreement(crate::agreement::AgreementArgs),
    /// Write a survey's data: as CSV the responses (wide), their data dictionary, the codings (long,
    /// or a 0/1 matrix in a coding layer) and the analysis tables; a REFI-QDA project (.qdpx) for
    /// ATLAS.ti, MAXQDA, NVivo or QualCoder; or labelled data for SPSS (.sav), Stata (.dta) or R.
    /// See docs/exports.md.
    Export(ExportArgs),
    /// The methods pack of a survey: questionnaire, response flow, codebooks, coding and
    /// reliability, disclosure check, audit log and checksums, as a folder of HTML and CSV files
    /// that opens offline (docs/methods-pack.md).
    Report(crate::report::cli::ReportArgs),
    /// The machine coder: train it on a codebook's consensus and see how it measures as a coder
    /// (docs/machine-coder.md).
    #[command(subcommand)]
    Suggest(crate::suggest::cli::SuggestCommand),
    /// Personal access tokens for the API: create (printed once), list, revoke (docs/api.md).
    #[command(subcommand)]
    Token(crate::api::cli::TokenCommand),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Copy the live database to OUT through SQLite's online backup API (safe while serving), and
    /// its link key to OUT.link-key. See "Backing up and restoring" in the README.
    Backup(BackupArgs),
}

/// How the web server listens, builds links and protects sessions.
#[derive(Debug, Clone, Parser)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "FIELDWORK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Public base URL used in printed and emailed links (default: http://<bind>).
    #[arg(long, env = "FIELDWORK_BASE_URL")]
    pub base_url: Option<String>,

    /// Mark session cookies `Secure` (set this when users reach fieldwork over HTTPS).
    #[arg(long, env = "FIELDWORK_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Log a user out after this many minutes without a request.
    #[arg(long, env = "FIELDWORK_SESSION_IDLE_MINUTES", default_value_t = 8 * 60)]
    pub session_idle_minutes: u32,

    /// Trust the last address in `X-Forwarded-For` as the client (only behind a reverse proxy).
    #[arg(long, env = "FIELDWORK_BEHIND_PROXY")]
    pub behind_proxy: bool,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "FIELDWORK_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Seconds a request may take before it is cut off.
    #[arg(long, env = "FIELDWORK_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Longest answer accepted in one field, in characters.
    #[arg(long, env = "FIELDWORK_MAX_ANSWER_CHARS", default_value_t = 20_000)]
    pub max_answer_chars: usize,

    /// New responses one client address may start per ten minutes (0: no limit).
    #[arg(long, env = "FIELDWORK_NEW_RESPONSES_PER_CLIENT", default_value_t = 100)]
    pub new_responses_per_client: u32,

    /// The secret personal links are derived from (default: the database path + `.link-key`,
    /// made on first use). Back it up with the database to list or mail existing links again.
    #[arg(long, env = "FIELDWORK_LINK_KEY")]
    pub link_key: Option<PathBuf>,

    /// Seconds a client may take to send a request's headers, and to start its next request on a
    /// kept-alive connection (slow and idle clients are disconnected).
    #[arg(long, env = "FIELDWORK_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// Seconds a client may take to send a request's body once its headers are in (a trickling
    /// body is answered 408 and its connection closed).
    #[arg(long, env = "FIELDWORK_BODY_TIMEOUT_SECS", default_value_t = 15)]
    pub body_timeout_secs: u64,

    /// Most connections open at once; more wait to be accepted. Lowered at start-up to what the
    /// limit on open files allows (the soft limit is first raised to the hard limit).
    #[arg(long, env = "FIELDWORK_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,

    /// Most connections one client address (an IPv6 /64) may hold open; more are refused at
    /// once (0: no cap). Not applied with --behind-proxy, where every connection comes from
    /// the proxy: limit connections per client there.
    #[arg(long, env = "FIELDWORK_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub max_connections_per_address: usize,

    /// Let webhooks reach addresses inside this server's network (loopback, private, link-local
    /// such as cloud metadata): for tests, and for a receiver beside a self-hosted server. Off,
    /// such addresses are refused when added and when sent to (docs/api.md, "Webhooks").
    #[arg(long, env = "FIELDWORK_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,

    /// Milliseconds before a failed webhook delivery is tried again; each later wait is twice the
    /// one before (at most six hours), twelve attempts in all.
    #[arg(long, env = "FIELDWORK_WEBHOOK_RETRY_MS", default_value_t = 30_000)]
    pub webhook_retry_ms: u64,

    #[command(flatten)]
    pub password_hashing: PasswordHashingArgs,

    #[command(flatten)]
    pub smtp: SmtpArgs,
}

impl ServeArgs {
    /// The base URL for links, without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }
}

/// The SMTP server that invitations and reminders go through. Without a host, mail is off.
#[derive(Clone, Args)]
pub struct SmtpArgs {
    /// SMTP server for invitations and reminders (unset: fieldwork sends no mail).
    #[arg(long, env = "FIELDWORK_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default: 25 with --smtp-tls none, 587 with starttls, 465 with tls).
    #[arg(long, env = "FIELDWORK_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// How the connection is encrypted: none, starttls (required, not opportunistic) or tls.
    #[arg(long, env = "FIELDWORK_SMTP_TLS", value_enum, default_value = "starttls")]
    pub smtp_tls: SmtpTls,
    /// User name for SMTP authentication (unset: no authentication).
    #[arg(long, env = "FIELDWORK_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// Password for SMTP authentication (prefer the environment variable to the flag).
    #[arg(long, env = "FIELDWORK_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The sender of every message, e.g. "Study team <study@example.org>" (required with a host).
    #[arg(long, env = "FIELDWORK_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// At most this many messages a minute.
    #[arg(long, env = "FIELDWORK_MAIL_PER_MINUTE", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub mail_per_minute: u32,
}

// Written by hand so that the password never reaches a log line.
impl std::fmt::Debug for SmtpArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpArgs")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "…"))
            .field("mail_from", &self.mail_from)
            .field("mail_per_minute", &self.mail_per_minute)
            .finish()
    }
}

/// SMTP connection security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same machine or network.
    None,
    /// Upgrade with STARTTLS, refusing to go on without it.
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

/// Argon2id cost. The defaults are OWASP's recommendation (19 MiB, 2 passes, 1 lane);
/// tests lower them so that a suite of logins runs in seconds.
#[derive(Debug, Clone, Copy, Args)]
pub struct PasswordHashingArgs {
    /// Argon2id memory cost in KiB.
    #[arg(long, env = "FIELDWORK_ARGON2_MEMORY_KIB", default_value_t = 19 * 1024, hide = true)]
    pub argon2_memory_kib: u32,
    /// Argon2id passes.
    #[arg(long, env = "FIELDWORK_ARGON2_ITERATIONS", default_value_t = 2, hide = true)]
    pub argon2_iterations: u32,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a one-time link to set the password is printed.
    Add(UserAddArgs),
    /// Change an account's password. Without --password-stdin a one-time reset link is printed.
    Passwd(UserPasswdArgs),
    /// List all accounts.
    List,
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// The person's email address (their login).
    #[arg(long)]
    pub email: String,
    /// What the account may do.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// The person's display name.
    #[arg(long, default_value = "")]
    pub name: String,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub links: LinkArgs,
    #[command(flatten)]
    pub password_hashing: PasswordHashingArgs,
}

#[derive(Debug, Args)]
pub struct UserPasswdArgs {
    /// The account's email address.
    #[arg(long)]
    pub email: String,
    /// Read the new password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub links: LinkArgs,
    #[command(flatten)]
    pub password_hashing: PasswordHashingArgs,
}

/// Where printed links point.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// Public base URL of the server, used in printed links.
    #[arg(long, env = "FIELDWORK_BASE_URL", default_value = "http://127.0.0.1:8080")]
    pub base_url: String,
}

#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// Create a draft survey from a TOML questionnaire (docs/questionnaire-format.md), an XLSForm
    /// (.xlsx) or a LimeSurvey survey structure file (.lss); prints its slug. Nothing is imported
    /// from a file with errors.
    Import {
        /// The questionnaire file.
        file: PathBuf,
        /// XLSForm and .lss: leave out the rows and parts fieldwork cannot hold (listed on
        /// standard error) instead of refusing the file.
        #[arg(long)]
        skip_unsupported: bool,
    },
    /// Write a survey's definition as TOML to standard output, or as an XLSForm (.xlsx) to --out.
    Export {
        /// The survey's address (slug).
        slug: String,
        /// toml (fieldwork's questionnaire format), or xlsform for ODK, KoboToolbox and
        /// SurveyCTO (docs/questionnaire-format.md).
        #[arg(long, value_enum, default_value = "toml")]
        format: SurveyFormat,
        /// Write to this file instead of standard output (needed for xlsform).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List every survey with its status and response counts.
    List,
    /// Open a survey for responses.
    Open {
        /// The survey's address (slug).
        slug: String,
    },
    /// Close a survey: it takes no new responses.
    Close {
        /// The survey's address (slug).
        slug: String,
    },
    /// Set who may answer: anyone with the public link, only holders of a personal link, or both.
    Access {
        /// The survey's address (slug).
        #[arg(long)]
        survey: String,
        /// The access mode.
        #[arg(value_enum)]
        mode: AccessArg,
    },
    /// List a survey's members, or add or remove one. Researchers manage the survey (its
    /// participants, codebooks, analysis, exports and members); coders code what they are given.
    /// Admins reach every survey without being members.
    Members {
        /// The survey's address (slug).
        #[arg(long)]
        survey: String,
        #[command(subcommand)]
        change: Option<MembersCommand>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Add an account to the survey, or give a member another role.
    Add {
        /// The account's email address.
        #[arg(long)]
        email: String,
        /// What they do in this survey (researcher needs a researcher's or admin's account).
        #[arg(long, value_enum)]
        role: MemberRoleArg,
    },
    /// Take an account off the survey's members.
    Remove {
        /// The account's email address.
        #[arg(long)]
        email: String,
    },
}

/// A member's role as the command line spells it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MemberRoleArg {
    Researcher,
    Coder,
}

impl From<MemberRoleArg> for MemberRole {
    fn from(role: MemberRoleArg) -> Self {
        match role {
            MemberRoleArg::Researcher => MemberRole::Researcher,
            MemberRoleArg::Coder => MemberRole::Coder,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AccessArg {
    Public,
    Invitation,
    Both,
}

#[derive(Debug, Subcommand)]
pub enum ParticipantsCommand {
    /// Add participants from a CSV file (header: email, optional name and language, any further
    /// columns as attributes). Every row is checked first; a file with any problem adds nothing.
    Import {
        /// The survey's address (slug).
        #[arg(long)]
        survey: String,
        /// The CSV file (UTF-8).
        file: PathBuf,
        #[command(flatten)]
        key: LinkKeyArgs,
    },
    /// Write every participant's personal link as CSV (`email,link`) to standard output.
    Links {
        /// The survey's address (slug).
        #[arg(long)]
        survey: String,
        #[command(flatten)]
        links: LinkArgs,
        #[command(flatten)]
        key: LinkKeyArgs,
    },
}

/// Where the secret that personal links are derived from is kept.
#[derive(Debug, Clone, Args)]
pub struct LinkKeyArgs {
    /// The link key file (default: the database path + `.link-key`).
    #[arg(long, env = "FIELDWORK_LINK_KEY")]
    pub link_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CodebookCommand {
    /// Add a codebook to a survey and publish it as version 1; prints its id. TOML
    /// (docs/codebook-format.md), REFI-QDA (.qdc, recognised by its XML) or CSV (a .csv file,
    /// fieldwork's or Taguette's); a file with errors imports nothing.
    Import {
        /// The survey's address (slug).
        #[arg(long)]
        survey: String,
        /// The codebook file.
        file: PathBuf,
    },
    /// Write a codebook's current draft to standard output (or --out).
    Export {
        /// The survey's address (slug).
        #[arg(long)]
        survey: String,
        /// Which codebook, when the survey has several.
        #[arg(long)]
        codebook: Option<i64>,
        /// toml; qdc for ATLAS.ti, MAXQDA, NVivo and QualCoder; or csv for spreadsheets and
        /// Taguette (docs/codebook-format.md).
        #[arg(long, value_enum, default_value = "toml")]
        format: CodebookFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Questionnaire file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SurveyFormat {
    Toml,
    Xlsform,
}

/// Codebook file formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CodebookFormat {
    Toml,
    Qdc,
    Csv,
}

/// What to export and how. The options are the web download's query parameters
/// (`export::stream::ExportRequest`), spelled as flags.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The survey's address (slug).
    #[arg(long)]
    pub survey: String,
    /// Which file.
    #[arg(long, value_enum)]
    pub what: crate::export::stream::What,
    /// Write to this file instead of standard output (required for qdpx).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub request: crate::export::stream::ExportRequest,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist yet). The link key is copied beside it, to
    /// OUT.link-key (readable by its owner only).
    pub out: PathBuf,
    /// Copy the database alone. A server restored from it cannot list or mail the personal links
    /// already sent (they are derived from the key), and old links stop working.
    #[arg(long)]
    pub without_link_key: bool,
    #[command(flatten)]
    pub key: LinkKeyArgs,
}

/// The roles as the command line spells them.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Researcher,
    Coder,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Researcher => Role::Researcher,
            RoleArg::Coder => Role::Coder,
        }
    }
}
