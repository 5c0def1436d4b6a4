"""One ground-truth export to COCO by the Python Synapse SDK, timed, for comparison with synapse's.

    python bench/peer/export_coco.py <backend url> <token> <ground truth version> <output dir> <storage id>

Runs the SDK's own step-based export (`DefaultExportAction`, in process: the delegated v2 head is
switched off by `disable_async_delegate` and `SYNAPSE_EXPORT_DISABLE_ASYNC_DELEGATE`) of target
`ground_truth`, filter `{ground_truth_dataset_version: <version>}`, `save_original_file=True`,
into storage `<storage id>`, with the exporter below, and prints one JSON line:
{"seconds": <time of the run>, "exported": <items>, "failed": <items>}.

The exporter (`CocoExporter`, a `BaseExporter`) converts each item with the SDK's own converters:
`convert_v1_to_v2` (the events' DM v1 to DM v2) in `convert_data`, then `FromDMToCOCOConverter`
(contract `build_export_contract('instance')`) per item once the original is saved and its size is
known; `additional_file_saving` merges the items into one `annotations.json` (images and
annotations numbered from 1 in item order, categories 1..n over the sorted class names). The SDK's
official COCO layout names images `images/<leaf>`, so the exporter saves the originals there itself
(`sdk_managed_original_files = False`) with the SDK's `save_original_file`, and writes no per-item
label files (`label_output_dirname = None`). An item whose original cannot be saved, or whose
annotations the converter refuses, is counted failed.

The output lands in `<output dir>/coco/` (`coco(1)`, … when it exists): the SDK opens the storage
(`POST storages/{id}/session/`) and roots the export at its `location` joined with `path`, leading
slashes stripped, so for a `file_system` storage `path` is the output directory relative to the
storage's location (the dev backend's storage 1 is its media directory). Any other provider is
refused. The SDK keeps files downloaded while listing in `/tmp/datamaker/media` by URL and reuses
them; the script points that directory at a new one inside the output directory (`.media-*`), so
every run downloads every file. Only the run is timed, not the interpreter's start or the storage lookup.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import synapse_sdk.utils.file.download as sdk_download
from PIL import Image
from synapse_sdk.clients.backend import BackendClient
from synapse_sdk.clients.exceptions import ClientError
from synapse_sdk.loggers import NoOpLogger
from synapse_sdk.plugins.actions.export.action import DefaultExportAction
from synapse_sdk.plugins.actions.export.enums import ExportStatus
from synapse_sdk.plugins.actions.export.exporter import BaseExporter
from synapse_sdk.plugins.actions.export.models import ExportParams
from synapse_sdk.plugins.context import RuntimeContext
from synapse_sdk.plugins.context.env import PluginEnvironment
from synapse_sdk.utils.annotation_models.coco import COCOAnnotation, COCOCategory, COCODataset, COCOImage
from synapse_sdk.utils.converters.coco.from_dm import FromDMToCOCOConverter
from synapse_sdk.utils.converters.dm import convert_v1_to_v2
from synapse_sdk.utils.converters.dm.types import build_export_contract


class CocoExporter(BaseExporter):
    """DM v1 ground truth to one COCO `annotations.json` and `images/`, with the SDK's converters."""

    label_output_dirname = None
    sdk_managed_original_files = False
    finalize_empty_export = True

    def __init__(self, ctx, export_items, path_root, **params):
        super().__init__(ctx, export_items, path_root, **params)
        self.converter = FromDMToCOCOConverter(build_export_contract("instance"))
        # Per item, in order: its image file name, size, and [(category name, annotation payload)].
        self.converted = []

    def convert_data(self, data):
        """The item with its DM v1 `data` as the SDK's DM v2 conversion result."""
        return {**data, "data": convert_v1_to_v2(data["data"])}

    def process_file_saving(self, final_data, unique_export_path, save_original_file_flag, errors_json_file_list,
                            errors_original_file_list, original_file_metrics_record, data_file_metrics_record, no):
        """Saves the original under `images/`, then converts the item to COCO with its size."""
        self.run.set_progress(no, self.params["count"])
        images = unique_export_path / "images"
        images.mkdir(exist_ok=True)
        data_file_metrics_record.stand_by -= 1
        if self.save_original_file(final_data, images, errors_original_file_list) != ExportStatus.SUCCESS:
            original_file_metrics_record.failed += 1
            data_file_metrics_record.failed += 1
            return False
        original_file_metrics_record.success += 1
        files = final_data["files"]
        name = self._safe_output_name(files["file_name_original"])
        leaf = f"{self._resolve_output_stem(final_data.get('id'), name)}{Path(name).suffix}"
        with Image.open(images / leaf) as image:
            width, height = image.size
        v2 = final_data["data"]
        result = self.converter.convert_item(v2["annotation_data"], annotation_meta=v2["annotation_meta"],
                                             item_id=str(final_data.get("id")), file_name=f"images/{leaf}",
                                             width=width, height=height)
        if result.failures:
            errors_json_file_list.append([leaf, result.failures])
            data_file_metrics_record.failed += 1
            return False
        dataset = result.datasets["instances"]
        names = {category.id: category.name for category in dataset.categories}
        annotations = [(names[a.category_id], a.model_dump(exclude={"id", "image_id", "category_id"}))
                       for a in dataset.annotations]
        self.converted.append((f"images/{leaf}", width, height, annotations))
        data_file_metrics_record.success += 1
        return True

    def additional_file_saving(self, unique_export_path):
        """Writes `annotations.json`: every converted item, one COCO `instances` dataset."""
        names = sorted({name for *_, annotations in self.converted for name, _ in annotations})
        ids = {name: number for number, name in enumerate(names, 1)}
        images, annotations = [], []
        for image_id, (file_name, width, height, items) in enumerate(self.converted, 1):
            images.append(COCOImage(id=image_id, file_name=file_name, width=width, height=height, license=1))
            for name, payload in items:
                annotations.append(COCOAnnotation(id=len(annotations) + 1, image_id=image_id, category_id=ids[name],
                                                  **payload))
        dataset = COCODataset(info=self.converter.info, licenses=self.converter.licenses, images=images,
                              annotations=annotations,
                              categories=[COCOCategory(id=ids[name], name=name, supercategory=name) for name in names])
        dataset.validate_role("instances")
        dataset.to_file(unique_export_path / "annotations.json", indent=None)


