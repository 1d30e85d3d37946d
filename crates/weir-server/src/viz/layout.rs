//! A layered (Sugiyama-style) layout, computed once on the server so that the page, the SVG
//! export and the HTML export draw the same picture.
//!
//! 1. **Bands.** A dataset with `metadata.layer` belongs to that layer's band; every other
//!    vertex takes the deepest band among its predecessors, so edges never climb. A vertex with
//!    no predecessor and no layer joins the highest band of its successors instead, to sit near
//!    what reads it. A dataset whose producer is in a later layer is drawn in that later band.
//! 2. **Rows.** Longest path from the sources, with each band starting below the previous
//!    band's last row; sources are then pulled down next to their first reader. A band is
//!    drawn over the rows holding its layer's datasets; rows in between belong to none.
//! 3. **Order within a row.** Edges spanning several rows get a chain of invisible points, then
//!    alternating downward and upward barycentre sweeps reorder each row; the order with the
//!    fewest crossings wins.
//! 4. **Coordinates.** Each row is placed as close as possible to the mean position of each
//!    vertex's neighbours while keeping the gap between boxes (a least-squares fit solved by
//!    pooling adjacent violators), alternating downward and upward passes.
//!
//! Edges run from the bottom centre of their source to the top centre of their target, through
//! their invisible points; the page draws them as vertical curves.

use std::collections::VecDeque;

use super::graph::{Band, Graph, VertexKind, layer_key, ordered_layers};

/// Height of a node box.
const NODE_HEIGHT: f64 = 34.0;
/// Height of a dataset box.
const DATASET_HEIGHT: f64 = 28.0;
/// Vertical space between rows.
const ROW_GAP: f64 = 46.0;
/// Extra space above the first row of a band (its label).
const BAND_GAP: f64 = 26.0;
/// Horizontal space between boxes.
const BOX_GAP: f64 = 22.0;
/// Horizontal space next to an invisible edge point.
const DUMMY_GAP: f64 = 8.0;
/// Space around the drawing (the left one holds band labels).
const MARGIN: f64 = 24.0;
const LEFT_MARGIN: f64 = 130.0;
/// Ordering sweeps (each is one pass down and one up).
const SWEEPS: usize = 8;
/// Coordinate passes.
const PLACEMENT_PASSES: usize = 6;

/// The width of a box showing `label` (about 7 pixels a character at 12 pixels).
pub fn box_width(label: &str) -> f64 {
    let characters = label.chars().count().min(40) as f64;
    (characters * 7.0 + 26.0).clamp(60.0, 306.0)
}

