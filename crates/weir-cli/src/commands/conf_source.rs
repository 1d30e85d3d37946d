//! `--conf-source <archive>`: a `.tar.gz` (or plain `.tar`) of the configuration, as
//! `weir package` writes it, is unpacked into a temporary folder that is removed when the
//! command ends; a folder is used as it is.
//!
//! The archive may hold the environments at its root (`base/`, `prod/`, ...) or inside one
//! top-level folder (`conf/base/`, as `weir package` and Kedro's `kedro package` write it).
//! It is read by content (gzip or tar headers), not by file name.
//!
//! Unpacking is strict, because an archive may come from anywhere: an entry with an absolute
//! path, a `..` component, a link or a device is refused, naming the entry, before anything
//! of it is written; so are archives over [`MAX_UNPACKED_BYTES`] or [`MAX_ENTRIES`].
//!
//! # Limitations
//!
//! The temporary folder is removed when the command returns (or unwinds). A process that is
//! killed, or ended by a second Ctrl-C, leaves it behind in the system's temporary folder
//! (`weir-conf-*`).

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use crate::cli::{CatalogCommand, Command, ConfigArgs, ExportTarget, VizCommand};
use crate::report::{self, EXIT_USAGE};

/// Configuration archives are small: more than this is refused as suspicious.
pub(crate) const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

/// At most this many entries in a configuration archive.
pub(crate) const MAX_ENTRIES: usize = 100_000;

/// Folders unpacked during this command; emptied (and so removed) by [`Cleanup`].
static UNPACKED: Mutex<Vec<tempfile::TempDir>> = Mutex::new(Vec::new());

/// Removes the folders unpacked during a command when dropped; `dispatch` holds one.
#[derive(Debug)]
pub(crate) struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let unpacked = std::mem::take(
            &mut *UNPACKED.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for folder in unpacked {
            let path = folder.path().to_path_buf();
            if let Err(error) = folder.close() {
                tracing::warn!(%error, path = %path.display(), "cannot remove the unpacked configuration");
            }
        }
    }
}

/// Whether the command reads configuration and was given `--conf-source`.
pub(crate) fn given(command: &Command) -> bool {
    config_of(command).is_some_and(|config| config.conf_source.is_some())
}

/// The configuration arguments of `command`, for the commands that read the configuration.
fn config_of(command: &Command) -> Option<&ConfigArgs> {
    match command {
        Command::Run(args) => Some(&args.config),
        Command::Serve(args) => Some(&args.config),
        Command::Viz(args) => match &args.command {
            Some(VizCommand::Export(export)) => Some(&export.config),
            None => Some(&args.config),
        },
        Command::Catalog(catalog) => Some(match catalog {
            CatalogCommand::List(args) => &args.config,
            CatalogCommand::Describe(args) => &args.config,
            CatalogCommand::Resolve(args) => &args.config,
            CatalogCommand::Patterns(args) => &args.config,
            CatalogCommand::Validate(args) => &args.config,
        }),
        Command::Export(args) => Some(match &args.target {
            ExportTarget::Airflow(target) => &target.common.config,
            ExportTarget::Argo(target) => &target.common.config,
            ExportTarget::Kubeflow(target) => &target.common.config,
        }),
        Command::Pipeline(_) | Command::Runs(_) | Command::Package(_) | Command::Docker(_) => None,
    }
}

