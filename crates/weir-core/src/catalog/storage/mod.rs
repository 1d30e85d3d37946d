//! The storage layer of every file dataset: where a catalog `filepath` points and how its bytes
//! are read and written.
//!
//! A `filepath` is one of:
//! - a plain path (relative to the project root, or absolute) or a `file://` URL: a local file,
//!   written atomically through a temporary file renamed into place ([`local`], which also
//!   follows symbolic links, keeps permissions and cleans up after killed writers);
//! - `s3://bucket/key` (also `s3a://`), `gs://bucket/key` (also `gcs://`),
//!   `az://container/path`, `abfs[s]://container@account.dfs.core.windows.net/path`: an object
//!   store reached through the `object_store` crate ([`remote`]), with the entry's
//!   `credentials` and `fs_args` (`storage/credentials.rs`);
//! - `memory://any/key`: one in-memory object store shared by the whole process, handy in tests
//!   and for data that need not outlive the run.
//!
//! [`resolve_location`] turns a `filepath` into a [`Location`]; `catalog::files::FileTarget`
//! builds every file dataset's reads, writes, versions and stamps on it.
//!
//! # Limitations
//!
//! - `http(s)://`, `hdfs://`, `ftp://`, `sftp://` and Azure Data Lake Gen1 (`adl://`) are not
//!   supported and are refused with a clear message.
//! - Remote writes are atomic per object (a PUT, or the completion of a multipart upload), but
//!   there is no cross-object transaction: a partitioned save that fails half-way leaves the
//!   partitions written so far.
//! - A remote load downloads the whole object (into memory, or into a temporary file for readers
//!   that need a path); there are no ranged or streaming reads yet.
//!
//! This module uses `catalog::CatalogError`, `catalog::DatasetSpec`, `catalog::DatasetContext`
//! and `error` only.

mod credentials;
pub mod local;
pub mod remote;

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{CatalogError, DatasetContext, DatasetSpec};

pub use local::{
    StorageError, describe_chain, is_temp_file_name, write_atomic, write_atomic_via_path,
    write_bytes_atomic,
};
pub use remote::{ObjectInfo, RemoteError, RemoteLocation};

use credentials::{Provider, StoreRequest};
use remote::RemoteStore;

/// Schemes weir recognises as remote storage it cannot reach.
const UNSUPPORTED_SCHEMES: &[&str] =
    &["http", "https", "hdfs", "webhdfs", "ftp", "sftp", "adl", "gdrive", "dropbox", "ssh"];

/// Where a dataset's data lives.
#[derive(Debug, Clone)]
pub enum Location {
    /// A path on the local file system.
    Local(PathBuf),
    /// A key in an object store.
    Remote(RemoteLocation),
}

impl Location {
    /// What to show for this location: the path, or the URL (never with credentials).
    pub fn display(&self) -> String {
        match self {
            Location::Local(path) => path.display().to_string(),
            Location::Remote(remote) => remote.url(),
        }
    }

    /// The location `relative` (`a/b.csv`) below this one.
    #[must_use]
    pub fn join(&self, relative: &str) -> Location {
        match self {
            Location::Local(path) => Location::Local(path.join(relative)),
            Location::Remote(remote) => Location::Remote(remote.join(relative)),
        }
    }
}

/// Turns a catalog `filepath` into a local path: strips `file://`, rejects URLs and resolves
/// relative paths against the project root. For datasets that work on local files only;
/// file datasets use [`resolve_location`].
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
    local_path(dataset, local, context)
}

