//! Growing one gradient-boosting tree, leaf by leaf (best first), from per-bin sums of
//! gradients and hessians, as scikit-learn's `TreeGrower` does.
//!
//! The root's histogram is built from every row; after a split, only the smaller child's
//! histogram is built from its rows and the larger child's is the parent's minus the smaller
//! one's. Histograms are built one feature per rayon task; every sum runs over the node's rows
//! in one fixed order, so the result does not depend on the thread count.
//!
//! A split of a node with gradient sum `G` and hessian sum `H` into `L` and `R` gains
//! `G_L² / (H_L + λ) + G_R² / (H_R + λ) - G² / (H + λ)` (scikit-learn's expression, without
//! the factor 1/2); a node is split only with a positive gain, when each child keeps
//! `min_samples_leaf` rows and a hessian sum of at least 1e-3 (scikit-learn's
//! `min_hessian_to_split`). Leaves hold `-learning_rate * G / (H + λ)`.

use rayon::prelude::*;

use crate::tree::{BinnedFeatures, Tree};

/// scikit-learn's `min_hessian_to_split`.
const MIN_HESSIAN: f64 = 1e-3;

/// The bins every feature histogram has room for.
const BINS: usize = 256;

/// How one tree grows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrowerSettings {
    pub(crate) max_leaf_nodes: Option<usize>,
    pub(crate) max_depth: Option<usize>,
    pub(crate) min_samples_leaf: usize,
    pub(crate) l2_regularization: f64,
    pub(crate) learning_rate: f64,
}

/// Gradient sum, hessian sum and row count of a bin or node.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    g: f64,
    h: f64,
    n: u32,
}

impl Sums {
    fn add(&mut self, other: &Sums) {
        self.g += other.g;
        self.h += other.h;
        self.n += other.n;
    }

    fn minus(&self, other: &Sums) -> Sums {
        Sums { g: self.g - other.g, h: self.h - other.h, n: self.n - other.n }
    }
}

/// The best split of a leaf.
#[derive(Debug, Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    left_bin: u8,
    right_bin: u8,
    left: Sums,
}

/// A leaf that may still be split.
struct Leaf {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    sums: Sums,
    /// `BINS` sums per feature, or empty when the leaf can no longer be split.
    histogram: Vec<Sums>,
    split: Option<Split>,
}

/// The inputs of one tree: binned features, and the gradient and hessian of every row.
pub(crate) struct Grower<'a> {
    pub(crate) data: &'a BinnedFeatures,
    pub(crate) gradients: &'a [f64],
    pub(crate) hessians: &'a [f64],
    pub(crate) settings: GrowerSettings,
}

