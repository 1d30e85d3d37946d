//! Building an object store from a catalog entry's `credentials` and `fs_args`, in the
//! spellings of Kedro's fsspec file systems (s3fs, gcsfs, adlfs).
//!
//! | store | credential keys |
//! |---|---|
//! | S3 (`s3://`, `s3a://`) | `key`/`aws_access_key_id`, `secret`/`aws_secret_access_key`, `token`/`aws_session_token`, `endpoint_url`, `region_name`, `client_kwargs: {endpoint_url, region_name}`, `anon` |
//! | GCS (`gs://`, `gcs://`) | `token` (a service-account or authorised-user JSON file, the JSON itself, `anon`, or `google_default`/`cloud` for the environment), `project` (accepted, unused), `endpoint_url`, `anon` |
//! | Azure (`az://`, `abfs://`, `abfss://`) | `account_name`, `account_key`, `sas_token`, `connection_string`, `tenant_id` + `client_id` + `client_secret`, `anon`, `endpoint_url`, `use_emulator` |
//!
//! `fs_args` take the same keys (and `allow_http`); any other key is passed to `object_store`
//! when it knows it (`virtual_hosted_style_request`, `timeout`, `proxy_url`...), and refused
//! with a suggestion otherwise. An explicit `http://` endpoint allows plain HTTP by itself.
//! Without credentials, each store starts from its provider's environment chain
//! (`AWS_*`, `GOOGLE_*`, `AZURE_*` variables, then instance metadata).
//!
//! Values are never shown: a message names the dataset, the credentials entry and the key.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GcpCredential, GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::{BackoffConfig, ObjectStore, RetryConfig, StaticCredentialProvider};
use serde_json::{Map, Value};

use super::remote::{RemoteStore, scrub};
use crate::catalog::{CatalogError, DatasetSpec};
use crate::error::did_you_mean;

/// Which kind of object store a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provider {
    /// Amazon S3 and compatible servers.
    S3,
    /// Google Cloud Storage.
    Gcs,
    /// Azure Blob Storage / Data Lake Gen2.
    Azure,
}

/// fsspec options that mean nothing to `object_store` and are safely ignored.
const IGNORED_KEYS: &[&str] = &[
    "project",
    "skip_instance_cache",
    "use_listings_cache",
    "listings_expiry_time",
    "max_paths",
    "auto_mkdir",
    "default_cache_type",
    "default_block_size",
    "consistency",
    "requester_pays",
];

/// Credential keys whose values are no secret (endpoints, regions, switches): left in messages,
/// where they help. Every other credential value is scrubbed.
const PUBLIC_KEYS: &[&str] = &[
    "endpoint_url",
    "endpoint",
    "region_name",
    "region",
    "project",
    "anon",
    "allow_http",
    "use_emulator",
    "account_name",
];

const S3_KEYS: &[&str] = &[
    "key",
    "secret",
    "token",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "endpoint_url",
    "region_name",
    "client_kwargs",
    "anon",
    "allow_http",
];

const GCS_KEYS: &[&str] = &["token", "project", "endpoint_url", "anon", "allow_http"];

const AZURE_KEYS: &[&str] = &[
    "account_name",
    "account_key",
    "sas_token",
    "connection_string",
    "tenant_id",
    "client_id",
    "client_secret",
    "anon",
    "endpoint_url",
    "use_emulator",
    "allow_http",
];

/// One option from `credentials` or `fs_args`.
struct Setting {
    key: String,
    value: String,
    /// `credentials` or `fs_args`, for messages.
    section: &'static str,
}

/// Where the store is and what the entry says about access.
pub(crate) struct StoreRequest<'a> {
    pub(crate) provider: Provider,
    /// The bucket or container.
    pub(crate) bucket: &'a str,
    /// The Azure storage account named in an `abfs://container@account...` URL.
    pub(crate) account: Option<&'a str>,
    /// What URLs of this store start with, for messages (`s3://bucket`).
    pub(crate) root: String,
}

