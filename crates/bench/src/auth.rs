//! `auth`: sign-in, refresh, GetUser, SignUp and SRP sign-in throughput and latency from 1 and
//! several concurrent requesters, beside the machine's crypto floor (Argon2id, RS256, SRP
//! modexps), the throughput ceilings per core it implies, and the targets of the issue.

use crate::auth_ops::{Fixture, Kind, Via};
use crate::floor::Cost;
use crate::machine::CpuUse;
use crate::report::{Report, Table, ms, thousands};
use crate::sample::{self, Summary};
use crate::server::{self, DataDir};
use anyhow::{Context, ensure};
use cognate_crypto::PasswordParams;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Users created (requesters take them in turn).
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Concurrent requesters: one run per count, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16")]
    callers: Vec<usize>,
    /// Length of each HTTP run, in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Length of each in-process run (the same calls through the domain service), in seconds.
    #[arg(long, default_value_t = 2.0)]
    in_process_seconds: f64,
    /// Calls each requester makes before a run's clock starts.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Time given to each crypto-floor measurement, in seconds.
    #[arg(long, default_value_t = 1.5)]
    floor_seconds: f64,
    /// Operations to measure (default: all), comma-separated.
    #[arg(long, value_delimiter = ',', value_enum)]
    only: Vec<Kind>,
    /// Keep the data directory under target/bench-data/ (its path is printed).
    #[arg(long)]
    keep: bool,
}

pub async fn run(args: Args) -> anyhow::Result<Report> {
    ensure!(args.users > 0, "--users must be positive");
    ensure!(!args.callers.is_empty() && !args.callers.contains(&0), "--callers must be positive counts");
    let dir = DataDir::choose(None, args.keep, "auth")?;
    eprintln!("data directory: {}", dir.path.display());
    let server = server::start(&dir).await?;
    let result = bench(&args, &server, &dir).await;
    let server::BenchServer { running, client, .. } = server;
    drop(client);
    running.shutdown().await?;
    result
}

/// The crypto floor, measured on one core before any load.
struct Floor {
    argon2_hash: Cost,
    argon2_verify: Cost,
    sign: Cost,
    verify: Cost,
    verifier: Cost,
    srp_server: Cost,
    srp_client: Cost,
    /// Context: the same verify as `argon2_verify`, through the server's blocking pool.
    argon2_pooled: Cost,
}

impl Floor {
    async fn measure(params: PasswordParams, seconds: f64) -> anyhow::Result<Floor> {
        eprintln!("measuring the crypto floor");
        let argon2_pooled = crate::floor::argon2id_pooled(params, seconds).await?;
        tokio::task::spawn_blocking(move || {
            let [argon2_hash, argon2_verify] = crate::floor::argon2id(params, seconds)?;
            let [sign, verify] = crate::floor::rs256(seconds)?;
            let [verifier, srp_server] = crate::floor::srp_server(seconds)?;
            let srp_client = crate::srp_client::client_cost(seconds)?;
            Ok(Floor { argon2_hash, argon2_verify, sign, verify, verifier, srp_server, srp_client, argon2_pooled })
        })
        .await?
    }

    fn costs_mut(&mut self) -> [&mut Cost; 8] {
        let Floor { argon2_hash, argon2_verify, sign, verify, verifier, srp_server, srp_client, argon2_pooled } = self;
        [argon2_hash, argon2_verify, sign, verify, verifier, srp_server, srp_client, argon2_pooled]
    }

    /// The mean of the floors measured before and after the load runs (a shared virtual
    /// machine drifts over minutes), and how far the main ones moved.
    fn average(mut self, mut after: Floor) -> (Floor, String) {
        let drift =
            [(&self.argon2_verify, &after.argon2_verify), (&self.sign, &after.sign), (&self.verifier, &after.verifier)]
                .iter()
                .map(|(b, a)| {
                    let change = 100.0 * (a.per_op.as_secs_f64() / b.per_op.as_secs_f64().max(1e-12) - 1.0);
                    format!("{} {} → {} ms ({change:+.0}%)", short(&b.name), ms(b.per_op), ms(a.per_op))
                })
                .collect::<Vec<_>>()
                .join(", ");
        for (b, a) in self.costs_mut().into_iter().zip(after.costs_mut()) {
            b.per_op = (b.per_op + a.per_op) / 2;
        }
        (self, drift)
    }

