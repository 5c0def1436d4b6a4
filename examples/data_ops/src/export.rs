//! The export action: ground truth, tasks or assignments exported to COCO
//! (`synapse::export` with [`CocoExporter`]): each item's DM JSON converted to DM v2 and saved
//! in `labels/`, its image in `origin_files/`, and one COCO instances file of every item,
//! `annotations.json`, written through `synapse::formats`' COCO writer.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use synapse::export::{
    ExportDir, ExportItem, ExportParams, ExportResult, Exporter, FileOutcome, ItemOutput, fetch_original, run_export,
    save_json, save_original,
};
use synapse::formats::coco::{self, CocoInfo};
use synapse::formats::{BoxAnnotation, ConvertOptions, Dataset, ImageEntry, image_size};
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
#[derive(Debug, Default)]
pub struct CocoExporter {
    /// Image sizes and file names, by item id, read when the originals are saved.
    sizes: Mutex<BTreeMap<u64, (String, u32, u32)>>,
    /// The items saved, by id (the listings are by ascending id).
    seen: Mutex<BTreeMap<u64, Seen>>,
}

impl CocoExporter {
    /// The size and saved name of the item's image: read when its original was saved, else
    /// downloaded now.
    async fn size_of(&self, item: &ExportItem, out: ItemOutput<'_>) -> Result<(String, u32, u32), String> {
        if let Some(known) = self.sizes.lock().unwrap_or_else(PoisonError::into_inner).get(&item.id) {
            return Ok(known.clone());
        }
        let path = fetch_original(item, out).await?;
        let (width, height) = image_size(&path).map_err(|error| error.to_string())?;
        let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        Ok((name, width, height))
    }
}

impl Exporter for CocoExporter {
    /// The item's DM (v1 as the backend keeps it) as canonical DM v2.
    fn convert_data(&self, mut item: ExportItem) -> Result<ExportItem> {
        let document = item.dm_v2().map_err(|reason| Error::msg(format!("its annotations are not DM: {reason}")))?;
        item.data = serde_json::to_value(document)?;
        Ok(item)
    }

    async fn save_original_file(&self, item: &ExportItem, out: ItemOutput<'_>) -> FileOutcome {
        if let Ok(path) = fetch_original(item, out).await
            && let Ok((width, height)) = image_size(&path)
        {
            let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
            self.sizes.lock().unwrap_or_else(PoisonError::into_inner).insert(item.id, (name, width, height));
        }
        save_original(item, out).await
    }

    async fn save_as_json(&self, item: &ExportItem, out: ItemOutput<'_>) -> FileOutcome {
        let (file_name, width, height) = match self.size_of(item, out).await {
            Ok(size) => size,
            Err(reason) => {
                return FileOutcome::failed(
                    format!("{}.json", out.stem),
                    format!("the image's size is unknown: {reason}"),
                );
            }
        };
        let boxes = match item.dm_v2() {
            Ok(document) => document
                .images
                .first()
                .map(|image| {
                    image
                        .bounding_box
                        .iter()
                        .map(|b| BoxAnnotation { id: b.id.clone(), class: b.classification.clone(), bbox: b.data })
                        .collect()
                })
                .unwrap_or_default(),
            Err(reason) => return FileOutcome::failed(format!("{}.json", out.stem), reason),
        };
        let saved = save_json(item, out).await;
        if saved.is_saved() {
            let seen = Seen { file_name, width, height, boxes };
            self.seen.lock().unwrap_or_else(PoisonError::into_inner).insert(item.id, seen);
        }
        saved
    }

    async fn additional_files(&self, dir: &ExportDir) -> Result<()> {
        let images = {
            let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            seen.values()
                .map(|seen| ImageEntry {
                    file_name: seen.file_name.clone(),
                    width: seen.width,
                    height: seen.height,
                    split: None,
                    boxes: seen.boxes.clone(),
                    source: None,
                })
                .collect()
        };
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