/// Builds the store `request` names with the entry's credentials and `fs_args`.
pub(crate) fn build_store(
    spec: &DatasetSpec,
    request: &StoreRequest<'_>,
) -> Result<RemoteStore, CatalogError> {
    let mut settings = Vec::new();
    let mut secrets = Vec::new();
    if let Some(credentials) = &spec.credentials {
        flatten(spec, credentials.expose(), "credentials", &mut settings)?;
        secrets.extend(
            settings
                .iter()
                .filter(|setting| !PUBLIC_KEYS.contains(&setting.key.as_str()))
                .map(|setting| setting.value.clone()),
        );
    }
    if let Some(Value::Object(fs_args)) = spec.options.get("fs_args") {
        flatten(spec, fs_args, "fs_args", &mut settings)?;
    }
    // A connection string hides its parts; scrub each of them too.
    for setting in settings.iter().filter(|setting| setting.key == "connection_string") {
        secrets.extend(
            setting.value.split(';').filter_map(|part| Some(part.split_once('=')?.1.to_owned())),
        );
    }

    let built = match request.provider {
        Provider::S3 => s3(spec, request, &settings),
        Provider::Gcs => gcs(spec, request, &settings),
        Provider::Azure => azure(spec, request, &settings),
    };
    let store = built.map_err(|failure| match failure {
        Failure::Entry(error) => *error,
        Failure::Store(error) => invalid(
            spec,
            scrub(
                format!(
                    "cannot set up `{}`: {}",
                    request.root,
                    super::local::describe_chain(&error)
                ),
                &secrets,
            ),
            Some("check the entry's `credentials` and `fs_args`".to_owned()),
        ),
    })?;
    Ok(RemoteStore::new(store, request.root.clone(), secrets))
}

/// Why a store could not be built.
enum Failure {
    Entry(Box<CatalogError>),
    Store(object_store::Error),
}

impl From<CatalogError> for Failure {
    fn from(error: CatalogError) -> Self {
        Failure::Entry(Box::new(error))
    }
}

impl From<object_store::Error> for Failure {
    fn from(error: object_store::Error) -> Self {
        Failure::Store(error)
    }
}

/// Retries for transient failures, bounded so that an unreachable endpoint fails in seconds
/// rather than after `object_store`'s default three minutes.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 3,
        retry_timeout: Duration::from_secs(30),
    }
}

fn s3(
    spec: &DatasetSpec,
    request: &StoreRequest<'_>,
    settings: &[Setting],
) -> Result<Arc<dyn ObjectStore>, Failure> {
    let mut builder =
        AmazonS3Builder::from_env().with_bucket_name(request.bucket).with_retry(retry());
    for setting in settings {
        let value = setting.value.as_str();
        builder = match setting.key.as_str() {
            "key" | "aws_access_key_id" => builder.with_access_key_id(value),
            "secret" | "aws_secret_access_key" => builder.with_secret_access_key(value),
            "token" | "aws_session_token" => builder.with_token(value),
            "endpoint_url" | "endpoint" => {
                let builder = builder.with_endpoint(value);
                if value.starts_with("http://") { builder.with_allow_http(true) } else { builder }
            }
            "region_name" | "region" => builder.with_region(value),
            "anon" => builder.with_skip_signature(flag(spec, setting)?),
            "allow_http" => builder.with_allow_http(flag(spec, setting)?),
            key if IGNORED_KEYS.contains(&key) => builder,
            key => match AmazonS3ConfigKey::from_str(key) {
                Ok(config) => builder.with_config(config, value),
                Err(_) => return Err(unknown_key(spec, setting, "S3", S3_KEYS).into()),
            },
        };
    }
    Ok(Arc::new(builder.build()?))
}

fn gcs(
    spec: &DatasetSpec,
    request: &StoreRequest<'_>,
    settings: &[Setting],
) -> Result<Arc<dyn ObjectStore>, Failure> {
    let mut builder =
        GoogleCloudStorageBuilder::from_env().with_bucket_name(request.bucket).with_retry(retry());
    for setting in settings {
        let value = setting.value.as_str();
        builder = match setting.key.as_str() {
            "token" => match value {
                "anon" => anonymous_gcs(builder),
                "google_default" | "cloud" => builder,
                json if json.trim_start().starts_with('{') => {
                    builder.with_service_account_key(json)
                }
                path => builder.with_application_credentials(path),
            },
            "endpoint_url" | "base_url" => builder.with_base_url(value),
            "anon" if flag(spec, setting)? => anonymous_gcs(builder),
            "anon" => builder,
            "allow_http" => builder.with_config(
                GoogleConfigKey::Client(object_store::ClientConfigKey::AllowHttp),
                value,
            ),
            key if IGNORED_KEYS.contains(&key) => builder,
            key => match GoogleConfigKey::from_str(key) {
                Ok(config) => builder.with_config(config, value),
                Err(_) => return Err(unknown_key(spec, setting, "GCS", GCS_KEYS).into()),
            },
        };
    }
    Ok(Arc::new(builder.build()?))
}

/// Anonymous GCS access. `object_store` 0.13 skips signing reads with `skip_signature`, but its
/// uploads still ask the credential provider for a token, which without credentials is the
/// instance metadata server: a fixed empty token keeps every request away from it.
fn anonymous_gcs(builder: GoogleCloudStorageBuilder) -> GoogleCloudStorageBuilder {
    let empty = GcpCredential { bearer: String::new() };
    builder
        .with_skip_signature(true)
        .with_credentials(Arc::new(StaticCredentialProvider::new(empty)))
}

