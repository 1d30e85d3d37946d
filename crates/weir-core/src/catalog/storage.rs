//! Local storage helpers for file datasets: resolving a catalog `filepath` to a path on disk and
//! writing files atomically.
//!
//! An atomic write goes into a hidden, uniquely named temporary file next to the target, is
//! flushed and synced to disk, and is then renamed over the target. A reader therefore sees the
//! old content or the new content, never half of either, and a failed write (an encoding error,
//! a full disk, a folder that cannot be created) removes the temporary file and leaves the old
//! content untouched.
//!
//! A target that is a symbolic link is written through: the link chain is followed to the final
//! file, the temporary file goes next to that file and is renamed over it, so the link and every
//! other link to the same file see the new content. A final target that is not a regular file (a
//! folder, a device, a FIFO, a socket) is refused rather than replaced. The new file gets the
//! permission bits of the file it replaces.
//!
//! A process killed in the middle of a write leaves its temporary file behind. Before each write
//! the temporary siblings of the same target are listed and those whose writer (the process id in
//! the name) no longer runs are removed; on Linux this is checked through `/proc/<pid>`, on other
//! systems leftovers are never removed.
//!
//! # Limitations
//!
//! - Only local files. Remote URLs (`s3://`, `gs://`, `az://`, `http(s)://`, `ftp://`,
//!   `memory://` ...) are rejected with a clear message until the object-store layer exists;
//!   `file://` is accepted and stripped. The user-info part of a URL (`user:password@`) is never
//!   shown: see [`redact_url`].
//! - The rename is atomic on POSIX file systems when the temporary file and the target are on the
//!   same file system, which holds because both live in the same folder. Network file systems may
//!   give weaker guarantees.
//! - A process id reused by an unrelated process keeps a stale temporary file alive until that
//!   process ends.
//! - Only the permission bits are carried over to the new file, not the owner, group, ACLs or
//!   extended attributes.
//!
//! This module uses `catalog::CatalogError` and `catalog::DatasetContext` only.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{CatalogError, DatasetContext};

/// URL schemes that need an object store, which this build does not have yet.
const REMOTE_SCHEMES: &[&str] = &[
    "s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "http", "https", "memory", "hdfs",
    "webhdfs", "ftp", "sftp",
];

/// Marks the temporary files this module creates, so they are recognisable in a listing.
const TEMP_SUFFIX: &str = ".weir-tmp";

/// How many unique names to try before giving up on creating a temporary file.
const TEMP_ATTEMPTS: u32 = 16;