class CocoExportAction(DefaultExportAction):
    """The SDK's step-based export with the COCO exporter as its entrypoint."""

    entrypoint = CocoExporter

    def execute(self):
        raise NotImplementedError("the step-based run() is used")


def storage_path(client, storage, output):
    """`path` that roots the export at `output` in storage `storage` (a `file_system` one)."""
    try:
        record = client.get_storage(storage)
    except ClientError as error:
        sys.exit(f"export_coco.py: GET storages/{storage}/: {error}")
    if record.provider not in ("file_system", "local"):
        sys.exit(f"export_coco.py: storage {storage} is {record.provider}, not file_system: cannot write to {output}")
    return os.path.relpath(output.resolve(), Path(record.configuration["location"]).resolve())


def main():
    url, token, version, output, storage = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5])
    output.mkdir(parents=True, exist_ok=True)
    media = Path(tempfile.mkdtemp(prefix=".media-", dir=output))

    def temp_path(sub_path=None):
        return media / sub_path if sub_path else media

    sdk_download.get_temp_path = temp_path
    os.environ["SYNAPSE_EXPORT_DISABLE_ASYNC_DELEGATE"] = "true"
    client = BackendClient(url, access_token=token)
    ctx = RuntimeContext(logger=NoOpLogger(), env=PluginEnvironment({}), client=client)
    params = ExportParams(
        name="coco",
        storage=storage,
        path=storage_path(client, storage, output),
        target="ground_truth",
        filter={"ground_truth_dataset_version": version},
        save_original_file=True,
        disable_async_delegate=True,
    )
    action = CocoExportAction(params, ctx)
    start = time.perf_counter()
    result = action.run()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "exported": result["exported_count"], "failed": result["failed_count"]}))


if __name__ == "__main__":
    main()
