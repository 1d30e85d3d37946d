//! [`RandomForestClassifier`]: bagged decision trees with per-split feature sampling and
//! scikit-learn's semantics (Gini or entropy splits, class weights, probability averaging,
//! impurity importances).
//!
//! Class probabilities are the mean over trees of each tree's leaf class fractions (weighted by
//! bootstrap counts and class weights), and the predicted class is the most probable one (the
//! first on a tie), as in scikit-learn.
//!
//! # Limitations
//! No out-of-bag score, `max_samples`, sample weights, explicit per-class weight maps or
//! multi-output targets. Thresholds on features with more than 256 distinct values are limited
//! to quantile cut points (see [`crate::tree`]).

use std::collections::BTreeMap;

use polars::prelude::{Column, DataFrame};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::forest::{
    CommonParams, FeatureRule, MaxFeatures, bootstrap_counts, check_predict_input,
    check_training_data, forest_importances, in_pool, invalid, predict_chunk, tree_rng,
};
use crate::error::{MlError, Result};
use crate::linear::{default_names, labelled_features};
use crate::matrix::Matrix;
use crate::predictions::{argmax, prediction_column, proba_frame};
use crate::tree::{BinnedFeatures, GrownTree, Impurity, Targets, Tree, TreeSettings, grow};

/// How a classification split measures impurity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Criterion {
    /// Gini impurity, `1 - sum p_k^2`.
    #[default]
    Gini,
    /// Shannon entropy in bits.
    Entropy,
}

/// Per-class weighting of the training rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForestClassWeight {
    /// `n_samples / (n_classes * n_samples_in_class)`, from the whole training set.
    Balanced,
    /// The same formula on each tree's bootstrap sample.
    BalancedSubsample,
}

/// Hyper-parameters of [`RandomForestClassifier`], readable from a parameters file.
///
/// Missing fields take scikit-learn's defaults, except `random_state`, which is 0 so that runs
/// repeat; unknown fields are rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomForestClassifierParams {
    /// Number of trees.
    pub n_estimators: usize,
    /// `gini` or `entropy`.
    pub criterion: Criterion,
    /// Deepest level a tree may reach; `None` grows until leaves are pure or too small.
    pub max_depth: Option<usize>,
    /// Fewest samples a node needs to be split.
    pub min_samples_split: usize,
    /// Fewest samples each child of a split must keep.
    pub min_samples_leaf: usize,
    /// Features examined per split; `None` means all.
    pub max_features: Option<MaxFeatures>,
    /// Whether each tree sees a bootstrap sample (otherwise every row, once).
    pub bootstrap: bool,
    /// `None`, `balanced` or `balanced_subsample`.
    pub class_weight: Option<ForestClassWeight>,
    /// Seed of every random draw; see [`crate::ensemble`] on reproducibility.
    pub random_state: u64,
    /// Threads for fitting and predicting; `None` uses rayon's global pool.
    pub n_jobs: Option<usize>,
}

impl Default for RandomForestClassifierParams {
    fn default() -> Self {
        RandomForestClassifierParams {
            n_estimators: 100,
            criterion: Criterion::Gini,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: Some(MaxFeatures::Rule(FeatureRule::Sqrt)),
            bootstrap: true,
            class_weight: None,
            random_state: 0,
            n_jobs: None,
        }
    }
}

impl RandomForestClassifierParams {
    fn common(&self) -> CommonParams {
        CommonParams {
            n_estimators: self.n_estimators,
            max_depth: self.max_depth,
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            max_features: self.max_features,
            bootstrap: self.bootstrap,
            random_state: self.random_state,
            n_jobs: self.n_jobs,
        }
    }
}

/// An unfitted random forest classifier; [`fit`](Self::fit) returns a
/// [`FittedRandomForestClassifier`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RandomForestClassifier {
    /// The hyper-parameters used by `fit`.
    pub params: RandomForestClassifierParams,
}

impl RandomForestClassifier {
    /// A forest with the given hyper-parameters.
    pub fn new(params: RandomForestClassifierParams) -> Self {
        RandomForestClassifier { params }
    }

