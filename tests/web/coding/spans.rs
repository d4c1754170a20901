//! Highlighted passages are counted in Unicode code points, end exclusive: for ASCII, emoji (with
//! zero-width-joiner sequences and flags), combining marks and right-to-left scripts the stored
//! offsets pick exactly the passage meant, and the page shows it back. Out-of-range passages are
//! refused with a message that says how long the answer is.

use reqwest::StatusCode;

use super::{Study, visible_text};
use crate::surveys::page;

/// (what, the answer, the passage to highlight in it).
const CASES: [(&str, &str, &str); 7] = [
    ("ASCII", "Open weights matter because labs can check them.", "labs can check"),
    (
        "emoji",
        "We 👩\u{200d}💻 code for 👨\u{200d}👩\u{200d}👧\u{200d}👦 families 🇰🇪 here.",
        "👨\u{200d}👩\u{200d}👧\u{200d}👦 families 🇰🇪",
    ),
    ("emoji at the end", "Access for all 🌍🏳\u{fe0f}\u{200d}🌈", "🏳\u{fe0f}\u{200d}🌈"),
    (
        "combining marks",
        "Cafe\u{301} culture and re\u{301}sume\u{301} building in Ha\u{300} No\u{323}\u{302}i.",
        "re\u{301}sume\u{301}",
    ),
    ("Arabic", "نريد نموذجًا مفتوحًا يخدم الجميع.", "نموذجًا مفتوحًا"),
    ("Hebrew", "אנחנו רוצים מודל פתוח לכולם.", "מודל פתוח"),
    ("mixed directions", "We said: النموذج للجميع, then שלום again.", "للجميع, then שלום"),
];

/// The code points `passage` covers in `text`: (start, end), end exclusive.
fn code_points(text: &str, passage: &str) -> (usize, usize) {
    let byte = text.find(passage).expect("the passage is in the text");
    let start = text[..byte].chars().count();
    (start, start + passage.chars().count())
}

#[tokio::test]
async fn passages_in_every_script_are_stored_as_code_point_offsets_and_shown_back() {
    let answers: Vec<&str> = CASES.iter().map(|(_, text, _)| *text).collect();
    let study = Study::with_answers(&answers).await;

    for ((what, text, passage), response) in CASES.iter().zip(&study.responses) {
        let (start, end) = code_points(text, passage);

        let highlighted =
            study.highlight(&study.app, *response, "MOT_ACCESS", &start.to_string(), &end.to_string()).await;

        assert_eq!(highlighted.status(), StatusCode::SEE_OTHER, "{what}");
        let codings = study.codings();
        let stored = codings.iter().find(|c| c.response_id == *response && c.span.is_some()).expect(what);
        assert_eq!(stored.span, Some((start as i64, end as i64)), "{what}");
        let (s, e) = (stored.span.unwrap().0 as usize, stored.span.unwrap().1 as usize);
        let taken: String = text.chars().skip(s).take(e - s).collect();
        assert_eq!(&taken, passage, "{what}: the stored offsets pick the passage");
        assert!(
            codings.iter().any(|c| c.response_id == *response && c.span.is_none() && c.code_key == "MOT_ACCESS"),
            "{what}: the passage is evidence for a whole-answer coding"
        );
        let html = page(&study.app, &study.unit(*response)).await;
        let marked =
            format!("<mark class=\"code-MOT_ACCESS\" data-start=\"{start}\" title=\"MOT_ACCESS\">{passage}</mark>");
        assert!(html.contains(&marked), "{what}: the answer shows the passage marked");
        assert!(
            html.contains(&format!("<li><mark class=\"code-MOT_ACCESS\">{passage}</mark> — Democratising access")),
            "{what}: listed among the coder's passages"
        );
        assert!(html.contains(&format!("data-length=\"{}\"", text.chars().count())), "{what}");
    }
}

#[tokio::test]
async fn a_passage_outside_the_answer_is_refused_with_the_answers_length() {
    let text = "Ha\u{300} Noi 👩\u{200d}💻";
    let study = Study::with_answers(&[text]).await;
    let response = study.responses[0];
    let length = text.chars().count().to_string();
    let beyond = (text.chars().count() + 1).to_string();
    let bytes = text.len().to_string();
    let cases: [(&str, &str, &str); 8] = [
        ("empty", "3", "3"),
        ("backwards", "5", "2"),
        ("past the end", "0", beyond.as_str()),
        ("counted in bytes", "0", bytes.as_str()),
        ("negative", "-1", "2"),
        ("not a number", "one", "2"),
        ("missing", "", ""),
        ("fraction", "0.5", "2"),
    ];

    for (what, start, end) in cases {
        let refused = study.highlight(&study.app, response, "MOT_ACCESS", start, end).await;

        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let message = format!("Select a passage inside the answer (it has {length} characters)");
        assert!(visible_text(&refused.text().await.unwrap()).contains(&message), "{what}");
        assert_eq!(study.codings(), vec![], "{what}: nothing stored");
    }

    // The whole answer, up to its last code point, is a passage.
    let whole = study.highlight(&study.app, response, "MOT_ACCESS", "0", &length).await;
    assert_eq!(whole.status(), StatusCode::SEE_OTHER);
    assert!(study.codings().iter().any(|c| c.span == Some((0, text.chars().count() as i64))));
}

#[tokio::test]
async fn a_passage_can_be_removed_and_the_whole_answer_coding_stays() {
    let study = Study::with_answers(&["Runs on a laptop."]).await;
    let response = study.responses[0];
    study.highlight(&study.app, response, "MOT_ACCESS", "10", "16").await;
    let passage = study.codings().into_iter().find(|c| c.span.is_some()).unwrap();

    let removed = study.app.post_form(&format!("{}/span/{}/delete", study.unit(response), passage.id), &[]).await;

    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let codings = study.codings();
    assert_eq!(codings.len(), 1);
    assert_eq!((codings[0].code_key.as_str(), codings[0].span), ("MOT_ACCESS", None));
}
