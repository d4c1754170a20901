//! Who works on a survey: its members, researchers and coders, and the one rule that says what a
//! signed-in user may reach under a survey (`decide`). Admins reach everything without being
//! members; anyone else who is not a member finds nothing there (404, not 403).

pub mod cli;
pub mod store;

use rusqlite::Connection;
use serde::Serialize;

use super::store::StoredSurvey;
use crate::accounts::{Role, User};
use crate::audit;
use crate::db::DbError;

/// What a member does in one survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// Manages the survey, its participants, codebooks, analysis, exports and members.
    Researcher,
    /// Codes the answers they are given.
    Coder,
}

impl MemberRole {
    pub const ALL: [MemberRole; 2] = [MemberRole::Researcher, MemberRole::Coder];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Researcher => "researcher",
            MemberRole::Coder => "coder",
        }
    }

    pub fn parse(text: &str) -> Option<MemberRole> {
        MemberRole::ALL.into_iter().find(|role| role.as_str() == text.trim())
    }
}

/// How the user stands toward a survey they were let into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    /// An admin, member or not.
    Admin,
    /// A member, in the role that counts (a researcher member whose account became a coder's
    /// codes only).
    Member(MemberRole),
}

/// What a route under a survey needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The survey's own pages: a researcher's.
    Manage,
    /// The coding pages of a codebook: researchers, and coders given answers in it.
    Code,
}

/// Why a user was not let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not theirs to know about: answered as if there were nothing there.
    NotFound,
    /// A member, but this page is a researcher's.
    Forbidden,
}

/// Whether an account with role `account` and membership `member` may reach a route that needs
/// `need`; `assigned` says whether they were given answers to code in the codebook at hand.
pub fn decide(account: Role, member: Option<MemberRole>, need: Need, assigned: bool) -> Result<Standing, Refusal> {
    if account == Role::Admin {
        return Ok(Standing::Admin);
    }
    let Some(member) = member else { return Err(Refusal::NotFound) };
    // A researcher's membership counts only while the account is a researcher's.
    let role = if account.includes(Role::Researcher) { member } else { MemberRole::Coder };
    match (need, role) {
        (_, MemberRole::Researcher) => Ok(Standing::Member(role)),
        (Need::Manage, MemberRole::Coder) => Err(Refusal::Forbidden),
        // Coders reach only codebooks in which they were given answers, as strangers elsewhere.
        (Need::Code, MemberRole::Coder) if assigned => Ok(Standing::Member(role)),
        (Need::Code, MemberRole::Coder) => Err(Refusal::NotFound),
    }
}

/// Whether `account` may be a member in `role`, with the reason when not.
pub fn check_new_member(account: &User, role: MemberRole) -> Result<(), String> {
    if role == MemberRole::Researcher && !account.role.includes(Role::Researcher) {
        return Err(format!(
            "{} has a coder's account, so they can only be a coder of this survey. Add them as a coder, or ask an \
             admin to make their account a researcher's first.",
            account.email
        ));
    }
    if !account.active {
        return Err(format!("{}'s account is deactivated; an admin can reactivate it.", account.email));
    }
    Ok(())
}

/// Adds the account with `email` to the survey in `role` (or changes the role of a member),
/// recording it in the audit log as done by `by` (None: the command line). The reason when
/// refused.
pub fn add(
    conn: &Connection,
    survey: &StoredSurvey,
    email: &str,
    role: MemberRole,
    by: Option<&User>,
) -> Result<Result<User, String>, DbError> {
    let email = email.trim();
    let Some(account) = crate::accounts::store::find_by_email(conn, email)? else {
        return Ok(Err(format!("There is no account with the email {email}. An admin can invite them from Accounts.")));
    };
    if let Err(reason) = check_new_member(&account, role) {
        return Ok(Err(reason));
    }
    store::upsert(conn, survey.id, account.id, role, by.map(|u| u.id))?;
    let details =
        format!("{} as {}{}", account.email, role.as_str(), if by.is_none() { ", from the command line" } else { "" });
    audit::record(conn, by, "survey.member_add", &survey.slug, &details)?;
    Ok(Ok(account))
}

