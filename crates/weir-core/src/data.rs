//! The values that flow between nodes and datasets.
//!
//! A dataset loads a [`Payload`], a node argument turns that payload into a typed Rust value
//! through [`NodeData`], and a node result goes the other way. The typed side is what node
//! authors see (`DataFrame`, `String`, [`Params<T>`], [`Artefact<T>`]...); the payload side is
//! what datasets see. Keeping the two apart is what lets the runner check, before any work, that
//! every argument of every node can be fed from the dataset it is wired to
//! ([`DataType::accepts_kind`], [`DataType::accepts_type`]).
//!
//! `Payload` is cheap to clone: `DataFrame`s share their column buffers and artefacts are behind an
//! `Arc`, so handing one value to several nodes never copies the data.
//!
//! This module depends on nothing else in weir.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

use polars::prelude::{DataFrame, LazyFrame};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The broad shape of a payload, used to check wiring before a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKind {
    /// A Polars `DataFrame`.
    Frame,
    /// A Polars `LazyFrame` (a query not yet collected).
    Lazy,
    /// UTF-8 text.
    Text,
    /// Raw bytes.
    Bytes,
    /// A self-describing tree of values (JSON, YAML, parameters).
    Structured,
    /// A typed Rust value, either in memory or as encoded artefact bytes.
    Object,
}

impl fmt::Display for DataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            DataKind::Frame => "a DataFrame",
            DataKind::Lazy => "a LazyFrame",
            DataKind::Text => "text",
            DataKind::Bytes => "bytes",
            DataKind::Structured => "structured data (JSON/YAML)",
            DataKind::Object => "a typed artefact",
        };
        f.write_str(text)
    }
}

/// A value as datasets see it.
#[derive(Clone)]
pub enum Payload {
    /// A table.
    Frame(DataFrame),
    /// A lazy query over one or more tables.
    Lazy(Box<LazyFrame>),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Arc<[u8]>),
    /// A JSON-like value: parameters, JSON and YAML files.
    Structured(serde_json::Value),
    /// A typed value produced by a node, shared rather than copied.
    Object(Arc<dyn ObjectValue>),
    /// A typed value read back from storage, still encoded; decoded by the node argument that
    /// knows its type.
    Encoded(EncodedArtefact),
}

impl Payload {
    /// The broad shape of this payload.
    pub fn kind(&self) -> DataKind {
        match self {
            Payload::Frame(_) => DataKind::Frame,
            Payload::Lazy(_) => DataKind::Lazy,
            Payload::Text(_) => DataKind::Text,
            Payload::Bytes(_) => DataKind::Bytes,
            Payload::Structured(_) => DataKind::Structured,
            Payload::Object(_) | Payload::Encoded(_) => DataKind::Object,
        }
    }

    /// A short human description, e.g. "a `DataFrame`" or "a typed artefact (`iris::Model`)".
    pub fn describe(&self) -> String {
        match self {
            Payload::Object(object) => format!("a typed artefact (`{}`)", object.type_name()),
            Payload::Encoded(encoded) => format!("a typed artefact (`{}`)", encoded.type_name),
            other => other.kind().to_string(),
        }
    }

    /// The payload as a JSON-like value, for datasets that store structured data.
    pub fn to_structured(&self) -> Result<serde_json::Value, ConversionError> {
        match self {
            Payload::Structured(value) => Ok(value.clone()),
            Payload::Object(object) => object.to_structured(),
            Payload::Encoded(encoded) => rmp_serde::from_slice(&encoded.bytes)
                .map_err(|e| ConversionError::new(format!("cannot decode artefact: {e}"))),
            Payload::Text(text) => Ok(serde_json::Value::String(text.clone())),
            other => Err(ConversionError::new(format!(
                "{} cannot be stored as structured data",
                other.kind()
            ))),
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Frame(df) => write!(f, "Frame({} rows x {} columns)", df.height(), df.width()),
            Payload::Lazy(_) => f.write_str("Lazy(..)"),
            Payload::Text(text) => write!(f, "Text({} bytes)", text.len()),
            Payload::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            Payload::Structured(value) => write!(f, "Structured({value})"),
            Payload::Object(object) => write!(f, "Object({})", object.type_name()),
            Payload::Encoded(encoded) => write!(f, "Encoded({})", encoded.type_name),
        }
    }
}