/// Places every vertex and edge of `graph` and sets its bands and size.
pub fn apply(graph: &mut Graph) {
    let count = graph.vertices.len();
    for vertex in &mut graph.vertices {
        vertex.width = box_width(&vertex.label());
        vertex.height = match vertex.kind {
            VertexKind::Node | VertexKind::Namespace => NODE_HEIGHT,
            VertexKind::Dataset | VertexKind::Parameters => DATASET_HEIGHT,
        };
    }
    if count == 0 {
        graph.width = 2.0 * MARGIN;
        graph.height = 2.0 * MARGIN;
        return;
    }

    let mut successors = vec![Vec::new(); count];
    let mut predecessors = vec![Vec::new(); count];
    for edge in &graph.edges {
        successors[edge.source].push(edge.target);
        predecessors[edge.target].push(edge.source);
    }
    let order = topological_order(&successors, &predecessors);

    let layers = ordered_layers(graph.vertices.iter().filter_map(|v| v.layer.as_deref()));
    let keys: Vec<String> = layers.iter().map(|l| layer_key(l)).collect();
    let explicit: Vec<Option<usize>> = graph
        .vertices
        .iter()
        .map(|v| v.layer.as_deref().and_then(|l| keys.iter().position(|k| *k == layer_key(l))))
        .collect();
    let bands = assign_bands(&order, &explicit, &predecessors, &successors);
    let ranks = assign_ranks(&order, &bands, &predecessors, &successors, layers.len().max(1));

    let mut rows = Rows::new(graph, &ranks);
    rows.order(SWEEPS);
    let xs = rows.place(PLACEMENT_PASSES);

    // Row tops: a band's first row leaves room for its label.
    let row_count = rows.members.len();
    let mut row_band = vec![usize::MAX; row_count];
    for (vertex, rank) in ranks.iter().enumerate() {
        row_band[*rank] = bands[vertex];
    }
    let mut row_top = vec![0.0; row_count];
    let mut row_height = vec![0.0_f64; row_count];
    for (vertex, rank) in ranks.iter().enumerate() {
        row_height[*rank] = row_height[*rank].max(graph.vertices[vertex].height);
    }
    let has_bands = !layers.is_empty();
    let mut y = MARGIN;
    let mut previous_band = usize::MAX;
    for row in 0..row_count {
        if row_band[row] == usize::MAX && row > 0 {
            row_band[row] = row_band[row - 1];
        }
        if has_bands && row_band[row] != previous_band {
            y += BAND_GAP;
            previous_band = row_band[row];
        }
        row_top[row] = y;
        y += row_height[row].max(DATASET_HEIGHT) + ROW_GAP;
    }
    let height = y - ROW_GAP + MARGIN;

    let min_x = rows
        .members
        .iter()
        .enumerate()
        .flat_map(|(row, members)| members.iter().map(move |m| (row, *m)))
        .map(|(_, member)| xs[member] - rows.width[member] / 2.0)
        .fold(f64::INFINITY, f64::min);
    let shift = if has_bands { LEFT_MARGIN } else { MARGIN } - min_x;
    let mut width: f64 = 0.0;
    for (vertex, rank) in ranks.iter().enumerate() {
        let v = &mut graph.vertices[vertex];
        let centre_y = row_top[*rank] + row_height[*rank] / 2.0;
        v.x = xs[vertex] + shift - v.width / 2.0;
        v.y = centre_y - v.height / 2.0;
        width = width.max(v.x + v.width + MARGIN);
    }

    for (at, edge) in graph.edges.iter_mut().enumerate() {
        let source = &graph.vertices[edge.source];
        let target = &graph.vertices[edge.target];
        let mut points = vec![(source.x + source.width / 2.0, source.y + source.height)];
        for dummy in &rows.chains[at] {
            let row = rows.rank[*dummy];
            let centre_y = row_top[row] + row_height[row] / 2.0;
            points.push((xs[*dummy] + shift, centre_y));
            width = width.max(xs[*dummy] + shift + MARGIN);
        }
        points.push((target.x + target.width / 2.0, target.y));
        edge.points = points;
    }

    // A band spans the rows holding datasets declared in its layer; rows of unlayered
    // vertices between two bands belong to neither.
    graph.bands = Vec::new();
    if has_bands {
        for (band, name) in layers.iter().enumerate() {
            let band_rows: Vec<usize> = (0..graph.vertices.len())
                .filter(|v| bands[*v] == band && explicit[*v].is_some())
                .map(|v| ranks[v])
                .collect();
            let (Some(first), Some(last)) = (band_rows.iter().min(), band_rows.iter().max()) else {
                continue;
            };
            graph.bands.push(Band {
                name: name.clone(),
                top: row_top[*first] - BAND_GAP - ROW_GAP / 4.0,
                bottom: row_top[*last] + row_height[*last] + ROW_GAP / 4.0,
            });
        }
        // Bands in neighbouring rows meet half-way.
        for at in 1..graph.bands.len() {
            if graph.bands[at - 1].bottom > graph.bands[at].top {
                let middle = f64::midpoint(graph.bands[at - 1].bottom, graph.bands[at].top);
                graph.bands[at - 1].bottom = middle;
                graph.bands[at].top = middle;
            }
        }
    }
    graph.width = width;
    graph.height = height;
}

