//! Kedro-compatible dataset versioning: version strings and the on-disk layout of versioned files.
//!
//! A versioned dataset with `filepath: data/06_models/model.pkl` keeps every save in its own
//! folder, `data/06_models/model.pkl/<version>/model.pkl`, exactly as Kedro's
//! `AbstractVersionedDataset` does, so a project can move between Kedro and weir without moving
//! files. A version is the UTC time of the run formatted as `YYYY-MM-DDThh.mm.ss.sssZ`
//! (see [`generate_version`]); these strings sort in time order as plain text.
//!
//! Rules, following Kedro:
//! - loading takes the greatest version folder that actually contains the file, unless a version
//!   is pinned for the dataset (`--load-versions`), which must then exist;
//! - saving into a version that already exists is refused: an old version is never overwritten.
//!
//! # Limitations
//!
//! Folder names are compared as text, like Kedro does. A version folder with a hand-written name
//! that sorts after the timestamps (e.g. `latest`) would be taken as the newest. Hidden folders
//! (names starting with `.`) are ignored.
//!
//! Versions of remote data (`s3://...`) follow the same layout in the object store, found with
//! one recursive listing of `<filepath>/` ([`list_remote_versions`]).
//!
//! This module uses `catalog::storage` only.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::storage::{RemoteError, RemoteLocation};

/// The versions a dataset loads and saves in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioning {
    /// The version to load, or `None` for the latest one present.
    pub load: Option<String>,
    /// The version this run saves.
    pub save: String,
}

/// The version string for `now`: `YYYY-MM-DDThh.mm.ss.sssZ` in UTC, like Kedro's
/// `generate_timestamp`.
pub fn generate_version(now: DateTime<Utc>) -> String {
    // A leap second shows up as more than a billion nanoseconds; keep the field at three digits.
    let millis = now.timestamp_subsec_millis().min(999);
    format!(
        "{:04}-{:02}-{:02}T{:02}.{:02}.{:02}.{millis:03}Z",
        now.year(),
        now.month(),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
    )
}

/// Whether `text` has the shape of a generated version, `YYYY-MM-DDThh.mm.ss.sssZ`.
pub fn is_version_string(text: &str) -> bool {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd.dd.dd.dddZ";
    let bytes = text.as_bytes();
    bytes.len() == SHAPE.len()
        && bytes.iter().zip(SHAPE).all(|(byte, expected)| match expected {
            b'd' => byte.is_ascii_digit(),
            other => byte == other,
        })
}

/// Why `version` cannot be used as a folder name, if it cannot.
///
/// Versions come from the command line and the runner; they must name exactly one folder.
pub fn invalid_version_reason(version: &str) -> Option<&'static str> {
    if version.is_empty() {
        return Some("the version is empty");
    }
    if version == "." || version == ".." {
        return Some("the version cannot be `.` or `..`");
    }
    if version.contains(['/', '\\']) {
        return Some("the version cannot contain `/` or `\\`");
    }
    None
}

/// `<base>/<version>/<file name of base>`, the path of one version of a file.
///
/// `base` is the dataset's resolved `filepath`; it must end in a file name.
pub fn versioned_path(base: &Path, version: &str) -> PathBuf {
    let file_name = base.file_name().unwrap_or(base.as_os_str());
    base.join(version).join(file_name)
}

/// The versions present under `base`, oldest first: the folders of `base` that contain the file.
///
/// A missing `base` means no versions, not an error.
pub fn list_versions(base: &Path) -> io::Result<Vec<String>> {
    let entries = match fs::read_dir(base) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };

    let mut versions = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        if versioned_path(base, &name).is_file() {
            versions.push(name);
        }
    }

    versions.sort();
    Ok(versions)
}

/// The versions present under the remote `base`, oldest first: the folders below it that hold
/// an object named like `base`'s last segment. A missing `base` means no versions.
pub fn list_remote_versions(base: &RemoteLocation) -> Result<Vec<String>, RemoteError> {
    let Some(file_name) = base.file_name() else {
        return Ok(Vec::new());
    };
    let mut versions: Vec<String> = base
        .list()?
        .into_iter()
        .filter_map(|object| {
            let (version, name) = object.key.split_once('/')?;
            (name == file_name && !version.starts_with('.')).then(|| version.to_owned())
        })
        .collect();
    versions.sort();
    versions.dedup();
    Ok(versions)
}

