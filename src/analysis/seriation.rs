//! An order of items that puts similar ones side by side (seriation), for the co-occurrence heat
//! map: average-linkage agglomerative clustering, whose dendrogram's leaves are the order. At
//! each step the two clusters with the highest mean similarity join, each turned so that the
//! most similar ends meet. The work grows with the cube of the items: the page orders a few
//! dozen codes at most.

/// The items `0..n` in an order where similar items sit together; `similarity` is symmetric, and
/// higher means more alike. Ties keep the given order, so the result is deterministic.
pub fn order(n: usize, similarity: impl Fn(usize, usize) -> f64) -> Vec<usize> {
    let mut clusters: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mean = |a: &[usize], b: &[usize]| {
        let total: f64 = a.iter().flat_map(|&i| b.iter().map(move |&j| (i, j))).map(|(i, j)| similarity(i, j)).sum();
        total / (a.len() * b.len()) as f64
    };
    while clusters.len() > 1 {
        let mut best = (0, 1, f64::NEG_INFINITY);
        for a in 0..clusters.len() {
            for b in a + 1..clusters.len() {
                let m = mean(&clusters[a], &clusters[b]);
                if m > best.2 {
                    best = (a, b, m);
                }
            }
        }
        let (a, b, _) = best;
        let second = clusters.remove(b);
        let first = std::mem::take(&mut clusters[a]);
        clusters[a] = join(first, second, &similarity);
    }
    clusters.pop().unwrap_or_default()
}

/// `a` then `b`, each forwards or backwards, whichever puts the most similar ends together.
fn join(a: Vec<usize>, b: Vec<usize>, similarity: &impl Fn(usize, usize) -> f64) -> Vec<usize> {
    let ends = |v: &[usize]| (v.first().copied().unwrap_or(0), v.last().copied().unwrap_or(0));
    let ((a_first, a_last), (b_first, b_last)) = (ends(&a), ends(&b));
    // (reverse a, reverse b) for each way the ends can meet: a's last or first, b's first or last.
    let ways = [
        (false, false, similarity(a_last, b_first)),
        (false, true, similarity(a_last, b_last)),
        (true, false, similarity(a_first, b_first)),
        (true, true, similarity(a_first, b_last)),
    ];
    let (mut reverse_a, mut reverse_b, mut top) = ways[0];
    for (ra, rb, s) in ways {
        if s > top {
            (reverse_a, reverse_b, top) = (ra, rb, s);
        }
    }
    let forwards_or_back = |v: Vec<usize>, reverse: bool| if reverse { v.into_iter().rev().collect() } else { v };
    let mut joined = forwards_or_back(a, reverse_a);
    joined.extend(forwards_or_back(b, reverse_b));
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the items of `group` sit next to each other in `order`.
    fn together(order: &[usize], group: &[usize]) -> bool {
        let mut places: Vec<usize> = group.iter().map(|g| order.iter().position(|o| o == g).unwrap()).collect();
        places.sort_unstable();
        places.windows(2).all(|w| w[1] == w[0] + 1)
    }

    #[test]
    fn codes_that_occur_together_end_up_side_by_side() {
        // Two families interleaved: {0, 3, 5} and {1, 2, 4}, alike within, unlike across.
        let family = |i: usize| [0, 1, 1, 0, 1, 0][i];
        let similarity = |i: usize, j: usize| if family(i) == family(j) { 0.8 } else { 0.05 };
        let order = order(6, similarity);
        assert_eq!(order.len(), 6);
        assert!(together(&order, &[0, 3, 5]) && together(&order, &[1, 2, 4]), "{order:?}");
    }

    #[test]
    fn a_chain_comes_out_in_chain_order() {
        // 0–1–2–3–4 each alike only with its neighbours, given shuffled.
        let shuffled = [3, 0, 4, 1, 2];
        let similarity = |i: usize, j: usize| {
            let d = (shuffled[i] as i64 - shuffled[j] as i64).abs();
            if d == 1 { 1.0 } else { 0.0 }
        };
        let chain: Vec<usize> = order(5, similarity).into_iter().map(|i| shuffled[i]).collect();
        assert!(chain == [0, 1, 2, 3, 4] || chain == [4, 3, 2, 1, 0], "{chain:?}");
    }

    #[test]
    fn no_items_or_one_item_or_no_similarity_at_all_keep_the_given_order() {
        assert!(order(0, |_, _| 0.0).is_empty());
        assert_eq!(order(1, |_, _| 0.0), [0]);
        assert_eq!(order(4, |_, _| 0.0), [0, 1, 2, 3]);
    }
}
