//! Hyper-parameter search by cross-validation: [`GridSearch`] (scikit-learn's `GridSearchCV`)
//! tries every combination of listed values, [`RandomizedSearch`] (`RandomizedSearchCV`) draws
//! `n_iter` combinations from lists and distributions. Both score every candidate on every fold
//! with a [`Scoring`], rank candidates by mean score, and refit the best on all rows.
//!
//! As in scikit-learn, grid candidates run over the parameter names in sorted order with the
//! last name varying fastest; the mean and standard deviation are the plain (population) ones
//! over folds; ranks are `min` ranks of the mean (ties share the best rank) and the best
//! candidate is the first with rank 1. With `cv: k` the folds are scikit-learn's
//! `StratifiedKFold(k)` without shuffling, so both libraries score the same rows.
//!
//! Candidate × fold fits run in parallel with rayon (`n_jobs` threads, or rayon's global pool);
//! each is a pure function of its inputs, so results do not depend on the thread count.
//!
//! In YAML, a [`GridSearch`]:
//!
//! ```yaml
//! estimator: {kind: logistic_regression, params: {max_iter: 500}}
//! param_grid: {C: [0.01, 0.1, 1, 10]}
//! cv: 5                 # default 5
//! scoring: f1_macro     # accuracy (default), f1_macro, roc_auc, log_loss
//! n_jobs: 2             # optional
//! ```
//!
//! and a [`RandomizedSearch`] (same `cv`, `scoring` and `n_jobs`):
//!
//! ```yaml
//! estimator: {kind: random_forest, params: {n_estimators: 100}}
//! param_distributions:
//!   max_depth: [4, 8, null]
//!   min_samples_leaf: {randint: [1, 20]}      # integers in [1, 20)
//!   max_features: {uniform: [0.2, 1.0]}       # floats in [0.2, 1.0)
//! n_iter: 20            # default 10
//! seed: 7               # default 0
//! ```
//!
//! Any [`ClassifierSpec`] kind can be searched, histogram gradient boosting included:
//!
//! ```yaml
//! estimator: {kind: hist_gradient_boosting, params: {max_leaf_nodes: 15}}
//! param_distributions:
//!   learning_rate: {loguniform: [0.01, 0.3]}
//!   max_iter: {randint: [50, 300]}
//! ```
//!
//! `log_loss` is scikit-learn's `neg_log_loss`: the negated loss, so higher is better.
//! `{uniform: [a, b]}` is the interval itself (scikit-learn's `uniform(loc, scale)` spans
//! `[loc, loc + scale]`); `{loguniform: [a, b]}` draws `exp` of a uniform in `[ln a, ln b)`;
//! `{randint: [a, b]}` draws integers `a <= n < b`, like scipy's `randint`.
//!
//! # Limitations
//! Random draws use weir's `ChaCha20` (keyed with the seed, see [`super::assign_split`]), so a
//! randomised search samples other candidates than scikit-learn for the same seed. When every
//! parameter is a list, candidates are drawn without repetition from the grid. A fold whose fit
//! or score fails fails the whole search (scikit-learn records NaN and warns). Only one grid
//! (no list of grids); search runs on a matrix, so preprocessing is fitted outside the folds.

use std::collections::BTreeMap;

use polars::prelude::{Column, DataFrame};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Fold, below, stratified_k_fold};
use crate::error::{MlError, Result};
use crate::estimator::{ClassifierSpec, FittedClassifier, select_rows};
use crate::matrix::Matrix;
use crate::metrics::{Average, accuracy, f1_score, log_loss, roc_auc_score};

/// One candidate: a value per searched parameter, by name (sorted).
pub type Candidate = BTreeMap<String, Value>;

/// How a fitted classifier is scored; higher is always better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Fraction of correct predictions.
    #[default]
    Accuracy,
    /// Unweighted mean of the per-class F1 scores.
    F1Macro,
    /// Area under the ROC curve of the larger class's probability (binary targets only).
    RocAuc,
    /// The negated log-loss (scikit-learn's `neg_log_loss`).
    #[serde(alias = "neg_log_loss")]
    LogLoss,
}

