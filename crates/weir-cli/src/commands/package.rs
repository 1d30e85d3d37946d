//! `package`: a release build of the project's binary plus an archive of its configuration,
//! stamped with the version and git commit, in `dist/`:
//!
//! - `dist/<bin>-<version>`: the binary, built with `cargo build --profile release` (or
//!   `--profile`), with `WEIR_PACKAGE_STAMP` set so that `<bin> --version` names the project,
//!   its version and its commit (see [`version_text`]);
//! - `dist/conf-<bin>-<version>.tar.gz`: `conf/` without `conf/local/` and without any
//!   `credentials*` file or folder, in a top-level `conf/` folder, with sorted entries, owner
//!   0, fixed modes and times, so the same configuration gives the same bytes;
//! - `dist/MANIFEST.json`: name, version, file names, git commit and dirty flag, build time,
//!   profile, platform, weir's version and what was left out of the archive.
//!
//! `run --conf-source dist/conf-...tar.gz` reads the archive directly (`conf_source`).
//!
//! # How the binary knows its commit
//!
//! weir-cli reads `WEIR_PACKAGE_STAMP` with `option_env!` when it is compiled. Cargo records
//! that read and recompiles weir-cli (and the project) when the variable changes, for path
//! dependencies, which is how weir projects depend on weir. A binary built by plain
//! `cargo build` carries no stamp and prints weir's version only; its commit is then in the
//! run records (`runs show`), taken from git at run time. After building, `package` runs
//! `<bin> --version` and warns when the stamp is missing (a weir dependency Cargo does not
//! rebuild, from a registry or git); the manifest carries the commit either way. The build
//! time is in the manifest only: stamping it would recompile weir-cli on every package.
//!
//! # Limitations
//!
//! - The binary is built for the machine `package` runs on (no cross-compilation: pass
//!   `-- --target <triple>` and copy by hand, or build the container image instead).
//! - Symbolic links inside `conf/` are left out of the archive, with a warning.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::LazyLock;

use crate::cli::PackageArgs;
use crate::report::{self, EXIT_USAGE};

/// The stamp `package` compiles into the binary: `<name> <version>, commit <sha>[, dirty]`.
pub(crate) const STAMP_VARIABLE: &str = "WEIR_PACKAGE_STAMP";

/// The version `--version` prints: weir's, followed by the package stamp when the binary was
/// built by `weir package` (`0.1.0 (iris 0.1.0, commit 4f2c..., dirty)`).
pub(crate) fn version_text() -> &'static str {
    static TEXT: LazyLock<String> = LazyLock::new(|| match option_env!("WEIR_PACKAGE_STAMP") {
        Some(stamp) if !stamp.is_empty() => format!("{} ({stamp})", env!("CARGO_PKG_VERSION")),
        _ => env!("CARGO_PKG_VERSION").to_owned(),
    });
    &TEXT
}

/// What `cargo metadata` says about the project in a folder.
#[derive(Debug, Clone)]
pub(crate) struct ProjectMeta {
    /// The package name.
    pub(crate) name: String,
    /// The package version.
    pub(crate) version: String,
    /// The binary target to build.
    pub(crate) bin: String,
    /// Cargo's target folder for this project.
    pub(crate) target_dir: PathBuf,
    /// The Cargo workspace root (the project folder for a project of its own).
    pub(crate) workspace_root: PathBuf,
    /// Path dependencies outside the project folder, by dependency name.
    pub(crate) outside_paths: Vec<(String, PathBuf)>,
}

/// A user-facing failure: message, hint, exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) hint: String,
}

impl Failure {
    pub(crate) fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Failure { message: message.into(), hint: hint.into() }
    }

    pub(crate) fn report(&self) -> ExitCode {
        report::print_message(&self.message, std::slice::from_ref(&self.hint));
        ExitCode::from(EXIT_USAGE)
    }
}

pub(crate) fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").filter(|c| !c.is_empty()).unwrap_or_else(|| "cargo".into())
}

/// `root` as given, `.` for the current folder.
pub(crate) fn shown(root: &Path) -> &Path {
    if root.as_os_str().is_empty() { Path::new(".") } else { root }
}

