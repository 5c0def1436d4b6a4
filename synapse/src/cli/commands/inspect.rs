//! The commands that describe the plugin without running it: `list`, `schema`, `config`.

use super::{FAILED, OK, USAGE, load_registry};
use crate::cli::{ConfigArgs, ListArgs, SchemaArgs};
use crate::config::ConfigFiles;
use crate::registry::BinaryInfo;
use serde_json::Value;
use std::path::PathBuf;

pub(in crate::cli) fn list(args: ListArgs) -> u8 {
    let registry = match load_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    let plugin = registry.plugin();
    if args.json {
        let actions: Vec<Value> = registry
            .actions()
            .map(|action| {
                let meta = action.meta();
                serde_json::json!({
                    "name": meta.name,
                    "description": meta.description,
                    "category": registry.category_of(action),
                    "method": meta.method,
                    "input_type": meta.input_type.map(|t| t.name),
                    "output_type": meta.output_type.map(|t| t.name),
                    "entrypoint": meta.entrypoint,
                    "typed_result": action.result_schema().is_some(),
                    "steps": meta.steps.unwrap_or_default(),
                })
            })
            .collect();
        let listing = serde_json::json!({
            "plugin": { "name": plugin.name, "code": plugin.code, "version": plugin.version, "category": plugin.category },
            "actions": actions,
            "pipelines": registry.pipelines().map(|p| serde_json::json!({
                "name": p.name,
                "description": p.description,
                "actions": p.action_names(),
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&listing).unwrap_or_default());
        return OK;
    }
    println!("{} {} — {} ({})", plugin.code, plugin.version, plugin.name, plugin.category);
    let width = registry.names().iter().map(|n| n.len()).max().unwrap_or(0);
    for action in registry.actions() {
        let meta = action.meta();
        let types = match (meta.input_type, meta.output_type) {
            (None, None) => String::new(),
            (input, output) => format!("  [{} → {}]", input.map_or("-", |t| t.name), output.map_or("-", |t| t.name)),
        };
        println!(
            "  {:width$}  {:<15}  {:<7}  {}{types}",
            meta.name,
            registry.category_of(action).as_str(),
            meta.method.as_str(),
            meta.description
        );
        if let Some(steps) = meta.steps {
            let plan: Vec<String> = steps.iter().map(|s| format!("{} {:.0}%", s.name, s.weight * 100.0)).collect();
            println!("  {:width$}  steps: {}", "", plan.join(" → "));
        }
    }
    if registry.pipelines().len() > 0 {
        println!("pipelines:");
        for pipeline in registry.pipelines() {
            println!("  {}  {}  {}", pipeline.name, pipeline.action_names().join(" → "), pipeline.description);
        }
    }
    OK
}

pub(in crate::cli) fn schema(args: SchemaArgs) -> u8 {
    if args.events {
        println!("{}", serde_json::to_string_pretty(&crate::events::event_schema()).unwrap_or_default());
        return OK;
    }
    let registry = match load_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    let name = args.action.unwrap_or_default();
    // A pipeline's schema is that of the params its runs start with.
    if let Some(pipeline) = registry.pipeline(&name).filter(|_| !args.result && !args.plan)
        && registry.action(&name).is_none()
    {
        println!("{}", serde_json::to_string_pretty(pipeline.params_schema()).unwrap_or_default());
        return OK;
    }
    let action = match crate::executor::lookup(registry, &name) {
        Ok(action) => action,
        Err(error) => {
            eprintln!("error: {error}");
            return USAGE;
        }
    };
    if args.plan {
        let Some(steps) = action.meta().steps else {
            eprintln!("error: action `{}` does not run a step workflow; it has no plan", action.name());
            return USAGE;
        };
        println!("{}", serde_json::to_string_pretty(steps).unwrap_or_default());
        return OK;
    }
    let schema = if args.result {
        match action.result_schema() {
            Some(schema) => schema,
            None => {
                eprintln!(
                    "error: action `{}` has an untyped result (it returns serde_json::Value); it publishes no result schema",
                    action.name()
                );
                return USAGE;
            }
        }
    } else {
        action.params_schema()
    };
    println!("{}", serde_json::to_string_pretty(schema).unwrap_or_default());
    OK
}

pub(in crate::cli) fn config(args: ConfigArgs, info: BinaryInfo) -> u8 {
    let registry = match load_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    // A default the schema refuses would be published as the form's default: refuse it here.
    let broken: Vec<_> =
        registry.actions().filter_map(|action| crate::registry::check_defaults(action).err()).collect();
    if !broken.is_empty() {
        for error in &broken {
            eprintln!("error: {error}");
        }
        return FAILED;
    }
    let files = ConfigFiles::generate(registry);
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(info.manifest_dir));
    if args.check {
        let stale = files.check(&dir);
        if stale.is_empty() {
            eprintln!("config.yaml and {} schema files in {} are up to date", files.files.len() - 1, dir.display());
            return OK;
        }
        for file in &stale {
            eprintln!("{file}");
        }
        let missing = stale.iter().filter(|file| file.missing).count();
        let what = match (missing, stale.len() - missing) {
            (0, differ) => format!("{differ} generated file(s) in {} are stale", dir.display()),
            (missing, 0) => format!("{missing} generated file(s) are missing from {}", dir.display()),
            (missing, differ) => {
                format!("{missing} generated file(s) are missing from {} and {differ} are stale", dir.display())
            }
        };
        eprintln!("error: {what}; run `{} config --write` and commit the result", registry.plugin().code);
        return FAILED;
    }
    if args.write {
        return match files.write(&dir) {
            Ok(changed) if changed.is_empty() => {
                eprintln!("{} is up to date", dir.display());
                OK
            }
            Ok(changed) => {
                for path in changed {
                    eprintln!("wrote {}", dir.join(path).display());
                }
                OK
            }
            Err(error) => {
                eprintln!("error: cannot write into {}: {error}", dir.display());
                FAILED
            }
        };
    }
    print!("{}", files.yaml());
    OK
}