    /// Fits on the rows of `x` with class codes `y` (any integers below 2^32; the classes are
    /// the distinct codes, sorted). Features are named `x0`, `x1`, ...
    pub fn fit(&self, x: &Matrix, y: &[usize]) -> Result<FittedRandomForestClassifier> {
        self.fit_named(x, y, default_names(x.n_cols()))
    }

    /// Fits on the `features` columns of `df` with the integer class codes in column `label`.
    pub fn fit_df<S: AsRef<str>>(
        &self,
        df: &DataFrame,
        features: &[S],
        label: &str,
    ) -> Result<FittedRandomForestClassifier> {
        let (x, y, names) = labelled_features(df, features, label)?;
        self.fit_named(&x, &y, names)
    }

    fn fit_named(
        &self,
        x: &Matrix,
        y: &[usize],
        feature_names: Vec<String>,
    ) -> Result<FittedRandomForestClassifier> {
        let common = self.params.common();
        common.validate()?;
        check_training_data(x, y.len(), &feature_names)?;
        let (classes, codes) = encode_classes(y)?;
        let settings = TreeSettings {
            impurity: match self.params.criterion {
                Criterion::Gini => Impurity::Gini,
                Criterion::Entropy => Impurity::Entropy,
            },
            max_depth: common.max_depth,
            min_samples_split: common.min_samples_split,
            min_samples_leaf: common.min_samples_leaf,
            max_features: common.features_per_split(x.n_cols())?,
        };

        let binned = BinnedFeatures::new(x);
        let targets = Targets::Classes { codes: &codes, n_classes: classes.len() };
        let class_weight = self.params.class_weight;
        let balanced = balanced_weights(&codes, classes.len(), None);
        let grow_tree = |t: usize| {
            let mut rng = tree_rng(common.random_state, t);
            let counts = if common.bootstrap {
                bootstrap_counts(&mut rng, codes.len())
            } else {
                vec![1; codes.len()]
            };
            let per_class = match class_weight {
                None => vec![1.0; classes.len()],
                Some(ForestClassWeight::Balanced) => balanced.clone(),
                Some(ForestClassWeight::BalancedSubsample) => {
                    balanced_weights(&codes, classes.len(), Some(&counts))
                }
            };
            let weights: Vec<f64> = counts
                .iter()
                .zip(&codes)
                .map(|(&count, &class)| f64::from(count) * per_class[class as usize])
                .collect();
            grow(&binned, targets, &weights, &settings, &mut rng)
        };
        let grown: Vec<GrownTree> = in_pool(common.n_jobs, || {
            (0..common.n_estimators).into_par_iter().map(grow_tree).collect()
        })?;

        let feature_importances = forest_importances(&grown, x.n_cols());
        Ok(FittedRandomForestClassifier {
            params: self.params.clone(),
            classes,
            feature_names,
            trees: grown.into_iter().map(|g| g.tree).collect(),
            feature_importances,
        })
    }
}

/// The sorted distinct classes and each row's index among them.
pub(crate) fn encode_classes(y: &[usize]) -> Result<(Vec<usize>, Vec<u32>)> {
    let counts: BTreeMap<usize, usize> = y.iter().fold(BTreeMap::new(), |mut counts, &c| {
        *counts.entry(c).or_insert(0) += 1;
        counts
    });
    let classes: Vec<usize> = counts.keys().copied().collect();
    if let [only] = classes[..] {
        return Err(MlError::SingleClass { class: only.to_string() });
    }
    if let Some(&too_big) = classes.iter().find(|&&c| u32::try_from(c).is_err()) {
        return Err(invalid(
            "labels",
            format!("class code {too_big} is larger than the UInt32 maximum"),
        ));
    }

    let codes = y
        .iter()
        .map(|c| {
            let index = classes.binary_search(c).expect("every label is one of the classes");
            u32::try_from(index).expect("fewer classes than rows")
        })
        .collect();
    Ok((classes, codes))
}

