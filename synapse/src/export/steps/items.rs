//! The items of each target, listed page by page as the SDK's target handlers list them
//! (`handlers.py`): the filter turned into the listing's query, each row into an
//! [`ExportItem`]; ground truth by cursor pages of [`GROUND_TRUTH_PAGE_SIZE`] (the SDK's
//! `MAX_EXPORT_PAGE_SIZE`), tasks and assignments by the client's page size, unless
//! `extra_params.export_page_size` (the SDK's knob by that name) says otherwise.

use crate::backend::{BackendClient, BackendError, Split};
use crate::export::{ExportError, ExportItem, ExportTarget};
use futures_util::{Stream, StreamExt};
use serde_json::{Map, Value};

/// The ground-truth listing's page size unless `export_page_size` says otherwise: the most the
/// SDK's export lets a caller ask for (`MAX_EXPORT_PAGE_SIZE`), and the backend's cap.
pub(super) const GROUND_TRUTH_PAGE_SIZE: usize = 1000;

/// The page size `extra_params.export_page_size` asks for (1 to 1000), if it asks.
pub(super) fn page_size(extra: Option<&Map<String, Value>>) -> Option<usize> {
    let size = extra?.get("export_page_size")?.as_u64().filter(|size| *size >= 1)?;
    Some(size.min(GROUND_TRUTH_PAGE_SIZE as u64) as usize)
}

/// Every item `filter` selects for `target`, in the listing's order (ground truth by ascending
/// event id), pages of `page_size` (else each target's default); `on_item` is told the count
/// as items arrive.
pub(super) async fn fetch(
    client: &BackendClient,
    target: ExportTarget,
    filter: &Map<String, Value>,
    page_size: Option<usize>,
    mut on_item: impl FnMut(u64),
) -> Result<Vec<ExportItem>, ExportError> {
    let mut items = Vec::new();
    match target {
        ExportTarget::GroundTruth => {
            let (version, category) = ground_truth_filter(filter)?;
            let found = client.get_ground_truth_dataset_version(version).await;
            found.map_err(|source| backend(format!("ground-truth dataset version {version}"), source))?;
            let what = format!("listing the events of ground-truth dataset version {version}");
            let size = page_size.unwrap_or(GROUND_TRUTH_PAGE_SIZE);
            let stream = client.list_ground_truth_events_by_cursor(version, category, size);
            collect(stream, &what, &mut items, &mut on_item, |event| ExportItem::from_event(&event)).await?;
        }
        ExportTarget::Task => {
            let (project, mut pairs) = project_filter(target, filter)?;
            with_page_size(&mut pairs, page_size);
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            client.get_project(project).await.map_err(|source| backend(format!("project {project}"), source))?;
            let what = format!("listing the tasks of project {project}");
            let stream = client.list_tasks(project, &pairs);
            collect(stream, &what, &mut items, &mut on_item, |task| ExportItem::from_task(&task)).await?;
        }
        ExportTarget::Assignment => {
            let (project, mut pairs) = project_filter(target, filter)?;
            with_page_size(&mut pairs, page_size);
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            client.get_project(project).await.map_err(|source| backend(format!("project {project}"), source))?;
            let what = format!("listing the assignments of project {project}");
            let stream = client.list_assignments(project, &pairs);
            collect(stream, &what, &mut items, &mut on_item, |row| ExportItem::from_assignment(&row)).await?;
        }
    }
    Ok(items)
}

/// `page_size` added to a listing's query pairs, unless the filter gave one.
fn with_page_size(pairs: &mut Vec<(String, String)>, page_size: Option<usize>) {
    if let Some(size) = page_size
        && !pairs.iter().any(|(key, _)| key == "page_size")
    {
        pairs.push(("page_size".to_owned(), size.to_string()));
    }
}

async fn collect<T>(
    stream: impl Stream<Item = Result<T, BackendError>>,
    what: &str,
    items: &mut Vec<ExportItem>,
    on_item: &mut impl FnMut(u64),
    to_item: impl Fn(T) -> ExportItem,
) -> Result<(), ExportError> {
    let mut stream = std::pin::pin!(stream);
    while let Some(row) = stream.next().await {
        let row = row.map_err(|source| backend(what.to_owned(), source))?;
        items.push(to_item(row));
        on_item(items.len() as u64);
    }
    Ok(())
}

