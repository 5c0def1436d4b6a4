//! The module tree of a crate, read level by level: each level's files are parsed on a few worker
//! threads (see the parent module for why), each by `walker`, whose findings name the next level.

use super::walker::scan_file;
use super::{FileJob, FileScan};
use crate::discovery::DiscoveryError;

/// Stack size of the parsing threads (deeply nested expressions recurse deeply in `syn`).
const STACK_SIZE: usize = 8 * 1024 * 1024;

/// Reads every file of the module trees below `roots`, level by level.
pub(super) fn scan_tree(roots: Vec<FileJob>) -> Result<Vec<FileScan>, DiscoveryError> {
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8);
    let mut frontier = roots;
    let mut scans = Vec::new();
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for result in scan_level(&frontier, workers) {
            let mut scan = result?;
            next.append(&mut scan.children);
            scans.push(scan);
        }
        frontier = next;
    }
    Ok(scans)
}

/// Scans `jobs` on up to `workers` threads; the results are in the order of `jobs`.
fn scan_level(jobs: &[FileJob], workers: usize) -> Vec<Result<FileScan, DiscoveryError>> {
    let chunk_size = jobs.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk_size)
            .map(|chunk| {
                let handle = std::thread::Builder::new()
                    .name("synapse-discovery".to_owned())
                    .stack_size(STACK_SIZE)
                    .spawn_scoped(scope, move || chunk.iter().map(scan_file).collect::<Vec<_>>());
                (chunk, handle)
            })
            .collect();
        let mut results = Vec::with_capacity(jobs.len());
        for (chunk, handle) in handles {
            match handle {
                Ok(handle) => match handle.join() {
                    Ok(scans) => results.extend(scans),
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                // No thread to be had: do the work here.
                Err(_) => results.extend(chunk.iter().map(scan_file)),
            }
        }
        results
    })
}