/// Artefact bytes as read from storage: the type name written in the file header and the
/// `MessagePack` body.
#[derive(Debug, Clone)]
pub struct EncodedArtefact {
    /// The Rust type name recorded when the artefact was saved.
    pub type_name: String,
    /// The MessagePack-encoded value.
    pub bytes: Arc<[u8]>,
}

/// A typed value held in memory, with the ways to store it that its type allows.
///
/// Implemented for every `Serialize + DeserializeOwned` type through [`Artefact`]; node authors
/// never implement it.
pub trait ObjectValue: Any + Send + Sync {
    /// `std::any::type_name` of the value.
    fn type_name(&self) -> &'static str;
    /// The value as `&dyn Any`, to downcast to its concrete type.
    fn as_any(&self) -> &dyn Any;
    /// The value as a JSON-like tree.
    fn to_structured(&self) -> Result<serde_json::Value, ConversionError>;
    /// The value encoded as `MessagePack` (the artefact body).
    fn to_msgpack(&self) -> Result<Vec<u8>, ConversionError>;
}

/// What a typed node argument or result is, for wiring checks and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataType {
    /// Rust type name, for messages.
    pub name: &'static str,
    /// Identity of the Rust type.
    pub id: TypeId,
    /// The payload shape this type is made from and turned into.
    pub kind: DataKind,
}

impl DataType {
    /// The data type of `T`.
    pub fn of<T: NodeData>() -> DataType {
        T::data_type()
    }

    /// Whether a dataset that loads payloads of `kind` can feed an argument of this type.
    pub fn accepts_kind(&self, kind: DataKind) -> bool {
        use DataKind::{Bytes, Frame, Lazy, Object, Structured, Text};
        match self.kind {
            Frame => matches!(kind, Frame | Lazy),
            Lazy => matches!(kind, Lazy | Frame),
            // A string parameter or a JSON string reads as text too.
            Text => matches!(kind, Text | Structured),
            Bytes => kind == Bytes,
            // A serde type reads parameters, JSON/YAML files and artefacts alike.
            Structured | Object => matches!(kind, Structured | Object),
        }
    }

    /// Whether a node result of type `producer`, passed in memory, can feed this argument.
    pub fn accepts_type(&self, producer: &DataType) -> bool {
        if self.id == producer.id {
            return true;
        }
        match (self.kind, producer.kind) {
            // Any serialisable value can be viewed as a JSON-like tree.
            (DataKind::Structured, DataKind::Object | DataKind::Structured) => {
                self.id == TypeId::of::<serde_json::Value>()
            }
            (DataKind::Frame, DataKind::Lazy) | (DataKind::Lazy, DataKind::Frame) => true,
            _ => false,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.name)
    }
}

/// Why a payload could not become the typed value a node asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConversionError {
    message: String,
}

impl ConversionError {
    /// A conversion error with the given explanation.
    pub fn new(message: impl Into<String>) -> Self {
        ConversionError { message: message.into() }
    }
}

/// A Rust type that can be a node argument or result.
///
/// Implemented for `DataFrame`, `LazyFrame`, `String`, `Vec<u8>`, `serde_json::Value`, numbers
/// and `bool`, and for any serde type through the [`Params`] and [`Artefact`] wrappers.
pub trait NodeData: Sized + Send + 'static {
    /// What this type is, for wiring checks.
    fn data_type() -> DataType;
    /// Turns a node result into a payload.
    fn into_payload(self) -> Payload;
    /// Turns a loaded payload into a node argument.
    fn from_payload(payload: Payload) -> Result<Self, ConversionError>;
}

fn mismatch<T>(expected: &str, payload: &Payload) -> Result<T, ConversionError> {
    Err(ConversionError::new(format!("expected {expected}, got {}", payload.describe())))
}

impl NodeData for DataFrame {
    fn data_type() -> DataType {
        DataType { name: "DataFrame", id: TypeId::of::<Self>(), kind: DataKind::Frame }
    }

    fn into_payload(self) -> Payload {
        Payload::Frame(self)
    }

    fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
        match payload {
            Payload::Frame(df) => Ok(df),
            Payload::Lazy(lazy) => lazy
                .collect()
                .map_err(|e| ConversionError::new(format!("cannot collect the lazy frame: {e}"))),
            other => mismatch("a DataFrame", &other),
        }
    }
}

impl NodeData for LazyFrame {
    fn data_type() -> DataType {
        DataType { name: "LazyFrame", id: TypeId::of::<Self>(), kind: DataKind::Lazy }
    }

