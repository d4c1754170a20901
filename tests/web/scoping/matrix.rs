//! Every route the router has (from `app::route_paths`, so a route added tomorrow is in), asked by
//! each kind of person, with our study's ids: admins and the survey's researchers get the page,
//! its coders 403 on a researcher's page and the page on a coding page of a codebook they code
//! in, everyone else 404, and someone not signed in the login page. A refused request changes
//! nothing stored. Then each id of a row of a survey swapped for one of the other survey's: 404
//! for everyone, admins too.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

use super::{Who, World, fill, form, params};

/// Who may reach a route, told by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Anyone, signed in or not (respondents' pages, signing in, static files).
    Public,
    /// Any signed-in account.
    SignedIn,
    /// Admins only.
    Admin,
    /// Researchers and admins, whatever the survey (the survey list, import, a new survey).
    Researchers,
    /// A survey's (or its codebook's) researcher pages: its member researchers and admins.
    Survey,
    /// A codebook's coding pages: also the member coders given answers in it.
    Coding,
}

/// A new route lands here: say who may reach it.
fn scope_of(path: &str) -> Scope {
    const CODING: [&str; 3] = ["/codebooks/{id}/code", "/codebooks/{id}/journal", "/codebooks/{id}/colours.css"];
    if path.starts_with("/s/")
        || path.starts_with("/static/")
        || ["/healthz", "/favicon.ico", "/login", "/logout", "/setup", "/account/set-password"].contains(&path)
    {
        Scope::Public
    } else if ["/", "/account/password", "/account/time-zone"].contains(&path) {
        Scope::SignedIn
    } else if path.starts_with("/admin/") {
        Scope::Admin
    } else if ["/surveys", "/surveys/import", "/surveys/new", "/study-kit"].contains(&path) {
        Scope::Researchers
    } else if CODING.iter().any(|c| path == *c || path.starts_with(&format!("{c}/"))) {
        Scope::Coding
    } else if path.starts_with("/surveys/{slug}") || path.starts_with("/codebooks/{id}") {
        Scope::Survey
    } else {
        panic!("{path}: a route the access matrix does not know; say in scope_of who may reach it")
    }
}

/// What a kind of person must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Page,
    Forbidden,
    NotFound,
    LogIn,
    /// Public pages: anything but a server error.
    NoServerError,
}

