//! `synapse::formats` on disk: DM v2 dataset directories converted through the registry to
//! YOLO, COCO and Pascal VOC and back, and the bad inputs each names (missing and corrupt images,
//! invalid JSON and XML, unknown YOLO class ids and COCO categories, unregistered pairs).

use std::path::Path;
use synapse::formats::{self, ConvertOptions, FormatError, converter_for, dm, yolo};

fn png(path: &Path, width: u32, height: u32) {
    image::RgbImage::new(width, height).save(path).unwrap();
}

/// `root/<split>/json/<stem>.json` and `root/<split>/original_files/<stem>.png`.
fn dm_item(root: &Path, split: &str, stem: &str, size: (u32, u32), boxes: &str) {
    let dir = root.join(split);
    std::fs::create_dir_all(dir.join("json")).unwrap();
    std::fs::create_dir_all(dir.join("original_files")).unwrap();
    png(&dir.join("original_files").join(format!("{stem}.png")), size.0, size.1);
    let document = format!(r#"{{"classification": {{}}, "images": [{{"bounding_box": [{boxes}]}}]}}"#);
    std::fs::write(dir.join("json").join(format!("{stem}.json")), document).unwrap();
}

fn dm_dataset(root: &Path) {
    let car = r#"{"id": "c1", "classification": "car", "attrs": [], "data": [10, 12, 20, 8]}"#;
    let person = r#"{"classification": "person", "x": 40, "y": 5, "width": 6, "height": 15}"#;
    let outside = r#"{"id": "o1", "classification": "car", "data": [-5, 50, 20, 20]}"#;
    let gone = r#"{"id": "g1", "classification": "car", "data": [100, 100, 5, 5]}"#;
    dm_item(root, "train", "a", (64, 48), &format!("{car}, {person}"));
    dm_item(root, "train", "b", (64, 64), &format!("{outside}, {gone}"));
    dm_item(root, "valid", "c", (32, 32), car);
    dm_item(root, "test", "d", (64, 48), "");
}

#[test]
fn dm_v2_directory_to_yolo_with_splits_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let (source, out, back) = (dir.path().join("dm"), dir.path().join("yolo"), dir.path().join("back"));
    dm_dataset(&source);
    let report = converter_for("dm_v2", "yolo").unwrap().convert(&source, &out, &ConvertOptions::default()).unwrap();
    assert_eq!((report.images, report.boxes_written, report.boxes_clipped, report.degenerate_dropped), (4, 4, 1, 1));
    assert_eq!(report.skipped[0].id.as_deref(), Some("g1"));

    let yaml = std::fs::read_to_string(out.join("dataset.yaml")).unwrap();
    let root = std::path::absolute(&out).unwrap();
    assert_eq!(
        yaml,
        format!(
            "path: {}\ntrain: images/train\nval: images/val\ntest: images/test\nnames:\n  0: car\n  1: person\n",
            root.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(out.join("labels/train/a.txt")).unwrap(),
        "0 0.312500 0.333333 0.312500 0.166667\n1 0.671875 0.260417 0.093750 0.312500\n"
    );
    // `b`'s box at x = -5 is clipped to [0, 50, 15, 14]: center (7.5, 57), size 15×14 of 64×64.
    assert_eq!(
        std::fs::read_to_string(out.join("labels/train/b.txt")).unwrap(),
        "0 0.117188 0.890625 0.234375 0.218750\n"
    );
    assert!(out.join("images/val/c.png").is_file() && out.join("labels/val/c.txt").is_file());
    assert!(out.join("images/test/d.png").is_file() && !out.join("labels/test/d.txt").exists());
    assert_eq!(std::fs::read_to_string(out.join("classes.txt")).unwrap(), "car\nperson\n");

    // Back to DM v2: the same images in their splits, the boxes within rounding.
    let report = converter_for("yolo", "dm_v2").unwrap().convert(&out, &back, &ConvertOptions::default()).unwrap();
    assert_eq!((report.images, report.boxes_written), (4, 4));
    let original = dm::read_dir(&source).unwrap();
    let reread = dm::read_dir(&back).unwrap();
    let names = |d: &formats::Dataset| {
        d.images.iter().map(|i| (i.split, i.file_name.clone(), i.width, i.height)).collect::<Vec<_>>()
    };
    assert_eq!(names(&original), names(&reread));
    let a = &reread.images[0].boxes;
    assert_eq!(a[0].class, "car");
    for (p, q) in a[0].bbox.iter().zip([10.0, 12.0, 20.0, 8.0]) {
        assert!((p - q).abs() < 1e-4, "{:?}", a[0].bbox);
    }
    // Canonical DM v2: every box with an id and data.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(back.join("train/json/a.json")).unwrap()).unwrap();
    let first = &written["images"][0]["bounding_box"][0];
    assert!(first["id"].is_string() && first["data"].is_array() && first.get("x").is_none());
}

#[test]
fn dm_v2_directory_without_splits_to_yolo() {
    let dir = tempfile::tempdir().unwrap();
    let (source, out) = (dir.path().join("dm"), dir.path().join("yolo"));
    dm_item(&source, "", "a", (64, 48), r#"{"id": "c1", "classification": "car", "data": [10, 12, 20, 8]}"#);
    converter_for("dm_v2", "yolo").unwrap().convert(&source, &out, &ConvertOptions::default()).unwrap();
    assert!(std::fs::read_to_string(out.join("dataset.yaml")).unwrap().contains("\ntrain: images\nval: images\n"));
    assert!(out.join("images/a.png").is_file() && out.join("labels/a.txt").is_file());
    let back = yolo::read_dir(&out.join("dataset.yaml")).unwrap();
    assert_eq!(back.images[0].split, None);
    assert_eq!(back.names, ["car"]);
}

#[test]
fn dm_v2_directory_to_coco_and_voc_and_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("dm");
    dm_dataset(&source);
    let original = dm::read_dir(&source).unwrap();
    let clipped = |d: &formats::Dataset| {
        d.images
            .iter()
            .map(|i| {
                let boxes: Vec<_> = i
                    .boxes
                    .iter()
                    .filter_map(|b| {
                        formats::clip_box(b.bbox, i.width, i.height).map(|(bbox, _)| (b.class.clone(), bbox))
                    })
                    .collect();
                (i.split, i.file_name.clone(), i.width, i.height, boxes)
            })
            .collect::<Vec<_>>()
    };
    for target in ["coco", "pascal"] {
        let (out, back) = (dir.path().join(target), dir.path().join(format!("{target}_back")));
        let report =
            converter_for("dm_v2", target).unwrap().convert(&source, &out, &ConvertOptions::default()).unwrap();
        assert_eq!((report.boxes_written, report.degenerate_dropped), (4, 1), "{target}");
        converter_for(target, "dm_v2").unwrap().convert(&out, &back, &ConvertOptions::default()).unwrap();
        assert_eq!(clipped(&dm::read_dir(&back).unwrap()), clipped(&original), "{target}");
    }
    let coco = dir.path().join("coco");
    for split in ["train", "val", "test"] {
        assert!(coco.join(format!("annotations/instances_{split}.json")).is_file());
    }
    assert!(coco.join("train/a.png").is_file());
    let voc = dir.path().join("pascal");
    assert!(voc.join("Annotations/a.xml").is_file() && voc.join("JPEGImages/a.png").is_file());
    assert_eq!(std::fs::read_to_string(voc.join("ImageSets/Main/train.txt")).unwrap(), "a\nb\n");
}

#[test]
fn missing_image_is_an_error_naming_the_annotation() {
    let dir = tempfile::tempdir().unwrap();
    dm_dataset(dir.path());
    std::fs::remove_file(dir.path().join("valid/original_files/c.png")).unwrap();
    let error = dm::read_dir(dir.path()).unwrap_err();
    assert!(matches!(&error, FormatError::MissingImage { stem, .. } if stem == "c"), "{error:?}");
    assert!(error.to_string().ends_with(&format!(
        "valid/json/c.json: no image named c.* in {}",
        dir.path().join("valid/original_files").display()
    )));
}

#[test]
fn corrupt_image_is_an_error_naming_the_image() {
    let dir = tempfile::tempdir().unwrap();
    dm_dataset(dir.path());
    let image = dir.path().join("train/original_files/b.png");
    std::fs::write(&image, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let error = dm::read_dir(dir.path()).unwrap_err();
    assert!(matches!(&error, FormatError::Image { path, .. } if *path == image), "{error:?}");
    assert!(error.to_string().starts_with(&format!("{}: cannot read the image's size", image.display())));
}

#[test]
fn invalid_dm_json_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    dm_dataset(dir.path());
    let file = dir.path().join("train/json/a.json");
    std::fs::write(&file, r#"{"images": [{"bounding_box": [{"classification": "car"}"#).unwrap();
    let error = dm::read_dir(dir.path()).unwrap_err();
    assert!(matches!(&error, FormatError::Json { path, format: "DM v2", .. } if *path == file), "{error:?}");
}

#[test]
fn unknown_yolo_class_id_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let (source, out) = (dir.path().join("dm"), dir.path().join("yolo"));
    dm_dataset(&source);
    converter_for("dm_v2", "yolo").unwrap().convert(&source, &out, &ConvertOptions::default()).unwrap();
    let label = out.join("labels/val/c.txt");
    std::fs::write(&label, "0 0.5 0.5 0.1 0.1\n7 0.5 0.5 0.1 0.1\n").unwrap();
    let error = yolo::read_dir(&out.join("dataset.yaml")).unwrap_err();
    assert!(
        matches!(&error, FormatError::UnknownClassId { path, line: 2, id: 7, count: 2 } if *path == label),
        "{error:?}"
    );
    std::fs::write(out.join("dataset.yaml"), "names: [car\n").unwrap();
    let error = yolo::read_dir(&out.join("dataset.yaml")).unwrap_err();
    assert!(matches!(&error, FormatError::Line { path, .. } if path.ends_with("dataset.yaml")), "{error:?}");
}

#[test]
fn coco_bad_inputs_name_the_file_and_annotation() {
    let dir = tempfile::tempdir().unwrap();
    let (source, out) = (dir.path().join("dm"), dir.path().join("coco"));
    dm_dataset(&source);
    converter_for("dm_v2", "coco").unwrap().convert(&source, &out, &ConvertOptions::default()).unwrap();
    let file = out.join("annotations/instances_val.json");
    let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    json["annotations"][0]["category_id"] = 9.into();
    std::fs::write(&file, json.to_string()).unwrap();
    let error = formats::coco::read_dir(&out).unwrap_err();
    assert!(
        matches!(&error, FormatError::UnknownCategory { annotation: 1, category: 9, path } if *path == file),
        "{error:?}"
    );
    json["annotations"][0]["category_id"] = 1.into();
    json["annotations"][0]["image_id"] = 5.into();
    std::fs::write(&file, json.to_string()).unwrap();
    assert!(matches!(formats::coco::read_dir(&out).unwrap_err(), FormatError::UnknownImageId { image: 5, .. }));
    std::fs::write(&file, "{\"images\": 3}").unwrap();
    let error = formats::coco::read_dir(&out).unwrap_err();
    assert!(matches!(&error, FormatError::Json { path, format: "COCO instances", .. } if *path == file), "{error:?}");
}

#[test]
fn invalid_voc_xml_on_disk_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (source, out) = (dir.path().join("dm"), dir.path().join("voc"));
    dm_dataset(&source);
    converter_for("dm_v2", "pascal").unwrap().convert(&source, &out, &ConvertOptions::default()).unwrap();
    let file = out.join("Annotations/c.xml");
    std::fs::write(&file, "<annotation><filename>c.png</filename>").unwrap();
    let error = formats::voc::read_dir(&out, false).unwrap_err();
    assert!(matches!(&error, FormatError::Xml { path, .. } if *path == file), "{error:?}");
}

