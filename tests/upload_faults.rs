//! The upload workflow's faults: a data unit batch refused halfway (the run fails at
//! `generate_data_units` and its rollbacks delete the units and data files it made, in reverse
//! order), a backend without data-file deletion (the files reported orphaned, never claimed
//! deleted), metadata files refused (a million rows, a formula bomb, too large), and metadata
//! rows reaching their units.

use serde_json::json;
use synapse::upload::{DefaultUploader, MetadataError, UploadError, UploadParams, run_upload};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{fault, start, state};
use synapse_tests::upload::{Source, collection, context, logs, rollbacks, source, write_pairs};

fn params(dir: &Source, collection: u64) -> UploadParams {
    UploadParams { creating_data_unit_batch_size: 2, ..UploadParams::new("pets", dir.param(), 1, collection) }
}

#[tokio::test]
async fn a_batch_refused_halfway_rolls_back_every_unit_and_file_of_the_run() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 4);
    fault(&backend, json!({"method": "POST", "path_glob": "/data_units/", "nth": 2, "status": 500})).await;
    let (ctx, memory) = context(&backend);

    let error = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect_err("the 2nd batch fails");
    let UploadError::Workflow { source, orphaned_data_files } = &error else { panic!("{error:?}") };
    assert_eq!(source.step, "generate_data_units");
    assert!(source.fully_rolled_back(), "{error}");
    assert!(orphaned_data_files.is_empty());
    assert!(
        matches!(error.step_error(), Some(UploadError::Units { batch: 2, batches: 2, units: 2, attempts: 1, .. })),
        "{error}"
    );

    let state = state(&backend).await;
    assert_eq!(state["requests"]["POST /data_units/"], 2, "{}", state["requests"]);
    assert_eq!(state["requests"]["DELETE /v2/data-units/{id}/"], 2, "the first batch's units: {}", state["requests"]);
    assert!(state["data_units"].as_array().is_none_or(Vec::is_empty), "{}", state["data_units"]);
    assert!(state["data_files"].as_array().is_none_or(Vec::is_empty), "{}", state["data_files"]);

    let events = memory.events();
    assert_eq!(
        rollbacks(&events),
        ["generate_data_units", "upload_files", "validate_files", "organize_files", "analyze_collection", "initialize"]
    );
    assert_eq!(logs(&events, "data_units_deleted")[0]["ids"].as_array().map(Vec::len), Some(2));
    assert_eq!(logs(&events, "data_files_deleted")[0]["ids"].as_array().map(Vec::len), Some(8));
    assert!(logs(&events, "orphaned_data_files").is_empty());
    assert!(logs(&events, "import_result").is_empty(), "cleanup never ran");
}

#[tokio::test]
async fn data_files_the_backend_does_not_delete_are_reported_orphaned() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 1);
    fault(&backend, json!({"method": "POST", "path_glob": "/data_units/", "nth": 1, "status": 400})).await;
    fault(&backend, json!({"method": "DELETE", "path_glob": "/data_files/*/", "every": 1, "status": 405})).await;
    let (ctx, memory) = context(&backend);

    let error = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect_err("the batch fails");
    let UploadError::Workflow { source, orphaned_data_files } = &error else { panic!("{error:?}") };
    assert_eq!(source.step, "generate_data_units");
    assert_eq!(orphaned_data_files.len(), 2, "{error}");
    assert!(!source.fully_rolled_back());
    assert!(error.to_string().contains("stay on the backend (not deleted)"), "{error}");
    let orphaned = logs(&memory.events(), "orphaned_data_files");
    assert_eq!(orphaned[0]["ids"], json!(orphaned_data_files));
    assert_eq!(state(&backend).await["data_files"].as_array().map(Vec::len), Some(2), "they are still there");
}

/// A workbook at `path` whose first sheet `fill` writes.
fn workbook(path: &std::path::Path, fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) {
    let mut book = rust_xlsxwriter::Workbook::new();
    fill(book.add_worksheet());
    book.save(path).expect("a workbook");
}

async fn refused(backend: &RunningDevBackend, dir: &Source, metadata: &str) -> MetadataError {
    let id = collection(backend, None).await;
    write_pairs(dir.path(), 1);
    let (ctx, _) = context(backend);
    let params = UploadParams { excel_metadata_path: Some(metadata.to_owned()), ..params(dir, id) };
    let error = run_upload(&ctx, params, &DefaultUploader).await.expect_err("the metadata is refused");
    let UploadError::Workflow { source, .. } = &error else { panic!("{error:?}") };
    assert_eq!(source.step, "process_metadata");
    assert!(state(backend).await["data_files"].as_array().is_none_or(Vec::is_empty));
    match error.step_error() {
        Some(UploadError::Metadata(_)) => {}
        other => panic!("{other:?}"),
    }
    let UploadError::Workflow { source, .. } = error else { unreachable!() };
    let cause = source.cause;
    match cause.downcast::<UploadError>() {
        Ok(UploadError::Metadata(metadata)) => metadata,
        other => panic!("{other:?}"),
    }
}

