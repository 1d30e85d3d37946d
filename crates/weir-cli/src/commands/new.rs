//! `weir new NAME` and `weir pipeline create/delete NAME`: the standalone binary's scaffolding
//! commands. The files themselves come from [`super::scaffold`].

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::scaffold::{self, ScaffoldError, templates};
use crate::report::{self, EXIT_USAGE};

/// The starters `weir new` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Starter {
    /// An empty project: the layout, no pipelines (add them with `weir pipeline create`).
    Empty,
    /// The iris example: data engineering, training and inference.
    Iris,
    /// The diabetes example: generation, training, search, backtest, importances, inference.
    Diabetes,
}

impl Starter {
    fn name(self) -> &'static str {
        match self {
            Starter::Empty => "empty",
            Starter::Iris => "iris",
            Starter::Diabetes => "diabetes",
        }
    }
}

/// `weir new` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct NewArgs {
    /// The project's name, also its crate name (letters, digits, `_`, `-`)
    pub(crate) name: String,

    /// What the project starts from
    #[arg(long, value_enum, default_value_t = Starter::Empty)]
    pub(crate) starter: Starter,

    /// The folder to create the project in [default: the current folder]
    #[arg(long, value_name = "DIR")]
    pub(crate) path: Option<PathBuf>,

    /// The `weir` crate the project depends on: the `crates/weir` folder of a weir checkout
    /// [default: the checkout this `weir` was built from]
    #[arg(long, env = "WEIR_PATH", value_name = "DIR")]
    pub(crate) weir_path: Option<PathBuf>,
}

/// Runs `weir new`.
pub(crate) fn new(args: &NewArgs) -> ExitCode {
    match create_project(args) {
        Ok(root) => {
            let shown = root.display();
            let mut text = format!(
                "created project `{}` in `{shown}` from the `{}` starter\n\nnext steps:\n  \
                 cd {shown}\n  weir run        # build and run the default pipeline\n  \
                 cargo test      # run the project's tests\n",
                args.name,
                args.starter.name()
            );
            if args.starter != Starter::Empty {
                text.push_str(&format!("\n{}\n", templates::course_data_hint(args.starter.name())));
            }
            super::print_stdout(&text)
        }
        Err(error) => fail(&error),
    }
}

fn create_project(args: &NewArgs) -> Result<PathBuf, ScaffoldError> {
    scaffold::validate_crate_name(&args.name)?;
    let parent = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = parent.join(&args.name);
    if root.exists() {
        return Err(ScaffoldError::new(
            format!("`{}` already exists", root.display()),
            "pick another name, pass --path DIR to create it elsewhere, or remove that folder",
        ));
    }
    let weir_path = match args.weir_path.as_deref() {
        Some(dir) => checked_weir_path(dir)?,
        None => default_weir_path(Path::new(BUILT_FROM))?,
    };
    let dependency = templates::weir_dependency(&weir_path);
    let files = scaffold::render_project(&args.name, args.starter.name(), &dependency)?;
    // A name equal to one of the project's own dependencies would hide that crate.
    let manifest = files.iter().find(|(path, _)| path == "Cargo.toml");
    let dependencies = manifest
        .map(|(_, text)| scaffold::manifest_dependencies(&String::from_utf8_lossy(text)))
        .unwrap_or_default();
    if let Some(krate) = scaffold::clashing_crate(&args.name, &dependencies) {
        return Err(scaffold::crate_clash("project", &args.name, &krate));
    }

    std::fs::create_dir_all(&root)
        .map_err(|e| ScaffoldError::io("create the folder", &root, &e))?;
    if let Err(error) = scaffold::write_files(&root, &files) {
        // The folder is ours (it did not exist): leave no half-written project behind.
        let _ignored = std::fs::remove_dir_all(&root);
        return Err(error);
    }
    Ok(root)
}

/// The `crates/weir` folder of the checkout this binary was built from.
const BUILT_FROM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../weir");

/// The default `weir` crate: `built_from` when it still holds the crate, else an error saying
/// to pass `--weir-path` (weir is not on crates.io: the `weir` name there is someone else's).
fn default_weir_path(built_from: &Path) -> Result<PathBuf, ScaffoldError> {
    if built_from.join("Cargo.toml").is_file() {
        return checked_weir_path(built_from);
    }
    Err(ScaffoldError::new(
        format!(
            "the weir checkout this command was built from (`{}`) is gone, and weir is not \
             published on crates.io",
            built_from.display()
        ),
        "pass a checkout's crate folder: --weir-path <checkout>/crates/weir (or set WEIR_PATH)",
    ))
}

