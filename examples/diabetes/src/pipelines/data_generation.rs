//! A synthetic labelled survey table, for when the real one (about 250,000 rows of the CDC's
//! BRFSS 2015 survey) is not at hand: the same 22 columns, the same codes and ranges, about the
//! same marginal distributions, and a label that depends on the features.
//!
//! # How a row is drawn
//! A hidden "frailty" score `h ~ N(0, 1)` and the age band drive the health columns, so they
//! correlate with each other as in the survey: blood pressure, cholesterol, stroke, heart
//! disease, difficulty walking, general health, days of poor physical health and (inversely)
//! physical activity. BMI is log-normal around 27 (rounded to whole numbers, clipped to
//! 12..98). The other columns are drawn from the marginal shares of the course's unlabelled
//! file (`diabetes_predict.csv`), rounded to three decimals.
//!
//! The label is a Bernoulli draw with a logistic probability in BMI, age, high blood
//! pressure, high cholesterol, general health, difficulty walking, heart disease, income and
//! sex. Its intercept is solved by bisection so that the mean probability equals
//! `positive_rate`, so the share of positives stays near it whatever the row count.
//!
//! Everything comes from one `ChaCha20` stream seeded with `seed`: the same parameters give the
//! same file on every platform.
//!
//! # Limitations
//! The effects are chosen by hand to look plausible, not fitted to the survey; a model's scores
//! on this table say nothing about the real data.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use weir::prelude::*;

/// The `data_generation` parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerationParams {
    /// Rows to write.
    pub rows: usize,
    /// Target share of label 1.
    pub positive_rate: f64,
    /// Seed of every draw.
    pub seed: u64,
}

/// Age bands 1..=13.
const AGE: [f64; 13] =
    [0.022, 0.030, 0.042, 0.054, 0.064, 0.079, 0.104, 0.123, 0.131, 0.128, 0.090, 0.063, 0.070];
/// Education levels 1..=6.
const EDUCATION: [f64; 6] = [0.001, 0.016, 0.037, 0.242, 0.281, 0.424];
/// Income bands 1..=8.
const INCOME: [f64; 8] = [0.038, 0.046, 0.062, 0.080, 0.103, 0.143, 0.172, 0.355];
/// Days 0..=30 of poor mental health.
const MENTAL_DAYS: [f64; 31] = [
    0.694, 0.033, 0.053, 0.028, 0.015, 0.035, 0.003, 0.011, 0.002, 0.0004, 0.026, 0.0002, 0.001,
    0.0002, 0.005, 0.022, 0.0003, 0.0002, 0.001, 0.0001, 0.013, 0.001, 0.0001, 0.0001, 0.0001,
    0.005, 0.0003, 0.0002, 0.001, 0.001, 0.048,
];
/// Days 1..=30 of poor physical health, given at least one.
const PHYSICAL_DAYS: [f64; 30] = [
    0.044, 0.057, 0.032, 0.018, 0.031, 0.005, 0.018, 0.004, 0.001, 0.022, 0.0002, 0.002, 0.0003,
    0.011, 0.020, 0.001, 0.0003, 0.001, 0.0001, 0.013, 0.003, 0.0003, 0.0002, 0.0002, 0.005,
    0.0003, 0.0003, 0.002, 0.001, 0.077,
];
/// Upper cut points of general health 1..=4 on a standard normal score (the shares 0.178,
/// 0.350, 0.299, 0.125, 0.048 of the survey).
const GENERAL_HEALTH_CUTS: [f64; 4] = [-0.923, 0.070, 0.942, 1.665];

/// The columns of one generated table, in the data dictionary's order.
#[derive(Default)]
struct Table {
    diabetes: Vec<i64>,
    high_bp: Vec<i64>,
    high_chol: Vec<i64>,
    chol_check: Vec<i64>,
    bmi: Vec<f64>,
    smoker: Vec<i64>,
    stroke: Vec<i64>,
    heart_disease: Vec<i64>,
    phys_activity: Vec<i64>,
    fruits: Vec<i64>,
    veggies: Vec<i64>,
    heavy_alcohol: Vec<i64>,
    any_healthcare: Vec<i64>,
    no_doctor_cost: Vec<i64>,
    general_health: Vec<i64>,
    mental_days: Vec<i64>,
    physical_days: Vec<i64>,
    diff_walk: Vec<i64>,
    sex: Vec<i64>,
    age: Vec<i64>,
    education: Vec<i64>,
    income: Vec<i64>,
}

