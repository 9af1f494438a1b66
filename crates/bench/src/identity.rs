//! `identity`: identity pools' credentials and authorization decisions. GetCredentialsForIdentity
//! (with a login token never presented before, from a stock made by refreshing, and with tokens
//! the server has verified already) and `CognateAuthz.Authorize` over HTTP from 1 and several
//! concurrent requesters, and in process on one thread (no HTTP) the `Identity` service's
//! `authorize` (the decisions the issue's ≥ 50,000/s per core target is about) and
//! `open_session`, beside the crypto floor (RS256 verify of the login token, AES-256-GCM
//! sealing of the session, the policy evaluation alone), the ceilings per core it implies, and
//! the targets of the issue.

use crate::auth::{per_core, rate, requesters, server_per_core, verdict};
use crate::client::AUTHZ;
use crate::floor::{self, Cost};
use crate::identity_ops::{self as ops, Fixture, Kind, Question};
use crate::machine::CpuUse;
use crate::oauth::server_cpu_per_call;
use crate::report::{Report, Table, ms, thousands};
use crate::sample::{self, Summary};
use crate::server::{self, DataDir};
use anyhow::{Context, bail, ensure};
use cognate_core::{Clock, SystemClock};
use cognate_identity::{IdentitySettings, Session};
use cognate_policy::{Policy, Request as PolicyRequest};
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The target for authorization decisions, per core.
const DECISIONS_TARGET: f64 = 50_000.0;
/// In-process calls between two reads of the clock.
const BATCH: usize = 64;
/// Fresh ID tokens stocked per second of a run, relative to the last measured rate (a run
/// that uses up its stock ends early; its rates stay true).
const STOCK_MARGIN: f64 = 1.25;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Users created, each with an identity and credentials (calls take them in turn).
    #[arg(long, default_value_t = 8)]
    users: usize,
    /// Concurrent requesters over HTTP: one run per count, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4")]
    callers: Vec<usize>,
    /// Length of each HTTP run, in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Length of each in-process run (one thread, no HTTP), in seconds.
    #[arg(long, default_value_t = 2.0)]
    in_process_seconds: f64,
    /// Calls each requester makes before a run's clock starts.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Fresh ID tokens stocked before the first fresh-token GetCredentialsForIdentity run
    /// (later runs: 1.25 times what the previous rate would use in --seconds).
    #[arg(long, default_value_t = 20_000)]
    tokens: usize,
    /// The most fresh ID tokens stocked before one run.
    #[arg(long, default_value_t = 50_000)]
    max_tokens: usize,
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
    // ID tokens and credentials last an hour; they are made once, before every run.
    ensure!(args.seconds > 0.0 && args.seconds <= 240.0, "--seconds must be in (0, 240]");
    ensure!(
        args.in_process_seconds > 0.0 && args.in_process_seconds <= 240.0,
        "--in-process-seconds must be in (0, 240]"
    );
    let dir = DataDir::choose(None, args.keep, "identity")?;
    eprintln!("data directory: {}", dir.path.display());
    let server = server::start(&dir).await?;
    let result = bench(&args, &server).await;
    let server::BenchServer { running, client, .. } = server;
    drop(client);
    running.shutdown().await?;
    result
}

/// One HTTP run: its requester count, its summary, and for fresh tokens the stock it drew on.
struct Run {
    callers: usize,
    summary: Summary,
    stock: Option<Stock>,
}

/// Fresh ID tokens made before a run (refreshes in process, not measured).
struct Stock {
    tokens: usize,
    took: Duration,
    left: usize,
}

/// An in-process run on one thread: calls completed, wall time, and the thread's CPU time.
struct OneThread {
    n: u64,
    wall: Duration,
    cpu: Option<Duration>,
}

impl OneThread {
    fn per_sec(&self) -> f64 {
        let wall = self.wall.as_secs_f64();
        if wall > 0.0 { self.n as f64 / wall } else { 0.0 }
    }