/// The newest version present under `base`, if any.
pub fn latest_version(base: &Path) -> io::Result<Option<String>> {
    Ok(list_versions(base)?.pop())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn touch(path: &Path) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::File::create(path).unwrap();
    }

    #[test]
    fn versions_use_kedros_format_in_utc() {
        // The example from Kedro's versioning docs: `YYYY-MM-DDThh.mm.ss.sssZ`.
        let now = Utc.with_ymd_and_hms(2024, 1, 5, 10, 11, 12).unwrap()
            + chrono::Duration::milliseconds(345);
        assert_eq!(generate_version(now), "2024-01-05T10.11.12.345Z");

        let offset = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
        let local = offset.with_ymd_and_hms(2024, 1, 5, 12, 11, 12).unwrap();
        assert_eq!(generate_version(local.with_timezone(&Utc)), "2024-01-05T10.11.12.000Z");
    }

    #[test]
    fn generated_versions_match_the_shape_and_sort_by_time() {
        let earlier = Utc.with_ymd_and_hms(2023, 12, 31, 23, 59, 59).unwrap();
        let later = earlier + chrono::Duration::milliseconds(1);
        let (a, b) = (generate_version(earlier), generate_version(later));
        assert!(is_version_string(&a) && is_version_string(&b), "{a} {b}");
        assert!(a < b, "{a} should sort before {b}");
        assert!(!is_version_string("2024-01-05T10:11:12.345Z"));
        assert!(!is_version_string("2024-01-05T10.11.12.345"));
    }

    #[test]
    fn versioned_paths_follow_kedros_layout() {
        let path =
            versioned_path(Path::new("data/06_models/model.pkl"), "2024-01-05T10.11.12.345Z");
        assert_eq!(path, Path::new("data/06_models/model.pkl/2024-01-05T10.11.12.345Z/model.pkl"));
    }

    #[test]
    fn only_folders_holding_the_file_count_as_versions() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("model.pkl");
        touch(&versioned_path(&base, "2024-01-02T00.00.00.000Z"));
        touch(&versioned_path(&base, "2024-01-01T00.00.00.000Z"));
        fs::create_dir_all(base.join("2024-01-03T00.00.00.000Z")).unwrap();
        touch(&versioned_path(&base, ".hidden"));

        let versions = list_versions(&base).unwrap();
        assert_eq!(versions, vec!["2024-01-01T00.00.00.000Z", "2024-01-02T00.00.00.000Z"]);
        assert_eq!(latest_version(&base).unwrap().as_deref(), Some("2024-01-02T00.00.00.000Z"));
        assert_eq!(list_versions(&dir.path().join("missing")).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn remote_versions_are_the_folders_holding_the_file() {
        use super::super::storage::{Location, resolve_location};
        let spec = super::super::DatasetSpec {
            name: "model".to_owned(),
            type_name: "artefact".to_owned(),
            options: serde_json::Map::new(),
            credentials: None,
            source: None,
        };
        let context = super::super::DatasetContext {
            project_root: PathBuf::from("/project"),
            save_version: "v".to_owned(),
            load_versions: std::collections::HashMap::new(),
        };
        let Location::Remote(base) =
            resolve_location(&spec, "memory://version-tests/model.pkl", &context).unwrap()
        else {
            panic!("memory:// is remote")
        };
        for key in [
            "2024-01-02T00.00.00.000Z/model.pkl",
            "2024-01-01T00.00.00.000Z/model.pkl",
            "2024-01-03T00.00.00.000Z/other.pkl",
            ".hidden/model.pkl",
            "2024-01-04T00.00.00.000Z/deeper/model.pkl",
        ] {
            base.join(key).put(bytes::Bytes::from_static(b"x")).unwrap();
        }
        let versions = list_remote_versions(&base).unwrap();
        assert_eq!(versions, vec!["2024-01-01T00.00.00.000Z", "2024-01-02T00.00.00.000Z"]);
    }

    #[test]
    fn versions_that_escape_their_folder_are_refused() {
        assert!(invalid_version_reason("../x").is_some());
        assert!(invalid_version_reason("..").is_some());
        assert!(invalid_version_reason("").is_some());
        assert_eq!(invalid_version_reason("2024-01-05T10.11.12.345Z"), None);
    }
}
