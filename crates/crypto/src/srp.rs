//! SRP-6a exactly as Cognito's clients compute it (3072-bit group, g = 2, SHA-256, the
//! `padHex` sign-byte encoding and the "Caldera Derived Key" HKDF), server side. All modular
//! exponentiation is constant-time (crypto-bigint Montgomery form), because the exponents are
//! the server's ephemeral secret and the user's verifier.

use aws_lc_rs::digest::{self, SHA256};
use aws_lc_rs::hmac;
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Choice, CtSelect as _, Odd, U256, U3072};
use std::sync::LazyLock;

/// The RFC 3526 3072-bit MODP group modulus, in hex, shared with client-side code (tests,
/// benchmarks).
pub const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);
const BYTES: usize = 384;

type Monty = FixedMontyForm<{ U3072::LIMBS }>;

/// Bits of the exponent each entry of the fixed-base table covers.
const WINDOW: usize = 4;
const WINDOWS: usize = 256 / WINDOW;

struct Group {
    params: FixedMontyParams<{ U3072::LIMBS }>,
    n: U3072,
    k: Monty,
    /// `g_table[i][j] = g^(j·2^(4i))` in Montgomery form: powers of g for a 256-bit secret
    /// exponent take 64 multiplications and no squarings (384 KiB, built once).
    g_table: Vec<[U3072; 1 << WINDOW]>,
}

fn g_table(g: &Monty, params: &FixedMontyParams<{ U3072::LIMBS }>) -> Vec<[U3072; 1 << WINDOW]> {
    let mut base = *g;
    (0..WINDOWS)
        .map(|_| {
            let mut row = [*Monty::one(params).as_montgomery(); 1 << WINDOW];
            let mut power = Monty::one(params);
            for entry in row.iter_mut().skip(1) {
                power = power.mul(&base);
                *entry = *power.as_montgomery();
            }
            for _ in 0..WINDOW {
                base = base.square();
            }
            row
        })
        .collect()
}

/// The group modulus for aws-lc's exponentiation; `None` only if aws-lc could not allocate.
static MODULUS: LazyLock<Option<crate::bn::Modulus>> =
    LazyLock::new(|| crate::bn::Modulus::new(&GROUP.n.to_be_bytes()));

/// `base^exp` for a 256-bit exponent, in constant time: aws-lc's exponentiation, or
/// crypto-bigint's should aws-lc fail. aws-lc's runs over the exponent's bit length, so
/// secret exponents are drawn with their top bit set (see [`server_hello`]).
fn pow(base: &Monty, exp: &[u8; 32]) -> Monty {
    let fast = MODULUS.as_ref().and_then(|m| m.pow(&base.retrieve().to_be_bytes(), exp));
    match fast {
        Some(bytes) => FixedMontyForm::new(&from_bytes(&bytes), &GROUP.params),
        None => base.pow_bounded_exp(&u256(exp), 256),
    }
}

/// `g^e` for a secret 256-bit `e`, in constant time: every window reads its whole table row
/// and keeps the wanted entry by constant-time selection, so neither the memory access
/// pattern nor the number of multiplications depends on `e`.
fn pow_g(e: &U256) -> Monty {
    let group = &*GROUP;
    let bytes = e.to_le_bytes();
    let mut acc = Monty::one(&group.params);
    for (i, row) in group.g_table.iter().enumerate() {
        let nibble = (bytes[i / 2] >> ((i % 2) * WINDOW)) & 0x0f;
        let mut entry = row[0];
        for (j, candidate) in row.iter().enumerate().skip(1) {
            entry = entry.ct_select(candidate, Choice::from_u8_eq(j as u8, nibble));
        }
        acc = acc.mul(&Monty::from_montgomery(entry, &group.params));
    }
    acc
}

static GROUP: LazyLock<Group> = LazyLock::new(|| {
    // A const constructor: an even modulus would fail to compile, not panic at run time.
    let odd_n = Odd::<U3072>::from_be_hex(N_HEX);
    let n = odd_n.get_copy();
    let params = FixedMontyParams::new_vartime(odd_n);
    let g = FixedMontyForm::new(&U3072::from_u8(2), &params);
    let k_bytes = hash(&[&pad(&n.to_be_bytes()), &[2u8]]);
    let k = FixedMontyForm::new(&from_bytes(&k_bytes), &params);
    let g_table = g_table(&g, &params);
    Group { params, n, k, g_table }
});

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SrpError {
    #[error("SRP_A is not a valid value")]
    BadA,
    #[error("degenerate SRP parameters")]
    Degenerate,
}

