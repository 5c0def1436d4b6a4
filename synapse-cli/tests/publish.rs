//! `synapse publish`: a plugin made with `synapse new`, packaged as job mode ships it and
//! registered on a dev backend; and what it refuses: a stale `config.yaml`, a build that fails,
//! no backend, and a release the backend rejects (its message shown).

mod common;

use common::{stderr, stdout, synapse, synapse_with, target_dir};
use serde_json::Value;
use std::path::Path;
use synapse::executor::ray::PluginPackage;
use synapse_dev_backend::DevBackend;

const TOKEN: &str = "publish-test-token";

/// `synapse publish --profile dev` of `dir` (a debug build: quicker, and what the tests share),
/// with `extra` arguments and the backend at `host`, if any.
fn publish(dir: &Path, extra: &[&str], host: Option<&str>) -> std::process::Output {
    let mut args = vec!["publish", "--profile", "dev", "--path"];
    let path = dir.to_str().expect("a UTF-8 path");
    args.push(path);
    args.extend_from_slice(extra);
    match host {
        Some(host) => synapse_with(dir, &args, &[("SYNAPSE_HOST", host), ("SYNAPSE_ACCESS_TOKEN", TOKEN)]),
        None => synapse(dir, &args),
    }
}

#[test]
fn a_plugin_is_published_once_with_the_package_job_mode_ships() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let created = synapse(root.path(), &["new", "my-plugin", "--category", "custom"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let dir = root.path().join("my-plugin");

    // A dry run: the files and their sizes, nothing sent (no backend is needed).
    let dry = publish(&dir, &["--dry-run"], None);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let said = stderr(&dry);
    assert!(said.contains("my-plugin 0.1.0: _ray_pkg_"), "{said}");
    for file in ["config.yaml", "my-plugin (executable)", "schemas/main.params.json", "README.md"] {
        assert!(said.lines().any(|line| line.ends_with(file)), "`{file}` listed:\n{said}");
    }
    for ignored in ["src/lib.rs", "src/main.rs", "Cargo.toml", "Cargo.lock", "tests/actions.rs", ".cargo/config.toml"] {
        assert!(!said.lines().any(|line| line.ends_with(&format!("  {ignored}"))), "`{ignored}` not shipped:\n{said}");
    }
    assert!(said.contains("dry run: nothing published"), "{said}");

    // No backend: said, with how to set one.
    let nowhere = publish(&dir, &[], None);
    assert!(!nowhere.status.success());
    assert!(
        stderr(&nowhere).contains("error: the backend is missing: set SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN"),
        "{}",
        stderr(&nowhere)
    );
    assert!(!stderr(&nowhere).contains("building"), "said before any build: {}", stderr(&nowhere));

    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let backend =
        runtime.block_on(DevBackend::builder().in_memory().token(TOKEN).start()).expect("the dev backend starts");
    let host = backend.url().to_owned();
    let published = publish(&dir, &[], Some(&host));
    assert!(published.status.success(), "{}", stderr(&published));
    let id: u64 = stdout(&published).trim().parse().expect("the release's id on stdout");
    assert!(
        stderr(&published).contains(&format!("published my-plugin 0.1.0 as plugin release {id} on {host}")),
        "{}",
        stderr(&published)
    );

    // What the backend keeps: the config.yaml as JSON, and the very package job mode ships.
    let http = reqwest::Client::new();
    let get = |url: String| {
        let request = http.get(url).header("Synapse-Access-Token", TOKEN);
        runtime.block_on(async move { request.send().await.expect("answered").bytes().await.expect("a body") })
    };
    let release: Value =
        serde_json::from_slice(&get(format!("{host}plugin_releases/{id}/?expand=plugin"))).expect("JSON");
    let config: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("config.yaml")).expect("config.yaml")).expect("YAML");
    assert_eq!(release["config"], config);
    assert_eq!((&release["plugin"]["code"], &release["version"]), (&Value::from("my-plugin"), &Value::from("0.1.0")));
    let binary = target_dir().join("debug/my-plugin");
    let package = PluginPackage::builder().binary(&binary).plugin_dir(&dir).no_cache().build().expect("packaged");
    let file = release["file"].as_str().expect("the package's URL");
    assert!(file.ends_with(package.name()), "{file}");
    assert_eq!(get(file.to_owned()).as_ref(), package.read_zip().expect("the zip").as_slice());

    // The same version again: the backend's refusal, as it words it.
    let again = publish(&dir, &[], Some(&host));
    assert!(!again.status.success());
    let said = stderr(&again);
    assert!(said.contains(&format!("error: publishing my-plugin 0.1.0 to {host}")), "{said}");
    assert!(said.contains("The fields plugin, version must make a unique set."), "{said}");
    assert!(said.contains("raise `version` in Cargo.toml"), "{said}");
    runtime.block_on(backend.shutdown()).expect("the dev backend stops");

    // config.yaml edited by hand: refused, and how to write it anew is said.
    let yaml = std::fs::read_to_string(dir.join("config.yaml")).expect("config.yaml");
    let edited = yaml.replace("version: \"0.1.0\"", "version: \"0.1.1\"");
    assert_ne!(edited, yaml, "the version line of:\n{yaml}");
    std::fs::write(dir.join("config.yaml"), edited).expect("edited");
    let stale = publish(&dir, &["--dry-run"], None);
    assert!(!stale.status.success());
    let said = stderr(&stale);
    assert!(
        said.contains("config.yaml does not match the plugin's code")
            && said.contains("its name, version and description from Cargo.toml")
            && said.contains("cargo run -- config --write"),
        "{said}"
    );

    // A build that fails: cargo's diagnostics, then which command failed where.
    std::fs::write(dir.join("src/lib.rs"), "this is not Rust").expect("broken");
    let broken = publish(&dir, &["--dry-run"], None);
    assert!(!broken.status.success());
    let said = stderr(&broken);
    assert!(said.contains("error: expected one of"), "{said}");
    assert!(
        said.contains(&format!(
            "error: `cargo build --profile dev` in {} failed",
            std::fs::canonicalize(&dir).expect("the dir").display()
        )),
        "{said}"
    );

    // Not a plugin crate at all.
    let empty = publish(root.path(), &["--dry-run"], None);
    assert!(stderr(&empty).contains("is not a plugin crate: it has no Cargo.toml"), "{}", stderr(&empty));
}
