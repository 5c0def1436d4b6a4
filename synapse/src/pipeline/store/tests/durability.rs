//! Durability: checkpoints a killed process committed are all there, whole, and its run resumes
//! where the last one left it. The killed process is this test binary, run again for the
//! ignored helper test below.

use super::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Set in the child process of [`committed_checkpoints_survive_sigkill`]: the store to write.
const CRASH_STORE_VAR: &str = "SYNAPSE_TEST_CRASH_STORE";
/// Actions per run in the crash test.
const CRASH_ACTIONS: usize = 10;

/// Not a test: the child process of [`committed_checkpoints_survive_sigkill`]. Checkpoints forever
/// and prints `committed N` after the N-th checkpoint returned, until it is killed.
#[test]
#[ignore = "a helper process, run by `committed_checkpoints_survive_sigkill`"]
fn crash_helper_checkpoints_until_killed() {
    let Some(path) = std::env::var_os(CRASH_STORE_VAR) else { return };
    let store = RunStore::open(path).unwrap();
    let names: Vec<String> = (0..CRASH_ACTIONS).map(|index| format!("action{index}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut stdout = std::io::stdout().lock();
    let mut committed = 0u64;
    for run in 0.. {
        let run_id = format!("crash-{run}");
        store.create_run(&new_run(&run_id, "crash", &names)).unwrap();
        let mut params = json!({});
        for (index, name) in names.iter().enumerate() {
            store.start_action(&run_id, index).unwrap();
            store.append_events(&run_id, &[json!({"kind": "progress", "index": index})]).unwrap();
            store.checkpoint(&checkpoint_of(&run_id, index, name, &mut params)).unwrap();
            committed += 1;
            writeln!(stdout, "committed {committed}").unwrap();
            stdout.flush().unwrap();
        }
    }
}

/// Kills the child when dropped, so a failing assertion leaves no process behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn committed_checkpoints_survive_sigkill() {
    const AT_LEAST: u64 = 100;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let helper = module_path!().split_once("::").map_or(module_path!(), |(_, path)| path);
    let helper = format!("{helper}::crash_helper_checkpoints_until_killed");
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args([helper.as_str(), "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CRASH_STORE_VAR, &path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );

    // Read the child's reports on a thread, so a child that hangs fails the test instead of
    // blocking it.
    let stdout = child.0.stdout.take().unwrap();
    let (reports, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("committed ").and_then(|n| n.parse::<u64>().ok())
                && reports.send(n).is_err()
            {
                break;
            }
        }
    });
    let mut committed = 0;
    while committed < AT_LEAST {
        committed = match received.recv_timeout(Duration::from_secs(60)) {
            Ok(n) => n,
            Err(error) => panic!("the helper reported {committed} checkpoints, then stopped ({error:?})"),
        };
    }
    // SIGKILL, in the middle of whatever the child was writing.
    child.0.kill().unwrap();
    let status = child.0.wait().unwrap();
    assert!(!status.success(), "{status}");

    let store = RunStore::open(&path).unwrap();
    let checkpoints = count(&store, "SELECT count(*) FROM checkpoints");
    assert!(checkpoints >= i64::try_from(committed).unwrap(), "{checkpoints} checkpoints, {committed} reported");
    // Every checkpoint's transaction is whole: its action is completed, and vice versa.
    assert_eq!(count(&store, "SELECT count(*) FROM actions WHERE status = 'completed'"), checkpoints);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM checkpoints c JOIN actions a ON a.run_id = c.run_id AND a.idx = c.action_index
             WHERE a.status = 'completed' AND a.result = c.result"
        ),
        checkpoints
    );
    let integrity: String =
        store.conn.lock().unwrap().query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(integrity, "ok");

    // The run it was in the middle of resumes where the last checkpoint left it.
    let last = store.runs(Some("crash"), 1).unwrap().remove(0);
    let run = store.run(&last.run_id).unwrap().unwrap();
    let resume_at = run.next_action().unwrap_or(CRASH_ACTIONS);
    assert_eq!(resume_at, last.completed_actions);
    if resume_at > 0 {
        let checkpoint = store.latest_checkpoint(&last.run_id).unwrap().unwrap();
        assert_eq!(checkpoint.action_index, resume_at - 1);
        assert_eq!(checkpoint.params_snapshot.as_object().unwrap().len(), resume_at);
    }
}
