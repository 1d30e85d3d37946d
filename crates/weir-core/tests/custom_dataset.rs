//! A project registers its own dataset type in a few lines and uses it from `catalog.yml` in a
//! real run: the `my_project.ReversedTextDataset` of docs/catalog.md, a text file whose lines
//! are stored in reverse order.
//!
//! The type wraps the built-in `weir.TextDataset`, which brings `filepath`, versioning and
//! atomic writes; it only turns the lines around on the way in and out. Expected file contents
//! follow from that definition (lines reversed), written out by hand below.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use weir_core::catalog::files::TextDataset;
use weir_core::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use weir_core::data::{DataKind, Payload};
use weir_core::pipeline::{Pipeline, PipelineFilter, PipelineRegistry, node};
use weir_core::project::{ProjectDefinition, ProjectError, Session, SessionOptions};

// --- what a project writes (docs/catalog.md, "Your own dataset type") -------------------------

/// A text file whose lines are stored last line first.
#[derive(Debug)]
struct ReversedTextDataset {
    file: TextDataset,
}

impl ReversedTextDataset {
    const TYPE_NAME: &'static str = "my_project.ReversedTextDataset";

    fn from_spec(
        spec: &DatasetSpec,
        context: &DatasetContext,
    ) -> Result<Arc<dyn Dataset>, CatalogError> {
        Ok(Arc::new(ReversedTextDataset { file: TextDataset::from_spec(spec, context)? }))
    }
}

fn reversed(text: &str) -> String {
    text.lines().rev().fold(String::new(), |mut reversed, line| {
        reversed.push_str(line);
        reversed.push('\n');
        reversed
    })
}

impl Dataset for ReversedTextDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        match self.file.load()? {
            Payload::Text(text) => Ok(Payload::Text(reversed(&text))),
            other => Ok(other),
        }
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        match payload {
            Payload::Text(text) => self.file.save(Payload::Text(reversed(&text))),
            // The text dataset refuses anything else with its own message.
            other => self.file.save(other),
        }
    }

    fn exists(&self) -> Result<bool, CatalogError> {
        self.file.exists()
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Text)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        kind == DataKind::Text
    }

    fn location(&self) -> Option<String> {
        self.file.location()
    }

    fn versions(&self) -> Result<Vec<String>, CatalogError> {
        self.file.versions()
    }
}

#[expect(clippy::needless_pass_by_value, reason = "node functions take their inputs by value")]
fn shout(text: String) -> String {
    text.to_uppercase()
}

fn project() -> ProjectDefinition {
    let pipelines = PipelineRegistry::new()
        .with("shout", Pipeline::new([node(shout, "notes", "shouted")]))
        .with_default_of_all();
    let mut project = ProjectDefinition::from(pipelines);
    project.dataset_types.register(ReversedTextDataset::TYPE_NAME, ReversedTextDataset::from_spec);
    project
}

// --- the test harness ------------------------------------------------------------------------

const CATALOG: &str = "\
notes:
  type: my_project.ReversedTextDataset
  filepath: data/01_raw/notes.txt
shouted:
  type: my_project.ReversedTextDataset
  filepath: data/02_intermediate/shouted.txt
  versioned: true
";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::File::create(path).unwrap().write_all(text.as_bytes()).unwrap();
}

fn open(root: &Path, project: ProjectDefinition) -> Result<Session, ProjectError> {
    write(&root.join("conf/base/catalog.yml"), CATALOG);
    std::fs::create_dir_all(root.join("conf/local")).unwrap();
    let options = SessionOptions { project_root: root.to_path_buf(), ..SessionOptions::default() };
    Session::open(project, options)
}

#[test]
fn a_registered_type_is_used_from_the_catalog_in_a_run() {
    let dir = tempfile::tempdir().unwrap();
    // Stored last line first: the node reads "first\nsecond\nthird\n".
    write(&dir.path().join("data/01_raw/notes.txt"), "third\nsecond\nfirst\n");
    let session = open(dir.path(), project()).unwrap();
    assert_eq!(session.catalog().dataset("notes").type_name(), "my_project.ReversedTextDataset");

    let Payload::Text(read) = session.catalog().dataset("notes").load().unwrap() else {
        panic!("text expected")
    };
    assert_eq!(read, "first\nsecond\nthird\n");

    let pipeline = session.pipeline("__default__", &PipelineFilter::default()).unwrap();
    session.run(&pipeline).unwrap();

    let versions = session.catalog().dataset("shouted").versions().unwrap();
    assert_eq!(versions, vec![session.save_version().to_owned()]);
    let saved = dir
        .path()
        .join("data/02_intermediate/shouted.txt")
        .join(session.save_version())
        .join("shouted.txt");
    assert_eq!(std::fs::read_to_string(saved).unwrap(), "THIRD\nSECOND\nFIRST\n");
}

#[test]
fn without_the_registration_the_type_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let pipelines =
        PipelineRegistry::new().with("shout", Pipeline::new([node(shout, "notes", "shouted")]));
    let error = open(dir.path(), ProjectDefinition::from(pipelines)).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("unknown dataset type `my_project.ReversedTextDataset`"), "{text}");
    assert!(text.contains("`notes`"), "{text}");
}
