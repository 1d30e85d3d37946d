//! Shared helpers for the diabetes project's tests: a temporary copy of the project, the real
//! binary run inside it, and readers for what it writes.

#![allow(dead_code, reason = "each test binary uses a different subset of the helpers")]
#![allow(clippy::disallowed_methods, reason = "tests write their fixture files directly")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use weir::polars::prelude::{CsvReadOptions, DataFrame, SerReader};

/// A throw-away copy of the diabetes project (configuration and raw data only).
pub(crate) struct Project {
    dir: tempfile::TempDir,
}

/// The data files of the example kept in git (see its `.gitignore`).
const SHIPPED_DATA: [&str; 3] = [
    "data/01_raw/data_dictionary.csv",
    "data/01_raw/README.md",
    "data/05_model_input/best_params.json",
];

/// Rows of the generated table in the tests.
pub(crate) const SMALL_ROWS: usize = 3000;

/// The PNG file signature.
pub(crate) const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// What one run of the binary did.
pub(crate) struct Outcome {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Project {
    /// Copies `conf/` and the files the example ships under `data/` (not what earlier runs
    /// wrote there) into a new temporary folder.
    pub(crate) fn copy() -> Project {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().expect("a temporary folder");
        copy_tree(&source.join("conf"), &dir.path().join("conf"));
        for file in SHIPPED_DATA {
            let target = dir.path().join(file);
            fs::create_dir_all(target.parent().expect("a parent")).expect("folders");
            fs::copy(source.join(file), target).expect("a copy");
        }
        Project { dir }
    }

    /// Runs `args` plus `--params` with a small generated table ([`SMALL_ROWS`] rows), the
    /// course's unlabelled file as inference input, and `extra` parameters (`key=value,...`).
    pub(crate) fn run_small(&self, args: &[&str], extra: &str) -> Outcome {
        let predict = course_data("diabetes_predict.csv");
        let mut params = format!(
            "data_generation.rows={SMALL_ROWS},diabetes_predict_path={}",
            predict.display()
        );
        if !extra.is_empty() {
            params.push(',');
            params.push_str(extra);
        }
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--params", &params]);
        self.run(&all)
    }

    /// Reads a JSON file of the project.
    pub(crate) fn json(&self, relative: &str) -> serde_json::Value {
        let text = fs::read_to_string(self.path(relative)).expect("a readable JSON file");
        serde_json::from_str(&text).expect("valid JSON")
    }

    /// Reads a CSV file of the project.
    pub(crate) fn csv(&self, relative: &str) -> DataFrame {
        read_csv(&self.path(relative))
    }

    /// The project's root folder.
    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `root/relative`.
    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes a file of the project (creating folders).
    pub(crate) fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        fs::write(path, text).expect("writable");
    }

    /// Runs the project's binary with `args`, from inside the project folder.
    pub(crate) fn run(&self, args: &[&str]) -> Outcome {
        let output = Command::new(env!("CARGO_BIN_EXE_diabetes"))
            .args(args)
            .current_dir(self.root())
            .env_remove("RUST_LOG")
            .env_remove("WEIR_ENV")
            .env_remove("WEIR_PROJECT_DIR")
            .env_remove("WEIR_RUNS_DB")
            .output()
            .expect("the diabetes binary runs");
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The version folders of a versioned dataset, oldest first.
    pub(crate) fn versions(&self, relative: &str) -> Vec<String> {
        let Ok(entries) = fs::read_dir(self.path(relative)) else { return Vec::new() };
        let mut versions: Vec<String> = entries
            .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
            .collect();
        versions.sort();
        versions
    }

    /// Every file under the project's `data/` folder except the raw inputs, relative.
    pub(crate) fn written_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        collect_files(&self.path("data"), self.root(), &mut files);
        files.retain(|f| !f.starts_with("data/01_raw"));
        files.sort();
        files
    }
}

impl Outcome {
    /// Panics with the whole output unless the run exited with `code`.
    pub(crate) fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Reads a CSV file into a `DataFrame`.
pub(crate) fn read_csv(path: &Path) -> DataFrame {
    CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .expect("a readable CSV")
        .finish()
        .expect("a valid CSV")
}

/// The course's data folder, beside the repository.
pub(crate) fn course_data(file: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/course").join(file);
    assert!(path.is_file(), "the course data is expected at {}", path.display());
    path.canonicalize().expect("a real path")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("folders");
    for entry in fs::read_dir(from).expect("a readable folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("a copy");
        }
    }
}

fn collect_files(dir: &Path, root: &Path, files: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            collect_files(&path, root, files);
        } else {
            let relative = path.strip_prefix(root).expect("inside the root");
            files.push(relative.to_string_lossy().into_owned());
        }
    }
}
