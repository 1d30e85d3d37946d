//! The standalone `weir` binary, which has no project code: it lists a `conf/` folder's catalog
//! and explains where pipelines run.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![allow(clippy::disallowed_methods, reason = "tests write their fixture files directly")]

use std::process::Command;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("conf/base")).unwrap();
    std::fs::create_dir_all(dir.path().join("conf/local")).unwrap();
    std::fs::write(
        dir.path().join("conf/base/catalog.yml"),
        "companies:\n  type: pandas.CSVDataset\n  filepath: data/01_raw/companies.csv\n",
    )
    .unwrap();
    dir
}

fn weir(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output =
        Command::new(env!("CARGO_BIN_EXE_weir")).args(args).current_dir(dir).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn lists_the_declared_catalog_without_project_code() {
    let dir = project();
    let (code, stdout, stderr) = weir(dir.path(), &["catalog", "list"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("companies"), "{stdout}");
    assert!(stdout.contains("pandas.CSVDataset"), "{stdout}");
    assert!(stdout.contains("data/01_raw/companies.csv"), "{stdout}");
}

#[test]
fn run_explains_that_pipelines_live_in_the_project_binary() {
    let dir = project();
    let (code, _, stderr) = weir(dir.path(), &["run"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("this binary has no pipelines to run"), "{stderr}");
    assert!(stderr.contains("cargo run -- run"), "{stderr}");
}

#[test]
fn version_and_help() {
    let dir = project();
    let (code, stdout, _) = weir(dir.path(), &["--version"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), format!("weir {}", env!("CARGO_PKG_VERSION")));
    let (code, stdout, _) = weir(dir.path(), &["run", "--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--pipeline",
        "--env",
        "--params",
        "--nodes",
        "--tags",
        "--from-nodes",
        "--to-nodes",
        "--load-versions",
        "--conf-source",
    ] {
        assert!(stdout.contains(flag), "`run --help` lacks {flag}");
    }
}