impl Scoring {
    /// The score of `model` on rows `x` with class codes `y`.
    pub fn score(self, model: &FittedClassifier, x: &Matrix, y: &[usize]) -> Result<f64> {
        match self {
            Scoring::Accuracy => accuracy(y, &model.predict(x)?),
            Scoring::F1Macro => f1_score(y, &model.predict(x)?, &Average::Macro),
            Scoring::RocAuc => {
                if model.classes().len() != 2 {
                    return Err(MlError::InvalidParameter {
                        name: "scoring",
                        reason: format!(
                            "`roc_auc` needs two classes, the model has {}",
                            model.classes().len()
                        ),
                    });
                }
                roc_auc_score(y, &model.predict_proba(x)?.column(1))
            }
            Scoring::LogLoss => Ok(-log_loss(y, &model.predict_proba(x)?, Some(model.classes()))?),
        }
    }
}

/// Exhaustive search over `param_grid`; see the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSearch {
    /// The model and the parameters that are not searched.
    pub estimator: ClassifierSpec,
    /// The values to try, per parameter (YAML field names of the estimator's params).
    pub param_grid: BTreeMap<String, Vec<Value>>,
    /// Number of stratified folds.
    #[serde(default = "default_cv")]
    pub cv: usize,
    /// The score to maximise.
    #[serde(default)]
    pub scoring: Scoring,
    /// Threads; `None` uses rayon's global pool.
    #[serde(default)]
    pub n_jobs: Option<usize>,
}

/// A value list or a distribution to draw one parameter from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamSpace {
    /// Pick one of these values uniformly.
    Values(Vec<Value>),
    /// Draw from a distribution.
    Distribution(Distribution),
}

/// A list is a value list; anything else must be a distribution, and its own error (say, an
/// unknown distribution name) is reported rather than serde's vague "no variant matched".
impl<'de> Deserialize<'de> for ParamSpace {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Array(values) => Ok(ParamSpace::Values(values)),
            other => serde_json::from_value(other).map(ParamSpace::Distribution).map_err(|error| {
                serde::de::Error::custom(format!(
                    "expected a list of values or one of `uniform`, `loguniform`, \
                     `randint`: {error}"
                ))
            }),
        }
    }
}

/// A distribution of [`ParamSpace`]; see the module docs for the intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Distribution {
    /// Floats uniform in `[a, b)`.
    Uniform([f64; 2]),
    /// Floats whose logarithm is uniform in `[ln a, ln b)`; `0 < a < b`.
    LogUniform([f64; 2]),
    /// Integers uniform in `a..b`.
    RandInt([i64; 2]),
}

/// Search over `n_iter` candidates drawn from `param_distributions`; see the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomizedSearch {
    /// The model and the parameters that are not searched.
    pub estimator: ClassifierSpec,
    /// Where each searched parameter comes from.
    pub param_distributions: BTreeMap<String, ParamSpace>,
    /// Number of candidates.
    #[serde(default = "default_n_iter")]
    pub n_iter: usize,
    /// Seed of the draws.
    #[serde(default)]
    pub seed: u64,
    /// Number of stratified folds.
    #[serde(default = "default_cv")]
    pub cv: usize,
    /// The score to maximise.
    #[serde(default)]
    pub scoring: Scoring,
    /// Threads; `None` uses rayon's global pool.
    #[serde(default)]
    pub n_jobs: Option<usize>,
}

fn default_cv() -> usize {
    5
}

fn default_n_iter() -> usize {
    10
}

/// The scores of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateScores {
    /// The searched parameter values.
    pub params: Candidate,
    /// The score on each fold's test rows, in fold order.
    pub split_scores: Vec<f64>,
    /// Mean of `split_scores`.
    pub mean_score: f64,
    /// Population standard deviation of `split_scores`.
    pub std_score: f64,
    /// 1 for the best mean; ties share the smaller rank.
    pub rank: usize,
}

/// What a search found: every candidate's scores and the best model refitted on all rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    /// Every candidate, in search order.
    pub candidates: Vec<CandidateScores>,
    /// Position of the best candidate in `candidates`.
    pub best_index: usize,
    /// The best candidate's parameter values.
    pub best_params: Candidate,
    /// The best candidate's mean score.
    pub best_score: f64,
    /// The estimator with the best parameters set.
    pub best_spec: ClassifierSpec,
    /// `best_spec` fitted on all rows.
    pub best_estimator: FittedClassifier,
}

impl GridSearch {
    /// Every combination, parameter names sorted, the last varying fastest.
    pub fn candidates(&self) -> Result<Vec<Candidate>> {
        if let Some((name, _)) = self.param_grid.iter().find(|(_, values)| values.is_empty()) {
            return Err(MlError::InvalidParameter {
                name: "param_grid",
                reason: format!("`{name}` lists no values"),
            });
        }
        Ok(grid(&self.param_grid))
    }