    /// The crypto one call of `kind` cannot avoid, in seconds, and how it adds up.
    fn of(&self, kind: Kind) -> (f64, &'static str) {
        let s = |c: &Cost| c.per_op.as_secs_f64();
        match kind {
            Kind::Password => (s(&self.argon2_verify) + 2.0 * s(&self.sign), "argon2 + 2 RS256 signs"),
            Kind::Refresh => (2.0 * s(&self.sign), "2 RS256 signs"),
            Kind::GetUser => (s(&self.verify), "1 RS256 verify"),
            Kind::SignUp => (s(&self.argon2_hash) + s(&self.verifier), "argon2 hash + SRP verifier"),
            Kind::Srp => (s(&self.srp_server) + 2.0 * s(&self.sign), "SRP server math + 2 RS256 signs"),
        }
    }
}

/// One operation's runs: an HTTP summary and an in-process one per requester count.
struct Measured {
    kind: Kind,
    runs: Vec<(usize, Summary, Summary)>,
}

async fn bench(args: &Args, server: &server::BenchServer, dir: &DataDir) -> anyhow::Result<Report> {
    let params = server.password;
    ensure!(params == PasswordParams::default(), "the server runs argon2 at {params:?}, not the production default");
    eprintln!("creating {} users", args.users);
    let fixture = Fixture::create(&server.client, &server.running.idp, args.users).await?;
    let before = Floor::measure(params, args.floor_seconds).await?;
    let cpu = CpuUse::now();
    let kinds: Vec<Kind> = Kind::ALL.into_iter().filter(|k| args.only.is_empty() || args.only.contains(k)).collect();
    let mut measured = Vec::new();
    for &kind in &kinds {
        measured.push(measure(args, &fixture, kind).await?);
    }
    let cpu = cpu.and_then(|c| c.since());
    let (floor, drift) = before.average(Floor::measure(params, args.floor_seconds).await?);
    let get_user = if kinds.contains(&Kind::GetUser) {
        eprintln!("timing GetUser's layers");
        Some(crate::auth_get_user::breakdown(server, dir, &fixture, &floor.verify, args.in_process_seconds).await?)
    } else {
        None
    };
    let mut report = Report::new("cognate-bench auth: sign-in, refresh, GetUser, SignUp and SRP on embedded SQLite");
    facts(&mut report, args, &fixture, params, cpu);
    report.fact("floor drift", format!("before → after the load runs: {drift}; the floor below is their mean"));
    for cost in [&floor.argon2_hash, &floor.argon2_verify, &floor.sign, &floor.verify, &floor.verifier] {
        report.floor(cost.clone());
    }
    for cost in [&floor.argon2_pooled, &floor.srp_server, &floor.srp_client] {
        report.context(cost.clone());
    }
    report.table(
        "Over HTTP (unsigned public calls, keep-alive; requesters share the machine with the server); idp: the same calls in process",
        results_table(&measured),
    );
    report.table(
        "Crypto ceilings per core (what the floor allows one core to sustain)",
        ceilings_table(&measured, &floor),
    );
    report.table("Targets (from the issue)", targets_table(&measured, &floor));
    if let Some(table) = get_user {
        report.table("Where GetUser's time goes (each layer alone, p50 of one sequential caller)", table);
    }
    notes(&mut report);
    Ok(report)
}

fn facts(report: &mut Report, args: &Args, fixture: &Fixture, params: PasswordParams, cpu: Option<(f64, f64)>) {
    report.fact(
        "pool",
        format!(
            "{}: {} users bench-user-N, an app client without secret, password {}",
            fixture.pool_id,
            fixture.users(),
            crate::auth_ops::PASSWORD
        ),
    );
    report.fact(
        "argon2id",
        format!("m={} KiB, t={}, p={} (the default)", params.memory_kib, params.iterations, params.parallelism),
    );
    report.fact(
        "budget",
        format!(
            "per row: {} warm-up calls per requester, then {} s over HTTP and {} s in process",
            args.warmup, args.seconds, args.in_process_seconds
        ),
    );
    if let Some((own, others)) = cpu {
        report.fact(
            "cpu use",
            format!("while measuring: this process {own:.0}%, other processes {others:.0}% of all CPUs"),
        );
    }
}

async fn measure(args: &Args, fixture: &Arc<Fixture>, kind: Kind) -> anyhow::Result<Measured> {
    let mut runs = Vec::new();
    for &callers in &args.callers {
        eprintln!("measuring {} with {callers} requester(s)", kind.label());
        let http = run_calls(fixture, kind, Via::Http, callers, args.warmup, args.seconds).await?;
        let idp = run_calls(fixture, kind, Via::InProcess, callers, args.warmup, args.in_process_seconds).await?;
        runs.push((callers, http, idp));
    }
    Ok(Measured { kind, runs })
}