    /// Calls per second of the thread's CPU time: what one core sustains.
    fn per_core(&self) -> Option<f64> {
        self.cpu.filter(|c| !c.is_zero()).map(|c| self.n as f64 / c.as_secs_f64())
    }

    /// The share of the wall time the thread was on a CPU.
    fn busy(&self) -> Option<f64> {
        let wall = self.wall.as_secs_f64();
        self.cpu.filter(|_| wall > 0.0).map(|c| c.as_secs_f64() / wall)
    }

    /// CPU per call (wall time per call where the CPU time is unknown).
    fn per_call(&self) -> Duration {
        self.cpu.unwrap_or(self.wall) / u32::try_from(self.n.max(1)).unwrap_or(u32::MAX)
    }
}

enum Runs {
    Http(Vec<Run>),
    InProcess(OneThread),
}

struct Measured {
    kind: Kind,
    runs: Runs,
}

/// The floor and context costs on one core.
struct Floors {
    /// RS256 verify of a token-sized JWT (the login token's check).
    verify: Cost,
    /// AES-256-GCM seal and open of a session as its token carries it.
    seal: Cost,
    open: Cost,
    /// `cognate_policy::evaluate` of the per-user-folder policy, with the server's context.
    evaluate: Cost,
    /// Context: SigV4 parse + verify of an Authorize call (the administrator's signature).
    sigv4_verify: Cost,
    /// Context: building the session's condition context and evaluating (what `authorize`
    /// adds to the evaluation, bar the policy cache and the answer).
    context_and_evaluate: Cost,
}

impl Floors {
    async fn measure(fixture: &Arc<Fixture>, seconds: f64) -> anyhow::Result<Floors> {
        eprintln!("measuring the crypto floor");
        let fixture = fixture.clone();
        tokio::task::spawn_blocking(move || {
            let [_sign, verify] = floor::rs256(seconds)?;
            let plain = fixture.session_plaintext()?;
            let [seal, open] = floor::aes_gcm(ops::SESSION_PURPOSE, &plain, seconds)?;
            let policies = [Policy::parse(ops::PER_USER_FOLDER)?];
            let questions = questions(&fixture);
            let settings = fixture.identity.settings();
            let now = SystemClock.now().millis();
            let requests = questions
                .iter()
                .map(|q| Ok((server_request(q, session_of(&fixture, q)?, settings, now), q.allowed)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let evaluate = floor::policy_evaluation(
                "policy evaluation (cognate_policy::evaluate, per-user-folder policy, allowed/denied in turn)",
                &policies,
                &requests,
                seconds,
            )?;
            let mut i = 0;
            let context_and_evaluate = floor::measure(
                "the session's condition context built + evaluation (no cache, no answer)",
                seconds,
                || {
                    let q = questions.get(i % questions.len()).context("no questions")?;
                    i += 1;
                    let request = server_request(q, session_of(&fixture, q)?, settings, SystemClock.now().millis());
                    let decision = cognate_policy::evaluate(&policies, None, black_box(&request));
                    ensure!(decision.is_allowed() == q.allowed, "not the expected decision");
                    Ok(())
                },
            )?;
            let (key, token) = fixture.credentials_of(0)?;
            let body = json!({
                "AccessKeyId": key,
                "SessionToken": token,
                "Action": "s3:PutObject",
                "Resource": format!("arn:aws:s3:::{}/{}/photos/cat.jpg", ops::BUCKET, ops::STRANGER),
                "Context": {},
            });
            let [_, mut sigv4_verify] = floor::sigv4_for(AUTHZ, "Authorize", &body, seconds)?;
            sigv4_verify.name = "SigV4 parse + verify of an Authorize call (the administrator's signature)".into();
            Ok(Floors { verify, seal, open, evaluate, sigv4_verify, context_and_evaluate })
        })
        .await?
    }

    fn costs_mut(&mut self) -> [&mut Cost; 6] {
        let Floors { verify, seal, open, evaluate, sigv4_verify, context_and_evaluate } = self;
        [verify, seal, open, evaluate, sigv4_verify, context_and_evaluate]
    }

    /// The mean of the floors measured before and after the load runs, and how far the main
    /// ones moved.
    fn average(mut self, mut after: Floors) -> (Floors, String) {
        let drift = [(&self.verify, &after.verify), (&self.seal, &after.seal), (&self.evaluate, &after.evaluate)]
            .iter()
            .map(|(b, a)| {
                let change = 100.0 * (a.per_op.as_secs_f64() / b.per_op.as_secs_f64().max(1e-12) - 1.0);
                format!("{} {} → {} µs ({change:+.0}%)", short(&b.name), us(b.per_op), us(a.per_op))
            })
            .collect::<Vec<_>>()
            .join(", ");
        for (b, a) in self.costs_mut().into_iter().zip(after.costs_mut()) {
            b.per_op = (b.per_op + a.per_op) / 2;
        }
        (self, drift)
    }

    /// The work one call of `kind` cannot avoid, in seconds, and how it adds up.
    fn of(&self, kind: Kind) -> (f64, &'static str) {
        let s = |c: &Cost| c.per_op.as_secs_f64();
        match kind {
            Kind::Credentials => (s(&self.verify) + s(&self.seal), "1 RS256 verify + 1 AES-GCM seal"),
            Kind::CredentialsRepeat => (s(&self.seal), "1 AES-GCM seal (signature known: no RS256)"),
            Kind::Authorize => (
                s(&self.sigv4_verify) + s(&self.open) + s(&self.evaluate),
                "SigV4 verify + AES-GCM open + 1 evaluation",
            ),
            Kind::Decisions => (s(&self.evaluate), "1 policy evaluation"),
            Kind::OpenSession => (s(&self.open), "1 AES-GCM open"),
        }
    }
}

/// The allowed/denied questions every user asks in turn (two per user).
fn questions(fixture: &Fixture) -> Vec<Question> {
    (0..2 * fixture.users.len()).map(|n| fixture.question(n)).collect()
}

fn session_of<'a>(fixture: &'a Fixture, q: &Question) -> anyhow::Result<&'a Session> {
    Ok(&fixture.users.get(q.user).context("no such user")?.session)
}

