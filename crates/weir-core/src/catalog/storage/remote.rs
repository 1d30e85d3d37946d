//! Object stores (S3, GCS, Azure, memory) through the `object_store` crate, behind blocking
//! calls.
//!
//! `object_store` is async; datasets are not. Every call here runs its future on one tokio
//! runtime that this module creates on first use and keeps for the life of the process (two
//! worker threads, named `weir-storage`). A caller that is itself inside a tokio runtime (the
//! server runs pipelines from `spawn_blocking`, where blocking on another runtime would panic)
//! is served from a scoped helper thread instead, so no caller ever blocks a runtime it is part
//! of.
//!
//! Uploads of up to [`SINGLE_PUT_LIMIT`] bytes are one PUT; bigger files go up in parts of
//! [`PART_SIZE`] bytes (multipart upload). Either way the object appears whole or not at all:
//! object stores make a PUT and the completion of a multipart upload atomic per object.
//!
//! Every message this module produces has the credential values of its store replaced by `***`,
//! whatever the store's error text quoted.

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use bytes::Bytes;
use futures::StreamExt;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use super::local::describe_chain;

/// Files up to this size are uploaded with one PUT; bigger ones with a multipart upload.
pub const SINGLE_PUT_LIMIT: u64 = 16 * 1024 * 1024;

/// The size of one part of a multipart upload (S3 wants at least 5 MiB per part).
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// How many parts of one multipart upload are in flight at once.
const UPLOAD_CONCURRENCY: usize = 4;

/// The shortest credential value that is scrubbed from messages; shorter ones (`1`, `no`)
/// would garble messages without protecting anything.
const MIN_SCRUBBED_LEN: usize = 4;

/// One bucket (or container) of an object store, with how to name it in messages.
pub struct RemoteStore {
    store: Arc<dyn ObjectStore>,
    /// `s3://bucket`, `memory://` ...: what URLs of this store start with.
    root: String,
    /// Credential values, removed from every message.
    secrets: Vec<String>,
}

impl fmt::Debug for RemoteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The store's own Debug output may hold credentials: show only where it points.
        f.debug_struct("RemoteStore").field("root", &self.root).finish_non_exhaustive()
    }
}

impl RemoteStore {
    /// Wraps `store`, whose URLs start with `root`; `secrets` are scrubbed from messages.
    pub(crate) fn new(store: Arc<dyn ObjectStore>, root: String, secrets: Vec<String>) -> Self {
        let secrets = secrets.into_iter().filter(|s| s.len() >= MIN_SCRUBBED_LEN).collect();
        RemoteStore { store, root, secrets }
    }

    /// The process-wide in-memory store behind `memory://` URLs.
    pub(crate) fn memory() -> Self {
        static MEMORY: OnceLock<Arc<InMemory>> = OnceLock::new();
        let store = Arc::clone(MEMORY.get_or_init(|| Arc::new(InMemory::new())));
        RemoteStore::new(store, "memory://".to_owned(), Vec::new())
    }

    /// `text` with every credential value replaced by `***`.
    fn scrub(&self, text: String) -> String {
        scrub(text, &self.secrets)
    }
}

/// Something in an object store: a file, or a folder (a key prefix).
#[derive(Debug, Clone)]
pub struct RemoteLocation {
    store: Arc<RemoteStore>,
    key: String,
}

/// An object found by a listing or a `HEAD` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The key relative to the location that was listed (the full key for `head`).
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// When the object was last written.
    pub modified: SystemTime,
}

/// A failed object-store call; the message names the URL and never holds credentials.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct RemoteError {
    message: String,
    is_not_found: bool,
}

impl RemoteError {
    /// Whether the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.is_not_found
    }
}

impl RemoteLocation {
    /// `key` (without leading or trailing `/`) in `store`.
    pub(crate) fn new(store: Arc<RemoteStore>, key: &str) -> Self {
        RemoteLocation { store, key: key.trim_matches('/').to_owned() }
    }

