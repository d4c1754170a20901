//! The coding screen's lookups of one answer's codes seek by the answer. A query that SQLite
//! answers from the codebook-wide index instead reads every coding of the codebook on every
//! page and save, so its cost grows with the coding done so far.

use crate::helpers::TestApp;

#[tokio::test]
async fn the_codes_of_one_answer_are_looked_up_by_the_answer() {
    let app = TestApp::spawn().await;
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let lookups = [
        ("a coder's codes in a layer", fieldwork::coding::store::APPLIED_CODES),
        ("a coder's codes for reconciliation", fieldwork::coding::store::layers::CODER_CODES_ON_UNIT),
    ];
    for (lookup, query) in lookups {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {query}")).expect("a query");
        let parameters = vec![1; stmt.parameter_count()];
        let rows = stmt.query_map(rusqlite::params_from_iter(parameters), |r| r.get::<_, String>(3));
        let plan: Vec<String> = rows.expect("a plan").map(Result::unwrap).collect();
        assert!(
            plan.iter().all(|step| step.contains("response_id=? AND question=?")),
            "{lookup} reads more than the answer's codings: {plan:?}"
        );
    }
}
