//! `weir.ArtefactDataset` (also `pickle.PickleDataset`): typed Rust values such as fitted models
//! and encoders, stored in weir's own binary format. Python pickles are never read or written:
//! unpickling runs arbitrary code, and weir has no Python to run it with.
//!
//! # File format, version 2
//!
//! | bytes | content |
//! |---|---|
//! | 8 | the magic `WEIRART\0` (`57 45 49 52 41 52 54 00`) |
//! | 2 | format version, unsigned little-endian: `2` |
//! | 2 | length `n` of the type name, unsigned little-endian |
//! | `n` | the Rust type name, UTF-8 (`std::any::type_name`, e.g. `iris::model::Model`) |
//! | 4 | CRC-32 (IEEE 802.3, as zlib and PNG compute it) of the body, unsigned little-endian |
//! | 8 | length of the body in bytes, unsigned little-endian |
//! | rest | the body: the value, `MessagePack` as written by `rmp_serde::to_vec_named` (maps keep field names) |
//!
//! Loading checks the body's length (a short file is reported as truncated, with both sizes)
//! and then its checksum (a changed byte is reported as corrupted), so a damaged file never
//! loads as different numbers. Version 1 files, written before the checksum existed, have no
//! CRC and length fields (the body follows the type name) and still load, unchecked.
//!
//! A `Payload::Structured` value is stored with the type name `serde_json::Value`. Loading gives
//! a [`Payload::Encoded`] holding the type name and the body; the node argument that knows the
//! Rust type decodes it (see [`crate::data::Artefact`]), so this module never needs the type.
//!
//! # Limitations
//!
//! The type name is recorded for messages and checks by readers, not enforced here: a body that
//! decodes as the requested type is accepted even if the type was renamed. Type names longer
//! than 65,535 bytes cannot be stored.
//!
//! `load_args` and `save_args` take no keys; Kedro's `backend` key is accepted and ignored.

use std::sync::Arc;

use crate::catalog::{CatalogError, Dataset, DatasetContext, DatasetSpec};
use crate::data::{DataKind, EncodedArtefact, Payload};

use super::{EntryKeys, FileEntry, FileTarget};

/// The first eight bytes of every artefact file.
pub const MAGIC: &[u8; 8] = b"WEIRART\0";

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 2;

/// The first format version, without checksum and length; still read.
const UNCHECKED_FORMAT_VERSION: u16 = 1;

/// The type name recorded for structured (JSON-like) values.
const STRUCTURED_TYPE_NAME: &str = "serde_json::Value";

/// Magic, format version and name length.
const FIXED_HEADER_LEN: usize = MAGIC.len() + 2 + 2;

/// The CRC-32 and body length that follow the type name in version 2.
const INTEGRITY_LEN: usize = 4 + 8;

/// The protocol opcode every Python pickle of protocol 2 or later starts with.
const PICKLE_PROTO: u8 = 0x80;

/// A file holding one typed value.
#[derive(Debug)]
pub struct ArtefactDataset {
    target: FileTarget,
}

impl ArtefactDataset {
    /// The canonical type name.
    pub const TYPE_NAME: &'static str = "weir.ArtefactDataset";

    /// Builds the dataset a catalog entry describes.
    pub fn from_spec(spec: &DatasetSpec, context: &DatasetContext) -> Result<Self, CatalogError> {
        let keys =
            EntryKeys { type_name: Self::TYPE_NAME, extra: &["backend"], load: &[], save: &[] };
        let entry = FileEntry::parse(spec, context, keys)?;
        if let Some(backend) = entry.entry.string(&["backend"])? {
            tracing::debug!(dataset = %spec.name, backend, "`backend` ignored: weir has its own format");
        }
        Ok(ArtefactDataset { target: entry.target })
    }
}

impl Dataset for ArtefactDataset {
    fn type_name(&self) -> &str {
        Self::TYPE_NAME
    }

    fn load(&self) -> Result<Payload, CatalogError> {
        let bytes = self.target.read_bytes()?;
        let encoded = decode(&bytes)
            .map_err(|failure| self.target.load_error(failure.message, failure.hint))?;
        Ok(Payload::Encoded(encoded))
    }

    fn save(&self, payload: Payload) -> Result<(), CatalogError> {
        let (type_name, body) = match &payload {
            Payload::Object(object) => (object.type_name().to_owned(), object.to_msgpack()),
            Payload::Encoded(encoded) => (encoded.type_name.clone(), Ok(encoded.bytes.to_vec())),
            Payload::Structured(value) => (
                STRUCTURED_TYPE_NAME.to_owned(),
                rmp_serde::to_vec_named(value)
                    .map_err(|error| crate::data::ConversionError::new(error.to_string())),
            ),
            other => return Err(self.target.wrong_payload(other, "a typed artefact")),
        };
        let body = body.map_err(|error| {
            self.target.save_error(format!("cannot encode `{type_name}`: {error}"), None)
        })?;
        let bytes =
            encode(&type_name, &body).map_err(|message| self.target.save_error(message, None))?;
        self.target.write_bytes(&bytes)
    }

