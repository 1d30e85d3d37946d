//! `serve`: loads a pipeline's artefacts once and scores HTTP requests with it until SIGTERM.
//!
//! The work lives in weir-server; this command only turns arguments into its options, opens the
//! session and renders start-up errors (exit code 2; 0 after a clean shutdown).

use std::path::Path;
use std::process::ExitCode;

use weir_core::project::ProjectDefinition;
use weir_server::{ServeOptions, ServedPipeline, Server};

use crate::cli::ServeArgs;
use crate::report::{self, EXIT_USAGE};

pub(crate) fn serve(project: ProjectDefinition, root: &Path, args: &ServeArgs) -> ExitCode {
    if project.pipelines.names().next().is_none() {
        report::write_stderr(
            "error: this binary has no pipelines to serve\nhint: a project's pipelines are compiled into its own binary: run `cargo run -- serve` inside the project\n",
        );
        return ExitCode::from(EXIT_USAGE);
    }
    if let Some(route) = [&args.health_route, &args.predict_route]
        .into_iter()
        .flatten()
        .find(|route| !route.starts_with('/'))
    {
        report::write_stderr(&format!(
            "error: route `{route}` does not start with `/`\nhint: give an absolute path, e.g. `/predict`\n"
        ));
        return ExitCode::from(EXIT_USAGE);
    }

    let session = match super::open_session(project, root, &args.config, &[]) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let served = match ServedPipeline::from_session(
        &session,
        &args.pipeline,
        &args.inputs,
        args.output.as_deref(),
    ) {
        Ok(served) => served,
        Err(error) => return report::fail(&error, EXIT_USAGE),
    };

    let server = Server::new(vec![served], options_of(args));
    let address = format!("{}:{}", bracket_ipv6(&args.host), args.port);
    tracing::info!(
        pipeline = args.pipeline.as_str(),
        env = args.config.env.as_str(),
        address = address.as_str(),
        "starting server"
    );
    match server.run_until_signal(&address) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report::fail(&error, EXIT_USAGE),
    }
}

fn options_of(args: &ServeArgs) -> ServeOptions {
    let defaults = ServeOptions::default();
    ServeOptions {
        max_body_bytes: args.max_body_bytes,
        max_concurrency: args.max_concurrency.map_or(defaults.max_concurrency, usize::from),
        health_route: args.health_route.clone(),
        predict_route: args.predict_route.clone(),
    }
}

/// `::1` becomes `[::1]` so the port can follow it.
fn bracket_ipv6(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        return format!("[{host}]");
    }
    host.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_hosts_are_bracketed() {
        assert_eq!(bracket_ipv6("::1"), "[::1]");
        assert_eq!(bracket_ipv6("127.0.0.1"), "127.0.0.1");
        assert_eq!(bracket_ipv6("[::1]"), "[::1]");
    }
}
