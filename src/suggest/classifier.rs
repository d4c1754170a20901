//! One code's classifier: L2-regularised logistic regression over the features most associated
//! with the code (χ² of presence against the code, among the answers it learns from), solved by
//! argmin's L-BFGS. Ours is only the loss and its gradient over the sparse columns.

use std::cell::RefCell;
use std::rc::Rc;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use serde::{Deserialize, Serialize};

use super::features::SparseRow;

/// How each code's classifier is fitted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitParams {
    /// At most this many features per code, the most associated with it (χ²).
    pub features_per_code: usize,
    /// And no more than this many occurrences of the chosen features per answer, on average: a
    /// code's strongest features come first, and the work of a fit stays proportional to the
    /// number of answers however common the later features are.
    pub occurrences_per_answer: usize,
    /// Weight of the L2 penalty on the weights (the intercept is not penalised): the inverse
    /// of scikit-learn's `C`.
    pub l2: f64,
    /// L-BFGS iterations at most.
    pub max_iterations: u64,
    /// The probability from which the model applies the code.
    pub decision: f64,
}

impl Default for FitParams {
    fn default() -> Self {
        FitParams { features_per_code: 1000, occurrences_per_answer: 10, l2: 0.1, max_iterations: 100, decision: 0.5 }
    }
}

/// A fitted classifier: weights of a few features (by feature number) and the intercept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeModel {
    pub features: Vec<u32>,
    pub weights: Vec<f32>,
    pub intercept: f32,
}

impl CodeModel {
    /// The one answer a code nobody applied gets: never.
    pub fn never() -> CodeModel {
        CodeModel { features: Vec::new(), weights: Vec::new(), intercept: -30.0 }
    }

    /// The probability that the code applies to an answer with these features (sorted by number).
    pub fn probability(&self, row: &[(u32, f32)]) -> f64 {
        let mut z = f64::from(self.intercept);
        let (mut i, mut j) = (0, 0);
        while i < row.len() && j < self.features.len() {
            match row[i].0.cmp(&self.features[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    z += f64::from(row[i].1) * f64::from(self.weights[j]);
                    i += 1;
                    j += 1;
                }
            }
        }
        sigmoid(z)
    }
}

/// The rows a classifier learns from: `rows[i]` says which rows of the matrix take part, and
/// `labels[i]` whether the code applies to row i (rows not taking part are ignored).
pub struct Sample<'a> {
    pub rows: &'a [SparseRow],
    pub columns: &'a [Vec<(u32, f32)>],
    pub in_sample: &'a [bool],
    pub labels: &'a [bool],
    /// For each feature, in how many rows of the sample it occurs.
    pub found_in: &'a [u32],
}

/// Fits the classifier of one code on a sample (all rows' features by column).
pub fn fit(sample: &Sample, params: &FitParams) -> CodeModel {
    let features = select(sample, params.features_per_code, params.occurrences_per_answer);
    let positives = sample.labels.iter().zip(sample.in_sample).filter(|(l, s)| **l && **s).count();
    if positives == 0 {
        return CodeModel::never();
    }
    // The sample's rows, renumbered 0.., and the selected columns restricted to them.
    let mut local = vec![u32::MAX; sample.in_sample.len()];
    let mut signs = Vec::new();
    for (i, _) in sample.in_sample.iter().enumerate().filter(|(_, s)| **s) {
        local[i] = signs.len() as u32;
        signs.push(if sample.labels[i] { 1.0 } else { -1.0 });
    }
    let columns: Vec<Vec<(u32, f32)>> = features
        .iter()
        .map(|&f| {
            sample.columns[f as usize]
                .iter()
                .filter(|(row, _)| local[*row as usize] != u32::MAX)
                .map(|&(row, w)| (local[row as usize], w))
                .collect()
        })
        .collect();
    let problem = Logistic { columns: &columns, signs: &signs, l2: params.l2, last: RefCell::default() };
    let start = vec![0.0; features.len() + 1];
    let solved = LBFGS::new(MoreThuenteLineSearch::new(), 7).with_tolerance_grad(1e-5).and_then(|solver| {
        Executor::new(problem, solver).configure(|s| s.param(start.clone()).max_iters(params.max_iterations)).run()
    });
    // The solver fails only on a non-finite loss, which the stable formulas do not produce;
    // should it fail, the code is never applied rather than applied at random.
    let Ok(mut solved) = solved else { return CodeModel::never() };
    let Some(best) = solved.state.take_best_param().or_else(|| solved.state.get_param().cloned()) else {
        return CodeModel::never();
    };
    let intercept = best[features.len()] as f32;
    let weights = best[..features.len()].iter().map(|&w| w as f32).collect();
    CodeModel { features, weights, intercept }
}

