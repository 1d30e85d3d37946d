//! The pipeline as a graph: validation, run order and slicing.
//!
//! The run order follows Kedro's: nodes are grouped into levels (a node's level comes after
//! every node it reads from), and within a level nodes are sorted by name. The order therefore
//! depends only on the nodes, never on the order they were added.
//!
//! Slicing follows Kedro's `Pipeline.filter`: every filter given is applied to the whole
//! pipeline and the results are intersected.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::{
    Node, PARAMS_PREFIX, Pipeline, PipelineError, TRANSCODING_SEPARATOR, is_parameter,
    strip_transcoding,
};
use crate::error::close_matches;

/// Which part of a pipeline to run; empty lists mean "no constraint".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineFilter {
    /// Keep nodes with any of these tags.
    pub tags: Vec<String>,
    /// Keep exactly these nodes.
    pub node_names: Vec<String>,
    /// Keep these nodes and everything downstream of them.
    pub from_nodes: Vec<String>,
    /// Keep these nodes and everything upstream of them.
    pub to_nodes: Vec<String>,
    /// Keep the nodes that (transitively) depend on these datasets.
    pub from_inputs: Vec<String>,
    /// Keep the nodes needed to produce these datasets.
    pub to_outputs: Vec<String>,
    /// Keep the nodes in any of these namespaces (or namespaces nested in them).
    pub namespaces: Vec<String>,
}

impl PipelineFilter {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == PipelineFilter::default()
    }
}

impl Pipeline {
    /// Checks what can be checked without configuration: unique names, one writer per dataset,
    /// no cycles, and inputs/outputs that match the function's arguments and results.
    pub fn validate(&self) -> Result<(), PipelineError> {
        self.check_names()?;
        self.check_arity()?;
        self.check_transcoding()?;
        self.check_outputs()?;
        self.find_cycle().map_or(Ok(()), Err)
    }

    fn check_names(&self) -> Result<(), PipelineError> {
        let mut seen = HashSet::new();
        let mut duplicates = BTreeSet::new();
        for node in &self.nodes {
            if node.node_name().is_empty() || node.node_name().contains("{{closure}}") {
                return Err(PipelineError::Unnamed(node.node_name().to_owned()));
            }
            if !seen.insert(node.node_name()) {
                duplicates.insert(node.node_name().to_owned());
            }
        }
        if duplicates.is_empty() {
            return Ok(());
        }
        Err(PipelineError::DuplicateNodeNames(duplicates.into_iter().collect()))
    }

    fn check_arity(&self) -> Result<(), PipelineError> {
        for node in &self.nodes {
            let checks = [
                ("inputs", node.inputs().len(), node.argument_types().len()),
                ("outputs", node.outputs().len(), node.output_types().len()),
            ];
            for (what, declared, actual) in checks {
                if declared != actual {
                    return Err(PipelineError::Arity {
                        node: node.node_name().to_owned(),
                        function: node.function_name().to_owned(),
                        what,
                        declared,
                        actual,
                    });
                }
            }
        }
        Ok(())
    }

    /// Kedro's transcoding rules (`_transcode_split`, `_validate_transcoded_inputs_outputs`):
    /// at most one `@` per name, and a dataset used with `@` is never also used without it.
    fn check_transcoding(&self) -> Result<(), PipelineError> {
        let names: BTreeSet<&str> = self
            .nodes
            .iter()
            .flat_map(|node| node.inputs().iter().chain(node.outputs()))
            .map(String::as_str)
            .filter(|name| !is_parameter(name))
            .collect();
        if let Some(name) =
            names.iter().find(|name| name.matches(TRANSCODING_SEPARATOR).count() > 1)
        {
            return Err(PipelineError::TranscodingSeparators((*name).to_owned()));
        }
        for name in &names {
            let base = strip_transcoding(name);
            if base != *name && names.contains(base) {
                let transcoded = names
                    .iter()
                    .filter(|other| **other != base && strip_transcoding(other) == base)
                    .map(|other| (*other).to_owned())
                    .collect();
                return Err(PipelineError::TranscodedWithoutSeparator {
                    dataset: base.to_owned(),
                    transcoded,
                });
            }
        }
        Ok(())
    }

