//! Growing one decision tree on [`BinnedFeatures`], depth first, with scikit-learn's stopping
//! rules and per-split feature sampling.
//!
//! At each node the builder draws features without replacement (Fisher–Yates on a `ChaCha20`
//! stream owned by the tree) until it has looked at `max_features` of them and at least one was
//! not constant in the node, like scikit-learn's splitter. For each drawn feature it fills a
//! histogram of per-bin statistics (weighted class counts, or weight / sum / sum of squares of
//! the target) and scans the occupied bins left to right for the split that leaves the least
//! weighted child impurity. Samples are then partitioned in place, as in scikit-learn.
//!
//! A node becomes a leaf when it is at `max_depth`, has fewer than `min_samples_split` samples
//! or fewer than `2 * min_samples_leaf`, is pure, or has no valid split. Sample counts are
//! distinct rows (a row drawn three times by the bootstrap counts once with weight 3), as in
//! scikit-learn.
//!
//! Every internal node adds `w * impurity - w_left * impurity_left - w_right * impurity_right`
//! to its feature's importance, where `w` are weighted sample counts.
//!
//! # Limitations
//! No `min_weight_fraction_leaf`, `max_leaf_nodes`, `min_impurity_decrease` or monotonic
//! constraints; ties between equally good splits go to the first one found, which depends on
//! the random feature order (scikit-learn's tie-breaking differs).

use rand_chacha::ChaCha20Rng;

use super::binning::{BinnedFeatures, MAX_BINS};
use super::model::Tree;
use crate::model_selection::below;

/// Impurities at or below this count as pure (scikit-learn uses the double epsilon too).
const PURE: f64 = f64::EPSILON;

/// How a node's impurity is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Impurity {
    /// `1 - sum p_k^2`.
    Gini,
    /// `-sum p_k log2 p_k`.
    Entropy,
    /// Weighted variance of the target.
    SquaredError,
}

/// What the tree predicts, per training row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Targets<'a> {
    /// Class index of each row, below `n_classes`.
    Classes { codes: &'a [u32], n_classes: usize },
    /// A real target per row.
    Values(&'a [f64]),
}

impl Targets<'_> {
    /// Statistics kept per bin or node.
    fn width(&self) -> usize {
        match self {
            Targets::Classes { n_classes, .. } => *n_classes,
            Targets::Values(_) => 3,
        }
    }

    /// Adds row `row` with weight `weight` to `stats`.
    #[inline]
    fn add(&self, row: usize, weight: f64, stats: &mut [f64]) {
        match self {
            Targets::Classes { codes, .. } => stats[codes[row] as usize] += weight,
            Targets::Values(values) => {
                let y = values[row];
                stats[0] += weight;
                stats[1] += weight * y;
                stats[2] += weight * y * y;
            }
        }
    }

    /// Total weight in `stats`.
    #[inline]
    fn weight(&self, stats: &[f64]) -> f64 {
        match self {
            Targets::Classes { .. } => stats.iter().sum(),
            Targets::Values(_) => stats[0],
        }
    }

    /// What a leaf with `stats` stores: class fractions, or the mean target.
    fn leaf_values(&self, stats: &[f64], out: &mut Vec<f64>) {
        out.clear();
        let weight = self.weight(stats);
        match self {
            Targets::Classes { .. } => out.extend(stats.iter().map(|s| s / weight)),
            Targets::Values(_) => out.push(stats[1] / weight),
        }
    }
}

impl Impurity {
    /// The impurity of a node with statistics `stats` and total weight `weight` (> 0).
    #[inline]
    fn of(self, stats: &[f64], weight: f64) -> f64 {
        match self {
            Impurity::Gini => {
                let squares: f64 = stats.iter().map(|s| s * s).sum();
                1.0 - squares / (weight * weight)
            }
            Impurity::Entropy => stats
                .iter()
                .filter(|s| **s > 0.0)
                .map(|s| {
                    let p = s / weight;
                    -p * p.log2()
                })
                .sum(),
            Impurity::SquaredError => {
                let mean = stats[1] / weight;
                stats[2] / weight - mean * mean
            }
        }
    }
}

/// The growth limits of one tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TreeSettings {
    pub(crate) impurity: Impurity,
    pub(crate) max_depth: Option<usize>,
    pub(crate) min_samples_split: usize,
    pub(crate) min_samples_leaf: usize,
    /// Features to look at per split, between 1 and the feature count.
    pub(crate) max_features: usize,
}

