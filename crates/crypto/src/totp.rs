//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) and the
//! base32 form authenticator apps read secrets in.

use aws_lc_rs::hmac;

const STEP_SECONDS: i64 = 30;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Unpadded RFC 4648 base32.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The time step a moment (epoch seconds) falls in.
pub fn step_of(epoch_seconds: i64) -> i64 {
    epoch_seconds.div_euclid(STEP_SECONDS)
}

/// The 6-digit code of `secret` for time step `step`.
pub fn code(secret: &[u8], step: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = hmac::sign(&key, &step.to_be_bytes());
    let m = mac.as_ref();
    let offset = (m[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([m[offset] & 0x7f, m[offset + 1], m[offset + 2], m[offset + 3]]) % 1_000_000;
    format!("{value:06}")
}

/// The step `candidate` matches within ±1 step of `now_step` (clock drift), compared in
/// constant time; `None` when it matches none.
pub fn matching_step(secret: &[u8], candidate: &str, now_step: i64) -> Option<i64> {
    let mut found = None;
    for step in [now_step - 1, now_step, now_step + 1] {
        if crate::ct_eq(code(secret, step).as_bytes(), candidate.trim().as_bytes()) {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vectors() {
        // RFC 6238 appendix B, SHA1, 8-digit values truncated to their last 6 digits.
        let secret = b"12345678901234567890";
        assert_eq!(code(secret, step_of(59)), "287082");
        assert_eq!(code(secret, step_of(1_111_111_109)), "081804");
        assert_eq!(code(secret, step_of(2_000_000_000)), "279037");
    }

    #[test]
    fn base32_and_window() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let secret = b"12345678901234567890";
        let now = step_of(1_000_000);
        assert_eq!(matching_step(secret, &code(secret, now - 1), now), Some(now - 1));
        assert_eq!(matching_step(secret, &code(secret, now - 2), now), None);
    }
}
