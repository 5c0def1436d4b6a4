//! `synapse::formats`' pure conversions: the worked example of each format byte for byte, round
//! trips through each format, clipping and dropping boxes, the four DM v2 box forms, DM v1 ↔ v2.

use synapse::formats::coco::{self, CocoInfo};
use synapse::formats::dm::{convert, v1::DmV1Document, v2};
use synapse::formats::{
    BoxAnnotation, ConvertOptions, Dataset, FormatError, ImageEntry, SkipReason, Split, clip_box, voc, yolo,
};

fn bbox(class: &str, bbox: [f64; 4]) -> BoxAnnotation {
    BoxAnnotation { id: None, class: class.to_owned(), bbox }
}

fn image(file_name: &str, split: Option<Split>, boxes: Vec<BoxAnnotation>) -> ImageEntry {
    ImageEntry { file_name: file_name.to_owned(), width: 640, height: 480, split, boxes, source: None }
}

/// `car_0001.png`, 640×480: `car [100,120,200,80]`, `person [400,50,60,150]`.
fn example() -> Dataset {
    Dataset {
        images: vec![image(
            "car_0001.png",
            None,
            vec![bbox("car", [100.0, 120.0, 200.0, 80.0]), bbox("person", [400.0, 50.0, 60.0, 150.0])],
        )],
    }
}

#[test]
fn yolo_labels_of_the_worked_example() {
    let (labels, report) = yolo::from_dataset(&example(), &ConvertOptions::default());
    assert_eq!(labels.names, ["car", "person"]);
    assert_eq!(
        yolo::render_labels(&labels.images[0].labels),
        "0 0.312500 0.333333 0.312500 0.166667\n1 0.671875 0.260417 0.093750 0.312500\n"
    );
    assert_eq!((report.images, report.boxes_written, report.boxes_clipped), (1, 2, 0));
}

#[test]
fn dataset_yaml_with_ultralytics_split_names() {
    let names = ["car".to_owned(), "person".to_owned()];
    let yaml = yolo::dataset_yaml("/abs/out", &[Split::Train, Split::Valid, Split::Test], &names);
    assert_eq!(
        yaml,
        "path: /abs/out\ntrain: images/train\nval: images/val\ntest: images/test\nnames:\n  0: car\n  1: person\n"
    );
    assert_eq!(
        yolo::dataset_yaml("/abs/out", &[], &names),
        "path: /abs/out\ntrain: images\nval: images\nnames:\n  0: car\n  1: person\n"
    );
    // Without a validation split, Ultralytics still needs `val`.
    assert!(yolo::dataset_yaml("/o", &[Split::Train], &names).contains("train: images/train\nval: images/train\n"));
    assert!(
        yolo::dataset_yaml("/o", &[Split::Valid, Split::Test], &names)
            .contains("train: images/val\nval: images/val\ntest: images/test\n")
    );
    // Names YAML would read as something else are quoted.
    let odd = ["yes".to_owned(), "a: b".to_owned(), "12".to_owned()];
    assert!(yolo::dataset_yaml("/o", &[], &odd).ends_with("  0: \"yes\"\n  1: \"a: b\"\n  2: \"12\"\n"));
}

#[test]
fn coco_instances_of_the_worked_example() {
    let info = CocoInfo {
        description: "synapse export".into(),
        version: "1.0".into(),
        year: 2026,
        contributor: String::new(),
        url: String::new(),
        date_created: "2026-11-30".into(),
    };
    let (files, report) = coco::from_dataset(&example(), &ConvertOptions::default(), &info);
    let expected = r#"{"info": {"description": "synapse export", "version": "1.0", "year": 2026, "contributor": "", "url": "", "date_created": "2026-11-30"},
 "licenses": [{"id": 1, "name": "Unknown", "url": ""}],
 "images": [{"id": 1, "file_name": "car_0001.png", "width": 640, "height": 480, "license": 1}],
 "annotations": [
   {"id": 1, "image_id": 1, "category_id": 1, "bbox": [100, 120, 200, 80], "area": 16000, "iscrowd": 0, "segmentation": []},
   {"id": 2, "image_id": 1, "category_id": 2, "bbox": [400, 50, 60, 150], "area": 9000, "iscrowd": 0, "segmentation": []}],
 "categories": [{"id": 1, "name": "car", "supercategory": "car"}, {"id": 2, "name": "person", "supercategory": "person"}]}"#;
    let expected = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(expected).unwrap()).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, None);
    assert_eq!(serde_json::to_string(&files[0].1).unwrap(), expected);
    assert_eq!(report.boxes_written, 2);
}

