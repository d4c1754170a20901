//! A survey's members: its creator is its first researcher; its researchers add and remove
//! researchers and coders on its page (a coder's account cannot be a researcher, an unknown email
//! is named, and what was typed stays); the command line lists, adds and removes them, audited
//! like the web; and every list shows each person only what they may reach.

use std::process::Command;

use fieldwork::accounts::Role;
use reqwest::StatusCode;

use super::{Who, World};
use crate::helpers::{PASSWORD, TestApp, location};
use crate::surveys::{SMALL, SMALL_SLUG, audit, form_fields, listed_errors, page, signed_in_researcher, value_of};

/// The members listed on a survey's page: (email, role).
fn listed_members(html: &str) -> Vec<(String, String)> {
    let Some(start) = html.find("<h2 id=\"members\">") else { return Vec::new() };
    let section = &html[start..start + html[start..].find("</section>").unwrap_or(0)];
    section
        .split("<tr>")
        .skip(2)
        .map(|row| {
            let cells: Vec<String> =
                row.split("<td>").skip(1).map(|c| c.split('<').next().unwrap_or("").trim().to_string()).collect();
            (cells[0].clone(), cells[2].clone())
        })
        .collect()
}

async fn add_member(app: &TestApp, slug: &str, email: &str, role: &str) -> reqwest::Response {
    app.post_form(&format!("/surveys/{slug}/members"), &[("member_email", email), ("member_role", role)]).await
}

async fn sign_in(app: &TestApp, email: &str, role: Role) -> TestApp {
    app.add_user(email, role);
    let client = app.other_client();
    assert_eq!(client.login(email, PASSWORD).await.status(), StatusCode::SEE_OTHER, "login as {email}");
    client
}

