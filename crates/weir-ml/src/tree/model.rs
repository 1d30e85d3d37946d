//! [`Tree`], a fitted decision tree, and how a row walks it.
//!
//! Node `0` is the root. An internal node sends a row to its left child when
//! `row[feature] <= threshold` and to the right child otherwise; the two children are stored
//! next to each other, so one index (`next`) finds both. Each leaf has a row of values: class
//! probabilities for a classifier, the mean target for a regressor, the raw-score step for a
//! boosting tree.
//!
//! In memory a node is one 16-byte record, so a walk touches one cache line per level, and a
//! leaf is a node that leads back to itself (feature 0, threshold `+∞`, `next` its own index),
//! so [`Tree::accumulate`] can walk many rows in lock step without a branch per row; the value
//! row of each leaf is kept beside the nodes. On disk (serde) the tree is flat arrays, one per
//! field, which is compact in every format; there a leaf has feature `u32::MAX`, threshold 0 and
//! its value row in `next`.
//!
//! # Limitations
//! One output per regression tree; no missing-value routing (inputs must be finite).

use serde::{Deserialize, Serialize};

use crate::matrix::Matrix;

/// Rows that walk a tree together in [`Tree::accumulate`].
const LANES: usize = 16;

/// The `feature` marker of a leaf in the serialised form.
const LEAF: u32 = u32::MAX;

/// One node: split feature, left child, threshold; a leaf leads back to itself.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    feature: u32,
    next: u32,
    threshold: f64,
}

/// A fitted decision tree; see the module docs for the layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "FlatTree", from = "FlatTree")]
pub struct Tree {
    nodes: Vec<Node>,
    /// The value row of each leaf node (0 for internal nodes).
    leaf_rows: Vec<u32>,
    /// Values per leaf.
    n_values: usize,
    /// Leaf values, `n_values` per leaf, leaf by leaf.
    values: Vec<f64>,
}

/// The serialised form of a [`Tree`]: one array per node field.
#[derive(Serialize, Deserialize)]
struct FlatTree {
    /// Split feature of each node, `u32::MAX` for a leaf.
    feature: Vec<u32>,
    /// Split threshold of each node (0 for a leaf).
    threshold: Vec<f64>,
    /// Left child of an internal node (the right child is the next node), or a leaf's value row.
    next: Vec<u32>,
    n_values: usize,
    values: Vec<f64>,
}

impl From<Tree> for FlatTree {
    fn from(tree: Tree) -> Self {
        FlatTree {
            feature: tree
                .nodes
                .iter()
                .map(|n| if n.is_leaf() { LEAF } else { n.feature })
                .collect(),
            threshold: tree
                .nodes
                .iter()
                .map(|n| if n.is_leaf() { 0.0 } else { n.threshold })
                .collect(),
            next: tree
                .nodes
                .iter()
                .zip(&tree.leaf_rows)
                .map(|(n, &row)| if n.is_leaf() { row } else { n.next })
                .collect(),
            n_values: tree.n_values,
            values: tree.values,
        }
    }
}

impl From<FlatTree> for Tree {
    fn from(flat: FlatTree) -> Self {
        let mut leaf_rows = vec![0; flat.feature.len()];
        let nodes = flat
            .feature
            .iter()
            .zip(&flat.threshold)
            .zip(&flat.next)
            .enumerate()
            .map(|(i, ((&feature, &threshold), &next))| {
                if feature != LEAF {
                    return Node { feature, next, threshold };
                }
                leaf_rows[i] = next;
                Node::leaf(i)
            })
            .collect();
        Tree { nodes, leaf_rows, n_values: flat.n_values, values: flat.values }
    }
}

const UNSET: Node = Node { feature: 0, next: 0, threshold: f64::INFINITY };

impl Node {
    /// The leaf at index `index`, which leads back to itself.
    fn leaf(index: usize) -> Node {
        let next = u32::try_from(index).expect("node counts fit a u32");
        Node { feature: 0, next, threshold: f64::INFINITY }
    }

    fn is_leaf(&self) -> bool {
        self.threshold.is_infinite()
    }
}

impl Tree {
    /// An empty tree whose leaves will hold `n_values` values each.
    pub(crate) fn with_width(n_values: usize) -> Self {
        Tree { nodes: Vec::new(), leaf_rows: Vec::new(), n_values, values: Vec::new() }
    }

    /// Appends two unset nodes (a left and a right child) and returns the left one's index.
    pub(crate) fn push_pair(&mut self) -> usize {
        let left = self.nodes.len();
        self.nodes.extend([UNSET, UNSET]);
        self.leaf_rows.extend([0, 0]);
        left
    }

    /// Appends the unset root node.
    pub(crate) fn push_root(&mut self) {
        self.nodes.push(UNSET);
        self.leaf_rows.push(0);
    }

    /// Makes `node` a split on `feature` at `threshold` with children `left` and `left + 1`.
    pub(crate) fn set_split(&mut self, node: usize, feature: usize, threshold: f64, left: usize) {
        self.nodes[node] = Node {
            feature: u32::try_from(feature).expect("feature counts fit a u32"),
            next: u32::try_from(left).expect("node counts fit a u32"),
            threshold,
        };
    }

    /// Makes `node` a leaf holding `values`.
    pub(crate) fn set_leaf(&mut self, node: usize, values: &[f64]) {
        debug_assert_eq!(values.len(), self.n_values);
        let leaf = self.values.len() / self.n_values.max(1);
        self.nodes[node] = Node::leaf(node);
        self.leaf_rows[node] = u32::try_from(leaf).expect("leaf counts fit a u32");
        self.values.extend_from_slice(values);
    }

