//! `export argo`: an Argo Workflows `Workflow` manifest (YAML, `argoproj.io/v1alpha1`).
//!
//! The entry template `main` is a DAG with one task per weir task; each task uses a container
//! template of its own (same name) running the image's binary with `run --nodes ...`.
//! `--retries` becomes a `retryStrategy` (`limit` is a string: the schema's `IntOrString`),
//! `--cpu`/`--memory` become resource requests (memory also as the limit). Task and template
//! names are DNS-1123 labels. The workflow gets `generateName: <name>-`, so each
//! `argo submit` creates a new run.

use serde_json::{Map, Value, json};

use super::{DNS_LABEL_MAX, Plan, dns_label, unique_names};
use crate::cli::ArgoArgs;

/// The manifest.
pub(crate) fn render(plan: &Plan, args: &ArgoArgs) -> String {
    // `main` is the entry template: a task called `main` gets another name.
    let label = |name: &str| match dns_label(name) {
        label if label == "main" => "main-task".to_owned(),
        label => label,
    };
    let names =
        unique_names(plan.graph.tasks.iter().map(|t| t.name.clone()), label, '-', DNS_LABEL_MAX);
    let name = dns_label(args.name.as_deref().unwrap_or(&default_name(plan)));

    let mut dag_tasks = Vec::new();
    let mut templates = Vec::new();
    for (at, task) in plan.graph.tasks.iter().enumerate() {
        let mut dag_task = Map::new();
        dag_task.insert("name".into(), json!(names[at]));
        dag_task.insert("template".into(), json!(names[at]));
        let upstream: Vec<&String> = plan.graph.upstream[at].iter().map(|u| &names[*u]).collect();
        if !upstream.is_empty() {
            dag_task.insert("dependencies".into(), json!(upstream));
        }
        dag_tasks.push(Value::Object(dag_task));

        let mut container = Map::new();
        container.insert("image".into(), json!(plan.image));
        container.insert("command".into(), json!([command(plan, args)]));
        container.insert("args".into(), json!(plan.run_args(task)));
        if let Some(resources) = resources(plan) {
            container.insert("resources".into(), resources);
        }
        let mut template = Map::new();
        template.insert("name".into(), json!(names[at]));
        template.insert(
            "metadata".into(),
            json!({"annotations": {"weir.dev/nodes": task.nodes.join(",")}}),
        );
        if plan.retries > 0 {
            template.insert(
                "retryStrategy".into(),
                json!({"limit": plan.retries.to_string(), "retryPolicy": "OnFailure"}),
            );
        }
        template.insert("container".into(), Value::Object(container));
        templates.push(Value::Object(template));
    }
    templates.insert(0, json!({"name": "main", "dag": {"tasks": dag_tasks}}));

    let mut metadata = Map::new();
    metadata.insert("generateName".into(), json!(format!("{name}-")));
    if let Some(namespace) = &args.kube_namespace {
        metadata.insert("namespace".into(), json!(namespace));
    }
    metadata.insert(
        "labels".into(),
        json!({"app.kubernetes.io/managed-by": "weir", "weir.dev/pipeline": dns_label(&plan.pipeline)}),
    );
    let mut spec = Map::new();
    spec.insert("entrypoint".into(), json!("main"));
    if let Some(account) = &args.service_account {
        spec.insert("serviceAccountName".into(), json!(account));
    }
    spec.insert("templates".into(), Value::Array(templates));
    let workflow = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": metadata,
        "spec": spec,
    });
    let yaml = serde_norway::to_string(&workflow).expect("a JSON value always serialises to YAML");
    format!("# {}\n{yaml}", plan.provenance("argo"))
}

fn command(plan: &Plan, args: &ArgoArgs) -> String {
    args.binary.clone().unwrap_or_else(|| plan.image_binary())
}

/// Requests for CPU and memory, memory as the limit too.
pub(crate) fn resources(plan: &Plan) -> Option<Value> {
    if plan.cpu.is_none() && plan.memory.is_none() {
        return None;
    }
    let mut requests = Map::new();
    let mut limits = Map::new();
    if let Some((cpu, _)) = &plan.cpu {
        requests.insert("cpu".into(), json!(cpu));
    }
    if let Some((memory, _)) = &plan.memory {
        requests.insert("memory".into(), json!(memory));
        limits.insert("memory".into(), json!(memory));
    }
    let mut resources = Map::new();
    resources.insert("requests".into(), Value::Object(requests));
    if !limits.is_empty() {
        resources.insert("limits".into(), Value::Object(limits));
    }
    Some(Value::Object(resources))
}

/// The project's name, with the pipeline's unless it is the default one.
pub(crate) fn default_name(plan: &Plan) -> String {
    if plan.pipeline == "__default__" {
        plan.binary_name.clone()
    } else {
        format!("{}-{}", plan.binary_name, plan.pipeline)
    }
}