fn expected(scope: Scope, who: Who) -> Expected {
    use Expected::*;
    match (scope, who) {
        (Scope::Public, _) => NoServerError,
        (_, Who::Anonymous) => LogIn,
        (_, Who::Admin) | (Scope::SignedIn, _) => Page,
        (Scope::Admin, _) => Forbidden,
        (Scope::Researchers, Who::StrangerResearcher | Who::MemberResearcher) => Page,
        (Scope::Researchers, _) => Forbidden,
        (Scope::Survey | Scope::Coding, Who::StrangerCoder | Who::StrangerResearcher) => NotFound,
        (Scope::Survey, Who::MemberCoder) => Forbidden,
        (Scope::Survey | Scope::Coding, _) => Page,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Method {
    Get,
    Post,
}

/// The status and `Location` of `method path` asked by `person`.
async fn ask(world: &World, who: Who, method: Method, path: &str) -> (StatusCode, String) {
    let person = world.person(who);
    let url = person.client.url(path);
    let response = match method {
        Method::Get => person.client.client.get(url).send().await.expect("GET"),
        Method::Post => {
            let token = person.client.csrf_token().await;
            person.client.client.post(url).form(&form(&world.ours, &token)).send().await.expect("POST")
        }
    };
    let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (response.status(), location)
}

/// Whether `got` is what `expected` asks; `first` is false for a later person allowed to POST,
/// who may find the thing already gone (404) after someone before them changed it.
fn matches(expected: Expected, got: (StatusCode, &str), method: Method, first: bool) -> bool {
    let (status, location) = got;
    let to_login = status == StatusCode::SEE_OTHER && location.starts_with("/login?next=");
    match expected {
        Expected::NoServerError => !status.is_server_error(),
        Expected::LogIn => to_login,
        Expected::Forbidden => status == StatusCode::FORBIDDEN,
        Expected::NotFound => status == StatusCode::NOT_FOUND,
        Expected::Page if method == Method::Get => status == StatusCode::OK,
        Expected::Page => {
            !to_login
                && !status.is_server_error()
                && status != StatusCode::FORBIDDEN
                && (!first || status != StatusCode::NOT_FOUND)
        }
    }
}

/// Everything stored but sessions and login throttling, as text: what a refused request must
/// leave as it was.
fn everything(world: &World) -> String {
    let conn = fieldwork::db::open(&world.app.db_path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sessions', 'login_failures')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut all = String::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let cells: Vec<String> = (0..columns).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect();
            all.push_str(&format!("{table}: {}\n", cells.join(" | ")));
        }
    }
    all
}

#[tokio::test]
async fn every_route_answers_each_kind_of_person_as_its_scope_says() {
    let world = World::new().await;
    let paths = fieldwork::app::route_paths();
    assert!(paths.len() > 60, "the route table: {paths:?}");
    let mut wrong = Vec::new();
    // Reading first, for everyone: pages change nothing. Then the forms.
    for method in [Method::Get, Method::Post] {
        for pattern in &paths {
            let scope = scope_of(pattern);
            let path = fill(&world, pattern, None);
            let mut served = None;
            let mut allowed_before = false;
            // Public pages answer everyone alike: asked once. (Asking them for everyone would
            // also sign people out, and pause logins from this address after failed ones.)
            let asked = if scope == Scope::Public { &[Who::Anonymous][..] } else { &Who::ALL[..] };
            for &who in asked {
                let expected = expected(scope, who);
                let refused = matches!(expected, Expected::Forbidden | Expected::NotFound | Expected::LogIn);
                let before = (method == Method::Post && refused).then(|| everything(&world));
                let (status, location) = ask(&world, who, method, &path).await;
                if let Some(was) = before
                    && everything(&world) != was
                {
                    wrong.push(format!("POST {path} as {who:?}: refused, but it changed what is stored"));
                }
                // A path without this method answers 405 to everyone, before anyone is asked who they are.
                let not_here = status == StatusCode::METHOD_NOT_ALLOWED;
                if *served.get_or_insert(!not_here) == not_here {
                    wrong.push(format!("{method:?} {path} as {who:?}: {status} where others were answered"));
                }
                if not_here {
                    continue;
                }
                if !matches(expected, (status, &location), method, !allowed_before) {
                    wrong.push(format!("{method:?} {path} as {who:?}: {status} {location}, expected {expected:?}"));
                }
                allowed_before |= expected == Expected::Page;
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
}

#[tokio::test]
async fn an_id_of_another_survey_in_the_url_is_not_found_even_for_an_admin() {
    let world = World::new().await;
    let mut wrong = Vec::new();
    let mut asked = 0;
    for pattern in fieldwork::app::route_paths() {
        let scope = scope_of(pattern);
        for nested in params(pattern).into_iter().filter(|p| p.is_nested_id()) {
            let path = fill(&world, pattern, Some(nested));
            let allowed = Who::ALL.into_iter().filter(|w| expected(scope, *w) == Expected::Page);
            for who in allowed {
                for method in [Method::Get, Method::Post] {
                    let (status, _) = ask(&world, who, method, &path).await;
                    if status == StatusCode::METHOD_NOT_ALLOWED {
                        continue;
                    }
                    asked += 1;
                    if status != StatusCode::NOT_FOUND {
                        wrong.push(format!("{method:?} {path} ({nested:?} of their study) as {who:?}: {status}"));
                    }
                }
            }
        }
    }
    assert!(asked > 30, "{asked} requests");
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    // Nothing of theirs was changed through our study's addresses.
    let theirs = &world.theirs;
    assert_eq!(world.app.query_i64(&format!("SELECT COUNT(*) FROM codings WHERE id = {}", theirs.passage)), 1);
    let kept = format!("SELECT COUNT(*) FROM survey_members WHERE user_id = {}", theirs.spare_member);
    assert_eq!(world.app.query_i64(&kept), 1);
}
