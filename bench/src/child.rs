//! Measuring a child process: its own CPU time and peak memory (`wait4(2)`), and how figures
//! are summarized (median, min and max).

use std::io;
use std::time::Duration;

/// What `wait4` reports about one child.
pub struct Usage {
    /// User + system CPU time.
    pub cpu: Duration,
    /// Peak resident set size, KiB.
    pub max_rss_kib: u64,
}

/// Waits for the child `pid` and returns its raw wait status and resource usage.
///
/// `std::process::Child::wait` does not expose the child's `rusage`, and `getrusage
/// (RUSAGE_CHILDREN)` only gives the maximum over every child reaped so far, so this calls
/// `wait4(2)` directly. The `Child` handle is dropped without waiting (dropping it neither
/// waits nor kills), so the pid is reaped exactly once, here.
#[allow(unsafe_code)] // wait4 has no safe wrapper in std; the call below is the only unsafe code.
pub fn reap(pid: u32) -> io::Result<(i32, Usage)> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| io::Error::other("pid out of range"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct for which all-zero bytes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are valid, writable and live for the whole call; `pid`
        // is a child of this process that nothing else waits for.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    let cpu = time(usage.ru_utime) + time(usage.ru_stime);
    // Linux reports ru_maxrss in KiB.
    Ok((status, Usage { cpu, max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0) }))
}

/// `median unit (median of n; min …, max …)`, like the peer's output.
pub fn stats(values: &[f64], unit: &str, digits: usize) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let (median, min, max) = (median(&sorted), sorted[0], sorted[n - 1]);
    format!("{median:.digits$} {unit} (median of {n}; min {min:.digits$}, max {max:.digits$})")
}

/// The median of `values` (NaN for none).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// This process's own CPU time so far (user + system), from `getrusage(RUSAGE_SELF)`.
#[allow(unsafe_code)] // getrusage has no safe wrapper in std.
pub fn own_cpu() -> io::Result<Duration> {
    // SAFETY: `rusage` is a plain C struct for which all-zero bytes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is valid and writable for the whole call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    Ok(time(usage.ru_utime) + time(usage.ru_stime))
}

/// This process's peak resident set size in KiB (`VmHWM` of `/proc/self/status`): unlike a
/// child's `ru_maxrss`, it counts only this process's own memory image, not the one it was
/// started from.
pub fn own_peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
