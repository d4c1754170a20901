//! Accounts: who may sign in and what they may do. Users and roles, password hashing and rules,
//! login throttling, one-time set-password links, the session-backed login, and the admin screens.

pub mod auth;
pub mod cli;
pub mod hashing;
pub mod password;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod web;

use serde::Serialize;

/// What an account may do. Admins can do everything researchers can, researchers everything
/// coders can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Coder,
    Researcher,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Researcher, Role::Coder];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Researcher => "researcher",
            Role::Coder => "coder",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// True when this role includes everything `needed` may do.
    pub fn includes(self, needed: Role) -> bool {
        self >= needed
    }
}

/// An account as the rest of the application sees it (never with its password hash).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub session_epoch: i64,
    pub created_at: String,
    pub last_login_at: Option<String>,
    pub has_password: bool,
    /// The IANA time zone in which the person sees and types dates and times.
    pub time_zone: String,
}

impl User {
    /// The name to greet the person with.
    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() { &self.email } else { &self.name }
    }
}

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted, in characters; long enough for any passphrase or manager.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Checks a new password against the rules, saying why it was refused.
pub fn check_new_password(password: &str, confirmation: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "The password must be at least {MIN_PASSWORD_CHARS} characters long (this one has {chars}). \
             A few unrelated words make a long password that is easy to remember."
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("The password may be at most {MAX_PASSWORD_CHARS} characters long."));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err("The password must not be the email address.".into());
    }
    if password != confirmation {
        return Err("The two passwords are not the same.".into());
    }
    Ok(())
}

/// Normalises an email address as typed, and checks that it looks like one.
pub fn parse_email(text: &str) -> Result<String, String> {
    let email = text.trim();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    if valid { Ok(email.to_string()) } else { Err("Enter an email address such as name@example.org.".into()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused_with_the_reason() {
        let err = check_new_password("short", "short", "a@b.org").unwrap_err();
        assert!(err.contains("at least 10"), "{err}");
    }

    #[test]
    fn passwords_up_to_1024_characters_are_accepted() {
        let long = "x".repeat(1024);
        assert!(check_new_password(&long, &long, "a@b.org").is_ok());
        let longer = "x".repeat(1025);
        assert!(check_new_password(&longer, &longer, "a@b.org").is_err());
    }

    #[test]
    fn mismatched_confirmation_is_refused() {
        assert!(check_new_password("correct horse battery", "correct horse battery!", "a@b.org").is_err());
    }

    #[test]
    fn roles_include_the_ones_below_them() {
        assert!(Role::Admin.includes(Role::Researcher));
        assert!(Role::Researcher.includes(Role::Coder));
        assert!(!Role::Coder.includes(Role::Researcher));
    }

    #[test]
    fn email_addresses_are_checked() {
        assert_eq!(parse_email("  Ana@Example.org ").unwrap(), "Ana@Example.org");
        for bad in ["", "ana", "ana@", "@example.org", "ana@example", "a na@example.org"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
