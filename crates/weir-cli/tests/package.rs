//! `weir package` and `run --conf-source`, through the real binaries: a project made by
//! `weir new --starter iris` in a temporary folder is packaged, and the packaged binary runs
//! the iris pipelines from another folder with the archive (and with a folder) as its
//! configuration.
//!
//! The package is built with `--profile dev` in this workspace's target folder (and its
//! Cargo.lock): a release build of Polars takes about 20 minutes on two cores, the dev build
//! is already there. `package` defaults to `--profile release`; the code path is the same.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![allow(clippy::disallowed_methods, reason = "tests write their fixture files directly")]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// This workspace's target folder (the parent of the integration tests' scratch folder).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().to_path_buf()
}

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn weir(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weir"));
    command
        .current_dir(dir)
        .env_remove("WEIR_PATH")
        .env_remove("WEIR_PROJECT_DIR")
        .env_remove("WEIR_ENV")
        .env_remove("CARGO_TARGET_DIR");
    command
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=weir test", "-c", "user.email=test@example.invalid"])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A `weir new --starter iris` project with credentials and local files that must not be
/// packaged, committed to a fresh git repository.
fn iris_project(parent: &Path) -> PathBuf {
    let (code, _, stderr) =
        run(weir(parent).args(["new", "packiris", "--starter", "iris", "--path"]).arg(parent));
    assert_eq!(code, 0, "{stderr}");
    let root = parent.join("packiris");
    // The workspace's lock file: the same dependency versions, so nothing of them is rebuilt.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock"),
        root.join("Cargo.lock"),
    )
    .unwrap();
    std::fs::write(root.join("conf/base/credentials.yml"), "db:\n  password: base-secret\n")
        .unwrap();
    std::fs::create_dir_all(root.join("conf/prod/credentials")).unwrap();
    std::fs::write(root.join("conf/prod/credentials/db.yml"), "password: prod-secret\n").unwrap();
    std::fs::write(root.join("conf/prod/parameters.yml"), "{}\n").unwrap();
    std::fs::write(root.join("conf/local/parameters.yml"), "local_only: true\n").unwrap();
    git(&root, &["init", "--quiet"]);
    git(&root, &["add", "--all", "--force"]);
    git(&root, &["commit", "--quiet", "-m", "iris"]);
    root
}

/// `(path, contents)` of every file in a .tar.gz.
fn archive_files(path: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type().is_file() {
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            files.push((name, text));
        }
    }
    files
}

/// The project's input files (`data/01_raw/*`) copied into `to/data/01_raw`.
fn copy_inputs(root: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("data/01_raw")).unwrap();
    for entry in std::fs::read_dir(root.join("data/01_raw")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join("data/01_raw").join(entry.file_name())).unwrap();
    }
}

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).unwrap().next().is_none()
}

