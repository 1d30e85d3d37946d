//! `weir new`, `weir pipeline create/delete`, `weir info`, `weir completions` and the
//! forwarding rule, through the real standalone binary in temporary folders. Building and
//! running generated projects is `scripts/starter-test.sh`'s job (it takes minutes).

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![allow(clippy::disallowed_methods, reason = "tests write their fixture files directly")]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn weir(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .current_dir(dir)
        .env_remove("WEIR_PATH")
        .env_remove("WEIR_PROJECT_DIR")
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every file under `root`, relative, with its contents.
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative =
                    path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn new_empty(dir: &Path, name: &str) -> std::path::PathBuf {
    let (code, stdout, stderr) = weir(dir, &["new", name]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("created project `{name}`")), "{stdout}");
    dir.join(name)
}

#[test]
fn invalid_project_names_are_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    for (name, message) in [
        ("2fast", "invalid project name `2fast`: it must start with a letter"),
        ("my.project", "invalid project name `my.project`: `.` is not allowed in a crate name"),
        ("fn", "invalid project name `fn`: it is a Rust keyword or a reserved crate name"),
        ("weir", "invalid project name `weir`: it is a Rust keyword or a reserved crate name"),
        ("Foo", "invalid project name `Foo`: it has uppercase letters"),
        ("serde", "invalid project name `serde`: it is the name of the `serde` crate"),
        ("weir-core", "invalid project name `weir-core`: it is the name of the `weir-core` crate"),
        ("weir_ml", "invalid project name `weir_ml`: it is the name of the `weir-ml` crate"),
        ("polars", "invalid project name `polars`: it is the name of the `polars` crate"),
        ("serde_json", "invalid project name `serde_json`: it is the name of the `serde_json`"),
    ] {
        let (code, _, stderr) = weir(dir.path(), &["new", name]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains(&format!("error: {message}")), "{stderr}");
        assert!(stderr.contains("hint: "), "{stderr}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing was written");
}

#[test]
fn an_existing_folder_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    std::fs::write(dir.path().join("taken/keep.txt"), "mine").unwrap();
    let (code, _, stderr) = weir(dir.path(), &["new", "taken"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(stderr.contains("--path"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.path().join("taken/keep.txt")).unwrap(), "mine");
}

#[test]
fn the_empty_starter_writes_the_whole_layout() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_empty(dir.path(), "spaceflights");
    let files: Vec<String> = snapshot(&root).into_keys().collect();
    let mut expected = vec![
        ".gitignore",
        "Cargo.toml",
        "README.md",
        "conf/base/catalog.yml",
        "conf/base/logging.yml",
        "conf/base/parameters.yml",
        "conf/local/.gitkeep",
        "conf/local/credentials.yml",
        "src/lib.rs",
        "src/main.rs",
        "src/pipelines/mod.rs",
        "tests/pipelines.rs",
    ];
    let layers = [
        "data/01_raw/.gitkeep",
        "data/02_intermediate/.gitkeep",
        "data/03_primary/.gitkeep",
        "data/04_feature/.gitkeep",
        "data/05_model_input/.gitkeep",
        "data/06_models/.gitkeep",
        "data/07_model_output/.gitkeep",
        "data/08_reporting/.gitkeep",
    ];
    expected.extend(layers);
    expected.sort_unstable();
    assert_eq!(files, expected);

    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"spaceflights\""), "{manifest}");
    // Never a crates.io `weir` (that name belongs to another project): this checkout's crate.
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../weir").canonicalize().unwrap();
    let expected = format!("weir = {{ path = {:?} }}", checkout.display().to_string());
    assert!(manifest.lines().any(|line| line == expected), "{expected} in {manifest}");
    assert!(!manifest.contains("weir = \""), "{manifest}");
    assert!(manifest.lines().any(|line| line == "[workspace]"), "its own workspace: {manifest}");
    let main = std::fs::read_to_string(root.join("src/main.rs")).unwrap();
    assert!(main.contains("weir::main(spaceflights::registry())"), "{main}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("No data in git") && readme.contains("No credentials in git"));
    assert!(readme.contains("cargo test") && readme.contains("weir run"));
    assert!(!readme.contains("example.invalid"), "no invented URLs: {readme}");
}

