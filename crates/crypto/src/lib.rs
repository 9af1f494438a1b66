//! Cognate's cryptography: randomness and identifiers, the master key that seals secrets at
//! rest, password hashing, constant-time comparison and AWS Signature Version 4.

mod bn;
pub mod jws;
pub mod master_key;
pub mod password;
pub mod random;
pub mod sender_key;
pub mod sigv4;
pub mod srp;
pub mod totp;

pub use master_key::{MasterKey, MasterKeyError};
pub use password::{PasswordHasher, PasswordParams};
pub use sender_key::SenderKey;

/// Constant-time equality, so that comparing a secret leaks nothing through timing.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref());
    out
}

/// Hex SHA-256 over the parts joined by `\0`: how codes, refresh tokens and session ids are
/// stored, so a read of the database does not hand out usable values.
pub fn digest_hex(parts: &[&[u8]]) -> String {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            ctx.update(&[0]);
        }
        ctx.update(part);
    }
    hex::encode(ctx.finish())
}

/// `base64(HMAC-SHA256(key, message))`, Cognito's SECRET_HASH.
pub fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    use base64::Engine as _;
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key);
    base64::engine::general_purpose::STANDARD.encode(aws_lc_rs::hmac::sign(&key, message))
}