/// Writes `rows` labelled rows; see the module docs.
pub fn generate_training_table(params: Params<GenerationParams>) -> NodeResult<DataFrame> {
    if params.rows == 0 {
        return Err(NodeError::with_hint(
            NodeError::msg("`data_generation.rows` is 0"),
            "set it to the number of rows to generate, e.g. --params data_generation.rows=3000",
        ));
    }
    if !(params.positive_rate > 0.0 && params.positive_rate < 1.0) {
        return Err(NodeError::msg(format!(
            "`data_generation.positive_rate` must be between 0 and 1, got {}",
            params.positive_rate
        )));
    }

    let mut rng = ChaCha20Rng::seed_from_u64(params.seed);
    let mut table = Table::default();
    let mut scores = Vec::with_capacity(params.rows);
    for _ in 0..params.rows {
        scores.push(draw_row(&mut rng, &mut table));
    }

    let intercept = solve_intercept(&scores, params.positive_rate);
    table.diabetes =
        scores.iter().map(|s| i64::from(rng.random::<f64>() < sigmoid(s + intercept))).collect();
    Ok(table.into_frame()?)
}

/// Draws the features of one row into `table` and returns the label's logit without intercept.
fn draw_row(rng: &mut ChaCha20Rng, table: &mut Table) -> f64 {
    let age = pick(rng, &AGE) + 1;
    let years = (age - 8) as f64;
    let frailty = normal(rng);
    let sex = i64::from(rng.random::<f64>() < 0.442);
    let education = pick(rng, &EDUCATION) + 1;
    let income = pick(rng, &INCOME) + 1;

    let bmi = (27.3f64.ln() + 0.19 * normal(rng) + 0.04 * frailty).exp().round().clamp(12.0, 98.0);
    let heavy = bmi - 28.0;
    let high_bp = bernoulli(rng, -0.45 + 0.28 * years + 0.08 * heavy + 0.3 * frailty);
    let high_chol = bernoulli(rng, -0.4 + 0.2 * years + 0.03 * heavy + 0.2 * frailty);
    let stroke = bernoulli(rng, -3.6 + 0.2 * years + 0.4 * frailty);
    let heart_disease = bernoulli(rng, -2.8 + 0.28 * years + 0.45 * frailty);
    let diff_walk = bernoulli(rng, -2.2 + 0.15 * years + 0.05 * heavy + 0.9 * frailty);
    let phys_activity = bernoulli(rng, 1.25 - 0.4 * frailty - 0.04 * heavy);
    let chol_check = bernoulli(rng, 3.0 + 0.8 * high_bp as f64);
    let no_doctor_cost = bernoulli(rng, -1.9 - 0.2 * (income - 6) as f64);

    let health_score = 0.75 * frailty + 0.55 * normal(rng) + 0.03 * heavy + 0.03 * years;
    let general_health = 1 + GENERAL_HEALTH_CUTS.iter().filter(|&&cut| health_score > cut).count();
    let general_health = i64::try_from(general_health).expect("at most 5");
    let mental_days = pick(rng, &MENTAL_DAYS);
    let physical_days = if rng.random::<f64>() < sigmoid(-0.75 + 0.9 * frailty) {
        pick(rng, &PHYSICAL_DAYS) + 1
    } else {
        0
    };

    table.age.push(age);
    table.sex.push(sex);
    table.education.push(education);
    table.income.push(income);
    table.bmi.push(bmi);
    table.high_bp.push(high_bp);
    table.high_chol.push(high_chol);
    table.stroke.push(stroke);
    table.heart_disease.push(heart_disease);
    table.diff_walk.push(diff_walk);
    table.phys_activity.push(phys_activity);
    table.chol_check.push(chol_check);
    table.no_doctor_cost.push(no_doctor_cost);
    table.general_health.push(general_health);
    table.mental_days.push(mental_days);
    table.physical_days.push(physical_days);
    table.smoker.push(i64::from(rng.random::<f64>() < 0.443));
    table.fruits.push(i64::from(rng.random::<f64>() < 0.631));
    table.veggies.push(i64::from(rng.random::<f64>() < 0.808));
    table.heavy_alcohol.push(i64::from(rng.random::<f64>() < 0.053));
    table.any_healthcare.push(i64::from(rng.random::<f64>() < 0.952));

    0.07 * heavy
        + 0.17 * years
        + 0.7 * high_bp as f64
        + 0.5 * high_chol as f64
        + 0.5 * (general_health as f64 - 2.5)
        + 0.3 * diff_walk as f64
        + 0.3 * heart_disease as f64
        + 0.3 * sex as f64
        - 0.07 * (income - 6) as f64
}

impl Table {
    fn into_frame(self) -> weir::polars::prelude::PolarsResult<DataFrame> {
        let height = self.bmi.len();
        let ints = |name: &str, values: Vec<i64>| Column::new(name.into(), values);
        DataFrame::new(
            height,
            vec![
                ints("Diabetes", self.diabetes),
                ints("HighBP", self.high_bp),
                ints("HighChol", self.high_chol),
                ints("CholCheck", self.chol_check),
                Column::new("BMI".into(), self.bmi),
                ints("Smoker", self.smoker),
                ints("Stroke", self.stroke),
                ints("HeartDiseaseorAttack", self.heart_disease),
                ints("PhysActivity", self.phys_activity),
                ints("Fruits", self.fruits),
                ints("Veggies", self.veggies),
                ints("HvyAlcoholConsump", self.heavy_alcohol),
                ints("AnyHealthcare", self.any_healthcare),
                ints("NoDocbcCost", self.no_doctor_cost),
                ints("GenHlth", self.general_health),
                ints("MentHlth", self.mental_days),
                ints("PhysHlth", self.physical_days),
                ints("DiffWalk", self.diff_walk),
                ints("Sex", self.sex),
                ints("Age", self.age),
                ints("Education", self.education),
                ints("Income", self.income),
            ],
        )
    }
}