/// Kahn's algorithm, ties broken by vertex index (the order vertices were added).
fn topological_order(successors: &[Vec<usize>], predecessors: &[Vec<usize>]) -> Vec<usize> {
    let mut missing: Vec<usize> = predecessors.iter().map(Vec::len).collect();
    let mut ready: VecDeque<usize> = (0..missing.len()).filter(|v| missing[*v] == 0).collect();
    let mut order = Vec::with_capacity(missing.len());
    while let Some(vertex) = ready.pop_front() {
        order.push(vertex);
        for next in &successors[vertex] {
            missing[*next] -= 1;
            if missing[*next] == 0 {
                ready.push_back(*next);
            }
        }
    }
    // A cycle cannot come from a validated pipeline; keep any leftover vertex drawable anyway.
    if order.len() < missing.len() {
        let mut seen = vec![false; missing.len()];
        for vertex in &order {
            seen[*vertex] = true;
        }
        order.extend((0..missing.len()).filter(|v| !seen[*v]));
    }
    order
}

fn assign_bands(
    order: &[usize],
    explicit: &[Option<usize>],
    predecessors: &[Vec<usize>],
    successors: &[Vec<usize>],
) -> Vec<usize> {
    let mut bands = vec![0; order.len()];
    for vertex in order {
        let from_predecessors = predecessors[*vertex].iter().map(|p| bands[*p]).max();
        bands[*vertex] = match (explicit[*vertex], from_predecessors) {
            (Some(own), Some(inherited)) => own.max(inherited),
            (Some(own), None) => own,
            (None, Some(inherited)) => inherited,
            (None, None) => 0,
        };
    }
    for vertex in order {
        if explicit[*vertex].is_none()
            && predecessors[*vertex].is_empty()
            && let Some(lowest) = successors[*vertex].iter().map(|s| bands[*s]).min()
        {
            bands[*vertex] = lowest;
        }
    }
    bands
}

fn assign_ranks(
    order: &[usize],
    bands: &[usize],
    predecessors: &[Vec<usize>],
    successors: &[Vec<usize>],
    band_count: usize,
) -> Vec<usize> {
    let position: Vec<usize> = {
        let mut position = vec![0; order.len()];
        for (at, vertex) in order.iter().enumerate() {
            position[*vertex] = at;
        }
        position
    };
    let mut by_band: Vec<usize> = order.to_vec();
    by_band.sort_by_key(|v| (bands[*v], position[*v]));

    let mut ranks = vec![0; order.len()];
    let mut band_start = vec![0; band_count];
    let mut present = vec![false; band_count];
    let mut deepest: Option<usize> = None;
    for vertex in &by_band {
        let band = bands[*vertex];
        if !present[band] {
            present[band] = true;
            band_start[band] = deepest.map_or(0, |d| d + 1);
        }
        let after_inputs = predecessors[*vertex].iter().map(|p| ranks[*p] + 1).max().unwrap_or(0);
        ranks[*vertex] = after_inputs.max(band_start[band]);
        deepest = Some(deepest.map_or(ranks[*vertex], |d| d.max(ranks[*vertex])));
    }
    let band_end: Vec<usize> = (0..band_count)
        .map(|band| {
            (band + 1..band_count)
                .find(|b| present[*b])
                .map_or(usize::MAX, |b| band_start[b].saturating_sub(1))
        })
        .collect();

    // Sources sit just above their first reader, within their band.
    for vertex in order.iter().rev() {
        if !predecessors[*vertex].is_empty() {
            continue;
        }
        let Some(first_reader) = successors[*vertex].iter().map(|s| ranks[*s]).min() else {
            continue;
        };
        let band = bands[*vertex];
        let wanted = first_reader.saturating_sub(1).min(band_end[band]);
        ranks[*vertex] = wanted.max(band_start[band]).max(ranks[*vertex]);
    }
    ranks
}

/// The rows of the layout: real vertices first (their graph index), then invisible edge points.
struct Rows {
    /// Row of each member.
    rank: Vec<usize>,
    /// Width of each member (0 for edge points).
    width: Vec<f64>,
    /// Members of each row, in drawing order.
    members: Vec<Vec<usize>>,
    /// Neighbours one row up and one row down.
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    /// The invisible points of each edge, top to bottom.
    chains: Vec<Vec<usize>>,
    real: usize,
}