const VOC_EXAMPLE: &str = "<annotation>
  <folder>JPEGImages</folder><filename>car_0001.png</filename><path>JPEGImages/car_0001.png</path>
  <source><database>Unknown</database></source>
  <size><width>640</width><height>480</height><depth>3</depth></size>
  <segmented>0</segmented>
  <object><name>car</name><pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult>
    <bndbox><xmin>100</xmin><ymin>120</ymin><xmax>300</xmax><ymax>200</ymax></bndbox></object>
  <object><name>person</name><pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult>
    <bndbox><xmin>400</xmin><ymin>50</ymin><xmax>460</xmax><ymax>200</ymax></bndbox></object>
</annotation>
";

#[test]
fn voc_xml_of_the_worked_example() {
    let (files, _) = voc::from_dataset(&example(), &ConvertOptions::default());
    assert_eq!(voc::render(&files[0].1), VOC_EXAMPLE);
    let strict = ConvertOptions { voc_one_based: true, ..ConvertOptions::default() };
    let (files, _) = voc::from_dataset(&example(), &strict);
    assert!(voc::render(&files[0].1).contains("<xmin>101</xmin><ymin>121</ymin><xmax>300</xmax><ymax>200</ymax>"));
    let back = voc::to_dataset(&files, true);
    assert_eq!(back.images[0].boxes[0].bbox, [100.0, 120.0, 200.0, 80.0]);
}

#[test]
fn voc_xml_read_back() {
    let parsed = voc::parse(VOC_EXAMPLE, "a.xml".as_ref()).unwrap();
    assert_eq!(parsed.filename, "car_0001.png");
    assert_eq!((parsed.width, parsed.height, parsed.depth), (640, 480, 3));
    assert_eq!(voc::to_image(&parsed, None, false).boxes, example().images[0].boxes);
    // Entities and CDATA in names.
    let xml = "<annotation><filename>a.png</filename><size><width>4</width><height>4</height></size>\
               <object><name>R&amp;D</name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>2</xmax><ymax>2.5</ymax></bndbox></object></annotation>";
    let parsed = voc::parse(xml, "b.xml".as_ref()).unwrap();
    assert_eq!(parsed.objects[0].name, "R&D");
    assert_eq!(parsed.objects[0].ymax, 2.5);
}