/// `q` as the server asks `cognate_policy`: the question's action and resource, with the
/// condition keys the server adds for `session` (crates/identity/src/authz.rs,
/// `session_context`).
fn server_request(q: &Question, session: &Session, settings: &IdentitySettings, now_ms: i64) -> PolicyRequest {
    let iso = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ").to_string()
    };
    let mut request = PolicyRequest::new(q.request.action.clone(), q.request.resource.clone());
    let c = &mut request.context;
    for (key, values) in &q.request.context {
        c.insert(key, values.iter().cloned());
    }
    c.insert("aws:CurrentTime", [iso(now_ms)]);
    c.insert("aws:EpochTime", [now_ms.div_euclid(1000).to_string()]);
    c.insert("aws:TokenIssueTime", [iso(session.issued * 1000)]);
    c.insert("aws:PrincipalArn", [session.role_arn.as_str()]);
    c.insert("aws:PrincipalAccount", [settings.account_id.as_str()]);
    c.insert("aws:PrincipalType", ["AssumedRole"]);
    c.insert("aws:userid", [session.user_id()]);
    c.insert("aws:RequestedRegion", [settings.region.as_str()]);
    c.insert("aws:PrincipalTagKeys", session.principal_tags.keys().cloned());
    for (key, value) in &session.principal_tags {
        c.insert(&format!("aws:PrincipalTag/{key}"), [value.as_str()]);
    }
    if let Some(web) = &session.web_identity {
        c.insert("cognito-identity.amazonaws.com:aud", [web.aud.as_str()]);
        c.insert("cognito-identity.amazonaws.com:sub", [web.sub.as_str()]);
        c.insert("cognito-identity.amazonaws.com:amr", web.amr.iter().cloned());
        c.insert("aws:FederatedProvider", [web.provider.as_str()]);
    }
    request
}