    /// Searches with `cv` stratified folds of `y`.
    pub fn fit(&self, x: &Matrix, y: &[usize]) -> Result<SearchResult> {
        self.fit_with_folds(x, y, &stratified_k_fold(y, self.cv, None)?)
    }

    /// Searches with the given folds (for example folds shared with another tool).
    pub fn fit_with_folds(&self, x: &Matrix, y: &[usize], folds: &[Fold]) -> Result<SearchResult> {
        let search =
            Search { estimator: &self.estimator, scoring: self.scoring, n_jobs: self.n_jobs };
        search.run(&self.candidates()?, x, y, folds)
    }
}

impl RandomizedSearch {
    /// The `n_iter` candidates drawn with `seed`.
    pub fn candidates(&self) -> Result<Vec<Candidate>> {
        check_spaces(&self.param_distributions)?;
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&self.seed.to_le_bytes());
        let mut rng = ChaCha20Rng::from_seed(key);

        let lists: Option<BTreeMap<String, Vec<Value>>> = self
            .param_distributions
            .iter()
            .map(|(name, space)| match space {
                ParamSpace::Values(values) => Some((name.clone(), values.clone())),
                ParamSpace::Distribution(_) => None,
            })
            .collect();
        if let Some(lists) = lists {
            let mut all = grid(&lists);
            for i in (1..all.len()).rev() {
                let j = below(&mut rng, i as u64 + 1);
                all.swap(i, usize::try_from(j).expect("j <= i"));
            }
            all.truncate(self.n_iter);
            return Ok(all);
        }
        let draw = |rng: &mut ChaCha20Rng| {
            self.param_distributions
                .iter()
                .map(|(name, space)| (name.clone(), sample(space, rng)))
                .collect()
        };
        Ok((0..self.n_iter).map(|_| draw(&mut rng)).collect())
    }

    /// Searches with `cv` stratified folds of `y`.
    pub fn fit(&self, x: &Matrix, y: &[usize]) -> Result<SearchResult> {
        self.fit_with_folds(x, y, &stratified_k_fold(y, self.cv, None)?)
    }

    /// Searches with the given folds.
    pub fn fit_with_folds(&self, x: &Matrix, y: &[usize], folds: &[Fold]) -> Result<SearchResult> {
        let search =
            Search { estimator: &self.estimator, scoring: self.scoring, n_jobs: self.n_jobs };
        search.run(&self.candidates()?, x, y, folds)
    }
}

/// The cartesian product of `lists`, keys in sorted order, the last key varying fastest.
fn grid(lists: &BTreeMap<String, Vec<Value>>) -> Vec<Candidate> {
    let mut candidates = vec![Candidate::new()];
    for (name, values) in lists {
        candidates = candidates
            .into_iter()
            .flat_map(|partial| {
                values.iter().map(move |value| {
                    let mut next = partial.clone();
                    next.insert(name.clone(), value.clone());
                    next
                })
            })
            .collect();
    }
    candidates
}

fn check_spaces(spaces: &BTreeMap<String, ParamSpace>) -> Result<()> {
    for (name, space) in spaces {
        let valid = match space {
            ParamSpace::Values(values) => !values.is_empty(),
            ParamSpace::Distribution(Distribution::Uniform([a, b])) => {
                a.is_finite() && b.is_finite() && a < b
            }
            ParamSpace::Distribution(Distribution::LogUniform([a, b])) => {
                b.is_finite() && *a > 0.0 && a < b
            }
            ParamSpace::Distribution(Distribution::RandInt([a, b])) => a < b,
        };
        if !valid {
            return Err(MlError::InvalidParameter {
                name: "param_distributions",
                reason: format!(
                    "`{name}` needs a non-empty list or bounds [a, b] with a < b (and a > 0 \
                     for loguniform)"
                ),
            });
        }
    }
    Ok(())
}

/// One draw from `space`.
fn sample(space: &ParamSpace, rng: &mut ChaCha20Rng) -> Value {
    let unit = |rng: &mut ChaCha20Rng| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    match space {
        ParamSpace::Values(values) => {
            let k = below(rng, values.len() as u64);
            values[usize::try_from(k).expect("k < len")].clone()
        }
        ParamSpace::Distribution(Distribution::Uniform([a, b])) => {
            Value::from(a + (b - a) * unit(rng))
        }
        ParamSpace::Distribution(Distribution::LogUniform([a, b])) => {
            Value::from((a.ln() + (b.ln() - a.ln()) * unit(rng)).exp())
        }
        ParamSpace::Distribution(Distribution::RandInt([a, b])) => {
            let span = b.abs_diff(*a);
            let offset = below(rng, span);
            Value::from(a.wrapping_add_unsigned(offset))
        }
    }
}

