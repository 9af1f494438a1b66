//! `list-users`: ListUsers filter latency on a large pool. Seeds the pool in bulk, then times
//! each query kind three ways: over HTTP (what a client sees), through the domain service in
//! process (no HTTP, no SigV4), and as the raw store query.

use crate::client::SignedClient;
use crate::machine::CpuUse;
use crate::population::{self, COMMON_GIVEN_NAME, MAX_USERS};
use crate::report::{Report, Table, bytes, ms, thousands};
use crate::sample::{self, Budget, Summary, time};
use crate::server::{self, DataDir};
use anyhow::{Context, bail, ensure};
use cognate_idp::Idp;
use cognate_store::{IndexFilter, Store, UserCursor, UserQuery};
use cognate_wire::idp::types::ListUsersRequest;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const META_FILE: &str = "bench-list-users.json";
/// Cognito's (and Cognate's) page size when the request gives no Limit.
const DEFAULT_PAGE: u32 = 60;
/// Time limit per row for the in-process layers, which are much cheaper than HTTP.
const IN_PROCESS_SECONDS: f64 = 2.0;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Users in the pool.
    #[arg(long, default_value_t = 1_000_000)]
    users: u64,
    /// Users per insert transaction while seeding.
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    #[command(flatten)]
    budget: Budget,
    /// Concurrent requesters in the throughput run.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Length of the throughput run, in seconds.
    #[arg(long, default_value_t = 5.0)]
    concurrent_seconds: f64,
    /// Consecutive pages timed in the unfiltered listing.
    #[arg(long, default_value_t = 20)]
    pages: usize,
    /// Use this data directory and keep it; a later run with the same --users reuses its pool
    /// instead of seeding again.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Keep the fresh data directory under target/bench-data/ (its path is printed).
    #[arg(long)]
    keep: bool,
}

pub async fn run(args: Args) -> anyhow::Result<Report> {
    ensure!((1..=MAX_USERS).contains(&args.users), "--users must be between 1 and {MAX_USERS}");
    ensure!(args.batch > 0, "--batch must be positive");
    let dir = DataDir::choose(args.data_dir.clone(), args.keep, "list-users")?;
    eprintln!("data directory: {}", dir.path.display());
    if dir.database().exists() && !dir.path.join(META_FILE).exists() {
        bail!("{} holds a database this benchmark did not seed; choose an empty directory", dir.path.display());
    }
    let server = server::start(&dir).await?;
    let result = bench(&args, &dir, &server.client, &server.running.idp).await;
    drop(server.client);
    server.running.shutdown().await?;
    result
}

struct Seeded {
    pool_id: String,
    seconds: f64,
    /// Users per insert transaction.
    batch: u64,
    reused: bool,
}