async fn bench(args: &Args, server: &server::BenchServer) -> anyhow::Result<Report> {
    eprintln!(
        "creating the user pool, {} signed-in users, the identity pool, the role {} and its policy",
        args.users,
        ops::ROLE_NAME
    );
    let running = &server.running;
    let fixture = Fixture::create(&server.client, &running.idp, &running.identity, args.users).await?;
    let before = Floors::measure(&fixture, args.floor_seconds).await?;
    let cpu = CpuUse::now();
    let kinds: Vec<Kind> = Kind::ALL.into_iter().filter(|k| args.only.is_empty() || args.only.contains(k)).collect();
    let mut measured = Vec::new();
    for &kind in &kinds {
        let runs = if kind.http() {
            Runs::Http(http_runs(args, &fixture, kind).await?)
        } else {
            eprintln!("measuring {} in process on one thread", kind.label());
            Runs::InProcess(in_process(&fixture, kind, args.in_process_seconds).await?)
        };
        measured.push(Measured { kind, runs });
    }
    let cpu = cpu.and_then(|c| c.since());
    let (floors, drift) = before.average(Floors::measure(&fixture, args.floor_seconds).await?);

    let mut report =
        Report::new("cognate-bench identity: GetCredentialsForIdentity and authorization decisions on embedded SQLite");
    facts(&mut report, args, &fixture, cpu)?;
    report.fact("floor drift", format!("before → after the load runs: {drift}; the floor below is their mean"));
    for cost in [&floors.verify, &floors.seal, &floors.evaluate] {
        report.floor(cost.clone());
    }
    for cost in [&floors.open, &floors.sigv4_verify, &floors.context_and_evaluate] {
        report.context(cost.clone());
    }
    if measured.iter().any(|m| matches!(m.runs, Runs::Http(_))) {
        report.table("Over HTTP (keep-alive; requesters share the machine with the server)", http_table(&measured));
    }
    if measured.iter().any(|m| m.kind == Kind::Credentials) {
        report.table(
            "Fresh ID tokens stocked before each fresh-token run (REFRESH_TOKEN_AUTH in process, not measured)",
            stock_table(&measured),
        );
    }
    if measured.iter().any(|m| matches!(m.runs, Runs::InProcess(_))) {
        report.table("In process (the Identity service on one thread: no HTTP, no JSON)", in_process_table(&measured));
    }
    report.table("Crypto ceilings per core (what the floor allows one core to sustain)", ceilings(&measured, &floors));
    report.table("Targets (from the issue)", targets(&measured, &floors));
    notes(&mut report);
    Ok(report)
}

fn facts(report: &mut Report, args: &Args, fixture: &Fixture, cpu: Option<(f64, f64)>) -> anyhow::Result<()> {
    report.fact(
        "user pool",
        format!(
            "{}: an app client without secret ({}, ALLOW_USER_PASSWORD_AUTH); {} users bench-user-N, each signed \
             in once (USER_PASSWORD_AUTH) for its ID token",
            fixture.user_pool_id,
            fixture.client_id,
            fixture.users.len()
        ),
    );
    report.fact(
        "identity pool",
        format!(
            "{}: CognitoIdentityProviders [{} with the app client], no unauthenticated identities; authenticated \
             role {}; one identity per user (GetId) and one set of credentials (GetCredentialsForIdentity)",
            fixture.identity_pool_id, fixture.provider, fixture.role_arn
        ),
    );
    report.fact(
        "role",
        format!(
            "{}: trust Federated cognito-identity.amazonaws.com, sts:AssumeRoleWithWebIdentity, aud = the pool, \
             amr authenticated; inline policy {} (s3:GetObject/PutObject on {}/${{sub}}/*, s3:ListBucket with \
             s3:prefix ${{sub}}/*)",
            ops::ROLE_NAME,
            ops::POLICY_NAME,
            ops::BUCKET
        ),
    );
    let plain = fixture.session_plaintext()?;
    let (_, token) = fixture.credentials_of(0)?;
    report.fact("session", format!("{} B of JSON sealed into a {}-character session token", plain.len(), token.len()));
    report.fact(
        "budget",
        format!(
            "per row: {} warm-up calls per requester, then {} s over HTTP; {} s per in-process run (after 0.1 s of \
             warm-up)",
            args.warmup, args.seconds, args.in_process_seconds
        ),
    );
    if let Some((own, others)) = cpu {
        report.fact(
            "cpu use",
            format!("while measuring: this process {own:.0}%, other processes {others:.0}% of all CPUs"),
        );
    }
    Ok(())
}

