//! `export kubeflow`: a Kubeflow Pipelines v2 `PipelineSpec` (YAML, `schemaVersion: 2.1.0`),
//! the format the KFP SDK compiles to and Vertex AI Pipelines runs.
//!
//! Each weir task becomes a component (`comp-<task>`, no inputs or outputs) whose executor
//! (`exec-<task>`) is a container running the image's binary with `run --nodes ...`, and a task
//! of the root DAG (`componentRef`, `dependentTasks`, `taskInfo`). Caching is off for every
//! task: KFP keys its cache on a task's inputs, and these tasks read their data through the
//! catalog, out of KFP's sight, so a cached task would skip real work. `--retries` becomes a
//! `retryPolicy`; `--cpu`/`--memory` fill the container's resources both as the numbers older
//! back ends read (cores, gigabytes) and as the quantity strings newer ones read.
//!
//! # Limitations
//! - No pipeline parameters: the environment and node names are fixed in each container's
//!   arguments. Export again to change them.

use serde_json::{Map, Value, json};

use super::{DNS_LABEL_MAX, Plan, dns_label, unique_names};
use crate::cli::KubeflowArgs;

/// The pipeline spec.
pub(crate) fn render(plan: &Plan, args: &KubeflowArgs) -> String {
    let names = unique_names(
        plan.graph.tasks.iter().map(|t| t.name.clone()),
        dns_label,
        '-',
        DNS_LABEL_MAX,
    );
    let name = dns_label(args.name.as_deref().unwrap_or(&super::argo::default_name(plan)));
    let command = args.binary.clone().unwrap_or_else(|| plan.image_binary());

    let mut components = Map::new();
    let mut executors = Map::new();
    let mut tasks = Map::new();
    for (at, task) in plan.graph.tasks.iter().enumerate() {
        let component = format!("comp-{}", names[at]);
        let executor = format!("exec-{}", names[at]);
        components.insert(component.clone(), json!({"executorLabel": executor}));

        let mut container = Map::new();
        container.insert("image".into(), json!(plan.image));
        container.insert("command".into(), json!([command]));
        container.insert("args".into(), json!(plan.run_args(task)));
        if let Some(resources) = resources(plan) {
            container.insert("resources".into(), resources);
        }
        executors.insert(executor, json!({"container": container}));

        let mut spec = Map::new();
        spec.insert("cachingOptions".into(), json!({}));
        spec.insert("componentRef".into(), json!({"name": component}));
        let upstream: Vec<&String> = plan.graph.upstream[at].iter().map(|u| &names[*u]).collect();
        if !upstream.is_empty() {
            spec.insert("dependentTasks".into(), json!(upstream));
        }
        if plan.retries > 0 {
            spec.insert(
                "retryPolicy".into(),
                json!({
                    "backoffDuration": "60s",
                    "backoffFactor": 2.0,
                    "backoffMaxDuration": "3600s",
                    "maxRetryCount": plan.retries,
                }),
            );
        }
        spec.insert("taskInfo".into(), json!({"name": names[at]}));
        tasks.insert(names[at].clone(), Value::Object(spec));
    }
    let spec = json!({
        "components": components,
        "deploymentSpec": {"executors": executors},
        "pipelineInfo": {
            "name": name,
            "description": format!("The weir pipeline `{}` (environment `{}`)", plan.pipeline, plan.env),
        },
        "root": {"dag": {"tasks": tasks}},
        "schemaVersion": "2.1.0",
        "sdkVersion": format!("weir-{}", env!("CARGO_PKG_VERSION")),
    });
    let yaml = serde_norway::to_string(&spec).expect("a JSON value always serialises to YAML");
    format!("# PIPELINE DEFINITION\n# Name: {name}\n# {}\n{yaml}", plan.provenance("kubeflow"))
}

/// CPU in cores and memory in gigabytes (10^9 bytes, as the KFP SDK converts them), plus the
/// quantities as given; requests and limits alike (Vertex AI picks a machine from the limits).
fn resources(plan: &Plan) -> Option<Value> {
    if plan.cpu.is_none() && plan.memory.is_none() {
        return None;
    }
    let mut resources = Map::new();
    if let Some((quantity, cores)) = &plan.cpu {
        resources.insert("cpuLimit".into(), json!(cores));
        resources.insert("cpuRequest".into(), json!(cores));
        resources.insert("resourceCpuLimit".into(), json!(quantity));
        resources.insert("resourceCpuRequest".into(), json!(quantity));
    }
    if let Some((quantity, bytes)) = &plan.memory {
        let gigabytes = bytes / 1e9;
        resources.insert("memoryLimit".into(), json!(gigabytes));
        resources.insert("memoryRequest".into(), json!(gigabytes));
        resources.insert("resourceMemoryLimit".into(), json!(quantity));
        resources.insert("resourceMemoryRequest".into(), json!(quantity));
    }
    Some(Value::Object(resources))
}
