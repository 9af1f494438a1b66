//! Facts about the host, printed above every report so figures can be compared fairly.

/// `(label, value)` lines: CPU, core count, memory, kernel and build profile.
pub fn facts() -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().find_map(|l| l.strip_prefix("MemTotal:").map(|v| v.trim().to_owned())))
        .and_then(|v| v.trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_owned());
    let os = format!("{} {}", std::env::consts::OS, kernel.unwrap_or_default());
    let profile = if cfg!(debug_assertions) { "DEBUG (figures meaningless: use --release)" } else { "release" };
    vec![
        ("cpu".into(), format!("{model}, {cores} logical CPUs (nproc)")),
        ("memory".into(), memory),
        ("os".into(), os.trim().to_owned()),
        ("build".into(), profile.into()),
    ]
}

/// CPU time counters, to tell how much of the machine other processes took during a run
/// (anything above a few percent makes the figures pessimistic).
pub struct CpuUse {
    total: u64,
    busy: u64,
    own: u64,
}

impl CpuUse {
    /// `None` where `/proc` is unavailable.
    pub fn now() -> Option<CpuUse> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let ticks: Vec<u64> = stat.lines().next()?.split_whitespace().skip(1).filter_map(|t| t.parse().ok()).collect();
        // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
        let total: u64 = ticks.iter().take(8).sum();
        let idle = ticks.get(3)? + ticks.get(4).unwrap_or(&0);
        let own = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let rest: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
        let own = rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?;
        Some(CpuUse { total, busy: total - idle, own })
    }

    /// Since `self`: the share of all CPUs that this process and that other processes used.
    pub fn since(&self) -> Option<(f64, f64)> {
        let now = CpuUse::now()?;
        let total = now.total.checked_sub(self.total).filter(|&t| t > 0)? as f64;
        let own = now.own.saturating_sub(self.own) as f64;
        let others = now.busy.saturating_sub(self.busy) as f64 - own;
        Some((100.0 * own / total, 100.0 * others.max(0.0) / total))
    }
}

/// CPU time the server's threads have used so far: its runtime's workers and blocking
/// threads, its argon2 threads and SQLite's worker threads (`/proc/self/task/*/stat`). A
/// thread that has exited no longer counts, so read it around runs, not across the process.
pub fn server_cpu() -> Option<std::time::Duration> {
    let prefixes = [crate::server::SERVER_THREADS, "argon2-", "sqlx-sqlite"];
    let mut ticks = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        let Some((head, rest)) = stat.rsplit_once(')') else { continue };
        let name = head.split_once('(').map_or("", |(_, n)| n);
        if !prefixes.iter().any(|p| name.starts_with(&p[..p.len().min(15)])) {
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let used = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        ticks += used(11) + used(12);
    }
    Some(std::time::Duration::from_millis(ticks * 10))
}

/// CPU time this process (every thread: server, clients, blocking pool) has used so far, from
/// `/proc/self/stat` in clock ticks of 10 ms (Linux's USER_HZ); `None` where `/proc` is
/// unavailable.
pub fn process_cpu() -> Option<std::time::Duration> {
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?;
    Some(std::time::Duration::from_millis(ticks * 10))
}

/// CPU time the calling thread has used so far, from `/proc/thread-self/stat` in clock ticks
/// of 10 ms; `None` where `/proc` is unavailable.
pub fn thread_cpu() -> Option<std::time::Duration> {
    let own = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?;
    Some(std::time::Duration::from_millis(ticks * 10))
}
