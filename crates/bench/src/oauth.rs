//! `oauth`: the OAuth 2.0 token endpoint (client_credentials grants, authorization-code
//! exchanges) and the hosted UI's sign-in page, from 1 and several concurrent requesters,
//! beside the RS256 floor, the ceilings per core it implies, and the targets of the issue.

use crate::auth::{per_core, rate, requesters, server_per_core, verdict};
use crate::floor::Cost;
use crate::machine::CpuUse;
use crate::oauth_ops::{Fixture, Kind};
use crate::report::{Report, Table, ms};
use crate::sample::{self, Summary};
use crate::server::{self, DataDir};
use anyhow::{Context, ensure};
use std::sync::Arc;
use std::time::Duration;

/// Codes live five minutes; a stock must be produced and used well within that.
const CODE_BUDGET_SECONDS: f64 = 240.0;
/// Codes stocked per second of a run, relative to the last measured exchange rate.
const STOCK_MARGIN: f64 = 2.0;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Users signed in through the hosted UI (each gives a session for silent sign-in).
    #[arg(long, default_value_t = 4)]
    users: usize,
    /// Concurrent requesters: one run per count, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16")]
    callers: Vec<usize>,
    /// Length of each run, in seconds (an authorization_code run ends earlier if its codes run out).
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Calls each requester makes before a run's clock starts.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Time given to each crypto-floor measurement, in seconds.
    #[arg(long, default_value_t = 1.5)]
    floor_seconds: f64,
    /// Codes stocked before the first authorization_code run (later runs: twice what the
    /// previous rate would use).
    #[arg(long, default_value_t = 4_000)]
    codes: usize,
    /// The most codes stocked before one run.
    #[arg(long, default_value_t = 50_000)]
    max_codes: usize,
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
    ensure!(args.seconds > 0.0 && args.seconds < CODE_BUDGET_SECONDS / 2.0, "--seconds must be in (0, 120)");
    let dir = DataDir::choose(None, args.keep, "oauth")?;
    eprintln!("data directory: {}", dir.path.display());
    let server = server::start(&dir).await?;
    let result = bench(&args, &server).await;
    let server::BenchServer { running, client, .. } = server;
    drop(client);
    running.shutdown().await?;
    result
}

/// One run: its requester count, its summary, and for authorization_code the stock it drew on.
struct Run {
    callers: usize,
    summary: Summary,
    stock: Option<Stock>,
}

/// Codes produced before a run (silent sign-in, outside the measured window).
struct Stock {
    codes: usize,
    took: Duration,
    left: usize,
}

struct Measured {
    kind: Kind,
    runs: Vec<Run>,
}

async fn bench(args: &Args, server: &server::BenchServer) -> anyhow::Result<Report> {
    eprintln!("creating the pool, its clients and {} signed-in users", args.users);
    let fixture = Fixture::create(&server.client, &server.running.public_url, args.users).await?;
    let before = sign_floor(args.floor_seconds).await?;
    let cpu = CpuUse::now();
    let kinds: Vec<Kind> = Kind::ALL.into_iter().filter(|k| args.only.is_empty() || args.only.contains(k)).collect();
    let mut measured = Vec::new();
    for &kind in &kinds {
        measured.push(measure(args, &fixture, kind).await?);
    }
    let cpu = cpu.and_then(|c| c.since());
    let after = sign_floor(args.floor_seconds).await?;
    let change = 100.0 * (after.per_op.as_secs_f64() / before.per_op.as_secs_f64().max(1e-12) - 1.0);
    let drift = format!("RS256 sign {} → {} ms ({change:+.0}%)", ms(before.per_op), ms(after.per_op));
    let sign = Cost { name: before.name.clone(), per_op: (before.per_op + after.per_op) / 2 };

    let mut report = Report::new("cognate-bench oauth: token endpoint and sign-in page on embedded SQLite");
    facts(&mut report, args, &fixture, cpu);
    report.fact("floor drift", format!("before → after the load runs: {drift}; the floor below is their mean"));
    report.floor(sign.clone());
    report.table("Over HTTP (keep-alive; requesters share the machine with the server)", results_table(&measured));
    if let Some(m) = measured.iter().find(|m| m.kind == Kind::Code) {
        report.table("Codes stocked before each authorization_code run (silent sign-in, not measured)", stock_table(m));
    }
    report.table(
        "Crypto ceilings per core (what the RS256 floor allows one core to sustain)",
        ceilings(&measured, &sign),
    );
    report.table("Targets (from the issue)", targets_table(&measured));
    notes(&mut report);
    Ok(report)
}

