//! `docker init|build|run`: a container image of the project.
//!
//! `docker init` writes a multi-stage `Dockerfile` and a `.dockerignore` into the project
//! folder (never over existing files without `--force`):
//!
//! - the build stage (`rust:<toolchain>-slim-bookworm`) copies the project and runs
//!   `cargo build --release --locked --bin <bin>` with `BuildKit` cache mounts for Cargo's
//!   registry, git checkouts and `target/`, so a change to the project's code recompiles the
//!   project only, not Polars. (A `cargo fetch` layer over the manifests alone is not used:
//!   Cargo refuses a manifest whose declared targets, such as `[[bench]]`, are missing.)
//! - path dependencies outside the project folder (weir itself, for projects made by
//!   `weir new`) are bind-mounted from named build contexts at their absolute host paths, and
//!   the project is built at its own absolute path, so relative and absolute `path = ...`
//!   entries in `Cargo.toml` resolve as on the host. `docker build` passes those contexts
//!   (`--build-context`), from trimmed copies without `target/`, `.git/` or data.
//! - the runtime stage (`debian:bookworm-slim`, or `--base-image`) holds the binary at
//!   `/app/<bin>`, `conf/` (the `.dockerignore` keeps `conf/local/` and `credentials*` out),
//!   the CA certificates of the build stage (for S3/GCS over TLS), a `data/` volume, and runs
//!   as the numeric user 10001. `ENTRYPOINT ["/app/<bin>"]` with `CMD ["run"]` makes
//!   `docker run IMAGE run --pipeline x` pass its arguments on.
//!
//! `docker build` and `docker run` call the docker CLI (`WEIR_DOCKER` names another one, e.g.
//! `podman`); without it they say what is missing and how to install it.
//!
//! # Limitations
//!
//! - A project that is a member of a larger Cargo workspace (like `examples/iris` in weir's
//!   own repository) cannot be built from its folder alone: `init` warns, and the image must
//!   be built from the workspace root with a Dockerfile adapted by hand.
//! - Named build contexts need `BuildKit` (Docker 23 or later, or `docker buildx`).

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use super::package::{Failure, ProjectMeta, project_meta, shown};
use crate::cli::{DockerBuildArgs, DockerCommand, DockerInitArgs, DockerRunArgs};
use crate::report::{self, EXIT_USAGE};

/// The runtime image unless `--base-image` says otherwise.
pub(crate) const DEFAULT_BASE_IMAGE: &str = "debian:bookworm-slim";

/// The numeric user the runtime stage runs as.
const USER_ID: u32 = 10001;

pub(crate) fn docker(root: &Path, command: &DockerCommand) -> ExitCode {
    let result = match command {
        DockerCommand::Init(args) => init(root, args),
        DockerCommand::Build(args) => build(root, args),
        DockerCommand::Run(args) => run(root, args),
    };
    match result {
        Ok(code) => code,
        Err(failure) => failure.report(),
    }
}

/// A folder bind-mounted into the build stage from a named build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildContext {
    /// The context's name (`--build-context <name>=...`).
    pub(crate) name: String,
    /// The folder on the host, mounted at the same path in the build stage.
    pub(crate) folder: PathBuf,
}

/// The folders the build stage needs from outside the project: for each path dependency
/// outside it, the Cargo workspace it belongs to (or its own folder).
pub(crate) fn build_contexts(meta: &ProjectMeta) -> Vec<BuildContext> {
    let mut contexts: Vec<BuildContext> = Vec::new();
    for (dependency, path) in &meta.outside_paths {
        let folder = path
            .ancestors()
            .find(|dir| {
                std::fs::read_to_string(dir.join("Cargo.toml"))
                    .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
            })
            .unwrap_or(path)
            .to_path_buf();
        if contexts.iter().any(|c| folder.starts_with(&c.folder)) {
            continue;
        }
        let name: String = dependency
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
            .collect();
        contexts.push(BuildContext { name: format!("dep-{name}"), folder });
    }
    contexts
}

