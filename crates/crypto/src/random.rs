//! Secure randomness (aws-lc's DRBG) and the random identifiers Cognito uses.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

const LOWER_ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Fills `buf` from the system DRBG. A failing DRBG is unrecoverable, so it aborts rather
/// than hand out predictable bytes.
pub fn fill(buf: &mut [u8]) {
    if SystemRandom::new().fill(buf).is_err() {
        std::process::abort();
    }
}

pub fn bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    fill(&mut b);
    b
}

/// A string of `len` characters drawn uniformly from `alphabet` (rejection sampling, no bias).
pub fn string_from(alphabet: &[u8], len: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill(&mut buf);
        for &b in &buf {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// `{region}_{9 alphanumerics}`, the user-pool id format.
pub fn user_pool_id(region: &str) -> String {
    format!("{region}_{}", string_from(ALNUM, 9))
}

/// 26 characters of `[a-z0-9]`, the app-client id format.
pub fn client_id() -> String {
    string_from(LOWER_ALNUM, 26)
}

/// 52 characters of `[a-z0-9]`, the generated client-secret format.
pub fn client_secret() -> String {
    string_from(LOWER_ALNUM, 52)
}

/// A lowercase UUID v4 (user `sub`, request ids).
pub fn uuid_v4() -> String {
    let mut b = bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// An access key id in AWS's shape (`AKIA` + 16 uppercase alphanumerics).
pub fn access_key_id() -> String {
    format!("AKIA{}", string_from(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 16))
}

/// A 40-character secret access key in AWS's alphabet.
pub fn secret_access_key() -> String {
    string_from(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/", 40)
}

/// A random number in `0..n` without modulo bias.
pub fn below(n: u32) -> u32 {
    let limit = u32::MAX - (u32::MAX % n);
    loop {
        let v = u32::from_le_bytes(bytes::<4>());
        if v < limit {
            return v % n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let id = user_pool_id("us-east-1");
        assert!(id.starts_with("us-east-1_") && id.len() == 19);
        assert!(client_id().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_eq!(client_secret().len(), 52);
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(uuid_v4(), u);
        assert!(below(10) < 10);
    }
}