#[test]
fn voc_invalid_xml_names_the_file() {
    let cases = [
        ("<annotation><filename>a.png</filename><size><width>4</width></annotation>", "at byte"),
        ("<annotation><size><width>4</width><height>4</height></size></annotation>", "no <filename>"),
        ("<annotation><filename>a</filename></annotation>", "no <size>"),
        (
            "<annotation><filename>a</filename><size><width>x</width><height>4</height></size></annotation>",
            "not a whole number",
        ),
        (
            "<annotation><filename>a</filename><size><width>4</width><height>4</height></size><object><name>c</name><bndbox><xmin>1</xmin></bndbox></object></annotation>",
            "lacks a <bndbox> coordinate",
        ),
    ];
    for (xml, wanted) in cases {
        let error = voc::parse(xml, "dir/bad.xml".as_ref()).unwrap_err();
        assert!(matches!(error, FormatError::Xml { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.starts_with("dir/bad.xml: invalid Pascal VOC XML") && message.contains(wanted), "{message}");
    }
}

/// A dataset with splits and boxes at fractional positions.
fn varied() -> Dataset {
    let mut images = Vec::new();
    for (n, split) in [Split::Train, Split::Train, Split::Valid, Split::Test].into_iter().enumerate() {
        let offset = n as f64 * 7.0;
        images.push(image(
            &format!("img_{n}.png"),
            Some(split),
            vec![bbox("dog", [10.0 + offset, 20.0, 33.0, 41.0]), bbox("cat", [200.0, 100.0 + offset, 120.0, 90.0])],
        ));
    }
    images.push(image("empty.png", Some(Split::Train), vec![]));
    Dataset { images }
}

#[test]
fn round_trip_through_yolo_keeps_boxes_within_rounding() {
    let dataset = varied();
    let (labels, _) = yolo::from_dataset(&dataset, &ConvertOptions::default());
    let text: Vec<String> = labels.images.iter().map(|i| yolo::render_labels(&i.labels)).collect();
    let mut reread = labels.clone();
    for (image, text) in reread.images.iter_mut().zip(&text) {
        image.labels = yolo::parse_labels(text, "l.txt".as_ref(), labels.names.len()).unwrap();
    }
    let back = yolo::to_dataset(&reread);
    assert_eq!(back.images.len(), dataset.images.len());
    for (a, b) in dataset.images.iter().zip(&back.images) {
        assert_eq!((a.split, &a.file_name, a.boxes.len()), (b.split, &b.file_name, b.boxes.len()));
        for (x, y) in a.boxes.iter().zip(&b.boxes) {
            assert_eq!(x.class, y.class);
            for (p, q) in x.bbox.iter().zip(y.bbox) {
                assert!((p - q).abs() <= 1e-6 * 640.0, "{:?} vs {:?}", x.bbox, y.bbox);
            }
        }
    }
}

#[test]
fn round_trip_through_coco_and_voc_is_exact() {
    let dataset = varied();
    let (files, _) = coco::from_dataset(&dataset, &ConvertOptions::default(), &CocoInfo::now());
    assert_eq!(
        files.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [Some(Split::Train), Some(Split::Valid), Some(Split::Test)]
    );
    let mut back = Dataset::default();
    for (split, instances) in &files {
        let text = serde_json::to_string(instances).unwrap();
        let reread = serde_json::from_str(&text).unwrap();
        back.images.extend(coco::to_dataset(&reread, *split, "i.json".as_ref()).unwrap().images);
    }
    let mut sorted = dataset.clone();
    sorted.images.sort_by_key(|i| i.split);
    assert_eq!(back, sorted);

    let (files, _) = voc::from_dataset(&dataset, &ConvertOptions::default());
    let reread: Vec<_> =
        files.iter().map(|(s, v)| (*s, voc::parse(&voc::render(v), "v.xml".as_ref()).unwrap())).collect();
    assert_eq!(voc::to_dataset(&reread, false), dataset);
}

#[test]
fn boxes_are_clipped_and_degenerate_ones_dropped_counted_and_listed() {
    let dataset = Dataset {
        images: vec![image(
            "edge.png",
            None,
            vec![
                bbox("car", [-10.0, 20.0, 50.0, 30.0]),    // clipped to [0, 20, 40, 30]
                bbox("car", [600.0, 400.0, 100.0, 100.0]), // clipped to [600, 400, 40, 80]
                bbox("car", [700.0, 20.0, 50.0, 30.0]),    // wholly outside
                bbox("car", [10.0, 20.0, 0.0, 30.0]),      // no width
                bbox("car", [10.0, 20.0, 5.0, -3.0]),      // negative height
                bbox("car", [f64::NAN, 0.0, 1.0, 1.0]),    // not a number
                bbox("car", [1.0, 2.0, 3.0, 4.0]),         // inside
            ],
        )],
    };
    for report in [
        yolo::from_dataset(&dataset, &ConvertOptions::default()).1,
        coco::from_dataset(&dataset, &ConvertOptions::default(), &CocoInfo::now()).1,
        voc::from_dataset(&dataset, &ConvertOptions::default()).1,
    ] {
        assert_eq!(
            (report.images, report.boxes_written, report.boxes_clipped, report.degenerate_dropped),
            (1, 3, 2, 4)
        );
        let dropped: Vec<usize> = report.skipped.iter().map(|s| s.index).collect();
        assert_eq!(dropped, [2, 3, 4, 5]);
        assert!(matches!(report.skipped[0].reason, SkipReason::Degenerate([700.0, ..])));
        assert_eq!(report.skipped[0].to_string(), "edge.png: box 2: no area inside the image ([700, 20, 50, 30])");
    }
    let (files, _) = coco::from_dataset(&dataset, &ConvertOptions::default(), &CocoInfo::now());
    let boxes: Vec<[f64; 4]> = files[0].1.annotations.iter().map(|a| a.bbox).collect();
    assert_eq!(boxes, [[0.0, 20.0, 40.0, 30.0], [600.0, 400.0, 40.0, 80.0], [1.0, 2.0, 3.0, 4.0]]);
    assert_eq!(files[0].1.annotations[0].area, 1200.0);
    let (labels, _) = yolo::from_dataset(&dataset, &ConvertOptions::default());
    assert!(labels.images[0].labels.iter().all(|l| l.cx + l.w / 2.0 <= 1.0 + 1e-12 && l.cy + l.h / 2.0 <= 1.0 + 1e-12));
    assert_eq!(clip_box([0.0, 0.0, 640.0, 480.0], 640, 480), Some(([0.0, 0.0, 640.0, 480.0], false)));
}

#[test]
fn voc_drops_boxes_that_round_to_nothing() {
    let dataset = Dataset { images: vec![image("thin.png", None, vec![bbox("car", [10.2, 10.0, 0.2, 5.0])])] };
    let (files, report) = voc::from_dataset(&dataset, &ConvertOptions::default());
    assert!(files[0].1.objects.is_empty());
    assert_eq!((report.boxes_written, report.degenerate_dropped, report.skipped.len()), (0, 1, 1));
}

#[test]
fn boxes_of_classes_outside_a_fixed_list_are_dropped_and_counted() {
    let options = ConvertOptions { classes: Some(vec!["person".into(), "car".into()]), ..ConvertOptions::default() };
    let mut dataset = example();
    dataset.images[0].boxes.push(bbox("truck", [1.0, 1.0, 5.0, 5.0]));
    let (labels, report) = yolo::from_dataset(&dataset, &options);
    assert_eq!(labels.names, ["person", "car"]);
    assert_eq!(labels.images[0].labels.iter().map(|l| l.class).collect::<Vec<_>>(), [1, 0]);
    assert_eq!((report.boxes_written, report.unknown_classes), (2, 1));
    assert_eq!(report.skipped[0].reason, SkipReason::UnknownClass("truck".into()));
    assert_eq!(report.skipped[0].to_string(), "car_0001.png: box 2: class \"truck\" is not in the class list");
}

#[test]
fn yolo_label_lines_are_checked() {
    let path = "labels/train/a.txt".as_ref();
    let error = yolo::parse_labels("0 0.5 0.5 0.1 0.1\n\n2 0.5 0.5 0.1 0.1\n", path, 2).unwrap_err();
    assert!(matches!(error, FormatError::UnknownClassId { line: 3, id: 2, count: 2, .. }), "{error:?}");
    assert_eq!(error.to_string(), "labels/train/a.txt:3: class id 2, but there are 2 class names (ids 0 to 1)");
    for (text, wanted) in [
        ("0 0.5 0.5 0.1", "found 4 fields"),
        ("x 0.5 0.5 0.1 0.1", "not a whole number"),
        ("0 0.5 1.5 0.1 0.1", "outside 0–1"),
        ("0 a 0.5 0.1 0.1", "not a number"),
    ] {
        let error = yolo::parse_labels(text, path, 2).unwrap_err();
        assert!(matches!(error, FormatError::Line { line: 1, .. }) && error.to_string().contains(wanted), "{error}");
    }
}

#[test]
fn dm_v2_reads_the_four_box_forms() {
    let text = r#"{"classification": {"bounding_box": ["car"]}, "images": [{"bounding_box": [
        {"id": "a", "classification": "car", "attrs": [], "data": [100, 120, 200, 80]},
        {"id": "b", "classification": "car", "points": [[300, 200], [100, 120]]},
        {"classification": "car", "x": 100, "y": 120, "width": 200, "height": 80},
        {"id": "d", "classification": "car", "geometry": [100, 120, 200, 80]},
        {"id": "e", "classification": "car", "geometry": {"x": 100, "y": 120, "width": 200, "height": 80}}
    ], "polygon": [{"id": "p", "classification": "crack", "attrs": [], "data": [[1, 1], [2, 1], [2, 2]]}]}]}"#;
    let document: v2::DmV2Document = serde_json::from_str(text).unwrap();
    let boxes = &document.images[0].bounding_box;
    assert!(boxes.iter().all(|b| b.data == [100.0, 120.0, 200.0, 80.0]));
    assert!(boxes[2].id.is_none() && document.images[0].other.contains_key("polygon"));
    // Written canonically: `id` + `data`, whole numbers as integers, other tools kept.
    let written = serde_json::to_string(&document.images[0].bounding_box[0]).unwrap();
    assert_eq!(written, r#"{"id":"a","classification":"car","attrs":[],"data":[100,120,200,80]}"#);
    let error = serde_json::from_str::<v2::DmV2Document>(
        r#"{"images": [{"bounding_box": [{"id": "z", "classification": "car"}]}]}"#,
    )
    .unwrap_err();
    assert!(error.to_string().contains("bounding box z of class \"car\" has none of `data`"), "{error}");
}

