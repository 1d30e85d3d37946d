//! `weir docker init|build|run` through the real binary, on a project made by
//! `weir new --starter iris` in a temporary folder.
//!
//! No Docker engine is reachable here, so the generated Dockerfile is linted with hadolint
//! (`WEIR_TEST_HADOLINT`, set by `scripts/with-services.sh`) at its default threshold, no rule
//! ignored, and the build stage's `cargo build` line is taken from the Dockerfile and run on
//! the project, in the dev profile (`--release` dropped: a release build of Polars takes 20
//! minutes) with this workspace's target folder. `docker build` and `docker run` are checked
//! against a stand-in docker CLI that records its arguments, and without any docker at all.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]
#![allow(clippy::disallowed_methods, reason = "tests write their fixture files directly")]
#![allow(clippy::print_stderr, reason = "a test says when it skips for want of a tool")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
        .env_remove("WEIR_DOCKER")
        .env_remove("CARGO_TARGET_DIR");
    command
}

fn iris_project(parent: &Path, name: &str) -> PathBuf {
    let (code, _, stderr) =
        run(weir(parent).args(["new", name, "--starter", "iris", "--path"]).arg(parent));
    assert_eq!(code, 0, "{stderr}");
    let root = parent.join(name);
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock"),
        root.join("Cargo.lock"),
    )
    .unwrap();
    // Settle the lock file on this project's dependencies (same versions), as a project's
    // committed Cargo.lock is: the image builds with --locked.
    let (code, _, stderr) =
        run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&root)
            .args(["metadata", "--format-version", "1"])
            .stdout(Stdio::null()));
    assert_eq!(code, 0, "{stderr}");
    root
}

/// The path of a service tool from the environment; `None` (after saying how to get it) when
/// it is not set and services are not required.
fn tool(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(path) if !path.is_empty() => Some(path),
        _ if std::env::var("WEIR_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("{variable} is not set: run the tests through scripts/with-services.sh")
        }
        _ => {
            eprintln!(
                "skipped: {variable} is not set; run the tests through scripts/with-services.sh"
            );
            None
        }
    }
}

/// The weir checkout holding `crates/weir` (the dependency of generated projects).
fn checkout() -> PathBuf {
    std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).unwrap()
}