/// The Rust image of the build stage: the project's `rust-toolchain.toml` version, else the
/// version of the `rustc` found here, else the latest 1.x.
fn rust_image(root: &Path) -> String {
    let pinned =
        std::fs::read_to_string(shown(root).join("rust-toolchain.toml")).ok().and_then(|text| {
            text.lines().find_map(|line| {
                let (key, value) = line.split_once('=')?;
                (key.trim() == "channel").then(|| value.trim().trim_matches('"').to_owned())
            })
        });
    let version = pinned.filter(|v| is_version(v)).or_else(|| {
        let output = Command::new("rustc").arg("--version").output().ok()?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.split_whitespace().nth(1).map(str::to_owned).filter(|v| is_version(v))
    });
    format!("rust:{}-slim-bookworm", version.as_deref().unwrap_or("1"))
}

fn is_version(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// The text of the `Dockerfile`.
pub(crate) fn dockerfile(
    meta: &ProjectMeta,
    contexts: &[BuildContext],
    project_folder: &Path,
    rust_image: &str,
    base_image: &str,
) -> String {
    let bin = &meta.bin;
    let tag = format!("{}:{}", meta.name, meta.version);
    let (workdir, mounts) = if contexts.is_empty() {
        ("/src".to_owned(), String::new())
    } else {
        let mut mounts = String::new();
        for c in contexts {
            let _ = writeln!(
                mounts,
                "    --mount=type=bind,from={},target={},readonly \\",
                c.name,
                c.folder.display()
            );
        }
        (project_folder.display().to_string(), mounts)
    };
    let context_note = if contexts.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = contexts
            .iter()
            .map(|c| format!("#   --build-context {}={}", c.name, c.folder.display()))
            .collect();
        format!(
            "#\n# Path dependencies outside this folder come from named build contexts, mounted at\n\
             # their paths on the host (`weir docker build` passes trimmed copies of them):\n{}\n",
            names.join("\n")
        )
    };
    format!(
        "# syntax=docker/dockerfile:1
# Written by `weir docker init` for {name} {version}; edit it freely.
#
#   weir docker build                 # docker build -t {tag} .
#   weir docker run -- run --pipeline NAME
#   docker run --rm -v \"$PWD/data:/app/data\" {tag} run --env prod
{context_note}
# Build stage. The cache mounts keep Cargo's downloads and compiled dependencies between
# builds: a change to the project's code recompiles the project, not its dependencies.
FROM {rust_image} AS build
WORKDIR {workdir}
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \\
    --mount=type=cache,target=/usr/local/cargo/git \\
    --mount=type=cache,target={workdir}/target \\
{mounts}    cargo build --release --locked --bin {bin} \\
    && cp target/release/{bin} /usr/local/bin/{bin}

# Runtime stage: the binary, its configuration, CA certificates for object stores over TLS.
FROM {base_image}
WORKDIR /app
RUN groupadd --gid {USER_ID} weir \\
    && useradd --uid {USER_ID} --gid weir --no-log-init --no-create-home --home-dir /app \\
        --shell /usr/sbin/nologin weir \\
    && mkdir -p /app/data /app/.weir \\
    && chown {USER_ID}:{USER_ID} /app/data /app/.weir
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /usr/local/bin/{bin} /app/{bin}
# conf/local and credentials stay out (see .dockerignore): give them at run time.
COPY conf/ /app/conf/
USER {USER_ID}:{USER_ID}
# Datasets with relative paths read and write here: mount a folder or a volume.
VOLUME [\"/app/data\"]
ENTRYPOINT [\"/app/{bin}\"]
CMD [\"run\"]
",
        name = meta.name,
        version = meta.version,
    )
}

/// The text of the `.dockerignore`.
pub(crate) const DOCKERIGNORE: &str = "\
# Written by `weir docker init`: kept out of the image's build context.
# Build output and packages.
target/
dist/
# Data is mounted at run time (`-v \"$PWD/data:/app/data\"`), never baked in.
data/
# Run records, version control.
.weir/
.git/
# Local configuration and secrets. (This also leaves out a source file named credentials*:
# add a `!path/to/it` line below if the project has one.)
conf/local/
**/credentials*
.env
.env.*
";

fn init(root: &Path, args: &DockerInitArgs) -> Result<ExitCode, Failure> {
    let meta = project_meta(root, None)?;
    let folder = std::fs::canonicalize(shown(root)).unwrap_or_else(|_| shown(root).to_path_buf());
    let targets = [shown(root).join("Dockerfile"), shown(root).join(".dockerignore")];
    let existing: Vec<String> =
        targets.iter().filter(|t| t.exists()).map(|t| format!("`{}`", t.display())).collect();
    if !existing.is_empty() && !args.force {
        return Err(Failure::new(
            format!(
                "{} already exist{}",
                existing.join(" and "),
                if existing.len() == 1 { "s" } else { "" }
            ),
            "pass --force to overwrite, or move the files away first",
        ));
    }
    if meta.workspace_root != folder {
        tracing::warn!(
            workspace = %meta.workspace_root.display(),
            "the project is a member of a larger Cargo workspace: the image cannot be built from its folder alone; build from the workspace root with an adapted Dockerfile"
        );
    }
    if !shown(root).join("Cargo.lock").is_file() {
        tracing::warn!(
            "no Cargo.lock: the image builds with --locked; run `cargo generate-lockfile` (or any cargo build) and keep Cargo.lock with the project"
        );
    }
    let contexts = build_contexts(&meta);
    let base_image = args.base_image.as_deref().unwrap_or(DEFAULT_BASE_IMAGE);
    let rust_image = args.rust_image.clone().unwrap_or_else(|| rust_image(root));
    let text = dockerfile(&meta, &contexts, &folder, &rust_image, base_image);
    for (path, body) in [(&targets[0], text.as_str()), (&targets[1], DOCKERIGNORE)] {
        write_text(path, body)?;
    }
    Ok(super::print_stdout(&format!(
        "wrote {} and {}\nbuild the image with `weir docker build` (docker build -t {}:{} .)\n",
        targets[0].display(),
        targets[1].display(),
        meta.name,
        meta.version
    )))
}

fn write_text(path: &Path, body: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    let failure = |error: &dyn std::fmt::Display| {
        Failure::new(
            format!("cannot write `{}`: {error}", path.display()),
            "check that the project folder is writable",
        )
    };
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(|e| failure(&e))?;
    file.write_all(body.as_bytes()).map_err(|e| failure(&e))?;
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

/// The docker CLI: `WEIR_DOCKER`, else `docker` on PATH.
fn docker_cli() -> Result<OsString, Failure> {
    let wanted = std::env::var_os("WEIR_DOCKER").filter(|d| !d.is_empty());
    let name = wanted.clone().unwrap_or_else(|| "docker".into());
    if Path::new(&name).components().count() > 1 {
        return if Path::new(&name).is_file() {
            Ok(name)
        } else {
            Err(missing(&name, wanted.is_some()))
        };
    }
    let found = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| is_executable(&dir.join(&name)))
    });
    if found { Ok(name) } else { Err(missing(&name, wanted.is_some())) }
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file() || path.with_extension("exe").is_file()
    }
}

