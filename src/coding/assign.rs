//! Sharing answers out among coders: a chosen share, drawn at random with a recorded seed, goes to
//! several coders (for agreement), the rest to one each, keeping everyone's load even. The same
//! units, coders, share and seed always give the same assignment.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, params};

use super::units::Unit;
use crate::db::{DbError, now_rfc3339};

/// How to share the answers out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// The share of answers coded by several coders, 0 to 1.
    pub double_share: f64,
    /// How many coders code each of those.
    pub coders_per_double: usize,
    pub seed: u64,
}

/// Who codes which unit. `coders` must not be empty.
pub fn draw(units: &[Unit], coders: &[i64], plan: Plan) -> Vec<(Unit, Vec<i64>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let mut order: Vec<&Unit> = units.iter().collect();
    order.sort();
    order.shuffle(&mut rng);
    let doubles = (plan.double_share.clamp(0.0, 1.0) * order.len() as f64).round() as usize;
    let per_double = plan.coders_per_double.clamp(1, coders.len().max(1));
    let mut load = vec![0usize; coders.len()];
    let mut drawn = Vec::with_capacity(order.len());
    for (i, unit) in order.into_iter().enumerate() {
        let wanted = if i < doubles { per_double } else { 1 };
        // The least loaded coders, ties broken at random so no coder is always first.
        let mut candidates: Vec<usize> = (0..coders.len()).collect();
        candidates.shuffle(&mut rng);
        candidates.sort_by_key(|&c| load[c]);
        let mut chosen: Vec<i64> = candidates
            .into_iter()
            .take(wanted)
            .map(|c| {
                load[c] += 1;
                coders[c]
            })
            .collect();
        chosen.sort_unstable();
        drawn.push((unit.clone(), chosen));
    }
    drawn.sort();
    drawn
}

/// Stores a run and its assignments, replacing the earlier assignments in the same scope (one
/// question, or all). Codings already made are kept.
pub fn save(
    conn: &Connection,
    codebook_id: i64,
    question: Option<&str>,
    coders: &[i64],
    plan: Plan,
    created_by: i64,
    drawn: &[(Unit, Vec<i64>)],
) -> Result<i64, DbError> {
    conn.execute(
        "DELETE FROM assignments WHERE codebook_id = ?1 AND (?2 IS NULL OR question = ?2)",
        params![codebook_id, question],
    )?;
    let coders_json = serde_json::to_string(coders).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "INSERT INTO assignment_runs (codebook_id, question, coders, double_share, coders_per_double, seed, created_at, created_by) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![codebook_id, question, coders_json, plan.double_share, plan.coders_per_double as i64, plan.seed as i64, now_rfc3339(), created_by],
    )?;
    let run = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT OR REPLACE INTO assignments (codebook_id, response_id, question, coder_id, run_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (unit, coders) in drawn {
        for coder in coders {
            insert.execute(params![codebook_id, unit.response_id, unit.question, coder, run])?;
        }
    }
    Ok(run)
}

/// Done and assigned counts per coder, for the progress table.
pub fn progress(conn: &Connection, codebook_id: i64) -> Result<Vec<(String, i64, i64)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT u.email, COUNT(*), SUM(EXISTS (SELECT 1 FROM coding_done d WHERE d.codebook_id = a.codebook_id \
             AND d.response_id = a.response_id AND d.question = a.question AND d.coder_id = a.coder_id)) \
         FROM assignments a JOIN users u ON u.id = a.coder_id WHERE a.codebook_id = ?1 GROUP BY a.coder_id ORDER BY u.email",
    )?;
    let rows = stmt.query_map([codebook_id], |r| Ok((r.get(0)?, r.get(2)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(n: i64) -> Vec<Unit> {
        (1..=n).map(|i| Unit { response_id: i, question: "Q".into() }).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_assignment_and_another_seed_another() {
        let plan = Plan { double_share: 0.2, coders_per_double: 2, seed: 42 };
        let a = draw(&units(50), &[1, 2, 3], plan);
        assert_eq!(a, draw(&units(50), &[1, 2, 3], plan));
        assert_ne!(a, draw(&units(50), &[1, 2, 3], Plan { seed: 43, ..plan }));
    }

    #[test]
    fn the_chosen_share_is_double_coded_and_loads_are_even() {
        let drawn = draw(&units(100), &[1, 2, 3, 4], Plan { double_share: 0.2, coders_per_double: 2, seed: 7 });
        assert_eq!(drawn.len(), 100);
        assert_eq!(drawn.iter().filter(|(_, c)| c.len() == 2).count(), 20);
        assert!(drawn.iter().all(|(_, c)| c.len() == 1 || (c.len() == 2 && c[0] != c[1])));
        let load = |coder| drawn.iter().filter(|(_, c)| c.contains(&coder)).count();
        let loads: Vec<usize> = (1..=4).map(load).collect();
        assert_eq!(loads.iter().sum::<usize>(), 120);
        assert!(loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 1, "{loads:?}");
    }

    #[test]
    fn all_answers_can_be_double_coded() {
        let drawn = draw(&units(10), &[1, 2], Plan { double_share: 1.0, coders_per_double: 2, seed: 1 });
        assert!(drawn.iter().all(|(_, c)| c == &vec![1, 2]));
    }
}