async fn run_calls(
    fixture: &Arc<Fixture>,
    kind: Kind,
    via: Via,
    callers: usize,
    warmup: usize,
    seconds: f64,
) -> anyhow::Result<Summary> {
    let fixture = fixture.clone();
    sample::concurrent(callers, warmup, seconds, move || {
        let fixture = fixture.clone();
        async move { fixture.call(kind, via).await }
    })
    .await
    .with_context(|| format!("{} ({via:?}, {callers} requesters)", kind.label()))
}

/// Calls per second per CPU the process kept busy: `req/s ÷ cores`, i.e. 1 ÷ CPU time per call.
pub(crate) fn per_core(s: &Summary) -> Option<f64> {
    s.cores().filter(|c| *c > 0.0).map(|c| s.per_sec / c)
}

/// Calls per second per CPU the server's threads alone kept busy (the requesters excluded).
pub(crate) fn server_per_core(s: &Summary) -> Option<f64> {
    s.server_cores().filter(|c| *c > 0.0).map(|c| s.per_sec / c)
}

fn results_table(measured: &[Measured]) -> Table {
    let mut table = Table::new(&[
        "operation",
        "callers",
        "n",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "req/s",
        "cores",
        "req/s/core",
        "srv cores",
        "srv/core",
        "idp p50",
        "idp req/s",
    ]);
    for m in measured {
        for (callers, http, idp) in &m.runs {
            table.row(vec![
                m.kind.label().into(),
                callers.to_string(),
                http.n.to_string(),
                ms(http.p50),
                ms(http.p95),
                ms(http.p99),
                ms(http.max),
                rate(http.per_sec),
                http.cores().map_or("?".into(), |c| format!("{c:.2}")),
                per_core(http).map_or("?".into(), rate),
                http.server_cores().map_or("?".into(), |c| format!("{c:.2}")),
                server_per_core(http).map_or("?".into(), rate),
                ms(idp.p50),
                rate(idp.per_sec),
            ]);
        }
    }
    table
}

/// A cost's name without its parenthesised details.
fn short(name: &str) -> &str {
    name.split(" (").next().unwrap_or(name)
}

pub(crate) fn rate(per_sec: f64) -> String {
    if per_sec >= 100.0 { thousands(per_sec.round() as u64) } else { format!("{per_sec:.1}") }
}

/// The best HTTP run of an operation by calls per core, with its requester count.
fn best_per_core(m: &Measured) -> Option<(usize, f64, &Summary)> {
    best_by(m, per_core)
}

/// The best HTTP run by calls per core of the server's threads.
fn best_server_per_core(m: &Measured) -> Option<(usize, f64, &Summary)> {
    best_by(m, server_per_core)
}