/// RS256 signing on one core (the server's `SigningKey::sign_jwt`, RSA-2048, ~1 KB claims).
async fn sign_floor(seconds: f64) -> anyhow::Result<Cost> {
    eprintln!("measuring the crypto floor");
    let [sign, _verify] = tokio::task::spawn_blocking(move || crate::floor::rs256(seconds)).await??;
    Ok(sign)
}

fn facts(report: &mut Report, args: &Args, fixture: &Fixture, cpu: Option<(f64, f64)>) {
    report.fact(
        "pool",
        format!(
            "{}: resource server bench-api (scope read), a client_credentials client and a code-flow client \
             (openid email profile, PKCE S256), both with a secret (client_secret_basic); {} users signed in \
             through the sign-in form",
            fixture.pool_id,
            fixture.users()
        ),
    );
    report.fact("budget", format!("per row: {} warm-up calls per requester, then {} s", args.warmup, args.seconds));
    if let Some((own, others)) = cpu {
        report.fact(
            "cpu use",
            format!("while measuring: this process {own:.0}%, other processes {others:.0}% of all CPUs"),
        );
    }
}

async fn measure(args: &Args, fixture: &Arc<Fixture>, kind: Kind) -> anyhow::Result<Measured> {
    let mut runs = Vec::new();
    let mut need = args.codes.min(args.max_codes);
    for &callers in &args.callers {
        let stock =
            if kind == Kind::Code { Some(stock(args, fixture, need + callers * args.warmup).await?) } else { None };
        eprintln!("measuring {} with {callers} requester(s)", kind.label());
        let summary = calls(fixture, kind, callers, args.warmup, args.seconds).await?;
        let stock = stock.map(|s| Stock { left: fixture.codes_left(), ..s });
        let estimate = (summary.per_sec * args.seconds * STOCK_MARGIN).ceil() as usize;
        need = need.max(estimate).min(args.max_codes);
        runs.push(Run { callers, summary, stock });
    }
    Ok(Measured { kind, runs })
}

/// Replaces the code stock with `n` fresh codes, checking they will outlive the run.
async fn stock(args: &Args, fixture: &Arc<Fixture>, n: usize) -> anyhow::Result<Stock> {
    eprintln!("stocking {n} authorization codes by silent sign-in");
    let took = fixture.stock_codes(n).await.context("stocking authorization codes")?;
    ensure!(
        took.as_secs_f64() + args.seconds < CODE_BUDGET_SECONDS,
        "stocking {n} codes took {took:?}: with the run they would near their five-minute lifetime; lower --max-codes"
    );
    Ok(Stock { codes: n, took, left: 0 })
}

async fn calls(
    fixture: &Arc<Fixture>,
    kind: Kind,
    callers: usize,
    warmup: usize,
    seconds: f64,
) -> anyhow::Result<Summary> {
    let fixture = fixture.clone();
    sample::concurrent_while(callers, warmup, seconds, move || {
        let fixture = fixture.clone();
        async move { fixture.call(kind).await }
    })
    .await
    .with_context(|| format!("{} ({callers} requesters)", kind.label()))
}

/// Server CPU per completed call.
pub(crate) fn server_cpu_per_call(s: &Summary) -> Option<Duration> {
    s.server_cpu.filter(|_| s.n > 0).map(|cpu| cpu / s.n as u32)
}

fn results_table(measured: &[Measured]) -> Table {
    let mut table = Table::new(&[
        "operation",
        "callers",
        "n",
        "s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "req/s",
        "cores",
        "req/s/core",
        "srv cores",
        "srv/core",
        "srv ms/call",
    ]);
    for m in measured {
        for Run { callers, summary: s, .. } in &m.runs {
            table.row(vec![
                m.kind.label().into(),
                callers.to_string(),
                s.n.to_string(),
                format!("{:.1}", s.wall.as_secs_f64()),
                ms(s.p50),
                ms(s.p95),
                ms(s.p99),
                ms(s.max),
                rate(s.per_sec),
                s.cores().map_or("?".into(), |c| format!("{c:.2}")),
                per_core(s).map_or("?".into(), rate),
                s.server_cores().map_or("?".into(), |c| format!("{c:.2}")),
                server_per_core(s).map_or("?".into(), rate),
                server_cpu_per_call(s).map_or("?".into(), ms),
            ]);
        }
    }
    table
}

fn stock_table(m: &Measured) -> Table {
    let mut table = Table::new(&["callers", "codes", "stocking s", "codes/s", "left after run", "ran out"]);
    for run in &m.runs {
        let Some(s) = &run.stock else { continue };
        let secs = s.took.as_secs_f64();
        table.row(vec![
            run.callers.to_string(),
            s.codes.to_string(),
            format!("{secs:.1}"),
            rate(if secs > 0.0 { s.codes as f64 / secs } else { 0.0 }),
            s.left.to_string(),
            if s.left == 0 { "yes (the run ended early)".into() } else { "no".into() },
        ]);
    }
    table
}

