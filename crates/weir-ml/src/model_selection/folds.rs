//! Cross-validation: [`k_fold`] and [`stratified_k_fold`] cut rows into [`Fold`]s,
//! [`stratified_split`] makes one stratified train/test split, and [`cross_val_score`] runs a
//! fit-and-score closure on every fold.
//!
//! Without shuffling, both fold functions give exactly scikit-learn's folds: `KFold` gives the
//! first `n % k` folds one extra row; `StratifiedKFold` sorts the class codes (classes numbered
//! by first appearance), deals them round-robin to the folds to get each fold's count per
//! class, and hands each class's rows, in row order, to the folds in fold order. With a seed,
//! weir shuffles with its own `ChaCha20` Fisher–Yates (see [`super::assign_split`]), so the
//! fold sizes and class counts still match scikit-learn's but the rows differ.
//!
//! # Limitations
//! No grouped or time-series splitters; [`stratified_split`] matches scikit-learn's per-class
//! counts only up to rounding (it uses largest remainders, not scikit-learn's
//! `_approximate_mode`).

use std::collections::HashMap;
use std::hash::Hash;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

use super::below;
use crate::error::{MlError, Result};

/// One cross-validation fold: the rows to fit on and the rows to score on, both ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Training row indices.
    pub train: Vec<usize>,
    /// Test row indices.
    pub test: Vec<usize>,
}

/// scikit-learn's `KFold(n_splits)` over `n_rows` rows, shuffled first when `seed` is given.
pub fn k_fold(n_rows: usize, n_splits: usize, seed: Option<u64>) -> Result<Vec<Fold>> {
    check_splits(n_rows, n_splits)?;

    let mut order: Vec<usize> = (0..n_rows).collect();
    if let Some(seed) = seed {
        shuffle(&mut order, seed);
    }
    let mut fold_of = vec![0; n_rows];
    let mut start = 0;
    for fold in 0..n_splits {
        let size = n_rows / n_splits + usize::from(fold < n_rows % n_splits);
        order[start..start + size].iter().for_each(|&row| fold_of[row] = fold);
        start += size;
    }
    Ok(folds_from(&fold_of, n_splits))
}

/// scikit-learn's `StratifiedKFold(n_splits)` over the labels `y`; see the module docs.
pub fn stratified_k_fold<T: Eq + Hash>(
    y: &[T],
    n_splits: usize,
    seed: Option<u64>,
) -> Result<Vec<Fold>> {
    check_splits(y.len(), n_splits)?;
    let (codes, n_classes) = codes_by_first_appearance(y);
    let mut counts = vec![0usize; n_classes];
    for &c in &codes {
        counts[c] += 1;
    }
    if let Some(largest) = counts.iter().max().filter(|&&m| m < n_splits) {
        return Err(MlError::InvalidParameter {
            name: "n_splits",
            reason: format!("{n_splits} folds but the largest class has {largest} row(s)"),
        });
    }

    // allocation[fold][class]: the sorted codes dealt round-robin to the folds.
    let mut allocation = vec![vec![0usize; n_classes]; n_splits];
    let mut position = 0;
    for (class, &count) in counts.iter().enumerate() {
        for _ in 0..count {
            allocation[position % n_splits][class] += 1;
            position += 1;
        }
    }

    let mut fold_of = vec![0; y.len()];
    for class in 0..n_classes {
        let mut folds: Vec<usize> = allocation
            .iter()
            .enumerate()
            .flat_map(|(fold, per_class)| std::iter::repeat_n(fold, per_class[class]))
            .collect();
        if let Some(seed) = seed {
            shuffle(&mut folds, seed.wrapping_add(class as u64));
        }
        let rows = codes.iter().enumerate().filter(|(_, c)| **c == class).map(|(row, _)| row);
        rows.zip(folds).for_each(|(row, fold)| fold_of[row] = fold);
    }
    Ok(folds_from(&fold_of, n_splits))
}

/// One stratified split with `test_fraction` of the rows (rounded up, as scikit-learn does)
/// in the test set and each class represented in proportion (largest remainders).
pub fn stratified_split<T: Eq + Hash>(y: &[T], test_fraction: f64, seed: u64) -> Result<Fold> {
    if y.is_empty() {
        return Err(MlError::EmptyInput { what: "the labels" });
    }
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(MlError::InvalidParameter {
            name: "test_fraction",
            reason: format!("must be between 0 and 1, got {test_fraction}"),
        });
    }
    let (codes, n_classes) = codes_by_first_appearance(y);
    let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    codes.iter().enumerate().for_each(|(row, &c)| rows_of[c].push(row));

    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "0 < n_test <= n")]
    let n_test = (test_fraction * y.len() as f64).ceil() as usize;
    let quotas = largest_remainders(&rows_of.iter().map(Vec::len).collect::<Vec<_>>(), n_test);

    let mut test = Vec::with_capacity(n_test);
    for (class, rows) in rows_of.iter_mut().enumerate() {
        shuffle(rows, seed.wrapping_add(class as u64));
        test.extend_from_slice(&rows[..quotas[class]]);
    }
    test.sort_unstable();
    let mut is_test = vec![false; y.len()];
    for &row in &test {
        is_test[row] = true;
    }
    let train = (0..y.len()).filter(|&row| !is_test[row]).collect();
    Ok(Fold { train, test })
}