/// How many symbolic links a write follows before it gives up, as Linux's `ELOOP` limit.
const MAX_LINK_HOPS: usize = 40;

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
    /// The target exists and is neither a regular file nor a folder (a device, a FIFO, a socket),
    /// so renaming over it would destroy something that is not data.
    #[error("`{}` is a {kind}, not a regular file", path.display())]
    NotRegularFile {
        /// The final target, after following symbolic links.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// The target's symbolic links could not be followed to a file.
    #[error("cannot follow the symbolic link `{}`", path.display())]
    Link {
        /// The link.
        path: PathBuf,
        /// Why: unreadable, or too many links in a row.
        #[source]
        source: io::Error,
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

/// `filepath` with the user-info part of a URL (`user:password@` in `https://user:password@host/x`)
/// replaced by `***`, so credentials never reach a message or a listing. Anything that is not a
/// URL with user info is returned unchanged.
pub fn redact_url(filepath: &str) -> String {
    let Some((scheme, rest)) = filepath.split_once("://") else {
        return filepath.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return filepath.to_owned();
    };
    format!("{scheme}://***@{}", &rest[at + 1..])
}

fn remote_path_error(dataset: &str, filepath: &str, scheme: &str) -> CatalogError {
    let filepath = redact_url(filepath);
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
    let target = &final_target(target)?;
    let existing = existing_permissions(target)?;

    let folder = parent_folder(target);
    fs::create_dir_all(&folder)
        .map_err(|source| StorageError::CreateFolder { path: folder.clone(), source })?;
    remove_stale_temp_files(&folder, target);

    let (file, temp) = create_temp_file(&folder, target)?;
    let mut guard = TempGuard { path: temp, armed: true };

    let mut writer = BufWriter::new(file);
    let written =
        write(&mut writer).and_then(|()| writer.flush()).and_then(|()| writer.get_ref().sync_all());
    let kept = |()| match &existing {
        Some(permissions) => writer.get_ref().set_permissions(permissions.clone()),
        None => Ok(()),
    };
    if let Err(source) = written.and_then(kept) {
        return Err(StorageError::Write { path: target.clone(), source });
    }
    drop(writer);

    fs::rename(&guard.path, target)
        .map_err(|source| StorageError::Rename { path: target.clone(), source })?;
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

/// Follows `target` through any chain of symbolic links to the path a write must replace. A
/// dangling link resolves to the missing file it names, which the write then creates.
fn final_target(target: &Path) -> Result<PathBuf, StorageError> {
    let mut current = target.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        // A path that cannot be inspected (missing, or under a file) is no link; creating its
        // folder or file reports the real problem.
        let Ok(metadata) = fs::symlink_metadata(&current) else {
            return Ok(current);
        };
        if !metadata.file_type().is_symlink() {
            return Ok(current);
        }

        let link = fs::read_link(&current)
            .map_err(|source| StorageError::Link { path: current.clone(), source })?;
        current = parent_folder(&current).join(link);
    }

    let source = io::Error::other(format!("more than {MAX_LINK_HOPS} links in a row"));
    Err(StorageError::Link { path: target.to_path_buf(), source })
}

/// The permissions of the regular file at `target` (`None` when there is no file yet), or an
/// error when something other than a regular file is there.
fn existing_permissions(target: &Path) -> Result<Option<fs::Permissions>, StorageError> {
    let Ok(metadata) = fs::symlink_metadata(target) else {
        return Ok(None);
    };
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return Ok(Some(metadata.permissions()));
    }
    if file_type.is_dir() {
        return Err(StorageError::TargetIsFolder { path: target.to_path_buf() });
    }
    Err(StorageError::NotRegularFile { path: target.to_path_buf(), kind: special_kind(&metadata) })
}

#[cfg(unix)]
fn special_kind(metadata: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;

    let file_type = metadata.file_type();
    if file_type.is_block_device() || file_type.is_char_device() {
        "device"
    } else if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_metadata: &fs::Metadata) -> &'static str {
    "special file"
}