/// What both searches share once the candidates are known.
struct Search<'a> {
    estimator: &'a ClassifierSpec,
    scoring: Scoring,
    n_jobs: Option<usize>,
}

impl Search<'_> {
    fn run(
        &self,
        candidates: &[Candidate],
        x: &Matrix,
        y: &[usize],
        folds: &[Fold],
    ) -> Result<SearchResult> {
        if candidates.is_empty() || folds.is_empty() {
            return Err(MlError::EmptyInput { what: "the list of candidates or folds" });
        }
        if x.n_rows() != y.len() {
            return Err(MlError::LengthMismatch {
                left: "the feature matrix",
                left_len: x.n_rows(),
                right: "the labels",
                right_len: y.len(),
            });
        }
        let specs: Vec<ClassifierSpec> = candidates
            .iter()
            .map(|c| self.estimator.with_params(&c.clone().into_iter().collect::<Map<_, _>>()))
            .collect::<Result<_>>()?;

        let tasks: Vec<(usize, usize)> =
            (0..specs.len()).flat_map(|c| (0..folds.len()).map(move |f| (c, f))).collect();
        let score_task = |&(c, f): &(usize, usize)| -> Result<f64> {
            let fold = &folds[f];
            let y_train: Vec<usize> = fold.train.iter().map(|&r| y[r]).collect();
            let y_test: Vec<usize> = fold.test.iter().map(|&r| y[r]).collect();
            let model = specs[c].fit(&select_rows(x, &fold.train), &y_train)?;
            self.scoring.score(&model, &select_rows(x, &fold.test), &y_test)
        };
        let scores: Vec<f64> =
            in_pool(self.n_jobs, || tasks.par_iter().map(score_task).collect::<Result<_>>())??;

        let mut table: Vec<CandidateScores> = candidates
            .iter()
            .zip(scores.chunks(folds.len()))
            .map(|(params, split)| candidate_scores(params, split))
            .collect();
        assign_ranks(&mut table);
        let best_index = table.iter().position(|c| c.rank == 1).expect("some candidate ranks 1");
        let best_estimator = in_pool(self.n_jobs, || specs[best_index].fit(x, y))??;
        Ok(SearchResult {
            best_params: table[best_index].params.clone(),
            best_score: table[best_index].mean_score,
            best_spec: specs[best_index].clone(),
            best_index,
            best_estimator,
            candidates: table,
        })
    }
}

fn candidate_scores(params: &Candidate, split: &[f64]) -> CandidateScores {
    let n = split.len() as f64;
    let mean_score = split.iter().sum::<f64>() / n;
    let variance = split.iter().map(|s| (s - mean_score) * (s - mean_score)).sum::<f64>() / n;
    CandidateScores {
        params: params.clone(),
        split_scores: split.to_vec(),
        mean_score,
        std_score: variance.sqrt(),
        rank: 0,
    }
}

/// `min` ranks of the negated means: 1 + the number of strictly better candidates.
fn assign_ranks(table: &mut [CandidateScores]) {
    let means: Vec<f64> = table.iter().map(|c| c.mean_score).collect();
    for candidate in table.iter_mut() {
        candidate.rank = 1 + means.iter().filter(|m| **m > candidate.mean_score).count();
    }
}

/// Runs `job` on a pool of `n_jobs` threads, or on the current pool.
fn in_pool<T: Send>(n_jobs: Option<usize>, job: impl FnOnce() -> T + Send) -> Result<T> {
    let Some(threads) = n_jobs else { return Ok(job()) };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|error| {
        MlError::InvalidParameter {
            name: "n_jobs",
            reason: format!("cannot start {threads} threads: {error}"),
        }
    })?;
    Ok(pool.install(job))
}

