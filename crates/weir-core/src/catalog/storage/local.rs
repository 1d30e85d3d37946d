//! Local files: atomic writes through a temporary file renamed over the target.
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
//! - The rename is atomic on POSIX file systems when the temporary file and the target are on the
//!   same file system, which holds because both live in the same folder. Network file systems may
//!   give weaker guarantees.
//! - A process id reused by an unrelated process keeps a stale temporary file alive until that
//!   process ends.
//! - Only the permission bits are carried over to the new file, not the owner, group, ACLs or
//!   extended attributes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Writes `target` atomically through a writer that needs a path rather than a `Write` (a
/// streaming sink such as Polars' `sink_parquet`): `write` gets the path of an empty temporary
/// file beside the target, may replace or fill it, and the result is renamed over `target`.
pub fn write_atomic_via_path<F>(target: &Path, write: F) -> Result<(), StorageError>
where
    F: FnOnce(&Path) -> io::Result<()>,
{
    let target = &final_target(target)?;
    let existing = existing_permissions(target)?;

    let folder = parent_folder(target);
    fs::create_dir_all(&folder)
        .map_err(|source| StorageError::CreateFolder { path: folder.clone(), source })?;
    remove_stale_temp_files(&folder, target);

    let (file, temp) = create_temp_file(&folder, target)?;
    drop(file);
    let mut guard = TempGuard { path: temp, armed: true };

    let written = write(&guard.path).and_then(|()| {
        let file = File::open(&guard.path)?;
        file.sync_all()?;
        match &existing {
            Some(permissions) => fs::set_permissions(&guard.path, permissions.clone()),
            None => Ok(()),
        }
    });
    if let Err(source) = written {
        return Err(StorageError::Write { path: target.clone(), source });
    }

    fs::rename(&guard.path, target)
        .map_err(|source| StorageError::Rename { path: target.clone(), source })?;
    guard.armed = false;

    sync_folder(&folder);
    Ok(())
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

    fn file_names(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
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
    fn a_path_writer_replaces_the_target_and_a_failure_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out/data.bin");
        write_atomic_via_path(&target, |path| File::create(path)?.write_all(b"first")).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"first");

        let error = write_atomic_via_path(&target, |path| {
            File::create(path)?.write_all(b"half")?;
            Err(io::Error::other("sink failed"))
        })
        .unwrap_err();

        assert!(describe_chain(&error).contains("sink failed"));
        assert_eq!(fs::read(&target).unwrap(), b"first");
        assert_eq!(file_names(&dir.path().join("out")), vec!["data.bin"]);
    }

    #[test]
    fn temp_names_are_hidden_and_recognisable() {
        let dir = tempfile::tempdir().unwrap();
        let (_file, path) = create_temp_file(dir.path(), &dir.path().join("x.csv")).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(is_temp_file_name(&name), "{name}");
        assert!(name.starts_with(".x.csv."), "{name}");
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