impl Rows {
    fn new(graph: &Graph, ranks: &[usize]) -> Rows {
        let real = graph.vertices.len();
        let mut rank = ranks.to_vec();
        let mut width: Vec<f64> = graph.vertices.iter().map(|v| v.width).collect();
        let mut up = vec![Vec::new(); real];
        let mut down = vec![Vec::new(); real];
        let mut chains = Vec::with_capacity(graph.edges.len());
        for edge in &graph.edges {
            let mut chain = Vec::new();
            let mut previous = edge.source;
            for row in ranks[edge.source] + 1..ranks[edge.target] {
                let dummy = rank.len();
                rank.push(row);
                width.push(0.0);
                up.push(vec![previous]);
                down.push(Vec::new());
                down[previous].push(dummy);
                chain.push(dummy);
                previous = dummy;
            }
            down[previous].push(edge.target);
            up[edge.target].push(previous);
            chains.push(chain);
        }
        let row_count = rank.iter().max().map_or(0, |r| r + 1);
        let mut members = vec![Vec::new(); row_count];
        for (member, row) in rank.iter().enumerate() {
            members[*row].push(member);
        }
        Rows { rank, width, members, up, down, chains, real }
    }

    fn positions(&self) -> Vec<f64> {
        let mut position = vec![0.0; self.rank.len()];
        for members in &self.members {
            for (at, member) in members.iter().enumerate() {
                position[*member] = at as f64;
            }
        }
        position
    }

    /// Reorders rows by barycentre sweeps, keeping the order with the fewest crossings.
    fn order(&mut self, sweeps: usize) {
        let mut best = self.members.clone();
        let mut best_crossings = self.crossings();
        for _ in 0..sweeps {
            if best_crossings == 0 {
                break;
            }
            for row in 1..self.members.len() {
                self.sort_row(row, true);
            }
            for row in (0..self.members.len().saturating_sub(1)).rev() {
                self.sort_row(row, false);
            }
            let crossings = self.crossings();
            if crossings < best_crossings {
                best_crossings = crossings;
                best.clone_from(&self.members);
            }
        }
        self.members = best;
    }

    fn sort_row(&mut self, row: usize, from_above: bool) {
        let position = self.positions();
        let neighbours = if from_above { &self.up } else { &self.down };
        let mut keyed: Vec<(f64, usize)> = self.members[row]
            .iter()
            .map(|member| {
                let around = &neighbours[*member];
                let key = if around.is_empty() {
                    position[*member]
                } else {
                    around.iter().map(|n| position[*n]).sum::<f64>() / around.len() as f64
                };
                (key, *member)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.members[row] = keyed.into_iter().map(|(_, member)| member).collect();
    }

    /// Edge crossings between every pair of adjacent rows (inversions, counted with a
    /// Fenwick tree).
    fn crossings(&self) -> usize {
        let position = self.positions();
        let mut total = 0;
        for row in 0..self.members.len().saturating_sub(1) {
            let mut pairs: Vec<(usize, usize)> = Vec::new();
            for member in &self.members[row] {
                for below in &self.down[*member] {
                    #[expect(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        reason = "positions are small whole numbers"
                    )]
                    pairs.push((position[*member] as usize, position[*below] as usize));
                }
            }
            pairs.sort_unstable();
            let size = self.members[row + 1].len() + 1;
            let mut tree = vec![0usize; size + 1];
            for (seen, (_, target)) in pairs.iter().enumerate() {
                // Earlier pairs ending strictly to the right of this one cross it.
                let mut at = target + 1;
                let mut not_greater = 0;
                while at > 0 {
                    not_greater += tree[at];
                    at &= at - 1;
                }
                total += seen - not_greater;
                let mut at = target + 1;
                while at <= size {
                    tree[at] += 1;
                    at += at & at.wrapping_neg();
                }
            }
        }
        total
    }

