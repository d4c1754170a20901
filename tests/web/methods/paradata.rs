//! Paradata: each save of a page is recorded with its language and the times it was shown and
//! saved, the device class (never the User-Agent) is kept with the response, all of it exported
//! (`last_page`, `time_PAGE`, `device`, consent), and an anonymous survey keeps dates only. The
//! responses page shows where respondents stopped.

use reqwest::StatusCode;

use super::*;
use crate::helpers::{PASSWORD, TestApp};

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

/// Sends page `index` with its form as shown but the page said to be shown `seconds` ago.
async fn submit_shown_ago(r: &mut Respondent<'_>, index: usize, fields: &[(&str, &str)], seconds: i64) -> String {
    let mut form = r.form(fields);
    let shown = time::OffsetDateTime::now_utc().unix_timestamp() - seconds;
    form.retain(|(name, _)| name != "shown");
    form.push(("shown".into(), shown.to_string()));
    let reply = r.post_page(index, &form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", errors_in(&reply.html));
    r.get(&reply.location).await;
    reply.location
}

#[tokio::test]
async fn each_saved_page_is_recorded_with_its_language_and_times_and_exported_with_the_device_class() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    let mut r = Respondent::new(&app, "methods").with_header("user-agent", IPHONE);
    r.start().await;
    assert!(hidden(&r.html, "shown").is_some(), "the page says when it was shown");

    let to = submit_shown_ago(&mut r, 0, &[("q.PROJECT", "Falcon"), ("q.ROLE", "dev")], 90).await;
    assert_eq!(to, "/s/methods/p/1");
    let switched = r.submit(1, &[("switch_lang", "es")]).await;
    assert_eq!(switched.status, StatusCode::OK, "a language switch saves no page");
    assert_eq!(r.next(1, &[("q.MOTIV", "science")]).await, "/s/methods/p/2");
    assert_eq!(r.next(2, &[("action", "back")]).await, "/s/methods/p/1");
    assert_eq!(r.next(1, &[("q.MOTIV", "science")]).await, "/s/methods/p/2");
    assert_eq!(r.next(2, &[]).await, "/s/methods/p/3");
    let done = r.submit(3, &[]).await;
    assert_eq!(done.location, "/s/methods/done");

    let visits = visits(&app);
    let pages: Vec<(&str, &str)> = visits.iter().map(|(p, l, _, _)| (p.as_str(), l.as_str())).collect();
    assert_eq!(
        pages,
        [("about", "en"), ("motives", "es"), ("rate", "es"), ("motives", "es"), ("rate", "es"), ("end", "es")]
    );
    for (page, _, shown, saved) in &visits {
        let shown = shown.as_deref().unwrap_or_else(|| panic!("{page} has the time it was shown"));
        assert!(shown <= saved.as_str() && saved.ends_with('Z') && saved.len() == 20, "{page}: {shown} {saved}");
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE device = 'phone'"), 1);

    let rows = export(&app, "methods", "responses", &[]);
    assert_eq!(cell(&rows, 1, "device"), "phone");
    assert_eq!(cell(&rows, 1, "last_page"), "end");
    assert_eq!(cell(&rows, 1, "consent_version"), "1");
    assert!(cell(&rows, 1, "consent_at").contains('T'), "a time: the survey is not anonymous");
    let about: i64 = cell(&rows, 1, "time_about").parse().expect("seconds");
    assert!((90..100).contains(&about), "about took 90 seconds: {about}");
    for page in ["motives", "rate", "end"] {
        let seconds: i64 = cell(&rows, 1, &format!("time_{page}")).parse().expect("seconds");
        assert!((0..60).contains(&seconds), "{page}: {seconds}");
    }
}

#[tokio::test]
async fn an_anonymous_survey_keeps_only_the_dates_of_saves_and_no_device_or_durations() {
    let app = TestApp::spawn().await;
    open_methods(&app, true);
    let mut r = Respondent::new(&app, "methods").with_header("user-agent", IPHONE);
    r.start().await;
    assert_eq!(hidden(&r.html, "shown"), None, "no time on page is measured");
    r.next(0, &[("q.ROLE", "dev")]).await;

    let visits = visits(&app);
    assert_eq!(visits.len(), 1);
    let (page, language, shown, saved) = &visits[0];
    assert_eq!((page.as_str(), language.as_str(), shown), ("about", "en", &None));
    assert_eq!(saved.len(), 10, "the date only: {saved}");
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE device IS NULL AND user_agent IS NULL"), 1);

    let rows = export(&app, "methods", "responses", &["--include-partial"]);
    assert!(!rows[0].iter().any(|c| c == "device" || c.starts_with("time_")), "{:?}", rows[0]);
    assert_eq!(cell(&rows, 1, "last_page"), "motives");
    assert_eq!(cell(&rows, 1, "consent_at").len(), 10, "the date only");
}

#[tokio::test]
async fn the_responses_page_shows_how_many_reached_each_page_and_how_many_stopped_there() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    let mut done = Respondent::new(&app, "methods");
    done.start().await;
    let seen = crate::respond::answer_every_page(&mut done, &[("q.ROLE", "dev")]).await;
    assert_eq!(seen.len(), 4);
    let other = app.other_client();
    let mut stopped_on_motives = Respondent::new(&other, "methods");
    stopped_on_motives.start().await;
    // A form without the time it was shown (an old page, or an altered one) stores none.
    let mut form = stopped_on_motives.form(&[("q.ROLE", "dev")]);
    form.retain(|(name, _)| name != "shown");
    assert_eq!(stopped_on_motives.post_page(0, &form).await.status, StatusCode::SEE_OTHER);
    let third = app.other_client();
    Respondent::new(&third, "methods").start().await;
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM page_visits WHERE shown_at IS NULL"), 1);

    app.add_user("rae@example.org", fieldwork::accounts::Role::Researcher);
    let survey = crate::surveys::stored(&app, "methods").id;
    app.add_member(survey, "rae@example.org", fieldwork::survey::members::MemberRole::Researcher);
    app.login("rae@example.org", PASSWORD).await;
    let (status, html) = app.get_page("/surveys/methods/responses").await;
    assert_eq!(status, StatusCode::OK);
    let table = &html[html.find("id=\"breakoff\"").expect("the breakoff view")..];
    let table = &table[..table.find("</table>").unwrap()];
    let counts: Vec<(String, String, String)> = table
        .split("<tr><th scope=\"row\">")
        .skip(1)
        .map(|row| {
            let code = row.split("<code>").nth(1).unwrap().split("</code>").next().unwrap().to_string();
            let cells: Vec<&str> = row.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap()).collect();
            (code, cells[0].to_string(), cells[1].to_string())
        })
        .collect();
    let expected = [("about", "3", "1"), ("motives", "2", "1"), ("rate", "1", "0"), ("end", "1", "0")];
    assert_eq!(counts, expected.map(|(p, r, s)| (p.to_string(), r.to_string(), s.to_string())));
    let (_, partial_only) = app.get_page("/surveys/methods/responses?status=partial").await;
    assert!(partial_only.contains("Of the 2 responses above"), "the view follows the filter");
}
