//! Two of Ray's error bodies as its dashboard sends them, Python tracebacks, for the tests of
//! `message.rs` and `classify.rs`.

pub(super) const DUPLICATE: &str = r#"Traceback (most recent call last):
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/job_head.py", line 419, in submit_job
    resp = await job_agent_client.submit_job_internal(submit_request)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/job_head.py", line 134, in _raise_error
    raise RuntimeError(f"Request failed with status code {status}: {error_text}.")
RuntimeError: Request failed with status code 400: Traceback (most recent call last):
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/job_agent.py", line 45, in submit_job
    submission_id = await self.get_job_manager().submit_job(
                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/job_manager.py", line 553, in submit_job
    raise ValueError(
ValueError: Job with submission_id probe-2 already exists. Please use a different submission_id.
."#;

pub(super) const BAD_TYPE: &str = r#"Traceback (most recent call last):
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/utils.py", line 128, in parse_and_validate_request
    return validate_request_type(json_data, request_type)
  File "<string>", line 13, in __init__
  File "/tmp/rayenv/lib/python3.11/site-packages/ray/dashboard/modules/job/common.py", line 524, in __post_init__
    raise TypeError(
TypeError: entrypoint_num_cpus must be a number, got <class 'str'>
"#;
