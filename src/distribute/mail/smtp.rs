//! The SMTP connection (lettre on tokio, TLS by rustls), the sender's address and pace, and the
//! signal that wakes the background sender when there is new work.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use tokio::sync::Notify;

use super::message::Rendered;
use crate::config::{SmtpArgs, SmtpTls};
use crate::text::{self, Lines};

/// Longest wait for the SMTP server at each step of a transaction.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Mail as configured at start-up: where it goes and how fast, or nowhere.
pub struct Mailer {
    smtp: Option<Smtp>,
    per_minute: u32,
    wake: Notify,
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Host, port and security, for the mail page.
    server: String,
}

/// One message to one participant.
pub struct Envelope {
    pub to: Mailbox,
    pub message: Rendered,
    pub opt_out_link: String,
}

/// The participant's mailbox, or why it cannot be one (in words, for the mail page). A name or
/// address with a line break or another control character is refused here: lettre panics on a
/// line break in a header, and a control character would be sent into one (or drop the address).
pub fn recipient(email: &str, name: &str) -> Result<Mailbox, String> {
    let email = text::typed(email.trim(), Lines::One).map_err(|problem| format!("the email address {problem}"))?;
    let name = text::typed(name.trim(), Lines::One).map_err(|problem| format!("the name {problem}"))?;
    let address: Address = email.parse().map_err(|err| format!("not a valid email address: {err}"))?;
    Ok(Mailbox::new(Some(name).filter(|n| !n.is_empty()), address))
}

impl Mailer {
    /// Mail from the `serve` flags. A host without a valid sender is refused at start-up rather
    /// than at the first send.
    pub fn from_args(args: &SmtpArgs) -> anyhow::Result<Mailer> {
        let smtp = match args.smtp_host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            None => None,
            Some(host) => Some(Smtp::connect(host, args)?),
        };
        Ok(Mailer { smtp, per_minute: args.mail_per_minute.max(1), wake: Notify::new() })
    }

    /// Whether an SMTP server is configured.
    pub fn enabled(&self) -> bool {
        self.smtp.is_some()
    }

    /// Where mail goes, for the mail page: host, port and security, and the sender.
    pub fn describe(&self) -> Option<(String, String)> {
        self.smtp.as_ref().map(|s| (s.server.clone(), s.from.to_string()))
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// The pause between two messages.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(60) / self.per_minute
    }

    /// Tells the sender there is new work. Remembered if it is busy, so no wake-up is lost.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits for `wake`.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// Sends one message; the error is the server's (or the address's) problem in words.
    pub async fn send(&self, envelope: &Envelope) -> Result<(), String> {
        let Some(smtp) = &self.smtp else { return Err("mail is not configured (no --smtp-host)".into()) };
        let message = smtp.message(envelope)?;
        smtp.transport.send(message).await.map(|_| ()).map_err(|err| err.to_string())
    }
}

impl Smtp {
    fn connect(host: &str, args: &SmtpArgs) -> anyhow::Result<Smtp> {
        let from =
            args.mail_from.as_deref().map(str::trim).filter(|f| !f.is_empty()).ok_or_else(|| {
                anyhow::anyhow!("--smtp-host is set but --mail-from is not: say who the mail comes from")
            })?;
        let from: Mailbox =
            from.parse().map_err(|err| anyhow::anyhow!("--mail-from {from:?} is not an email address: {err}"))?;
        let (builder, port, security) = match args.smtp_tls {
            SmtpTls::None => (AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host), 25, "no TLS"),
            SmtpTls::Starttls => (AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?, 587, "STARTTLS"),
            SmtpTls::Tls => (AsyncSmtpTransport::<Tokio1Executor>::relay(host)?, 465, "TLS"),
        };
        let port = args.smtp_port.unwrap_or(port);
        let mut builder = builder.port(port).timeout(Some(SMTP_TIMEOUT));
        if let Some(username) = args.smtp_username.as_deref().filter(|u| !u.is_empty()) {
            let password = args.smtp_password.clone().unwrap_or_default();
            builder = builder.credentials(Credentials::new(username.to_string(), password));
        }
        Ok(Smtp { transport: builder.build(), from, server: format!("{host}:{port} ({security})") })
    }

    fn message(&self, envelope: &Envelope) -> Result<Message, String> {
        // List-Unsubscribe (RFC 2369) with one-click (RFC 8058) lets mail programs show their own
        // "unsubscribe" button, which posts to the same opt-out address.
        let unsubscribe = format!("<{}>", envelope.opt_out_link);
        Message::builder()
            .from(self.from.clone())
            .to(envelope.to.clone())
            .subject(envelope.message.subject.clone())
            .message_id(None)
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), unsubscribe))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_string(),
            ))
            .header(ContentType::TEXT_PLAIN)
            .body(envelope.message.body.clone())
            .map_err(|err| format!("the message could not be built: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_or_address_with_a_line_break_or_control_character_makes_no_mailbox() {
        let refused = |email: &str, name: &str| recipient(email, name).unwrap_err();
        assert_eq!(
            refused("a@b.org", "Ada\r\nBcc: x@y.org"),
            "the name has a line break at character 4; it must be one line"
        );
        assert!(refused("a@b.org", "Ada\u{0}").contains("U+0000"));
        assert!(refused("a@b.org\nBcc: x@y.org", "Ada").starts_with("the email address has a line break"));
        let ok = recipient(" a@b.org ", " Ada Lovelace ").unwrap();
        assert_eq!(ok.to_string(), "Ada Lovelace <a@b.org>");
    }
}