#[test]
fn dm_v2_items_as_a_dataset_and_back() {
    let item = v2::DmV2Item {
        file_name: "a.png".into(),
        width: 640,
        height: 480,
        split: Some(Split::Valid),
        document: serde_json::from_str(
            r#"{"images": [{"bounding_box": [{"classification": "car", "x": 1, "y": 2, "width": 3, "height": 4}]}]}"#,
        )
        .unwrap(),
    };
    let dataset = v2::to_dataset(std::slice::from_ref(&item));
    assert_eq!(dataset.images[0].boxes[0].bbox, [1.0, 2.0, 3.0, 4.0]);
    let back = v2::from_dataset(&dataset);
    let written = &back[0].document.images[0].bounding_box[0];
    let id = written.id.as_deref().unwrap();
    assert!(id.len() == 10 && id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(back[0].document.classification["bounding_box"], serde_json::json!(["car"]));
}

const DM_V1: &str = r#"{"extra": {}, "relations": {}, "annotationGroups": {},
 "annotations": {"image_1": [{"id": "a1b2c3d4e5", "tool": "bounding_box", "isLocked": false, "isVisible": true,
                               "isValid": false, "isDrawCompleted": true, "label": [],
                               "classification": {"class": "car", "occluded": false}},
                              {"id": "k1", "tool": "keypoint", "classification": {"class": "nose"}},
                              {"id": "p1", "tool": "polygon", "classification": {"class": "crack"}}]},
 "annotationsData": {"image_1": [{"id": "p1", "coordinate": [{"x": 1, "y": 2, "id": "q"}, {"x": 3, "y": 4, "id": "r"}, {"x": 5, "y": 0, "id": "s"}]},
                                 {"id": "a1b2c3d4e5", "coordinate": {"x": 100, "y": 120, "width": 200, "height": 80, "rotation": 0.5}},
                                 {"id": "k1", "coordinate": {"x": 10, "y": 20}}]}}"#;

