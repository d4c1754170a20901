//! The readers that stream a whole survey read responses and answers in id order as SQLite
//! stores them: no query plan sorts (a TEMP B-TREE would hold every response in memory).

use crate::helpers::TestApp;

#[tokio::test]
async fn the_streaming_readers_never_make_sqlite_sort() {
    let app = TestApp::spawn().await;
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let readers = [
        ("the wide export", fieldwork::export::store::RESPONSES.as_str()),
        ("the analysis' responses", fieldwork::analysis::data::RESPONSES.as_str()),
        ("the analysis' answers", fieldwork::analysis::data::ANSWERS),
        ("the project export's responses", fieldwork::export::qdpx::rows::RESPONSES),
    ];
    for (reader, query) in readers {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {query}")).expect("a query");
        let parameters = vec![1; stmt.parameter_count()];
        let rows = stmt.query_map(rusqlite::params_from_iter(parameters), |r| r.get::<_, String>(3));
        let plan: Vec<String> = rows.expect("a plan").map(Result::unwrap).collect();
        assert!(plan.iter().all(|step| !step.contains("TEMP B-TREE")), "{reader}: {plan:?}");
        assert!(plan.iter().any(|step| step.starts_with("SCAN")), "{reader} reads the responses in order: {plan:?}");
    }
    // Each response's page visits (the wide export's paradata) are looked up by its key, in order.
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", fieldwork::export::store::VISITS)).unwrap();
    let plan: Vec<String> = stmt.query_map([1], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
    assert!(plan.iter().all(|step| !step.contains("TEMP B-TREE") && step.contains("PRIMARY KEY")), "{plan:?}");
}