#[test]
fn gitignore_keeps_data_local_config_credentials_and_build_output_out() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_empty(dir.path(), "spaceflights");
    let ignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    let lines: Vec<&str> =
        ignore.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            "/target/",
            "/data/**",
            "!/data/*/",
            "!/data/*/.gitkeep",
            "/conf/local/**",
            "!/conf/local/.gitkeep",
            "**/credentials*.yml",
            "/.weir/",
            ".env",
        ]
    );
}

#[test]
fn the_iris_starter_renames_the_crate() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) =
        weir(dir.path(), &["new", "flowers", "--starter", "iris", "--path", "sub"]);
    assert_eq!(code, 0, "{stderr}");
    let root = dir.path().join("sub/flowers");
    let files = snapshot(&root);
    for shipped in ["data/01_raw/iris.csv", "data/01_raw/iris_predict.csv", "src/pipelines/mod.rs"]
    {
        assert!(files.contains_key(shipped), "{shipped} missing: {:?}", files.keys());
    }
    assert!(!files.keys().any(|f| f.starts_with("target/") || f.starts_with(".weir/")));
    assert!(!files.keys().any(|f| f.starts_with("data/0") && f.contains(".pkl")), "no outputs");
    let main = String::from_utf8(files["src/main.rs"].clone()).unwrap();
    assert!(main.contains("weir::main(flowers::registry())"), "{main}");
    let support = String::from_utf8(files["tests/support/mod.rs"].clone()).unwrap();
    assert!(support.contains("CARGO_BIN_EXE_flowers") && !support.contains("CARGO_BIN_EXE_iris"));
    let ignore = String::from_utf8(files[".gitignore"].clone()).unwrap();
    assert!(ignore.contains("!/data/01_raw/iris.csv"), "{ignore}");
    let readme = String::from_utf8(files["README.md"].clone()).unwrap();
    assert!(readme.contains("WEIR_COURSE_DATA=<folder holding iris_train.csv> cargo test"));
}

#[test]
fn the_diabetes_starter_says_how_to_find_the_course_data() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = weir(dir.path(), &["new", "sugar", "--starter", "diabetes"]);
    assert_eq!(code, 0, "{stderr}");
    for text in [stdout, std::fs::read_to_string(dir.path().join("sugar/README.md")).unwrap()] {
        assert!(text.contains("WEIR_COURSE_DATA=<folder holding diabetes_predict.csv>"), "{text}");
        assert!(text.contains("--params diabetes_predict_path=<file>"), "{text}");
    }
}

