//! Splitting rows into named sets: [`assign_split`] gives every row a split name (`train`,
//! `test`, ...) with exact counts, shuffled by a seed.
//!
//! The result depends only on `n_rows`, the ratios and the seed, on every platform and in every
//! run, because each step is pinned down here rather than left to a library's unspecified
//! algorithm:
//!
//! 1. Counts: every split after the first gets `round(n_rows * fraction)` rows (half away from
//!    zero); if that overshoots `n_rows`, the later splits give rows back, last first. The first
//!    split takes the remainder.
//! 2. The names are laid out in split order (`train, train, ..., test, ...`).
//! 3. They are shuffled by Fisher–Yates from the last position down: position `i` swaps with a
//!    uniform `j` in `0..=i`, drawn by Lemire's multiply-and-reject method from 64-bit words.
//! 4. The words come from `ChaCha20` (`rand_chacha`) keyed with the seed's 8 little-endian bytes
//!    followed by 24 zero bytes, stream 0, read as consecutive little-endian `u64`s of the
//!    standard keystream.
//!
//! `scripts/make_reference.py` reimplements these steps on an independent `ChaCha20` and the
//! tests compare the two.
//!
//! Cross-validation folds, a stratified split and `cross_val_score` live in the `folds`
//! submodule, hyper-parameter search (`GridSearch`, `RandomizedSearch`, `Scoring`) in the
//! `search` submodule; both are re-exported here.
//!
//! # Limitations
//! No grouped splits.

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

use crate::error::{MlError, Result};

mod folds;
mod search;

pub use folds::{Fold, cross_val_score, k_fold, stratified_k_fold, stratified_split};
pub use search::{
    Candidate, CandidateScores, Distribution, GridSearch, ParamSpace, RandomizedSearch, Scoring,
    SearchResult,
};

/// How far the ratios may sum from 1.
const RATIO_TOLERANCE: f64 = 1e-9;

/// The split name of each of `n_rows` rows, with `ratios` given as `(name, fraction)` pairs
/// that sum to 1; see the module docs for the exact procedure.
pub fn assign_split<S: AsRef<str>>(
    n_rows: usize,
    ratios: &[(S, f64)],
    seed: u64,
) -> Result<Vec<String>> {
    check_ratios(ratios)?;

    let counts = split_counts(n_rows, ratios);
    let mut assignment: Vec<usize> = Vec::with_capacity(n_rows);
    for (split, &count) in counts.iter().enumerate() {
        assignment.extend(std::iter::repeat_n(split, count));
    }
    shuffle(&mut assignment, seed);

    Ok(assignment.into_iter().map(|split| ratios[split].0.as_ref().to_owned()).collect())
}

fn check_ratios<S: AsRef<str>>(ratios: &[(S, f64)]) -> Result<()> {
    if ratios.is_empty() {
        return Err(MlError::EmptyInput { what: "the list of split ratios" });
    }
    for (i, (name, fraction)) in ratios.iter().enumerate() {
        let name = name.as_ref();
        if name.is_empty() {
            return Err(invalid(format!("split {i} has an empty name")));
        }
        if ratios[..i].iter().any(|(other, _)| other.as_ref() == name) {
            return Err(invalid(format!("split `{name}` is listed twice")));
        }
        if !fraction.is_finite() || *fraction < 0.0 {
            return Err(invalid(format!(
                "split `{name}` has fraction {fraction}; fractions must be 0 or more"
            )));
        }
    }

    let total: f64 = ratios.iter().map(|(_, fraction)| fraction).sum();
    if (total - 1.0).abs() > RATIO_TOLERANCE {
        return Err(invalid(format!("fractions sum to {total}, not 1")));
    }
    Ok(())
}

fn invalid(reason: String) -> MlError {
    MlError::InvalidParameter { name: "ratios", reason }
}