/// Runs `fit_and_score(train_rows, test_rows)` on every fold and returns the scores in fold
/// order, stopping at the first error.
pub fn cross_val_score(
    folds: &[Fold],
    mut fit_and_score: impl FnMut(&[usize], &[usize]) -> Result<f64>,
) -> Result<Vec<f64>> {
    folds.iter().map(|fold| fit_and_score(&fold.train, &fold.test)).collect()
}

fn check_splits(n_rows: usize, n_splits: usize) -> Result<()> {
    if n_splits < 2 {
        return Err(MlError::InvalidParameter {
            name: "n_splits",
            reason: format!("must be at least 2, got {n_splits}"),
        });
    }
    if n_rows < n_splits {
        return Err(MlError::InvalidParameter {
            name: "n_splits",
            reason: format!("{n_splits} folds need at least as many rows, got {n_rows}"),
        });
    }
    Ok(())
}

/// Class codes numbered by first appearance, and the class count.
fn codes_by_first_appearance<T: Eq + Hash>(y: &[T]) -> (Vec<usize>, usize) {
    let mut seen: HashMap<&T, usize> = HashMap::new();
    let codes = y
        .iter()
        .map(|label| {
            let next = seen.len();
            *seen.entry(label).or_insert(next)
        })
        .collect();
    (codes, seen.len())
}

/// Splits `total` over groups in proportion to `sizes`: floors first, then one more to the
/// largest remainders (ties to the earlier group).
fn largest_remainders(sizes: &[usize], total: usize) -> Vec<usize> {
    let n: usize = sizes.iter().sum();
    let mut quotas: Vec<usize> = sizes.iter().map(|&s| s * total / n).collect();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse((sizes[k] * total) % n));
    let missing = total - quotas.iter().sum::<usize>();
    order.into_iter().take(missing).for_each(|k| quotas[k] += 1);
    quotas
}

fn folds_from(fold_of: &[usize], n_splits: usize) -> Vec<Fold> {
    (0..n_splits)
        .map(|fold| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..fold_of.len()).partition(|&row| fold_of[row] == fold);
            Fold { train, test }
        })
        .collect()
}

fn shuffle<T>(values: &mut [T], seed: u64) {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let mut rng = ChaCha20Rng::from_seed(key);
    for i in (1..values.len()).rev() {
        let j = usize::try_from(below(&mut rng, i as u64 + 1)).expect("j <= i");
        values.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_fold_gives_the_first_folds_the_extra_rows() {
        let folds = k_fold(7, 3, None).unwrap();

        // scikit-learn: KFold(3).split(range(7)) tests [0 1 2], [3 4], [5 6].
        assert_eq!(folds[0].test, [0, 1, 2]);
        assert_eq!(folds[1].test, [3, 4]);
        assert_eq!(folds[2].test, [5, 6]);
        assert_eq!(folds[1].train, [0, 1, 2, 5, 6]);
    }

    #[test]
    fn stratified_k_fold_matches_scikit_learns_folds() {
        // StratifiedKFold(3).split(X, y) in scikit-learn 1.9 tests rows
        // [0 1 4 5], [2 3 7], [6 8 9] for this y.
        let y = ["b", "b", "b", "b", "a", "a", "b", "a", "b", "a"];

        let folds = stratified_k_fold(&y, 3, None).unwrap();

        assert_eq!(folds[0].test, [0, 1, 4, 5]);
        assert_eq!(folds[1].test, [2, 3, 7]);
        assert_eq!(folds[2].test, [6, 8, 9]);
    }

    #[test]
    fn shuffled_folds_keep_sizes_and_cover_every_row() {
        let y: Vec<u8> = (0..50).map(|i| u8::from(i % 5 == 0)).collect();

        let folds = stratified_k_fold(&y, 5, Some(3)).unwrap();

        let mut all: Vec<usize> = folds.iter().flat_map(|f| f.test.clone()).collect();
        all.sort_unstable();
        assert_eq!(all, (0..50).collect::<Vec<_>>());
        assert!(
            folds
                .iter()
                .all(|f| f.test.len() == 10 && f.test.iter().filter(|&&r| y[r] == 1).count() == 2)
        );
    }

    #[test]
    fn stratified_split_keeps_class_proportions() {
        let y: Vec<u8> = (0..100).map(|i| u8::from(i < 30)).collect();

        let split = stratified_split(&y, 0.25, 9).unwrap();

        assert_eq!(split.test.len(), 25);
        assert_eq!(split.train.len(), 75);
        let positives = split.test.iter().filter(|&&r| y[r] == 1).count();
        assert!((7..=8).contains(&positives), "{positives}");
        assert!(stratified_split(&y, 1.5, 9).is_err());
    }

    #[test]
    fn cross_val_score_returns_one_score_per_fold() {
        let folds = k_fold(10, 5, None).unwrap();

        let scores =
            cross_val_score(&folds, |train, test| Ok((train.len() * 100 + test.len()) as f64))
                .unwrap();

        assert_eq!(scores, [802.0; 5]);
        assert!(k_fold(3, 5, None).is_err());
    }
}