    /// The URL, e.g. `s3://bucket/data/x.csv`; it never holds credentials.
    pub fn url(&self) -> String {
        if self.key.is_empty() {
            return self.store.root.clone();
        }
        if self.store.root.ends_with("://") {
            return format!("{}{}", self.store.root, self.key);
        }
        format!("{}/{}", self.store.root, self.key)
    }

    /// The key inside the bucket.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The last segment of the key (the file name), if any.
    pub fn file_name(&self) -> Option<&str> {
        self.key.rsplit('/').next().filter(|name| !name.is_empty())
    }

    /// The location `relative` (`a/b.csv`) below this one.
    #[must_use]
    pub fn join(&self, relative: &str) -> RemoteLocation {
        let relative = relative.trim_matches('/');
        let key = match (self.key.is_empty(), relative.is_empty()) {
            (_, true) => self.key.clone(),
            (true, false) => relative.to_owned(),
            (false, false) => format!("{}/{relative}", self.key),
        };
        RemoteLocation { store: Arc::clone(&self.store), key }
    }

    fn path(&self) -> ObjectPath {
        ObjectPath::from(self.key.as_str())
    }

    fn error(&self, what: &str, error: &object_store::Error) -> RemoteError {
        let is_not_found = matches!(error, object_store::Error::NotFound { .. });
        let message = if is_not_found {
            format!("no object at `{}`", self.url())
        } else {
            format!("cannot {what} `{}`: {}", self.url(), describe_chain(error))
        };
        RemoteError { message: self.store.scrub(message), is_not_found }
    }

    fn io_error(&self, what: &str, error: &io::Error) -> RemoteError {
        let message = format!("cannot {what} `{}`: {error}", self.url());
        RemoteError { message: self.store.scrub(message), is_not_found: false }
    }

    /// The whole object.
    pub fn get(&self) -> Result<Bytes, RemoteError> {
        let store = &self.store.store;
        let path = self.path();
        let got = block_on(async move { store.get(&path).await?.bytes().await });
        got.map_err(|error| self.error("read", &error))
    }

