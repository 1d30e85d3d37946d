//! `run -c/--config run.yml`: defaults for `run` read from a YAML file's `run:` section, as
//! Kedro's `kedro run --config` does. Values given on the command line win.
//!
//! The keys are the long option names, with `_` or `-` (`from_nodes`, `load-versions`), plus
//! Kedro's own spellings (`node_names` for `--nodes`, `pipeline`, `namespace`, `async`). A list
//! becomes a comma-separated value, a mapping (`params: {model.C: 0.5}`) becomes `k=v` pairs, and
//! `true` turns a flag on.

use std::ffi::OsString;

use clap::parser::ValueSource;
use clap::{ArgMatches, Command};

/// The arguments with the config file's defaults appended for every `run` option the command
/// line did not set; the arguments unchanged when there is no `--config`.
pub(crate) fn apply(command: &Command, args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let Ok(matches) = command.clone().try_get_matches_from(args.clone()) else {
        // Let the real parse report the usage error.
        return Ok(args);
    };
    let Some(("run", run)) = matches.subcommand() else { return Ok(args) };
    let Some(path) = run.get_one::<std::path::PathBuf>("run_config") else { return Ok(args) };
    let run_command = command.find_subcommand("run").expect("`run` is a subcommand");

    let defaults = read_run_section(path)?;
    let mut extended = args;
    for (key, value) in defaults {
        let Some(arg) = find_arg(run_command, &key) else {
            let known: Vec<String> = run_command
                .get_arguments()
                .filter_map(|a| a.get_long().map(|l| l.replace('-', "_")))
                .collect();
            let hint = weir_core::error::did_you_mean(&key, known.iter().map(String::as_str))
                .unwrap_or_else(|| "use the long names of `run --help`".to_owned());
            return Err(format!(
                "`{}`: unknown option `{key}` in the `run:` section\nhint: {hint}",
                path.display()
            ));
        };
        if set_on_command_line(run, arg.get_id().as_str()) {
            continue;
        }
        let long = arg.get_long().expect("found by its long name");
        extended.extend(option_args(long, &value).into_iter().map(OsString::from));
    }
    Ok(extended)
}

fn read_run_section(path: &std::path::Path) -> Result<Vec<(String, serde_norway::Value)>, String> {
    let text = fs_read(path)?;
    let document: serde_norway::Value = serde_norway::from_str(&text)
        .map_err(|error| format!("`{}` is not valid YAML: {error}", path.display()))?;
    let Some(section) = document.get("run").and_then(serde_norway::Value::as_mapping) else {
        return Err(format!(
            "`{}` has no `run:` section\nhint: put the defaults under `run:`, e.g. `run:\\n  pipeline: training`",
            path.display()
        ));
    };
    Ok(section
        .iter()
        .filter_map(|(key, value)| Some((key.as_str()?.to_owned(), value.clone())))
        .collect())
}

fn fs_read(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read `{}`: {error}", path.display()))
}

/// The `run` option a config key names.
fn find_arg<'a>(run: &'a Command, key: &str) -> Option<&'a clap::Arg> {
    let key = match key.replace('_', "-").as_str() {
        "node-names" => "nodes".to_owned(),
        other => other.to_owned(),
    };
    run.get_arguments().find(|arg| {
        arg.get_long() == Some(key.as_str())
            || arg.get_all_aliases().is_some_and(|aliases| aliases.contains(&key.as_str()))
    })
}

fn set_on_command_line(run: &ArgMatches, id: &str) -> bool {
    matches!(run.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
}

/// `--long=value` for a config value; nothing for `false` or null.
fn option_args(long: &str, value: &serde_norway::Value) -> Vec<String> {
    match value {
        serde_norway::Value::Bool(true) => vec![format!("--{long}")],
        serde_norway::Value::Bool(false) | serde_norway::Value::Null => Vec::new(),
        serde_norway::Value::Sequence(items) => {
            let parts: Vec<String> = items.iter().map(scalar_text).collect();
            vec![format!("--{long}={}", parts.join(","))]
        }
        serde_norway::Value::Mapping(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("{}={}", scalar_text(key), scalar_text(value)))
                .collect();
            vec![format!("--{long}={}", parts.join(","))]
        }
        other => vec![format!("--{long}={}", scalar_text(other))],
    }
}

fn scalar_text(value: &serde_norway::Value) -> String {
    match value {
        serde_norway::Value::String(text) => text.clone(),
        serde_norway::Value::Number(number) => number.to_string(),
        serde_norway::Value::Bool(flag) => flag.to_string(),
        other => serde_norway::to_string(other).unwrap_or_default().trim().to_owned(),
    }
}