fn best_by(m: &Measured, rate: fn(&Summary) -> Option<f64>) -> Option<(usize, f64, &Summary)> {
    m.runs
        .iter()
        .filter_map(|(callers, http, _)| rate(http).map(|r| (*callers, r, http)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The best HTTP throughput of an operation, with its requester count.
fn best_total(m: &Measured) -> Option<(usize, f64)> {
    m.runs.iter().map(|(callers, http, _)| (*callers, http.per_sec)).max_by(|a, b| a.1.total_cmp(&b.1))
}

fn ceilings_table(measured: &[Measured], floor: &Floor) -> Table {
    let mut table = Table::new(&[
        "operation",
        "floor per call",
        "floor ms",
        "ceiling/core",
        "achieved/core",
        "callers",
        "of ceiling",
    ]);
    for m in measured {
        let (seconds, what) = floor.of(m.kind);
        let ceiling = 1.0 / seconds;
        let best = best_per_core(m);
        let mut row = vec![m.kind.label().into(), what.into(), format!("{:.3}", seconds * 1e3), rate(ceiling)];
        row.extend(achieved_cells(best.map(|(c, r, _)| (c, r)), ceiling));
        table.row(row);
        let mut server = vec!["  server threads only".into(), "(requesters excluded)".into(), "".into(), "".into()];
        server.extend(achieved_cells(best_server_per_core(m).map(|(c, r, _)| (c, r)), ceiling));
        table.row(server);
        if m.kind == Kind::Password {
            table.row(pooled_row(m, floor));
        }
    }
    table
}

fn achieved_cells(best: Option<(usize, f64)>, ceiling: f64) -> Vec<String> {
    match best {
        Some((callers, r)) => vec![rate(r), callers.to_string(), format!("{:.0}%", 100.0 * r / ceiling)],
        None => vec!["?".into(), "-".into(), "?".into()],
    }
}

/// Password sign-in against Argon2id as the server runs it (through its blocking pool).
fn pooled_row(m: &Measured, floor: &Floor) -> Vec<String> {
    let seconds = floor.argon2_pooled.per_op.as_secs_f64() + 2.0 * floor.sign.per_op.as_secs_f64();
    let ceiling = 1.0 / seconds;
    let mut row = vec![
        "  with argon2 as the server runs it".into(),
        "pooled argon2 + 2 RS256 signs".into(),
        format!("{:.3}", seconds * 1e3),
        rate(ceiling),
    ];
    row.extend(achieved_cells(best_server_per_core(m).map(|(c, r, _)| (c, r)), ceiling));
    row
}

fn targets_table(measured: &[Measured], floor: &Floor) -> Table {
    let mut table = Table::new(&["target", "measured", "met"]);
    for m in measured {
        if let Some(row) = target_row(m, floor) {
            table.row(row);
        }
    }
    table
}

pub(crate) fn verdict(ok: bool) -> String {
    if ok { "yes".into() } else { "NO".into() }
}

fn target_row(m: &Measured, floor: &Floor) -> Option<Vec<String>> {
    match m.kind {
        Kind::Password => {
            let argon2 = 1.0 / floor.argon2_verify.per_op.as_secs_f64();
            let pooled = 1.0 / floor.argon2_pooled.per_op.as_secs_f64();
            let (callers, r, _) = best_server_per_core(m)?;
            let whole = best_per_core(m).map_or("?".into(), |(_, w, _)| format!("{:.0}%", 100.0 * w / argon2));
            let share = r / argon2;
            Some(vec![
                "password sign-in ≥ 90% of the Argon2id floor (per server core)".into(),
                format!(
                    "{:.0}%: {}/s per server core ({}) vs {}/s; {:.0}% of pooled Argon2id; whole process {whole}",
                    100.0 * share,
                    rate(r),
                    requesters(callers),
                    rate(argon2),
                    100.0 * r / pooled
                ),
                verdict(share >= 0.9),
            ])
        }
        Kind::Refresh => core_target(m, "refresh ≥ 1,000/s on one core", 1_000.0),
        Kind::GetUser => core_target(m, "GetUser ≥ 15,000/s on one core", 15_000.0),
        Kind::SignUp => None,
        Kind::Srp => {
            let (callers, r, _) = best_server_per_core(m)?;
            let whole = best_per_core(m).map_or("?".into(), |(_, w, _)| rate(w));
            Some(vec![
                "SRP ≥ 200/s per server core".into(),
                format!(
                    "{}/s per server core ({}); {whole}/s per core of the whole process",
                    rate(r),
                    requesters(callers)
                ),
                verdict(r >= 200.0),
            ])
        }
    }
}

/// Judged per server core (the "on one core"); the whole machine's best throughput,
/// requesters sharing it, is shown beside.
fn core_target(m: &Measured, label: &str, target: f64) -> Option<Vec<String>> {
    let (callers, r, _) = best_server_per_core(m)?;
    let total = best_total(m).map_or("?".into(), |(c, t)| format!("{}/s ({})", rate(t), requesters(c)));
    Some(vec![
        label.into(),
        format!("{}/s per server core ({}); whole machine {total}", rate(r), requesters(callers)),
        verdict(r >= target),
    ])
}

pub(crate) fn requesters(n: usize) -> String {
    if n == 1 { "1 requester".into() } else { format!("{n} requesters") }
}

fn notes(report: &mut Report) {
    report.note("p50 … max: HTTP latency of the call (send → last body byte, keep-alive); for SRP the sum of its two calls, the client math between them excluded (it is inside req/s).");
    report.note("req/s: completed calls per second, all requesters together. cores: process CPU time ÷ wall time during the run (server, requesters and SQLite share the process; /proc/self/stat). req/s/core = req/s ÷ cores = 1 ÷ CPU time per call: the per-core rate compared with the ceilings.");
    report.note("idp p50, idp req/s: the same calls through the Idp method the HTTP layer dispatches to (no HTTP, no JSON), same requester count.");
    report.note("srv cores, srv/core: the same for the server's threads alone (its own runtime's workers and blocking threads, its argon2 threads and SQLite's workers, from /proc/self/task/*/stat): the requesters' HTTP client, JSON and SRP client math excluded. Targets are judged on srv/core.");
    report.note("ceiling/core = 1 ÷ the floor per call; achieved/core: the best req/s/core over the requester counts, whole process first (pessimistic: requesters' CPU counts against the server), then server threads only.");
    report.note("users sign in in turn; refresh reuses each user's refresh token (no rotation); SignUp creates new unconfirmed users (no message: the pool has no AutoVerifiedAttributes).");
}
