//! The client side of Cognito's SRP-6a (USER_SRP_AUTH), written with num-bigint as the SDKs
//! (amazon-cognito-identity-js, pycognito) write it, independently of the server's
//! constant-time crypto-bigint code: the same 3072-bit group, g = 2, `padHex`, the "Caldera
//! Derived Key" HKDF and the PASSWORD_CLAIM_SIGNATURE (`cognate_crypto::srp::claim_signature`).
//!
//! The benchmark's requesters run this math in the server's process, so its cost is measured
//! alone (`client_cost`) and reported beside the sign-in figures.

use crate::floor::Cost;
use anyhow::{Context, ensure};

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cognate_core::{Clock, SystemClock};
use cognate_crypto::srp::{self, hash, pad};
use num_bigint::BigUint;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::LazyLock;

/// The RFC 3526 3072-bit MODP group, shared with the server.
const N_HEX: &[u8] = cognate_crypto::srp::N_HEX.as_bytes();

struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
}

static GROUP: LazyLock<Group> = LazyLock::new(|| {
    let n = BigUint::parse_bytes(N_HEX, 16).unwrap_or_default();
    let k = BigUint::from_bytes_be(&hash(&[&pad(&n.to_bytes_be()), &[2u8]]));
    Group { n, g: BigUint::from(2u8), k }
});

/// What a user's password gives the client, fixed once the server has chosen the salt:
/// `x = H(padHex(salt) ‖ H(poolName ‖ username ‖ ":" ‖ password))` and `k·g^x mod N`. Real
/// clients recompute both at every sign-in; the benchmark caches them per user (one modexp
/// less of client work sharing the server's cores).
pub struct Secret {
    x: BigUint,
    kgx: BigUint,
}

impl Secret {
    pub fn new(pool_name: &str, username: &str, password: &str, salt_hex: &str) -> anyhow::Result<Secret> {
        let salt = srp::parse_hex(salt_hex).context("SALT is not hex")?;
        let inner = hash(&[pool_name.as_bytes(), username.as_bytes(), b":", password.as_bytes()]);
        let x = BigUint::from_bytes_be(&hash(&[&pad(&salt), &inner]));
        let g = &*GROUP;
        let kgx = (&g.k * g.g.modpow(&x, &g.n)) % &g.n;
        Ok(Secret { x, kgx })
    }
}

/// One sign-in's ephemeral pair: a fresh 256-bit `a` and `A = g^a mod N`. (The SDKs draw 1024
/// bits; the server's work does not depend on the size of `a`, the client's does.)
pub struct Ephemeral {
    a: BigUint,
    big_a: BigUint,
}

impl Ephemeral {
    pub fn fresh() -> Ephemeral {
        let g = &*GROUP;
        let a = BigUint::from_bytes_be(&cognate_crypto::random::bytes::<32>());
        let big_a = g.g.modpow(&a, &g.n);
        Ephemeral { a, big_a }
    }

    /// SRP_A as the SDKs send it: lowercase hex.
    pub fn srp_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// The session key: `u = H(padHex(A) ‖ padHex(B))`, `S = (B − k·g^x)^(a + u·x) mod N`,
    /// `K = HKDF(padHex(S), salt = padHex(u), info = "Caldera Derived Key")[..16]`.
    pub fn session_key(&self, secret: &Secret, srp_b_hex: &str) -> anyhow::Result<[u8; 16]> {
        let g = &*GROUP;
        let b_bytes = srp::parse_hex(srp_b_hex).context("SRP_B is not hex")?;
        let big_b = BigUint::from_bytes_be(&b_bytes);
        ensure!(&big_b % &g.n != BigUint::ZERO, "SRP_B is 0 mod N");
        let u_bytes = hash(&[&pad(&self.big_a.to_bytes_be()), &pad(&b_bytes)]);
        let u = BigUint::from_bytes_be(&u_bytes);
        let base = (&big_b + &g.n - &secret.kgx) % &g.n;
        let s = base.modpow(&(&self.a + u * &secret.x), &g.n);
        let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &pad(&u_bytes)), &pad(&s.to_bytes_be()));
        let okm = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()), b"Caldera Derived Key\x01");
        let mut key = [0u8; 16];
        key.copy_from_slice(okm.as_ref().get(..16).context("short HKDF output")?);
        Ok(key)
    }
}