/// Reads the project's package from `cargo metadata --no-deps`; `bin` picks among several
/// binaries.
pub(crate) fn project_meta(root: &Path, bin: Option<&str>) -> Result<ProjectMeta, Failure> {
    let manifest = shown(root).join("Cargo.toml");
    if !manifest.is_file() {
        return Err(Failure::new(
            format!("no `Cargo.toml` in `{}`", shown(root).display()),
            "run the command in a weir project with code (made by `weir new`), or pass --project-dir",
        ));
    }
    let output = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps", "--manifest-path"])
        .arg(&manifest)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| {
            Failure::new(
                format!("cannot start `cargo metadata`: {error}"),
                "install Rust from https://rustup.rs",
            )
        })?;
    if !output.status.success() {
        return Err(Failure::new(
            format!("`cargo metadata` failed for `{}`", manifest.display()),
            "fix the error Cargo printed above",
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|error| {
        Failure::new(format!("cannot read `cargo metadata` output: {error}"), "update Rust")
    })?;
    parse_meta(&metadata, &manifest, bin)
}

fn parse_meta(
    metadata: &serde_json::Value,
    manifest: &Path,
    bin: Option<&str>,
) -> Result<ProjectMeta, Failure> {
    let wanted = std::fs::canonicalize(manifest).unwrap_or_else(|_| manifest.to_path_buf());
    let packages = metadata["packages"].as_array().map(Vec::as_slice).unwrap_or_default();
    let package = packages
        .iter()
        .find(|p| p["manifest_path"].as_str().map(Path::new) == Some(wanted.as_path()))
        .or_else(|| packages.first().filter(|_| packages.len() == 1))
        .ok_or_else(|| {
            Failure::new(
                format!("`{}` declares no package", manifest.display()),
                "run the command in the project's own folder, not at a workspace root",
            )
        })?;
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let name = text(&package["name"]);
    let bins: Vec<String> = package["targets"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|t| t["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "bin")))
        .map(|t| text(&t["name"]))
        .collect();
    let bin = match (bin, bins.as_slice()) {
        (Some(asked), _) if bins.iter().any(|b| b == asked) => asked.to_owned(),
        (Some(asked), _) => {
            return Err(Failure::new(
                format!("package `{name}` has no binary `{asked}` (found: {})", bins.join(", ")),
                "pass one of the binaries listed to --bin",
            ));
        }
        (None, [only]) => only.clone(),
        (None, many) if many.contains(&name) => name.clone(),
        (None, []) => {
            return Err(Failure::new(
                format!("package `{name}` has no binary"),
                "a weir project's `src/main.rs` calls `weir::main(...)`; add it",
            ));
        }
        (None, many) => {
            return Err(Failure::new(
                format!("package `{name}` has several binaries: {}", many.join(", ")),
                "pick one with --bin",
            ));
        }
    };
    let folder = wanted.parent().unwrap_or(Path::new(".")).to_path_buf();
    let outside_paths = package["dependencies"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|dep| {
            let path = PathBuf::from(dep["path"].as_str()?);
            (!path.starts_with(&folder)).then(|| (text(&dep["name"]), path))
        })
        .collect();
    Ok(ProjectMeta {
        name,
        version: text(&package["version"]),
        bin,
        target_dir: PathBuf::from(text(&metadata["target_directory"])),
        workspace_root: PathBuf::from(text(&metadata["workspace_root"])),
        outside_paths,
    })
}

/// The project's git commit and whether tracked files have uncommitted changes; `None` when
/// the project is not in a git checkout or git is not installed.
pub(crate) fn git_state(root: &Path) -> Option<(String, bool)> {
    let git = |args: &[&str]| {
        let output = Command::new("git").arg("-C").arg(shown(root)).args(args).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "HEAD"])?;
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some((commit, dirty))
}

/// The folder Cargo writes a profile's output to.
fn profile_folder(profile: &str) -> &str {
    match profile {
        "dev" | "test" => "debug",
        "bench" => "release",
        other => other,
    }
}

pub(crate) fn package(root: &Path, args: &PackageArgs) -> ExitCode {
    match package_inner(root, args) {
        Ok(text) => super::print_stdout(&text),
        Err(failure) => failure.report(),
    }
}

fn package_inner(root: &Path, args: &PackageArgs) -> Result<String, Failure> {
    let meta = project_meta(root, args.bin.as_deref())?;
    let conf = shown(root).join("conf");
    if !conf.join("base").is_dir() {
        return Err(Failure::new(
            format!("`{}` has no `base/` folder", conf.display()),
            "a weir project keeps its configuration in `conf/base`",
        ));
    }
    let git = git_state(root);
    let stamp = match &git {
        Some((commit, dirty)) => format!(
            "{} {}, commit {commit}{}",
            meta.name,
            meta.version,
            if *dirty { ", dirty" } else { "" }
        ),
        None => format!("{} {}, not in git", meta.name, meta.version),
    };
    if let Some((_, true)) = &git {
        tracing::warn!("the working tree has uncommitted changes: the package is stamped `dirty`");
    }

    let target_dir = args.target_dir.clone().unwrap_or_else(|| meta.target_dir.clone());
    tracing::info!(package = meta.name.as_str(), profile = args.profile.as_str(), "building");
    let mut build = Command::new(cargo());
    build
        .args(["build", "--profile", args.profile.as_str(), "--bin", meta.bin.as_str()])
        .arg("--manifest-path")
        .arg(shown(root).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .args(&args.cargo_args)
        .env(STAMP_VARIABLE, &stamp)
        .stdout(Stdio::from(std::io::stderr()));
    let status = build.status().map_err(|error| {
        Failure::new(
            format!("cannot start `cargo build`: {error}"),
            "install Rust from https://rustup.rs",
        )
    })?;
    if !status.success() {
        return Err(Failure::new(
            format!("`cargo build --profile {}` of `{}` failed", args.profile, meta.name),
            "fix the build error Cargo printed above, then run `package` again",
        ));
    }
    let built = target_dir.join(profile_folder(&args.profile)).join(format!(
        "{}{}",
        meta.bin,
        std::env::consts::EXE_SUFFIX
    ));
    if !built.is_file() {
        return Err(Failure::new(
            format!("Cargo reported success but `{}` does not exist", built.display()),
            "pass the same --target-dir and cargo arguments Cargo builds with (a `--target` build lands in `<target-dir>/<triple>/`)",
        ));
    }
    check_stamp(&built, &stamp);

    let out = args.out.clone().unwrap_or_else(|| shown(root).join("dist"));
    std::fs::create_dir_all(&out).map_err(|error| {
        Failure::new(
            format!("cannot create `{}`: {error}", out.display()),
            "pick a writable --out folder",
        )
    })?;
    let base = format!("{}-{}", meta.bin, meta.version);
    let binary_name = format!("{base}{}", std::env::consts::EXE_SUFFIX);
    let archive_name = format!("conf-{base}.tar.gz");
    copy_binary(&built, &out.join(&binary_name))?;
    let left_out = write_conf_archive(&conf, &out.join(&archive_name))?;
    if !left_out.is_empty() {
        tracing::info!(
            left_out = left_out.join(", ").as_str(),
            "kept out of the configuration archive"
        );
    }

    let manifest = serde_json::json!({
        "name": meta.name,
        "version": meta.version,
        "binary": binary_name,
        "conf_archive": archive_name,
        "git_commit": git.as_ref().map(|(commit, _)| commit),
        "git_dirty": git.as_ref().map(|(_, dirty)| dirty),
        "built_at": weir_core::records::recorder::now_rfc3339(),
        "profile": args.profile,
        "platform": format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
        "weir_version": env!("CARGO_PKG_VERSION"),
        "stamp": stamp,
        "left_out": left_out,
    });
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
    write_file(&out.join("MANIFEST.json"), text.as_bytes())?;

    Ok(format!(
        "packaged {stamp}\n  {}\n  {}\n  {}\nrun it anywhere: ./{binary_name} run --conf-source {archive_name}\n",
        out.join(&binary_name).display(),
        out.join(&archive_name).display(),
        out.join("MANIFEST.json").display(),
    ))
}

/// Warns when the built binary does not print the stamp (Cargo did not recompile weir-cli).
fn check_stamp(binary: &Path, stamp: &str) {
    let printed = Command::new(binary)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !printed.contains(stamp) {
        tracing::warn!(
            printed = printed.trim(),
            "`--version` of the binary does not show the package stamp (Cargo did not recompile weir with it: weir is not a path dependency of the project); MANIFEST.json still records the commit"
        );
    }
}

fn copy_binary(from: &Path, to: &Path) -> Result<(), Failure> {
    let failure = |error: &dyn std::fmt::Display| {
        Failure::new(
            format!("cannot copy `{}` to `{}`: {error}", from.display(), to.display()),
            "check that the --out folder is writable and has space",
        )
    };
    let folder = to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut source = std::fs::File::open(from).map_err(|e| failure(&e))?;
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(|e| failure(&e))?;
    std::io::copy(&mut source, &mut file)
        .and_then(|_| file.as_file().sync_all())
        .map_err(|e| failure(&e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let executable = std::fs::Permissions::from_mode(0o755);
        file.as_file().set_permissions(executable).map_err(|e| failure(&e))?;
    }
    file.persist(to).map_err(|e| failure(&e.error))?;
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let failure = |error: &dyn std::fmt::Display| {
        Failure::new(
            format!("cannot write `{}`: {error}", path.display()),
            "check that the --out folder is writable and has space",
        )
    };
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(|e| failure(&e))?;
    file.write_all(bytes).and_then(|()| file.as_file().sync_all()).map_err(|e| failure(&e))?;
    // A temporary file is private (0600); what is written here is for everyone to read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let readable = std::fs::Permissions::from_mode(0o644);
        file.as_file().set_permissions(readable).map_err(|e| failure(&e))?;
    }
    file.persist(path).map_err(|e| failure(&e.error))?;
    Ok(())
}

/// Whether an entry under `conf/` stays out of the archive: the `local` environment, and any
/// `credentials*` file or folder (the names the configuration loader reads credentials from).
fn is_left_out(relative: &Path) -> bool {
    let mut parts = relative.components().map(|c| c.as_os_str().to_string_lossy().to_lowercase());
    let first = parts.next();
    first.as_deref() == Some("local")
        || first.into_iter().chain(parts).any(|part| part.starts_with("credentials"))
}

/// Writes `conf/` (less what [`is_left_out`]) as `conf/...` entries; returns what was left out.
fn write_conf_archive(conf: &Path, to: &Path) -> Result<Vec<String>, Failure> {
    let mut files = Vec::new();
    let mut left_out = Vec::new();
    collect(conf, Path::new(""), &mut files, &mut left_out)?;
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(encoder);
    let failure = |error: std::io::Error| {
        Failure::new(format!("cannot write `{}`: {error}", to.display()), "check the --out folder")
    };
    for (relative, is_dir) in &files {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        let name = Path::new("conf").join(relative);
        if *is_dir {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            tar.append_data(&mut header, &name, std::io::empty()).map_err(failure)?;
        } else {
            let bytes = std::fs::read(conf.join(relative)).map_err(|error| {
                Failure::new(
                    format!("cannot read `{}`: {error}", conf.join(relative).display()),
                    "check the file's permissions",
                )
            })?;
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
            header.set_size(bytes.len() as u64);
            tar.append_data(&mut header, &name, bytes.as_slice()).map_err(failure)?;
        }
    }
    let bytes = tar.into_inner().and_then(flate2::write::GzEncoder::finish).map_err(failure)?;
    write_file(to, &bytes)?;
    Ok(left_out)
}

/// Every folder and file under `dir`, sorted, as paths relative to the `conf/` folder.
fn collect(
    conf: &Path,
    relative: &Path,
    files: &mut Vec<(PathBuf, bool)>,
    left_out: &mut Vec<String>,
) -> Result<(), Failure> {
    let dir = conf.join(relative);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|error| {
            Failure::new(
                format!("cannot list `{}`: {error}", dir.display()),
                "check the folder's permissions",
            )
        })?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = relative.join(entry.file_name());
        let shown = format!("conf/{}", path.display());
        if is_left_out(&path) {
            left_out.push(shown);
            continue;
        }
        let kind = entry.file_type().map_err(|error| {
            Failure::new(format!("cannot read `{shown}`: {error}"), "check the file's permissions")
        })?;
        if kind.is_symlink() {
            tracing::warn!(
                path = shown.as_str(),
                "a symbolic link in conf/ is left out of the archive"
            );
            left_out.push(shown);
        } else if kind.is_dir() {
            files.push((path.clone(), true));
            collect(conf, &path, files, left_out)?;
        } else {
            files.push((path, false));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_credentials_are_left_out() {
        for (path, out) in [
            ("local", true),
            ("local/catalog.yml", true),
            ("base/credentials.yml", true),
            ("prod/Credentials_db.yml", true),
            ("base/credentials/x.yml", true),
            ("base/catalog.yml", false),
            ("base/local/catalog.yml", false),
            ("prod/catalog.yml", false),
        ] {
            assert_eq!(is_left_out(Path::new(path)), out, "{path}");
        }
    }

    #[test]
    fn profile_folders() {
        assert_eq!(profile_folder("dev"), "debug");
        assert_eq!(profile_folder("release"), "release");
        assert_eq!(profile_folder("dist"), "dist");
    }

    #[test]
    fn the_binary_is_found_in_cargo_metadata() {
        let metadata = serde_json::json!({
            "target_directory": "/w/target",
            "workspace_root": "/w",
            "packages": [{
                "name": "iris", "version": "0.2.0", "manifest_path": "/nonexistent/iris/Cargo.toml",
                "targets": [{"name": "iris", "kind": ["lib"]}, {"name": "iris", "kind": ["bin"]}],
                "dependencies": [
                    {"name": "weir", "path": "/w/crates/weir"},
                    {"name": "serde"},
                    {"name": "helpers", "path": "/nonexistent/iris/helpers"}
                ]
            }]
        });
        let meta = parse_meta(&metadata, Path::new("/nonexistent/iris/Cargo.toml"), None).unwrap();
        assert_eq!(
            (meta.name.as_str(), meta.version.as_str(), meta.bin.as_str()),
            ("iris", "0.2.0", "iris")
        );
        assert_eq!(meta.outside_paths, [("weir".to_owned(), PathBuf::from("/w/crates/weir"))]);
        let error = parse_meta(&metadata, Path::new("/nonexistent/iris/Cargo.toml"), Some("x"))
            .unwrap_err();
        assert!(error.message.contains("no binary `x`"), "{error:?}");
    }
}
