//! `weir new NAME` and `weir pipeline create/delete NAME`: the standalone binary's scaffolding
//! commands. The files themselves come from [`super::scaffold`].

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

    /// Depend on a local checkout of the `weir` crate (its folder, `crates/weir`) instead of
    /// the released version
    #[arg(long, env = "WEIR_PATH", value_name = "DIR")]
    pub(crate) weir_path: Option<PathBuf>,
}

/// Runs `weir new`.
pub(crate) fn new(args: &NewArgs) -> ExitCode {
    match create_project(args) {
        Ok(root) => {
            let shown = root.display();
            let text = format!(
                "created project `{}` in `{shown}` from the `{}` starter\n\nnext steps:\n  \
                 cd {shown}\n  weir run        # build and run the default pipeline\n  \
                 cargo test      # run the project's tests\n",
                args.name,
                args.starter.name()
            );
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
    let weir_path = args.weir_path.as_deref().map(checked_weir_path).transpose()?;
    let dependency = templates::weir_dependency(weir_path.as_deref());
    let files = scaffold::render_project(&args.name, args.starter.name(), &dependency)?;

    std::fs::create_dir_all(&root)
        .map_err(|e| ScaffoldError::io("create the folder", &root, &e))?;
    if let Err(error) = scaffold::write_files(&root, &files) {
        // The folder is ours (it did not exist): leave no half-written project behind.
        let _ignored = std::fs::remove_dir_all(&root);
        return Err(error);
    }
    Ok(root)
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

/// Runs `weir pipeline delete NAME` in the project found from the current folder.
pub(crate) fn pipeline_delete(name: &str) -> ExitCode {
    let result = project_root().and_then(|root| scaffold::pipeline::delete(&root, name));
    match result {
        Ok(files) => super::print_stdout(&format!(
            "deleted pipeline `{name}`; removed:\n{}\nand its lines in `src/pipelines/mod.rs`\n",
            list(&files)
        )),
        Err(error) => fail(&error),
    }
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
