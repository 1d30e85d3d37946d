//! [`RandomForestRegressor`]: bagged regression trees split on squared error, sharing the tree
//! code of the classifier. A prediction is the mean over trees of each tree's leaf mean.
//!
//! # Limitations
//! Squared error only (no absolute error, Friedman MSE or Poisson), one target column, no
//! out-of-bag score or sample weights.

use polars::prelude::{Column, DataFrame};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::forest::{
    CommonParams, MaxFeatures, bootstrap_counts, check_predict_input, check_training_data,
    forest_importances, in_pool, predict_chunk, tree_rng,
};
use crate::error::Result;
use crate::linear::default_names;
use crate::matrix::{Matrix, float_values};
use crate::tree::{BinnedFeatures, GrownTree, Impurity, Targets, Tree, TreeSettings, grow};

/// Hyper-parameters of [`RandomForestRegressor`], readable from a parameters file.
///
/// Missing fields take scikit-learn's defaults (every feature per split), except
/// `random_state`, which is 0 so that runs repeat; unknown fields are rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomForestRegressorParams {
    /// Number of trees.
    pub n_estimators: usize,
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
    /// Seed of every random draw; see [`crate::ensemble`] on reproducibility.
    pub random_state: u64,
    /// Threads for fitting and predicting; `None` uses rayon's global pool.
    pub n_jobs: Option<usize>,
}

impl Default for RandomForestRegressorParams {
    fn default() -> Self {
        RandomForestRegressorParams {
            n_estimators: 100,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: None,
            bootstrap: true,
            random_state: 0,
            n_jobs: None,
        }
    }
}

impl RandomForestRegressorParams {
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

/// An unfitted random forest regressor; [`fit`](Self::fit) returns a
/// [`FittedRandomForestRegressor`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RandomForestRegressor {
    /// The hyper-parameters used by `fit`.
    pub params: RandomForestRegressorParams,
}

impl RandomForestRegressor {
    /// A forest with the given hyper-parameters.
    pub fn new(params: RandomForestRegressorParams) -> Self {
        RandomForestRegressor { params }
    }

    /// Fits on the rows of `x` with finite targets `y`. Features are named `x0`, `x1`, ...
    pub fn fit(&self, x: &Matrix, y: &[f64]) -> Result<FittedRandomForestRegressor> {
        self.fit_named(x, y, default_names(x.n_cols()))
    }

    /// Fits on the `features` columns of `df` with the numeric column `target`.
    pub fn fit_df<S: AsRef<str>>(
        &self,
        df: &DataFrame,
        features: &[S],
        target: &str,
    ) -> Result<FittedRandomForestRegressor> {
        let x = Matrix::from_columns(df, features)?;
        let y = float_values(df, target)?;
        let names = features.iter().map(|f| f.as_ref().to_owned()).collect();
        self.fit_named(&x, &y, names)
    }

    fn fit_named(
        &self,
        x: &Matrix,
        y: &[f64],
        feature_names: Vec<String>,
    ) -> Result<FittedRandomForestRegressor> {
        let common = self.params.common();
        common.validate()?;
        check_training_data(x, y.len(), &feature_names)?;
        let target_matrix = Matrix::from_vec(y.len(), 1, y.to_vec())?;
        target_matrix.check_finite(&["the target".to_owned()])?;
        let settings = TreeSettings {
            impurity: Impurity::SquaredError,
            max_depth: common.max_depth,
            min_samples_split: common.min_samples_split,
            min_samples_leaf: common.min_samples_leaf,
            max_features: common.features_per_split(x.n_cols())?,
        };

        let binned = BinnedFeatures::new(x);
        let grow_tree = |t: usize| {
            let mut rng = tree_rng(common.random_state, t);
            let weights: Vec<f64> = if common.bootstrap {
                bootstrap_counts(&mut rng, y.len()).into_iter().map(f64::from).collect()
            } else {
                vec![1.0; y.len()]
            };
            grow(&binned, Targets::Values(y), &weights, &settings, &mut rng)
        };
        let grown: Vec<GrownTree> = in_pool(common.n_jobs, || {
            (0..common.n_estimators).into_par_iter().map(grow_tree).collect()
        })?;

        let feature_importances = forest_importances(&grown, x.n_cols());
        Ok(FittedRandomForestRegressor {
            params: self.params.clone(),
            feature_names,
            trees: grown.into_iter().map(|g| g.tree).collect(),
            feature_importances,
        })
    }
}

/// A fitted random forest regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedRandomForestRegressor {
    params: RandomForestRegressorParams,
    feature_names: Vec<String>,
    trees: Vec<Tree>,
    feature_importances: Vec<f64>,
}

impl FittedRandomForestRegressor {
    /// Feature names: the `DataFrame` columns used by `fit_df`, or `x0`, `x1`, ... after `fit`.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The hyper-parameters the forest was fitted with.
    pub fn params(&self) -> &RandomForestRegressorParams {
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

    /// Mean decrease in squared error per feature, normalised to sum 1.
    pub fn feature_importances(&self) -> &[f64] {
        &self.feature_importances
    }

    /// The mean of the trees' predictions for every row.
    pub fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        check_predict_input(x, &self.feature_names)?;

        let n_trees = self.trees.len() as f64;
        let mut predictions = vec![0.0; x.n_rows()];
        let fill = |first: usize, out: &mut [f64]| {
            for tree in &self.trees {
                tree.accumulate(x, first, out, 1, 0);
            }
            for o in out.iter_mut() {
                *o /= n_trees;
            }
        };
        in_pool(self.params.n_jobs, || {
            let chunk = predict_chunk(x.n_rows());
            predictions.par_chunks_mut(chunk).enumerate().for_each(|(i, out)| fill(i * chunk, out));
        })?;
        Ok(predictions)
    }

    /// Predicts from the fitted feature columns of `df`, as a `Float64` column `prediction`.
    pub fn predict_df(&self, df: &DataFrame) -> Result<Column> {
        let x = Matrix::from_columns(df, &self.feature_names)?;
        Ok(Column::new("prediction".into(), self.predict(&x)?))
    }
}

#[cfg(test)]
mod tests {
    use polars::df;

    use super::*;
    use crate::error::MlError;

    #[test]
    fn a_step_function_is_recovered() {
        let x: Vec<[f64; 1]> = (0..40).map(|i| [f64::from(i)]).collect();
        let y: Vec<f64> = (0..40).map(|i| if i < 20 { 1.0 } else { 5.0 }).collect();
        let params = RandomForestRegressorParams { n_estimators: 10, ..Default::default() };

        let model =
            RandomForestRegressor::new(params).fit(&Matrix::from_rows(&x).unwrap(), &y).unwrap();
        let predicted = model.predict(&Matrix::from_rows(&[[3.0], [35.0]]).unwrap()).unwrap();

        assert_eq!(predicted, [1.0, 5.0]);
        assert_eq!(model.feature_importances(), [1.0]);
    }

    #[test]
    fn dataframe_input_is_checked() {
        let df = df!("a" => [1.0, 2.0, 3.0], "y" => [1.0, f64::NAN, 2.0], "s" => ["p", "q", "r"])
            .unwrap();
        let model = RandomForestRegressor::default();

        let nan = model.fit_df(&df, &["a"], "y").unwrap_err();
        let text = model.fit_df(&df, &["s"], "a").unwrap_err();

        assert!(matches!(nan, MlError::NonFiniteValues { ref column, count: 1 } if column == "y"));
        assert!(matches!(text, MlError::UnsupportedDtype { ref column, .. } if column == "s"));
    }
}