impl Grower<'_> {
    /// Grows a tree over every training row and adds each row's leaf value to
    /// `raw[row * stride + offset]`.
    pub(crate) fn grow(&self, raw: &mut [f64], stride: usize, offset: usize) -> Tree {
        let mut samples: Vec<u32> = (0..self.gradients.len())
            .map(|row| u32::try_from(row).expect("fit checks that row counts fit a u32"))
            .collect();
        let mut tree = Tree::with_width(1);
        tree.push_root();
        let histogram = self.histogram(&samples);
        let sums = histogram[..BINS].iter().fold(Sums::default(), |mut total, bin| {
            total.add(bin);
            total
        });
        let mut leaves = vec![self.leaf(0, 0, samples.len(), 0, sums, histogram)];

        while self.settings.max_leaf_nodes.is_none_or(|max| leaves.len() < max) {
            let Some(best) = best_leaf(&leaves) else { break };
            let leaf = leaves.swap_remove(best);
            let [left, right] = self.split(leaf, &mut samples, &mut tree);
            leaves.push(left);
            leaves.push(right);
        }

        leaves.sort_by_key(|leaf| leaf.node);
        for leaf in &leaves {
            let value = self.leaf_value(&leaf.sums);
            tree.set_leaf(leaf.node, &[value]);
            for &row in &samples[leaf.start..leaf.end] {
                raw[row as usize * stride + offset] += value;
            }
        }
        tree
    }

    fn leaf_value(&self, sums: &Sums) -> f64 {
        let settings = &self.settings;
        -settings.learning_rate * sums.g / (sums.h + settings.l2_regularization)
    }

    /// A leaf with its best split, keeping the histogram only when it can be split.
    fn leaf(
        &self,
        node: usize,
        start: usize,
        end: usize,
        depth: usize,
        sums: Sums,
        histogram: Vec<Sums>,
    ) -> Leaf {
        let mut leaf = Leaf { node, start, end, depth, sums, histogram, split: None };
        if self.may_split(&leaf) {
            leaf.split = self.best_split(&leaf);
        }
        if leaf.split.is_none() {
            leaf.histogram = Vec::new();
        }
        leaf
    }

    fn may_split(&self, leaf: &Leaf) -> bool {
        let settings = &self.settings;
        let deep = settings.max_depth.is_some_and(|max| leaf.depth >= max);
        !deep && leaf.end - leaf.start >= 2 * settings.min_samples_leaf
    }

    /// Per-feature sums of the gradients and hessians of `samples`, `BINS` per feature.
    fn histogram(&self, samples: &[u32]) -> Vec<Sums> {
        let gathered: Vec<(f64, f64)> = samples
            .iter()
            .map(|&row| (self.gradients[row as usize], self.hessians[row as usize]))
            .collect();
        let mut histogram = vec![Sums::default(); BINS * self.data.n_features()];
        histogram.par_chunks_mut(BINS).enumerate().for_each(|(feature, bins)| {
            let codes = self.data.feature(feature);
            for (&row, &(g, h)) in samples.iter().zip(&gathered) {
                let bin = &mut bins[usize::from(codes[row as usize])];
                bin.g += g;
                bin.h += h;
                bin.n += 1;
            }
        });
        histogram
    }

    /// The split with the largest positive gain over every feature (the first feature and bin
    /// on a tie).
    fn best_split(&self, leaf: &Leaf) -> Option<Split> {
        let mut best: Option<Split> = None;
        for feature in 0..self.data.n_features() {
            let bins =
                &leaf.histogram[feature * BINS..feature * BINS + self.data.bin_count(feature)];
            if let Some(split) = self.best_feature_split(feature, bins, &leaf.sums)
                && best.is_none_or(|b| split.gain > b.gain)
            {
                best = Some(split);
            }
        }
        best
    }

    fn best_feature_split(&self, feature: usize, bins: &[Sums], total: &Sums) -> Option<Split> {
        let settings = &self.settings;
        let min_leaf = u32::try_from(settings.min_samples_leaf).unwrap_or(u32::MAX);
        let score = |s: &Sums| s.g * s.g / (s.h + settings.l2_regularization);
        let parent = score(total);
        let mut left = Sums::default();
        let mut previous: Option<u8> = None;
        let mut best: Option<Split> = None;

        for (b, bin) in bins.iter().enumerate() {
            if bin.n == 0 {
                continue;
            }
            let code = u8::try_from(b).expect("at most 256 bins");
            if let Some(left_bin) = previous {
                let right = total.minus(&left);
                let allowed = left.n >= min_leaf
                    && right.n >= min_leaf
                    && left.h >= MIN_HESSIAN
                    && right.h >= MIN_HESSIAN;
                let gain = score(&left) + score(&right) - parent;
                if allowed && gain > 0.0 && best.is_none_or(|s| gain > s.gain) {
                    best = Some(Split { gain, feature, left_bin, right_bin: code, left });
                }
            }
            left.add(bin);
            previous = Some(code);
        }
        best
    }

    /// Splits `leaf`: partitions its rows, records the split, and returns the two children.
    fn split(&self, leaf: Leaf, samples: &mut [u32], tree: &mut Tree) -> [Leaf; 2] {
        let split = leaf.split.expect("only leaves with a split are split");
        let codes = self.data.feature(split.feature);
        let rows = &mut samples[leaf.start..leaf.end];
        let mut boundary = 0;
        for i in 0..rows.len() {
            if codes[rows[i] as usize] <= split.left_bin {
                rows.swap(i, boundary);
                boundary += 1;
            }
        }

        let threshold = self.data.threshold(split.feature, split.left_bin, split.right_bin);
        let left_node = tree.push_pair();
        tree.set_split(leaf.node, split.feature, threshold, left_node);

        let middle = leaf.start + boundary;
        let left_sums = split.left;
        let right_sums = leaf.sums.minus(&left_sums);
        let left_is_small = boundary <= rows.len() - boundary;
        let small_rows =
            if left_is_small { &samples[leaf.start..middle] } else { &samples[middle..leaf.end] };
        let small = self.histogram(small_rows);
        let mut large = leaf.histogram;
        large.iter_mut().zip(&small).for_each(|(l, s)| *l = l.minus(s));
        let (left_hist, right_hist) = if left_is_small { (small, large) } else { (large, small) };

        let depth = leaf.depth + 1;
        [
            self.leaf(left_node, leaf.start, middle, depth, left_sums, left_hist),
            self.leaf(left_node + 1, middle, leaf.end, depth, right_sums, right_hist),
        ]
    }
}

/// The open leaf with the largest split gain (the oldest node on a tie), if any can split.
fn best_leaf(leaves: &[Leaf]) -> Option<usize> {
    leaves
        .iter()
        .enumerate()
        .filter_map(|(i, leaf)| leaf.split.map(|split| (i, split.gain, leaf.node)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
        .map(|(i, _, _)| i)
}