/// An `.xlsx` at `path` of a header and `rows` rows of one number, its parts zipped by hand (its
/// sheet written as one string: quicker than a workbook writer for a million rows).
fn long_sheet(path: &std::path::Path, rows: u32) {
    use std::io::Write;
    let mut sheet = String::with_capacity(rows as usize * 48 + 512);
    sheet.push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>file</t></is></c></row>"#);
    for row in 2..=rows + 1 {
        sheet.push_str(&format!(r#"<row r="{row}"><c r="A{row}"><v>7</v></c></row>"#));
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("a workbook"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6));
    for (name, text) in parts {
        zip.start_file(name, options).expect("a part");
        zip.write_all(text.as_bytes()).expect("its content");
    }
    zip.finish().expect("the workbook");
}

#[tokio::test]
async fn a_sheet_of_a_million_rows_is_refused_at_the_row_limit() {
    let backend = start().await;
    let dir = source(&backend).await;
    long_sheet(&dir.path().join("meta.xlsx"), 1_000_000);
    let size = std::fs::metadata(dir.path().join("meta.xlsx")).expect("its size").len();
    assert!(size < 10 * 1024 * 1024, "below the size limit: {size} bytes");
    let error = refused(&backend, &dir, "meta.xlsx").await;
    assert!(matches!(error, MetadataError::TooManyRows { limit: 100_000, .. }), "{error:?}");
    assert!(error.to_string().ends_with("meta.xlsx: more than 100000 rows; split it, or upload without it"), "{error}");
}

#[tokio::test]
async fn a_formula_bomb_is_refused_at_its_first_formula() {
    let backend = start().await;
    let dir = source(&backend).await;
    workbook(&dir.path().join("bomb.xlsx"), |sheet| {
        sheet.write_string(0, 0, "file").expect("a header");
        sheet.write_string(0, 1, "note").expect("a header");
        sheet.write_string(1, 0, "img_0000.png").expect("a file");
        sheet.write_string(1, 1, "x").expect("a seed");
        // Each cell doubles the one above: 2^40 characters once evaluated.
        for row in 2..42u32 {
            sheet.write_string(row, 0, format!("f{row}.png")).expect("a file");
            sheet.write_formula(row, 1, format!("=B{row}&B{row}").as_str()).expect("a formula");
        }
    });
    let error = refused(&backend, &dir, &dir.path().join("bomb.xlsx").display().to_string()).await;
    match &error {
        MetadataError::Formula { cell, formula, .. } => assert_eq!((cell.as_str(), formula.as_str()), ("B3", "B2&B2")),
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("metadata cells must hold plain values"), "{error}");
}

#[tokio::test]
async fn a_metadata_file_above_its_size_limit_or_of_another_kind_is_refused() {
    let backend = start().await;
    let dir = source(&backend).await;
    std::fs::write(dir.path().join("meta.csv"), vec![b'a'; 10 * 1024 * 1024 + 1]).expect("a large file");
    let error = refused(&backend, &dir, "meta.csv").await;
    assert!(matches!(error, MetadataError::TooLarge { size: 10_485_761, limit: 10_485_760, .. }), "{error:?}");

    let dir = source(&backend).await;
    std::fs::write(dir.path().join("meta.json"), b"{}").expect("a JSON file");
    let error = refused(&backend, &dir, "meta.json").await;
    assert!(matches!(error, MetadataError::Unsupported { .. }), "{error:?}");
}

#[tokio::test]
async fn metadata_rows_become_their_units_meta() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 2);
    workbook(&dir.path().join("meta.xlsx"), |sheet| {
        for (row, cells) in [["file", "weather"], ["img_0000.png", "sunny"], ["img_0001", "rain"]].iter().enumerate() {
            for (column, value) in cells.iter().enumerate() {
                sheet.write_string(row as u32, column as u16, *value).expect("a cell");
            }
        }
    });
    let (ctx, memory) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the upload");
    assert_eq!((result.data_units, result.steps_executed), (2, 8), "the default meta.xlsx is read");
    let state = state(&backend).await;
    let metas: Vec<serde_json::Value> =
        state["data_units"].as_array().expect("units").iter().map(|unit| unit["meta"].clone()).collect();
    assert_eq!(
        metas,
        [
            json!({"weather": "sunny", "origin_file_stem": "img_0000"}),
            json!({"weather": "rain", "origin_file_stem": "img_0001"})
        ]
    );
    assert_eq!(logs(&memory.events(), "metadata_loaded")[0]["rows"], 2);
}

#[tokio::test]
async fn passing_failures_of_a_unit_batch_and_of_a_file_are_tried_again() {
    let backend = start().await;
    let id = collection(&backend, None).await;
    let dir = source(&backend).await;
    write_pairs(dir.path(), 4);
    fault(&backend, json!({"method": "POST", "path_glob": "/data_units/", "nth": 2, "status": 503})).await;
    fault(&backend, json!({"method": "POST", "path_glob": "/data_files/", "nth": 3, "status": 502})).await;
    let (ctx, _) = context(&backend);
    let result = run_upload(&ctx, params(&dir, id), &DefaultUploader).await.expect("the upload");
    assert_eq!((result.uploaded_files, result.data_units), (8, 4), "{result:#?}");
    assert!(result.failed_files.is_empty(), "{result:#?}");
    let state = state(&backend).await;
    assert_eq!(state["requests"]["POST /data_units/"], 3, "2 batches, the 2nd twice: {}", state["requests"]);
    assert_eq!(state["requests"]["POST /data_files/"], 9, "8 files, one twice: {}", state["requests"]);
    assert_eq!(state["data_units"].as_array().map(Vec::len), Some(4));
}
