//! The export action: ground truth, tasks or assignments exported to COCO
//! (`synapse::export` with [`CocoExporter`]): each item's DM JSON converted to DM v2 and saved
//! in `labels/`, its image in `origin_files/`, and one COCO instances file of every item,
//! `annotations.json`, written through `synapse::formats`' COCO writer.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use synapse::export::{
    ExportDir, ExportItem, ExportParams, ExportResult, Exporter, FileOutcome, ItemOutput, fetch_original, run_export,
    save_json,
};
use synapse::formats::coco::{self, CocoInfo};
use synapse::formats::dm::v2::DmV2Document;
use synapse::formats::{BoxAnnotation, ConvertOptions, Dataset, ImageEntry};
use synapse::prelude::*;

/// The COCO file written at the export directory's root.
pub const COCO_FILE: &str = "annotations.json";

/// An image of the export as COCO will list it: its file name, size and boxes.
#[derive(Debug, Clone)]
struct Seen {
    file_name: String,
    width: u32,
    height: u32,
    boxes: Vec<BoxAnnotation>,
}

/// Exports to COCO: every item's boxes, with its image's size read from the image's header, in
/// one `annotations.json` (images and annotations numbered from 1 in item order, categories
/// 1..n over the sorted class names, `area = w·h`). An item whose image cannot be had is
/// recorded as failed (its original file and its data): COCO cannot list an image without its
/// size.
///
/// What it gathers lives for the run, behind locks: the run works on one clone of the
/// exporter (a clone copies what the original had gathered; `CocoExporter::default()` has
/// nothing).
#[derive(Debug, Default)]
pub struct CocoExporter {
    /// Each converted item's boxes, by item id, kept at conversion for its COCO entry.
    boxes: Mutex<BTreeMap<u64, Vec<BoxAnnotation>>>,
    /// The items saved, by id (the listings are by ascending id).
    seen: Mutex<BTreeMap<u64, Seen>>,
}

impl Clone for CocoExporter {
    fn clone(&self) -> Self {
        CocoExporter { boxes: Mutex::new(lock(&self.boxes).clone()), seen: Mutex::new(lock(&self.seen).clone()) }
    }
}

/// The lock of `mutex`, also after a panic elsewhere (the maps stay whole: each change is one
/// insert).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The boxes of a DM v2 document's first image.
fn boxes_of(document: &DmV2Document) -> Vec<BoxAnnotation> {
    let Some(image) = document.images.first() else { return Vec::new() };
    image
        .bounding_box
        .iter()
        .map(|b| BoxAnnotation { id: b.id.clone(), class: b.classification.clone(), bbox: b.data })
        .collect()
}

impl Exporter for CocoExporter {
    /// The item's DM (v1 as the backend keeps it) as canonical DM v2; its boxes kept for COCO.
    fn convert_data(&self, mut item: ExportItem) -> Result<ExportItem> {
        let document = item.dm_v2().map_err(|reason| Error::msg(format!("its annotations are not DM: {reason}")))?;
        let boxes = boxes_of(&document);
        item.data = serde_json::to_value(document)?;
        lock(&self.boxes).insert(item.id, boxes);
        Ok(item)
    }

    async fn save_as_json(&self, item: &ExportItem, out: ItemOutput<'_>) -> FileOutcome {
        let json_name = format!("{}.json", out.stem);
        let unknown =
            |reason: String| FileOutcome::failed(&json_name, format!("the image's size is unknown: {reason}"));
        // Fetched once per item: the original's save already did, unless originals are not saved.
        let original = match fetch_original(item, out).await {
            Ok(original) => original,
            Err(reason) => return unknown(reason),
        };
        let (width, height) = match original.image_size() {
            Ok(size) => size,
            Err(reason) => return unknown(reason),
        };
        let known = lock(&self.boxes).remove(&item.id);
        let boxes = match known {
            Some(boxes) => boxes,
            None => match item.dm_v2() {
                Ok(document) => boxes_of(&document),
                Err(reason) => return FileOutcome::failed(json_name, reason),
            },
        };
        let saved = save_json(item, out).await;
        if saved.is_saved() {
            let seen = Seen { file_name: original.name.clone(), width, height, boxes };
            lock(&self.seen).insert(item.id, seen);
        }
        saved
    }

    async fn additional_files(&self, dir: &ExportDir) -> Result<()> {
        let images = lock(&self.seen)
            .values()
            .map(|seen| ImageEntry {
                file_name: seen.file_name.clone(),
                width: seen.width,
                height: seen.height,
                split: None,
                boxes: seen.boxes.clone(),
                source: None,
            })
            .collect();
        // Boxes are clipped to their image, as every COCO conversion does.
        let (files, _) = coco::from_dataset(&Dataset { images }, &ConvertOptions::default(), &CocoInfo::now());
        let instances = files.into_iter().next().map(|(_, instances)| instances);
        let instances = instances.unwrap_or_else(|| coco::CocoInstances {
            info: CocoInfo::now(),
            licenses: Vec::new(),
            images: Vec::new(),
            annotations: Vec::new(),
            categories: Vec::new(),
        });
        dir.put_json(COCO_FILE, &instances).await?;
        Ok(())
    }
}

/// Exports ground truth, tasks or assignments to COCO.
#[action(name = "export_coco", category = Export, method = Job)]
pub struct ExportCoco;

impl Action for ExportCoco {
    type Params = ExportParams;
    type Output = ExportResult;

    async fn execute(&self, params: ExportParams, ctx: &Context) -> Result<ExportResult> {
        Ok(run_export(ctx, params, &CocoExporter::default()).await?)
    }
}