    fn into_payload(self) -> Payload {
        Payload::Lazy(Box::new(self))
    }

    fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
        match payload {
            Payload::Lazy(lazy) => Ok(*lazy),
            Payload::Frame(df) => Ok(df.lazy()),
            other => mismatch("a LazyFrame", &other),
        }
    }
}

use polars::prelude::IntoLazy;

impl NodeData for String {
    fn data_type() -> DataType {
        DataType { name: "String", id: TypeId::of::<Self>(), kind: DataKind::Text }
    }

    fn into_payload(self) -> Payload {
        Payload::Text(self)
    }

    fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
        match payload {
            Payload::Text(text) | Payload::Structured(serde_json::Value::String(text)) => Ok(text),
            other => mismatch("text", &other),
        }
    }
}

impl NodeData for Vec<u8> {
    fn data_type() -> DataType {
        DataType { name: "Vec<u8>", id: TypeId::of::<Self>(), kind: DataKind::Bytes }
    }

    fn into_payload(self) -> Payload {
        Payload::Bytes(self.into())
    }

    fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
        match payload {
            Payload::Bytes(bytes) => Ok(bytes.to_vec()),
            other => mismatch("bytes", &other),
        }
    }
}

impl NodeData for serde_json::Value {
    fn data_type() -> DataType {
        DataType { name: "serde_json::Value", id: TypeId::of::<Self>(), kind: DataKind::Structured }
    }

    fn into_payload(self) -> Payload {
        Payload::Structured(self)
    }

    fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
        payload.to_structured()
    }
}

fn decode_structured<T: DeserializeOwned>(payload: Payload) -> Result<T, ConversionError> {
    match payload {
        Payload::Structured(value) => {
            serde_json::from_value(value).map_err(|e| ConversionError::new(e.to_string()))
        }
        Payload::Encoded(encoded) => rmp_serde::from_slice(&encoded.bytes)
            .map_err(|e| ConversionError::new(format!("cannot decode artefact: {e}"))),
        Payload::Object(object) => {
            let value = object.to_structured()?;
            serde_json::from_value(value).map_err(|e| ConversionError::new(e.to_string()))
        }
        other => mismatch("structured data", &other),
    }
}

/// Plain values (numbers, booleans) read from parameters or structured datasets.
macro_rules! plain_node_data {
    ($($ty:ty),* $(,)?) => {$(
        impl NodeData for $ty {
            fn data_type() -> DataType {
                DataType { name: stringify!($ty), id: TypeId::of::<Self>(), kind: DataKind::Structured }
            }

            fn into_payload(self) -> Payload {
                Payload::Structured(serde_json::json!(self))
            }

            fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
                decode_structured(payload)
            }
        }
    )*};
}

plain_node_data!(bool, f64, f32, i64, i32, u64, u32, usize);

/// A node argument deserialised from parameters (or any structured data) with serde.
///
/// ```
/// # use weir_core::data::Params;
/// #[derive(serde::Deserialize)]
/// struct Split { train: f64, seed: u64 }
///
/// fn split(params: Params<Split>) -> f64 {
///     params.train
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params<T>(pub T);

impl<T> std::ops::Deref for Params<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Params<T> {
    /// The wrapped value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> NodeData for Params<T> {
    fn data_type() -> DataType {
        DataType {
            name: std::any::type_name::<T>(),
            id: TypeId::of::<Self>(),
            kind: DataKind::Structured,
        }
    }

    fn into_payload(self) -> Payload {
        match serde_json::to_value(&self.0) {
            Ok(value) => Payload::Structured(value),
            Err(_) => Payload::Object(Arc::new(TypedObject(Arc::new(self.0)))),
        }
    }

    fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
        decode_structured(payload).map(Params)
    }
}

/// A typed value that nodes pass around and the catalog can persist: fitted models, encoders,
/// reports. Shared behind an `Arc`, so several nodes read one value without copying it.
///
/// ```
/// # use weir_core::data::Artefact;
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Threshold { value: f64 }
///
/// fn fit() -> Artefact<Threshold> {
///     Artefact::new(Threshold { value: 0.5 })
/// }
/// assert_eq!(fit().value, 0.5);
/// ```
#[derive(Debug, PartialEq)]
pub struct Artefact<T>(Arc<T>);

impl<T> Clone for Artefact<T> {
    fn clone(&self) -> Self {
        Artefact(Arc::clone(&self.0))
    }
}