/// A grown tree and the impurity decrease it credits to each feature (not normalised).
#[derive(Debug)]
pub(crate) struct GrownTree {
    pub(crate) tree: Tree,
    pub(crate) importances: Vec<f64>,
    pub(crate) root_weight: f64,
}

/// The best split found so far at a node.
struct Split {
    feature: usize,
    left_bin: u8,
    right_bin: u8,
    cost: f64,
    left_stats: Vec<f64>,
}

/// A node waiting to be split or made a leaf.
struct Pending {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    stats: Vec<f64>,
    impurity: f64,
}

/// Grows a tree on the rows with non-zero `weights`, drawing features from `rng`.
pub(crate) fn grow(
    data: &BinnedFeatures,
    targets: Targets<'_>,
    weights: &[f64],
    settings: &TreeSettings,
    rng: &mut ChaCha20Rng,
) -> GrownTree {
    let width = targets.width();
    let mut builder = Builder {
        data,
        targets,
        weights,
        settings,
        width,
        features: (0..data.n_features()).collect(),
        histogram: vec![0.0; MAX_BINS * width],
        counts: vec![0; MAX_BINS],
        importances: vec![0.0; data.n_features()],
    };
    let mut samples: Vec<u32> = (0..weights.len())
        .filter(|&row| weights[row] > 0.0)
        .map(|row| u32::try_from(row).expect("row counts fit a u32"))
        .collect();

    let mut root_stats = vec![0.0; width];
    for &row in &samples {
        targets.add(row as usize, weights[row as usize], &mut root_stats);
    }
    let root_weight = targets.weight(&root_stats);
    let mut tree = Tree::with_width(match targets {
        Targets::Classes { n_classes, .. } => n_classes,
        Targets::Values(_) => 1,
    });
    tree.push_root();

    let impurity = settings.impurity.of(&root_stats, root_weight);
    let mut stack = vec![Pending {
        node: 0,
        start: 0,
        end: samples.len(),
        depth: 0,
        stats: root_stats,
        impurity,
    }];
    let mut leaf = Vec::with_capacity(width);
    while let Some(pending) = stack.pop() {
        let split = if builder.may_split(&pending) {
            builder.best_split(&samples[pending.start..pending.end], &pending.stats, rng)
        } else {
            None
        };
        let Some(split) = split else {
            targets.leaf_values(&pending.stats, &mut leaf);
            tree.set_leaf(pending.node, &leaf);
            continue;
        };

        let [left, right] = builder.apply(&split, &pending, &mut samples, &mut tree);
        stack.push(right);
        stack.push(left);
    }

    GrownTree { tree, importances: builder.importances, root_weight }
}

struct Builder<'a> {
    data: &'a BinnedFeatures,
    targets: Targets<'a>,
    weights: &'a [f64],
    settings: &'a TreeSettings,
    width: usize,
    /// The features in the order the sampler left them.
    features: Vec<usize>,
    /// Per-bin statistics of the feature being scanned, `width` per bin.
    histogram: Vec<f64>,
    /// Per-bin sample counts of the feature being scanned.
    counts: Vec<u32>,
    importances: Vec<f64>,
}