#[test]
fn init_writes_a_dockerfile_hadolint_accepts_and_never_overwrites() {
    let work = tempfile::tempdir().unwrap();
    let root = iris_project(work.path(), "dockiris");
    let (code, stdout, stderr) = run(weir(&root).args(["docker", "init"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("wrote"), "{stdout}");
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).unwrap();

    // What the issue asks of the image.
    let folder = std::fs::canonicalize(&root).unwrap();
    for expected in [
        " AS build\n".to_owned(),
        "--mount=type=cache,target=/usr/local/cargo/registry".to_owned(),
        format!("--mount=type=cache,target={}/target", folder.display()),
        format!("--mount=type=bind,from=dep-weir,target={},readonly", checkout().display()),
        "cargo build --release --locked --bin dockiris".to_owned(),
        "FROM debian:bookworm-slim\n".to_owned(),
        "USER 10001:10001\n".to_owned(),
        "COPY conf/ /app/conf/\n".to_owned(),
        "VOLUME [\"/app/data\"]\n".to_owned(),
        "ENTRYPOINT [\"/app/dockiris\"]\nCMD [\"run\"]\n".to_owned(),
    ] {
        assert!(dockerfile.contains(&expected), "missing {expected:?} in\n{dockerfile}");
    }
    let ignored: Vec<&str> = ignore.lines().filter(|l| !l.starts_with('#')).collect();
    for entry in
        ["target/", "dist/", "data/", ".weir/", ".git/", "conf/local/", "**/credentials*", ".env"]
    {
        assert!(ignored.contains(&entry), "{entry} not in .dockerignore:\n{ignore}");
    }

    // Linted at hadolint's default threshold (any finding, even `info`, fails), nothing ignored.
    if let Some(hadolint) = tool("WEIR_TEST_HADOLINT") {
        let mut child = Command::new(hadolint)
            .args(["--no-color", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), dockerfile.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && report.trim().is_empty(),
            "hadolint:\n{report}\n{dockerfile}"
        );
    }

    // Existing files are kept unless --force.
    std::fs::write(root.join("Dockerfile"), "FROM scratch\n").unwrap();
    let (code, _, stderr) = run(weir(&root).args(["docker", "init"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("already exist"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(root.join("Dockerfile")).unwrap(), "FROM scratch\n");
    let (code, _, stderr) = run(weir(&root).args([
        "docker",
        "init",
        "--force",
        "--base-image",
        "debian:bookworm-20251117-slim",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let rewritten = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    assert!(rewritten.contains("FROM debian:bookworm-20251117-slim\n"), "{rewritten}");
}

#[test]
fn the_build_stage_command_builds_the_project() {
    let work = tempfile::tempdir().unwrap();
    let root = iris_project(work.path(), "dockbuild");
    let (code, _, stderr) = run(weir(&root).args(["docker", "init"]));
    assert_eq!(code, 0, "{stderr}");
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();

    // The build stage's command, word for word, less `--release`.
    let line = dockerfile.lines().find(|l| l.trim_start().starts_with("cargo build")).unwrap();
    let words: Vec<&str> = line.split_whitespace().take_while(|w| *w != "\\").collect();
    assert_eq!(words[..3], ["cargo", "build", "--release"], "{line}");
    let args: Vec<&str> = words[1..].iter().copied().filter(|w| *w != "--release").collect();
    let (code, _, stderr) =
        run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&root)
            .args(&args)
            .arg("--target-dir")
            .arg(target_dir())
            .env_remove("WEIR_PACKAGE_STAMP"));
    assert_eq!(code, 0, "`{}` failed:\n{stderr}", args.join(" "));
    let binary =
        target_dir().join("debug").join(format!("dockbuild{}", std::env::consts::EXE_SUFFIX));
    let (code, stdout, _) = run(Command::new(binary).args(["pipeline", "list"]).current_dir(&root));
    assert_eq!(code, 0);
    assert!(stdout.contains("data_engineering") || stdout.contains("__default__"), "{stdout}");
}

#[test]
fn build_and_run_without_docker_say_what_is_missing() {
    let work = tempfile::tempdir().unwrap();
    let root = iris_project(work.path(), "nodocker");
    let (code, _, stderr) = run(weir(&root).args(["docker", "init"]));
    assert_eq!(code, 0, "{stderr}");
    let empty_path = work.path().join("empty-bin");
    std::fs::create_dir_all(&empty_path).unwrap();
    for command in [&["docker", "build"][..], &["docker", "run", "--", "run", "--pipeline", "x"]] {
        let (code, stdout, stderr) = run(weir(&root).args(command).env("PATH", &empty_path));
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains("error: the docker command `docker` was not found on PATH"),
            "{stderr}"
        );
        assert!(stderr.contains("hint: install Docker Engine"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let (code, _, stderr) = run(weir(&root)
        .args(["docker", "build"])
        .env("WEIR_DOCKER", work.path().join("no-such-docker")));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("(named by WEIR_DOCKER) was not found"), "{stderr}");
}

/// A stand-in docker CLI: writes its arguments, one a line, and a listing of the build
/// context it was given, then exits with 0.
#[cfg(unix)]
fn fake_docker(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let script = dir.join("fake-docker");
    let log = dir.join("docker-args.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > '{log}'\n\
             for a in \"$@\"; do case \"$a\" in dep-weir=*) d=\"${{a#dep-weir=}}\"; \
             ls \"$d\" \"$d/crates\" > '{log}.context';; esac; done\nexit 0\n",
            log = log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[cfg(unix)]
#[test]
fn build_and_run_pass_tag_contexts_and_arguments_to_docker() {
    let work = tempfile::tempdir().unwrap();
    let root = iris_project(work.path(), "fakedocker");
    let (code, _, stderr) = run(weir(&root).args(["docker", "init"]));
    assert_eq!(code, 0, "{stderr}");
    let docker = fake_docker(work.path());
    let log = work.path().join("docker-args.txt");

    let (code, _, stderr) =
        run(weir(&root).args(["docker", "build", "--", "--pull"]).env("WEIR_DOCKER", &docker));
    assert_eq!(code, 0, "{stderr}");
    let args = std::fs::read_to_string(&log).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(args[..3], ["build", "--tag", "fakedocker:0.1.0"], "{args:?}");
    assert_eq!(args[3], "--build-context", "{args:?}");
    assert!(args[4].starts_with("dep-weir="), "{args:?}");
    assert_eq!(args[5..], ["--pull", "."], "{args:?}");
    // The context is a trimmed copy of the checkout: manifests and crates, no target/ or .git/.
    let listing = std::fs::read_to_string(work.path().join("docker-args.txt.context")).unwrap();
    let listing: Vec<&str> = listing.lines().collect();
    for present in ["Cargo.toml", "Cargo.lock", "crates", "weir", "weir-core"] {
        assert!(listing.contains(&present), "{present} missing: {listing:?}");
    }
    assert!(!listing.contains(&"target") && !listing.contains(&".git"), "{listing:?}");

    let (code, _, stderr) = run(weir(&root)
        .args(["docker", "run", "--", "run", "--pipeline", "data_engineering"])
        .env("WEIR_DOCKER", &docker));
    assert_eq!(code, 0, "{stderr}");
    let args = std::fs::read_to_string(&log).unwrap();
    let data = std::fs::canonicalize(&root).unwrap().join("data");
    let expected = [
        "run".to_owned(),
        "--rm".to_owned(),
        "--volume".to_owned(),
        format!("{}:/app/data", data.display()),
        "fakedocker:0.1.0".to_owned(),
        "run".to_owned(),
        "--pipeline".to_owned(),
        "data_engineering".to_owned(),
    ];
    assert_eq!(args.lines().collect::<Vec<_>>(), expected);
}