/// `n / (n_classes * n_k)` per class, counting each row `counts[row]` times when given. A class
/// absent from the sample gets weight 0 (it has no rows to weigh).
fn balanced_weights(codes: &[u32], n_classes: usize, counts: Option<&[u32]>) -> Vec<f64> {
    let mut per_class = vec![0.0; n_classes];
    for (row, &class) in codes.iter().enumerate() {
        per_class[class as usize] += counts.map_or(1.0, |c| f64::from(c[row]));
    }
    let n: f64 = per_class.iter().sum();
    per_class
        .iter()
        .map(|&n_k| if n_k > 0.0 { n / (n_classes as f64 * n_k) } else { 0.0 })
        .collect()
}

/// A fitted random forest classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedRandomForestClassifier {
    params: RandomForestClassifierParams,
    classes: Vec<usize>,
    feature_names: Vec<String>,
    trees: Vec<Tree>,
    feature_importances: Vec<f64>,
}

impl FittedRandomForestClassifier {
    /// The class codes, sorted; column `k` of [`predict_proba`](Self::predict_proba) is
    /// `classes()[k]`.
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }

    /// Feature names: the `DataFrame` columns used by `fit_df`, or `x0`, `x1`, ... after `fit`.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The hyper-parameters the forest was fitted with.
    pub fn params(&self) -> &RandomForestClassifierParams {
        &self.params
    }

    /// Sets the threads used by predictions (`None`: rayon's global pool), for example after
    /// loading a forest fitted on another machine.
    pub fn set_n_jobs(&mut self, n_jobs: Option<usize>) {
        self.params.n_jobs = n_jobs;
    }

    /// The fitted trees, in seed order.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Mean decrease in impurity per feature, normalised to sum 1 (scikit-learn's
    /// `feature_importances_`), in [`feature_names`](Self::feature_names) order.
    pub fn feature_importances(&self) -> &[f64] {
        &self.feature_importances
    }

    /// Class probabilities, one row per sample and one column per class.
    pub fn predict_proba(&self, x: &Matrix) -> Result<Matrix> {
        check_predict_input(x, &self.feature_names)?;

        let width = self.classes.len();
        let n_trees = self.trees.len() as f64;
        let mut proba = vec![0.0; x.n_rows() * width];
        let fill = |first: usize, out: &mut [f64]| {
            for tree in &self.trees {
                tree.accumulate(x, first, out, width, 0);
            }
            for o in out.iter_mut() {
                *o /= n_trees;
            }
        };
        in_pool(self.params.n_jobs, || {
            let chunk = predict_chunk(x.n_rows());
            proba
                .par_chunks_mut(chunk * width)
                .enumerate()
                .for_each(|(i, out)| fill(i * chunk, out));
        })?;
        Matrix::from_vec(x.n_rows(), width, proba)
    }

    /// The most probable class code of every row (the first class on a tie).
    pub fn predict(&self, x: &Matrix) -> Result<Vec<usize>> {
        let proba = self.predict_proba(x)?;
        Ok(proba.rows().map(|row| self.classes[argmax(row)]).collect())
    }

    /// Predicts from the fitted feature columns of `df`, as a `UInt32` column `prediction`.
    pub fn predict_df(&self, df: &DataFrame) -> Result<Column> {
        let x = Matrix::from_columns(df, &self.feature_names)?;
        Ok(prediction_column(self.predict(&x)?))
    }

    /// Class probabilities from the fitted feature columns of `df`, as `Float64` columns
    /// `proba_<class code>`.
    pub fn predict_proba_df(&self, df: &DataFrame) -> Result<DataFrame> {
        let x = Matrix::from_columns(df, &self.feature_names)?;
        proba_frame(&self.predict_proba(&x)?, &self.classes)
    }
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;

    /// Two well separated groups on `a`; `b` is noise.
    fn table() -> DataFrame {
        df!(
            "a" => [1.0, 1.5, 2.0, 2.5, 8.0, 8.5, 9.0, 9.5],
            "b" => [3i64, 1, 4, 1, 5, 9, 2, 6],
            "label" => [0i64, 0, 0, 0, 1, 1, 1, 1],
        )
        .unwrap()
    }

    #[test]
    fn separable_groups_are_learned_and_a_carries_the_importance() {
        let params = RandomForestClassifierParams { n_estimators: 20, ..Default::default() };

        let model =
            RandomForestClassifier::new(params).fit_df(&table(), &["a", "b"], "label").unwrap();
        let predicted = model.predict_df(&table()).unwrap();

        let codes: Vec<u32> = predicted.u32().unwrap().into_no_null_iter().collect();
        assert_eq!(codes, [0, 0, 0, 0, 1, 1, 1, 1]);
        assert!(model.feature_importances()[0] > model.feature_importances()[1]);
        assert!((model.feature_importances().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let proba = model.predict_proba_df(&table()).unwrap();
        assert_eq!(proba.get_column_names(), ["proba_0", "proba_1"]);
    }

    #[test]
    fn balanced_weights_even_out_the_classes() {
        let codes = [0, 0, 0, 1];

        assert_eq!(balanced_weights(&codes, 2, None), [4.0 / 6.0, 2.0]);
        // Drawn rows 0, 0, 3, 3: two of each class.
        assert_eq!(balanced_weights(&codes, 2, Some(&[2, 0, 0, 2])), [1.0, 1.0]);
    }

    #[test]
    fn bad_input_is_reported() {
        let model = RandomForestClassifier::default();
        let table = table();

        let unknown = model.fit_df(&table, &["a", "c"], "label").unwrap_err();
        let float_label = model.fit_df(&table, &["a"], "a").unwrap_err();
        let single = model.fit(&Matrix::from_rows(&[[1.0], [2.0]]).unwrap(), &[3, 3]).unwrap_err();
        let empty = model.fit(&Matrix::zeros(0, 2), &[]).unwrap_err();
        let nan =
            model.fit(&Matrix::from_rows(&[[1.0], [f64::NAN]]).unwrap(), &[0, 1]).unwrap_err();

        assert!(matches!(unknown, MlError::UnknownColumn { ref name, .. } if name == "c"));
        assert!(matches!(float_label, MlError::UnsupportedDtype { .. }));
        assert!(matches!(single, MlError::SingleClass { ref class } if class == "3"));
        assert!(matches!(empty, MlError::EmptyInput { .. }));
        assert!(matches!(nan, MlError::NonFiniteValues { ref column, count: 1 } if column == "x0"));
    }

    #[test]
    fn predicting_needs_the_fitted_columns() {
        let params = RandomForestClassifierParams { n_estimators: 2, ..Default::default() };
        let model =
            RandomForestClassifier::new(params).fit_df(&table(), &["a", "b"], "label").unwrap();

        let missing = model.predict_df(&table().drop("b").unwrap()).unwrap_err();
        let narrow = model.predict(&Matrix::zeros(1, 1)).unwrap_err();

        assert!(matches!(missing, MlError::UnknownColumn { ref name, .. } if name == "b"));
        assert!(matches!(narrow, MlError::FeatureCountMismatch { expected: 2, actual: 1 }));
    }

    #[test]
    fn parameters_read_from_json_with_scikit_learn_spellings() {
        let text = r#"{"n_estimators": 5, "criterion": "entropy", "max_features": 0.5,
                       "class_weight": "balanced_subsample", "max_depth": 3}"#;

        let params: RandomForestClassifierParams = serde_json::from_str(text).unwrap();

        assert_eq!(params.criterion, Criterion::Entropy);
        assert_eq!(params.max_features, Some(MaxFeatures::Fraction(0.5)));
        assert_eq!(params.class_weight, Some(ForestClassWeight::BalancedSubsample));
        assert_eq!(params.min_samples_leaf, 1);
        assert!(serde_json::from_str::<RandomForestClassifierParams>(r#"{"trees": 5}"#).is_err());
    }
}