/// A backend call that failed, saying what it was for.
fn backend(what: String, source: BackendError) -> ExportError {
    ExportError::Backend { what, source: Box::new(source) }
}

fn wrong(target: ExportTarget, key: &str, reason: impl Into<String>) -> ExportError {
    ExportError::Filter { target, key: key.to_owned(), reason: reason.into() }
}

/// A positive id: a number or a string of digits.
fn id_of(target: ExportTarget, key: &str, value: &Value) -> Result<u64, ExportError> {
    let id = match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    id.filter(|id| *id > 0).ok_or_else(|| wrong(target, key, format!("must be a positive integer (got {value})")))
}

/// The version (`ground_truth_dataset_version`, or the backend's plural spelling) and the
/// category of a ground-truth filter; a key the listing does not read is refused rather than
/// dropped (which would export more than asked: the SDK's allowlist).
fn ground_truth_filter(filter: &Map<String, Value>) -> Result<(u64, Option<Split>), ExportError> {
    let target = ExportTarget::GroundTruth;
    let mut version = None;
    let mut category = None;
    for (key, value) in filter {
        match key.as_str() {
            "ground_truth_dataset_version" | "ground_truth_dataset_versions" => {
                version = Some(id_of(target, key, value)?);
            }
            "category" => {
                let name = value.as_str().unwrap_or_default();
                let split = Split::from_sdk_name(name)
                    .ok_or_else(|| wrong(target, key, format!("must be train, validation or test (got {value})")))?;
                category = Some(split);
            }
            _ => {
                return Err(wrong(
                    target,
                    key,
                    "is not read by the ground-truth listing (it reads `ground_truth_dataset_version` and `category`)",
                ));
            }
        }
    }
    let version = version.ok_or_else(|| wrong(target, "ground_truth_dataset_version", "is required"))?;
    Ok((version, category))
}

/// The project of a task or assignment filter, and its other keys as query pairs (a list
/// repeats its key, as `requests` sends one).
fn project_filter(
    target: ExportTarget,
    filter: &Map<String, Value>,
) -> Result<(u64, Vec<(String, String)>), ExportError> {
    let project = filter.get("project").ok_or_else(|| wrong(target, "project", "is required"))?;
    let project = id_of(target, "project", project)?;
    let mut pairs = Vec::new();
    for (key, value) in filter.iter().filter(|(key, _)| key.as_str() != "project") {
        let values = match value {
            Value::Array(values) => values.iter().collect(),
            Value::Null => Vec::new(),
            value => vec![value],
        };
        for value in values {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                other => {
                    return Err(wrong(target, key, format!("must be a string, a number or a boolean (got {other})")));
                }
            };
            pairs.push((key.clone(), text));
        }
    }
    Ok((project, pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn filters_become_queries_or_name_the_key_they_cannot_take() {
        let (version, category) =
            ground_truth_filter(&map(json!({"ground_truth_dataset_version": "12", "category": "valid"}))).unwrap();
        assert_eq!((version, category), (12, Some(Split::Validation)));
        let error = ground_truth_filter(&map(json!({"ground_truth_dataset_version": 1, "ids": [1]}))).unwrap_err();
        assert!(error.to_string().starts_with("filter `ids` of target `ground_truth` is not read"), "{error}");
        let (project, pairs) =
            project_filter(ExportTarget::Task, &map(json!({"project": 3, "ids": [4, 5], "is_discarded": false})))
                .unwrap();
        assert_eq!(project, 3);
        assert_eq!(
            pairs,
            [("ids", "4"), ("ids", "5"), ("is_discarded", "false")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let error = project_filter(ExportTarget::Assignment, &map(json!({"project": "x"}))).unwrap_err();
        assert_eq!(error.to_string(), "filter `project` of target `assignment` must be a positive integer (got \"x\")");
    }
}