#[test]
fn an_unregistered_pair_lists_the_registered_ones() {
    let Err(error) = converter_for("dm_v2", "tfrecord") else { panic!("no converter should be registered") };
    assert!(matches!(&error, FormatError::NoConverter { target, .. } if target == "tfrecord"));
    let message = error.to_string();
    assert!(message.starts_with("no converter from dm_v2 to tfrecord; registered: "), "{message}");
    for pair in ["coco → dm_v2", "dm_v2 → coco", "dm_v2 → pascal", "dm_v2 → yolo", "pascal → dm_v2", "yolo → dm_v2"]
    {
        assert!(message.contains(pair), "{message}");
    }
    assert!(formats::registered_pairs().contains(&("dm_v2".to_owned(), "yolo".to_owned())));
}

#[test]
fn a_dataset_without_a_train_split_keeps_its_splits_through_yolo() {
    let dir = tempfile::tempdir().unwrap();
    let (source, out) = (dir.path().join("dm"), dir.path().join("yolo"));
    let car = r#"{"id": "c1", "classification": "car", "data": [10, 12, 20, 8]}"#;
    dm_item(&source, "valid", "v", (64, 48), car);
    dm_item(&source, "test", "t", (64, 48), car);
    converter_for("dm_v2", "yolo").unwrap().convert(&source, &out, &ConvertOptions::default()).unwrap();
    let back = yolo::read_dir(&out.join("dataset.yaml")).unwrap();
    let splits: Vec<_> = back.images.iter().map(|i| (i.file_name.as_str(), i.split)).collect();
    assert_eq!(splits, [("v.png", Some(formats::Split::Valid)), ("t.png", Some(formats::Split::Test))]);
}

#[test]
fn a_directory_without_the_format_s_files_is_not_a_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, FormatError); 3] = [
        ("DM v2", dm::read_dir(dir.path()).unwrap_err()),
        ("COCO", formats::coco::read_dir(dir.path()).unwrap_err()),
        ("Pascal VOC", formats::voc::read_dir(dir.path(), false).unwrap_err()),
    ];
    for (format, error) in cases {
        assert!(
            matches!(&error, FormatError::NotADataset { path, format: f, .. } if path == dir.path() && *f == format),
            "{error:?}"
        );
        assert!(
            error.to_string().starts_with(&format!("{} is not a {format} dataset: it has no ", dir.path().display()))
        );
    }
    let missing = dir.path().join("dataset.yaml");
    let error = converter_for("yolo", "dm_v2")
        .unwrap()
        .convert(dir.path(), &dir.path().join("out"), &ConvertOptions::default())
        .unwrap_err();
    assert!(matches!(&error, FormatError::Io { path, .. } if *path == missing), "{error:?}");
}
