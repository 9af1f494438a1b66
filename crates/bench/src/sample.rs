//! Timing: a warm-up, then sequential calls within a count and time budget, or several
//! concurrent callers for a fixed time; summarised as percentiles and throughput.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long to measure one row.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Budget {
    /// Calls made and discarded before measuring each row.
    #[arg(long, default_value_t = 20)]
    pub warmup: usize,
    /// Measured calls per row (fewer if --seconds runs out first).
    #[arg(long, default_value_t = 500)]
    pub requests: usize,
    /// Time limit per row, in seconds.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
}

impl Budget {
    /// The same budget with a shorter time limit (for the cheap in-process layers).
    pub fn capped(self, seconds: f64) -> Budget {
        Budget { seconds: self.seconds.min(seconds), ..self }
    }
}

/// One measured call: how long the timed part took and how many items it returned.
pub struct Timed {
    pub elapsed: Duration,
    pub hits: usize,
}

/// Times `fut` and counts its result with `hits`.
pub async fn time<T, E>(fut: impl Future<Output = Result<T, E>>, hits: impl FnOnce(&T) -> usize) -> Result<Timed, E> {
    let start = Instant::now();
    let out = fut.await?;
    Ok(Timed { elapsed: start.elapsed(), hits: hits(&out) })
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub n: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Completed calls per second of wall time (all callers together).
    pub per_sec: f64,
    /// Items returned by the last call.
    pub hits: usize,
    /// Wall time of the measured part.
    pub wall: Duration,
    /// CPU time the whole process (server and clients) used while measuring, when known.
    pub cpu: Option<Duration>,
    /// CPU time the server's threads alone used while measuring, when known.
    pub server_cpu: Option<Duration>,
}

impl Summary {
    fn of(mut samples: Vec<Duration>, wall: Duration, hits: usize) -> Summary {
        samples.sort_unstable();
        // Nearest rank: the smallest sample with at least q of all samples at or below it.
        let pick = |q: f64| {
            let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len().max(1));
            samples.get(rank - 1).copied().unwrap_or_default()
        };
        let wall = wall.as_secs_f64();
        Summary {
            n: samples.len(),
            p50: pick(0.50),
            p95: pick(0.95),
            p99: pick(0.99),
            max: samples.last().copied().unwrap_or_default(),
            per_sec: if wall > 0.0 { samples.len() as f64 / wall } else { 0.0 },
            hits,
            wall: Duration::from_secs_f64(wall),
            cpu: None,
            server_cpu: None,
        }
    }

    /// CPUs kept busy on average while measuring: process CPU time ÷ wall time.
    pub fn cores(&self) -> Option<f64> {
        let wall = self.wall.as_secs_f64();
        self.cpu.filter(|_| wall > 0.0).map(|cpu| cpu.as_secs_f64() / wall)
    }

    /// CPUs the server's threads kept busy on average while measuring.
    pub fn server_cores(&self) -> Option<f64> {
        let wall = self.wall.as_secs_f64();
        self.server_cpu.filter(|_| wall > 0.0).map(|cpu| cpu.as_secs_f64() / wall)
    }
}

/// Calls `op` `budget.warmup` times, then until `budget.requests` calls or `budget.seconds`.
pub async fn sequential<F, Fut>(budget: Budget, mut op: F) -> anyhow::Result<Summary>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Timed>>,
{
    for _ in 0..budget.warmup {
        op().await?;
    }
    let limit = Duration::from_secs_f64(budget.seconds);
    let mut samples = Vec::with_capacity(budget.requests);
    let mut hits = 0;
    let start = Instant::now();
    while samples.len() < budget.requests.max(1) && (samples.is_empty() || start.elapsed() < limit) {
        let t = op().await?;
        samples.push(t.elapsed);
        hits = t.hits;
    }
    Ok(Summary::of(samples, start.elapsed(), hits))
}

/// `callers` tasks each call `op` in a loop for `seconds` (after `warmup` calls each, so every
/// caller has its own connection open before the clock starts).
pub async fn concurrent<F, Fut>(callers: usize, warmup: usize, seconds: f64, op: F) -> anyhow::Result<Summary>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<Timed>> + Send,
{
    concurrent_while(callers, warmup, seconds, move || {
        let call = op();
        async move { call.await.map(Some) }
    })
    .await
}

/// Like [`concurrent`], for work drawn from a prepared supply (authorization codes...): a
/// call answering `None` found nothing left, and its caller stops early. The wall time runs
/// until the last caller stops, so the rates stay true when the supply runs out.
pub async fn concurrent_while<F, Fut>(callers: usize, warmup: usize, seconds: f64, op: F) -> anyhow::Result<Summary>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<Option<Timed>>> + Send,
{
    let callers = callers.max(1);
    let ready = Arc::new(tokio::sync::Barrier::new(callers + 1));
    let limit = Duration::from_secs_f64(seconds);
    let mut tasks = Vec::with_capacity(callers);
    for _ in 0..callers {
        let (op, ready) = (op.clone(), ready.clone());
        tasks.push(tokio::spawn(async move {
            let mut warm = Ok(());
            for _ in 0..warmup {
                if let Err(e) = op().await {
                    warm = Err(e);
                    break;
                }
            }
            ready.wait().await;
            warm?;
            let start = Instant::now();
            let mut samples = Vec::new();
            let mut hits = 0;
            while start.elapsed() < limit {
                let Some(t) = op().await? else { break };
                samples.push(t.elapsed);
                hits = t.hits;
            }
            anyhow::Ok((samples, hits))
        }));
    }
    ready.wait().await;
    let cpu = crate::machine::process_cpu();
    let server_cpu = crate::machine::server_cpu();
    let start = Instant::now();
    let mut all = Vec::new();
    let mut hits = 0;
    for task in tasks {
        let (samples, h) = task.await??;
        all.extend(samples);
        hits = h;
    }
    let mut summary = Summary::of(all, start.elapsed(), hits);
    summary.cpu = cpu.zip(crate::machine::process_cpu()).map(|(before, after)| after.saturating_sub(before));
    summary.server_cpu =
        server_cpu.zip(crate::machine::server_cpu()).map(|(before, after)| after.saturating_sub(before));
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let s = Summary::of(samples, Duration::from_secs(2), 7);
        assert_eq!((s.n, s.hits), (100, 7));
        assert_eq!(s.p50, Duration::from_millis(50));
        assert_eq!(s.p95, Duration::from_millis(95));
        assert_eq!(s.p99, Duration::from_millis(99));
        assert_eq!(s.max, Duration::from_millis(100));
        assert!((s.per_sec - 50.0).abs() < 1e-9);
    }
}