/// The `weir` crate's folder, absolute, checked to hold that crate.
fn checked_weir_path(dir: &Path) -> Result<PathBuf, ScaffoldError> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap_or_default();
    let is_weir = text.lines().any(|line| line.replace(' ', "") == "name=\"weir\"");
    if !is_weir {
        return Err(ScaffoldError::new(
            format!("`{}` does not hold the `weir` crate", dir.display()),
            "pass the `crates/weir` folder of a weir checkout, e.g. --weir-path ~/weir/crates/weir",
        ));
    }
    dir.canonicalize().map_err(|e| ScaffoldError::io("resolve", dir, &e))
}

/// Runs `weir pipeline create NAME` in the project found from the current folder.
pub(crate) fn pipeline_create(name: &str) -> ExitCode {
    let result = project_root().and_then(|root| scaffold::pipeline::create(&root, name));
    match result {
        Ok(files) => super::print_stdout(&format!(
            "created pipeline `{name}`:\n{}\nrun it with `weir run --pipeline {name}`\n",
            list(&files)
        )),
        Err(error) => fail(&error),
    }
}

/// Runs `weir pipeline delete NAME` in the project found from the current folder, after a
/// `[y/N]` question on a terminal; elsewhere only with `--yes`, since the files may hold
/// hand-written code.
pub(crate) fn pipeline_delete(name: &str, yes: bool) -> ExitCode {
    let planned = project_root()
        .and_then(|root| scaffold::pipeline::delete_plan(&root, name).map(|files| (root, files)));
    let (root, files) = match planned {
        Ok(found) => found,
        Err(error) => return fail(&error),
    };
    if !yes {
        if !std::io::stdin().is_terminal() {
            report::print_message(
                &format!(
                    "`weir pipeline delete {name}` would delete {} file(s) and its lines in \
                     `src/pipelines/mod.rs`:\n{}",
                    files.len(),
                    list(&files)
                ),
                &[format!(
                    "stdin is not a terminal, so weir cannot ask: pass --yes to delete them \
                     (`weir pipeline delete {name} --yes`)"
                )],
            );
            return ExitCode::from(EXIT_USAGE);
        }
        if !confirm(&format!("Delete {} file(s)?\n{}\n[y/N] ", files.len(), list(&files))) {
            return super::print_stdout("nothing deleted\n");
        }
    }
    match scaffold::pipeline::delete(&root, name) {
        Ok(files) => super::print_stdout(&format!(
            "deleted pipeline `{name}`; removed:\n{}\nand its lines in `src/pipelines/mod.rs`\n",
            list(&files)
        )),
        Err(error) => fail(&error),
    }
}

/// Asks `question` on stderr; true only for an answer of `y` or `yes`.
fn confirm(question: &str) -> bool {
    report::write_stderr(question);
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

fn list(files: &[PathBuf]) -> String {
    files.iter().map(|f| format!("  {}", f.display())).collect::<Vec<_>>().join("\n")
}

fn project_root() -> Result<PathBuf, ScaffoldError> {
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    scaffold::find_cargo_project(&here).ok_or_else(|| {
        ScaffoldError::new(
            format!("no weir project found in `{}` or its parents", here.display()),
            "run the command inside a project made by `weir new NAME`",
        )
    })
}

fn fail(error: &ScaffoldError) -> ExitCode {
    report::print_message(&error.message, &error.hints);
    ExitCode::from(EXIT_USAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_weir_crate_is_the_checkout_built_from() {
        let found = default_weir_path(Path::new(BUILT_FROM)).unwrap();
        assert!(found.is_absolute() && found.join("Cargo.toml").is_file(), "{found:?}");
        assert!(found.ends_with("crates/weir"), "{found:?}");
    }

    #[test]
    fn a_missing_checkout_is_an_error_naming_weir_path() {
        let dir = tempfile::tempdir().unwrap();
        let error = default_weir_path(&dir.path().join("gone/crates/weir")).unwrap_err();
        assert!(error.message.contains("is gone"), "{}", error.message);
        assert!(error.hints[0].contains("--weir-path <checkout>/crates/weir"), "{:?}", error.hints);
    }
}