#[test]
fn dm_v1_to_v2_joins_by_id_and_maps_the_fields() {
    let v1: DmV1Document = serde_json::from_str(DM_V1).unwrap();
    let v2 = convert::v1_to_v2(&v1).unwrap();
    let image = &v2.images[0];
    let b = &image.bounding_box[0];
    assert_eq!(
        (b.id.as_deref(), b.classification.as_str(), b.data),
        (Some("a1b2c3d4e5"), "car", [100.0, 120.0, 200.0, 80.0])
    );
    assert_eq!(
        b.attrs,
        [
            serde_json::json!({"name": "occluded", "value": false}),
            serde_json::json!({"name": "rotation", "value": 0.5})
        ]
    );
    assert_eq!(image.other["keypoint"][0]["data"], serde_json::json!([10, 20]));
    assert_eq!(image.other["polygon"][0]["data"], serde_json::json!([[1, 2], [3, 4], [5, 0]]));
    assert_eq!(v2.classification["bounding_box"], serde_json::json!(["car"]));

    // And back: the same geometry and classification; the flags at their defaults.
    let again = convert::v2_to_v1(&v2);
    let annotations = &again.annotations["image_1"];
    assert_eq!(annotations[0].classification, v1.annotations["image_1"][0].classification);
    let data = &again.annotations_data["image_1"];
    assert_eq!(
        data[0].coordinate,
        serde_json::json!({"x": 100.0, "y": 120.0, "width": 200.0, "height": 80.0, "rotation": 0.5})
    );
    assert_eq!(convert::v1_to_v2(&again).unwrap().images[0].bounding_box, image.bounding_box);
    let keypoint = data.iter().find(|d| d.id == "k1").unwrap();
    assert_eq!(
        (keypoint.coordinate.clone(), keypoint.other["shape"].clone()),
        (serde_json::json!({"x": 10, "y": 20}), "circle".into())
    );
}

#[test]
fn dm_v1_annotation_without_data_is_an_error() {
    let mut v1: DmV1Document = serde_json::from_str(DM_V1).unwrap();
    v1.annotations_data.get_mut("image_1").unwrap().retain(|d| d.id != "k1");
    let error = convert::v1_to_v2(&v1).unwrap_err();
    assert_eq!(error.to_string(), "DM v1 image_1: annotation k1: no annotationsData entry has this id");
}

#[test]
fn dm_v1_media_keys_in_index_order() {
    let mut v1 = DmV1Document::default();
    for n in [10, 2, 1] {
        let key = format!("image_{n}");
        let text = format!(r#"[{{"id": "i{n}", "tool": "bounding_box", "classification": {{"class": "c{n}"}}}}]"#);
        v1.annotations.insert(key.clone(), serde_json::from_str(&text).unwrap());
        let data = format!(r#"[{{"id": "i{n}", "coordinate": {{"x": 0, "y": 0, "width": {n}, "height": 1}}}}]"#);
        v1.annotations_data.insert(key, serde_json::from_str(&data).unwrap());
    }
    let v2 = convert::v1_to_v2(&v1).unwrap();
    let classes: Vec<&str> = v2.images.iter().map(|i| i.bounding_box[0].classification.as_str()).collect();
    assert_eq!(classes, ["c1", "c2", "c10"]);
}
