//! A node: a plain Rust function with named inputs, named outputs and tags.
//!
//! [`node`] wraps any function whose arguments and result are [`NodeData`] types (up to eight
//! arguments; the result may be a single value, a tuple of values, `()` or a `Result` of those).
//! The wrapper records the Rust types of the arguments and results, so wiring mistakes are found
//! before a run starts instead of in the middle of it.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use crate::data::{DataType, NodeData, Payload};

/// Why a node's function failed, as returned by the function itself.
pub type NodeFailure = Box<dyn std::error::Error + Send + Sync>;

/// A node failure that carries a fix for the user, shown on the CLI's `hint:` line.
///
/// Node functions return it (boxed as a [`NodeFailure`]) when they know how the user can
/// recover; the runner finds it by downcasting.
#[derive(Debug)]
pub struct HintedFailure {
    error: NodeFailure,
    hint: String,
}

impl HintedFailure {
    /// Wraps `error` with a `hint`.
    pub fn new(error: impl Into<NodeFailure>, hint: impl Into<String>) -> Self {
        HintedFailure { error: error.into(), hint: hint.into() }
    }

    /// The fix to suggest.
    pub fn hint(&self) -> &str {
        &self.hint
    }
}

impl fmt::Display for HintedFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for HintedFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

/// Builds a node from a function, its input names and its output names.
///
/// Inputs are dataset names or `params:<key.path>` (`parameters` gives every parameter). The
/// node is named after the function unless [`Node::name`] says otherwise.
///
/// ```
/// use weir_core::pipeline::node;
/// use weir_core::polars::prelude::*;
///
/// fn drop_nulls(df: DataFrame) -> PolarsResult<DataFrame> {
///     df.drop_nulls::<String>(None)
/// }
///
/// let cleaned = node(drop_nulls, "raw", "clean").tags(["cleaning"]);
/// assert_eq!(cleaned.node_name(), "drop_nulls");
/// assert_eq!(cleaned.inputs(), ["raw"]);
/// ```
pub fn node<F, Args>(function: F, inputs: impl IntoNames, outputs: impl IntoNames) -> Node
where
    F: NodeFunction<Args>,
{
    let function_name = short_function_name(std::any::type_name::<F>());
    Node {
        name: function_name.to_owned(),
        function_name: std::any::type_name::<F>(),
        inputs: inputs.into_names(),
        outputs: outputs.into_names(),
        tags: BTreeSet::new(),
        namespace: None,
        code_version: None,
        argument_types: F::argument_types(),
        output_types: F::Output::output_types(),
        call: Arc::new(move |payloads| function.call(payloads)),
    }
}

/// `crate::module::function` → `function`; closures keep their full path so a missing name is
/// obvious.
fn short_function_name(full: &str) -> &str {
    if full.contains("{{closure}}") {
        return full;
    }
    full.rsplit("::").next().unwrap_or(full)
}

type ErasedCall = Arc<dyn Fn(Vec<Payload>) -> Result<Vec<Payload>, NodeCallError> + Send + Sync>;

/// One step of a pipeline.
#[derive(Clone)]
pub struct Node {
    name: String,
    function_name: &'static str,
    inputs: Vec<String>,
    outputs: Vec<String>,
    tags: BTreeSet<String>,
    namespace: Option<String>,
    code_version: Option<String>,
    argument_types: Vec<DataType>,
    output_types: Vec<DataType>,
    call: ErasedCall,
}

impl Node {
    /// Renames the node.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Adds tags.
    #[must_use]
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Declares the version of what the node computes, for `--skip-unchanged`.
    ///
    /// weir cannot see inside compiled code: a run skips a node whose inputs, parameters and
    /// code version are unchanged, and the code version is the function's Rust path plus this
    /// label. Change the label (e.g. `"2"`) when an edit changes the node's results.
    #[must_use]
    pub fn code_version(mut self, version: impl Into<String>) -> Self {
        self.code_version = Some(version.into());
        self
    }

    /// What identifies the node's code for `--skip-unchanged`: the function's Rust path, and
    /// the label given to [`Node::code_version`] if any.
    pub fn code_identity(&self) -> String {
        match &self.code_version {
            Some(version) => format!("{}@{version}", self.function_name),
            None => self.function_name.to_owned(),
        }
    }

    /// The node's name, unique within a pipeline.
    pub fn node_name(&self) -> &str {
        &self.name
    }

