//! Local storage helpers for file datasets: resolving a catalog `filepath` to a path on disk and
//! writing files atomically.
//!
//! An atomic write goes into a hidden, uniquely named temporary file next to the target, is
//! flushed and synced to disk, and is then renamed over the target. A reader therefore sees the
//! old content or the new content, never half of either, and a failed write (an encoding error,
//! a full disk, a folder that cannot be created) removes the temporary file and leaves the old
//! content untouched.
//!
//! # Limitations
//!
//! - Only local files. Remote URLs (`s3://`, `gs://`, `az://`, `http(s)://`, `memory://` ...)
//!   are rejected with a clear message until the object-store layer exists; `file://` is
//!   accepted and stripped.
//! - The rename is atomic on POSIX file systems when the temporary file and the target are on the
//!   same file system, which holds because both live in the same folder. Network file systems may
//!   give weaker guarantees.
//! - A target that is a symbolic link is replaced by a regular file; the file it pointed to is
//!   left as it was.
//!
//! This module uses `catalog::CatalogError` and `catalog::DatasetContext` only.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{CatalogError, DatasetContext};

/// URL schemes that need an object store, which this build does not have yet.
const REMOTE_SCHEMES: &[&str] =
    &["s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "http", "https", "memory", "hdfs"];

/// Marks the temporary files this module creates, so they are recognisable in a listing.
const TEMP_SUFFIX: &str = ".weir-tmp";

/// How many unique names to try before giving up on creating a temporary file.
const TEMP_ATTEMPTS: u32 = 16;

/// A failure while writing a file atomically; the target keeps its previous content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The target's folder could not be created.
    #[error("cannot create folder `{}`", path.display())]
    CreateFolder {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The target is a folder, so a file cannot replace it.
    #[error("`{}` is a folder, not a file", path.display())]
    TargetIsFolder {
        /// The target.
        path: PathBuf,
    },
    /// No temporary file could be created next to the target.
    #[error("cannot create a temporary file in `{}`", folder.display())]
    CreateTemp {
        /// The folder the temporary file was meant for.
        folder: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Writing, flushing or syncing the new content failed.
    #[error("cannot write `{}`", path.display())]
    Write {
        /// The target.
        path: PathBuf,
        /// Why: an I/O error or an encoding error wrapped as one.
        #[source]
        source: io::Error,
    },
    /// The finished temporary file could not be moved over the target.
    #[error("cannot replace `{}`", path.display())]
    Rename {
        /// The target.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// The error and all its causes on one line, `what: why: deeper why`, for messages that carry
/// text rather than a source chain.
pub fn describe_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        if !text.ends_with(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        cause = inner.source();
    }
    text
}

/// Turns a catalog `filepath` into a local path: strips `file://`, rejects remote URLs and
/// resolves relative paths against the project root.
pub fn resolve_filepath(
    dataset: &str,
    filepath: &str,
    context: &DatasetContext,
) -> Result<PathBuf, CatalogError> {
    let local = match filepath.split_once("://") {
        None => filepath,
        Some(("file", rest)) => rest,
        Some((scheme, _)) => return Err(remote_path_error(dataset, filepath, scheme)),
    };

    if local.is_empty() {
        return Err(CatalogError::InvalidEntry {
            dataset: dataset.to_owned(),
            message: "`filepath` is empty".to_owned(),
            source_location: None,
            hint: Some("set `filepath` to a file, e.g. `data/01_raw/companies.csv`".to_owned()),
        });
    }

    let path = Path::new(local);
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    Ok(context.project_root.join(path))
}

fn remote_path_error(dataset: &str, filepath: &str, scheme: &str) -> CatalogError {
    let known = REMOTE_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str());
    let message = if known {
        format!(
            "`{filepath}` is on remote storage (`{scheme}://`), which this build of weir does not support"
        )
    } else {
        format!("`{filepath}` uses the unknown protocol `{scheme}://`")
    };
    CatalogError::InvalidEntry {
        dataset: dataset.to_owned(),
        message,
        source_location: None,
        hint: Some(
            "only local paths (relative to the project root, absolute, or `file://`) work for now"
                .to_owned(),
        ),
    }
}

/// Writes `target` atomically with whatever `write` puts into the writer it is given.
///
/// Parent folders are created. `write` may fail with any `io::Error` (wrap encoding errors with
/// `io::Error::other`); the temporary file is then removed and `target` keeps its old content.
pub fn write_atomic<F>(target: &Path, write: F) -> Result<(), StorageError>
where
    F: FnOnce(&mut BufWriter<File>) -> io::Result<()>,
{
    if target.is_dir() {
        return Err(StorageError::TargetIsFolder { path: target.to_path_buf() });
    }

    let folder = parent_folder(target);
    fs::create_dir_all(&folder)
        .map_err(|source| StorageError::CreateFolder { path: folder.clone(), source })?;

    let (file, temp) = create_temp_file(&folder, target)?;
    let mut guard = TempGuard { path: temp, armed: true };

    let mut writer = BufWriter::new(file);
    let written =
        write(&mut writer).and_then(|()| writer.flush()).and_then(|()| writer.get_ref().sync_all());
    if let Err(source) = written {
        return Err(StorageError::Write { path: target.to_path_buf(), source });
    }
    drop(writer);

    fs::rename(&guard.path, target)
        .map_err(|source| StorageError::Rename { path: target.to_path_buf(), source })?;
    guard.armed = false;

    sync_folder(&folder);
    Ok(())
}

/// Writes `bytes` to `target` atomically.
pub fn write_bytes_atomic(target: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    write_atomic(target, |writer| writer.write_all(bytes))
}

/// Whether `name` is one of the temporary files [`write_atomic`] creates.
pub fn is_temp_file_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX)
}