fn azure(
    spec: &DatasetSpec,
    request: &StoreRequest<'_>,
    settings: &[Setting],
) -> Result<Arc<dyn ObjectStore>, Failure> {
    let mut builder =
        MicrosoftAzureBuilder::from_env().with_container_name(request.bucket).with_retry(retry());
    if let Some(account) = request.account {
        builder = builder.with_account(account);
    }
    for setting in settings {
        let value = setting.value.as_str();
        builder = match setting.key.as_str() {
            "account_name" => builder.with_account(value),
            "account_key" => builder.with_access_key(value),
            "sas_token" => builder.with_config(AzureConfigKey::SasKey, value),
            "connection_string" => connection_string(spec, setting, builder)?,
            "tenant_id" => builder.with_tenant_id(value),
            "client_id" => builder.with_client_id(value),
            "client_secret" => builder.with_client_secret(value),
            "anon" => builder.with_skip_signature(flag(spec, setting)?),
            "use_emulator" => builder.with_use_emulator(flag(spec, setting)?),
            "endpoint_url" | "endpoint" => {
                let builder = builder.with_endpoint(value.to_owned());
                if value.starts_with("http://") { builder.with_allow_http(true) } else { builder }
            }
            "allow_http" => builder.with_allow_http(flag(spec, setting)?),
            key if IGNORED_KEYS.contains(&key) => builder,
            key => match AzureConfigKey::from_str(key) {
                Ok(config) => builder.with_config(config, value),
                Err(_) => return Err(unknown_key(spec, setting, "Azure", AZURE_KEYS).into()),
            },
        };
    }
    Ok(Arc::new(builder.build()?))
}

/// An Azure connection string, `AccountName=..;AccountKey=..;BlobEndpoint=..` (also
/// `SharedAccessSignature=..` and `UseDevelopmentStorage=true`).
fn connection_string(
    spec: &DatasetSpec,
    setting: &Setting,
    mut builder: MicrosoftAzureBuilder,
) -> Result<MicrosoftAzureBuilder, CatalogError> {
    for part in setting.value.split(';').map(str::trim).filter(|part| !part.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(invalid_value(spec, setting, "`Name=value` pairs separated by `;`"));
        };
        builder = match name {
            "AccountName" => builder.with_account(value),
            "AccountKey" => builder.with_access_key(value),
            "SharedAccessSignature" => builder.with_config(AzureConfigKey::SasKey, value),
            "BlobEndpoint" => {
                let builder = builder.with_endpoint(value.to_owned());
                if value.starts_with("http://") { builder.with_allow_http(true) } else { builder }
            }
            "UseDevelopmentStorage" => {
                builder.with_use_emulator(value.eq_ignore_ascii_case("true"))
            }
            // Protocol and suffix only matter for the endpoint, which Azure derives itself.
            _ => builder,
        };
    }
    Ok(builder)
}

/// Adds the options of `map` to `settings`, with `client_kwargs` flattened.
fn flatten(
    spec: &DatasetSpec,
    map: &Map<String, Value>,
    section: &'static str,
    settings: &mut Vec<Setting>,
) -> Result<(), CatalogError> {
    for (key, value) in map {
        if section == "fs_args" && matches!(key.as_str(), "open_args_load" | "open_args_save") {
            continue;
        }
        if key == "client_kwargs" {
            let Value::Object(nested) = value else {
                return Err(invalid(
                    spec,
                    format!("`{section}.client_kwargs` must be a mapping"),
                    None,
                ));
            };
            flatten(spec, nested, section, settings)?;
            continue;
        }
        let value = match value {
            Value::Null => continue,
            Value::String(text) => text.clone(),
            Value::Bool(flag) => flag.to_string(),
            Value::Number(number) => number.to_string(),
            Value::Array(_) | Value::Object(_) => {
                return Err(invalid(
                    spec,
                    format!(
                        "`{section}` key `{key}` must be a single value, not a list or mapping"
                    ),
                    None,
                ));
            }
        };
        settings.push(Setting { key: key.clone(), value, section });
    }
    Ok(())
}

fn flag(spec: &DatasetSpec, setting: &Setting) -> Result<bool, CatalogError> {
    match setting.value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(invalid_value(spec, setting, "`true` or `false`")),
    }
}

/// The credentials entry an error is about, e.g. "credentials `dev_s3`".
fn section_name(spec: &DatasetSpec, setting: &Setting) -> String {
    match (setting.section, spec.options.get("credentials").and_then(Value::as_str)) {
        ("credentials", Some(name)) => format!("credentials `{name}`"),
        (section, _) => format!("`{section}`"),
    }
}

fn invalid_value(spec: &DatasetSpec, setting: &Setting, expected: &str) -> CatalogError {
    invalid(
        spec,
        format!("{} key `{}` must be {expected}", section_name(spec, setting), setting.key),
        None,
    )
}

