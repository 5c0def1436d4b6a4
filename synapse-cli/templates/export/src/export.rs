//! `export`: the exporter's hooks, each with the SDK's default until changed here.

use synapse::export::{ExportDir, ExportItem, ExportParams, ExportResult, Exporter, run_export};
use synapse::prelude::*;

/// The exporter: its hooks run on every item, in order (`before_convert` → `convert_data` →
/// `after_convert` → the item's files saved), then `additional_files` once.
#[derive(Debug, Clone, Default)]
pub struct ItemExporter;

impl Exporter for ItemExporter {
    /// An item's data in the format you export: here each item's annotation data, with its
    /// class names listed beside it.
    fn convert_data(&self, mut item: ExportItem) -> Result<ExportItem> {
        let classes = class_names(&item.data);
        if let Value::Object(data) = &mut item.data {
            data.insert("classes".to_owned(), json!(classes));
        }
        Ok(item)
    }

    /// Files of the whole export: here `export_info.json`, naming the exporter and its version.
    async fn additional_files(&self, dir: &ExportDir) -> Result<()> {
        dir.put_json("export_info.json", &json!({"exporter": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION")}))
            .await?;
        Ok(())
    }
}

/// The class names an item's annotation data uses (`classification` anywhere in it), sorted,
/// each once.
pub fn class_names(data: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![data];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(name)) = map.get("classification") {
                    names.push(name.clone());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Exports ground truth, tasks or assignments through the exporter's hooks (`ItemExporter`).
#[action(name = "export", method = Job, category = Export)]
pub struct Export;

impl Action for Export {
    type Params = ExportParams;
    type Output = ExportResult;

    async fn execute(&self, params: ExportParams, ctx: &Context) -> Result<ExportResult> {
        Ok(run_export(ctx, params, &ItemExporter).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_are_found_anywhere_in_the_data() {
        let data = json!({"images": [{"bounding_box": [{"classification": "car"}, {"classification": "bus"}]},
            {"polygon": [{"classification": "car"}]}]});
        assert_eq!(class_names(&data), ["bus", "car"]);
    }
}
