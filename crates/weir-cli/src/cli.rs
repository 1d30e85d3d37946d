//! The command-line grammar (clap). Parsing only: the commands live in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The arguments every project binary and the `weir` command accept.
#[derive(Debug, Parser)]
#[command(
    name = "weir",
    version = crate::commands::package::version_text(),
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
    /// Write a pipeline as an Airflow DAG, an Argo Workflow or a Kubeflow (Vertex AI) pipeline
    Export(ExportArgs),
    /// Build the project's binary and archive its configuration in dist/, stamped with the
    /// version and git commit
    Package(PackageArgs),
    /// Write a Dockerfile for the project, build its image, run it
    #[command(subcommand)]
    Docker(DockerCommand),
}

/// `package`: the release binary and the configuration archive (see docs/deploying.md).
#[derive(Debug, Clone, Args)]
pub(crate) struct PackageArgs {
    /// Where to write the binary, the archive and MANIFEST.json [default: <project>/dist]
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,

    /// Cargo's target folder [default: the project's, from `cargo metadata`]
    #[arg(long, value_name = "DIR")]
    pub(crate) target_dir: Option<PathBuf>,

    /// The Cargo profile to build with
    #[arg(long, default_value = "release", value_name = "PROFILE")]
    pub(crate) profile: String,

    /// The binary to package, when the project has several
    #[arg(long, value_name = "NAME")]
    pub(crate) bin: Option<String>,

