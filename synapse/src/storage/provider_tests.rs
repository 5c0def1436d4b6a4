//! Tests of provider names and of reading each provider's configuration from a record.

use super::*;
use serde_json::json;
use std::path::Path;

fn record(provider: &str, configuration: Value) -> StorageRecord {
    serde_json::from_value(json!({"id": 1, "name": "n", "provider": provider, "configuration": configuration})).unwrap()
}

fn config_error(provider: &str, configuration: Value) -> (String, String) {
    match StorageConfig::from_record(&record(provider, configuration)) {
        Err(StorageError::Config { provider: p, field, reason }) => {
            assert_eq!(p, provider);
            (field, reason)
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

fn s3_keys() -> Value {
    json!({"bucket_name": "media", "access_key": "AKIAEXAMPLE", "secret_key": "wJalrXUtnFEMI-secret"})
}

#[test]
fn backend_names_and_sdk_aliases() {
    for (name, provider) in [
        ("file_system", Provider::FileSystem),
        ("local", Provider::FileSystem),
        ("amazon_s3", Provider::AmazonS3),
        ("s3", Provider::AmazonS3),
        ("minio", Provider::Minio),
        ("digital_ocean", Provider::DigitalOcean),
        ("gcp", Provider::Gcp),
        ("gcs", Provider::Gcp),
        ("gs", Provider::Gcp),
        ("azure", Provider::Azure),
        ("ftp", Provider::Ftp),
        ("sftp", Provider::Sftp),
    ] {
        assert_eq!(Provider::parse(name).unwrap(), provider, "{name}");
    }
    for provider in Provider::ALL {
        assert_eq!(Provider::parse(provider.name()).unwrap(), provider);
    }
}

#[test]
fn an_unknown_provider_is_named_with_the_known_ones() {
    let error = Provider::parse("dropbox").unwrap_err();
    assert!(matches!(&error, StorageError::UnknownProvider { provider, .. } if provider == "dropbox"));
    let text = error.to_string();
    assert!(text.contains("`dropbox`") && text.contains("amazon_s3") && text.contains("gs"), "{text}");
}

#[test]
fn ftp_and_sftp_are_unsupported_by_name() {
    for provider in ["ftp", "sftp"] {
        let configuration = json!({"host": "h", "username": "u", "password": "p", "root_path": "/"});
        let error = StorageConfig::from_record(&record(provider, configuration)).unwrap_err();
        assert!(matches!(&error, StorageError::UnsupportedProvider { provider: p } if p == provider), "{error}");
        assert!(error.to_string().contains(provider));
    }
}

#[test]
fn file_system_needs_a_location() {
    let config = StorageConfig::from_record(&record("local", json!({"location": "/data/media"}))).unwrap();
    assert!(matches!(config, StorageConfig::FileSystem { ref location } if location == Path::new("/data/media")));
    assert_eq!(config.provider(), Provider::FileSystem);
    assert_eq!(config_error("file_system", json!({})), ("location".into(), "missing".into()));
    assert_eq!(config_error("file_system", json!({"location": ""})), ("location".into(), "missing".into()));
    assert_eq!(config_error("file_system", json!({"location": 7})), ("location".into(), "must be a string".into()));
    assert_eq!(config_error("file_system", json!([1])).0, "configuration");
}

#[test]
fn s3_reads_the_sdk_keys_with_its_default_region() {
    let StorageConfig::S3(config) = StorageConfig::from_record(&record("amazon_s3", s3_keys())).unwrap() else {
        panic!("not S3")
    };
    assert_eq!(config.provider, Provider::AmazonS3);
    assert_eq!(config.bucket_name, "media");
    assert_eq!(config.access_key, "AKIAEXAMPLE");
    assert_eq!(config.secret_key.expose(), "wJalrXUtnFEMI-secret");
    assert_eq!(config.region_name, "us-east-1");
    assert_eq!(config.endpoint_url, None);
    assert!(!format!("{config:?}").contains("wJalrXUtnFEMI"), "{config:?}");

    let mut keys = s3_keys();
    keys["region_name"] = json!("eu-west-1");
    keys["endpoint_url"] = json!("http://127.0.0.1:9000");
    let StorageConfig::S3(config) = StorageConfig::from_record(&record("minio", keys)).unwrap() else { panic!() };
    assert_eq!((config.provider, config.region_name.as_str()), (Provider::Minio, "eu-west-1"));
    assert_eq!(config.endpoint_url.as_deref(), Some("http://127.0.0.1:9000"));
}

#[test]
fn digital_ocean_defaults_to_its_regional_endpoint() {
    let mut keys = s3_keys();
    keys["region_name"] = json!("fra1");
    let StorageConfig::S3(config) = StorageConfig::from_record(&record("digital_ocean", keys)).unwrap() else {
        panic!()
    };
    assert_eq!(config.endpoint_url.as_deref(), Some("https://fra1.digitaloceanspaces.com"));
}

#[test]
fn s3_errors_name_the_key() {
    for missing in ["bucket_name", "access_key", "secret_key"] {
        let mut keys = s3_keys();
        keys.as_object_mut().unwrap().remove(missing);
        assert_eq!(config_error("s3", keys), (missing.to_owned(), "missing".to_owned()));
    }
    let mut keys = s3_keys();
    keys["endpoint_url"] = json!("ftp://host");
    let (field, reason) = config_error("amazon_s3", keys.clone());
    assert_eq!(field, "endpoint_url");
    assert!(reason.contains("scheme `ftp`"), "{reason}");
    keys["endpoint_url"] = json!("not a url");
    assert_eq!(config_error("amazon_s3", keys).0, "endpoint_url");
}

#[test]
fn gcs_credentials_are_a_key_or_a_path() {
    let key = json!({"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----xyz"});
    let config = json!({"bucket_name": "b", "credentials": key, "project": "p"});
    let StorageConfig::Gcs(gcs) = StorageConfig::from_record(&record("gcs", config)).unwrap() else { panic!() };
    assert_eq!((gcs.bucket_name.as_str(), gcs.project.as_deref()), ("b", Some("p")));
    assert!(matches!(&gcs.credentials, GcsCredentials::Key(text) if text.expose().contains("service_account")));
    assert!(!format!("{gcs:?}").contains("PRIVATE KEY"), "{gcs:?}");

    let config = json!({"bucket_name": "b", "credentials": "/etc/gcs/key.json"});
    let StorageConfig::Gcs(gcs) = StorageConfig::from_record(&record("gcp", config)).unwrap() else { panic!() };
    assert!(matches!(&gcs.credentials, GcsCredentials::Path(path) if path == Path::new("/etc/gcs/key.json")));

    let config = json!({"bucket_name": "b", "credentials": "{\"type\": \"service_account\"}"});
    let StorageConfig::Gcs(gcs) = StorageConfig::from_record(&record("gs", config)).unwrap() else { panic!() };
    assert!(matches!(gcs.credentials, GcsCredentials::Key(_)));

    assert_eq!(config_error("gcp", json!({"bucket_name": "b"})), ("credentials".into(), "missing".into()));
    assert_eq!(config_error("gcp", json!({"bucket_name": "b", "credentials": 3})).0, "credentials");
    assert_eq!(config_error("gcp", json!({"credentials": "/k.json"})).0, "bucket_name");
}

#[test]
fn azure_reads_account_key_and_container() {
    let config = json!({"account_name": "acct", "account_key": "a2V5LXNlY3JldA==", "container_name": "media"});
    let StorageConfig::Azure(azure) = StorageConfig::from_record(&record("azure", config.clone())).unwrap() else {
        panic!()
    };
    assert_eq!((azure.account_name.as_str(), azure.container_name.as_str()), ("acct", "media"));
    assert_eq!(azure.account_key.expose(), "a2V5LXNlY3JldA==");
    assert!(!format!("{azure:?}").contains("a2V5"), "{azure:?}");
    for missing in ["account_name", "account_key", "container_name"] {
        let mut keys = config.clone();
        keys.as_object_mut().unwrap().remove(missing);
        assert_eq!(config_error("azure", keys), (missing.to_owned(), "missing".to_owned()));
    }
}

#[test]
fn a_record_shows_no_configuration_value() {
    let record = record("s3", s3_keys());
    let debug = format!("{record:?}");
    assert!(debug.contains("secret_key") && !debug.contains("wJalrXUtnFEMI"), "{debug}");
}

#[test]
fn a_missing_configuration_names_the_first_key() {
    let record: StorageRecord = serde_json::from_value(json!({"provider": "s3"})).unwrap();
    let error = StorageConfig::from_record(&record).unwrap_err();
    assert!(matches!(error, StorageError::Config { ref field, .. } if field == "bucket_name"), "{error}");
}
