//! [`Tree`], a fitted decision tree, and how a row walks it.
//!
//! Node `0` is the root. An internal node sends a row to its left child when
//! `row[feature] <= threshold` and to the right child otherwise; the two children are stored
//! next to each other, so one index (`next`) finds both. A leaf stores, in `next`, the index of
//! its row of values: class probabilities for a classifier, the mean target for a regressor.
//!
//! In memory a node is one 16-byte record, so a walk touches one cache line per level; on disk
//! (serde) the tree is flat arrays, one per field, which is compact in every format.
//!
//! # Limitations
//! One output per regression tree; no missing-value routing (inputs must be finite).

use serde::{Deserialize, Serialize};

/// The `feature` marker of a leaf.
pub(crate) const LEAF: u32 = u32::MAX;

/// One node: split feature (or [`LEAF`]), left child or leaf row, threshold.
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
            feature: tree.nodes.iter().map(|n| n.feature).collect(),
            threshold: tree.nodes.iter().map(|n| n.threshold).collect(),
            next: tree.nodes.iter().map(|n| n.next).collect(),
            n_values: tree.n_values,
            values: tree.values,
        }
    }
}

impl From<FlatTree> for Tree {
    fn from(flat: FlatTree) -> Self {
        let nodes = flat
            .feature
            .iter()
            .zip(&flat.threshold)
            .zip(&flat.next)
            .map(|((&feature, &threshold), &next)| Node { feature, next, threshold })
            .collect();
        Tree { nodes, n_values: flat.n_values, values: flat.values }
    }
}

const UNSET: Node = Node { feature: LEAF, next: 0, threshold: 0.0 };

impl Tree {
    /// An empty tree whose leaves will hold `n_values` values each.
    pub(crate) fn with_width(n_values: usize) -> Self {
        Tree { nodes: Vec::new(), n_values, values: Vec::new() }
    }

    /// Appends two unset nodes (a left and a right child) and returns the left one's index.
    pub(crate) fn push_pair(&mut self) -> usize {
        let left = self.nodes.len();
        self.nodes.extend([UNSET, UNSET]);
        left
    }

    /// Appends the unset root node.
    pub(crate) fn push_root(&mut self) {
        self.nodes.push(UNSET);
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
        self.nodes[node] = Node {
            feature: LEAF,
            next: u32::try_from(leaf).expect("leaf counts fit a u32"),
            threshold: 0.0,
        };
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
            let Node { feature, next, .. } = self.nodes[node];
            if feature == LEAF {
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
            .filter(|n| n.feature != LEAF)
            .map(|n| (n.feature as usize, n.threshold))
            .collect()
    }

    /// The leaf values reached by `row` (which must have every fitted feature).
    pub fn leaf_values(&self, row: &[f64]) -> &[f64] {
        let mut node = self.nodes[0];
        while node.feature != LEAF {
            let go_right = row[node.feature as usize] > node.threshold;
            node = self.nodes[node.next as usize + usize::from(go_right)];
        }
        let start = node.next as usize * self.n_values;
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
    fn serialised_form_is_flat_arrays_and_round_trips() {
        let tree = small_tree();

        let json = serde_json::to_value(&tree).unwrap();
        let back: Tree = serde_json::from_value(json.clone()).unwrap();

        assert_eq!(json["feature"], serde_json::json!([1, u32::MAX, 0, u32::MAX, u32::MAX]));
        assert_eq!(json["next"], serde_json::json!([1, 0, 3, 1, 2]));
        assert_eq!(back, tree);
    }
}