#[tokio::test]
async fn the_creator_is_the_first_researcher_and_adds_and_removes_members_on_the_survey_page() {
    let app = signed_in_researcher().await;
    let created =
        app.post_form("/surveys/new", &[("title", "Team survey"), ("slug", "team"), ("language", "en")]).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let overview = page(&app, "/surveys/team").await;
    assert_eq!(listed_members(&overview), [("rita@example.org".to_string(), "researcher".to_string())]);

    let coder = sign_in(&app, "cody@example.org", Role::Coder).await;
    let colleague = sign_in(&app, "bo@example.org", Role::Researcher).await;
    assert_eq!(coder.get("/surveys/team").await.status(), StatusCode::NOT_FOUND, "not a member yet");
    assert_eq!(colleague.get("/surveys/team").await.status(), StatusCode::NOT_FOUND, "not a member yet");

    let added = add_member(&app, "team", "cody@example.org", "coder").await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(add_member(&app, "team", " bo@example.org ", "researcher").await.status(), StatusCode::SEE_OTHER);
    let members = listed_members(&page(&app, "/surveys/team").await);
    assert!(members.contains(&("cody@example.org".into(), "coder".into())), "{members:?}");
    assert!(members.contains(&("bo@example.org".into(), "researcher".into())), "{members:?}");
    assert_eq!(coder.get("/surveys/team").await.status(), StatusCode::FORBIDDEN, "a coder: not a researcher's page");
    assert_eq!(colleague.get("/surveys/team").await.status(), StatusCode::OK, "a researcher of the survey now");

    // The new researcher manages the members too: they take the coder off.
    let cody = app.query_i64("SELECT id FROM users WHERE email = 'cody@example.org'");
    let removed = colleague.post_form(&format!("/surveys/team/members/{cody}/remove"), &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(coder.get("/surveys/team").await.status(), StatusCode::NOT_FOUND);
    let again = colleague.post_form(&format!("/surveys/team/members/{cody}/remove"), &[]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "no longer a member");

    // Someone who takes themselves off is sent to the list, where the survey no longer is.
    let bo = app.query_i64("SELECT id FROM users WHERE email = 'bo@example.org'");
    let left = colleague.post_form(&format!("/surveys/team/members/{bo}/remove"), &[]).await;
    assert_eq!(location(&left), "/surveys");
    assert!(!page(&colleague, "/surveys").await.contains("/surveys/team\""));

    // Making oneself a coder of the survey leaves its researchers' pages too.
    let demoted = add_member(&app, "team", "rita@example.org", "coder").await;
    assert_eq!(location(&demoted), "/surveys");
    assert_eq!(app.get("/surveys/team").await.status(), StatusCode::FORBIDDEN);

    let added = audit(&app, "survey.member_add");
    assert_eq!(added.len(), 3);
    assert_eq!(added[0], ("rita@example.org".into(), "team".into(), "cody@example.org as coder".into()));
    let removed = audit(&app, "survey.member_remove");
    assert_eq!(removed[0], ("bo@example.org".into(), "team".into(), "cody@example.org".into()));
}

#[tokio::test]
async fn a_refused_member_is_named_with_the_reason_and_the_typed_email_stays() {
    let app = signed_in_researcher().await;
    let survey = crate::surveys::add_survey(&app, SMALL);
    app.add_user("cody@example.org", Role::Coder);
    let cases = [
        ("cody@example.org", "researcher", "coder's account"),
        ("nobody@example.org", "coder", "no account with the email nobody@example.org"),
        ("cody@example.org", "owner", "Choose researcher or coder"),
    ];
    for (email, role, reason) in cases {
        let response = add_member(&app, SMALL_SLUG, email, role).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{email} as {role}");
        let html = response.text().await.unwrap();
        let errors = listed_errors(&html);
        assert!(errors.iter().any(|e| e.contains(reason)), "{email} as {role}: {errors:?}");
        let typed = form_fields(&html, &format!("/surveys/{SMALL_SLUG}/members"));
        assert_eq!(value_of(&typed, "member_email"), Some(email), "the typed email is kept");
    }
    let members = app.query_i64(&format!("SELECT COUNT(*) FROM survey_members WHERE survey_id = {survey}"));
    assert_eq!(members, 1, "only the creator");
    assert!(audit(&app, "survey.member_add").is_empty());
}

#[tokio::test]
async fn each_list_shows_only_the_surveys_and_codebooks_a_person_may_reach() {
    let world = World::new().await;
    let lists = |html: &str, slug: &str| html.contains(&format!("href=\"/surveys/{slug}\""));
    let ours = page(&world.person(Who::MemberResearcher).client, "/surveys").await;
    assert!(lists(&ours, "our-study") && !lists(&ours, "their-study"), "a member researcher");
    let theirs = page(&world.person(Who::StrangerResearcher).client, "/surveys").await;
    assert!(!lists(&theirs, "our-study") && lists(&theirs, "their-study"), "the other team's researcher");
    let all = page(&world.person(Who::Admin).client, "/surveys").await;
    assert!(lists(&all, "our-study") && lists(&all, "their-study"), "an admin");

    // The dashboard lists the codebooks one codes in, while one is a member of their survey.
    let coder = &world.person(Who::MemberCoder).client;
    let coding_link = format!("href=\"/codebooks/{}/code\"", world.ours.codebook);
    assert!(page(coder, "/").await.contains(&coding_link));
    let member_coder = world.person(Who::MemberCoder).id;
    let ours = world.ours.survey;
    let removal =
        format!("DELETE FROM survey_members WHERE survey_id = {ours} AND user_id = {member_coder} RETURNING 1");
    world.app.query_i64(&removal);
    assert!(!page(coder, "/").await.contains(&coding_link), "no longer a member");
    assert_eq!(coder.get(&format!("/codebooks/{}/code", world.ours.codebook)).await.status(), StatusCode::NOT_FOUND);

    // Assignment offers the survey's members only, and takes no one else.
    let researcher = &world.person(Who::MemberResearcher).client;
    let assign = format!("/codebooks/{}/assign", world.ours.codebook);
    let offered = page(researcher, &assign).await;
    let offers = |id: i64| offered.contains(&format!("id=\"coder-{id}\""));
    assert!(offers(world.ours.spare_member), "a member");
    assert!(!offers(member_coder), "no longer a member");
    assert!(!offers(world.person(Who::StrangerCoder).id), "not a member");
    let stranger = world.person(Who::StrangerCoder).id.to_string();
    let before = world.app.query_i64("SELECT COUNT(*) FROM assignments");
    let refused = researcher
        .post_form(
            &assign,
            &[
                ("coder", &stranger),
                ("question", ""),
                ("double_percent", "0"),
                ("coders_per_double", "2"),
                ("seed", "1"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("among this survey&#x27;s members"));
    assert_eq!(world.app.query_i64("SELECT COUNT(*) FROM assignments"), before);
}

fn fieldwork(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork")).arg("--db").arg(db).args(args).output().unwrap()
}

#[tokio::test]
async fn the_command_line_lists_adds_and_removes_members_and_the_log_says_so() {
    let app = TestApp::spawn().await;
    app.setup_admin("ana@example.org").await;
    let file = app.dir.path().join("survey.toml");
    std::fs::write(&file, SMALL).unwrap();
    let imported = fieldwork(&app.db_path, &["survey", "import", file.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let members = |app: &TestApp| {
        String::from_utf8(fieldwork(&app.db_path, &["survey", "members", "--survey", SMALL_SLUG]).stdout).unwrap()
    };
    assert!(members(&app).contains("No members"), "imported from the command line: no members");
    assert!(page(&app, "/surveys").await.contains(SMALL_SLUG), "admins see it all the same");

    let researcher = sign_in(&app, "rita@example.org", Role::Researcher).await;
    app.add_user("cody@example.org", Role::Coder);
    assert_eq!(researcher.get(&format!("/surveys/{SMALL_SLUG}")).await.status(), StatusCode::NOT_FOUND);
    let add = |email: &'static str, role: &'static str| {
        fieldwork(&app.db_path, &["survey", "members", "--survey", SMALL_SLUG, "add", "--email", email, "--role", role])
    };
    let added = add("rita@example.org", "researcher");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    assert_eq!(researcher.get(&format!("/surveys/{SMALL_SLUG}")).await.status(), StatusCode::OK);
    let refused = add("cody@example.org", "researcher");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("coder's account"));
    assert!(add("cody@example.org", "coder").status.success());
    let listed = members(&app);
    assert!(listed.contains("rita@example.org") && listed.contains("researcher"), "{listed}");
    assert!(listed.contains("cody@example.org") && listed.contains("coder"), "{listed}");

    let remove = fieldwork(
        &app.db_path,
        &["survey", "members", "--survey", SMALL_SLUG, "remove", "--email", "rita@example.org"],
    );
    assert!(remove.status.success(), "{}", String::from_utf8_lossy(&remove.stderr));
    assert_eq!(researcher.get(&format!("/surveys/{SMALL_SLUG}")).await.status(), StatusCode::NOT_FOUND);
    let not_member = fieldwork(
        &app.db_path,
        &["survey", "members", "--survey", SMALL_SLUG, "remove", "--email", "rita@example.org"],
    );
    assert!(!not_member.status.success());
    assert!(String::from_utf8_lossy(&not_member.stderr).contains("not a member"));

    let added = audit(&app, "survey.member_add");
    assert_eq!(added.len(), 2);
    assert!(added.iter().all(|(actor, target, details)| actor == "system"
        && target == SMALL_SLUG
        && details.contains("from the command line")));
    assert_eq!(audit(&app, "survey.member_remove").len(), 1);
}
