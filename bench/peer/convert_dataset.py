"""DM v2 → YOLO or → COCO by the Python Synapse SDK's converters, timed, for comparison with
synapse's (`bench/src/bin/convert_figures.rs`, which runs this script on the same files).

    python bench/peer/convert_dataset.py yolo|coco <dm v2 dataset root> <output directory>
    python bench/peer/convert_dataset.py yolo-annotations|coco-annotations <root> <output> <sizes.json>

The root holds `train/`, `valid/`, `test/`, each with `json/<stem>.json` and
`original_files/<stem>.png`, as dataset download lays them out.

- yolo: `FromDMToYOLOConverter` (`utils/converters/yolo/from_dm.py`). Its `save_to_folder`
  refuses a categorized dataset ("categorized directory saving is not supported"), so each split
  directory is converted as an uncategorized dataset of its own, into `<output>/<split>/`. It
  reads each image's size with PIL and writes `detect/`, `segment/` and `pose/`, each with a
  copy of every image (what the SDK does).
- coco: `FromDMToCOCOConverter` converts one item at a time (`convert_item`), and the SDK leaves
  merging the items to the export lifecycle. This script does what that lifecycle does for the
  `instances` role: reads each document and its image's size (PIL), converts the item, renumbers
  images, annotations and categories (sorted names) into one `instances_<split>.json` per split,
  and copies the images to `<output>/<split>/`.

The `-annotations` modes convert the annotations alone, with the image sizes known
(`sizes.json`: `{"<split>/<stem>": [width, height]}`): no image is opened or copied.
- yolo-annotations: `convert_single_file(data, None, dimensions=(w, h))` per item (the SDK's
  own path for known sizes), then its `serialize_detect` rows over the sorted class names, one
  label file per image with rows, and `dataset_yaml` (`<output>/labels/<split>/`).
- coco-annotations: `convert_item` per item with the known size, merged per split as above.

Prints one JSON line: {"seconds": <time of the conversion>, "images": <items converted>,
"boxes": <boxes written>}. Only the conversion is timed, not the interpreter's start.
"""

import json
import shutil
import sys
import time
from pathlib import Path

from PIL import Image
from synapse_sdk.utils.converters.coco.from_dm import FromDMToCOCOConverter
from synapse_sdk.utils.converters.dm.types import build_export_contract
from synapse_sdk.utils.converters.yolo.from_dm import FromDMToYOLOConverter

SPLITS = ("train", "valid", "test")


def yolo(root: Path, out: Path):
    images = boxes = 0
    for split in SPLITS:
        converter = FromDMToYOLOConverter(
            root_dir=root / split,
            is_categorized=False,
            is_single_conversion=True,
            export_contract=build_export_contract("instance"),
        )
        entries = converter.convert()
        converter.save_to_folder(out / split)
        images += len(entries)
        boxes += sum(len(entry["result"].detect) for entry in entries)
    return images, boxes


def coco(root: Path, out: Path, sizes: dict | None = None):
    converter = FromDMToCOCOConverter(build_export_contract("instance"))
    images = boxes = 0
    for split in SPLITS:
        json_dir, image_dir = root / split / "json", root / split / "original_files"
        image_out = out / split
        if sizes is None:
            image_out.mkdir(parents=True, exist_ok=True)
        items = []
        for json_path in sorted(json_dir.glob("*.json")):
            if sizes is None:
                image_path = converter_image(image_dir, json_path.stem)
                with Image.open(image_path) as image:
                    width, height = image.size
            else:
                image_path = image_dir / f"{json_path.stem}.png"
                width, height = sizes[f"{split}/{json_path.stem}"]
            data = json.loads(json_path.read_text(encoding="utf-8"))
            result = converter.convert_item(
                data,
                annotation_meta=None,
                item_id=json_path.stem,
                file_name=f"images/{image_path.name}",
                width=width,
                height=height,
            )
            items.append((image_path, result.datasets["instances"]))
            if sizes is None:
                shutil.copyfile(image_path, image_out / image_path.name)
        names = sorted({c.name for _, d in items for c in d.categories})
        category_ids = {name: index for index, name in enumerate(names, 1)}
        merged = {"info": None, "licenses": [], "images": [], "annotations": [], "categories": []}
        for image_id, (image_path, dataset) in enumerate(items, 1):
            local = {c.id: c.name for c in dataset.categories}
            row = dataset.images[0].model_dump(mode="json")
            row.update(id=image_id, file_name=image_path.name)
            merged["images"].append(row)
            for annotation in dataset.annotations:
                record = annotation.model_dump(mode="json", exclude_none=True)
                record.update(
                    id=len(merged["annotations"]) + 1,
                    image_id=image_id,
                    category_id=category_ids[local[annotation.category_id]],
                )
                merged["annotations"].append(record)
            if merged["info"] is None:
                merged["info"] = dataset.info.model_dump(mode="json")
                merged["licenses"] = [license_.model_dump(mode="json") for license_ in dataset.licenses]
        merged["categories"] = [{"id": i, "name": n, "supercategory": n} for n, i in category_ids.items()]
        (out / "annotations").mkdir(parents=True, exist_ok=True)
        name = "val" if split == "valid" else split
        with open(out / "annotations" / f"instances_{name}.json", "w", encoding="utf-8") as file:
            json.dump(merged, file)
        images += len(items)
        boxes += len(merged["annotations"])
    return images, boxes


def yolo_annotations(root: Path, out: Path, sizes: dict):
    converter = FromDMToYOLOConverter(is_single_conversion=True, export_contract=build_export_contract("instance"))
    entries = []
    for split in SPLITS:
        for json_path in sorted((root / split / "json").glob("*.json")):
            data = json.loads(json_path.read_text(encoding="utf-8"))
            width, height = sizes[f"{split}/{json_path.stem}"]
            result = converter.convert_single_file(data, None, item_id=json_path.stem, dimensions=(width, height))
            entries.append((split, json_path.stem, result))
    names = sorted({record.class_name for _, _, result in entries for record in result.detect})
    class_map = {name: index for index, name in enumerate(names)}
    boxes = 0
    for split in SPLITS:
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
    for split, stem, result in entries:
        lines = converter.serialize_detect(result.detect, class_map)
        if lines:
            (out / "labels" / split / f"{stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        boxes += len(lines)
    (out / "dataset.yaml").write_text(converter.dataset_yaml("detect", names), encoding="utf-8")
    return len(entries), boxes


def coco_annotations(root: Path, out: Path, sizes: dict):
    return coco(root, out, sizes)


def converter_image(image_dir: Path, stem: str) -> Path:
    for extension in (".png", ".jpg", ".jpeg"):
        candidate = image_dir / f"{stem}{extension}"
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no image {stem}.* in {image_dir}")


def main():
    mode, root, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if mode.endswith("-annotations"):
        sizes = json.loads(Path(sys.argv[4]).read_text(encoding="utf-8"))
        start = time.perf_counter()
        images, boxes = {"yolo-annotations": yolo_annotations, "coco-annotations": coco_annotations}[mode](root, out, sizes)
    else:
        start = time.perf_counter()
        images, boxes = {"yolo": yolo, "coco": coco}[mode](root, out)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "images": images, "boxes": boxes}))


if __name__ == "__main__":
    main()