fn unknown_key(spec: &DatasetSpec, setting: &Setting, store: &str, known: &[&str]) -> CatalogError {
    let listed: Vec<String> = known.iter().map(|key| format!("`{key}`")).collect();
    let hint = did_you_mean(&setting.key, known.iter().copied())
        .unwrap_or_else(|| format!("{store} storage takes {}", listed.join(", ")));
    invalid(
        spec,
        format!(
            "{} has the key `{}`, which {store} storage does not know",
            section_name(spec, setting),
            setting.key
        ),
        Some(hint),
    )
}

fn invalid(spec: &DatasetSpec, message: String, hint: Option<String>) -> CatalogError {
    CatalogError::InvalidEntry {
        dataset: spec.name.clone(),
        message,
        source_location: spec.source.clone(),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Hinted, Secret};
    use serde_json::json;

    fn spec(credentials: Value, fs_args: Value) -> DatasetSpec {
        let Value::Object(credentials) = credentials else { panic!("a mapping") };
        let mut options = Map::new();
        options.insert("credentials".to_owned(), json!("dev_cloud"));
        options.insert("fs_args".to_owned(), fs_args);
        DatasetSpec {
            name: "trips".to_owned(),
            type_name: "csv".to_owned(),
            options,
            credentials: Some(Secret::new(credentials)),
            source: None,
        }
    }

    fn request(provider: Provider) -> StoreRequest<'static> {
        StoreRequest { provider, bucket: "data", account: None, root: "x://data".to_owned() }
    }

    #[test]
    fn s3fs_spellings_build_a_store() {
        let credentials = json!({
            "key": "AKIAEXAMPLE", "secret": "wJalrXUtnFEMI-secret",
            "client_kwargs": {"endpoint_url": "http://127.0.0.1:9", "region_name": "eu-west-1"},
        });
        build_store(&spec(credentials, json!({})), &request(Provider::S3)).unwrap();
        let boto = json!({"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "abcdef",
                          "aws_session_token": "tok-123", "endpoint_url": "http://127.0.0.1:9"});
        build_store(
            &spec(boto, json!({"virtual_hosted_style_request": false})),
            &request(Provider::S3),
        )
        .unwrap();
    }

    #[test]
    fn an_unknown_credential_key_is_named_without_its_value() {
        let credentials = json!({"key": "AKIAEXAMPLE", "secert": "do-not-print-me"});
        let error = build_store(&spec(credentials, json!({})), &request(Provider::S3)).unwrap_err();
        let text = format!("{error} {error:?} {}", error.hint().unwrap_or_default());
        assert!(text.contains("`trips`") && text.contains("credentials `dev_cloud`"), "{text}");
        assert!(text.contains("`secert`") && text.contains("did you mean `secret`?"), "{text}");
        assert!(!text.contains("do-not-print-me"), "{text}");
    }

    #[test]
    fn gcsfs_and_adlfs_spellings_build_stores() {
        let gcs = json!({"token": "anon", "project": "demo", "endpoint_url": "http://127.0.0.1:9"});
        build_store(&spec(gcs, json!({})), &request(Provider::Gcs)).unwrap();

        let azure = json!({"account_name": "devstoreaccount1", "account_key": "a2V5LWtleS1rZXk="});
        build_store(&spec(azure, json!({})), &request(Provider::Azure)).unwrap();
        let sas = json!({"account_name": "acct", "sas_token": "sv=2024&sig=abc"});
        build_store(&spec(sas, json!({})), &request(Provider::Azure)).unwrap();
        let connection = json!({"connection_string":
            "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/acct"});
        build_store(&spec(connection, json!({})), &request(Provider::Azure)).unwrap();
        let principal = json!({"account_name": "acct", "tenant_id": "t", "client_id": "c",
                               "client_secret": "s3cr3t-value"});
        build_store(&spec(principal, json!({})), &request(Provider::Azure)).unwrap();
    }

    #[test]
    fn a_bad_flag_names_the_key_not_the_value() {
        let error = build_store(
            &spec(json!({"anon": "perhaps-secret"}), json!({})),
            &request(Provider::Gcs),
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("`anon` must be `true` or `false`"), "{text}");
        assert!(!text.contains("perhaps-secret"), "{text}");
    }

    #[test]
    fn unknown_fs_args_are_refused_with_the_supported_keys() {
        let error = build_store(
            &spec(json!({}), json!({"endpoint_ur": "http://127.0.0.1:9"})),
            &request(Provider::S3),
        )
        .unwrap_err();
        assert!(error.to_string().contains("`fs_args` has the key `endpoint_ur`"), "{error}");
        assert_eq!(error.hint().as_deref(), Some("did you mean `endpoint_url`?"));
    }
}