impl<T> Artefact<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Artefact(Arc::new(value))
    }

    /// The shared value.
    pub fn shared(&self) -> Arc<T> {
        Arc::clone(&self.0)
    }
}

impl<T> std::ops::Deref for Artefact<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Artefact<T> {
    fn from(value: T) -> Self {
        Artefact::new(value)
    }
}

/// The in-memory holder behind `Payload::Object`: the shared value and the ways to store it.
struct TypedObject<T>(Arc<T>);

impl<T: Serialize + Send + Sync + 'static> ObjectValue for TypedObject<T> {
    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }

    fn as_any(&self) -> &dyn Any {
        &self.0
    }

    fn to_structured(&self) -> Result<serde_json::Value, ConversionError> {
        serde_json::to_value(&*self.0).map_err(|e| ConversionError::new(e.to_string()))
    }

    fn to_msgpack(&self) -> Result<Vec<u8>, ConversionError> {
        rmp_serde::to_vec_named(&*self.0).map_err(|e| ConversionError::new(e.to_string()))
    }
}

impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> NodeData for Artefact<T> {
    fn data_type() -> DataType {
        DataType {
            name: std::any::type_name::<T>(),
            id: TypeId::of::<Self>(),
            kind: DataKind::Object,
        }
    }

    fn into_payload(self) -> Payload {
        Payload::Object(Arc::new(TypedObject(self.0)))
    }

    fn from_payload(payload: Payload) -> Result<Self, ConversionError> {
        match payload {
            Payload::Object(object) => {
                if let Some(shared) = object.as_any().downcast_ref::<Arc<T>>() {
                    return Ok(Artefact(Arc::clone(shared)));
                }
                let value = object.to_structured()?;
                serde_json::from_value(value).map(Artefact::new).map_err(|e| {
                    ConversionError::new(format!(
                        "expected `{}`, got `{}`: {e}",
                        std::any::type_name::<T>(),
                        object.type_name()
                    ))
                })
            }
            Payload::Encoded(encoded) => {
                rmp_serde::from_slice(&encoded.bytes).map(Artefact::new).map_err(|e| {
                    ConversionError::new(format!(
                        "the artefact holds `{}` and cannot be read as `{}`: {e}",
                        encoded.type_name,
                        std::any::type_name::<T>()
                    ))
                })
            }
            other => decode_structured(other).map(Artefact::new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::df;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Model {
        weights: Vec<f64>,
    }

    #[test]
    fn artefact_in_memory_is_shared_not_copied() {
        let model = Artefact::new(Model { weights: vec![1.0, 2.0] });
        let payload = model.clone().into_payload();
        let back = Artefact::<Model>::from_payload(payload).unwrap();
        assert!(Arc::ptr_eq(&model.shared(), &back.shared()));
    }

    #[test]
    fn artefact_round_trips_through_msgpack() {
        let payload = Artefact::new(Model { weights: vec![0.5] }).into_payload();
        let Payload::Object(object) = payload else { panic!("expected an object") };
        let encoded = EncodedArtefact {
            type_name: object.type_name().to_owned(),
            bytes: object.to_msgpack().unwrap().into(),
        };
        let back = Artefact::<Model>::from_payload(Payload::Encoded(encoded)).unwrap();
        assert_eq!(back.weights, vec![0.5]);
    }

    #[test]
    fn params_read_from_structured_values() {
        #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
        struct Split {
            train: f64,
        }
        let payload = Payload::Structured(serde_json::json!({"train": 0.8}));
        assert_eq!(Params::<Split>::from_payload(payload).unwrap().0, Split { train: 0.8 });
    }

    #[test]
    fn a_frame_is_not_text() {
        let payload = Payload::Frame(df!("a" => [1]).unwrap());
        let error = String::from_payload(payload).unwrap_err();
        assert_eq!(error.to_string(), "expected text, got a DataFrame");
    }

    #[test]
    fn wiring_rules() {
        let frame = DataType::of::<DataFrame>();
        assert!(frame.accepts_kind(DataKind::Frame));
        assert!(!frame.accepts_kind(DataKind::Structured));
        let model = DataType::of::<Artefact<Model>>();
        assert!(model.accepts_kind(DataKind::Object));
        assert!(model.accepts_type(&DataType::of::<Artefact<Model>>()));
        assert!(!model.accepts_type(&DataType::of::<Artefact<Vec<f64>>>()));
        let json = DataType::of::<serde_json::Value>();
        assert!(json.accepts_type(&model));
    }
}
