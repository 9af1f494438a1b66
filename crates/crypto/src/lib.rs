//! Cognate's cryptography: randomness and identifiers, the master key that seals secrets at
//! rest, password hashing, constant-time comparison and AWS Signature Version 4.

pub mod master_key;
pub mod password;
pub mod random;
pub mod sigv4;

pub use master_key::{MasterKey, MasterKeyError};
pub use password::{PasswordHasher, PasswordParams};

/// Constant-time equality, so that comparing a secret leaks nothing through timing.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