    fn loads(&self) -> Option<DataKind> {
        Some(DataKind::Object)
    }

    fn accepts(&self, kind: DataKind) -> bool {
        matches!(kind, DataKind::Object | DataKind::Structured)
    }

    delegate_to_file_target!();
}

/// The bytes of an artefact file holding `body`, a value of type `type_name`.
pub fn encode(type_name: &str, body: &[u8]) -> Result<Vec<u8>, String> {
    let Ok(name_len) = u16::try_from(type_name.len()) else {
        return Err(format!("the type name is {} bytes long; at most 65535 fit", type_name.len()));
    };

    let capacity = FIXED_HEADER_LEN + type_name.len() + INTEGRITY_LEN + body.len();
    let mut bytes = Vec::with_capacity(capacity);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&name_len.to_le_bytes());
    bytes.extend_from_slice(type_name.as_bytes());
    bytes.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(body);
    Ok(bytes)
}

/// Why a file is not a readable artefact, with a fix when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeFailure {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// Reads the header of an artefact file and returns its type name and body.
pub fn decode(bytes: &[u8]) -> Result<EncodedArtefact, DecodeFailure> {
    if !bytes.starts_with(MAGIC) {
        return Err(not_an_artefact(bytes));
    }
    if bytes.len() < FIXED_HEADER_LEN {
        return Err(truncated());
    }

    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != FORMAT_VERSION && version != UNCHECKED_FORMAT_VERSION {
        return Err(DecodeFailure {
            message: format!(
                "the artefact uses format version {version}; \
                 this build of weir reads versions {UNCHECKED_FORMAT_VERSION} and {FORMAT_VERSION}"
            ),
            hint: Some("read it with the weir version that wrote it, or save it again".to_owned()),
        });
    }

    let name_len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
    let Some(name_bytes) = bytes.get(FIXED_HEADER_LEN..FIXED_HEADER_LEN + name_len) else {
        return Err(truncated());
    };
    let Ok(type_name) = std::str::from_utf8(name_bytes) else {
        return Err(DecodeFailure {
            message: "the artefact's type name is not UTF-8".to_owned(),
            hint: None,
        });
    };

    let rest = &bytes[FIXED_HEADER_LEN + name_len..];
    let body = if version == UNCHECKED_FORMAT_VERSION { rest } else { checked_body(rest)? };
    Ok(EncodedArtefact { type_name: type_name.to_owned(), bytes: Arc::from(body) })
}

/// The body after a version 2 type name, once its length and CRC-32 match the header's.
fn checked_body(rest: &[u8]) -> Result<&[u8], DecodeFailure> {
    let Some((integrity, body)) = rest.split_first_chunk::<INTEGRITY_LEN>() else {
        return Err(truncated());
    };
    let (crc, length) = integrity.split_at(4);
    let expected_crc = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    let mut length_bytes = [0; 8];
    length_bytes.copy_from_slice(length);
    let expected_len = u64::from_le_bytes(length_bytes);

    let found_len = body.len() as u64;
    if found_len != expected_len {
        let what = if found_len < expected_len { "truncated" } else { "corrupted" };
        return Err(damaged(format!(
            "the artefact file is {what}: expected {expected_len} bytes of body, found {found_len}"
        )));
    }
    let found_crc = crc32fast::hash(body);
    if found_crc != expected_crc {
        return Err(damaged(format!(
            "the artefact file is corrupted: checksum mismatch \
             (the header says {expected_crc:#010x}, the body gives {found_crc:#010x})"
        )));
    }
    Ok(body)
}

fn damaged(message: String) -> DecodeFailure {
    DecodeFailure {
        message,
        hint: Some(
            "the file was changed or cut short after weir saved it; run the node that produces \
             it again"
                .to_owned(),
        ),
    }
}

fn not_an_artefact(bytes: &[u8]) -> DecodeFailure {
    let looks_like_pickle = bytes.first() == Some(&PICKLE_PROTO);
    let message = if looks_like_pickle {
        "the file is a Python pickle, not a weir artefact; weir never reads Python pickles"
            .to_owned()
    } else {
        "the file is not a weir artefact (it does not start with `WEIRART`); \
         weir never reads Python pickles"
            .to_owned()
    };
    DecodeFailure {
        message,
        hint: Some(
            "save the value again from a weir node, or export it from Python to JSON, YAML or Parquet"
                .to_owned(),
        ),
    }
}

