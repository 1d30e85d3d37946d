//! User mistakes in the diabetes project: each ends in one message naming what is wrong and
//! how to fix it, and leaves no partial output behind.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod support;

use support::Project;

const DICTIONARY: &str = "data/01_raw/data_dictionary.csv";

#[test]
fn an_unknown_dictionary_type_names_the_column() {
    let project = Project::copy();
    let dictionary = std::fs::read_to_string(project.path(DICTIONARY)).unwrap();
    project.write(DICTIONARY, &dictionary.replace("BMI,Float,", "BMI,Decimal,"));

    let outcome = project.run_small(&["run"], "");
    outcome.expect_code(1);
    assert!(outcome.stderr.contains("column `BMI` has type `Decimal`"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("hint:"), "{}", outcome.stderr);
    assert!(!project.path("data/02_intermediate/column_groups.json").exists());
}

#[test]
fn a_dictionary_column_missing_from_the_table_is_named() {
    let project = Project::copy();
    let dictionary = std::fs::read_to_string(project.path(DICTIONARY)).unwrap();
    project.write(DICTIONARY, &format!("{dictionary}Cholesterol,Float,,,Measured cholesterol\n"));

    let outcome = project.run_small(&["run"], "");
    outcome.expect_code(1);
    assert!(outcome.stderr.contains("no column `Cholesterol`"), "{}", outcome.stderr);
    assert!(!project.path("data/05_model_input/model_input_table.csv").exists());
}

#[test]
fn a_target_missing_from_the_dictionary_is_named() {
    let project = Project::copy();
    let outcome = project.run_small(&["run"], "target.column=Outcome");
    outcome.expect_code(1);
    assert!(outcome.stderr.contains("target column `Outcome`"), "{}", outcome.stderr);
}

#[test]
fn zero_generated_rows_is_refused_with_a_hint() {
    let project = Project::copy();
    let outcome = project.run(&[
        "run",
        "--pipeline",
        "data_generation",
        "--params",
        "data_generation.rows=0",
    ]);
    outcome.expect_code(1);
    assert!(outcome.stderr.contains("`data_generation.rows` is 0"), "{}", outcome.stderr);
    assert!(!project.path("data/01_raw/diabetes_train.csv").exists());
}

/// The raw labelled table's path in the project.
const RAW: &str = "data/01_raw/diabetes_train.csv";

/// The columns of the raw table: the target and the 21 features, in the survey's order.
const COLUMNS: [&str; 22] = [
    "Diabetes",
    "HighBP",
    "HighChol",
    "CholCheck",
    "BMI",
    "Smoker",
    "Stroke",
    "HeartDiseaseorAttack",
    "PhysActivity",
    "Fruits",
    "Veggies",
    "HvyAlcoholConsump",
    "AnyHealthcare",
    "NoDocbcCost",
    "GenHlth",
    "MentHlth",
    "PhysHlth",
    "DiffWalk",
    "Sex",
    "Age",
    "Education",
    "Income",
];

/// A valid raw table of `rows` rows (every value inside the survey's ranges), with `change`
/// applied to each row's values (column name, row index, value) before writing.
fn raw_table(rows: usize, change: &dyn Fn(&str, usize, String) -> String) -> String {
    let mut text = COLUMNS.join(",");
    text.push('\n');
    for row in 0..rows {
        let values: Vec<String> = COLUMNS
            .iter()
            .map(|&name| {
                let value = match name {
                    "Diabetes" => row % 3,
                    "BMI" => 20 + row % 15,
                    "GenHlth" => 1 + row % 5,
                    "MentHlth" | "PhysHlth" => row % 31,
                    "Age" => 1 + row % 13,
                    "Education" => 1 + row % 6,
                    "Income" => 1 + row % 8,
                    _ => row % 2,
                };
                change(name, row, value.to_string())
            })
            .collect();
        text.push_str(&values.join(","));
        text.push('\n');
    }
    text
}

/// Runs the `data_engineering` pipeline alone on `raw` (no course data needed).
fn engineer(project: &Project, raw: &str) -> support::Outcome {
    project.write(RAW, raw);
    project.run(&["run", "--pipeline", "data_engineering"])
}

/// Asserts a failed `data_engineering` run that wrote nothing, with `parts` in its message.
fn expect_refused(project: &Project, outcome: &support::Outcome, parts: &[&str]) {
    outcome.expect_code(1);
    for part in parts {
        assert!(outcome.stderr.contains(part), "no {part:?} in\n{}", outcome.stderr);
    }
    assert!(outcome.stderr.contains("hint:"), "{}", outcome.stderr);
    assert!(!project.path("data/02_intermediate/column_groups.json").exists());
    assert!(!project.path("data/05_model_input/model_input_table.csv").exists());
}

#[test]
fn a_valid_small_raw_table_is_accepted_without_warnings() {
    let project = Project::copy();
    let outcome = engineer(&project, &raw_table(40, &|_, _, value| value));
    outcome.expect_code(0);
    assert!(!outcome.stderr.contains("does not list"), "{}", outcome.stderr);
    assert_eq!(project.csv("data/05_model_input/model_input_table.csv").height(), 40);
}

#[test]
fn text_in_a_float_column_is_named_with_examples_and_count() {
    let project = Project::copy();
    let raw = raw_table(40, &|name, row, value| match (name, row) {
        ("BMI", 3) => "fat".to_owned(),
        ("BMI", 7 | 9) => "heavy".to_owned(),
        ("BMI", 11 | 12) => "n/a".to_owned(),
        _ => value,
    });
    let outcome = engineer(&project, &raw);
    expect_refused(
        &project,
        &outcome,
        &["`diabetes_raw`, column `BMI`: 5 value(s) are not numbers, e.g. `fat`, `heavy`, `heavy`"],
    );
    assert!(!outcome.stderr.contains("n/a"), "only three examples: {}", outcome.stderr);
}

#[test]
fn text_in_a_code_column_is_named() {
    let project = Project::copy();
    let raw = raw_table(40, &|name, row, value| {
        if name == "GenHlth" && row == 5 { "good".to_owned() } else { value }
    });
    let outcome = engineer(&project, &raw);
    expect_refused(
        &project,
        &outcome,
        &["column `GenHlth`: 1 value(s) are not numbers, e.g. `good`"],
    );
}

#[test]
fn a_code_outside_its_range_is_named() {
    let project = Project::copy();
    let raw = raw_table(40, &|name, row, value| match (name, row) {
        ("GenHlth", 2) => "7".to_owned(),
        ("GenHlth", 4) => "0".to_owned(),
        _ => value,
    });
    let outcome = engineer(&project, &raw);
    expect_refused(
        &project,
        &outcome,
        &["`diabetes_raw`, column `GenHlth`: 2 value(s) lie outside 1 to 5, e.g. 7, 0"],
    );
}

#[test]
fn a_boolean_other_than_0_or_1_is_named() {
    let project = Project::copy();
    let raw = raw_table(40, &|name, row, value| {
        if name == "HighBP" && row == 1 { "2".to_owned() } else { value }
    });
    let outcome = engineer(&project, &raw);
    expect_refused(
        &project,
        &outcome,
        &["column `HighBP`: 1 value(s) are neither 0 nor 1, e.g. 2"],
    );
}

#[test]
fn a_fraction_in_a_code_column_is_named() {
    let project = Project::copy();
    let raw = raw_table(40, &|name, row, value| {
        if name == "Age" && row == 0 { "2.5".to_owned() } else { value }
    });
    let outcome = engineer(&project, &raw);
    expect_refused(
        &project,
        &outcome,
        &["column `Age`: 1 value(s) are not whole numbers, e.g. 2.5"],
    );
}

#[test]
fn a_dictionary_type_that_contradicts_the_data_is_caught() {
    let project = Project::copy();
    let dictionary = std::fs::read_to_string(project.path(DICTIONARY)).unwrap();
    project.write(DICTIONARY, &dictionary.replace("BMI,Float,12,98,", "BMI,Boolean,,,"));
    let outcome = engineer(&project, &raw_table(40, &|_, _, value| value));
    expect_refused(&project, &outcome, &["column `BMI`", "are neither 0 nor 1", "Boolean"]);
}

#[test]
fn a_header_only_raw_table_is_named() {
    let project = Project::copy();
    let outcome = engineer(&project, &raw_table(0, &|_, _, value| value));
    expect_refused(&project, &outcome, &["`diabetes_raw` has no rows"]);
}

#[test]
fn raw_columns_outside_the_dictionary_are_dropped_with_a_warning() {
    let project = Project::copy();
    let raw = raw_table(40, &|_, _, value| value);
    let mut lines: Vec<String> = raw.lines().map(str::to_owned).collect();
    for (i, line) in lines.iter_mut().enumerate() {
        line.push_str(if i == 0 { ",Weight,Notes" } else { ",70,x" });
    }
    let outcome = engineer(&project, &format!("{}\n", lines.join("\n")));
    outcome.expect_code(0);
    assert!(outcome.stderr.contains("`Weight`, `Notes`"), "{}", outcome.stderr);
    let table = project.csv("data/05_model_input/model_input_table.csv");
    assert!(table.column("Weight").is_err());
}

#[test]
fn split_fractions_not_summing_to_one_name_the_parameters() {
    let project = Project::copy();
    project.write(RAW, &raw_table(40, &|_, _, value| value));
    let outcome =
        project.run(&["run", "--pipeline", "data_engineering", "--params", "split.train=0.9"]);
    expect_refused_split(&outcome);
    assert!(!project.path("data/05_model_input/model_input_table.csv").exists());
}

fn expect_refused_split(outcome: &support::Outcome) {
    outcome.expect_code(1);
    assert!(
        outcome.stderr.contains("`split.train` + `split.validate` + `split.test` is 1.2"),
        "{}",
        outcome.stderr
    );
}

/// One small training run, then bad inference inputs: each is refused, naming
/// `diabetes_predict_raw`, and writes no predictions.
#[test]
fn bad_inference_inputs_are_named() {
    let project = Project::copy();
    let predict = "data/01_raw/predict.csv";
    let features = raw_table(30, &|_, _, value| value);
    // The prediction table has no target column.
    let without_target: Vec<String> =
        features.lines().map(|line| line.split_once(',').unwrap().1.to_owned()).collect();
    project.write(predict, &format!("{}\n", without_target.join("\n")));
    let params = format!("data_generation.rows=3000,diabetes_predict_path={predict}");
    project.run(&["run", "--params", &params]).expect_code(0);
    let predictions = "data/07_model_output/diabetes_predictions.csv";
    assert_eq!(project.csv(predictions).height(), 30);

    let cases = [
        (format!("{}\n", without_target[0]), "`diabetes_predict_raw` has no rows".to_owned()),
        (
            format!("{}\n", without_target.join("\n").replacen("\n0,", "\nyes,", 1)),
            "`diabetes_predict_raw`, column `HighBP`: 1 value(s) are not numbers, e.g. `yes`"
                .to_owned(),
        ),
    ];
    for (text, message) in cases {
        let _ = std::fs::remove_file(project.path(predictions));
        project.write(predict, &text);
        let outcome = project.run(&["run", "--pipeline", "inference", "--params", &params]);
        outcome.expect_code(1);
        assert!(outcome.stderr.contains(&message), "no {message:?} in\n{}", outcome.stderr);
        assert!(outcome.stderr.contains("hint:"), "{}", outcome.stderr);
        assert!(!project.path(predictions).exists());
    }
}

#[test]
fn a_zero_chart_size_fails_before_anything_runs() {
    let project = Project::copy();
    let outcome =
        project.run(&["run", "--params", "data_generation.rows=500,feature_importances.top=0"]);
    outcome.expect_code(1);
    assert!(
        outcome
            .stderr
            .contains("node `check_importance_params` failed: `feature_importances.top` is 0"),
        "{}",
        outcome.stderr
    );
    assert!(!project.path(RAW).exists(), "nothing ran before the check");
}