    fn check_outputs(&self) -> Result<(), PipelineError> {
        let mut writers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for node in &self.nodes {
            for output in node.outputs() {
                if output.starts_with(PARAMS_PREFIX) || output == super::ALL_PARAMETERS {
                    return Err(PipelineError::WritesParameter {
                        node: node.node_name().to_owned(),
                        dataset: output.clone(),
                    });
                }
                if node.inputs().contains(output) {
                    return Err(PipelineError::SelfLoop {
                        node: node.node_name().to_owned(),
                        dataset: output.clone(),
                    });
                }
                // Kedro's `Node._validate_inputs_dif_than_outputs`: "a node cannot have the
                // same inputs and outputs even if they are transcoded".
                let base = strip_transcoding(output);
                if let Some(input) = node.inputs().iter().find(|i| strip_transcoding(i) == base) {
                    return Err(PipelineError::TranscodedSelfLoop {
                        node: node.node_name().to_owned(),
                        input: input.clone(),
                        output: output.clone(),
                    });
                }
                // Kedro's `_validate_unique_outputs` counts transcoded names as their dataset.
                writers.entry(base).or_default().push(node.node_name().to_owned());
            }
        }
        match writers.into_iter().find(|(_, nodes)| nodes.len() > 1) {
            Some((dataset, nodes)) => {
                Err(PipelineError::DuplicateOutput { dataset: dataset.to_owned(), nodes })
            }
            None => Ok(()),
        }
    }

    /// For each node index, the indices of the nodes it reads from. A transcoded name stands
    /// for its dataset, so the writer of `t@polars` is upstream of the readers of `t@lazy`.
    fn upstream_indices(&self) -> Vec<BTreeSet<usize>> {
        let producer: HashMap<&str, usize> = self
            .nodes
            .iter()
            .enumerate()
            .flat_map(|(index, node)| {
                node.outputs().iter().map(move |o| (strip_transcoding(o), index))
            })
            .collect();
        self.nodes
            .iter()
            .map(|node| {
                node.inputs()
                    .iter()
                    .filter_map(|input| producer.get(strip_transcoding(input)).copied())
                    .collect()
            })
            .collect()
    }