impl SearchResult {
    /// scikit-learn's `cv_results_` as a table: `param_<name>` per parameter, `params` (the
    /// candidate as JSON text), `split<k>_test_score`, `mean_test_score`, `std_test_score` and
    /// `rank_test_score`, one row per candidate.
    pub fn cv_results(&self) -> Result<DataFrame> {
        let n = self.candidates.len();
        let mut columns = Vec::new();
        for name in self.candidates[0].params.keys() {
            let values: Vec<&Value> = self.candidates.iter().map(|c| &c.params[name]).collect();
            columns.push(param_column(&format!("param_{name}"), &values));
        }
        let params: Vec<String> = self
            .candidates
            .iter()
            .map(|c| Value::from(c.params.clone().into_iter().collect::<Map<_, _>>()).to_string())
            .collect();
        columns.push(Column::new("params".into(), params));
        for k in 0..self.candidates[0].split_scores.len() {
            let split: Vec<f64> = self.candidates.iter().map(|c| c.split_scores[k]).collect();
            columns.push(Column::new(format!("split{k}_test_score").into(), split));
        }
        let mean: Vec<f64> = self.candidates.iter().map(|c| c.mean_score).collect();
        let std: Vec<f64> = self.candidates.iter().map(|c| c.std_score).collect();
        #[expect(
            clippy::cast_possible_truncation,
            reason = "ranks are at most the candidate count"
        )]
        let rank: Vec<u32> = self.candidates.iter().map(|c| c.rank as u32).collect();
        columns.push(Column::new("mean_test_score".into(), mean));
        columns.push(Column::new("std_test_score".into(), std));
        columns.push(Column::new("rank_test_score".into(), rank));
        DataFrame::new(n, columns).map_err(MlError::polars("building the search results"))
    }
}

