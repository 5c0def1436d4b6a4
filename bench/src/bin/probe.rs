//! temporary probe
use std::time::Instant;
use synapse::prelude::*;
fn hwm(label: &str, t: Instant) {
    let e = t.elapsed();
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let l: Vec<_> = status.lines().filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS")).collect();
    eprintln!("{label:30} {e:>12?} {}", l.join(" ").split_whitespace().collect::<Vec<_>>().join(" "));
}
fn main() {
    hwm("start", Instant::now());
    let t = Instant::now();
    let r = synapse::registry::registry().map(|r| r.actions().len());
    hwm("registry", t); let _ = r;
    let t = Instant::now();
    let s = synapse::params::schema_of::<synapse_bench::NoopParams>();
    hwm("schemars gen", t);
    let t = Instant::now();
    if std::env::var_os("DRAFT").is_some() {
        let v = jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&s).map(|_| ());
        hwm("first build with_draft", t); let _ = v;
    } else {
        let v = jsonschema::validator_for(&s).map(|_| ());
        hwm("first validator_for", t); let _ = v;
    }
    let t = Instant::now();
    let v = jsonschema::validator_for(&s).map(|_| ());
    hwm("second validator_for", t); let _ = v;
    let t = Instant::now();
    let s = synapse_bench::NoopParams::json_schema();
    hwm("json_schema()", t); let _ = s;
    let t = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    hwm("mt runtime", t);
    let t = Instant::now();
    let out = rt.block_on(LocalExecutor::new().execute("noop", json!({})));
    hwm("noop run", t); let _ = out;
    let t = Instant::now();
    let out = rt.block_on(LocalExecutor::new().execute("noop", json!({})));
    hwm("noop run2", t); let _ = out;
    let t = Instant::now();
    drop(rt);
    hwm("drop", t);
}