    /// The object's size and modification time; `None` when there is no object.
    pub fn head(&self) -> Result<Option<ObjectInfo>, RemoteError> {
        let store = &self.store.store;
        let path = self.path();
        match block_on(async move { store.head(&path).await }) {
            Ok(meta) => Ok(Some(info(&meta, &self.key))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(self.error("inspect", &error)),
        }
    }

    /// Writes `bytes` as the object, replacing any old content in one step.
    pub fn put(&self, bytes: Bytes) -> Result<(), RemoteError> {
        let store = &self.store.store;
        let path = self.path();
        let put = block_on(async move { store.put(&path, PutPayload::from(bytes)).await });
        put.map(|_| ()).map_err(|error| self.error("write", &error))
    }

    /// Uploads the local file `source` as the object: one PUT for a small file, a multipart
    /// upload (aborted on failure) for a big one.
    pub fn upload(&self, source: &Path) -> Result<(), RemoteError> {
        let size = std::fs::metadata(source).map_err(|error| self.io_error("upload to", &error))?;
        if size.len() <= SINGLE_PUT_LIMIT {
            let mut bytes = Vec::new();
            std::fs::File::open(source)
                .and_then(|mut file| file.read_to_end(&mut bytes))
                .map_err(|error| self.io_error("upload to", &error))?;
            return self.put(Bytes::from(bytes));
        }

        let store = &self.store.store;
        let path = self.path();
        let uploaded =
            block_on(async move { upload_in_parts(store.as_ref(), &path, source).await });
        match uploaded {
            Ok(()) => Ok(()),
            Err(UploadError::Store(error)) => Err(self.error("upload to", &error)),
            Err(UploadError::Io(error)) => Err(self.io_error("upload to", &error)),
        }
    }

    /// Downloads the object into the local file `target` (created or truncated).
    pub fn download(&self, target: &Path) -> Result<(), RemoteError> {
        let store = &self.store.store;
        let path = self.path();
        let downloaded = block_on(async move {
            let mut file = std::fs::File::create(target).map_err(UploadError::Io)?;
            let mut stream = store.get(&path).await.map_err(UploadError::Store)?.into_stream();
            while let Some(chunk) = stream.next().await {
                file.write_all(&chunk.map_err(UploadError::Store)?).map_err(UploadError::Io)?;
            }
            file.sync_all().map_err(UploadError::Io)
        });
        match downloaded {
            Ok(()) => Ok(()),
            Err(UploadError::Store(error)) => Err(self.error("read", &error)),
            Err(UploadError::Io(error)) => Err(self.io_error("download", &error)),
        }
    }

    /// Every object below this location (taken as a folder), at any depth, keys relative to it,
    /// sorted by key.
    pub fn list(&self) -> Result<Vec<ObjectInfo>, RemoteError> {
        let store = &self.store.store;
        let prefix = self.path();
        let listed = block_on(async move {
            let prefix = (!prefix.as_ref().is_empty()).then_some(prefix);
            let mut stream = store.list(prefix.as_ref());
            let mut found = Vec::new();
            while let Some(meta) = stream.next().await {
                found.push(meta?);
            }
            Ok::<_, object_store::Error>(found)
        });
        let listed = listed.map_err(|error| self.error("list", &error))?;

        let mut objects: Vec<ObjectInfo> = listed
            .iter()
            .filter_map(|meta| {
                let key = meta.location.as_ref();
                let relative = if self.key.is_empty() {
                    key
                } else {
                    key.strip_prefix(self.key.as_str())?.strip_prefix('/')?
                };
                Some(info(meta, relative))
            })
            .collect();
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// The names of the folders directly below this location, sorted.
    pub fn list_folders(&self) -> Result<Vec<String>, RemoteError> {
        let store = &self.store.store;
        let prefix = self.path();
        let listed = block_on(async move {
            let prefix = (!prefix.as_ref().is_empty()).then_some(prefix);
            store.list_with_delimiter(prefix.as_ref()).await
        });
        let listed = listed.map_err(|error| self.error("list", &error))?;
        let mut names: Vec<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|folder| folder.filename().map(str::to_owned))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Whether any object lives below this location (taken as a folder).
    pub fn has_children(&self) -> Result<bool, RemoteError> {
        Ok(!self.list()?.is_empty())
    }

    /// Deletes the object; a missing object is not an error.
    pub fn delete(&self) -> Result<(), RemoteError> {
        let store = &self.store.store;
        let path = self.path();
        match block_on(async move { store.delete(&path).await }) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(self.error("delete", &error)),
        }
    }
}

/// `text` with every one of `secrets` (at least four characters long) replaced by `***`.
pub(crate) fn scrub(text: String, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|secret| secret.len() >= MIN_SCRUBBED_LEN)
        .fold(text, |text, secret| text.replace(secret.as_str(), "***"))
}

fn info(meta: &object_store::ObjectMeta, key: &str) -> ObjectInfo {
    ObjectInfo { key: key.to_owned(), size: meta.size, modified: meta.last_modified.into() }
}

enum UploadError {
    Store(object_store::Error),
    Io(io::Error),
}

async fn upload_in_parts(
    store: &dyn ObjectStore,
    path: &ObjectPath,
    source: &Path,
) -> Result<(), UploadError> {
    let mut file = std::fs::File::open(source).map_err(UploadError::Io)?;
    let upload = store.put_multipart(path).await.map_err(UploadError::Store)?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
    let mut buffer = vec![0; PART_SIZE];

    let sent = async {
        loop {
            let read = file.read(&mut buffer).map_err(UploadError::Io)?;
            if read == 0 {
                return Ok(());
            }
            writer.wait_for_capacity(UPLOAD_CONCURRENCY).await.map_err(UploadError::Store)?;
            writer.write(&buffer[..read]);
        }
    }
    .await;

    match sent {
        Ok(()) => writer.finish().await.map(|_| ()).map_err(UploadError::Store),
        Err(error) => {
            // The parts sent so far cost storage until the upload is aborted.
            let _ = writer.abort().await;
            Err(error)
        }
    }
}