/// SHA-256 over the concatenated parts (the `H` of Cognito's SRP).
pub fn hash(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// `padHex` as bytes: minimal big-endian, with a `00` sign byte when the top bit is set.
pub fn pad(be: &[u8]) -> Vec<u8> {
    let start = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    let trimmed = &be[start..];
    match trimmed.first() {
        None => vec![0],
        Some(b) if *b >= 0x80 => [&[0u8][..], trimmed].concat(),
        Some(_) => trimmed.to_vec(),
    }
}

fn from_bytes(be: &[u8]) -> U3072 {
    let mut buf = [0u8; BYTES];
    let take = be.len().min(BYTES);
    buf[BYTES - take..].copy_from_slice(&be[be.len() - take..]);
    U3072::from_be_slice(&buf)
}

fn to_bytes(n: &FixedMontyForm<{ U3072::LIMBS }>) -> Vec<u8> {
    n.retrieve().to_be_bytes().to_vec()
}

fn u256(be: &[u8]) -> U256 {
    let mut buf = [0u8; 32];
    let take = be.len().min(32);
    buf[32 - take..].copy_from_slice(&be[be.len() - take..]);
    U256::from_be_slice(&buf)
}

/// Lowercase hex of a big-endian number without leading zeros (how SRP_B goes on the wire).
pub fn hex_of(be: &[u8]) -> String {
    let h = hex::encode(be);
    let t = h.trim_start_matches('0');
    if t.is_empty() { "0".into() } else { t.into() }
}

/// Parses a hex integer of at most 3072 bits.
pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if t.is_empty() || t.len() > BYTES * 2 + 2 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let even = if t.len() % 2 == 1 { format!("0{t}") } else { t.to_owned() };
    let bytes = hex::decode(even).ok()?;
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    (bytes.len() - start <= BYTES).then(|| bytes[start..].to_vec())
}

/// `x = SHA256(padHex(salt) ‖ SHA256(poolName ‖ username ‖ ":" ‖ password))`.
fn private_x(pool_name: &str, username: &str, password: &str, salt: &[u8]) -> U256 {
    let inner = hash(&[pool_name.as_bytes(), username.as_bytes(), b":", password.as_bytes()]);
    u256(&hash(&[&pad(salt), &inner]))
}

/// The verifier `v = g^x mod N` (big-endian bytes) for a password and salt.
pub fn verifier(pool_name: &str, username: &str, password: &str, salt: &[u8]) -> Vec<u8> {
    let x = private_x(pool_name, username, password, salt);
    to_bytes(&pow_g(&x))
}

/// The server's ephemeral values for one sign-in.
pub struct ServerHello {
    pub b: [u8; 32],
    pub big_b: Vec<u8>,
}

/// `B = (k·v + g^b) mod N` with a fresh secret `b` (retried in the negligible case B ≡ 0).
pub fn server_hello(verifier: &[u8]) -> ServerHello {
    let g = &*GROUP;
    let v = FixedMontyForm::new(&from_bytes(verifier), &g.params);
    loop {
        let mut b = crate::random::bytes::<32>();
        // 255 random bits under a set top bit: every b has the same bit length, so the
        // exponentiation with it takes the same steps whatever its value.
        b[0] |= 0x80;
        let big_b = g.k.mul(&v) + pow_g(&u256(&b));
        if !bool::from(big_b.retrieve().is_zero()) {
            return ServerHello { b, big_b: to_bytes(&big_b) };
        }
    }
}

/// Checks SRP_A (rejecting A ≡ 0 mod N, which would force the shared secret to zero) and
/// returns it reduced.
pub fn check_a(a: &[u8]) -> Result<Vec<u8>, SrpError> {
    if a.len() > BYTES {
        return Err(SrpError::BadA);
    }
    let reduced = FixedMontyForm::new(&from_bytes(a), &GROUP.params).retrieve();
    if bool::from(reduced.is_zero()) {
        return Err(SrpError::BadA);
    }
    Ok(reduced.to_be_bytes().to_vec())
}

