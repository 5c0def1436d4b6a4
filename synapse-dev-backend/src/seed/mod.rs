//! Seeded data: what `/_dev/seed/*` and fixture files create — ground-truth datasets of
//! synthetic images with their exact boxes, projects whose tasks hold such images (and YOLO
//! labels), and plugin releases.
//!
//! The same request always makes the same images, annotations and labels (byte for byte): every
//! random choice comes from the request's `seed`. Only the ids and media keys differ between two
//! seedings. Each operation answers the truth it wrote, for tests to recompute what a client
//! should find.

mod annotations;
pub(crate) mod picture;
mod project_collection;
pub(crate) mod request;

use crate::drf::ApiError;
use crate::drf::fields;
use crate::drf::filters::invalid;
use crate::routes::App;
use crate::store::ground_truth::{self, CATEGORIES, NewEvent};
use crate::store::{Context, annotation, plugins};
use picture::{Rect, Rng};
pub(crate) use request::{GtDatasetSeed, ProjectSeed, ReleaseSeed};
use serde_json::{Value, json};

/// One generated image: its PNG, its boxes and their annotation ids.
struct Drawn {
    png: Vec<u8>,
    boxes: Vec<Rect>,
    ids: Vec<String>,
}

/// Draws `count` images with `rng`, on a blocking thread.
async fn draw(
    mut rng: Rng,
    count: u64,
    width: u32,
    height: u32,
    classes: usize,
) -> Result<(Rng, Vec<Drawn>), ApiError> {
    tokio::task::spawn_blocking(move || {
        let mut drawn = Vec::new();
        for _ in 0..count {
            let boxes = picture::boxes(&mut rng, width, height, classes);
            let ids = boxes.iter().map(|_| rng.id()).collect();
            let png = picture::png(width, height, &boxes).map_err(ApiError::Internal)?;
            drawn.push(Drawn { png, boxes, ids });
        }
        Ok((rng, drawn))
    })
    .await
    .map_err(|error| ApiError::Internal(format!("drawing seeded images: {error}")))?
}

/// Where a media key is shown: its absolute URL at `origin`, or the key itself without one
/// (fixtures, loaded before any request).
fn shown(origin: Option<&str>, key: &str) -> String {
    origin.map_or_else(|| key.to_owned(), |origin| crate::media::url(origin, key))
}

/// A box as the seed answers it.
fn box_json(owner: (&str, i64), category: Option<&str>, rect: &Rect, classes: &[String]) -> Value {
    let mut shown = json!({
        owner.0: owner.1,
        "class": classes[rect.class],
        "class_index": rect.class,
        "x": rect.x, "y": rect.y, "width": rect.width, "height": rect.height,
    });
    if let (Some(category), Value::Object(object)) = (category, &mut shown) {
        object.insert("category".to_owned(), json!(category));
    }
    shown
}