    /// More arguments for `cargo build` (after `--`), e.g. `-- --locked`
    #[arg(last = true, value_name = "CARGO_ARGS")]
    pub(crate) cargo_args: Vec<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum DockerCommand {
    /// Write a multi-stage Dockerfile and a .dockerignore into the project
    Init(DockerInitArgs),
    /// Build the image with the docker CLI (`docker build -t <name>:<version> .`)
    Build(DockerBuildArgs),
    /// Run the image with the project's data/ folder mounted (`docker run --rm ...`)
    Run(DockerRunArgs),
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DockerInitArgs {
    /// The runtime stage's image [default: debian:bookworm-slim]
    #[arg(long, value_name = "IMAGE")]
    pub(crate) base_image: Option<String>,

    /// The build stage's image [default: rust:<this toolchain's version>-slim-bookworm]
    #[arg(long, value_name = "IMAGE")]
    pub(crate) rust_image: Option<String>,

    /// Overwrite an existing Dockerfile and .dockerignore
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DockerBuildArgs {
    /// The image's tag [default: <name>:<version>]
    #[arg(short, long, value_name = "TAG")]
    pub(crate) tag: Option<String>,

    /// More arguments for `docker build` (after `--`)
    #[arg(last = true, value_name = "DOCKER_ARGS")]
    pub(crate) docker_args: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DockerRunArgs {
    /// The image to run [default: <name>:<version>]
    #[arg(short, long, value_name = "TAG")]
    pub(crate) tag: Option<String>,

    /// Arguments for the project's binary in the container (after `--`) [default: `run`]
    #[arg(last = true, value_name = "ARGS")]
    pub(crate) args: Vec<String>,
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
    #[command(visible_alias = "describe-datasets")]
    List(CatalogListArgs),
    /// Show one dataset as the catalog resolves it: entry, type, location, factory, versions
    Describe(CatalogDescribeArgs),
    /// Every dataset of a pipeline as it will be used: declared, from a factory, or in memory
    #[command(visible_alias = "resolve-patterns")]
    Resolve(CatalogResolveArgs),
    /// The dataset factory patterns, in the order dataset names are matched against them
    #[command(visible_alias = "list-patterns", alias = "rank")]
    Patterns(CatalogPatternsArgs),
    /// Check persisted data against the catalog's `schema:` contracts, without running nodes
    Validate(CatalogValidateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CatalogValidateArgs {
    /// Only these datasets [default: every dataset with a `schema:`]
    #[arg(value_name = "DATASET")]
    pub(crate) datasets: Vec<String>,

    /// Only the datasets of this pipeline
    #[arg(short, long, value_name = "NAME")]
    pub(crate) pipeline: Option<String>,

    #[command(flatten)]
    pub(crate) config: ConfigArgs,
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

#[derive(Debug, Args)]
pub(crate) struct CatalogDescribeArgs {
    /// The dataset, e.g. `companies_raw` or `model_input@lazy`
    #[arg(value_name = "NAME")]
    pub(crate) name: String,

    #[command(flatten)]
    pub(crate) config: ConfigArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct CatalogResolveArgs {
    /// The pipeline [default: `__default__`, or every pipeline when there is none]
    #[arg(short, long, value_name = "NAME")]
    pub(crate) pipeline: Option<String>,

    #[command(flatten)]
    pub(crate) config: ConfigArgs,

    /// Output format: YAML loads back as a catalog; JSON adds where each entry comes from
    #[arg(long, value_enum, default_value_t = ResolveFormat::Yaml)]
    pub(crate) format: ResolveFormat,
}

/// The formats of `catalog resolve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ResolveFormat {
    /// A catalog file, each entry preceded by a comment saying where it comes from.
    Yaml,
    /// JSON for programs.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct CatalogPatternsArgs {
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

/// `export`: a pipeline as an orchestrator's workflow (see docs/deploy.md).
#[derive(Debug, Clone, Args)]
pub(crate) struct ExportArgs {
    #[command(subcommand)]
    pub(crate) target: ExportTarget,
}

#[derive(Debug, Clone, Subcommand)]
pub(crate) enum ExportTarget {
    /// An Airflow DAG file: Kubernetes pod operator tasks (cluster, Cloud Composer) or
    /// Bash operator tasks (--operator bash, one host)
    Airflow(AirflowArgs),
    /// An Argo Workflows `Workflow` manifest (YAML, a DAG template)
    Argo(ArgoArgs),
    /// A Kubeflow Pipelines v2 pipeline spec (YAML), the format Vertex AI Pipelines runs
    Kubeflow(KubeflowArgs),
}

/// Options shared by every exporter.
#[derive(Debug, Clone, Args)]
pub(crate) struct ExportCommonArgs {
    /// The pipeline to export
    #[arg(short, long, default_value = "__default__", value_name = "NAME")]
    pub(crate) pipeline: String,

    // The catalog is read in this environment, and the tasks run with the same `--env`.
    #[command(flatten)]
    pub(crate) config: ConfigArgs,

    /// One task per node, per top-level namespace, or per data layer (`metadata.layer`)
    #[arg(long, value_enum, default_value_t = ExportGroupBy::None)]
    pub(crate) group_by: ExportGroupBy,

    /// The container image running the tasks [default: <project>:latest]
    #[arg(long, value_name = "IMAGE")]
    pub(crate) image: Option<String>,

    /// How many times a failed task is retried
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub(crate) retries: u32,

    /// CPU each task requests (a Kubernetes quantity: `2`, `500m`)
    #[arg(long, value_name = "CPU")]
    pub(crate) cpu: Option<String>,

    /// Memory each task requests and may use (a Kubernetes quantity: `512Mi`, `4Gi`)
    #[arg(long, value_name = "MEMORY")]
    pub(crate) memory: Option<String>,

    /// The file to write [default: stdout]
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// How `export` groups nodes into tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportGroupBy {
    /// One task per node.
    None,
    /// One task per top-level namespace (nodes outside namespaces stay alone).
    Namespace,
    /// One task per data layer of the datasets the nodes write.
    Layer,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct AirflowArgs {
    #[command(flatten)]
    pub(crate) common: ExportCommonArgs,

    /// The DAG's id [default: the project's name, plus `_<pipeline>` for other pipelines]
    #[arg(long, value_name = "ID")]
    pub(crate) dag_id: Option<String>,

    /// When Airflow runs the DAG: a cron expression or a preset like `@daily` [default: only
    /// when triggered]
    #[arg(long, value_name = "SCHEDULE")]
    pub(crate) schedule: Option<String>,

    /// Which operator runs each task
    #[arg(long, value_enum, default_value_t = AirflowOperator::Kubernetes)]
    pub(crate) operator: AirflowOperator,

    /// The project binary: its path on the Airflow host (bash) [default: this program], or its
    /// path in the image (kubernetes) [default: /app/<project>, where `weir docker init` puts it]
    #[arg(long, value_name = "PATH")]
    pub(crate) binary: Option<PathBuf>,

    /// The folder Bash operator tasks run in [default: the project root]
    #[arg(long, value_name = "DIR")]
    pub(crate) cwd: Option<PathBuf>,

    /// The Kubernetes namespace of the task pods
    #[arg(long, default_value = "default", value_name = "NAMESPACE")]
    pub(crate) kube_namespace: String,
}

/// The operator of `export airflow` tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AirflowOperator {
    /// Kubernetes pod operator: each task is a pod running the image.
    Kubernetes,
    /// Bash operator: each task runs the binary on the Airflow worker.
    Bash,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ArgoArgs {
    #[command(flatten)]
    pub(crate) common: ExportCommonArgs,

    /// The workflow's name prefix [default: the project's name]
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// The binary's name or path in the image [default: /app/<project>]
    #[arg(long, value_name = "PATH")]
    pub(crate) binary: Option<String>,

    /// The Kubernetes namespace of the workflow [default: the one `argo submit` uses]
    #[arg(long, value_name = "NAMESPACE")]
    pub(crate) kube_namespace: Option<String>,

    /// The service account the pods run as (e.g. one bound to cloud credentials)
    #[arg(long, value_name = "ACCOUNT")]
    pub(crate) service_account: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct KubeflowArgs {
    #[command(flatten)]
    pub(crate) common: ExportCommonArgs,

    /// The pipeline's name [default: the project's name]
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// The binary's name or path in the image [default: /app/<project>]
    #[arg(long, value_name = "PATH")]
    pub(crate) binary: Option<String>,
}