    /// Horizontal centres of every member.
    fn place(&self, passes: usize) -> Vec<f64> {
        let mut x = vec![0.0; self.rank.len()];
        for members in &self.members {
            let mut cursor = 0.0;
            for (at, member) in members.iter().enumerate() {
                if at > 0 {
                    cursor += self.separation(members[at - 1], *member);
                }
                x[*member] = cursor;
            }
        }
        for pass in 0..passes * 2 {
            let from_above = pass % 2 == 0;
            let rows: Vec<usize> = if from_above {
                (1..self.members.len()).collect()
            } else {
                (0..self.members.len().saturating_sub(1)).rev().collect()
            };
            for row in rows {
                let neighbours = if from_above { &self.up } else { &self.down };
                let members = &self.members[row];
                let wanted: Vec<f64> = members
                    .iter()
                    .map(|member| {
                        let around = &neighbours[*member];
                        if around.is_empty() {
                            x[*member]
                        } else {
                            around.iter().map(|n| x[*n]).sum::<f64>() / around.len() as f64
                        }
                    })
                    .collect();
                let gaps: Vec<f64> =
                    members.windows(2).map(|pair| self.separation(pair[0], pair[1])).collect();
                for (member, placed) in members.iter().zip(fit_with_gaps(&wanted, &gaps)) {
                    x[*member] = placed;
                }
            }
        }
        x
    }

    fn separation(&self, left: usize, right: usize) -> f64 {
        let is_dummy = |member: usize| member >= self.real;
        let gap = if is_dummy(left) || is_dummy(right) { DUMMY_GAP } else { BOX_GAP };
        f64::midpoint(self.width[left], self.width[right]) + gap
    }
}

/// The positions closest (least squares) to `wanted` keeping `x[i+1] - x[i] >= gaps[i]`:
/// shifting out the gaps turns it into isotonic regression, solved by pooling adjacent
/// violators.
pub(crate) fn fit_with_gaps(wanted: &[f64], gaps: &[f64]) -> Vec<f64> {
    let mut offsets = Vec::with_capacity(wanted.len());
    let mut offset = 0.0;
    for at in 0..wanted.len() {
        if at > 0 {
            offset += gaps[at - 1];
        }
        offsets.push(offset);
    }
    // Blocks of (sum, count), each holding one common value.
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(wanted.len());
    for (value, offset) in wanted.iter().zip(&offsets) {
        blocks.push((value - offset, 1));
        while blocks.len() > 1 {
            let (sum, count) = blocks[blocks.len() - 1];
            let (previous_sum, previous_count) = blocks[blocks.len() - 2];
            if previous_sum / previous_count as f64 <= sum / count as f64 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (previous_sum + sum, previous_count + count);
        }
    }
    let mut placed = Vec::with_capacity(wanted.len());
    for (sum, count) in blocks {
        let value = sum / count as f64;
        placed.extend(std::iter::repeat_n(value, count));
    }
    placed.iter().zip(&offsets).map(|(value, offset)| value + offset).collect()
}

#[cfg(test)]
mod tests {
    use weir_core::pipeline::{Node, Pipeline, node};

    use super::super::graph::tests::{small, small_catalog};
    use super::super::graph::{CatalogInfo, GraphOptions, build};
    use super::*;

    fn add(a: i64, b: i64) -> i64 {
        a + b
    }

    /// Six stages of `width` nodes, each reading two nodes of the stage before, plus a node
    /// reading a raw input from the first stage (a long edge).
    fn lattice(width: usize) -> Pipeline {
        let mut nodes: Vec<Node> = Vec::new();
        for stage in 0..6 {
            for at in 0..width {
                let inputs = if stage == 0 {
                    ["raw_a".to_owned(), "raw_b".to_owned()]
                } else {
                    [
                        format!("s{}_{at}", stage - 1),
                        format!("s{}_{}", stage - 1, (at * 7 + 3) % width),
                    ]
                };
                nodes.push(
                    node(add, inputs, format!("s{stage}_{at}")).name(format!("n{stage}_{at}")),
                );
            }
        }
        nodes.push(node(add, ["raw_a", "s5_0"], "late").name("late"));
        Pipeline::new(nodes)
    }

    fn placed(pipeline: &Pipeline, catalog: &CatalogInfo) -> Graph {
        let mut graph = build("p", pipeline, catalog, &GraphOptions::default());
        apply(&mut graph);
        graph
    }

    #[test]
    fn no_two_boxes_overlap() {
        let graph = placed(&lattice(12), &CatalogInfo::default());
        for (at, a) in graph.vertices.iter().enumerate() {
            for b in &graph.vertices[at + 1..] {
                let apart = a.x + a.width <= b.x + 0.01
                    || b.x + b.width <= a.x + 0.01
                    || a.y + a.height <= b.y + 0.01
                    || b.y + b.height <= a.y + 0.01;
                assert!(apart, "`{}` overlaps `{}`", a.name, b.name);
            }
        }
    }

