//! Data contracts on a 1,000,000-row table: how long `Contract::check_frame` takes.
//!
//! - `passing_rules`: ten rules that hold (three dtypes, then `nullable: false`, `min`/`max`,
//!   `allowed` and `unique`), the cost every load and save of a contracted dataset pays.
//! - `broken_rules`: the same rules with one row in a hundred above `max`, so the examples are
//!   gathered too.
//! - `pattern`: one `pattern:` rule over a string column (the `regex` crate, row by row).
//!
//! `cargo bench -p weir-core --bench contract`

use weir_core::catalog::contract::Contract;
use weir_core::polars::prelude::{Column, DataFrame};

fn main() {
    divan::main();
}

const ROWS: u32 = 1_000_000;

/// `id` 0..ROWS, `x` in [0, 10) (with `broken`, one row in a hundred at 50), a three-valued
/// `species` and a `code` like `AB-123`.
fn table(broken: bool) -> DataFrame {
    let ids: Vec<i64> = (0..ROWS).map(i64::from).collect();
    let x: Vec<f64> = (0..ROWS)
        .map(|i| if broken && i % 100 == 0 { 50.0 } else { f64::from(i % 1000) / 100.0 })
        .collect();
    let species: Vec<&str> =
        (0..ROWS).map(|i| ["setosa", "versicolor", "virginica"][(i % 3) as usize]).collect();
    let codes: Vec<String> = (0..ROWS).map(|i| format!("AB-{}", i % 997)).collect();
    DataFrame::new_infer_height(vec![
        Column::new("id".into(), ids),
        Column::new("x".into(), x),
        Column::new("species".into(), species),
        Column::new("code".into(), codes),
    ])
    .expect("equal lengths")
}

fn rules() -> Contract {
    let schema = serde_json::json!({"strict": false, "columns": {
        "id": {"dtype": "int64", "nullable": false, "unique": true, "min": 0},
        "x": {"dtype": "float64", "nullable": false, "min": 0, "max": 10},
        "species": {"dtype": "string", "allowed": ["setosa", "versicolor", "virginica"]},
    }});
    Contract::from_config("bench", &schema, None).expect("a valid schema")
}

#[divan::bench(sample_count = 10)]
fn passing_rules(bencher: divan::Bencher<'_, '_>) {
    let frame = table(false);
    let contract = rules();
    bencher.bench(|| {
        let found = contract.check_frame(&frame).expect("checked");
        assert!(found.is_empty());
    });
}

#[divan::bench(sample_count = 10)]
fn broken_rules(bencher: divan::Bencher<'_, '_>) {
    let frame = table(true);
    let contract = rules();
    bencher.bench(|| {
        let found = contract.check_frame(&frame).expect("checked");
        assert_eq!(found.len(), 1);
    });
}

#[divan::bench(sample_count = 10)]
fn pattern(bencher: divan::Bencher<'_, '_>) {
    let frame = table(false);
    let schema = serde_json::json!({"columns": {"code": {"pattern": "[A-Z]{2}-[0-9]+"}}});
    let contract = Contract::from_config("bench", &schema, None).expect("a valid schema");
    bencher.bench(|| {
        let found = contract.check_frame(&frame).expect("checked");
        assert!(found.is_empty());
    });
}