fn missing(name: &std::ffi::OsStr, from_variable: bool) -> Failure {
    let name = name.to_string_lossy();
    let source = if from_variable { " (named by WEIR_DOCKER)" } else { "" };
    Failure::new(
        format!("the docker command `{name}`{source} was not found on PATH"),
        "install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop, \
         or set WEIR_DOCKER to a compatible CLI such as `podman`; `weir docker init` and \
         `weir package` work without it",
    )
}

fn image_tag(meta: &ProjectMeta, tag: Option<&str>) -> String {
    tag.map_or_else(|| format!("{}:{}", meta.name, meta.version), str::to_owned)
}

fn build(root: &Path, args: &DockerBuildArgs) -> Result<ExitCode, Failure> {
    let docker = docker_cli()?;
    if !shown(root).join("Dockerfile").is_file() {
        return Err(Failure::new(
            format!("no `Dockerfile` in `{}`", shown(root).display()),
            "write one with `weir docker init`",
        ));
    }
    let meta = project_meta(root, None)?;
    let tag = image_tag(&meta, args.tag.as_deref());
    let staging = tempfile::Builder::new().prefix("weir-docker-").tempdir().map_err(|error| {
        Failure::new(format!("cannot create a temporary folder: {error}"), "check TMPDIR")
    })?;
    let mut command = Command::new(&docker);
    command.arg("build").arg("--tag").arg(&tag);
    for (index, context) in build_contexts(&meta).iter().enumerate() {
        let copy = staging.path().join(index.to_string());
        copy_trimmed(&context.folder, &copy)?;
        let mut value = OsString::from(format!("{}=", context.name));
        value.push(copy.as_os_str());
        command.arg("--build-context").arg(value);
    }
    command.args(&args.docker_args).arg(shown(root));
    tracing::info!(tag = tag.as_str(), "building the image");
    let code = run_docker(command, &docker)?;
    if code == ExitCode::SUCCESS {
        report::write_stderr(&format!("built {tag}; run it with `weir docker run`\n"));
    }
    Ok(code)
}