/// The configuration folder to read: `path` itself when it is a folder (or does not exist:
/// the configuration loader reports that), the unpacked copy when it is an archive.
pub(crate) fn resolve(path: Option<&Path>) -> Result<Option<PathBuf>, ExitCode> {
    let Some(path) = path else { return Ok(None) };
    if !path.is_file() {
        return Ok(Some(path.to_path_buf()));
    }
    match unpack(path) {
        Ok((folder, conf)) => {
            tracing::debug!(archive = %path.display(), folder = %conf.display(), "unpacked the configuration");
            UNPACKED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(folder);
            Ok(Some(conf))
        }
        Err(error) => {
            report::print_message(&error.message, &[error.hint]);
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// Why an archive cannot be used: the message and its fix.
#[derive(Debug)]
pub(crate) struct ArchiveError {
    pub(crate) message: String,
    pub(crate) hint: String,
}

impl ArchiveError {
    fn new(message: String, hint: &str) -> Self {
        ArchiveError { message, hint: hint.to_owned() }
    }
}

const REPACK: &str = "make the archive with `weir package`, or with `tar -czf conf.tar.gz conf` \
     from the project folder (relative paths, regular files and folders only)";

/// Unpacks `archive` into a new temporary folder; returns the folder and, inside it, the
/// configuration folder (the one holding `base/`).
pub(crate) fn unpack(archive: &Path) -> Result<(tempfile::TempDir, PathBuf), ArchiveError> {
    let shown = archive.display();
    let io_error = |error: std::io::Error| {
        ArchiveError::new(
            format!("cannot read the configuration archive `{shown}`: {error}"),
            "check that the file exists and is readable",
        )
    };
    let mut file = std::fs::File::open(archive).map_err(io_error)?;
    let mut magic = [0u8; 2];
    let gzipped = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    let file = std::fs::File::open(archive).map_err(io_error)?;
    let reader: Box<dyn Read> =
        if gzipped { Box::new(flate2::read::GzDecoder::new(file)) } else { Box::new(file) };

    let folder = tempfile::Builder::new().prefix("weir-conf-").tempdir().map_err(|error| {
        ArchiveError::new(
            format!("cannot create a temporary folder to unpack `{shown}` into: {error}"),
            "check that the system's temporary folder (TMPDIR) is writable",
        )
    })?;
    unpack_into(reader, folder.path(), archive)?;
    let conf = conf_folder(folder.path(), archive)?;
    Ok((folder, conf))
}

fn unpack_into(reader: impl Read, into: &Path, archive: &Path) -> Result<(), ArchiveError> {
    let shown = archive.display();
    let not_tar = |error: std::io::Error| {
        ArchiveError::new(
            format!("`{shown}` is not a readable .tar.gz or .tar archive: {error}"),
            "pass a folder holding `base/`, or a .tar.gz archive made by `weir package`",
        )
    };
    let mut tar = tar::Archive::new(reader);
    let mut total: u64 = 0;
    for (count, entry) in tar.entries().map_err(not_tar)?.enumerate() {
        let mut entry = entry.map_err(not_tar)?;
        if count >= MAX_ENTRIES {
            return Err(ArchiveError::new(
                format!("the configuration archive `{shown}` has more than {MAX_ENTRIES} entries"),
                REPACK,
            ));
        }
        let raw = entry.path().map_err(not_tar)?.into_owned();
        let relative = safe_relative(&raw).ok_or_else(|| {
            ArchiveError::new(
                format!(
                    "the configuration archive `{shown}` has an entry outside its folder: `{}`",
                    raw.display()
                ),
                REPACK,
            )
        })?;
        let kind = entry.header().entry_type();
        if kind == tar::EntryType::XGlobalHeader {
            // A pax comment (`git archive` writes the commit there): no file.
            continue;
        }
        let target = into.join(&relative);
        if kind.is_dir() {
            std::fs::create_dir_all(&target).map_err(|error| write_error(&target, &error))?;
            continue;
        }
        if !kind.is_file() {
            return Err(ArchiveError::new(
                format!(
                    "the configuration archive `{shown}` has an entry that is not a regular file or folder: `{}` ({kind:?})",
                    raw.display()
                ),
                REPACK,
            ));
        }
        total = total.saturating_add(entry.size());
        if total > MAX_UNPACKED_BYTES {
            return Err(ArchiveError::new(
                format!(
                    "the configuration archive `{shown}` unpacks to more than {} MiB",
                    MAX_UNPACKED_BYTES / 1024 / 1024
                ),
                REPACK,
            ));
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|error| write_error(parent, &error))?;
        }
        let mut out =
            std::fs::File::create(&target).map_err(|error| write_error(&target, &error))?;
        // `take` bounds what is written by what the header declared, whatever the stream holds.
        let size = entry.size();
        std::io::copy(&mut (&mut entry).take(size), &mut out).map_err(not_tar)?;
    }
    Ok(())
}

fn write_error(path: &Path, error: &std::io::Error) -> ArchiveError {
    ArchiveError::new(
        format!("cannot unpack the configuration into `{}`: {error}", path.display()),
        "check that the system's temporary folder (TMPDIR) is writable and has space",
    )
}

/// `path` as plain relative components (`./` dropped); `None` for an absolute path, a
/// Windows prefix or any `..`.
fn safe_relative(path: &Path) -> Option<PathBuf> {
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    // A name with a backslash is one component on Unix but a path elsewhere: refuse it too.
    let text = path.to_string_lossy();
    if text.contains('\\') || text.split('/').any(|part| part == "..") {
        return None;
    }
    Some(clean)
}

/// The folder holding `base/`: the archive's root, or its only top-level folder.
fn conf_folder(root: &Path, archive: &Path) -> Result<PathBuf, ArchiveError> {
    if root.join("base").is_dir() {
        return Ok(root.to_path_buf());
    }
    let mut top: Vec<String> = std::fs::read_dir(root)
        .map(|entries| {
            entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()
        })
        .unwrap_or_default();
    top.sort();
    if let [only] = top.as_slice()
        && root.join(only).join("base").is_dir()
    {
        return Ok(root.join(only));
    }
    let found = if top.is_empty() {
        "it is empty".to_owned()
    } else {
        format!(
            "its top level holds {}",
            top.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        )
    };
    Err(ArchiveError::new(
        format!(
            "the configuration archive `{}` has no `base/` folder at its root or in a single top-level folder ({found})",
            archive.display()
        ),
        "archive the `conf` folder itself (`tar -czf conf.tar.gz conf`), or use `weir package`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8])], gzip: bool) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let writer: Box<dyn std::io::Write> = if gzip {
            Box::new(flate2::write::GzEncoder::new(
                file.reopen().unwrap(),
                flate2::Compression::default(),
            ))
        } else {
            Box::new(file.reopen().unwrap())
        };
        let mut builder = tar::Builder::new(writer);
        for (name, body) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            // `set_path` refuses `..`: write the name bytes directly, as a hostile tool would.
            let bytes = name.as_bytes();
            header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            header.set_cksum();
            builder.append(&header, *body).unwrap();
        }
        builder.into_inner().unwrap().flush().unwrap();
        file
    }

    #[test]
    fn both_layouts_are_accepted() {
        for (entries, gzip) in [
            (&[("conf/base/catalog.yml", b"a: 1\n" as &[u8])][..], true),
            (&[("base/catalog.yml", b"a: 1\n" as &[u8]), ("prod/x.yml", b"")][..], false),
            (&[("./conf/base/catalog.yml", b"a: 1\n" as &[u8])][..], true),
        ] {
            let file = archive(entries, gzip);
            let (folder, conf) = unpack(file.path()).unwrap();
            assert!(conf.starts_with(folder.path()));
            assert_eq!(std::fs::read_to_string(conf.join("base/catalog.yml")).unwrap(), "a: 1\n");
        }
    }

    #[test]
    fn escaping_entries_are_refused_before_anything_is_written_outside() {
        for name in ["../evil.yml", "conf/../../evil.yml", "/tmp/evil.yml"] {
            let file = archive(&[("conf/base/a.yml", b"a: 1\n"), (name, b"x")], true);
            let error = unpack(file.path()).unwrap_err();
            assert!(error.message.contains("has an entry outside its folder"), "{error:?}");
            assert!(error.message.contains(name.trim_start_matches('/')), "{error:?}");
        }
    }

    #[test]
    fn an_archive_without_base_names_what_it_holds() {
        let file = archive(&[("settings/catalog.yml", b"")], true);
        let error = unpack(file.path()).unwrap_err();
        assert!(error.message.contains("no `base/` folder"), "{error:?}");
        assert!(error.message.contains("`settings`"), "{error:?}");
    }

    #[test]
    fn a_file_that_is_no_archive_is_named() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::File::create(file.path())
            .unwrap()
            .write_all(b"catalog: {}\n".repeat(100).as_slice())
            .unwrap();
        let error = unpack(file.path()).unwrap_err();
        assert!(error.message.contains("is not a readable .tar.gz or .tar archive"), "{error:?}");
    }

    use std::io::Write as _;
}