/// Seeds a ground-truth dataset version: per split (in the order train, validation, test) its
/// images as PNG media, their DM v1 as `data_meta_1` media, and one event each. Answers
/// `{ground_truth_dataset, ground_truth_dataset_version, events, classes, images: [{event,
/// category, url, width, height}], boxes: [{event, category, class, class_index, x, y, width,
/// height}]}`.
pub(crate) async fn gt_dataset(app: &App, seed: GtDatasetSeed, origin: Option<&str>) -> Result<Value, ApiError> {
    let splits: Vec<(&str, u64)> =
        CATEGORIES.iter().filter_map(|category| seed.splits.get(*category).map(|count| (*category, *count))).collect();
    let total = splits.iter().map(|(_, count)| count).sum();
    let (_, drawn) = draw(Rng::new(seed.seed), total, seed.width, seed.height, seed.classes.len()).await?;
    let dataset = seed.ground_truth_dataset;
    let name = seed.name.clone().unwrap_or_else(|| format!("seeded-{}", seed.seed));
    let version =
        app.store.run(move |connection| ground_truth::create_version(connection, dataset, &name)).await?.ok_or_else(
            || invalid("ground_truth_dataset", &fields::pk_does_not_exist(&dataset.unwrap_or(0).to_string())),
        )?;
    let version_id = version["id"].as_i64().unwrap_or(0);
    let categories = splits.iter().flat_map(|(category, count)| (0..*count).map(move |_| *category));
    let mut events = Vec::with_capacity(drawn.len());
    let mut keys = Vec::with_capacity(drawn.len());
    for (index, (image, category)) in drawn.iter().zip(categories).enumerate() {
        let stem = format!("gt/{version_id}/img_{:04}", index + 1);
        let (png, meta) = (format!("{stem}.png"), format!("{stem}.json"));
        let pairs: Vec<(String, &Rect)> = image.ids.iter().cloned().zip(&image.boxes).collect();
        let dm = annotations::dm_v1(&pairs, &seed.classes);
        app.media.write(&png, &image.png).await?;
        app.media.write(&meta, dm.to_string()).await?;
        events.push(NewEvent {
            category: category.to_owned(),
            files: json!({
                "image_1": { "key": png, "file_type": "image", "is_primary": true },
                "data_meta_1": { "key": meta, "file_type": "data", "is_primary": false },
            }),
            data: dm,
        });
        keys.push((png, category));
    }
    let ids = app.store.run(move |connection| ground_truth::insert_events(connection, version_id, &events)).await?;
    let images: Vec<Value> = ids
        .iter()
        .zip(&keys)
        .map(|(id, (key, category))| {
            json!({ "event": id, "category": category, "url": shown(origin, key), "width": seed.width, "height": seed.height })
        })
        .collect();
    let boxes: Vec<Value> = ids
        .iter()
        .zip(&drawn)
        .zip(&keys)
        .flat_map(|((id, image), (_, category))| {
            image
                .boxes
                .iter()
                .map(|rect| box_json(("event", *id), Some(category), rect, &seed.classes))
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(json!({
        "ground_truth_dataset": version["ground_truth_dataset"],
        "ground_truth_dataset_version": version_id,
        "events": ids.len(),
        "classes": seed.classes,
        "images": images,
        "boxes": boxes,
    }))
}

/// Seeds a project: its class schema (`configuration.classification.bounding_box.classification_schema`,
/// `[{code, name}]` in class order), and `tasks` tasks whose data units hold `image_1` (a PNG)
/// and, with `with_labels`, `label_1` (its YOLO `.txt`), except the tasks listed in
/// `without_label`, and a data collection of those specifications ([`project_collection`]). Answers
/// `{project, data_collection, tasks: [ids], classes, images: [{task, url, width,
/// height}], labels: [{task, url}], boxes: [{task, class, class_index, x, y, width, height}]}`.
pub(crate) async fn project(app: &App, seed: ProjectSeed, origin: Option<&str>) -> Result<Value, ApiError> {
    let (_, drawn) = draw(Rng::new(seed.seed), seed.tasks, seed.width, seed.height, seed.classes.len()).await?;
    let schema: Vec<Value> = seed.classes.iter().map(|class| json!({ "code": class, "name": class })).collect();
    let configuration = json!({ "classification": { "bounding_box": { "classification_schema": schema } } });
    let title = seed.title.clone().unwrap_or_else(|| format!("seeded-{}", seed.seed));
    let collection_name = title.clone();
    let project =
        app.store.run(move |connection| annotation::create_project(connection, &title, &configuration)).await?;
    let collection = project_collection::create(app, project, collection_name, seed.with_labels).await?;
    let mut units = Vec::with_capacity(drawn.len());
    for (index, image) in drawn.iter().enumerate() {
        let name = format!("task_{:04}", index + 1);
        let png = format!("projects/{project}/{name}.png");
        app.media.write(&png, &image.png).await?;
        let mut files = json!({
            "image_1": { "key": png, "file_type": "image", "is_primary": true, "file_name_original": format!("{name}.png") },
        });
        let mut label = None;
        if seed.with_labels && !seed.without_label.contains(&(index as u64)) {
            let key = format!("projects/{project}/{name}.txt");
            app.media.write(&key, annotations::yolo(&image.boxes, seed.width, seed.height)).await?;
            files["label_1"] = json!({ "key": key, "file_type": "text", "is_primary": false, "file_name_original": format!("{name}.txt") });
            label = Some(key);
        }
        units.push((files, png, label));
    }
    let rows: Vec<Value> = units.iter().map(|(files, _, _)| files.clone()).collect();
    let ids = app
        .store
        .run(move |connection| {
            let transaction = connection.transaction().what("seeding tasks")?;
            let ids = rows
                .iter()
                .map(|files| annotation::create_task(&transaction, project, files, &json!({})))
                .collect::<Result<Vec<_>, _>>()?;
            transaction.commit().what("seeding tasks")?;
            Ok(ids)
        })
        .await?;
    let image = |(id, (_, png, _)): (&i64, &(Value, String, Option<String>))| json!({ "task": id, "url": shown(origin, png), "width": seed.width, "height": seed.height });
    let images: Vec<Value> = ids.iter().zip(&units).map(image).collect();
    let labels: Vec<Value> = ids
        .iter()
        .zip(&units)
        .filter_map(|(id, (_, _, label))| label.as_ref().map(|key| json!({ "task": id, "url": shown(origin, key) })))
        .collect();
    let boxes: Vec<Value> = ids
        .iter()
        .zip(&drawn)
        .flat_map(|(id, image)| {
            image.boxes.iter().map(|rect| box_json(("task", *id), None, rect, &seed.classes)).collect::<Vec<_>>()
        })
        .collect();
    Ok(
        json!({ "project": project, "data_collection": collection, "tasks": ids, "classes": seed.classes, "images": images, "labels": labels, "boxes": boxes }),
    )
}

/// Creates a plugin release (and its plugin when new): the release, its plugin expanded; 400 on
/// `version` when the plugin has that release already.
pub(crate) async fn release(app: &App, seed: ReleaseSeed) -> Result<Value, ApiError> {
    app.store
        .run(move |connection| {
            let name = seed.name.clone().unwrap_or_else(|| seed.code.clone());
            let config = seed.config.clone().unwrap_or_else(|| json!({ "code": seed.code }));
            let requirements = json!(seed.requirements.clone().unwrap_or_default());
            let Some(id) = plugins::create_release(
                connection,
                &seed.code,
                &name,
                &seed.version,
                &config,
                &requirements,
                seed.debug,
            )?
            else {
                let message = format!("Plugin `{}` has release `{}` already.", seed.code, seed.version);
                return Ok(Err(invalid("version", &message)));
            };
            Ok(plugins::release(connection, id, true)?.ok_or(ApiError::NotFound))
        })
        .await?
}