/// The PASSWORD_VERIFIER challenge's parameters the client needs (SALT only once per user,
/// for [`Secret`]).
pub struct Challenge<'a> {
    pub srp_b: &'a str,
    pub secret_block: &'a str,
    pub user_id_for_srp: &'a str,
}

impl<'a> Challenge<'a> {
    pub fn parse(params: &'a serde_json::Value) -> anyhow::Result<Challenge<'a>> {
        let get = |name: &str| params[name].as_str().with_context(|| format!("no {name} in {params}"));
        Ok(Challenge {
            srp_b: get("SRP_B")?,
            secret_block: get("SECRET_BLOCK")?,
            user_id_for_srp: get("USER_ID_FOR_SRP")?,
        })
    }
}

/// Cognito's TIMESTAMP: `Tue Mar 5 09:04:07 UTC 2024` (the day not zero-padded).
pub fn timestamp(now: chrono::DateTime<chrono::Utc>) -> String {
    now.format("%a %b %-d %H:%M:%S UTC %Y").to_string()
}

/// The PASSWORD_VERIFIER ChallengeResponses for `challenge`, signed with `key`.
pub fn responses(
    key: &[u8; 16],
    pool_name: &str,
    challenge: &Challenge<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<BTreeMap<&'static str, String>> {
    let block = B64.decode(challenge.secret_block).context("SECRET_BLOCK is not base64")?;
    let timestamp = timestamp(now);
    let signature = srp::claim_signature(key, pool_name, challenge.user_id_for_srp, &block, &timestamp);
    Ok(BTreeMap::from([
        ("USERNAME", challenge.user_id_for_srp.to_owned()),
        ("PASSWORD_CLAIM_SECRET_BLOCK", challenge.secret_block.to_owned()),
        ("PASSWORD_CLAIM_SIGNATURE", B64.encode(signature)),
        ("TIMESTAMP", timestamp),
    ]))
}

/// The client's math per SRP sign-in, alone on one core: a fresh `a` and `A = g^a`, the
/// session key (one modexp with an exponent of about 512 bits) and the claim signature, as
/// each benchmark sign-in runs it (x and k·g^x cached).
pub fn client_cost(seconds: f64) -> anyhow::Result<Cost> {
    let (pool, user) = ("FloorPool", "bench-user-0");
    let salt = cognate_crypto::random::bytes::<16>();
    let hello = srp::server_hello(&srp::verifier(pool, user, crate::auth_ops::PASSWORD, &salt));
    let salt_hex = srp::hex_of(&pad(&salt));
    let secret = Secret::new(pool, user, crate::auth_ops::PASSWORD, &salt_hex)?;
    let (srp_b, block) = (srp::hex_of(&hello.big_b), B64.encode(cognate_crypto::random::bytes::<64>()));
    let challenge = Challenge { srp_b: &srp_b, secret_block: &block, user_id_for_srp: user };
    let now = SystemClock.now_datetime();
    crate::floor::measure("SRP client math per sign-in (benchmark's requesters)", seconds, || {
        let eph = Ephemeral::fresh();
        black_box(eph.srp_a());
        let key = eph.session_key(&secret, challenge.srp_b)?;
        black_box(responses(&key, pool, &challenge, now)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_server() {
        let salt = cognate_crypto::random::bytes::<16>();
        let v = srp::verifier("PoolName1", "alice", "Passw0rd!", &salt);
        let hello = srp::server_hello(&v);
        let secret = Secret::new("PoolName1", "alice", "Passw0rd!", &srp::hex_of(&pad(&salt))).unwrap();
        let eph = Ephemeral::fresh();
        let a = srp::parse_hex(&eph.srp_a()).unwrap();
        let server = srp::session_key(&a, &hello.big_b, &hello.b, &v).unwrap();
        assert_eq!(eph.session_key(&secret, &srp::hex_of(&hello.big_b)).unwrap(), server);
        let wrong = Secret::new("PoolName1", "alice", "not it", &srp::hex_of(&pad(&salt))).unwrap();
        assert_ne!(eph.session_key(&wrong, &srp::hex_of(&hello.big_b)).unwrap(), server);
    }

    #[test]
    fn timestamp_format() {
        let t = chrono::DateTime::from_timestamp(1_709_629_447, 0).unwrap();
        assert_eq!(timestamp(t), "Tue Mar 5 09:04:07 UTC 2024");
    }
}