#[test]
fn package_then_run_anywhere_from_the_archive_or_a_folder() {
    let work = tempfile::tempdir().unwrap();
    let root = iris_project(work.path());
    let commit = git(&root, &["rev-parse", "HEAD"]);
    let dist = work.path().join("dist");

    let (code, stdout, stderr) = run(weir(&root)
        .args(["package", "--profile", "dev", "--out"])
        .arg(&dist)
        .arg("--target-dir")
        .arg(target_dir()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("packaged packiris 0.1.0, commit {commit}\n")), "{stdout}");

    // The binary knows its version and commit.
    let binary = dist.join("packiris-0.1.0");
    let (code, version, _) = run(Command::new(&binary).arg("--version"));
    assert_eq!(code, 0);
    assert!(version.contains(&format!("(packiris 0.1.0, commit {commit})")), "{version}");
    assert!(!version.contains("dirty"), "{version}");

    // The archive: conf/base and conf/prod, never conf/local nor credentials.
    let archive = dist.join("conf-packiris-0.1.0.tar.gz");
    let files = archive_files(&archive);
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names.contains(&"conf/base/catalog.yml"), "{names:?}");
    assert!(names.contains(&"conf/prod/parameters.yml"), "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("conf/base/") || n.starts_with("conf/prod/")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("credentials") || n.contains("local")), "{names:?}");
    assert!(!files.iter().any(|(_, text)| text.contains("secret")), "{names:?}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&binary), 0o755);
        assert_eq!(mode(&archive), 0o644);
        assert_eq!(mode(&dist.join("MANIFEST.json")), 0o644);
    }

    // The manifest.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dist.join("MANIFEST.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["name"], "packiris");
    assert_eq!(manifest["version"], "0.1.0");
    assert_eq!(manifest["binary"], "packiris-0.1.0");
    assert_eq!(manifest["conf_archive"], "conf-packiris-0.1.0.tar.gz");
    assert_eq!(manifest["git_commit"], commit.as_str());
    assert_eq!(manifest["git_dirty"], false);
    assert_eq!(manifest["profile"], "dev");
    assert!(manifest["built_at"].as_str().unwrap().ends_with('Z'), "{manifest}");
    let left_out: Vec<&str> =
        manifest["left_out"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(left_out, ["conf/base/credentials.yml", "conf/local", "conf/prod/credentials"]);

    // Anywhere else: only the binary, the archive and the input data. The unpacked
    // configuration goes to TMPDIR and is gone afterwards.
    let elsewhere = work.path().join("elsewhere");
    let tmp = work.path().join("tmp");
    copy_inputs(&root, &elsewhere);
    std::fs::create_dir_all(&tmp).unwrap();
    let (code, _, stderr) = run(Command::new(&binary)
        .current_dir(&elsewhere)
        .env("TMPDIR", &tmp)
        .args(["run", "--conf-source"])
        .arg(&archive));
    assert_eq!(code, 0, "{stderr}");
    assert!(elsewhere.join("data/07_model_output/iris_predictions.csv").is_file(), "{stderr}");
    assert!(elsewhere.join("data/08_reporting/classification_report.json").is_file());
    assert!(is_empty_dir(&tmp), "the unpacked configuration was not removed");

    // The catalog and export commands read the archive the same way, from the same folder.
    let (code, stdout, stderr) = run(Command::new(&binary)
        .current_dir(&elsewhere)
        .env("TMPDIR", &tmp)
        .args(["catalog", "validate", "--conf-source"])
        .arg(&archive));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "iris_raw  ok  data/01_raw/iris.csv  150 rows\n");
    // The export reads the archive's catalog, where `iris_split` is not declared: it would
    // cross tasks in memory, which the exporter refuses, naming it.
    let (code, _, stderr) = run(Command::new(&binary)
        .current_dir(&elsewhere)
        .env("TMPDIR", &tmp)
        .args(["export", "argo", "--image", "packiris:0.1.0", "--conf-source"])
        .arg(&archive));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("dataset `iris_split` lives in memory"), "{stderr}");
    let (code, _, stderr) =
        run(Command::new(&binary).current_dir(&elsewhere).args(["export", "argo"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no weir project found"), "{stderr}");
    assert!(is_empty_dir(&tmp), "the unpacked configuration was not removed");

    // A folder works too (the project's own conf/, from a third folder).
    let third = work.path().join("third");
    copy_inputs(&root, &third);
    let (code, _, stderr) = run(Command::new(&binary)
        .current_dir(&third)
        .args(["run", "--conf-source"])
        .arg(root.join("conf")));
    assert_eq!(code, 0, "{stderr}");
    assert!(third.join("data/07_model_output/iris_predictions.csv").is_file(), "{stderr}");

    // A change to a tracked file marks the next package dirty.
    let globals = std::fs::read_to_string(root.join("conf/base/globals.yml")).unwrap();
    std::fs::write(root.join("conf/base/globals.yml"), globals + "# changed\n").unwrap();
    let (code, stdout, stderr) = run(weir(&root)
        .args(["package", "--profile", "dev", "--out"])
        .arg(&dist)
        .arg("--target-dir")
        .arg(target_dir()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("commit {commit}, dirty")), "{stdout}");
    let (_, version, _) = run(Command::new(&binary).arg("--version"));
    assert!(version.contains(&format!("commit {commit}, dirty)")), "{version}");
}

/// A tar.gz holding `conf/base/catalog.yml` and one more entry named `name`, written byte by
/// byte as a hostile tool would (the tar crate refuses to write `..` itself).
fn hostile_archive(path: &Path, name: &str) {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::default(),
    ));
    for (entry, body) in [("conf/base/catalog.yml", "{}\n"), (name, "owned: true\n")] {
        let mut header = tar::Header::new_gnu();
        header.as_old_mut().name[..entry.len()].copy_from_slice(entry.as_bytes());
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append(&header, body.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap();
}

#[test]
fn archives_with_entries_outside_their_folder_are_refused() {
    let work = tempfile::tempdir().unwrap();
    // The standalone binary with a conf/base-only project runs with no pipelines; the archive
    // is checked before that matters.
    let project = work.path().join("project");
    std::fs::create_dir_all(project.join("conf/base")).unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    for (index, name) in
        ["../escaped.yml", "conf/../../escaped.yml", "/tmp/weir-escaped.yml"].iter().enumerate()
    {
        let archive = work.path().join(format!("evil{index}.tar.gz"));
        hostile_archive(&archive, name);
        let (code, _, stderr) = run(weir(&project)
            .env("TMPDIR", &tmp)
            .args(["catalog", "list", "--conf-source"])
            .arg(&archive));
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("has an entry outside its folder"), "{stderr}");
        assert!(stderr.contains(name.trim_start_matches('/')), "{stderr}");
        assert!(stderr.contains("hint: "), "{stderr}");
        assert!(is_empty_dir(&tmp), "the partly unpacked folder was not removed");
    }
    assert!(!work.path().join("escaped.yml").exists());
    assert!(!tmp.parent().unwrap().join("escaped.yml").exists());
}

#[test]
fn a_file_that_is_not_an_archive_is_named() {
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join("conf/base")).unwrap();
    let file = work.path().join("catalog.yml");
    std::fs::write(&file, "x: 1\n".repeat(200)).unwrap();
    let (code, _, stderr) =
        run(weir(work.path()).args(["catalog", "list", "--conf-source"]).arg(&file));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not a readable .tar.gz or .tar archive"), "{stderr}");
}

#[test]
fn package_outside_a_cargo_project_says_what_is_missing() {
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join("conf/base")).unwrap();
    let (code, _, stderr) = run(weir(work.path()).arg("package"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no `Cargo.toml` in `.`"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
}