    /// The full Rust path of the wrapped function.
    pub fn function_name(&self) -> &'static str {
        self.function_name
    }

    /// Input names, in argument order.
    pub fn inputs(&self) -> &[String] {
        &self.inputs
    }

    /// Output names, in result order.
    pub fn outputs(&self) -> &[String] {
        &self.outputs
    }

    /// The node's tags.
    pub fn tag_set(&self) -> &BTreeSet<String> {
        &self.tags
    }

    /// The namespace the node was placed in by a modular pipeline (`outer.inner`), if any.
    /// The node's name then starts with it.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// A copy moved into `namespace` (prefixing its name), with every input and output name
    /// passed through `rename`.
    pub(crate) fn relocated(
        &self,
        namespace: Option<&str>,
        rename: impl Fn(&str) -> String,
    ) -> Node {
        let mut copy = self.clone();
        copy.inputs = self.inputs.iter().map(|name| rename(name)).collect();
        copy.outputs = self.outputs.iter().map(|name| rename(name)).collect();
        if let Some(namespace) = namespace {
            copy.name = format!("{namespace}.{}", self.name);
            copy.namespace = Some(match &self.namespace {
                Some(inner) => format!("{namespace}.{inner}"),
                None => namespace.to_owned(),
            });
        }
        copy
    }

    /// The Rust types of the function's arguments.
    pub fn argument_types(&self) -> &[DataType] {
        &self.argument_types
    }

    /// The Rust types of the function's results.
    pub fn output_types(&self) -> &[DataType] {
        &self.output_types
    }

    /// Calls the function with loaded inputs, in argument order.
    pub fn run(&self, inputs: Vec<Payload>) -> Result<Vec<Payload>, NodeCallError> {
        (self.call)(inputs)
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("name", &self.name)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

/// How calling a node's function can fail.
#[derive(Debug)]
pub enum NodeCallError {
    /// Argument `index` (0-based) could not be built from its payload.
    Argument {
        /// 0-based argument position.
        index: usize,
        /// Why.
        error: crate::data::ConversionError,
    },
    /// The function returned an error.
    Failed(NodeFailure),
    /// The number of inputs does not match the function's arguments.
    Arity {
        /// Arguments the function takes.
        expected: usize,
        /// Inputs supplied.
        given: usize,
    },
}

/// Names given as `"a"`, `["a", "b"]`, `vec![...]` or `()` for none.
pub trait IntoNames {
    /// The names as owned strings.
    fn into_names(self) -> Vec<String>;
}

impl IntoNames for () {
    fn into_names(self) -> Vec<String> {
        Vec::new()
    }
}

impl IntoNames for &str {
    fn into_names(self) -> Vec<String> {
        vec![self.to_owned()]
    }
}

impl IntoNames for String {
    fn into_names(self) -> Vec<String> {
        vec![self]
    }
}

impl<S: Into<String>, const N: usize> IntoNames for [S; N] {
    fn into_names(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<S: Into<String>> IntoNames for Vec<S> {
    fn into_names(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

/// What a node function may return: one [`NodeData`] value, a tuple of them, `()`, or a
/// `Result` of any of those whose error converts into a boxed error.
pub trait NodeOutput: Send + 'static {
    /// The Rust types of the results, in order.
    fn output_types() -> Vec<DataType>;
    /// The results as payloads, in order.
    fn into_payloads(self) -> Result<Vec<Payload>, NodeFailure>;
}

impl NodeOutput for () {
    fn output_types() -> Vec<DataType> {
        Vec::new()
    }

    fn into_payloads(self) -> Result<Vec<Payload>, NodeFailure> {
        Ok(Vec::new())
    }
}

impl<T: NodeData> NodeOutput for T {
    fn output_types() -> Vec<DataType> {
        vec![T::data_type()]
    }

    fn into_payloads(self) -> Result<Vec<Payload>, NodeFailure> {
        Ok(vec![self.into_payload()])
    }
}

impl<O: NodeOutput, E: Into<NodeFailure> + Send + 'static> NodeOutput for Result<O, E> {
    fn output_types() -> Vec<DataType> {
        O::output_types()
    }

    fn into_payloads(self) -> Result<Vec<Payload>, NodeFailure> {
        self.map_err(Into::into)?.into_payloads()
    }
}

macro_rules! tuple_output {
    ($($name:ident),+) => {
        impl<$($name: NodeData),+> NodeOutput for ($($name,)+) {
            fn output_types() -> Vec<DataType> {
                vec![$($name::data_type()),+]
            }

            #[allow(non_snake_case, reason = "the tuple's fields are named after their types")]
            fn into_payloads(self) -> Result<Vec<Payload>, NodeFailure> {
                let ($($name,)+) = self;
                Ok(vec![$($name.into_payload()),+])
            }
        }
    };
}

tuple_output!(A);
tuple_output!(A, B);
tuple_output!(A, B, C);
tuple_output!(A, B, C, D);
tuple_output!(A, B, C, D, E);
tuple_output!(A, B, C, D, E, F);
tuple_output!(A, B, C, D, E, F, G);
tuple_output!(A, B, C, D, E, F, G, H);

/// A Rust function usable as a node: `Fn(A1, ..., An) -> R` with `Ai: NodeData` and
/// `R: NodeOutput`. `Args` is the tuple of argument types; callers never name it.
pub trait NodeFunction<Args>: Send + Sync + 'static {
    /// What the function returns.
    type Output: NodeOutput;
    /// The Rust types of the arguments, in order.
    fn argument_types() -> Vec<DataType>;
    /// Converts the payloads, calls the function and converts its results.
    fn call(&self, inputs: Vec<Payload>) -> Result<Vec<Payload>, NodeCallError>;
}

macro_rules! node_function {
    ($count:expr $(, $arg:ident)*) => {
        impl<Func, Out, $($arg),*> NodeFunction<($($arg,)*)> for Func
        where
            Func: Fn($($arg),*) -> Out + Send + Sync + 'static,
            Out: NodeOutput,
            $($arg: NodeData,)*
        {
            type Output = Out;

            fn argument_types() -> Vec<DataType> {
                vec![$($arg::data_type()),*]
            }

            #[allow(non_snake_case, unused_mut, unused_variables, reason = "generated for every arity")]
            fn call(&self, inputs: Vec<Payload>) -> Result<Vec<Payload>, NodeCallError> {
                if inputs.len() != $count {
                    return Err(NodeCallError::Arity { expected: $count, given: inputs.len() });
                }
                let mut payloads = inputs.into_iter().enumerate();
                $(
                    let (index, payload) = payloads.next().expect("length checked above");
                    let $arg = $arg::from_payload(payload)
                        .map_err(|error| NodeCallError::Argument { index, error })?;
                )*
                (self)($($arg),*).into_payloads().map_err(NodeCallError::Failed)
            }
        }
    };
}

node_function!(0);
node_function!(1, A1);
node_function!(2, A1, A2);
node_function!(3, A1, A2, A3);
node_function!(4, A1, A2, A3, A4);
node_function!(5, A1, A2, A3, A4, A5);
node_function!(6, A1, A2, A3, A4, A5, A6);
node_function!(7, A1, A2, A3, A4, A5, A6, A7);
node_function!(8, A1, A2, A3, A4, A5, A6, A7, A8);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Artefact, Params};

    fn add_one(x: f64) -> f64 {
        x + 1.0
    }

    fn split(x: f64) -> (f64, String) {
        (x * 2.0, format!("{x}"))
    }

    fn fails(_: f64) -> Result<f64, String> {
        Err("bad input".to_owned())
    }

    #[test]
    fn nodes_are_named_after_their_function() {
        let node = node(add_one, "x", "y");
        assert_eq!(node.node_name(), "add_one");
        assert_eq!(node.inputs(), ["x"]);
        assert_eq!(node.outputs(), ["y"]);
    }

    #[test]
    fn calling_converts_arguments_and_results() {
        let node = node(split, ["x"], ["doubled", "text"]);
        let outputs = node.run(vec![3.0.into_payload()]).unwrap();
        assert_eq!(outputs.len(), 2);
        assert!((f64::from_payload(outputs[0].clone()).unwrap() - 6.0).abs() < f64::EPSILON);
        assert_eq!(String::from_payload(outputs[1].clone()).unwrap(), "3");
    }

    #[test]
    fn errors_returned_by_the_function_are_kept() {
        let node = node(fails, "x", "y");
        let Err(NodeCallError::Failed(error)) = node.run(vec![1.0.into_payload()]) else {
            panic!("expected a failure");
        };
        assert_eq!(error.to_string(), "bad input");
    }

    #[test]
    fn wrong_payloads_name_the_argument() {
        let node = node(add_one, "x", "y");
        let Err(NodeCallError::Argument { index, .. }) =
            node.run(vec![Payload::Text("a".to_owned())])
        else {
            panic!("expected an argument error");
        };
        assert_eq!(index, 0);
    }

    #[test]
    fn types_are_recorded() {
        fn fit(_: Params<Vec<f64>>) -> Artefact<Vec<f64>> {
            Artefact::new(vec![])
        }
        let node = node(fit, "params:weights", "model");
        assert_eq!(node.argument_types()[0].kind, crate::data::DataKind::Structured);
        assert_eq!(node.output_types()[0].kind, crate::data::DataKind::Object);
    }
}
