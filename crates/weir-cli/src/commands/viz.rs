//! `viz`: serves a page drawing the project's pipelines (until Ctrl-C or SIGTERM), and
//! `viz export` writes the same graph as HTML, SVG, Mermaid, DOT or JSON without a server.
//!
//! The work lives in `weir_server::viz`; this command opens the session, prints the page's
//! address as one line on stdout (`weir viz: http://127.0.0.1:PORT/`, so scripts can read it),
//! and renders start-up errors (exit code 2; 0 after a clean shutdown).

use std::path::Path;
use std::process::ExitCode;

use weir_core::catalog::storage::write_bytes_atomic;
use weir_core::project::ProjectDefinition;
use weir_server::viz::{self, ExportFormat, GraphOptions, VizServer};

use crate::cli::{GlobalArgs, VizArgs, VizCommand, VizExportArgs, VizFormat};
use crate::recording::store_path;
use crate::report::{self, EXIT_USAGE};

pub(crate) fn viz(
    project: ProjectDefinition,
    root: &Path,
    global: &GlobalArgs,
    args: &VizArgs,
) -> ExitCode {
    if let Some(VizCommand::Export(export_args)) = &args.command {
        return export(project, root, export_args);
    }
    if project.pipelines.names().next().is_none() {
        report::write_stderr(
            "error: this binary has no pipelines to draw\nhint: a project's pipelines are compiled into its own binary: run `cargo run -- viz` inside the project\n",
        );
        return ExitCode::from(EXIT_USAGE);
    }

    let session = match super::open_session(project, root, &args.config, &[]) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let server = match VizServer::new(session, &args.pipeline, store_path(global, root)) {
        Ok(server) => server,
        Err(error) => return report::fail(&error, EXIT_USAGE),
    };
    let address = format!("{}:{}", bracket_ipv6(&args.host), args.port);
    tracing::info!(pipeline = args.pipeline.as_str(), address = address.as_str(), "starting viz");
    let printed = server.run_until_signal(&address, |local| {
        super::print_stdout(&format!("weir viz: http://{local}/\n"));
    });
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report::fail(&error, EXIT_USAGE),
    }
}

fn export(project: ProjectDefinition, root: &Path, args: &VizExportArgs) -> ExitCode {
    let session = match super::open_session(project, root, &args.config, &[]) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let options = GraphOptions {
        show_parameters: args.parameters,
        collapsed: args.collapse.iter().cloned().collect(),
    };
    let text = match viz::export(&session, &args.pipeline, format_of(args.format), &options) {
        Ok(text) => text,
        Err(error) => return report::fail(&error, EXIT_USAGE),
    };
    let Some(output) = &args.output else {
        return super::print_stdout(&text);
    };
    match write_bytes_atomic(output, text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report::print_message(
                &format!("cannot write `{}`: {error}", output.display()),
                &["check that the folder exists and is writable".to_owned()],
            );
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn format_of(format: VizFormat) -> ExportFormat {
    match format {
        VizFormat::Html => ExportFormat::Html,
        VizFormat::Svg => ExportFormat::Svg,
        VizFormat::Mermaid => ExportFormat::Mermaid,
        VizFormat::Dot => ExportFormat::Dot,
        VizFormat::Json => ExportFormat::Json,
    }
}

/// `::1` becomes `[::1]` so the port can follow it.
fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        return format!("[{host}]");
    }
    host.to_owned()
}