impl Builder<'_> {
    /// Whether the stopping rules allow `pending` to be split at all.
    fn may_split(&self, pending: &Pending) -> bool {
        let n = pending.end - pending.start;
        let settings = self.settings;
        let deep_enough = settings.max_depth.is_some_and(|max| pending.depth >= max);
        !deep_enough
            && n >= settings.min_samples_split
            && n >= 2 * settings.min_samples_leaf
            && pending.impurity > PURE
    }

    /// The best split over sampled features, or `None` when no feature gives a valid one.
    fn best_split(
        &mut self,
        samples: &[u32],
        node_stats: &[f64],
        rng: &mut ChaCha20Rng,
    ) -> Option<Split> {
        let mut best: Option<Split> = None;
        let mut remaining = self.features.len();
        let mut visited = 0;
        let mut informative = 0;
        while remaining > 0 && (visited < self.settings.max_features || informative == 0) {
            let pick = usize::try_from(below(rng, remaining as u64)).expect("pick < remaining");
            self.features.swap(pick, remaining - 1);
            let feature = self.features[remaining - 1];
            remaining -= 1;
            visited += 1;

            if self.scan_feature(feature, samples, node_stats, &mut best) {
                informative += 1;
            }
        }
        best
    }

    /// Fills the histogram of `feature` over `samples` and offers each split between occupied
    /// bins to `best`. Returns whether the feature varies in the node.
    fn scan_feature(
        &mut self,
        feature: usize,
        samples: &[u32],
        node_stats: &[f64],
        best: &mut Option<Split>,
    ) -> bool {
        let codes = self.data.feature(feature);
        let width = self.width;
        let (mut low, mut high) = (u8::MAX, u8::MIN);
        for &row in samples {
            let row = row as usize;
            let bin = codes[row];
            low = low.min(bin);
            high = high.max(bin);
            let b = usize::from(bin);
            self.counts[b] += 1;
            self.targets.add(
                row,
                self.weights[row],
                &mut self.histogram[b * width..(b + 1) * width],
            );
        }
        let varies = low < high;
        if varies {
            self.offer_splits(feature, low, high, samples.len(), node_stats, best);
        }

        let range = usize::from(low)..=usize::from(high);
        self.counts[range.clone()].fill(0);
        self.histogram[range.start() * width..(range.end() + 1) * width].fill(0.0);
        varies
    }

    /// Scans the filled histogram of `feature` between bins `low` and `high`.
    fn offer_splits(
        &self,
        feature: usize,
        low: u8,
        high: u8,
        n_samples: usize,
        node_stats: &[f64],
        best: &mut Option<Split>,
    ) {
        let width = self.width;
        let min_leaf = self.settings.min_samples_leaf;
        let impurity = self.settings.impurity;
        let mut left = vec![0.0; width];
        let mut right = vec![0.0; width];
        let mut n_left = 0usize;
        let mut previous = low;

        for bin in low..=high {
            let b = usize::from(bin);
            let count = self.counts[b] as usize;
            if count == 0 {
                continue;
            }
            // A split between `previous` (the last occupied bin) and `bin`.
            if bin > low && n_left >= min_leaf && n_samples - n_left >= min_leaf {
                right.iter_mut().zip(node_stats).zip(&left).for_each(|((r, t), l)| *r = t - l);
                let w_left = self.targets.weight(&left);
                let w_right = self.targets.weight(&right);
                let cost =
                    w_left * impurity.of(&left, w_left) + w_right * impurity.of(&right, w_right);
                if best.as_ref().is_none_or(|split| cost < split.cost) {
                    *best = Some(Split {
                        feature,
                        left_bin: previous,
                        right_bin: bin,
                        cost,
                        left_stats: left.clone(),
                    });
                }
            }
            if n_samples - n_left - count < min_leaf {
                break;
            }
            n_left += count;
            left.iter_mut()
                .zip(&self.histogram[b * width..(b + 1) * width])
                .for_each(|(l, h)| *l += h);
            previous = bin;
        }
    }

    /// Partitions the node's samples by `split`, records the split in `tree` and the importance,
    /// and returns the two children.
    fn apply(
        &mut self,
        split: &Split,
        pending: &Pending,
        samples: &mut [u32],
        tree: &mut Tree,
    ) -> [Pending; 2] {
        let codes = self.data.feature(split.feature);
        let node_samples = &mut samples[pending.start..pending.end];
        let mut boundary = 0;
        for i in 0..node_samples.len() {
            if codes[node_samples[i] as usize] <= split.left_bin {
                node_samples.swap(i, boundary);
                boundary += 1;
            }
        }

        let left_stats = split.left_stats.clone();
        let right_stats: Vec<f64> =
            pending.stats.iter().zip(&left_stats).map(|(t, l)| t - l).collect();
        let impurity = self.settings.impurity;
        let w = self.targets.weight(&pending.stats);
        let w_left = self.targets.weight(&left_stats);
        let w_right = self.targets.weight(&right_stats);
        let left_impurity = impurity.of(&left_stats, w_left);
        let right_impurity = impurity.of(&right_stats, w_right);
        self.importances[split.feature] +=
            w * pending.impurity - w_left * left_impurity - w_right * right_impurity;

        let threshold = self.data.threshold(split.feature, split.left_bin, split.right_bin);
        let left = tree.push_pair();
        tree.set_split(pending.node, split.feature, threshold, left);

        let middle = pending.start + boundary;
        let depth = pending.depth + 1;
        [
            Pending {
                node: left,
                start: pending.start,
                end: middle,
                depth,
                stats: left_stats,
                impurity: left_impurity,
            },
            Pending {
                node: left + 1,
                start: middle,
                end: pending.end,
                depth,
                stats: right_stats,
                impurity: right_impurity,
            },
        ]
    }
}
