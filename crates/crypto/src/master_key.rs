//! The master key: AES-256-GCM sealing of secrets at rest (signing keys, SRP verifiers, TOTP
//! seeds, generated admin secrets). Every sealed value is bound to a purpose string as
//! associated data, so a ciphertext copied into another row or column fails to open.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

const VERSION: u8 = 1;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MasterKeyError {
    #[error("the master key must be base64 of exactly 32 bytes")]
    BadKey,
    #[error("sealed value is malformed or was not sealed for this purpose with this key")]
    Open,
}

pub struct MasterKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MasterKeyError> {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| MasterKeyError::BadKey)?;
        if bytes.len() != 32 {
            return Err(MasterKeyError::BadKey);
        }
        Ok(MasterKey { key: LessSafeKey::new(unbound) })
    }

    pub fn from_base64(text: &str) -> Result<Self, MasterKeyError> {
        let bytes = B64.decode(text.trim()).map_err(|_| MasterKeyError::BadKey)?;
        Self::from_bytes(&bytes)
    }

    /// 32 fresh random bytes, base64-encoded: the form written to the key file.
    pub fn generate_base64() -> String {
        B64.encode(crate::random::bytes::<32>())
    }

    /// Seals `plaintext` for `purpose`; output is `base64(version ‖ nonce ‖ ciphertext ‖ tag)`.
    /// Random 96-bit nonces are safe here: the number of sealed values per key stays far below
    /// the 2^32 bound where nonce collisions become a concern.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let nonce_bytes = crate::random::bytes::<NONCE_LEN>();
        let mut buf = plaintext.to_vec();
        let nonce = Nonce::assume_unique_for_key(nonce_bytes);
        if self.key.seal_in_place_append_tag(nonce, Aad::from(purpose.as_bytes()), &mut buf).is_err() {
            std::process::abort();
        }
        let mut out = Vec::with_capacity(1 + NONCE_LEN + buf.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&buf);
        B64.encode(out)
    }

    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, MasterKeyError> {
        let raw = B64.decode(sealed).map_err(|_| MasterKeyError::Open)?;
        if raw.len() < 1 + NONCE_LEN || raw[0] != VERSION {
            return Err(MasterKeyError::Open);
        }
        let nonce = Nonce::try_assume_unique_for_key(&raw[1..1 + NONCE_LEN]).map_err(|_| MasterKeyError::Open)?;
        let mut buf = raw[1 + NONCE_LEN..].to_vec();
        let plain =
            self.key.open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut buf).map_err(|_| MasterKeyError::Open)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_purpose_binding() {
        let k = MasterKey::from_base64(&MasterKey::generate_base64()).unwrap();
        let s = k.seal("admin-secret:AKIA1", b"hunter2");
        assert_eq!(k.open("admin-secret:AKIA1", &s).unwrap(), b"hunter2");
        assert_eq!(k.open("admin-secret:AKIA2", &s), Err(MasterKeyError::Open));
        let other = MasterKey::from_base64(&MasterKey::generate_base64()).unwrap();
        assert_eq!(other.open("admin-secret:AKIA1", &s), Err(MasterKeyError::Open));
        assert_ne!(k.seal("p", b"x"), k.seal("p", b"x"));
    }

    #[test]
    fn rejects_bad_keys() {
        assert_eq!(MasterKey::from_base64("c2hvcnQ=").unwrap_err(), MasterKeyError::BadKey);
        assert_eq!(MasterKey::from_base64("!!").unwrap_err(), MasterKeyError::BadKey);
    }
}
