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
    project.write(DICTIONARY, &format!("{dictionary}Cholesterol,Float,Measured cholesterol\n"));

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