/// `kind` over HTTP for each requester count; fresh-token runs first stock their tokens.
async fn http_runs(args: &Args, fixture: &Arc<Fixture>, kind: Kind) -> anyhow::Result<Vec<Run>> {
    let mut runs = Vec::new();
    let mut need = args.tokens.min(args.max_tokens);
    for &callers in &args.callers {
        let stock = if kind == Kind::Credentials {
            let n = need + callers * args.warmup;
            eprintln!("stocking {n} fresh ID tokens by refreshing");
            let took = fixture.stock_tokens(n).await.context("stocking fresh ID tokens")?;
            Some(Stock { tokens: n, took, left: 0 })
        } else {
            None
        };
        eprintln!("measuring {} with {callers} requester(s)", kind.label());
        let summary = calls(fixture, kind, callers, args.warmup, args.seconds).await?;
        let stock = stock.map(|s| Stock { left: fixture.tokens_left(), ..s });
        let estimate = (summary.per_sec * args.seconds * STOCK_MARGIN).ceil() as usize;
        need = need.max(estimate).min(args.max_tokens);
        runs.push(Run { callers, summary, stock });
    }
    Ok(runs)
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

/// Runs `kind` in a tight loop on one blocking thread of the benchmark's runtime (futures
/// driven right there, by `Handle::block_on`), for `seconds` after 0.1 s of warm-up.
async fn in_process(fixture: &Arc<Fixture>, kind: Kind, seconds: f64) -> anyhow::Result<OneThread> {
    let fixture = fixture.clone();
    let handle = tokio::runtime::Handle::current();
    let run = tokio::task::spawn_blocking(move || {
        handle.block_on(async move {
            match kind {
                Kind::Decisions => {
                    let questions = questions(&fixture);
                    one_thread(seconds, async |i| {
                        let q = questions.get(i % questions.len()).context("no questions")?;
                        let answer = fixture.identity.authorize(session_of(&fixture, q)?, &q.request).await?;
                        ensure!(answer.allowed == q.allowed, "{}: not the expected decision", q.request.resource);
                        Ok(())
                    })
                    .await
                }
                Kind::OpenSession => {
                    one_thread(seconds, async |i| {
                        let (key, token) = fixture.credentials_of(i)?;
                        black_box(fixture.identity.open_session(black_box(key), black_box(token))?);
                        Ok(())
                    })
                    .await
                }
                Kind::Credentials | Kind::CredentialsRepeat | Kind::Authorize => {
                    bail!("{} runs over HTTP", kind.label())
                }
            }
        })
    });
    run.await?.with_context(|| format!("{} in process", kind.label()))
}

async fn one_thread(seconds: f64, mut op: impl AsyncFnMut(usize) -> anyhow::Result<()>) -> anyhow::Result<OneThread> {
    let mut i = 0;
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(100) {
        op(i).await?;
        i += 1;
    }
    let limit = Duration::from_secs_f64(seconds);
    let cpu = crate::machine::thread_cpu();
    let start = Instant::now();
    let mut n = 0u64;
    while n == 0 || start.elapsed() < limit {
        for _ in 0..BATCH {
            op(i).await?;
            i += 1;
        }
        n += BATCH as u64;
    }
    let wall = start.elapsed();
    let cpu = cpu.zip(crate::machine::thread_cpu()).map(|(before, after)| after.saturating_sub(before));
    Ok(OneThread { n, wall, cpu })
}

fn http_table(measured: &[Measured]) -> Table {
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
        "srv ms/call",
    ]);
    for m in measured {
        let Runs::Http(runs) = &m.runs else { continue };
        for Run { callers, summary: s, .. } in runs {
            table.row(vec![
                m.kind.label().into(),
                callers.to_string(),
                s.n.to_string(),
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

fn stock_table(measured: &[Measured]) -> Table {
    let mut table = Table::new(&["callers", "tokens", "stocking s", "tokens/s", "left after run", "ran out"]);
    for m in measured {
        let Runs::Http(runs) = &m.runs else { continue };
        for run in runs {
            let Some(s) = &run.stock else { continue };
            let secs = s.took.as_secs_f64();
            table.row(vec![
                run.callers.to_string(),
                s.tokens.to_string(),
                format!("{secs:.1}"),
                rate(if secs > 0.0 { s.tokens as f64 / secs } else { 0.0 }),
                s.left.to_string(),
                if s.left == 0 { "yes (the run ended early)".into() } else { "no".into() },
            ]);
        }
    }
    table
}

fn in_process_table(measured: &[Measured]) -> Table {
    let mut table = Table::new(&["operation", "n", "s", "calls/s", "thread busy", "calls/s/core", "µs/call"]);
    for m in measured {
        let Runs::InProcess(t) = &m.runs else { continue };
        table.row(vec![
            m.kind.label().into(),
            thousands(t.n),
            format!("{:.1}", t.wall.as_secs_f64()),
            rate(t.per_sec()),
            t.busy().map_or("?".into(), |b| format!("{:.0}%", 100.0 * b)),
            t.per_core().map_or("?".into(), rate),
            us(t.per_call()),
        ]);
    }
    table
}

/// The best HTTP run by `rate`, with its requester count.
fn best_by(runs: &[Run], rate: fn(&Summary) -> Option<f64>) -> Option<(usize, f64)> {
    runs.iter().filter_map(|r| rate(&r.summary).map(|v| (r.callers, v))).max_by(|a, b| a.1.total_cmp(&b.1))
}

fn ceilings(measured: &[Measured], floors: &Floors) -> Table {
    let mut table = Table::new(&[
        "operation",
        "floor per call",
        "floor µs",
        "ceiling/core",
        "best /s/core",
        "best srv/core",
        "callers",
        "of ceiling",
    ]);
    for m in measured {
        let (seconds, what) = floors.of(m.kind);
        let ceiling = 1.0 / seconds.max(1e-12);
        let mut row = vec![m.kind.label().into(), what.into(), format!("{:.2}", seconds * 1e6), rate(ceiling)];
        match &m.runs {
            Runs::Http(runs) => {
                row.push(best_by(runs, per_core).map_or("?".into(), |(_, r)| rate(r)));
                match best_by(runs, server_per_core) {
                    Some((callers, r)) => {
                        row.extend([rate(r), callers.to_string(), format!("{:.0}%", 100.0 * r / ceiling)])
                    }
                    None => row.extend(["?".into(), "-".into(), "?".into()]),
                }
            }
            Runs::InProcess(t) => match t.per_core() {
                Some(r) => row.extend([rate(r), "-".into(), "1 thread".into(), format!("{:.0}%", 100.0 * r / ceiling)]),
                None => row.extend(["?".into(), "-".into(), "1 thread".into(), "?".into()]),
            },
        }
        table.row(row);
    }
    table
}

fn targets(measured: &[Measured], floors: &Floors) -> Table {
    let mut table = Table::new(&["target", "measured", "met"]);
    let evaluate = 1.0 / floors.evaluate.per_op.as_secs_f64().max(1e-12);
    for m in measured {
        match (&m.runs, m.kind) {
            (Runs::InProcess(t), Kind::Decisions) => {
                let label = "authorization decisions ≥ 50,000/s per core (per-user-folder policy, Identity::authorize)";
                let row = match t.per_core() {
                    Some(r) => vec![
                        label.into(),
                        format!(
                            "{}/s per core (one thread, its CPU time); the evaluation alone {}/s",
                            rate(r),
                            rate(evaluate)
                        ),
                        verdict(r >= DECISIONS_TARGET),
                    ],
                    None => vec![label.into(), "? (no thread CPU figure)".into(), "?".into()],
                };
                table.row(row);
            }
            (Runs::Http(runs), Kind::Credentials) => {
                let (seconds, _) = floors.of(Kind::Credentials);
                let label = "GetCredentialsForIdentity per second per core, fresh login token (no figure set)";
                let row = match best_by(runs, server_per_core) {
                    Some((callers, r)) => vec![
                        label.into(),
                        format!(
                            "{}/s per server core ({}); {:.0}% of the RS256 verify + AES-GCM seal ceiling",
                            rate(r),
                            requesters(callers),
                            100.0 * r * seconds
                        ),
                        "-".into(),
                    ],
                    None => vec![label.into(), "? (no server CPU figure)".into(), "-".into()],
                };
                table.row(row);
            }
            _ => {}
        }
    }
    table
}

/// Microseconds with two decimals.
fn us(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e6)
}

/// A cost's name without its parenthesised details.
fn short(name: &str) -> &str {
    name.split(" (").next().unwrap_or(name)
}

fn notes(report: &mut Report) {
    report.note("GetCredentialsForIdentity: the public call an SDK makes (unsigned), {IdentityId, Logins: {cognito-idp.{region}.amazonaws.com/{pool}: an ID token}}; the server verifies the ID token (RS256), reads the identity pool and the role, checks the role's trust policy, and mints credentials whose session token is the session sealed with AES-256-GCM under the master key.");
    report.note("fresh token: every call presents an ID token the server has never seen (as an SDK does when its hour-long credentials and ID token expire together), drawn from a stock made before the run by REFRESH_TOKEN_AUTH (see the stock table; a run ends early if its stock runs out). token seen before: the users' sign-in ID tokens in turn, again and again; the server remembers the SHA-256 of tokens whose signature it verified (crates/idp/src/caches.rs), so these calls skip the RS256 verify.");
    report.note("Authorize: CognateAuthz.Authorize signed by the administrator (SigV4 for cognito-identity, signed before the timer starts) with a user's AccessKeyId and SessionToken; even calls PutObject into the user's own folder (must answer Allow), odd calls into the next user's folder (must answer Deny). The server checks the signature, opens the session token (AES-GCM + JSON) and decides.");
    report.note("req/s, cores, req/s/core, srv cores, srv/core, srv ms/call: as in `oauth` (srv: the server's threads alone, /proc/self/task/*/stat in 10 ms ticks).");
    report.note("In process: the same calls on one thread of the benchmark, straight to the Identity service the HTTP layer dispatches to: decisions = Identity::authorize(&session, &request) with the same allowed/denied mix (sessions opened once beforehand; the role's parsed policies come from the service's cache, re-read from the store once a second); open_session = Identity::open_session(key, token) (base64, AES-GCM open, JSON, key and expiry checks). calls/s is over wall time; calls/s/core over the thread's CPU time (/proc/thread-self/stat, 10 ms ticks): what one core sustains, judged against the 50,000/s target.");
    report.note("Floor: RS256 verify of a ~1 KB token (the login token GetCredentialsForIdentity checks), AES-256-GCM seal of a session as its token carries it, and cognate_policy::evaluate of the parsed per-user-folder policy with the condition keys the server adds (aws:*, cognito-identity.amazonaws.com:aud/sub/amr), each on one core. Context: AES-GCM open (open_session's crypto), SigV4 verify (Authorize's admin signature), and the server's context built per decision + the evaluation (Identity::authorize minus the cache and the answer).");
    report.note("ceiling/core = 1 ÷ the floor per call; best /s/core: the whole process over HTTP (requesters included, pessimistic), the thread in process; best srv/core and of ceiling: the server's threads over HTTP, the thread in process.");
}
