//! The iris project's default pipeline end to end (CSV in, artefacts, report and predictions
//! out), run in-process through a session on a temporary copy of the project.
//!
//! `cargo bench -p iris --bench iris`

use std::path::Path;

use weir::pipeline::PipelineFilter;
use weir::project::{ProjectDefinition, Session, SessionOptions};

fn main() {
    divan::main();
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folders");
    for entry in std::fs::read_dir(from).expect("a folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("a copy");
        }
    }
}

// One run per sample: each run saves new versions, named by the millisecond.
#[divan::bench(sample_count = 30, sample_size = 1)]
fn default_pipeline(bencher: divan::Bencher<'_, '_>) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = tempfile::tempdir().expect("a temporary folder");
    copy_tree(&source.join("conf"), &project.path().join("conf"));
    copy_tree(&source.join("data/01_raw"), &project.path().join("data/01_raw"));

    bencher.bench(|| {
        let options = SessionOptions {
            project_root: project.path().to_path_buf(),
            ..SessionOptions::default()
        };
        let session =
            Session::open(ProjectDefinition::from(iris::registry()), options).expect("a session");
        let pipeline =
            session.pipeline("__default__", &PipelineFilter::default()).expect("a pipeline");
        session.run(&pipeline).expect("a run")
    });
}