/// The intercept `b` with `mean(sigmoid(score + b)) == rate`, by bisection (the mean grows
/// with `b`).
fn solve_intercept(scores: &[f64], rate: f64) -> f64 {
    let mean_rate =
        |b: f64| scores.iter().map(|s| sigmoid(s + b)).sum::<f64>() / scores.len() as f64;
    let (mut low, mut high) = (-30.0, 30.0);
    for _ in 0..60 {
        let middle = f64::midpoint(low, high);
        if mean_rate(middle) < rate {
            low = middle;
        } else {
            high = middle;
        }
    }
    f64::midpoint(low, high)
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// 1 with probability `sigmoid(logit)`.
fn bernoulli(rng: &mut ChaCha20Rng, logit: f64) -> i64 {
    i64::from(rng.random::<f64>() < sigmoid(logit))
}

/// A standard normal draw (Box–Muller, one of the pair).
fn normal(rng: &mut ChaCha20Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// An index drawn with probabilities proportional to `weights`.
fn pick(rng: &mut ChaCha20Rng, weights: &[f64]) -> i64 {
    let total: f64 = weights.iter().sum();
    let mut target = rng.random::<f64>() * total;
    for (i, weight) in weights.iter().enumerate() {
        if target < *weight {
            return i64::try_from(i).expect("a short table");
        }
        target -= weight;
    }
    i64::try_from(weights.len() - 1).expect("a short table")
}

/// The data generation pipeline.
pub fn pipeline() -> Pipeline {
    Pipeline::new([node(generate_training_table, "params:data_generation", "diabetes_raw")])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    fn generate(rows: usize, seed: u64) -> DataFrame {
        let params = GenerationParams { rows, positive_rate: 0.14, seed };
        generate_training_table(Params(params)).unwrap()
    }

    #[test]
    fn same_seed_same_table_and_rate_near_the_target() {
        let first = generate(20_000, 7);
        assert!(first.equals(&generate(20_000, 7)));
        assert!(!first.equals(&generate(20_000, 8)));
        let positives: i64 =
            first.column("Diabetes").unwrap().i64().unwrap().into_no_null_iter().sum();
        let rate = positives as f64 / 20_000.0;
        assert!((rate - 0.14).abs() < 0.01, "{rate}");
    }

    #[test]
    fn the_label_depends_on_the_risk_factors() {
        let table = generate(20_000, 3);
        let values = |name: &str| -> Vec<f64> {
            let column = table.column(name).unwrap();
            let column = column.cast(&weir::polars::prelude::DataType::Float64).unwrap();
            column.f64().unwrap().into_no_null_iter().collect()
        };
        let label = values("Diabetes");
        // Positive share among rows where `keep(feature value)` holds.
        let share = |name: &str, keep: &dyn Fn(f64) -> bool| {
            let rows: Vec<f64> = values(name)
                .iter()
                .zip(&label)
                .filter(|(v, _)| keep(**v))
                .map(|(_, l)| *l)
                .collect();
            rows.iter().sum::<f64>() / rows.len() as f64
        };
        assert!(share("HighBP", &|v| v > 0.5) > 2.0 * share("HighBP", &|v| v < 0.5));
        assert!(share("BMI", &|v| v >= 35.0) > 2.0 * share("BMI", &|v| v < 25.0));
        assert!(share("GenHlth", &|v| v >= 4.0) > 2.0 * share("GenHlth", &|v| v <= 2.0));
        assert!(share("Age", &|v| v >= 10.0) > 2.0 * share("Age", &|v| v <= 5.0));
    }

    #[test]
    fn codes_stay_in_the_survey_ranges() {
        let table = generate(5_000, 1);
        let range = |name: &str| {
            let column =
                table.column(name).unwrap().cast(&weir::polars::prelude::DataType::Float64);
            let column = column.unwrap();
            let values: Vec<f64> = column.f64().unwrap().into_no_null_iter().collect();
            let low = values.iter().copied().fold(f64::INFINITY, f64::min);
            (low, values.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        };
        assert_eq!(range("GenHlth"), (1.0, 5.0));
        assert_eq!(range("Age"), (1.0, 13.0));
        assert_eq!(range("Income"), (1.0, 8.0));
        let (low, high) = range("BMI");
        assert!(low >= 12.0 && high <= 98.0, "{low} {high}");
        let (low, high) = range("PhysHlth");
        assert!(low >= 0.0 && high <= 30.0, "{low} {high}");
    }
}
