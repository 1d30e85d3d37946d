//! Data contracts end to end: the `schema:` of `iris_raw` in `conf/base/catalog.yml` is checked
//! on load by `run` and on its own by `catalog validate`, and a contract on an output refuses
//! the save. The expected counts and row numbers follow from the rows each test breaks.

mod support;

use support::Project;

/// The shipped `iris.csv` with data rows 7 and 19 (0-based, after the header) given sepal
/// lengths above the contract's `max: 10`, and row 30 a species outside `allowed`.
fn broken_iris(project: &Project) -> String {
    let text =
        std::fs::read_to_string(project.path("data/01_raw/iris.csv")).expect("iris.csv is shipped");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let set = |line: &mut String, field: usize, value: &str| {
        let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
        value.clone_into(&mut cells[field]);
        *line = cells.join(",");
    };
    set(&mut lines[1 + 7], 1, "12.5");
    set(&mut lines[1 + 19], 1, "99.0");
    set(&mut lines[1 + 30], 5, "Iris-unknown");
    lines.join("\n") + "\n"
}

#[test]
fn the_shipped_data_meets_its_contract() {
    let project = Project::copy();
    let outcome = project.run(&["catalog", "validate"]);
    outcome.expect_code(0);
    assert_eq!(outcome.stdout, "iris_raw  ok  data/01_raw/iris.csv  150 rows\n");
}

#[test]
fn a_file_breaking_the_contract_fails_the_run_and_validate() {
    let project = Project::copy();
    project.write("data/01_raw/iris.csv", &broken_iris(&project));

    let outcome = project.run(&["run"]);
    outcome.expect_code(1);
    let stderr = &outcome.stderr;
    assert!(stderr.contains("cannot load dataset `iris_raw`"), "{stderr}");
    assert!(stderr.contains("breaks its schema (conf/base/catalog.yml:"), "{stderr}");
    assert!(
        stderr.contains(
            "column `SepalLengthCm`: 2 rows are above max 10 (e.g. row 7: 12.5, row 19: 99.0)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "column `Species`: 1 row is not among the allowed values [\"Iris-setosa\", \
             \"Iris-versicolor\", \"Iris-virginica\"] (e.g. row 30: \"Iris-unknown\")"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("weir catalog validate iris_raw"), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("Deprecation"), "{stderr}");
    assert!(project.written_files().is_empty(), "{:?}", project.written_files());

    let outcome = project.run(&["catalog", "validate"]);
    outcome.expect_code(1);
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    assert_eq!(lines[0], "iris_raw  violations  data/01_raw/iris.csv  2 violations");
    assert!(
        lines[1].starts_with("    column `SepalLengthCm`: 2 rows are above max 10"),
        "{lines:?}"
    );
    assert!(lines[2].starts_with("    column `Species`: 1 row is not among"), "{lines:?}");
    assert_eq!(lines.len(), 3, "{lines:?}");
}

#[test]
fn validate_reports_missing_data_and_refuses_unknown_names() {
    let project = Project::copy();
    let missing = ["catalog", "validate", "iris_raw", "--params", "iris_raw_path=data/nowhere.csv"];
    let outcome = project.run(&missing);
    outcome.expect_code(1);
    assert_eq!(outcome.stdout, "iris_raw  missing  data/nowhere.csv  no data\n");

    let outcome = project.run(&["catalog", "validate", "iris_rwa"]);
    outcome.expect_code(2);
    assert!(
        outcome.stderr.contains("dataset `iris_rwa` is not in the catalog"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("did you mean `iris_raw`?"), "{}", outcome.stderr);

    let outcome = project.run(&["catalog", "validate", "master_table"]);
    outcome.expect_code(2);
    assert!(outcome.stderr.contains("`master_table` has no `schema:`"), "{}", outcome.stderr);

    let outcome = project.run(&["catalog", "validate", "--pipeline", "model_predict"]);
    outcome.expect_code(0);
    assert_eq!(outcome.stdout, "no dataset of pipeline `model_predict` has a `schema:`\n");
}

#[test]
fn an_output_breaking_its_contract_is_not_written() {
    let project = Project::copy();
    project.write(
        "conf/local/catalog.yml",
        "master_table:\n  type: pandas.CSVDataset\n  filepath: data/03_primary/master_table.csv\n  \
         versioned: true\n  schema:\n    columns:\n      row_id: {dtype: int64}\n",
    );
    let outcome = project.run(&["run"]);
    outcome.expect_code(1);
    let stderr = &outcome.stderr;
    assert!(stderr.contains("cannot save dataset `master_table`"), "{stderr}");
    assert!(stderr.contains("conf/local/catalog.yml:1"), "{stderr}");
    assert!(stderr.contains("column `row_id` is missing"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(project.versions("data/03_primary/master_table.csv").is_empty());
}
