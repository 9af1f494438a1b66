//! Where GetUser's time goes: one caller, sequential, each layer alone. The bare HTTP round
//! trip, GetUser over HTTP, `Idp::get_user` in process, each store query it makes (on a second
//! store opened on the same file) and the RS256 verification, which the server makes once per
//! token (later calls with the same token find its digest among the verified ones).

use crate::auth_ops::Fixture;
use crate::floor::Cost;
use crate::report::{Table, ms, thousands};
use crate::sample::{self, Budget, Summary, Timed, time};
use crate::server::{BenchServer, DataDir};
use anyhow::Context;
use cognate_wire::idp::types::GetUserRequest;
use serde_json::json;

/// The layers, outermost first, as a table.
pub async fn breakdown(
    server: &BenchServer,
    dir: &DataDir,
    fixture: &Fixture,
    verify: &Cost,
    seconds: f64,
) -> anyhow::Result<Table> {
    let budget = Budget { warmup: 50, requests: 100_000, seconds };
    let (token, sub, origin_jti) = fixture.token_claims()?;
    let (client, idp) = (&server.client, &server.running.idp);
    let mut rows: Vec<(String, Summary)> = Vec::new();

    let health = sample::sequential(budget, || async { Ok(Timed { elapsed: client.get("/health").await?, hits: 1 }) });
    rows.push(("HTTP round trip alone (GET /health)".into(), health.await?));
    let body = json!({"AccessToken": token});
    let http =
        sample::sequential(budget, || async { client.call_public("GetUser", &body, |_| 1).await.map(|(t, _)| t) });
    rows.push(("GetUser over HTTP".into(), http.await?));
    let request = GetUserRequest { access_token: Some(token.clone()) };
    let domain = sample::sequential(budget, || async { Ok(time(idp.get_user(request.clone()), |_| 1).await?) });
    rows.push(("Idp::get_user in process".into(), domain.await?));

    let store = cognate_store_sql::open(&dir.database_url()).await.context("opening the store directly")?;
    let (pool_id, client_id) = (fixture.pool_id.as_str(), fixture.client_id());
    let version = sample::sequential(budget, || async { Ok(time(store.get_pool_version(pool_id), |_| 1).await?) });
    rows.push(("  store get_pool_version (parsed pool reused)".into(), version.await?));
    let get_client = sample::sequential(budget, || async { Ok(time(store.get_client(client_id), |_| 1).await?) });
    rows.push(("  store get_client".into(), get_client.await?));
    let family = sample::sequential(budget, || async { Ok(time(store.get_family(&origin_jti), |_| 1).await?) });
    rows.push(("  store get_family (revocation check)".into(), family.await?));
    let user = sample::sequential(budget, || async { Ok(time(store.get_user(pool_id, &sub), |_| 1).await?) });
    rows.push(("  store get_user".into(), user.await?));

    let mut table = Table::new(&["layer (one caller, sequential)", "n", "p50 ms", "p99 ms", "calls/s"]);
    for (label, s) in rows {
        table.row(vec![label, s.n.to_string(), ms(s.p50), ms(s.p99), thousands(s.per_sec.round() as u64)]);
    }
    let per_sec = 1.0 / verify.per_op.as_secs_f64().max(1e-12);
    let verify_ms = ms(verify.per_op);
    table.row(vec![
        "  RS256 verify (crypto floor; first call per token)".into(),
        "-".into(),
        verify_ms,
        "-".into(),
        thousands(per_sec as u64),
    ]);
    Ok(table)
}