/// Removes the temporary files of `target` left by writers that were killed: siblings named
/// `.<file name>.<pid>-…weir-tmp` whose process no longer exists. Best effort: a file that
/// cannot be removed stays, and the write goes on.
fn remove_stale_temp_files(folder: &Path, target: &Path) {
    let Some(name) = target.file_name() else { return };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(folder) else { return };

    for entry in entries.flatten() {
        let sibling = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temp_file_writer(&sibling, &prefix) else { continue };
        if is_process_gone(pid) {
            tracing::debug!(path = %entry.path().display(), pid, "removing a stale temporary file");
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The process id in a temporary file name made for the target whose names start with `prefix`.
fn temp_file_writer(name: &str, prefix: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?.strip_suffix(TEMP_SUFFIX)?;
    let (pid, _unique) = rest.split_once('-')?;
    pid.parse().ok()
}

/// Whether process `pid` has certainly ended; `false` when that cannot be told.
#[cfg(target_os = "linux")]
fn is_process_gone(pid: u32) -> bool {
    let proc_root = Path::new("/proc");
    pid != std::process::id()
        && proc_root.join("self").exists()
        && !proc_root.join(pid.to_string()).exists()
}

#[cfg(not(target_os = "linux"))]
fn is_process_gone(_pid: u32) -> bool {
    false
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

    #[test]
    fn credentials_in_urls_are_redacted_in_messages() {
        let ctx = context(Path::new("/project"));
        let error = resolve_filepath("iris", "https://alice:S3cr3t@127.0.0.1:9/iris.csv", &ctx)
            .unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("S3cr3t"), "{text}");
        assert!(!text.contains("alice"), "{text}");
        assert!(text.contains("`https://***@127.0.0.1:9/iris.csv`"), "{text}");
    }

    #[test]
    fn redaction_touches_only_the_user_info_of_urls() {
        assert_eq!(redact_url("s3://key:secret@bucket/a@b.csv"), "s3://***@bucket/a@b.csv");
        assert_eq!(redact_url("ftp://bob@host/x.csv"), "ftp://***@host/x.csv");
        assert_eq!(redact_url("data/01_raw/a@b.csv"), "data/01_raw/a@b.csv");
        assert_eq!(redact_url("https://host/path@x"), "https://host/path@x");
    }

    #[test]
    fn ftp_sftp_and_webhdfs_count_as_remote_storage() {
        let ctx = context(Path::new("/project"));
        for filepath in ["ftp://host/x.csv", "sftp://host/x.csv", "webhdfs://host/x.csv"] {
            let text = resolve_filepath("iris", filepath, &ctx).unwrap_err().to_string();
            assert!(text.contains("remote storage"), "{text}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_write_goes_through_a_chain_of_symbolic_links() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        fs::create_dir(&store).unwrap();
        let shared = store.join("preds.csv");
        write_bytes_atomic(&shared, b"old").unwrap();
        let middle = dir.path().join("middle.csv");
        std::os::unix::fs::symlink("store/preds.csv", &middle).unwrap();
        let link = dir.path().join("out/preds.csv");
        fs::create_dir(dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink(&middle, &link).unwrap();

        write_bytes_atomic(&link, b"new").unwrap();

        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(fs::symlink_metadata(&middle).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&shared).unwrap(), b"new");
        assert_eq!(file_names(&store), vec!["preds.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_socket_is_refused_and_the_socket_kept() {
        use std::os::unix::fs::FileTypeExt;

        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let link = dir.path().join("out.csv");
        std::os::unix::fs::symlink(&socket, &link).unwrap();

        let error = write_bytes_atomic(&link, b"x").unwrap_err();

        assert!(matches!(error, StorageError::NotRegularFile { kind: "socket", .. }), "{error:?}");
        assert!(error.to_string().contains("not a regular file"), "{error}");
        assert!(fs::symlink_metadata(&socket).unwrap().file_type().is_socket());
        assert_eq!(file_names(dir.path()), vec!["out.csv", "sock"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_loop_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a");
        std::os::unix::fs::symlink("b", &first).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();

        let error = write_bytes_atomic(&first, b"x").unwrap_err();

        assert!(matches!(error, StorageError::Link { .. }), "{error:?}");
    }

    #[cfg(unix)]
    #[test]
    fn an_overwrite_keeps_the_permissions_of_the_old_file() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        write_bytes_atomic(&target, b"{}").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();

        write_bytes_atomic(&target, b"{\"a\": 1}").unwrap();

        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn temp_files_of_dead_writers_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        // Linux process ids never exceed 2^22, so this writer cannot be running.
        let dead = ".out.txt.99999999-0-1.weir-tmp";
        let live = format!(".out.txt.{}-7-1.weir-tmp", std::process::id());
        let other_target = ".other.txt.99999999-0-1.weir-tmp";
        for name in [dead, live.as_str(), other_target] {
            File::create(dir.path().join(name)).unwrap();
        }

        write_bytes_atomic(&target, b"done").unwrap();

        let mut expected = vec![live, other_target.to_owned(), "out.txt".to_owned()];
        expected.sort();
        assert_eq!(file_names(dir.path()), expected);
    }
}