fn truncated() -> DecodeFailure {
    DecodeFailure {
        message: "the artefact file is truncated: its header is incomplete".to_owned(),
        hint: Some("the file was cut short; save it again".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, spec, write_file};
    use super::*;
    use crate::data::{Artefact, NodeData};
    use crate::error::Hinted;
    use serde_json::{Value, json};

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Model {
        weights: Vec<f64>,
        bias: f64,
        label: String,
    }

    fn dataset(root: &std::path::Path) -> ArtefactDataset {
        let options =
            json!({"type": "pickle.PickleDataset", "filepath": "model.pkl", "backend": "pickle"});
        ArtefactDataset::from_spec(&spec("model", options), &context(root, "v1")).unwrap()
    }

    #[test]
    fn a_typed_artefact_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let artefact = dataset(dir.path());
        let model = Model { weights: vec![0.25, -1.5], bias: 0.1, label: "iris".to_owned() };
        artefact.save(Artefact::new(model).into_payload()).unwrap();

        let loaded = artefact.load().unwrap();
        let Payload::Encoded(encoded) = &loaded else { panic!("expected encoded, got {loaded:?}") };
        assert_eq!(encoded.type_name, std::any::type_name::<Model>());
        let back = Artefact::<Model>::from_payload(loaded).unwrap();
        assert_eq!(*back, Model { weights: vec![0.25, -1.5], bias: 0.1, label: "iris".to_owned() });
    }

    #[test]
    fn the_header_follows_the_documented_layout() {
        let dir = tempfile::tempdir().unwrap();
        dataset(dir.path()).save(Payload::Structured(json!({"a": 1}))).unwrap();
        let bytes = std::fs::read(dir.path().join("model.pkl")).unwrap();

        let name = b"serde_json::Value";
        let after_name = 12 + name.len();
        assert_eq!(&bytes[..8], b"WEIRART\0");
        assert_eq!(&bytes[8..10], &[2, 0]);
        assert_eq!(&bytes[10..12], &[17, 0]);
        assert_eq!(&bytes[12..after_name], name);
        // CRC-32 of the body below, as Python's `zlib.crc32(bytes([0x81, 0xa1, 0x61, 0x01]))`
        // computes it: 0xa7fa5365.
        assert_eq!(&bytes[after_name..after_name + 4], &0xa7fa_5365_u32.to_le_bytes());
        assert_eq!(&bytes[after_name + 4..after_name + 12], &[4, 0, 0, 0, 0, 0, 0, 0]);
        // MessagePack for {"a": 1}: fixmap of one entry, fixstr "a", positive fixint 1.
        assert_eq!(&bytes[after_name + 12..], &[0x81, 0xa1, b'a', 0x01]);

        let back = Value::from_payload(dataset(dir.path()).load().unwrap()).unwrap();
        assert_eq!(back, json!({"a": 1}));
    }

    #[test]
    fn a_python_pickle_is_never_read() {
        let dir = tempfile::tempdir().unwrap();
        // `pickle.dumps(1, protocol=4)`: PROTO 4, FRAME, BININT1 1, STOP.
        write_file(
            &dir.path().join("model.pkl"),
            b"\x80\x04\x95\x04\x00\x00\x00\x00\x00\x00\x00K\x01.",
        );
        let error = dataset(dir.path()).load().unwrap_err();
        let text = error.to_string();
        assert!(text.contains("`model`"), "{text}");
        assert!(text.contains("Python pickle") && text.contains("never reads"), "{text}");
        assert!(error.hint().is_some());
    }

    #[test]
    fn an_unknown_format_version_is_named() {
        let mut bytes = encode("x::Y", &[0xc0]).unwrap();
        bytes[8] = 7;
        let failure = decode(&bytes).unwrap_err();
        assert!(failure.message.contains("format version 7"), "{}", failure.message);
    }

    #[test]
    fn a_truncated_header_is_reported() {
        let bytes = encode("some::Type", &[]).unwrap();
        let failure = decode(&bytes[..14]).unwrap_err();
        assert!(failure.message.contains("truncated"), "{}", failure.message);
    }

    #[test]
    fn frames_are_not_artefacts() {
        let dir = tempfile::tempdir().unwrap();
        let artefact = dataset(dir.path());
        let frame = polars::df!("a" => [1]).unwrap();
        let error = artefact.save(Payload::Frame(frame)).unwrap_err();
        assert!(
            error.to_string().contains("expected a typed artefact, got a DataFrame"),
            "{error}"
        );
        assert!(!artefact.accepts(DataKind::Frame));
        assert_eq!(artefact.loads(), Some(DataKind::Object));
    }

    #[test]
    fn a_flipped_bit_in_the_body_is_reported_as_corruption() {
        let mut bytes =
            encode("x::Model", &[0x92, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x01]).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 0x04;

        let failure = decode(&bytes).unwrap_err();

        assert!(failure.message.contains("corrupted: checksum mismatch"), "{}", failure.message);
    }

    #[test]
    fn a_cut_body_is_reported_with_both_sizes() {
        let bytes = encode("x::Model", &[7; 100]).unwrap();

        let failure = decode(&bytes[..bytes.len() - 20]).unwrap_err();

        assert!(
            failure.message.contains("truncated: expected 100 bytes of body, found 80"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn a_version_1_file_without_checksum_still_loads() {
        let mut bytes = b"WEIRART\0\x01\x00\x04\x00x::Y".to_vec();
        bytes.extend_from_slice(&[0x81, 0xa1, b'a', 0x01]);

        let encoded = decode(&bytes).unwrap();

        assert_eq!(encoded.type_name, "x::Y");
        assert_eq!(&*encoded.bytes, &[0x81, 0xa1, b'a', 0x01]);
    }
}