fn local_path(
    dataset: &str,
    local: &str,
    context: &DatasetContext,
) -> Result<PathBuf, CatalogError> {
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

/// Turns `filepath` (a path, or a URL of a supported store) into a [`Location`], building the
/// object store with the credentials and `fs_args` of `spec`.
pub fn resolve_location(
    spec: &DatasetSpec,
    filepath: &str,
    context: &DatasetContext,
) -> Result<Location, CatalogError> {
    let dataset = spec.name.as_str();
    let Some((scheme, rest)) = filepath.split_once("://") else {
        return local_path(dataset, filepath, context).map(Location::Local);
    };
    let scheme = scheme.to_ascii_lowercase();
    let provider = match scheme.as_str() {
        "file" => return local_path(dataset, rest, context).map(Location::Local),
        "memory" => {
            let key = rest.trim_matches('/');
            let store = Arc::new(RemoteStore::memory());
            return Ok(Location::Remote(RemoteLocation::new(store, key)));
        }
        "s3" | "s3a" | "s3n" => Provider::S3,
        "gs" | "gcs" => Provider::Gcs,
        "az" | "abfs" | "abfss" => Provider::Azure,
        _ => return Err(remote_path_error(dataset, filepath, &scheme)),
    };

    let (authority, key) = rest.split_once('/').unwrap_or((rest, ""));
    let (bucket, account) = match authority.split_once('@') {
        None => (authority, None),
        Some((container, host)) if provider == Provider::Azure && !container.contains(':') => {
            (container, host.split('.').next())
        }
        Some(_) => {
            return Err(invalid(
                dataset,
                format!("`{}` holds credentials in the URL", redact_url(filepath)),
                "put them in conf/local/credentials.yml and name that entry in `credentials:`",
            ));
        }
    };
    if bucket.is_empty() {
        return Err(invalid(
            dataset,
            format!("`{}` names no bucket", redact_url(filepath)),
            "write the URL as `<scheme>://<bucket>/<path>`, e.g. `s3://my-bucket/data/x.csv`",
        ));
    }

    let request =
        StoreRequest { provider, bucket, account, root: format!("{scheme}://{authority}") };
    let store = credentials::build_store(spec, &request)?;
    Ok(Location::Remote(RemoteLocation::new(Arc::new(store), key)))
}

fn invalid(dataset: &str, message: String, hint: &str) -> CatalogError {
    CatalogError::InvalidEntry {
        dataset: dataset.to_owned(),
        message,
        source_location: None,
        hint: Some(hint.to_owned()),
    }
}

/// `filepath` with the user-info part of a URL (`user:password@` in `https://user:password@host/x`)
/// replaced by `***`, so credentials never reach a message or a listing. Anything that is not a
/// URL with user info is returned unchanged; so is an Azure `abfs://container@account...` URL,
/// whose `container@` is no credential.
pub fn redact_url(filepath: &str) -> String {
    let Some((scheme, rest)) = filepath.split_once("://") else {
        return filepath.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return filepath.to_owned();
    };
    let is_azure = matches!(scheme.to_ascii_lowercase().as_str(), "az" | "abfs" | "abfss");
    if is_azure && !rest[..at].contains(':') {
        return filepath.to_owned();
    }
    format!("{scheme}://***@{}", &rest[at + 1..])
}

fn remote_path_error(dataset: &str, filepath: &str, scheme: &str) -> CatalogError {
    let filepath = redact_url(filepath);
    let known = UNSUPPORTED_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str());
    let message = if known {
        format!("`{filepath}` is on `{scheme}://` storage, which weir does not support")
    } else {
        format!("`{filepath}` uses the unknown protocol `{scheme}://`")
    };
    CatalogError::InvalidEntry {
        dataset: dataset.to_owned(),
        message,
        source_location: None,
        hint: Some(
            "use a local path, `file://`, `s3://`, `gs://`, `az://`/`abfs://` or `memory://`"
                .to_owned(),
        ),
    }
}

