//! Per-operation costs measured in a tight loop on one core: the machine's crypto floor for an
//! operation (what no server on this machine can beat) and context costs such as SigV4:
//! Argon2id at the server's parameters (password sign-in, SignUp), RS256 signing and
//! verification of a token-sized JWT (token issue, access-token checks), the 3072-bit
//! modular exponentiations of SRP, AES-256-GCM sealing under the master key (session tokens)
//! and IAM policy evaluation (authorization decisions).

use crate::client::{Api, USER_POOLS};
use anyhow::ensure;
use argon2::{Algorithm, Argon2, Params, Version};
use argon2::{PasswordHasher as _, PasswordVerifier as _};
use cognate_core::{Clock, SystemClock};
use cognate_crypto::jws::{self, SigningKey};
use cognate_crypto::sigv4::{self, SignedRequest};
use cognate_crypto::srp;
use cognate_crypto::{MasterKey, PasswordHasher, PasswordParams};
use cognate_policy::{Policy, Request as PolicyRequest};
use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One measured per-operation cost.
#[derive(Debug, Clone)]
pub struct Cost {
    pub name: String,
    pub per_op: Duration,
}

/// Runs `op` for about `seconds` (after a short warm-up) on the calling thread, in five equal
/// slices; the median of the slices' means, so a burst of other work on a shared machine
/// during one slice neither inflates the floor nor does a lucky slice deflate it.
pub fn measure(name: &str, seconds: f64, mut op: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Cost> {
    let warm = Instant::now();
    let mut warm_ops: u32 = 0;
    while warm.elapsed() < Duration::from_millis(100) {
        op()?;
        warm_ops += 1;
    }
    // Check the clock every 64 calls so reading it does not dominate micro-second operations,
    // but after every call of a slow one (an Argon2id hash) so the budget holds.
    let batch = if warm.elapsed() / warm_ops.max(1) > Duration::from_millis(1) { 1 } else { 64 };
    let slice = Duration::from_secs_f64(seconds / SLICES as f64);
    let mut slices = Vec::with_capacity(SLICES as usize);
    for _ in 0..SLICES {
        let start = Instant::now();
        let mut n: u32 = 0;
        while start.elapsed() < slice || n == 0 {
            for _ in 0..batch {
                op()?;
            }
            n += batch;
        }
        slices.push(start.elapsed() / n);
    }
    slices.sort_unstable();
    let median = slices.get(slices.len() / 2).copied().unwrap_or_default();
    Ok(Cost { name: name.into(), per_op: median })
}

const SLICES: u32 = 5;

/// A request shaped like the benchmark's own signed calls.
struct Sample {
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

const KEY_ID: &str = "AKIABENCHFLOOR000001";
const SECRET: &str = "benchfloorsecretbenchfloorsecretbenchflo";

fn sample(api: Api, operation: &str, body: &serde_json::Value) -> anyhow::Result<Sample> {
    Ok(Sample {
        headers: vec![
            ("host", "127.0.0.1:9229".into()),
            ("content-type", "application/x-amz-json-1.1".into()),
            ("x-amz-target", format!("{}{operation}", api.target_prefix)),
        ],
        body: serde_json::to_vec(body)?,
    })
}

fn sign(api: Api, s: &Sample, now: chrono::DateTime<chrono::Utc>) -> Vec<(String, String)> {
    let headers: Vec<(&str, &str)> = s.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    sigv4::sign_headers("POST", "/", "", &headers, &s.body, KEY_ID, SECRET, "us-east-1", api.service, now)
}

/// SigV4 costs of one user-pool call: signing it (the client's share) and `parse` + `verify`
/// (the server's share, as the HTTP layer runs them).
pub fn sigv4(operation: &str, body: &serde_json::Value, seconds: f64) -> anyhow::Result<[Cost; 2]> {
    sigv4_for(USER_POOLS, operation, body, seconds)
}

/// [`sigv4`] for a call of `api` (signed for its service).
pub fn sigv4_for(api: Api, operation: &str, body: &serde_json::Value, seconds: f64) -> anyhow::Result<[Cost; 2]> {
    let s = sample(api, operation, body)?;
    let now = SystemClock.now_datetime();
    let signing = measure("SigV4 sign (client side)", seconds, || {
        black_box(sign(api, black_box(&s), now));
        Ok(())
    })?;
    let added = sign(api, &s, now);
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
        sigv4::verify(req, &parsed, SECRET, api.service, now)?;
        Ok(())
    })?;
    Ok([signing, verifying])
}