/// The 16-byte session key both sides derive:
/// `u = H(padHex(A) ‖ padHex(B))`, `S = (A·v^u)^b mod N`, `K = HKDF(padHex(S), salt = padHex(u))`.
pub fn session_key(a: &[u8], big_b: &[u8], b: &[u8; 32], verifier: &[u8]) -> Result<[u8; 16], SrpError> {
    let g = &*GROUP;
    let a = check_a(a)?;
    let u_bytes = hash(&[&pad(&a), &pad(big_b)]);
    if u_bytes.iter().all(|x| *x == 0) {
        return Err(SrpError::Degenerate);
    }
    let a_m = FixedMontyForm::new(&from_bytes(&a), &g.params);
    let v_m = FixedMontyForm::new(&from_bytes(verifier), &g.params);
    let s = pow(&a_m.mul(&pow(&v_m, &u_bytes)), b);
    let s_bytes = to_bytes(&s);
    if s_bytes.iter().all(|x| *x == 0) || s.retrieve() == g.n {
        return Err(SrpError::Degenerate);
    }
    let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &pad(&u_bytes)), &pad(&s_bytes));
    let okm = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()), b"Caldera Derived Key\x01");
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm.as_ref()[..16]);
    Ok(key)
}

/// `HMAC-SHA256(K, poolName ‖ username ‖ secretBlock ‖ timestamp)`, the PASSWORD_CLAIM_SIGNATURE.
pub fn claim_signature(
    key: &[u8; 16],
    pool_name: &str,
    username: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(pool_name.as_bytes());
    ctx.update(username.as_bytes());
    ctx.update(secret_block);
    ctx.update(timestamp.as_bytes());
    ctx.sign().as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use num_bigint::BigUint;

    /// A client written independently with num-bigint, as amazon-cognito-identity-js does it.
    struct Client {
        a: BigUint,
    }

    impl Client {
        fn n() -> BigUint {
            BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap()
        }

        fn big_a(&self) -> BigUint {
            BigUint::from(2u8).modpow(&self.a, &Self::n())
        }

        fn key(&self, pool: &str, user: &str, pw: &str, salt: &[u8], big_b: &[u8]) -> [u8; 16] {
            let n = Self::n();
            let b = BigUint::from_bytes_be(big_b);
            let u = BigUint::from_bytes_be(&hash(&[&pad(&self.big_a().to_bytes_be()), &pad(big_b)]));
            let x = BigUint::from_bytes_be(&private_x(pool, user, pw, salt).to_be_bytes());
            let k = BigUint::from_bytes_be(&hash(&[&pad(&n.to_bytes_be()), &[2u8]]));
            let gx = BigUint::from(2u8).modpow(&x, &n);
            let base = (b + &n * &k - (&k * gx) % &n) % &n;
            let s = base.modpow(&(&self.a + u.clone() * x), &n);
            let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &pad(&u.to_bytes_be())), &pad(&s.to_bytes_be()));
            let okm = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()), b"Caldera Derived Key\x01");
            okm.as_ref()[..16].try_into().unwrap()
        }
    }

    /// g by plain exponentiation, to check the table against.
    fn generator() -> Monty {
        FixedMontyForm::new(&U3072::from_u8(2), &GROUP.params)
    }

    fn sha_hex(bytes: &[u8]) -> String {
        hex::encode(hash(&[bytes]))
    }

    #[test]
    fn known_answer_vector() {
        let salt = hex::decode("a1b2c3d4e5f60718293a4b5c6d7e8f90").unwrap();
        assert_eq!(hex::encode(pad(&salt)), "00a1b2c3d4e5f60718293a4b5c6d7e8f90");
        let x = private_x("AbCdEfGhI", "alice", "Passw0rd!", &salt);
        assert_eq!(hex::encode(x.to_be_bytes()), "9a3f56c411bef88aa8bab8193756c28959786254d79447050bee0dd4ff0fe507");
        let v = verifier("AbCdEfGhI", "alice", "Passw0rd!", &salt);
        assert_eq!(sha_hex(&pad(&v)), "2b06e633cedd7fb10de0c7edb621f10b50c7a75b1bbbc65b5d019a03e8d5ff14");

        let b: [u8; 32] = hex::decode("0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0")
            .unwrap()
            .try_into()
            .unwrap();
        let g = &*GROUP;
        let v_m = FixedMontyForm::new(&from_bytes(&v), &g.params);
        let big_b = to_bytes(&(g.k.mul(&v_m) + generator().pow_bounded_exp(&u256(&b), 256)));
        assert_eq!(sha_hex(&pad(&big_b)), "34174ff078ce05c7a3cf6fb9c566907907acbaa141caef32e2ead428a83793ae");

        let client = Client {
            a: BigUint::parse_bytes(b"1122334455667788990011223344556677889900112233445566778899001122", 16).unwrap(),
        };
        let a = client.big_a().to_bytes_be();
        assert!(hex::encode(&a).starts_with("9f46fa2dd59851ec"));
        assert_eq!(sha_hex(&pad(&a)), "867277233d0078702aaa971522e226447c06402427650cd59ce684e37e1cb39a");

        let key = session_key(&a, &big_b, &b, &v).unwrap();
        assert_eq!(hex::encode(key), "ef9236a0a99fff97f603a9dfac6487b4");
        let block =
            base64::engine::general_purpose::STANDARD.decode("c2VjcmV0LWJsb2NrLWJ5dGVzLWZyb20tc2VydmVy").unwrap();
        let sig = claim_signature(&key, "AbCdEfGhI", "alice", &block, "Tue Mar 5 09:04:07 UTC 2024");
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(sig),
            "VRRDRD5gf7vCvm6rJhBzSoRZOLNfh/sTUAwgVWdZqLE="
        );
    }

    #[test]
    fn client_and_server_agree_for_random_users() {
        for i in 0..8 {
            let salt = crate::random::bytes::<16>();
            let (user, pw) =
                (format!("user-{i}-{}", crate::random::uuid_v4()), format!("pw {i} {}", crate::random::uuid_v4()));
            let v = verifier("PoolName1", &user, &pw, &salt);
            let hello = server_hello(&v);
            let client = Client { a: BigUint::from_bytes_be(&crate::random::bytes::<128>()) };
            let server_key = session_key(&client.big_a().to_bytes_be(), &hello.big_b, &hello.b, &v).unwrap();
            assert_eq!(server_key, client.key("PoolName1", &user, &pw, &salt, &hello.big_b));
            let wrong = client.key("PoolName1", &user, "not it", &salt, &hello.big_b);
            assert_ne!(server_key, wrong);
        }
    }

    #[test]
    fn the_fixed_base_table_agrees_with_exponentiation() {
        let edge = [U256::ZERO, U256::ONE, U256::MAX, U256::from_u64(0xf0)];
        let random = (0..6).map(|_| u256(&crate::random::bytes::<32>()));
        for e in edge.into_iter().chain(random) {
            assert_eq!(pow_g(&e).retrieve(), generator().pow_bounded_exp(&e, 256).retrieve());
        }
    }

    #[test]
    fn aws_lc_exponentiation_agrees_with_crypto_bigint() {
        let m = MODULUS.as_ref().unwrap();
        for _ in 0..4 {
            let base = FixedMontyForm::new(&from_bytes(&crate::random::bytes::<384>()), &GROUP.params);
            let exp = crate::random::bytes::<32>();
            let fast = m.pow(&base.retrieve().to_be_bytes(), &exp).unwrap();
            assert_eq!(from_bytes(&fast), base.pow_bounded_exp(&u256(&exp), 256).retrieve());
        }
        assert_eq!(m.pow(&[7], &[0]).unwrap(), from_bytes(&[1]).to_be_bytes().to_vec());
    }

    #[test]
    #[ignore = "timing, run by hand: cargo test --release -p cognate-crypto -- --ignored --nocapture"]
    fn exponentiation_speed() {
        let base = FixedMontyForm::new(&from_bytes(&crate::random::bytes::<384>()), &GROUP.params);
        let exp = crate::random::bytes::<32>();
        let m = MODULUS.as_ref().unwrap();
        let time = |f: &dyn Fn()| {
            let start = std::time::Instant::now();
            for _ in 0..200 {
                f();
            }
            start.elapsed() / 200
        };
        let bytes = base.retrieve().to_be_bytes();
        println!("aws-lc: {:?}", time(&|| drop(std::hint::black_box(m.pow(&bytes, &exp)))));
        println!(
            "crypto-bigint: {:?}",
            time(&|| {
                std::hint::black_box(base.pow_bounded_exp(&u256(&exp), 256));
            })
        );
        println!(
            "table g^e: {:?}",
            time(&|| {
                std::hint::black_box(pow_g(&u256(&exp)));
            })
        );
    }

    #[test]
    fn degenerate_a_is_rejected() {
        let n = GROUP.n.to_be_bytes().to_vec();
        assert_eq!(check_a(&[0]), Err(SrpError::BadA));
        assert_eq!(check_a(&n), Err(SrpError::BadA));
        let two_n = (BigUint::from_bytes_be(&n) * 2u8).to_bytes_be();
        assert_eq!(check_a(&two_n), Err(SrpError::BadA));
        assert!(check_a(&[5]).is_ok());
        assert_eq!(parse_hex("zz"), None);
        assert_eq!(parse_hex("0f"), Some(vec![15]));
    }
}