    /// A cycle, if there is one, as the error that describes it.
    ///
    /// An iterative depth-first search, so a chain of many thousands of nodes cannot overflow
    /// the stack.
    fn find_cycle(&self) -> Option<PipelineError> {
        const UNVISITED: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;

        let upstream: Vec<Vec<usize>> =
            self.upstream_indices().into_iter().map(|set| set.into_iter().collect()).collect();
        let mut state = vec![UNVISITED; self.nodes.len()];
        for start in 0..self.nodes.len() {
            if state[start] != UNVISITED {
                continue;
            }
            // Each frame is a node and how many of its parents were explored already.
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = ON_PATH;
            while let Some(&mut (index, ref mut explored)) = path.last_mut() {
                let Some(&parent) = upstream[index].get(*explored) else {
                    state[index] = DONE;
                    path.pop();
                    continue;
                };
                *explored += 1;
                match state[parent] {
                    UNVISITED => {
                        state[parent] = ON_PATH;
                        path.push((parent, 0));
                    }
                    ON_PATH => {
                        let on_path: Vec<usize> = path.iter().map(|&(i, _)| i).collect();
                        let first = on_path.iter().position(|&i| i == parent).unwrap_or(0);
                        return Some(self.cycle_error(&on_path[first..]));
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// `reversed` lists nodes where each one reads from the next; the error lists them in data
    /// flow order with the dataset linking each to the next.
    fn cycle_error(&self, reversed: &[usize]) -> PipelineError {
        let order: Vec<&Node> = reversed.iter().rev().map(|&i| &self.nodes[i]).collect();
        let mut datasets = Vec::new();
        for (position, writer) in order.iter().enumerate() {
            let reader = order[(position + 1) % order.len()];
            let link = writer.outputs().iter().find(|output| {
                let base = strip_transcoding(output);
                reader.inputs().iter().any(|input| strip_transcoding(input) == base)
            });
            datasets.push(link.cloned().unwrap_or_default());
        }
        PipelineError::Cycle {
            nodes: order.iter().map(|node| node.node_name().to_owned()).collect(),
            datasets,
        }
    }

    /// The nodes grouped in dependency levels, each level sorted by name.
    ///
    /// Assumes [`Pipeline::validate`] passed; nodes on a cycle are left out.
    pub fn levels(&self) -> Vec<Vec<&Node>> {
        let upstream = self.upstream_indices();
        let mut remaining: Vec<usize> = upstream.iter().map(BTreeSet::len).collect();
        let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for (child, parents) in upstream.iter().enumerate() {
            for &parent in parents {
                downstream[parent].push(child);
            }
        }

        let mut current: Vec<usize> =
            (0..self.nodes.len()).filter(|&i| remaining[i] == 0).collect();
        let mut levels = Vec::new();
        while !current.is_empty() {
            current.sort_by(|&a, &b| self.nodes[a].node_name().cmp(self.nodes[b].node_name()));
            let mut next = Vec::new();
            for &index in &current {
                for &child in &downstream[index] {
                    remaining[child] -= 1;
                    if remaining[child] == 0 {
                        next.push(child);
                    }
                }
            }
            levels.push(current.iter().map(|&i| &self.nodes[i]).collect());
            current = next;
        }
        levels
    }

    /// The run order: [`Pipeline::levels`] flattened.
    pub fn sorted_nodes(&self) -> Vec<&Node> {
        self.levels().into_iter().flatten().collect()
    }

    /// A pipeline of the nodes for which `keep` is true.
    fn retain(&self, keep: impl Fn(&Node) -> bool) -> Pipeline {
        Pipeline { nodes: self.nodes.iter().filter(|node| keep(node)).cloned().collect() }
    }

    /// Exactly the named nodes; unknown names are an error with close matches.
    pub fn only_nodes(&self, names: &[String]) -> Result<Pipeline, PipelineError> {
        self.check_known_nodes(names)?;
        Ok(self.retain(|node| names.iter().any(|name| name == node.node_name())))
    }

    /// Nodes in any of `namespaces` or in namespaces nested inside them; a namespace with no
    /// node is an error.
    pub fn only_nodes_with_namespaces(
        &self,
        namespaces: &[String],
    ) -> Result<Pipeline, PipelineError> {
        let in_namespace = |node: &Node, wanted: &str| {
            node.namespace().is_some_and(|ns| ns == wanted || ns.starts_with(&format!("{wanted}.")))
        };
        let known: BTreeSet<String> = self
            .nodes
            .iter()
            .filter_map(Node::namespace)
            .flat_map(|ns| {
                let parts: Vec<&str> = ns.split('.').collect();
                (1..=parts.len()).map(move |n| parts[..n].join("."))
            })
            .collect();
        check_known("namespaces", namespaces, &known)?;
        Ok(self.retain(|node| namespaces.iter().any(|wanted| in_namespace(node, wanted))))
    }

    /// Nodes carrying any of `tags`.
    #[must_use]
    pub fn only_nodes_with_tags(&self, tags: &[String]) -> Pipeline {
        self.retain(|node| tags.iter().any(|tag| node.tag_set().contains(tag)))
    }

    /// The named nodes and every node downstream of them.
    pub fn from_nodes(&self, names: &[String]) -> Result<Pipeline, PipelineError> {
        self.check_known_nodes(names)?;
        let start: Vec<usize> = self.indices_of(names);
        let reached = self.reach(&start, Direction::Downstream);
        Ok(self.retain_indices(&reached))
    }

    /// The named nodes and every node upstream of them.
    pub fn to_nodes(&self, names: &[String]) -> Result<Pipeline, PipelineError> {
        self.check_known_nodes(names)?;
        let start: Vec<usize> = self.indices_of(names);
        let reached = self.reach(&start, Direction::Upstream);
        Ok(self.retain_indices(&reached))
    }

    /// Nodes that read any of `datasets`, and everything downstream of them. A name without
    /// `@` also selects the readers of its transcoded versions (Kedro's
    /// `_get_nodes_with_inputs_transcode_compatible`).
    pub fn from_inputs(&self, datasets: &[String]) -> Result<Pipeline, PipelineError> {
        check_known("datasets", datasets, &with_transcoding_bases(self.all_inputs()))?;
        let start: Vec<usize> = self.indices_where(|node| {
            node.inputs().iter().any(|input| datasets.iter().any(|d| names_match(d, input)))
        });
        Ok(self.retain_indices(&self.reach(&start, Direction::Downstream)))
    }

    /// Nodes that write any of `datasets`, and everything upstream of them; transcoded names
    /// are selected as in [`Pipeline::from_inputs`].
    pub fn to_outputs(&self, datasets: &[String]) -> Result<Pipeline, PipelineError> {
        check_known("datasets", datasets, &with_transcoding_bases(self.all_outputs()))?;
        let start: Vec<usize> = self.indices_where(|node| {
            node.outputs().iter().any(|output| datasets.iter().any(|d| names_match(d, output)))
        });
        Ok(self.retain_indices(&self.reach(&start, Direction::Upstream)))
    }

    /// Applies every filter that is set to the whole pipeline and keeps the nodes that all of
    /// them keep (Kedro's `Pipeline.filter`).
    pub fn filter(&self, filter: &PipelineFilter) -> Result<Pipeline, PipelineError> {
        let mut subsets = Vec::new();
        if !filter.tags.is_empty() {
            subsets.push(self.only_nodes_with_tags(&filter.tags));
        }
        if !filter.from_nodes.is_empty() {
            subsets.push(self.from_nodes(&filter.from_nodes)?);
        }
        if !filter.to_nodes.is_empty() {
            subsets.push(self.to_nodes(&filter.to_nodes)?);
        }
        if !filter.node_names.is_empty() {
            subsets.push(self.only_nodes(&filter.node_names)?);
        }
        if !filter.from_inputs.is_empty() {
            subsets.push(self.from_inputs(&filter.from_inputs)?);
        }
        if !filter.to_outputs.is_empty() {
            subsets.push(self.to_outputs(&filter.to_outputs)?);
        }
        if !filter.namespaces.is_empty() {
            subsets.push(self.only_nodes_with_namespaces(&filter.namespaces)?);
        }

        let kept: HashSet<&str> = self.nodes.iter().map(Node::node_name).collect();
        let kept = subsets.iter().fold(kept, |kept, subset| {
            let names: HashSet<&str> = subset.nodes.iter().map(Node::node_name).collect();
            kept.into_iter().filter(|name| names.contains(name)).collect()
        });
        let filtered = self.retain(|node| kept.contains(node.node_name()));
        if filtered.is_empty() {
            return Err(PipelineError::EmptyAfterFilter(describe_filter(filter)));
        }
        Ok(filtered)
    }

    fn check_known_nodes(&self, names: &[String]) -> Result<(), PipelineError> {
        let known: BTreeSet<String> = self.nodes.iter().map(|n| n.node_name().to_owned()).collect();
        check_known("nodes", names, &known)
    }

    fn indices_of(&self, names: &[String]) -> Vec<usize> {
        self.indices_where(|node| names.iter().any(|name| name == node.node_name()))
    }

    fn indices_where(&self, keep: impl Fn(&Node) -> bool) -> Vec<usize> {
        (0..self.nodes.len()).filter(|&i| keep(&self.nodes[i])).collect()
    }

    fn retain_indices(&self, indices: &BTreeSet<usize>) -> Pipeline {
        Pipeline { nodes: indices.iter().map(|&i| self.nodes[i].clone()).collect() }
    }

    /// Every node reachable from `start` (included) following edges in `direction`.
    fn reach(&self, start: &[usize], direction: Direction) -> BTreeSet<usize> {
        let upstream = self.upstream_indices();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for (child, parents) in upstream.iter().enumerate() {
            for &parent in parents {
                match direction {
                    Direction::Downstream => edges[parent].push(child),
                    Direction::Upstream => edges[child].push(parent),
                }
            }
        }

        let mut reached: BTreeSet<usize> = start.iter().copied().collect();
        let mut stack: Vec<usize> = start.to_vec();
        while let Some(index) = stack.pop() {
            for &next in &edges[index] {
                if reached.insert(next) {
                    stack.push(next);
                }
            }
        }
        reached
    }
}

/// `names` plus the dataset of each transcoded one (`t@lazy` adds `t`).
fn with_transcoding_bases(names: BTreeSet<String>) -> BTreeSet<String> {
    let bases: Vec<String> = names.iter().map(|name| strip_transcoding(name).to_owned()).collect();
    names.into_iter().chain(bases).collect()
}

/// Whether a name given to a filter selects `name`: itself, or, given without `@`, any
/// transcoded version of it.
fn names_match(given: &str, name: &str) -> bool {
    given == name || (strip_transcoding(given) == given && strip_transcoding(name) == given)
}

#[derive(Clone, Copy)]
enum Direction {
    Upstream,
    Downstream,
}

/// `names` that are not in `known` as an error with close matches, or `Ok` when all are.
pub(super) fn check_known(
    what: &'static str,
    names: &[String],
    known: &BTreeSet<String>,
) -> Result<(), PipelineError> {
    let unknown: Vec<String> =
        names.iter().filter(|name| !known.contains(*name)).cloned().collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let suggestions = unknown
        .iter()
        .flat_map(|name| close_matches(name, known.iter().map(String::as_str)))
        .map(str::to_owned)
        .collect();
    Err(PipelineError::UnknownNames { what, names: unknown, suggestions })
}

fn describe_filter(filter: &PipelineFilter) -> String {
    let parts = [
        ("tags", &filter.tags),
        ("nodes", &filter.node_names),
        ("from-nodes", &filter.from_nodes),
        ("to-nodes", &filter.to_nodes),
        ("from-inputs", &filter.from_inputs),
        ("to-outputs", &filter.to_outputs),
        ("namespaces", &filter.namespaces),
    ];
    parts
        .iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(flag, values)| format!("--{flag} {}", values.join(",")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Hinted;
    use crate::pipeline::node;

    fn identity(x: f64) -> f64 {
        x
    }

    fn join(a: f64, b: f64) -> f64 {
        a + b
    }

    /// Builds a node named `name` reading `inputs` and writing one output.
    fn step(name: &str, inputs: &[&str], output: &str) -> Node {
        match inputs {
            [a] => node(identity, *a, output).name(name),
            [a, b] => node(join, [*a, *b], output).name(name),
            _ => unreachable!("the tests use one or two inputs"),
        }
    }

    fn names(pipeline: &Pipeline) -> Vec<String> {
        pipeline.sorted_nodes().iter().map(|n| n.node_name().to_owned()).collect()
    }

    /// raw -> a -> x -> c -> z
    ///        b -> y ----^
    fn diamond() -> Pipeline {
        Pipeline::new([
            step("c", &["x", "y"], "z"),
            step("b", &["raw"], "y"),
            step("a", &["raw"], "x"),
        ])
    }

    #[test]
    fn order_is_by_level_then_name_whatever_the_insertion_order() {
        assert_eq!(names(&diamond()), ["a", "b", "c"]);
        let reversed = Pipeline::new(diamond().nodes().iter().rev().cloned());
        assert_eq!(names(&reversed), ["a", "b", "c"]);
    }

    #[test]
    fn order_respects_every_edge_in_a_long_chain() {
        let nodes: Vec<Node> = (0..50)
            .rev()
            .map(|i| step(&format!("n{i:02}"), &[&format!("d{i}")], &format!("d{}", i + 1)))
            .collect();
        let order = names(&Pipeline::new(nodes));
        let expected: Vec<String> = (0..50).map(|i| format!("n{i:02}")).collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn free_inputs_and_final_outputs() {
        let pipeline = diamond();
        assert_eq!(pipeline.inputs(), BTreeSet::from(["raw".to_owned()]));
        assert_eq!(pipeline.outputs(), BTreeSet::from(["z".to_owned()]));
    }

    #[test]
    fn duplicate_node_names_are_rejected() {
        let pipeline = Pipeline::new([step("a", &["x"], "y"), step("a", &["y"], "z")]);
        assert_eq!(
            pipeline.validate(),
            Err(PipelineError::DuplicateNodeNames(vec!["a".to_owned()]))
        );
    }

    #[test]
    fn two_writers_of_one_dataset_are_rejected() {
        let pipeline = Pipeline::new([step("a", &["x"], "y"), step("b", &["w"], "y")]);
        let error = pipeline.validate().unwrap_err();
        assert_eq!(error.to_string(), "dataset `y` is written by more than one node: `a`, `b`");
    }

    #[test]
    fn cycle_error_names_every_dataset_on_it() {
        let pipeline = Pipeline::new([
            step("a", &["z"], "x"),
            step("b", &["x"], "y"),
            step("c", &["y"], "z"),
            step("d", &["raw"], "other"),
        ]);
        let Err(PipelineError::Cycle { nodes, datasets }) = pipeline.validate() else {
            panic!("expected a cycle");
        };
        assert_eq!(nodes.len(), 3);
        let mut sorted = datasets.clone();
        sorted.sort();
        assert_eq!(sorted, ["x", "y", "z"]);
        // Each dataset links a node to the next one on the cycle.
        for (i, dataset) in datasets.iter().enumerate() {
            let writer = pipeline.find(&nodes[i]).unwrap();
            let reader = pipeline.find(&nodes[(i + 1) % nodes.len()]).unwrap();
            assert!(writer.outputs().contains(dataset));
            assert!(reader.inputs().contains(dataset));
        }
    }

    #[test]
    fn arity_mismatch_is_rejected() {
        let pipeline = Pipeline::new([node(join, "only_one", "out").name("j")]);
        let error = pipeline.validate().unwrap_err();
        assert!(matches!(error, PipelineError::Arity { declared: 1, actual: 2, .. }), "{error}");
    }

    #[test]
    fn from_nodes_keeps_downstream_and_to_nodes_keeps_upstream() {
        let pipeline = diamond();
        assert_eq!(names(&pipeline.from_nodes(&["a".into()]).unwrap()), ["a", "c"]);
        assert_eq!(names(&pipeline.to_nodes(&["b".into()]).unwrap()), ["b"]);
        assert_eq!(names(&pipeline.to_nodes(&["c".into()]).unwrap()), ["a", "b", "c"]);
    }

    #[test]
    fn filters_intersect_like_kedro() {
        let pipeline = diamond();
        let filter = PipelineFilter {
            from_nodes: vec!["a".into()],
            to_nodes: vec!["a".into()],
            ..PipelineFilter::default()
        };
        assert_eq!(names(&pipeline.filter(&filter).unwrap()), ["a"]);

        let tagged = Pipeline::new([
            step("a", &["raw"], "x").tags(["de"]),
            step("b", &["x"], "y").tags(["ds"]),
        ]);
        let filter = PipelineFilter { tags: vec!["ds".into()], ..PipelineFilter::default() };
        assert_eq!(names(&tagged.filter(&filter).unwrap()), ["b"]);

        let filter = PipelineFilter {
            tags: vec!["de".into()],
            node_names: vec!["b".into()],
            ..PipelineFilter::default()
        };
        assert!(matches!(tagged.filter(&filter), Err(PipelineError::EmptyAfterFilter(_))));
    }

    #[test]
    fn inputs_and_outputs_filters() {
        let pipeline = diamond();
        let from_y = pipeline.from_inputs(&["y".into()]).unwrap();
        assert_eq!(names(&from_y), ["c"]);
        let to_y = pipeline.to_outputs(&["y".into()]).unwrap();
        assert_eq!(names(&to_y), ["b"]);
    }

    #[test]
    fn unknown_node_names_suggest_close_matches() {
        let error = diamond().only_nodes(&["aa".into()]).unwrap_err();
        let PipelineError::UnknownNames { names, suggestions, .. } = error else {
            panic!("expected unknown names");
        };
        assert_eq!(names, ["aa"]);
        assert!(suggestions.contains(&"a".to_owned()));
    }

    /// `make` writes `table@polars`; `lazy_sum` reads `table@lazy`; `eager` reads
    /// `table@polars` (Kedro's transcoding: one dataset `table`, two catalog entries).
    fn transcoded() -> Pipeline {
        Pipeline::new([
            step("lazy_sum", &["table@lazy"], "total"),
            step("eager", &["table@polars"], "report"),
            step("make", &["raw"], "table@polars"),
        ])
    }

    #[test]
    fn the_writer_of_a_transcoded_dataset_runs_before_its_readers() {
        // Kedro's `node_dependencies` strips the transcoding: `lazy_sum` depends on `make`
        // although the names differ, so without the rule it would sort first by name.
        let pipeline = transcoded();
        let levels: Vec<Vec<&str>> = pipeline
            .levels()
            .iter()
            .map(|level| level.iter().map(|n| n.node_name()).collect())
            .collect();
        assert_eq!(levels, [vec!["make"], vec!["eager", "lazy_sum"]]);
        assert!(transcoded().validate().is_ok());
    }

    #[test]
    fn transcoded_names_are_reported_as_kedro_reports_them() {
        // Kedro's `_remove_intermediates`: a dataset both written and read (under any
        // version) is neither a free input nor a final output; other names keep their suffix.
        let pipeline = transcoded();
        assert_eq!(pipeline.inputs(), BTreeSet::from(["raw".to_owned()]));
        assert_eq!(pipeline.outputs(), BTreeSet::from(["report".to_owned(), "total".to_owned()]));

        let readers_only = Pipeline::new([step("lazy_sum", &["table@lazy"], "total")]);
        assert_eq!(readers_only.inputs(), BTreeSet::from(["table@lazy".to_owned()]));
        let writer_only = Pipeline::new([step("make", &["raw"], "table@polars")]);
        assert_eq!(writer_only.outputs(), BTreeSet::from(["table@polars".to_owned()]));
    }

    #[test]
    fn a_node_may_not_read_and_write_versions_of_one_dataset() {
        let pipeline = Pipeline::new([step("both", &["table@lazy"], "table@polars")]);
        let error = pipeline.validate().unwrap_err();
        assert_eq!(
            error.to_string(),
            "node `both` reads `table@lazy` and writes `table@polars`, two versions of dataset `table`"
        );
        assert!(error.hint().unwrap().contains("cannot read and write versions"));
    }

    #[test]
    fn transcoding_rules_of_kedro_are_enforced() {
        // Two writers of versions of one dataset (`_validate_unique_outputs`).
        let pipeline = Pipeline::new([step("a", &["x"], "t@polars"), step("b", &["y"], "t@lazy")]);
        assert_eq!(
            pipeline.validate().unwrap_err().to_string(),
            "dataset `t` is written by more than one node: `a`, `b`"
        );
        // Used with and without the separator (`_validate_transcoded_inputs_outputs`).
        let pipeline = Pipeline::new([step("a", &["x"], "t@polars"), step("b", &["t"], "y")]);
        assert_eq!(
            pipeline.validate(),
            Err(PipelineError::TranscodedWithoutSeparator {
                dataset: "t".to_owned(),
                transcoded: vec!["t@polars".to_owned()],
            })
        );
        // More than one separator (`_transcode_split`).
        let pipeline = Pipeline::new([step("a", &["x"], "t@a@b")]);
        assert_eq!(
            pipeline.validate(),
            Err(PipelineError::TranscodingSeparators("t@a@b".to_owned()))
        );
    }

    #[test]
    fn filters_select_transcoded_versions_by_their_dataset() {
        let pipeline = transcoded();
        // A name without `@` selects every version; a full name only itself.
        assert_eq!(names(&pipeline.from_inputs(&["table".into()]).unwrap()), ["eager", "lazy_sum"]);
        assert_eq!(names(&pipeline.from_inputs(&["table@lazy".into()]).unwrap()), ["lazy_sum"]);
        assert_eq!(names(&pipeline.to_outputs(&["total".into()]).unwrap()), ["make", "lazy_sum"]);
        assert_eq!(names(&pipeline.to_outputs(&["table".into()]).unwrap()), ["make"]);
        assert_eq!(
            names(&pipeline.from_nodes(&["make".into()]).unwrap()),
            ["make", "eager", "lazy_sum"]
        );
    }

    #[test]
    fn adding_pipelines_keeps_shared_nodes_once() {
        let total = diamond() + diamond();
        assert_eq!(total.len(), 3);
    }
}