/// Argon2id at `params` on one core: `[hash, verify]`. Verifying a correct password (what
/// every password sign-in does) recomputes the hash, so both cost the same work.
pub fn argon2id(params: PasswordParams, seconds: f64) -> anyhow::Result<[Cost; 2]> {
    let p = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
    let label = format!("m={} KiB, t={}, p={}", params.memory_kib, params.iterations, params.parallelism);
    let password = b"Bench-Passw0rd!";
    let salt = cognate_crypto::random::bytes::<16>();
    let phc = argon.hash_password_with_salt(password, &salt).map_err(|e| anyhow::anyhow!("{e}"))?.to_string();
    let hashing = measure(&format!("Argon2id hash ({label})"), seconds, || {
        black_box(argon.hash_password_with_salt(black_box(password), &salt).map_err(|e| anyhow::anyhow!("{e}"))?);
        Ok(())
    })?;
    let verifying = measure(&format!("Argon2id verify ({label})"), seconds, || {
        ensure!(argon.verify_password(black_box(password), black_box(phc.as_str())).is_ok(), "argon2 mismatch");
        Ok(())
    })?;
    Ok([hashing, verifying])
}

/// Argon2id verify through the server's own `PasswordHasher`, one call at a time, handed to
/// its hashing threads as a sign-in hands it. Compared with the tight loop of [`argon2id`]
/// (one thread, its memory reused and warm in cache), it shows what the server's way of
/// running the hash costs. Median of five slices, like [`measure`].
pub async fn argon2id_pooled(params: PasswordParams, seconds: f64) -> anyhow::Result<Cost> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let hasher = PasswordHasher::new(params, workers)?;
    let password = "Bench-Passw0rd!";
    let phc = hasher.hash(password).await?;
    let slice = Duration::from_secs_f64(seconds / SLICES as f64);
    let mut slices = Vec::with_capacity(SLICES as usize);
    for _ in 0..SLICES {
        let (start, mut n) = (Instant::now(), 0u32);
        while start.elapsed() < slice || n == 0 {
            ensure!(hasher.verify(password, &phc).await?, "argon2 mismatch");
            n += 1;
        }
        slices.push(start.elapsed() / n);
    }
    slices.sort_unstable();
    let per_op = slices.get(slices.len() / 2).copied().unwrap_or_default();
    Ok(Cost { name: "Argon2id verify via PasswordHasher (hashing threads, as the server runs it)".into(), per_op })
}

/// Claims shaped like a Cognito ID token, padded to about `size` bytes of JSON.
fn claims(size: usize) -> anyhow::Result<Vec<u8>> {
    let mut claims = json!({
        "sub": "2f1c6a4e-8b1d-4c5e-9f3a-1d2e3f4a5b6c",
        "iss": "http://127.0.0.1:9229/us-east-1_AbCdEfGhI",
        "aud": "3n4b5urk1ft4fl3mg5e62tvm1c",
        "cognito:username": "bench-user-0",
        "origin_jti": "a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d",
        "event_id": "0d9c8b7a-6f5e-4d4c-8b3a-2f1e0d9c8b7a",
        "token_use": "id",
        "auth_time": 1_764_150_000,
        "exp": 1_764_153_600,
        "iat": 1_764_150_000,
        "jti": "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
        "email": "bench-user-0@example.com",
        "email_verified": true,
    });
    let len = serde_json::to_vec(&claims)?.len();
    claims["custom:padding"] = json!("x".repeat(size.saturating_sub(len + 20)));
    Ok(serde_json::to_vec(&claims)?)
}