/// The features most associated with the code by χ² of presence, among those more frequent in
/// the code's answers than elsewhere: at most `limit`, and, strongest first, only while their
/// occurrences stay within `per_answer` per answer of the sample. By feature number.
fn select(sample: &Sample, limit: usize, per_answer: usize) -> Vec<u32> {
    let n = sample.in_sample.iter().filter(|s| **s).count() as f64;
    let positives = sample.labels.iter().zip(sample.in_sample).filter(|(l, s)| **l && **s).count() as f64;
    // In how many positive rows of the sample each feature occurs.
    let mut in_positives = vec![0u32; sample.columns.len()];
    let positive_rows =
        sample.rows.iter().zip(sample.labels.iter().zip(sample.in_sample)).filter(|(_, (l, s))| **l && **s);
    for (features, _) in positive_rows {
        for &(f, _) in features {
            in_positives[f as usize] += 1;
        }
    }
    let mut scored: Vec<(f64, u32)> = Vec::new();
    for (f, &found) in sample.found_in.iter().enumerate() {
        let a = f64::from(in_positives[f]);
        // Only what speaks for the code: found more often with it than its share would give.
        if found == 0 || a * n <= f64::from(found) * positives {
            continue;
        }
        let b = f64::from(found) - a;
        let c = positives - a;
        let d = n - positives - b;
        let denominator = (a + c) * (b + d) * (a + b) * (c + d);
        if denominator > 0.0 {
            scored.push((n * (a * d - b * c).powi(2) / denominator, f as u32));
        }
    }
    let by_score = |x: &(f64, u32), y: &(f64, u32)| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1));
    if scored.len() > limit {
        scored.select_nth_unstable_by(limit, by_score);
        scored.truncate(limit);
    }
    scored.sort_unstable_by(by_score);
    let budget = per_answer as f64 * n;
    let mut spent = 0.0;
    let mut chosen: Vec<u32> = Vec::new();
    for (_, f) in scored {
        spent += f64::from(sample.found_in[f as usize]);
        if spent > budget && !chosen.is_empty() {
            break;
        }
        chosen.push(f);
    }
    chosen.sort_unstable();
    chosen
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 { 1.0 / (1.0 + (-z).exp()) } else { z.exp() / (1.0 + z.exp()) }
}

/// `ln(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 { x + (-x).exp().ln_1p() } else { x.exp().ln_1p() }
}

/// The problem L-BFGS solves: Σ ln(1 + e^(−s·z)) + l2/2 · |w|², z = X·w + b, over the sampled
/// rows (signs s = ±1) and the selected columns; the parameters are the weights, then b.
struct Logistic<'a> {
    columns: &'a [Vec<(u32, f32)>],
    signs: &'a [f64],
    l2: f64,
    /// The last parameters and their margins: the line search asks for the cost and the gradient
    /// at the same point, and the margins are most of the work.
    last: RefCell<(Vec<f64>, Rc<Vec<f64>>)>,
}

impl Logistic<'_> {
    fn margins(&self, p: &[f64]) -> Rc<Vec<f64>> {
        let mut last = self.last.borrow_mut();
        if last.0 != p {
            *last = (p.to_vec(), Rc::new(self.compute_margins(p)));
        }
        Rc::clone(&last.1)
    }

    fn compute_margins(&self, p: &[f64]) -> Vec<f64> {
        let intercept = p[self.columns.len()];
        let mut z = vec![intercept; self.signs.len()];
        for (column, &w) in self.columns.iter().zip(p) {
            if w != 0.0 {
                for &(row, x) in column {
                    z[row as usize] += w * f64::from(x);
                }
            }
        }
        z
    }
}

impl CostFunction for Logistic<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Self::Param) -> Result<f64, argmin::core::Error> {
        let z = self.margins(p);
        let loss: f64 = z.iter().zip(self.signs).map(|(z, s)| softplus(-s * z)).sum();
        let penalty: f64 = p[..self.columns.len()].iter().map(|w| w * w).sum();
        Ok(loss + 0.5 * self.l2 * penalty)
    }
}

impl Gradient for Logistic<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, p: &Self::Param) -> Result<Vec<f64>, argmin::core::Error> {
        let z = self.margins(p);
        // d loss / d z for each row.
        let residual: Vec<f64> = z.iter().zip(self.signs).map(|(z, s)| -s * sigmoid(-s * z)).collect();
        let mut gradient: Vec<f64> = self
            .columns
            .iter()
            .zip(p)
            .map(|(column, w)| {
                column.iter().map(|&(row, x)| residual[row as usize] * f64::from(x)).sum::<f64>() + self.l2 * w
            })
            .collect();
        gradient.push(residual.iter().sum());
        Ok(gradient)
    }
}