#[test]
fn pipeline_create_then_delete_restores_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_empty(dir.path(), "spaceflights");
    let before = snapshot(&root);

    let (code, stdout, stderr) =
        weir(&root.join("src"), &["pipeline", "create", "data_processing"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("created pipeline `data_processing`"), "{stdout}");
    let created = snapshot(&root);
    for file in [
        "src/pipelines/data_processing.rs",
        "conf/base/parameters_data_processing.yml",
        "tests/pipeline_data_processing.rs",
    ] {
        assert!(created.contains_key(file), "{file}");
    }
    let registry = String::from_utf8(created["src/pipelines/mod.rs"].clone()).unwrap();
    assert!(registry.contains("pub mod data_processing;\n// weir:pipeline-modules:end"));
    assert!(registry.contains(
        "        .with(\"data_processing\", data_processing::pipeline())\n        \
         // weir:pipeline-registry:end"
    ));
    let test = String::from_utf8(created["tests/pipeline_data_processing.rs"].clone()).unwrap();
    assert!(test.contains("use spaceflights::pipelines::data_processing;"), "{test}");

    let (code, _, stderr) = weir(&root, &["pipeline", "create", "data_processing"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("pipeline `data_processing` already exists"), "{stderr}");

    let (code, _, stderr) = weir(&root, &["pipeline", "delete", "data_processing", "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(snapshot(&root), before, "delete undoes create exactly");
}

#[test]
fn pipeline_delete_without_a_terminal_needs_yes() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_empty(dir.path(), "spaceflights");
    let (code, _, stderr) = weir(&root, &["pipeline", "create", "reporting"]);
    assert_eq!(code, 0, "{stderr}");
    let created = snapshot(&root);

    // `Command::output` gives the child a null stdin: not a terminal.
    let (code, _, stderr) = weir(&root, &["pipeline", "delete", "reporting"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("would delete 3 file(s)"), "{stderr}");
    for file in ["src/pipelines/reporting.rs", "conf/base/parameters_reporting.yml"] {
        assert!(stderr.contains(file), "{file} listed: {stderr}");
    }
    assert!(stderr.contains("hint: ") && stderr.contains("--yes"), "{stderr}");
    assert_eq!(snapshot(&root), created, "nothing deleted");
}

#[test]
fn pipelines_get_node_names_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_empty(dir.path(), "spaceflights");
    for name in ["first", "second"] {
        let (code, _, stderr) = weir(&root, &["pipeline", "create", name]);
        assert_eq!(code, 0, "{stderr}");
        let module = std::fs::read_to_string(root.join(format!("src/pipelines/{name}.rs")));
        let module = module.unwrap();
        // `__default__` joins every pipeline: node names must differ between them.
        assert!(module.contains(&format!(".name(\"{name}_greet\")")), "{module}");
    }
}

#[test]
fn pipeline_commands_refuse_bad_names_and_unknown_pipelines() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_empty(dir.path(), "spaceflights");
    let before = snapshot(&root);
    for name in ["../escape", "Upper", "fn", "mod", "a-b", "", "weir", "polars", "serde"] {
        let (code, _, stderr) = weir(&root, &["pipeline", "create", name]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains("invalid pipeline name"), "{stderr}");
    }
    let (_, _, stderr) = weir(&root, &["pipeline", "create", "serde"]);
    assert!(stderr.contains("the `serde` crate the project depends on"), "{stderr}");
    let (code, _, stderr) = weir(&root, &["pipeline", "delete", "nowhere"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no pipeline `nowhere` in `src/pipelines/mod.rs`"), "{stderr}");
    assert_eq!(snapshot(&root), before, "nothing changed");
}

#[test]
fn outside_a_project_commands_say_how_to_create_one() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = weir(dir.path(), &["run"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no weir project found"), "{stderr}");
    assert!(stderr.contains("weir new NAME"), "{stderr}");
}

#[test]
fn info_names_the_project_found() {
    let dir = tempfile::tempdir().unwrap();
    let root = new_empty(dir.path(), "spaceflights");
    let (code, stdout, stderr) = weir(&root, &["info"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("weir {}\n", env!("CARGO_PKG_VERSION"))), "{stdout}");
    assert!(stdout.contains(&format!("project: {}", root.display())), "{stdout}");
    assert!(stdout.contains("WEIR_ENV="), "{stdout}");
    let (_, stdout, _) = weir(dir.path(), &["info"]);
    assert!(stdout.contains("project: none found"), "{stdout}");
    let root_text = root.to_str().unwrap();
    let (_, stdout, _) = weir(dir.path(), &["--project-dir", root_text, "info"]);
    assert!(stdout.contains(&format!("project: {}", root.display())), "--project-dir: {stdout}");
    let output = Command::new(env!("CARGO_BIN_EXE_weir"))
        .arg("info")
        .current_dir(dir.path())
        .env("WEIR_PROJECT_DIR", &root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("project: {}", root.display())), "env: {stdout}");
}

#[test]
fn completions_cover_own_and_project_commands() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, stdout, stderr) = weir(dir.path(), &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        for word in ["new", "run", "catalog", "completions", "create", "delete"] {
            assert!(stdout.contains(word), "{shell} lacks {word}");
        }
    }
}