/// The runtime every object-store call runs on.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("weir-storage")
            .enable_all()
            .build()
            .expect("a tokio runtime with two threads can be created")
    })
}

/// Runs `future` to completion on the storage runtime, from any thread, inside a tokio
/// runtime or not.
pub(crate) fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return runtime().block_on(future);
    }
    // Blocking on a runtime from inside another one panics; a fresh thread is outside both.
    std::thread::scope(|scope| match scope.spawn(|| runtime().block_on(future)).join() {
        Ok(output) => output,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(key: &str) -> RemoteLocation {
        RemoteLocation::new(Arc::new(RemoteStore::memory()), key)
    }

    #[test]
    fn memory_objects_round_trip_and_list_by_folder() {
        let base = memory("remote-tests/listing");
        base.join("a/x.csv").put(Bytes::from_static(b"1")).unwrap();
        base.join("a/y.csv").put(Bytes::from_static(b"22")).unwrap();
        base.join("b/z.csv").put(Bytes::from_static(b"333")).unwrap();

        assert_eq!(base.join("a/y.csv").get().unwrap().as_ref(), b"22");
        let keys: Vec<String> = base.list().unwrap().into_iter().map(|o| o.key).collect();
        assert_eq!(keys, vec!["a/x.csv", "a/y.csv", "b/z.csv"]);
        assert_eq!(base.list_folders().unwrap(), vec!["a", "b"]);
        assert_eq!(base.join("b/z.csv").head().unwrap().unwrap().size, 3);
        assert_eq!(base.join("a/x.csv").url(), "memory://remote-tests/listing/a/x.csv");
    }

    #[test]
    fn a_missing_object_is_not_found_with_its_url() {
        let missing = memory("remote-tests/missing/x.csv");
        let error = missing.get().unwrap_err();
        assert!(error.is_not_found());
        assert_eq!(error.to_string(), "no object at `memory://remote-tests/missing/x.csv`");
        assert_eq!(missing.head().unwrap(), None);
    }

    #[test]
    fn big_files_go_up_in_parts() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("big.bin");
        let size = usize::try_from(SINGLE_PUT_LIMIT).unwrap() + PART_SIZE + 17;
        let bytes: Vec<u8> = (0..size).map(|i| u8::try_from(i % 251).unwrap()).collect();
        std::fs::File::create(&source).unwrap().write_all(&bytes).unwrap();

        let target = memory("remote-tests/big/big.bin");
        target.upload(&source).unwrap();
        assert_eq!(target.get().unwrap().as_ref(), bytes.as_slice());

        let back = dir.path().join("back.bin");
        target.download(&back).unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), bytes);
    }

    #[test]
    fn calls_from_inside_a_tokio_runtime_do_not_panic() {
        let outer = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let location = memory("remote-tests/nested/x.txt");
        outer.block_on(async {
            location.put(Bytes::from_static(b"inside")).unwrap();
            assert_eq!(location.get().unwrap().as_ref(), b"inside");
        });
    }

    #[test]
    fn credentials_are_scrubbed_from_messages() {
        let store = RemoteStore::new(
            Arc::new(InMemory::new()),
            "s3://bucket".to_owned(),
            vec!["hunter2-secret".to_owned(), "no".to_owned()],
        );
        let text = store.scrub("denied for hunter2-secret, no more".to_owned());
        assert_eq!(text, "denied for ***, no more");
        assert!(!format!("{store:?}").contains("hunter2"));
    }
}
