//! Per-operation costs measured in a tight loop on one core: the machine's crypto floor for an
//! operation (what no server on this machine can beat) and context costs such as SigV4.
//!
//! Later benchmarks add their floors here (Argon2id verification for password sign-in, RS256
//! signing for token issue, the SRP modular exponentiations).

use crate::client::SERVICE;
use cognate_core::{Clock, SystemClock};
use cognate_crypto::sigv4::{self, SignedRequest};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One measured per-operation cost.
#[derive(Debug, Clone)]
pub struct Cost {
    pub name: String,
    pub per_op: Duration,
}

/// Runs `op` for about `seconds` (after a short warm-up) on the calling thread; the mean.
pub fn measure(name: &str, seconds: f64, mut op: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Cost> {
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(100) {
        op()?;
    }
    let limit = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut n: u32 = 0;
    // Check the clock every 64 calls so reading it does not dominate micro-second operations.
    while start.elapsed() < limit {
        for _ in 0..64 {
            op()?;
        }
        n += 64;
    }
    Ok(Cost { name: name.into(), per_op: start.elapsed() / n.max(1) })
}

/// A request shaped like the benchmark's own signed calls.
struct Sample {
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

const KEY_ID: &str = "AKIABENCHFLOOR000001";
const SECRET: &str = "benchfloorsecretbenchfloorsecretbenchflo";

fn sample(operation: &str, body: &serde_json::Value) -> anyhow::Result<Sample> {
    Ok(Sample {
        headers: vec![
            ("host", "127.0.0.1:9229".into()),
            ("content-type", "application/x-amz-json-1.1".into()),
            ("x-amz-target", format!("AWSCognitoIdentityProviderService.{operation}")),
        ],
        body: serde_json::to_vec(body)?,
    })
}

fn sign(s: &Sample, now: chrono::DateTime<chrono::Utc>) -> Vec<(String, String)> {
    let headers: Vec<(&str, &str)> = s.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    sigv4::sign_headers("POST", "/", "", &headers, &s.body, KEY_ID, SECRET, "us-east-1", SERVICE, now)
}

/// SigV4 costs of one call: signing it (the client's share) and `parse` + `verify` (the
/// server's share, as the HTTP layer runs them).
pub fn sigv4(operation: &str, body: &serde_json::Value, seconds: f64) -> anyhow::Result<[Cost; 2]> {
    let s = sample(operation, body)?;
    let now = SystemClock.now_datetime();
    let signing = measure("SigV4 sign (client side)", seconds, || {
        black_box(sign(black_box(&s), now));
        Ok(())
    })?;
    let added = sign(&s, now);
    let headers: Vec<(&str, &str)> = s
        .headers
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .chain(added.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        .collect();
    let req = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body: &s.body };
    let verifying = measure("SigV4 parse + verify (server side, per request)", seconds, || {
        let req = black_box(&req);
        let parsed = sigv4::parse(req)?.ok_or_else(|| anyhow::anyhow!("no signature"))?;
        sigv4::verify(req, &parsed, SECRET, SERVICE, now)?;
        Ok(())
    })?;
    Ok([signing, verifying])
}