/// A column of parameter values: `Int64`, `Float64`, `Boolean` or `String` when every non-null
/// value has that type, otherwise the values as JSON text; JSON `null` becomes a null.
fn param_column(name: &str, values: &[&Value]) -> Column {
    let present = || values.iter().filter(|v| !v.is_null());
    if present().all(|v| v.is_i64()) {
        return Column::new(name.into(), values.iter().map(|v| v.as_i64()).collect::<Vec<_>>());
    }
    if present().all(|v| v.is_number()) {
        return Column::new(name.into(), values.iter().map(|v| v.as_f64()).collect::<Vec<_>>());
    }
    if present().all(|v| v.is_boolean()) {
        return Column::new(name.into(), values.iter().map(|v| v.as_bool()).collect::<Vec<_>>());
    }
    if present().all(|v| v.is_string()) {
        return Column::new(name.into(), values.iter().map(|v| v.as_str()).collect::<Vec<_>>());
    }
    let texts: Vec<Option<String>> =
        values.iter().map(|v| (!v.is_null()).then(|| v.to_string())).collect();
    Column::new(name.into(), texts)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn from_yaml<T: serde::de::DeserializeOwned>(yaml: &str) -> T {
        let value: Value = serde_norway::from_str(yaml).expect("valid YAML");
        serde_json::from_value(value).unwrap()
    }

    /// Two noisy blobs: class 1 has larger values of the first feature.
    fn blobs() -> (Matrix, Vec<usize>) {
        let rows: Vec<[f64; 2]> = (0..60)
            .map(|i| {
                let class = f64::from(i % 2);
                [class * 1.5 + f64::from((i * 37) % 17) / 8.0, f64::from((i * 11) % 7)]
            })
            .collect();
        (Matrix::from_rows(&rows).unwrap(), (0..60).map(|i| i % 2).collect())
    }

    #[test]
    fn grid_order_follows_sorted_names_with_the_last_fastest() {
        let search: GridSearch = from_yaml(
            "
estimator: {kind: random_forest, params: {}}
param_grid: {n_estimators: [5, 10], max_depth: [2, null]}
",
        );

        let candidates = search.candidates().unwrap();

        let pairs: Vec<(Value, Value)> = candidates
            .iter()
            .map(|c| (c["max_depth"].clone(), c["n_estimators"].clone()))
            .collect();
        assert_eq!(
            pairs,
            [
                (json!(2), json!(5)),
                (json!(2), json!(10)),
                (json!(null), json!(5)),
                (json!(null), json!(10))
            ]
        );
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (x, y) = blobs();
        let yaml = "
estimator: {kind: random_forest, params: {n_estimators: 5}}
param_grid: {max_depth: [1, 3]}
cv: 3
scoring: log_loss
n_jobs: 1
";
        let one: GridSearch = from_yaml(yaml);
        let two = GridSearch { n_jobs: Some(2), ..one.clone() };

        let a = one.fit(&x, &y).unwrap();
        let b = two.fit(&x, &y).unwrap();

        assert_eq!(a, b);
        assert!(a.best_score <= 0.0, "negated log-loss: {}", a.best_score);
        let table = a.cv_results().unwrap();
        assert_eq!(table.shape(), (2, 8));
        assert_eq!(table.column("param_max_depth").unwrap().i64().unwrap().get(1), Some(3));
    }

    #[test]
    fn randomized_draws_repeat_with_the_seed_and_respect_bounds() {
        let search: RandomizedSearch = from_yaml(
            "
estimator: {kind: logistic_regression, params: {}}
param_distributions:
  C: {loguniform: [0.01, 100]}
  max_iter: {randint: [50, 60]}
  tol: [0.001, 0.0001]
n_iter: 25
seed: 3
",
        );

        let first = search.candidates().unwrap();
        let again = search.candidates().unwrap();

        assert_eq!(first, again);
        assert_eq!(first.len(), 25);
        for c in &first {
            let cost = c["C"].as_f64().unwrap();
            let iterations = c["max_iter"].as_i64().unwrap();
            assert!((0.01..100.0).contains(&cost) && (50..60).contains(&iterations), "{c:?}");
        }
    }

    #[test]
    fn randomized_lists_only_sample_the_grid_without_repeats() {
        let search: RandomizedSearch = from_yaml(
            "
estimator: {kind: logistic_regression, params: {}}
param_distributions: {C: [1, 2, 3]}
n_iter: 5
",
        );

        let mut values: Vec<i64> =
            search.candidates().unwrap().iter().map(|c| c["C"].as_i64().unwrap()).collect();
        values.sort_unstable();

        assert_eq!(values, [1, 2, 3]);
    }

    #[test]
    fn randomized_search_tunes_hist_gradient_boosting() {
        let (x, y) = blobs();
        let search: RandomizedSearch = from_yaml(
            "
estimator: {kind: hist_gradient_boosting, params: {min_samples_leaf: 5, max_depth: 2}}
param_distributions:
  learning_rate: {loguniform: [0.05, 0.5]}
  max_iter: {randint: [3, 12]}
n_iter: 4
cv: 3
seed: 11
",
        );

        let result = search.fit(&x, &y).unwrap();

        assert_eq!(result.candidates.len(), 4);
        assert!(result.candidates.iter().all(|c| c.split_scores.len() == 3));
        let ClassifierSpec::HistGradientBoosting(best) = &result.best_spec else {
            panic!("{:?}", result.best_spec)
        };
        assert_eq!(json!(best.learning_rate), result.best_params["learning_rate"]);
        assert_eq!(json!(best.max_iter), result.best_params["max_iter"]);
        assert!((0.05..0.5).contains(&best.learning_rate) && (3..12).contains(&best.max_iter));
        assert_eq!(best.max_depth, Some(2), "parameters not searched are kept");
        let FittedClassifier::HistGradientBoosting(model) = &result.best_estimator else {
            panic!("{:?}", result.best_estimator)
        };
        assert_eq!(model.n_iter(), best.max_iter);
        assert!(result.best_score > 0.5, "{result:?}");
        assert_eq!(result.cv_results().unwrap().height(), 4);
    }

    #[test]
    fn a_misspelt_distribution_is_named_in_the_error() {
        let value = json!({"C": {"unifrom": [0, 1]}});

        let error = serde_json::from_value::<BTreeMap<String, ParamSpace>>(value).unwrap_err();

        assert!(error.to_string().contains("unknown variant `unifrom`"), "{error}");
    }

    #[test]
    fn ranks_share_the_best_place_on_ties() {
        let mut table: Vec<CandidateScores> = [0.5, 0.9, 0.9, 0.1]
            .iter()
            .map(|m| candidate_scores(&Candidate::new(), &[*m]))
            .collect();

        assign_ranks(&mut table);

        assert_eq!(table.iter().map(|c| c.rank).collect::<Vec<_>>(), [3, 1, 1, 4]);
    }

    #[test]
    fn bad_spaces_and_unknown_params_are_errors() {
        let (x, y) = blobs();
        let backwards: RandomizedSearch = from_yaml(
            "
estimator: {kind: logistic_regression, params: {}}
param_distributions: {C: {uniform: [2, 1]}}
",
        );
        let unknown: GridSearch = from_yaml(
            "{estimator: {kind: logistic_regression, params: {}}, param_grid: {gamma: [1]}}",
        );

        assert!(backwards.candidates().is_err());
        let error = unknown.fit(&x, &y).unwrap_err();
        assert!(error.to_string().contains("gamma"), "{error}");
    }
}