/// Takes the account `user_id` off the survey's members, recording it; false when they were not
/// a member.
pub fn remove(conn: &Connection, survey: &StoredSurvey, user_id: i64, by: Option<&User>) -> Result<bool, DbError> {
    let Some(member) = store::find(conn, survey.id, user_id)? else { return Ok(false) };
    store::delete(conn, survey.id, user_id)?;
    let details = format!("{}{}", member.email, if by.is_none() { ", from the command line" } else { "" });
    audit::record(conn, by, "survey.member_remove", &survey.slug, &details)?;
    Ok(true)
}

/// The accounts that may be given answers to code in the survey: its members whose accounts can
/// sign in.
pub fn coders(conn: &Connection, survey_id: i64) -> Result<Vec<User>, DbError> {
    let members: Vec<i64> = store::list(conn, survey_id)?.into_iter().map(|m| m.user_id).collect();
    Ok(crate::accounts::store::list(conn)?
        .into_iter()
        .filter(|u| u.active && u.has_password && members.contains(&u.id))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_reach_everything_without_being_members() {
        for need in [Need::Manage, Need::Code] {
            assert_eq!(decide(Role::Admin, None, need, false), Ok(Standing::Admin));
        }
    }

    #[test]
    fn strangers_find_nothing_whatever_their_account() {
        for account in [Role::Researcher, Role::Coder] {
            for need in [Need::Manage, Need::Code] {
                assert_eq!(decide(account, None, need, true), Err(Refusal::NotFound), "{account:?} {need:?}");
            }
        }
    }

    #[test]
    fn member_researchers_manage_and_code() {
        let researcher = Some(MemberRole::Researcher);
        assert_eq!(
            decide(Role::Researcher, researcher, Need::Manage, false),
            Ok(Standing::Member(MemberRole::Researcher))
        );
        assert_eq!(
            decide(Role::Researcher, researcher, Need::Code, false),
            Ok(Standing::Member(MemberRole::Researcher))
        );
    }

    #[test]
    fn member_coders_are_forbidden_the_researchers_pages_and_code_only_where_assigned() {
        let coder = Some(MemberRole::Coder);
        for account in [Role::Researcher, Role::Coder] {
            assert_eq!(decide(account, coder, Need::Manage, true), Err(Refusal::Forbidden));
            assert_eq!(decide(account, coder, Need::Code, true), Ok(Standing::Member(MemberRole::Coder)));
            assert_eq!(decide(account, coder, Need::Code, false), Err(Refusal::NotFound));
        }
    }

    #[test]
    fn a_researcher_membership_of_an_account_made_a_coder_counts_as_a_coder() {
        let researcher = Some(MemberRole::Researcher);
        assert_eq!(decide(Role::Coder, researcher, Need::Manage, true), Err(Refusal::Forbidden));
        assert_eq!(decide(Role::Coder, researcher, Need::Code, true), Ok(Standing::Member(MemberRole::Coder)));
    }

    #[test]
    fn only_researchers_and_admins_can_be_a_survey_researcher() {
        let account = |role| User {
            id: 1,
            email: "ana@example.org".into(),
            name: String::new(),
            role,
            active: true,
            session_epoch: 0,
            created_at: String::new(),
            last_login_at: None,
            has_password: true,
            time_zone: "UTC".into(),
        };
        let refused = check_new_member(&account(Role::Coder), MemberRole::Researcher).unwrap_err();
        assert!(refused.contains("coder"), "{refused}");
        assert!(check_new_member(&account(Role::Coder), MemberRole::Coder).is_ok());
        assert!(check_new_member(&account(Role::Researcher), MemberRole::Researcher).is_ok());
        assert!(check_new_member(&account(Role::Admin), MemberRole::Researcher).is_ok());
    }
}