/// Rows per split: rounded for all but the first, which takes the remainder.
fn split_counts<S>(n_rows: usize, ratios: &[(S, f64)]) -> Vec<usize> {
    let mut counts: Vec<usize> = ratios
        .iter()
        .map(|(_, fraction)| {
            let rows = (n_rows as f64 * fraction).round();
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "0 <= rows <= n_rows + 1"
            )]
            let rows = rows as usize;
            rows
        })
        .collect();
    counts[0] = 0;

    for i in (1..counts.len()).rev() {
        let assigned: usize = counts[1..].iter().sum();
        let excess = assigned.saturating_sub(n_rows);
        if excess == 0 {
            break;
        }
        counts[i] -= excess.min(counts[i]);
    }
    counts[0] = n_rows - counts[1..].iter().sum::<usize>();
    counts
}

/// Fisher–Yates from the end with Lemire's bounded integers; see the module docs.
fn shuffle<T>(values: &mut [T], seed: u64) {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let mut rng = ChaCha20Rng::from_seed(key);

    for i in (1..values.len()).rev() {
        let bound = i as u64 + 1;
        let j = below(&mut rng, bound);
        values.swap(i, usize::try_from(j).expect("j <= i, which is a usize"));
    }
}

/// A uniform integer in `0..bound` (bound > 0): the high half of `word * bound`, redrawing when
/// the low half falls in the biased zone below `2^64 mod bound`.
pub(crate) fn below(rng: &mut ChaCha20Rng, bound: u64) -> u64 {
    let threshold = bound.wrapping_neg() % bound;
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(bound);
        #[expect(clippy::cast_possible_truncation, reason = "the low 64 bits are wanted")]
        let low = product as u64;
        if low >= threshold {
            return (product >> 64) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(assignment: &[String], name: &str) -> usize {
        assignment.iter().filter(|a| *a == name).count()
    }

    #[test]
    fn counts_are_exact_and_the_remainder_goes_first() {
        let assignment = assign_split(10, &[("train", 0.75), ("test", 0.25)], 1).unwrap();

        // round(2.5) = 3 for test (half away from zero), 7 for train.
        assert_eq!(count(&assignment, "test"), 3);
        assert_eq!(count(&assignment, "train"), 7);
    }

    #[test]
    fn overshooting_rounding_is_taken_back_from_the_last_split() {
        assert_eq!(split_counts(1, &[("a", 0.0), ("b", 0.5), ("c", 0.5)]), [0, 1, 0]);
        assert_eq!(split_counts(3, &[("a", 0.0), ("b", 0.5), ("c", 0.5)]), [0, 2, 1]);
    }

    #[test]
    fn same_seed_same_split_other_seed_other_split() {
        let ratios = [("train", 0.8), ("test", 0.2)];

        let first = assign_split(100, &ratios, 42).unwrap();
        let again = assign_split(100, &ratios, 42).unwrap();
        let other = assign_split(100, &ratios, 43).unwrap();

        assert_eq!(first, again);
        assert_ne!(first, other);
    }

    #[test]
    fn bad_ratios_are_rejected() {
        let cases: [&[(&str, f64)]; 5] = [
            &[],
            &[("train", 0.8), ("test", 0.3)],
            &[("train", 1.2), ("test", -0.2)],
            &[("train", 0.5), ("train", 0.5)],
            &[("", 1.0)],
        ];
        for ratios in cases {
            assert!(assign_split(10, ratios, 0).is_err(), "{ratios:?}");
        }
        assert!(assign_split(10, &[("a", 0.1 + 0.2), ("b", 0.7)], 0).is_ok());
    }

    #[test]
    fn zero_rows_is_an_empty_assignment() {
        assert!(assign_split(0, &[("all", 1.0)], 3).unwrap().is_empty());
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = ChaCha20Rng::from_seed([7; 32]);
        for bound in [1, 2, 3, 7, 1000, u64::MAX] {
            for _ in 0..50 {
                assert!(below(&mut rng, bound) < bound);
            }
        }
    }
}
