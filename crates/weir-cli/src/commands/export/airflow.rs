//! `export airflow`: an Airflow 3 DAG file (`from airflow.sdk import DAG`).
//!
//! - `--operator kubernetes` (default): one `KubernetesPodOperator` per task running the
//!   image's binary, for a Kubernetes cluster or Cloud Composer. Needs the
//!   `apache-airflow-providers-cncf-kubernetes` package where the DAG is parsed.
//! - `--operator bash`: one `BashOperator` per task running the binary at `--binary` (default:
//!   this program) in the project folder (`--cwd`, default: the project root), for a single
//!   host where Airflow and the project live side by side.
//!
//! Task ids keep letters, digits, `_`, `-` and `.` (Airflow's rule), other characters become
//! `_`. Strings are written as JSON string literals, which Python reads the same way.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{ExportError, Plan, unique_names};
use crate::cli::{AirflowArgs, AirflowOperator};

/// Airflow's limit on task and DAG ids.
const ID_MAX: usize = 250;

/// Where a `BashOperator` task runs the binary.
#[derive(Debug)]
pub(crate) struct Binary {
    /// The command: an absolute path (bash) or the binary's name or path inside the image.
    command: String,
    /// The working folder of `BashOperator` tasks.
    cwd: Option<PathBuf>,
}

impl Binary {
    pub(crate) fn resolve(args: &AirflowArgs, root: &Path) -> Result<Binary, ExportError> {
        match args.operator {
            AirflowOperator::Kubernetes => Ok(Binary {
                command: args.binary.as_ref().map(|b| b.display().to_string()).unwrap_or_default(),
                cwd: None,
            }),
            AirflowOperator::Bash => {
                let path = match &args.binary {
                    Some(binary) => std::path::absolute(binary)
                        .map_err(|source| ExportError::NoBinary { source })?,
                    None => std::env::current_exe()
                        .map_err(|source| ExportError::NoBinary { source })?,
                };
                let cwd = match &args.cwd {
                    Some(cwd) => super::absolute_root(cwd),
                    None => super::absolute_root(root),
                };
                Ok(Binary { command: path.display().to_string(), cwd: Some(cwd) })
            }
        }
    }
}

/// An Airflow id: letters, digits, `_`, `-`, `.`; anything else becomes `_`.
fn airflow_id(name: &str) -> String {
    let id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' })
        .collect();
    if id.is_empty() { "task".to_owned() } else { id }
}

/// A Python string literal (JSON's escapes are Python's).
fn py(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn py_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|item| py(item)).collect();
    format!("[{}]", items.join(", "))
}

