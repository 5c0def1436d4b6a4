//! The data_ops example's pre-annotation from its command line, against the dev backend:
//! `pre_annotate` from the seeded YOLO labels, reporting to a backend job (the SDK's steps and
//! proportions, one event per task), and `pre_annotate` with its `infer_boxes` action in a child
//! process (`--mode process`), whose boxes found in the seeded images equal the seeded ones.

use serde_json::{Value, json};
use synapse_tests::dev_backend::{job_state, new_job, run_plugin, start};
use synapse_tests::to_task::{box_pairs, expected, seed_project, stored, task_ids, without_ids};

const DATA_OPS: &str = env!("CARGO_BIN_EXE_data-ops-plugin");
const NO_ENV: &[(&str, &str)] = &[];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_annotate_from_labels_reports_each_task_to_its_job() {
    let backend = start().await;
    let seeded = seed_project(&backend, 5, true, &[4]).await;
    let tasks = task_ids(&seeded);
    let job = new_job(&backend).await;
    let params = json!({
        "name": "labels", "project": seeded["project"], "target_specification_name": "label_1",
        "pre_processor_params": {"class_names": ["car", "person"]},
    })
    .to_string();
    let (result, _) = run_plugin(
        DATA_OPS,
        &backend,
        &["run", "pre_annotate", "--params", &params, "--job-id", &job.to_string()],
        &[("SYNAPSE_LANGUAGE", "ko")],
    )
    .await;
    assert_eq!(result["status"], "SUCCEEDED");
    assert_eq!(
        (result["total_tasks"].clone(), result["success_count"].clone(), result["failed_count"].clone()),
        (json!(5), json!(4), json!(1))
    );
    assert_eq!(result["failures"][0]["task_id"], tasks[4]);
    for task in &tasks[..4] {
        assert_eq!(without_ids(stored(&backend, *task).await), expected(&seeded, *task), "task {task}");
    }

    let (record, patches, logs) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED", "{patches:#?}");
    let last = patches.last().expect("patches");
    let steps = &last["progress_record"]["record"]["steps"];
    for (step, proportion) in
        [("initialize", 10.0), ("prepare", 5.0), ("fetch_tasks", 10.0), ("annotate_task_data", 70.0), ("finalize", 5.0)]
    {
        assert_eq!(steps[step]["proportion"], proportion, "{step}: {last}");
        assert_eq!(steps[step]["percent"], 100.0, "{step}: {last}");
    }
    let per_task: Vec<&Value> = logs.iter().filter(|l| l["event"] == "annotate_task_data").collect();
    assert_eq!(per_task.len(), 5, "{logs:#?}");
    let failed: Vec<&&Value> = per_task.iter().filter(|l| l["data"]["status"] == "failed").collect();
    assert_eq!((failed.len(), failed[0]["data"]["task_id"].clone()), (1, json!(tasks[4])));
    // The summary is a message code, in the run's language (SYNAPSE_LANGUAGE), with its key.
    let summary =
        logs.iter().find(|l| l["event"] == "message" && l["data"]["code"].is_string()).expect("a coded message");
    assert_eq!(summary["data"]["code"], "TO_TASK_COMPLETED_WITH_FAILURES", "{summary}");
    assert_eq!(summary["data"]["content"], "사전 주석 완료(일부 실패). 성공=4, 실패=1", "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_annotate_by_inference_in_a_child_process_finds_the_seeded_boxes() {
    let backend = start().await;
    let seeded = seed_project(&backend, 4, false, &[]).await;
    let params = json!({
        "name": "boxes", "project": seeded["project"], "method": "inference", "pre_processor": "infer_boxes",
        "pre_processor_params": {"class_names": ["car", "person"], "colors": [[230, 25, 75], [60, 180, 75]]},
    })
    .to_string();
    let (result, _) =
        run_plugin(DATA_OPS, &backend, &["run", "pre_annotate", "--mode", "process", "--params", &params], NO_ENV)
            .await;
    assert_eq!((result["success_count"].clone(), result["failed_count"].clone()), (json!(4), json!(0)), "{result}");
    for task in task_ids(&seeded) {
        let found = without_ids(stored(&backend, task).await);
        // The regions are found row by row: compare the boxes as sets.
        assert_eq!(box_pairs(&found), box_pairs(&expected(&seeded, task)), "task {task}");
    }
}