fn run(root: &Path, args: &DockerRunArgs) -> Result<ExitCode, Failure> {
    let docker = docker_cli()?;
    let meta = project_meta(root, None)?;
    let data = std::fs::canonicalize(shown(root))
        .unwrap_or_else(|_| shown(root).to_path_buf())
        .join("data");
    let mut volume = data.into_os_string();
    volume.push(":/app/data");
    let mut command = Command::new(&docker);
    command
        .args(["run", "--rm", "--volume"])
        .arg(volume)
        .arg(image_tag(&meta, args.tag.as_deref()))
        .args(&args.args);
    run_docker(command, &docker)
}

fn run_docker(mut command: Command, docker: &std::ffi::OsStr) -> Result<ExitCode, Failure> {
    let status = command.status().map_err(|error| {
        Failure::new(
            format!("cannot start `{}`: {error}", docker.to_string_lossy()),
            "check the docker installation (`docker version`)",
        )
    })?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::from(EXIT_USAGE),
    })
}

/// Copies `from` into `to`, leaving out build output, version control, data and hidden
/// entries: what a named build context needs is the sources and manifests.
fn copy_trimmed(from: &Path, to: &Path) -> Result<(), Failure> {
    let failure = |path: &Path, error: &std::io::Error| {
        Failure::new(
            format!("cannot copy `{}` for the build context: {error}", path.display()),
            "check the folder's permissions and the free space in TMPDIR",
        )
    };
    std::fs::create_dir_all(to).map_err(|e| failure(to, &e))?;
    for entry in std::fs::read_dir(from).map_err(|e| failure(from, &e))? {
        let entry = entry.map_err(|e| failure(from, &e))?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if text.starts_with('.') || matches!(text.as_ref(), "target" | "dist" | "data") {
            continue;
        }
        let kind = entry.file_type().map_err(|e| failure(&entry.path(), &e))?;
        if kind.is_dir() {
            copy_trimmed(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).map_err(|e| failure(&entry.path(), &e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(outside: &[(&str, &str)]) -> ProjectMeta {
        ProjectMeta {
            name: "iris".to_owned(),
            version: "0.1.0".to_owned(),
            bin: "iris".to_owned(),
            target_dir: PathBuf::from("/p/target"),
            workspace_root: PathBuf::from("/p"),
            outside_paths: outside
                .iter()
                .map(|(n, p)| ((*n).to_owned(), PathBuf::from(p)))
                .collect(),
        }
    }

    #[test]
    fn the_dockerfile_runs_the_binary_with_arguments_passed_on() {
        let text = dockerfile(
            &meta(&[]),
            &[],
            Path::new("/p"),
            "rust:1.95.0-slim-bookworm",
            DEFAULT_BASE_IMAGE,
        );
        assert!(text.contains("FROM rust:1.95.0-slim-bookworm AS build"), "{text}");
        assert!(text.contains("WORKDIR /src"), "{text}");
        assert!(text.contains("cargo build --release --locked --bin iris"), "{text}");
        assert!(text.contains("FROM debian:bookworm-slim\n"), "{text}");
        assert!(text.contains("USER 10001:10001"), "{text}");
        assert!(text.contains("ENTRYPOINT [\"/app/iris\"]\nCMD [\"run\"]"), "{text}");
        assert!(!text.contains("--mount=type=bind"), "{text}");
    }

    #[test]
    fn outside_dependencies_are_mounted_at_their_paths() {
        let contexts =
            vec![BuildContext { name: "dep-weir".to_owned(), folder: PathBuf::from("/src/weir") }];
        let text = dockerfile(
            &meta(&[]),
            &contexts,
            Path::new("/home/me/iris"),
            "rust:1",
            "debian:bookworm-slim",
        );
        assert!(text.contains("WORKDIR /home/me/iris"), "{text}");
        assert!(
            text.contains("--mount=type=bind,from=dep-weir,target=/src/weir,readonly"),
            "{text}"
        );
        assert!(text.contains("--mount=type=cache,target=/home/me/iris/target"), "{text}");
    }

    #[test]
    fn versions_are_recognised() {
        assert!(is_version("1.95.0"));
        assert!(!is_version("stable"));
        assert!(!is_version(""));
    }
}
