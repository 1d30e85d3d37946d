//! The command-line grammar (clap). Parsing only: the commands live in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The arguments every project binary and the `weir` command accept.
#[derive(Debug, Parser)]
#[command(
    name = "weir",
    version,
    about = "Run, inspect and list the pipelines of a weir project",
    long_about = "Run, inspect and list the pipelines of a weir project.\n\n\
        Commands run inside a project: the folder holding `conf/base` (or a child of it), or \
        the folder given with --project-dir.",
    propagate_version = true
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options that apply to every command.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// The project's root folder [default: the nearest folder with `conf/base`]
    #[arg(long, global = true, env = "WEIR_PROJECT_DIR", value_name = "DIR")]
    pub(crate) project_dir: Option<PathBuf>,

    /// More log detail (-v: debug, -vv: trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub(crate) verbose: u8,

    /// Only warnings and errors
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,

    /// How log events are written to stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,

    /// The run records file [default: <project>/.weir/runs.sqlite]
    #[arg(long, global = true, env = "WEIR_RUNS_DB", value_name = "FILE")]
    pub(crate) runs_db: Option<PathBuf>,
}

/// The shape of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per event and line.
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a pipeline, or part of one
    Run(RunArgs),
    /// Inspect the data catalog
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Inspect the project's pipelines
    #[command(subcommand)]
    Pipeline(PipelineCommand),
    /// Serve a pipeline over HTTP for online predictions
    Serve(ServeArgs),
    /// List, show and compare recorded runs
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Draw the pipelines as a graph in the browser, or export the graph
    Viz(VizArgs),
}

/// Which configuration to read.
#[derive(Debug, Clone, Args)]
pub(crate) struct ConfigArgs {
    /// The configuration environment layered over `base`
    #[arg(short, long, env = "WEIR_ENV", default_value = "local", value_name = "ENV")]
    pub(crate) env: String,

    /// The configuration folder [default: <project>/conf]
    #[arg(long, value_name = "PATH")]
    pub(crate) conf_source: Option<PathBuf>,

    /// Override parameters: "key=value,other.key=value" (values are read as YAML)
    #[arg(long, value_name = "KEY=VALUE,...")]
    pub(crate) params: Option<String>,
}

#[derive(Debug, Clone, Args)]
#[allow(clippy::struct_excessive_bools, reason = "each flag is an independent command-line switch")]
pub(crate) struct RunArgs {
    /// The pipeline(s) to run; several (comma-separated or repeated) run as one
    #[arg(
        short,
        long = "pipeline",
        visible_alias = "pipelines",
        value_delimiter = ',',
        default_value = "__default__",
        value_name = "NAMES"
    )]
    pub(crate) pipelines: Vec<String>,

    #[command(flatten)]
    pub(crate) config: ConfigArgs,

    /// Run only these nodes (comma-separated or repeated)
    #[arg(short = 'n', long, value_delimiter = ',', value_name = "NAMES")]
    pub(crate) nodes: Vec<String>,

    /// Run only nodes with any of these tags
    #[arg(short, long, value_delimiter = ',', value_name = "TAGS")]
    pub(crate) tags: Vec<String>,

    /// Run these nodes and everything downstream of them
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub(crate) from_nodes: Vec<String>,

    /// Run these nodes and everything upstream of them
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub(crate) to_nodes: Vec<String>,

    /// Run the nodes that depend on these datasets, and everything downstream
    #[arg(long, value_delimiter = ',', value_name = "DATASETS")]
    pub(crate) from_inputs: Vec<String>,

    /// Run the nodes needed to produce these datasets
    #[arg(long, value_delimiter = ',', value_name = "DATASETS")]
    pub(crate) to_outputs: Vec<String>,

    /// Run only the nodes in these namespaces (and namespaces nested in them)
    #[arg(
        long = "namespaces",
        visible_alias = "namespace",
        value_delimiter = ',',
        value_name = "NAMESPACES"
    )]
    pub(crate) namespaces: Vec<String>,

    /// Read defaults for these options from a YAML file's `run:` section (the command line wins)
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub(crate) run_config: Option<PathBuf>,

    /// Run only the nodes whose persisted outputs are missing, plus the nodes they need
    #[arg(long)]
    pub(crate) only_missing_outputs: bool,

    /// Load these dataset versions: "dataset:version,..." (also `-lv`, as in Kedro)
    #[arg(long, value_delimiter = ',', value_name = "DATASET:VERSION")]
    pub(crate) load_versions: Vec<String>,

    /// How nodes run: one after another, or ready nodes at once on threads
    #[arg(short, long, value_enum, default_value_t = RunnerChoice::Sequential)]
    pub(crate) runner: RunnerChoice,

    /// Threads for `--runner parallel` [default: the number of cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) workers: Option<u16>,

    /// Load each node's inputs and save its outputs concurrently
    #[arg(long = "async")]
    pub(crate) is_async: bool,

    /// Runner settings: `max_workers=N` (Kedro's name for --workers), `is_async=true`
    #[arg(long, value_delimiter = ',', value_name = "KEY=VALUE,...")]
    pub(crate) runner_params: Vec<String>,

    /// Skip nodes whose outputs exist and whose inputs, parameters and code are unchanged
    /// since those outputs were written
    #[arg(long)]
    pub(crate) skip_unchanged: bool,

    /// With --skip-unchanged: say for each node why it ran or was skipped
    #[arg(long, requires = "skip_unchanged")]
    pub(crate) explain: bool,

    /// Resume the latest failed or interrupted run of the same pipeline and environment
    #[arg(long, conflicts_with_all = ["nodes", "tags", "from_nodes", "to_nodes", "from_inputs", "to_outputs", "namespaces", "only_missing_outputs", "load_versions"])]
    pub(crate) resume: bool,

    /// Do not write this run to the run records
    #[arg(long, conflicts_with_all = ["resume", "skip_unchanged"])]
    pub(crate) no_record: bool,
}

