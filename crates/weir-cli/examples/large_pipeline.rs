//! A project binary with a 1,000-node pipeline, for measuring `viz` (and the CLI) at scale.
//!
//! Twenty namespaces (`region_00` ... `region_19`), each a modular pipeline of 50 nodes in five
//! stages where every node reads two nodes of the stage before. Nodes carry a `stage_<n>` tag and
//! an `even`/`odd` tag. `scripts/browser-test.sh` writes a matching `conf/` (layers for the raw
//! inputs and the reports) and times the page drawing it:
//!
//! ```text
//! cargo run -p weir-cli --example large_pipeline -- viz --port 0 --project-dir <dir>
//! ```

use weir_core::pipeline::{Node, Pipeline, PipelineRegistry, modular, node};

/// Regions (namespaces), each holding [`NODES_PER_REGION`] nodes.
const REGIONS: usize = 20;
const NODES_PER_REGION: usize = 50;
const WIDTH: usize = 10;

fn start(raw: i64) -> i64 {
    raw + 1
}

fn combine(left: i64, right: i64) -> i64 {
    left + right
}

fn tagged(node: Node, stage: usize, at: usize) -> Node {
    let parity = if at.is_multiple_of(2) { "even" } else { "odd" };
    node.tags([format!("stage_{stage}"), parity.to_owned()])
}

/// One region: four stages of ten nodes, nine nodes in the fifth, and a summary writing
/// `report`.
fn region() -> Pipeline {
    let mut nodes = Vec::with_capacity(NODES_PER_REGION);
    for at in 0..WIDTH {
        let step = node(start, "raw", format!("s0_{at}")).name(format!("stage0_{at}"));
        nodes.push(tagged(step, 0, at));
    }
    for stage in 1..5 {
        let width = if stage == 4 { WIDTH - 1 } else { WIDTH };
        for at in 0..width {
            let inputs =
                [format!("s{}_{at}", stage - 1), format!("s{}_{}", stage - 1, (at + 1) % WIDTH)];
            let step =
                node(combine, inputs, format!("s{stage}_{at}")).name(format!("stage{stage}_{at}"));
            nodes.push(tagged(step, stage, at));
        }
    }
    let summary = node(combine, ["s4_0", "s4_8"], "report").name("summarise");
    nodes.push(summary.tags(["report"]));
    Pipeline::new(nodes)
}

fn registry() -> PipelineRegistry {
    let mut all = Pipeline::default();
    for at in 0..REGIONS {
        let namespace = format!("region_{at:02}");
        let placed = modular(region())
            .namespace(namespace.clone())
            .input("raw", format!("raw_{at:02}"))
            .output("report", format!("report_{at:02}"))
            .build()
            .expect("the region pipeline maps only its own free input and output");
        all = all + placed;
    }
    PipelineRegistry::new().with("large", all).with_default_of_all()
}

fn main() -> std::process::ExitCode {
    weir_cli::main(registry())
}