/// A local temporary file, removed when dropped: the download of a remote object for a reader
/// that needs a path, or the local copy of a remote save before it is uploaded.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// A new, empty file in the system's temporary folder whose name ends in `file_name`, so
    /// readers that look at the extension still see it.
    pub fn new(file_name: &str) -> io::Result<TempFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let folder = std::env::temp_dir();
        let safe: String = file_name
            .chars()
            .map(
                |c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' },
            )
            .collect();
        let mut last_error = None;
        for _ in 0..16 {
            let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
            let name = format!("weir-{}-{unique}-{safe}", std::process::id());
            let path = folder.join(name);
            match File::options().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(TempFile { path }),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no unique name was found")))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Hinted;

    fn context(root: &Path) -> DatasetContext {
        DatasetContext {
            project_root: root.to_path_buf(),
            save_version: "2024-01-05T10.11.12.345Z".to_owned(),
            load_versions: std::collections::HashMap::new(),
        }
    }

    fn spec(name: &str) -> DatasetSpec {
        DatasetSpec {
            name: name.to_owned(),
            type_name: "csv".to_owned(),
            options: serde_json::Map::new(),
            credentials: None,
            source: None,
        }
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
    fn object_store_urls_resolve_to_remote_locations() {
        let ctx = context(Path::new("/project"));
        let cases = [
            ("s3://bucket/data/iris.csv", "s3://bucket/data/iris.csv"),
            ("s3a://bucket/iris.csv", "s3a://bucket/iris.csv"),
            ("gs://bucket/a/b.parquet", "gs://bucket/a/b.parquet"),
            ("gcs://bucket/b.parquet", "gcs://bucket/b.parquet"),
            ("memory://tests/x.json", "memory://tests/x.json"),
        ];
        for (filepath, url) in cases {
            let Location::Remote(remote) = resolve_location(&spec("iris"), filepath, &ctx).unwrap()
            else {
                panic!("{filepath} should be remote")
            };
            assert_eq!(remote.url(), url);
        }
        let local = resolve_location(&spec("iris"), "file:///srv/iris.csv", &ctx).unwrap();
        assert!(matches!(local, Location::Local(path) if path == Path::new("/srv/iris.csv")));
    }

    #[test]
    fn azure_urls_take_the_account_from_the_host() {
        let ctx = context(Path::new("/project"));
        let mut with_key = spec("iris");
        let credentials = serde_json::json!({"account_key": "a2V5LWtleS1rZXk="});
        let serde_json::Value::Object(credentials) = credentials else { unreachable!() };
        with_key.credentials = Some(crate::error::Secret::new(credentials));
        let filepath = "abfss://raw@myaccount.dfs.core.windows.net/data/iris.csv";
        let Location::Remote(remote) = resolve_location(&with_key, filepath, &ctx).unwrap() else {
            panic!("remote expected")
        };
        assert_eq!(remote.url(), filepath);
        assert_eq!(remote.key(), "data/iris.csv");
        assert_eq!(redact_url(filepath), filepath);
    }

    #[test]
    fn unsupported_schemes_are_refused_with_the_dataset_name() {
        let ctx = context(Path::new("/project"));
        for filepath in ["https://host/x.csv", "ftp://host/x.csv", "hdfs://h/x", "adl://a/x"] {
            let error = resolve_location(&spec("iris"), filepath, &ctx).unwrap_err();
            let text = error.to_string();
            assert!(text.contains("`iris`") && text.contains("does not support"), "{text}");
            assert!(error.hint().unwrap().contains("`s3://`"));
        }
        let error = resolve_filepath("iris", "s3://bucket/iris.csv", &ctx).unwrap_err();
        assert!(error.to_string().contains("unknown protocol `s3://`"), "{error}");
    }

    #[test]
    fn credentials_in_urls_are_refused_and_never_shown() {
        let ctx = context(Path::new("/project"));
        let error =
            resolve_location(&spec("iris"), "s3://AKIA:S3cr3t@bucket/iris.csv", &ctx).unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("S3cr3t") && !text.contains("AKIA"), "{text}");
        assert!(text.contains("`s3://***@bucket/iris.csv`"), "{text}");
        let error = resolve_filepath("iris", "https://alice:S3cr3t@127.0.0.1:9/iris.csv", &ctx)
            .unwrap_err();
        let text = error.to_string();
        assert!(!text.contains("S3cr3t") && !text.contains("alice"), "{text}");
        assert!(text.contains("`https://***@127.0.0.1:9/iris.csv`"), "{text}");
    }

    #[test]
    fn redaction_touches_only_the_user_info_of_urls() {
        assert_eq!(redact_url("s3://key:secret@bucket/a@b.csv"), "s3://***@bucket/a@b.csv");
        assert_eq!(redact_url("ftp://bob@host/x.csv"), "ftp://***@host/x.csv");
        assert_eq!(redact_url("data/01_raw/a@b.csv"), "data/01_raw/a@b.csv");
        assert_eq!(redact_url("https://host/path@x"), "https://host/path@x");
        assert_eq!(
            redact_url("abfs://c:pw@acct.dfs.core.windows.net/x"),
            "abfs://***@acct.dfs.core.windows.net/x"
        );
    }

    #[test]
    fn a_bucket_is_required() {
        let ctx = context(Path::new("/project"));
        let error = resolve_location(&spec("iris"), "s3:///iris.csv", &ctx).unwrap_err();
        assert!(error.to_string().contains("names no bucket"), "{error}");
    }

    #[test]
    fn temp_files_keep_the_extension_and_vanish_when_dropped() {
        let temp = TempFile::new("a b.parquet").unwrap();
        let path = temp.path().to_path_buf();
        assert!(path.is_file());
        assert!(path.to_string_lossy().ends_with("a_b.parquet"), "{}", path.display());
        drop(temp);
        assert!(!path.exists());
    }
}