/// The runners `--runner` chooses from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RunnerChoice {
    /// One node after another, in the pipeline's order.
    #[value(alias = "SequentialRunner")]
    Sequential,
    /// Nodes whose inputs are ready at the same time, on threads. Kedro's process-based
    /// `ParallelRunner` and its `ThreadRunner` both map here.
    #[value(alias = "ParallelRunner", alias = "ThreadRunner")]
    Parallel,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CatalogCommand {
    /// List the datasets of each pipeline with type and location
    List(CatalogListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CatalogListArgs {
    /// Only this pipeline [default: every pipeline]
    #[arg(short, long, value_name = "NAME")]
    pub(crate) pipeline: Option<String>,

    #[command(flatten)]
    pub(crate) config: ConfigArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PipelineCommand {
    /// List the project's pipelines
    List(PipelineListArgs),
    /// Show a pipeline's nodes in run order with their inputs and outputs
    Describe(PipelineDescribeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PipelineListArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct PipelineDescribeArgs {
    /// The pipeline to describe
    #[arg(default_value = "__default__")]
    pub(crate) name: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RunsCommand {
    /// The most recent runs, newest first
    List(RunsListArgs),
    /// One run: options, parameters, nodes and datasets
    Show(RunsShowArgs),
    /// Two runs side by side: parameters, metrics and node durations
    Diff(RunsDiffArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RunsListArgs {
    /// How many runs to show
    #[arg(short = 'n', long, default_value_t = 20, value_name = "N")]
    pub(crate) limit: usize,

    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct RunsShowArgs {
    /// The run's id, or `latest`
    pub(crate) id: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct RunsDiffArgs {
    /// The first run's id (`latest` works too)
    pub(crate) first: String,

    /// The second run's id (`latest` works too)
    pub(crate) second: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
}

/// How listings are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Aligned text for people.
    Table,
    /// JSON for programs.
    Json,
}

/// `serve`: a pipeline behind an HTTP prediction API (see docs/serving.md).
#[derive(Debug, Clone, Args)]
pub(crate) struct ServeArgs {
    /// The pipeline to serve
    #[arg(short, long, default_value = "__default__", value_name = "NAME")]
    pub(crate) pipeline: String,

    #[command(flatten)]
    pub(crate) config: ConfigArgs,

    /// A dataset each request fills with its rows (repeatable) [default: the pipeline's only
    /// free input that the catalog declares as a table]
    #[arg(short, long = "input", value_name = "DATASET")]
    pub(crate) inputs: Vec<String>,

    /// The dataset returned to the client [default: the pipeline's only final output]
    #[arg(short, long, value_name = "DATASET")]
    pub(crate) output: Option<String>,

    /// The address to listen on
    #[arg(long, env = "WEIR_SERVE_HOST", default_value = "127.0.0.1", value_name = "HOST")]
    pub(crate) host: String,

    /// The port to listen on (0: any free port)
    #[arg(long, env = "AIP_HTTP_PORT", default_value_t = 8080, value_name = "PORT")]
    pub(crate) port: u16,

    /// The largest request body accepted, in bytes
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
    pub(crate) max_body_bytes: usize,

    /// How many requests may be in flight at once; more are refused with 503 [default: 64]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) max_concurrency: Option<u16>,

    /// An extra path answering like /ready (Vertex AI sets it)
    #[arg(long, env = "AIP_HEALTH_ROUTE", value_name = "PATH")]
    pub(crate) health_route: Option<String>,

    /// An extra path scoring like /v1/pipelines/<name>/predict (Vertex AI sets it)
    #[arg(long, env = "AIP_PREDICT_ROUTE", value_name = "PATH")]
    pub(crate) predict_route: Option<String>,
}

/// `viz`: a page drawing the pipelines, or `viz export`.
#[derive(Debug, Clone, Args)]
pub(crate) struct VizArgs {
    #[command(subcommand)]
    pub(crate) command: Option<VizCommand>,

    /// The pipeline shown first
    #[arg(short, long, default_value = "__default__", value_name = "NAME")]
    pub(crate) pipeline: String,

    #[command(flatten)]
    pub(crate) config: ConfigArgs,

    /// The address to listen on
    #[arg(long, default_value = "127.0.0.1", value_name = "HOST")]
    pub(crate) host: String,

    /// The port to listen on (0: any free port)
    #[arg(long, default_value_t = 4141, value_name = "PORT")]
    pub(crate) port: u16,
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum VizCommand {
    /// Write the graph as a file (no server): HTML that works offline, SVG, Mermaid, DOT or JSON
    Export(VizExportArgs),
}

#[derive(Debug, Clone, Args)]
pub(crate) struct VizExportArgs {
    /// What to write
    #[arg(long, value_enum)]
    pub(crate) format: VizFormat,

    /// The pipeline to draw
    #[arg(short, long, default_value = "__default__", value_name = "NAME")]
    pub(crate) pipeline: String,

    /// The file to write [default: stdout]
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Draw parameter inputs too
    #[arg(long)]
    pub(crate) parameters: bool,

    /// Draw these namespaces as one box each (comma-separated or repeated)
    #[arg(long, value_delimiter = ',', value_name = "NAMESPACES")]
    pub(crate) collapse: Vec<String>,

    #[command(flatten)]
    pub(crate) config: ConfigArgs,
}

/// The formats of `viz export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum VizFormat {
    /// One self-contained page (works offline).
    Html,
    /// A picture, laid out like the page.
    Svg,
    /// A Mermaid flowchart.
    Mermaid,
    /// A Graphviz digraph.
    Dot,
    /// The graph model with its layout.
    Json,
}