    /// Number of nodes, internal and leaves.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of leaves.
    pub fn leaf_count(&self) -> usize {
        self.values.len() / self.n_values.max(1)
    }

    /// Number of edges on the longest path from the root to a leaf.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(0usize, 0usize)];
        while let Some((node, depth)) = stack.pop() {
            let Node { next, .. } = self.nodes[node];
            if self.nodes[node].is_leaf() {
                deepest = deepest.max(depth);
                continue;
            }
            stack.push((next as usize, depth + 1));
            stack.push((next as usize + 1, depth + 1));
        }
        deepest
    }

    /// The split feature and threshold of every internal node, in node order.
    pub fn splits(&self) -> Vec<(usize, f64)> {
        self.nodes
            .iter()
            .filter(|n| !n.is_leaf())
            .map(|n| (n.feature as usize, n.threshold))
            .collect()
    }

    /// Adds the leaf values reached by rows `first..` of `x` to `out`: row `first + i` adds its
    /// `n_values` values to `out[i * stride + offset..]`, for as many rows as `out` holds.
    ///
    /// Rows walk the tree [`LANES`] at a time in lock step, so the processor has several
    /// independent node loads in flight instead of one chain of cache misses per row; each
    /// row's sum still adds the same values in the same order as a walk of its own.
    pub(crate) fn accumulate(
        &self,
        x: &Matrix,
        first: usize,
        out: &mut [f64],
        stride: usize,
        offset: usize,
    ) {
        let n_rows = out.len() / stride;
        for start in (0..n_rows).step_by(LANES) {
            let lanes = (n_rows - start).min(LANES);
            let rows: [&[f64]; LANES] =
                std::array::from_fn(|l| x.row(first + start + l.min(lanes - 1)));
            let mut at = [0usize; LANES];
            let mut walking = true;
            while walking {
                walking = false;
                for (node, row) in at.iter_mut().zip(&rows).take(lanes) {
                    // A leaf sends the row back to itself: row[0] > +inf is false.
                    let Node { feature, next, threshold } = self.nodes[*node];
                    walking |= threshold < f64::INFINITY;
                    *node = next as usize + usize::from(row[feature as usize] > threshold);
                }
            }
            for (l, node) in at.iter().enumerate().take(lanes) {
                let leaf = self.leaf_rows[*node] as usize * self.n_values;
                let target = (start + l) * stride + offset;
                out[target..target + self.n_values]
                    .iter_mut()
                    .zip(&self.values[leaf..leaf + self.n_values])
                    .for_each(|(o, v)| *o += v);
            }
        }
    }

    /// The leaf values reached by `row` (which must have every fitted feature).
    pub fn leaf_values(&self, row: &[f64]) -> &[f64] {
        let mut index = 0;
        while !self.nodes[index].is_leaf() {
            let node = self.nodes[index];
            index = node.next as usize + usize::from(row[node.feature as usize] > node.threshold);
        }
        let start = self.leaf_rows[index] as usize * self.n_values;
        &self.values[start..start + self.n_values]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Root splits feature 1 at 0.5; left is a leaf, right splits feature 0 at 2.
    fn small_tree() -> Tree {
        let mut tree = Tree::with_width(2);
        tree.push_root();
        let left = tree.push_pair();
        tree.set_split(0, 1, 0.5, left);
        tree.set_leaf(left, &[1.0, 0.0]);
        let below = tree.push_pair();
        tree.set_split(left + 1, 0, 2.0, below);
        tree.set_leaf(below, &[0.25, 0.75]);
        tree.set_leaf(below + 1, &[0.0, 1.0]);
        tree
    }

    #[test]
    fn rows_follow_the_thresholds_to_their_leaves() {
        let tree = small_tree();

        assert_eq!(tree.leaf_values(&[9.0, 0.5]), [1.0, 0.0]);
        assert_eq!(tree.leaf_values(&[2.0, 0.6]), [0.25, 0.75]);
        assert_eq!(tree.leaf_values(&[2.1, 0.6]), [0.0, 1.0]);
        assert_eq!((tree.node_count(), tree.leaf_count(), tree.depth()), (5, 3, 2));
    }

    #[test]
    fn accumulating_in_lock_step_adds_what_single_walks_find() {
        let tree = small_tree();
        let rows: Vec<[f64; 2]> =
            (0..21).map(|i| [f64::from(i % 4), f64::from(i % 3) / 2.0]).collect();
        let x = Matrix::from_rows(&rows).unwrap();
        // Rows 1..21 into the first two of three columns, on top of ones.
        let mut out = vec![1.0; 20 * 3];

        tree.accumulate(&x, 1, &mut out, 3, 0);

        for (i, row) in rows[1..].iter().enumerate() {
            let want: Vec<f64> = tree.leaf_values(row).iter().map(|v| v + 1.0).collect();
            assert_eq!(&out[i * 3..i * 3 + 2], want.as_slice(), "row {}", i + 1);
            assert!((out[i * 3 + 2] - 1.0).abs() < f64::EPSILON);
        }
    }

    #[test]
    fn serialised_form_is_flat_arrays_and_round_trips() {
        let tree = small_tree();

        let json = serde_json::to_value(&tree).unwrap();
        let back: Tree = serde_json::from_value(json.clone()).unwrap();

        assert_eq!(json["feature"], serde_json::json!([1, u32::MAX, 0, u32::MAX, u32::MAX]));
        assert_eq!(json["next"], serde_json::json!([1, 0, 3, 1, 2]));
        assert_eq!(back, tree);
    }
}