/// One word for `bash -c`: kept as is when it holds only safe characters, single-quoted
/// otherwise.
fn sh_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word.chars().all(|c| c.is_ascii_alphanumeric() || "_-./,:=@%+".contains(c));
    if safe { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

/// The DAG file.
pub(crate) fn render(plan: &Plan, args: &AirflowArgs, binary: &Binary) -> String {
    let ids =
        unique_names(plan.graph.tasks.iter().map(|t| t.name.clone()), airflow_id, '_', ID_MAX);
    let dag_id = airflow_id(args.dag_id.as_deref().unwrap_or(&default_dag_id(plan)));
    let kubernetes = args.operator == AirflowOperator::Kubernetes;

    // A raw docstring (`r"""`): only a `"""` inside could end it early.
    let docstring = |text: &str| text.replace("\"\"\"", "'''");
    let mut out = String::new();
    let title = format!("Airflow DAG `{dag_id}`: the weir pipeline `{}`.", plan.pipeline);
    let _ = writeln!(out, "r\"\"\"{}", docstring(&title));
    out.push('\n');
    let _ = writeln!(out, "{}", docstring(&wrap(&plan.provenance("airflow"), 88)));
    out.push_str("\"\"\"\n\n");
    out.push_str("from datetime import datetime, timezone\n\n");
    out.push_str("from airflow.sdk import DAG\n");
    if kubernetes {
        out.push_str(
            "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n",
        );
        if plan.cpu.is_some() || plan.memory.is_some() {
            out.push_str("from kubernetes.client import models as k8s\n");
        }
    } else {
        out.push_str("from airflow.providers.standard.operators.bash import BashOperator\n");
    }
    out.push('\n');
    if kubernetes {
        let _ = writeln!(out, "IMAGE = {}", py(&plan.image));
        let command =
            if binary.command.is_empty() { plan.image_binary() } else { binary.command.clone() };
        let _ = writeln!(out, "COMMAND = {}", py_list(&[command]));
        let _ = writeln!(out, "KUBERNETES_NAMESPACE = {}", py(&args.kube_namespace));
        if let Some(resources) = resources(plan) {
            let _ = writeln!(out, "RESOURCES = {resources}");
        }
    } else {
        let _ = writeln!(out, "BINARY = {}", py(&sh_quote(&binary.command)));
        let cwd = binary.cwd.as_ref().map(|c| c.display().to_string()).unwrap_or_default();
        let _ = writeln!(out, "PROJECT_DIR = {}", py(&cwd));
    }
    out.push('\n');
    out.push_str("with DAG(\n");
    let _ = writeln!(out, "    dag_id={},", py(&dag_id));
    match &args.schedule {
        Some(schedule) => {
            let _ = writeln!(out, "    schedule={},", py(schedule));
        }
        None => out.push_str("    schedule=None,\n"),
    }
    out.push_str("    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),\n");
    out.push_str("    catchup=False,\n");
    out.push_str("    max_active_runs=1,\n");
    let _ = writeln!(out, "    tags={},", py_list(&["weir".to_owned(), plan.pipeline.clone()]));
    out.push_str(") as dag:\n");
    out.push_str("    tasks = {}\n");
    let labels = unique_names(
        plan.graph.tasks.iter().map(|t| t.name.clone()),
        super::dns_label,
        '-',
        super::DNS_LABEL_MAX,
    );
    for (at, task) in plan.graph.tasks.iter().enumerate() {
        let id = py(&ids[at]);
        let run_args = plan.run_args(task);
        out.push('\n');
        let _ = writeln!(out, "    # nodes: {}", task.nodes.join(", "));
        if kubernetes {
            let _ = writeln!(out, "    tasks[{id}] = KubernetesPodOperator(");
            let _ = writeln!(out, "        task_id={id},");
            let _ = writeln!(out, "        name={},", py(&labels[at]));
            out.push_str("        namespace=KUBERNETES_NAMESPACE,\n");
            out.push_str("        image=IMAGE,\n");
            out.push_str("        cmds=COMMAND,\n");
            let _ = writeln!(out, "        arguments={},", py_list(&run_args));
            if plan.cpu.is_some() || plan.memory.is_some() {
                out.push_str("        container_resources=RESOURCES,\n");
            }
            out.push_str("        get_logs=True,\n");
        } else {
            let words: Vec<String> = run_args.iter().map(|word| sh_quote(word)).collect();
            let _ = writeln!(out, "    tasks[{id}] = BashOperator(");
            let _ = writeln!(out, "        task_id={id},");
            let _ = writeln!(
                out,
                "        bash_command=BINARY + {},",
                py(&format!(" {}", words.join(" ")))
            );
            out.push_str("        cwd=PROJECT_DIR,\n");
        }
        let _ = writeln!(out, "        retries={},", plan.retries);
        out.push_str("    )\n");
    }
    let mut dependencies = String::new();
    for (reader, upstream) in plan.graph.upstream.iter().enumerate() {
        for writer in upstream {
            let _ = writeln!(
                dependencies,
                "    tasks[{}] >> tasks[{}]",
                py(&ids[*writer]),
                py(&ids[reader])
            );
        }
    }
    if !dependencies.is_empty() {
        out.push('\n');
        out.push_str(&dependencies);
    }
    out
}

/// `<project>_<pipeline>`, or the project's name for the default pipeline.
fn default_dag_id(plan: &Plan) -> String {
    if plan.pipeline == "__default__" {
        plan.binary_name.clone()
    } else {
        format!("{}_{}", plan.binary_name, plan.pipeline)
    }
}

/// `k8s.V1ResourceRequirements(...)`: requests for CPU and memory, and memory as the limit too
/// (a pod over its memory request may be evicted; one over its limit is killed at once).
fn resources(plan: &Plan) -> Option<String> {
    if plan.cpu.is_none() && plan.memory.is_none() {
        return None;
    }
    let mut requests = Vec::new();
    let mut limits = Vec::new();
    if let Some((cpu, _)) = &plan.cpu {
        requests.push(format!("\"cpu\": {}", py(cpu)));
    }
    if let Some((memory, _)) = &plan.memory {
        requests.push(format!("\"memory\": {}", py(memory)));
        limits.push(format!("\"memory\": {}", py(memory)));
    }
    let mut text = format!("k8s.V1ResourceRequirements(requests={{{}}}", requests.join(", "));
    if !limits.is_empty() {
        let _ = write!(text, ", limits={{{}}}", limits.join(", "));
    }
    text.push(')');
    Some(text)
}

/// Wraps `text` at spaces to lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("there is always a line");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_airflow_characters_only() {
        assert_eq!(airflow_id("model.fit-2_x"), "model.fit-2_x");
        assert_eq!(airflow_id("a b/c"), "a_b_c");
        assert_eq!(airflow_id(""), "task");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(sh_quote("--nodes"), "--nodes");
        assert_eq!(sh_quote("a,b.c"), "a,b.c");
        assert_eq!(sh_quote("it's here"), r"'it'\''s here'");
        assert_eq!(sh_quote(""), "''");
    }

    #[test]
    fn python_strings_escape_quotes_and_backslashes() {
        assert_eq!(py(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