/// The best run by `rate`, with its requester count.
fn best_by(m: &Measured, rate: fn(&Summary) -> Option<f64>) -> Option<(usize, f64)> {
    m.runs.iter().filter_map(|r| rate(&r.summary).map(|v| (r.callers, v))).max_by(|a, b| a.1.total_cmp(&b.1))
}

/// RS256 signatures one call cannot avoid.
fn signatures(kind: Kind) -> Option<(u32, &'static str)> {
    match kind {
        Kind::ClientCredentials => Some((1, "1 RS256 sign (access token)")),
        Kind::Code => Some((2, "2 RS256 signs (access + ID token)")),
        Kind::LoginPage => None,
    }
}

fn ceilings(measured: &[Measured], sign: &Cost) -> Table {
    let mut table = Table::new(&[
        "operation",
        "floor per call",
        "floor ms",
        "ceiling/core",
        "best req/s/core",
        "best srv/core",
        "callers",
        "of ceiling",
    ]);
    for m in measured {
        let Some((n, what)) = signatures(m.kind) else { continue };
        let seconds = sign.per_op.as_secs_f64() * f64::from(n);
        let ceiling = 1.0 / seconds.max(1e-12);
        let whole = best_by(m, per_core).map_or("?".into(), |(_, r)| rate(r));
        let mut row = vec![m.kind.label().into(), what.into(), format!("{:.3}", seconds * 1e3), rate(ceiling), whole];
        match best_by(m, server_per_core) {
            Some((callers, r)) => row.extend([rate(r), callers.to_string(), format!("{:.0}%", 100.0 * r / ceiling)]),
            None => row.extend(["?".into(), "-".into(), "?".into()]),
        }
        table.row(row);
    }
    table
}

fn targets_table(measured: &[Measured]) -> Table {
    let mut table = Table::new(&["target", "measured", "met"]);
    for m in measured {
        let row = match m.kind {
            Kind::ClientCredentials => rate_target(m, "client_credentials ≥ 2,000/s per server core", 2_000.0),
            Kind::Code => rate_target(m, "authorization_code ≥ 1,000/s per server core", 1_000.0),
            Kind::LoginPage => page_target(m),
        };
        table.row(row);
    }
    table
}

fn rate_target(m: &Measured, label: &str, target: f64) -> Vec<String> {
    match best_by(m, server_per_core) {
        Some((callers, r)) => {
            vec![label.into(), format!("{}/s per server core ({})", rate(r), requesters(callers)), verdict(r >= target)]
        }
        None => vec![label.into(), "? (no server CPU figure)".into(), "?".into()],
    }
}

/// The sign-in page: the least server CPU per page over the requester counts.
fn page_target(m: &Measured) -> Vec<String> {
    let label = "login page < 0.2 ms of server CPU per page";
    let best =
        m.runs.iter().filter_map(|r| server_cpu_per_call(&r.summary).map(|c| (r.callers, c))).min_by_key(|(_, c)| *c);
    match best {
        Some((callers, cpu)) => vec![
            label.into(),
            format!("{} ms per page ({})", ms(cpu), requesters(callers)),
            verdict(cpu < Duration::from_micros(200)),
        ],
        None => vec![label.into(), "? (no server CPU figure)".into(), "?".into()],
    }
}

fn notes(report: &mut Report) {
    report.note("n: completed calls; s: the measured window (an authorization_code run ends early when its stock of codes runs out, see the stock table). p50 … max: HTTP latency (send → last body byte, keep-alive).");
    report.note("req/s: completed calls per second, all requesters together. cores: process CPU time ÷ wall time (server and requesters share the process). req/s/core = req/s ÷ cores.");
    report.note("srv cores, srv/core, srv ms/call: the same for the server's threads alone (its runtime's workers and blocking threads, SQLite's workers; /proc/self/task/*/stat in 10 ms ticks). Targets are judged on these.");
    report.note("authorization_code: each code comes from a silent sign-in (GET /oauth2/authorize with a hosted-UI session cookie) made before the run; the exchange checks the client secret and PKCE, redeems the code, stores a refresh-token family and signs the access and ID tokens.");
    report.note("login page: GET /login as a first visit (no cookie): the authorization request's checks, a fresh CSRF token sealed into its cookie, and the template rendered. It signs nothing, so it has no crypto floor.");
}