fn parent_folder(target: &Path) -> PathBuf {
    match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates a new, hidden file next to `target` whose name no other writer can be using.
fn create_temp_file(folder: &Path, target: &Path) -> Result<(File, PathBuf), StorageError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    let stem = target.file_name().map(|name| name.to_string_lossy().into_owned());
    let stem = stem.unwrap_or_else(|| "data".to_owned());
    let mut last_error = None;

    for _ in 0..TEMP_ATTEMPTS {
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.subsec_nanos())
            .unwrap_or_default();
        let name = format!(".{stem}.{}-{unique}-{nanos}{TEMP_SUFFIX}", std::process::id());
        let path = folder.join(name);

        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => last_error = Some(error),
            Err(source) => return Err(StorageError::CreateTemp { folder: folder.into(), source }),
        }
    }

    let source = last_error.unwrap_or_else(|| io::Error::other("no unique name was found"));
    Err(StorageError::CreateTemp { folder: folder.to_path_buf(), source })
}

/// Makes the rename itself durable. Best effort: some platforms cannot open a folder for syncing,
/// and the new content is already complete and visible at this point.
fn sync_folder(folder: &Path) {
    if let Ok(handle) = File::open(folder) {
        let _ = handle.sync_all();
    }
}

/// Removes the temporary file when a write stops early, for any reason (an error or a panic in
/// the encoder); disarmed once the file has been renamed over the target.
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(root: &Path) -> DatasetContext {
        DatasetContext {
            project_root: root.to_path_buf(),
            save_version: "2024-01-05T10.11.12.345Z".to_owned(),
            load_versions: std::collections::HashMap::new(),
        }
    }

    fn file_names(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn relative_paths_resolve_against_the_project_root() {
        let ctx = context(Path::new("/project"));
        let path = resolve_filepath("iris", "data/01_raw/iris.csv", &ctx).unwrap();
        assert_eq!(path, Path::new("/project/data/01_raw/iris.csv"));
        let absolute = resolve_filepath("iris", "/srv/iris.csv", &ctx).unwrap();
        assert_eq!(absolute, Path::new("/srv/iris.csv"));
        let url = resolve_filepath("iris", "file:///srv/iris.csv", &ctx).unwrap();
        assert_eq!(url, Path::new("/srv/iris.csv"));
    }

    #[test]
    fn remote_paths_are_rejected_with_the_dataset_name() {
        let ctx = context(Path::new("/project"));
        for filepath in ["s3://bucket/iris.csv", "gcs://b/x.parquet", "https://host/x.csv"] {
            let error = resolve_filepath("iris", filepath, &ctx).unwrap_err();
            let text = error.to_string();
            assert!(text.contains("`iris`"), "{text}");
            assert!(text.contains("remote storage"), "{text}");
            assert!(text.contains("not support"), "{text}");
        }
    }

    #[test]
    fn a_write_creates_parent_folders_and_replaces_the_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a/b/out.txt");
        write_bytes_atomic(&target, b"first").unwrap();
        write_bytes_atomic(&target, b"second").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "second");
        assert_eq!(file_names(&dir.path().join("a/b")), vec!["out.txt"]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        write_bytes_atomic(&target, b"old content").unwrap();

        let error = write_atomic(&target, |writer| {
            writer.write_all(b"half of the new")?;
            Err(io::Error::other("encoder gave up"))
        })
        .unwrap_err();

        assert!(describe_chain(&error).contains("encoder gave up"));
        assert_eq!(fs::read(&target).unwrap(), b"old content");
        assert_eq!(file_names(dir.path()), vec!["out.txt"]);
    }

    #[test]
    fn a_parent_that_is_a_file_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("blocker");
        write_bytes_atomic(&blocker, b"keep me").unwrap();

        let error = write_bytes_atomic(&blocker.join("out.txt"), b"x").unwrap_err();

        assert!(matches!(error, StorageError::CreateFolder { .. }), "{error:?}");
        assert_eq!(fs::read(&blocker).unwrap(), b"keep me");
        assert_eq!(file_names(dir.path()), vec!["blocker"]);
    }

    #[test]
    fn temp_names_are_hidden_and_recognisable() {
        let dir = tempfile::tempdir().unwrap();
        let (_file, path) = create_temp_file(dir.path(), &dir.path().join("x.csv")).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(is_temp_file_name(&name), "{name}");
        assert!(name.starts_with(".x.csv."), "{name}");
    }
}