    #[test]
    fn every_edge_runs_downward_from_bottom_to_top() {
        let graph = placed(&lattice(8), &CatalogInfo::default());
        for edge in &graph.edges {
            let (source, target) = (&graph.vertices[edge.source], &graph.vertices[edge.target]);
            assert!(target.y > source.y + source.height, "`{}` -> `{}`", source.name, target.name);
            let first = edge.points[0];
            let last = edge.points[edge.points.len() - 1];
            assert!((first.1 - (source.y + source.height)).abs() < 1e-9);
            assert!((last.1 - target.y).abs() < 1e-9);
            assert!(edge.points.windows(2).all(|pair| pair[1].1 > pair[0].1));
        }
        assert!(graph.vertices.iter().all(|v| v.x + v.width <= graph.width));
        assert!(graph.vertices.iter().all(|v| v.y + v.height <= graph.height));
    }

    #[test]
    fn layers_become_bands_in_order_holding_their_datasets() {
        let graph = placed(&small(), &small_catalog());
        let names: Vec<&str> = graph.bands.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["raw", "Reporting"]);
        let raw = graph.vertices.iter().find(|v| v.id == "d:raw").unwrap();
        let y = graph.vertices.iter().find(|v| v.id == "d:y").unwrap();
        let (top, bottom) = (&graph.bands[0], &graph.bands[1]);
        assert!(raw.y >= top.top && raw.y + raw.height <= top.bottom);
        assert!(y.y >= bottom.top && y.y + y.height <= bottom.bottom);
        assert!(top.bottom <= bottom.top);
    }

    #[test]
    fn a_graph_without_layers_has_no_bands() {
        assert!(placed(&lattice(3), &CatalogInfo::default()).bands.is_empty());
    }

    #[test]
    fn positions_keep_their_gaps_at_the_least_squares_optimum() {
        // Three boxes all wanting 0 with gaps of 10: the closest spacing keeps their mean at 0.
        assert_eq!(fit_with_gaps(&[0.0, 0.0, 0.0], &[10.0, 10.0]), [-10.0, 0.0, 10.0]);
        // Far enough apart already: nothing moves.
        assert_eq!(fit_with_gaps(&[0.0, 50.0], &[10.0]), [0.0, 50.0]);
        // Only the violating pair is pooled: 4 and 6 with a gap of 10 become 0 and 10.
        assert_eq!(fit_with_gaps(&[-20.0, 4.0, 6.0], &[10.0, 10.0]), [-20.0, 0.0, 10.0]);
    }

    /// Pairs of edge segments between the same two heights whose ends swap sides.
    fn drawn_crossings(graph: &Graph) -> usize {
        let segments: Vec<((f64, f64), (f64, f64))> = graph
            .edges
            .iter()
            .flat_map(|edge| edge.points.windows(2).map(|pair| (pair[0], pair[1])))
            .collect();
        let mut crossings = 0;
        for (at, a) in segments.iter().enumerate() {
            for b in &segments[at + 1..] {
                let same_rows = (a.0.1 - b.0.1).abs() < 1.0 && (a.1.1 - b.1.1).abs() < 1.0;
                if same_rows && (a.0.0 - b.0.0) * (a.1.0 - b.1.0) < 0.0 {
                    crossings += 1;
                }
            }
        }
        crossings
    }

    #[test]
    fn ordering_untangles_a_tree_declared_crossed() {
        // `g_i` reads what `f_{3-i}` wrote: in declaration (and name) order every pair of
        // edges between the two rows crosses; a tree can always be drawn without crossings.
        fn double(x: i64) -> i64 {
            x * 2
        }
        let mut nodes = Vec::new();
        for at in 0..4 {
            nodes.push(node(double, "raw", format!("m{at}")).name(format!("f{at}")));
            nodes.push(
                node(double, format!("m{}", 3 - at), format!("o{at}")).name(format!("g{at}")),
            );
        }
        let graph = placed(&Pipeline::new(nodes), &CatalogInfo::default());
        assert_eq!(drawn_crossings(&graph), 0);
    }
}