/// RS256 on one core with a fresh RSA-2048 key and a ~1 KB claims body: `[sign, verify]`,
/// through the server's own `SigningKey::sign_jwt` and `jws::parse` + `verify_rs256`.
pub fn rs256(seconds: f64) -> anyhow::Result<[Cost; 2]> {
    let key = SigningKey::from_pkcs8("bench-floor", &jws::generate_rsa_pkcs8()?)?;
    let body = claims(1024)?;
    let signing = measure(&format!("RS256 sign (RSA-2048, {} B claims)", body.len()), seconds, || {
        black_box(key.sign_jwt(black_box(&body))?);
        Ok(())
    })?;
    let token = key.sign_jwt(&body)?;
    let jwk = key.jwk();
    let verifying = measure("RS256 verify (parse + verify_rs256)", seconds, || {
        ensure!(jws::parse(black_box(&token))?.verify_rs256(&jwk), "signature rejected");
        Ok(())
    })?;
    Ok([signing, verifying])
}

/// SRP's exponentiations on one core: `[a verifier, the server's work per sign-in]`. A
/// verifier is `srp::verifier` (g^x mod N from the fixed-base table, plus two SHA-256), what
/// every password set costs; a sign-in runs `server_hello` (k·v + g^b, the table again) and
/// `session_key` (two 3072-bit exponentiations with 256-bit exponents).
pub fn srp_server(seconds: f64) -> anyhow::Result<[Cost; 2]> {
    let salt = cognate_crypto::random::bytes::<16>();
    let one = measure("SRP verifier g^x mod N (srp::verifier, fixed-base table)", seconds, || {
        black_box(srp::verifier("FloorPool", black_box("bench-user-0"), "Bench-Passw0rd!", &salt));
        Ok(())
    })?;
    let v = srp::verifier("FloorPool", "bench-user-0", "Bench-Passw0rd!", &salt);
    // g^y for any y is a valid SRP_A.
    let a = srp::verifier("FloorPool", "client", "ephemeral", &salt);
    let sign_in = measure("SRP server math per sign-in (server_hello + session_key)", seconds, || {
        let hello = srp::server_hello(black_box(&v));
        black_box(srp::session_key(&a, &hello.big_b, &hello.b, &v).map_err(|e| anyhow::anyhow!("{e}"))?);
        Ok(())
    })?;
    Ok([one, sign_in])
}

/// AES-256-GCM under a fresh master key on one core, through the server's own `MasterKey`:
/// `[seal, open]` of `plaintext` for `purpose` (seal: a random nonce, the cipher and tag,
/// base64; open: base64 decoding, the cipher and tag check).
pub fn aes_gcm(purpose: &str, plaintext: &[u8], seconds: f64) -> anyhow::Result<[Cost; 2]> {
    let key = MasterKey::from_base64(&MasterKey::generate_base64())?;
    let size = plaintext.len();
    let sealing = measure(&format!("AES-256-GCM seal ({size} B session, MasterKey::seal)"), seconds, || {
        black_box(key.seal(purpose, black_box(plaintext)));
        Ok(())
    })?;
    let sealed = key.seal(purpose, plaintext);
    let opening = measure(&format!("AES-256-GCM open ({size} B session, MasterKey::open)"), seconds, || {
        black_box(key.open(purpose, black_box(&sealed))?);
        Ok(())
    })?;
    Ok([sealing, opening])
}

/// `cognate_policy::evaluate` on one core: `policies` (parsed once, as the server caches them)
/// against `requests` in turn, each expected to be allowed or not.
pub fn policy_evaluation(
    name: &str,
    policies: &[Policy],
    requests: &[(PolicyRequest, bool)],
    seconds: f64,
) -> anyhow::Result<Cost> {
    ensure!(!requests.is_empty(), "no requests to evaluate");
    let mut i = 0;
    measure(name, seconds, || {
        let (request, allowed) = &requests[i % requests.len()];
        i += 1;
        let decision = cognate_policy::evaluate(black_box(policies), None, black_box(request));
        ensure!(
            decision.is_allowed() == *allowed,
            "{} on {}: not the expected decision",
            request.action,
            request.resource
        );
        Ok(())
    })
}