async fn bench(args: &Args, dir: &DataDir, client: &SignedClient, idp: &Idp) -> anyhow::Result<Report> {
    let seeded = seed_or_reuse(args, dir, client, idp).await?;
    let pool_id = seeded.pool_id.as_str();
    let mut report = Report::new("cognate-bench list-users: ListUsers on the embedded SQLite store");
    report.fact("pool", format!("{} users ({pool_id})", thousands(args.users)));
    let rate = args.users as f64 / seeded.seconds.max(1e-9);
    let how = if seeded.reused { "reused from an earlier run, which seeded" } else { "seeded" };
    report.fact(
        "seeding",
        format!(
            "{how} {} users in {:.1} s = {} users/s ({} users per transaction)",
            thousands(args.users),
            seeded.seconds,
            thousands(rate as u64),
            thousands(seeded.batch)
        ),
    );
    let (db, wal) = dir.database_size();
    report.fact("database", format!("{} (cognate.db) + {} (WAL), {}", bytes(db), bytes(wal), dir.path.display()));
    report.fact(
        "budget",
        format!(
            "per row: {} warm-up calls, then {} calls or {} s; in-process layers at most {IN_PROCESS_SECONDS} s",
            args.budget.warmup, args.budget.requests, args.budget.seconds
        ),
    );
    report.no_floor("ListUsers does no password hashing, token signing or other per-call crypto beyond SigV4");

    eprintln!("measuring SigV4 costs");
    let body = json!({"UserPoolId": pool_id, "Filter": format!("email = \"{}\"", population::email(1))});
    let sigv4 = tokio::task::spawn_blocking(move || crate::floor::sigv4("ListUsers", &body, 1.0)).await??;
    for cost in sigv4 {
        report.context(cost);
    }

    let cpu = CpuUse::now();
    let store = cognate_store_sql::open(&dir.database_url()).await.context("opening the store directly")?;
    let ctx = Ctx { client, idp, store, pool_id, budget: args.budget };
    let probes = probes(&ctx, args).await?;
    let mut table =
        Table::new(&["query", "users", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s", "idp p50", "store p50"]);
    for probe in &probes {
        eprintln!("measuring {}", probe.label);
        table.row(measure(&ctx, probe).await?);
    }
    report.table(
        "ListUsers over HTTP (one client, sequential, keep-alive, SigV4-signed); idp/store p50: same query in process",
        table,
    );

    let first = probes.first().context("no probes")?;
    eprintln!("measuring {} concurrent requesters", args.concurrency);
    let summary = concurrent(&ctx, first, args).await?;
    let mut table = Table::new(&["query", "callers", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s"]);
    let mut row = vec![first.label.clone(), args.concurrency.to_string()];
    row.extend(http_cells(&summary));
    table.row(row);
    report.table(
        &format!(
            "Throughput: {} concurrent requesters for {} s (server and clients share the machine)",
            args.concurrency, args.concurrent_seconds
        ),
        table,
    );
    if let Some((own, others)) = cpu.and_then(|c| c.since()) {
        report.fact(
            "cpu use",
            format!("while measuring: this process {own:.0}%, other processes {others:.0}% of all CPUs"),
        );
    }
    report.note("HTTP latency is send → last body byte on a keep-alive connection; signing and JSON parsing happen outside the timer, but inside req/s.");
    report.note(
        "idp p50: Idp::list_users in process (filter parsing, store query, record decoding; no HTTP, SigV4 or JSON).",
    );
    report
        .note("store p50: the store's list_users alone (the SQL query and row decoding), on its own connection pool.");
    report.note("users: how many users the call returned (a page holds at most 60).");
    Ok(report)
}

/// Creates and seeds the pool, or reuses the one a kept data directory records.
async fn seed_or_reuse(args: &Args, dir: &DataDir, client: &SignedClient, idp: &Idp) -> anyhow::Result<Seeded> {
    let meta_path = dir.path.join(META_FILE);
    if meta_path.exists() {
        let meta: Value = serde_json::from_slice(&std::fs::read(&meta_path)?)?;
        let users = meta["users"].as_u64().unwrap_or(0);
        ensure!(users == args.users, "{} holds a pool of {users} users, not {}", dir.path.display(), args.users);
        let pool_id = meta["pool_id"].as_str().context("pool_id missing")?.to_owned();
        let seconds = meta["seconds"].as_f64().unwrap_or(0.0);
        let batch = meta["batch"].as_u64().unwrap_or(0);
        eprintln!("reusing pool {pool_id} ({} users)", thousands(users));
        return Ok(Seeded { pool_id, seconds, batch, reused: true });
    }
    let (_, created) = client.call("CreateUserPool", &json!({"PoolName": "bench-list-users"}), |_| 1).await?;
    let pool_id = created["UserPool"]["Id"].as_str().context("CreateUserPool returned no Id")?.to_owned();
    let start = Instant::now();
    let mut last_print = Instant::now();
    let mut next = 0;
    while next < args.users {
        let end = (next + args.batch as u64).min(args.users);
        let batch = (next..end).map(population::user).collect();
        idp.insert_users(&pool_id, batch).await.with_context(|| format!("inserting users {next}..{end}"))?;
        next = end;
        if last_print.elapsed() >= Duration::from_secs(5) || next == args.users {
            let rate = next as f64 / start.elapsed().as_secs_f64();
            eprintln!(
                "seeded {} / {} users ({} users/s)",
                thousands(next),
                thousands(args.users),
                thousands(rate as u64)
            );
            last_print = Instant::now();
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let meta = json!({"pool_id": pool_id, "users": args.users, "seconds": seconds, "batch": args.batch});
    std::fs::write(&meta_path, serde_json::to_vec_pretty(&meta)?)?;
    Ok(Seeded { pool_id, seconds, batch: args.batch as u64, reused: false })
}

struct Ctx<'a> {
    client: &'a SignedClient,
    idp: &'a Idp,
    /// A second handle on the same database file, so the raw query can be timed alone.
    store: Arc<dyn Store>,
    pool_id: &'a str,
    budget: Budget,
}

/// One table row: a ListUsers request, and the equivalent store query.
#[derive(Clone)]
struct Probe {
    label: String,
    filter: Option<IndexFilter>,
    limit: Option<u32>,
    /// The PaginationToken that leads to this page over the API.
    token: Option<String>,
    /// The store cursor that leads to this page.
    cursor: Option<UserCursor>,
}

impl Probe {
    fn new(label: &str, filter: Option<(&str, &str, bool)>, limit: Option<u32>) -> Probe {
        let filter = filter.map(|(name, value, prefix)| IndexFilter { name: name.into(), value: value.into(), prefix });
        Probe { label: label.into(), filter, limit, token: None, cursor: None }
    }

    fn filter_text(&self) -> Option<String> {
        self.filter.as_ref().map(|f| {
            let value = f.value.replace('\\', "\\\\").replace('"', "\\\"");
            format!("{} {} \"{value}\"", f.name, if f.prefix { "^=" } else { "=" })
        })
    }

    fn request(&self, pool_id: &str) -> ListUsersRequest {
        ListUsersRequest {
            user_pool_id: Some(pool_id.into()),
            filter: self.filter_text(),
            limit: self.limit.map(i64::from),
            pagination_token: self.token.clone(),
            attributes_to_get: None,
        }
    }

    fn page_size(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_PAGE)
    }

    /// What the domain asks the store for: one more row than a page, to know if more follow.
    fn store_query(&self) -> UserQuery {
        UserQuery { filter: self.filter.clone(), after: self.cursor.clone(), limit: self.page_size() + 1 }
    }
}

fn users_in(v: &Value) -> usize {
    v["Users"].as_array().map_or(0, Vec::len)
}

/// The query kinds, in the order of the table.
async fn probes(ctx: &Ctx<'_>, args: &Args) -> anyhow::Result<Vec<Probe>> {
    let email = population::email(args.users / 2);
    let email_probe = Probe::new(&format!("1. email = \"{email}\""), Some(("email", &email, false)), None);
    let (_, found) =
        ctx.client.call("ListUsers", &serde_json::to_value(email_probe.request(ctx.pool_id))?, users_in).await?;
    let sub = found["Users"][0]["Attributes"]
        .as_array()
        .and_then(|attrs| attrs.iter().find(|a| a["Name"] == "sub"))
        .and_then(|a| a["Value"].as_str())
        .with_context(|| format!("no sub for {email} in {found}"))?
        .to_owned();
    let mut out = vec![email_probe, Probe::new("2. email ^= \"user12345\"", Some(("email", "user12345", true)), None)];
    let given = Probe::new(
        &format!("3. given_name = \"{COMMON_GIVEN_NAME}\" Limit 60"),
        Some(("given_name", COMMON_GIVEN_NAME, false)),
        Some(60),
    );
    out.extend(pages(ctx, given, 6, "4.   same").await?);
    out.push(Probe::new(
        "5. cognito:user_status = \"CONFIRMED\" Limit 60",
        Some(("cognito:user_status", "CONFIRMED", false)),
        Some(60),
    ));
    out.push(Probe::new(&format!("6. sub = \"{sub}\""), Some(("sub", &sub, false)), None));
    out.extend(pages(ctx, Probe::new("7. no filter, Limit 60", None, Some(60)), args.pages, "7.   same").await?);
    out.push(Probe::new("8. phone_number ^= \"+1555000\"", Some(("phone_number", "+1555000", true)), None));
    Ok(out)
}

/// `first` and the pages after it (up to `count` in all), each with the PaginationToken and
/// store cursor that reach it, labelled `"{label}, page N"`.
async fn pages(ctx: &Ctx<'_>, first: Probe, count: usize, label: &str) -> anyhow::Result<Vec<Probe>> {
    let mut out = vec![first.clone()];
    let mut current = first;
    while out.len() < count {
        let (_, page) =
            ctx.client.call("ListUsers", &serde_json::to_value(current.request(ctx.pool_id))?, users_in).await?;
        let Some(token) = page["PaginationToken"].as_str() else { break };
        let rows = ctx.store.list_users(ctx.pool_id, &current.store_query()).await?;
        let last = rows.get(current.page_size() as usize - 1).context("a full page has no last row")?;
        let next = Probe {
            label: format!("{label}, page {}", out.len() + 1),
            token: Some(token.to_owned()),
            cursor: Some(last.1.clone()),
            ..current.clone()
        };
        out.push(next.clone());
        current = next;
    }
    Ok(out)
}

fn http_cells(s: &Summary) -> Vec<String> {
    vec![s.n.to_string(), ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), thousands(s.per_sec.round() as u64)]
}

/// One row: the HTTP figures, then the in-process p50s.
async fn measure(ctx: &Ctx<'_>, probe: &Probe) -> anyhow::Result<Vec<String>> {
    let (client, body) = (ctx.client, &serde_json::to_value(probe.request(ctx.pool_id))?);
    let http = sample::sequential(ctx.budget, move || async move {
        client.call("ListUsers", body, users_in).await.map(|(t, _)| t)
    })
    .await?;

    let (idp, request) = (ctx.idp, &probe.request(ctx.pool_id));
    let in_process = ctx.budget.capped(IN_PROCESS_SECONDS);
    let domain = sample::sequential(in_process, move || async move {
        Ok(time(idp.list_users(request.clone()), |r| r.users.as_ref().map_or(0, Vec::len)).await?)
    })
    .await?;

    let (store, pool_id, query) = (&ctx.store, ctx.pool_id, &probe.store_query());
    let size = probe.page_size() as usize;
    let raw = sample::sequential(in_process, move || async move {
        Ok(time(store.list_users(pool_id, query), |rows| rows.len().min(size)).await?)
    })
    .await?;

    ensure!(
        http.hits == domain.hits && domain.hits == raw.hits,
        "{}: HTTP returned {} users, the domain {}, the store {}",
        probe.label,
        http.hits,
        domain.hits,
        raw.hits
    );
    let mut row = vec![probe.label.clone(), http.hits.to_string()];
    row.extend(http_cells(&http));
    row.push(ms(domain.p50));
    row.push(ms(raw.p50));
    Ok(row)
}

async fn concurrent(ctx: &Ctx<'_>, probe: &Probe, args: &Args) -> anyhow::Result<Summary> {
    let client = ctx.client.clone();
    let body = Arc::new(serde_json::to_value(probe.request(ctx.pool_id))?);
    sample::concurrent(args.concurrency, 5, args.concurrent_seconds, move || {
        let (client, body) = (client.clone(), body.clone());
        async move { client.call("ListUsers", &body, users_in).await.map(|(t, _)| t) }
    })
    .await
}
