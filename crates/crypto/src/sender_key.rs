//! The key that protects codes handed to custom sender triggers (CustomEmailSender,
//! CustomSMSSender). Cognito encrypts those codes with KMS; Cognate encrypts them with
//! AES-256-GCM under a key the operator shares with the sender function, so the code never
//! travels or lands in a function's logs in clear text.
//!
//! Format: `base64(nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes))`, no associated data.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

pub struct SenderKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for SenderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SenderKey(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the custom sender key must be base64 of exactly 32 bytes")]
pub struct BadSenderKey;

impl SenderKey {
    pub fn from_base64(text: &str) -> Result<Self, BadSenderKey> {
        let bytes = B64.decode(text.trim()).map_err(|_| BadSenderKey)?;
        if bytes.len() != 32 {
            return Err(BadSenderKey);
        }
        let unbound = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| BadSenderKey)?;
        Ok(SenderKey { key: LessSafeKey::new(unbound) })
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        let nonce_bytes = crate::random::bytes::<NONCE_LEN>();
        let mut buf = plaintext.as_bytes().to_vec();
        let nonce = Nonce::assume_unique_for_key(nonce_bytes);
        if self.key.seal_in_place_append_tag(nonce, Aad::empty(), &mut buf).is_err() {
            std::process::abort();
        }
        let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&buf);
        B64.encode(out)
    }

    #[cfg(test)]
    fn decrypt(&self, text: &str) -> Option<String> {
        let raw = B64.decode(text).ok()?;
        let (nonce, sealed) = raw.split_at_checked(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = sealed.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::empty(), &mut buf).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_keys() {
        let key = SenderKey::from_base64(&B64.encode([7u8; 32])).unwrap();
        let sealed = key.encrypt("123456");
        assert_ne!(sealed, key.encrypt("123456"), "a fresh nonce every time");
        assert_eq!(key.decrypt(&sealed).as_deref(), Some("123456"));
        assert_eq!(B64.decode(&sealed).unwrap().len(), 12 + 6 + 16);
        assert!(SenderKey::from_base64(&B64.encode([7u8; 16])).is_err());
        assert!(SenderKey::from_base64("not base64!").is_err());
    }
}
