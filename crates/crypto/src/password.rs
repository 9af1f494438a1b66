//! Password hashing with argon2id on a bounded blocking pool. A burst of sign-ins must not
//! starve the async workers or exhaust memory (each hash holds `m` KiB), so at most
//! `concurrency` hashes run at once and the rest wait their turn.

use argon2::{Algorithm, Argon2, Params, Version};
use argon2::{PasswordHasher as _, PasswordVerifier as _};
use std::sync::Arc;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordParams {
    /// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        PasswordParams { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("invalid argon2 parameters: {0}")]
    Params(String),
    #[error("hashing task failed: {0}")]
    Task(String),
}

#[derive(Clone)]
pub struct PasswordHasher {
    argon: Arc<Argon2<'static>>,
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    pub fn new(params: PasswordParams, concurrency: usize) -> Result<Self, HashError> {
        let p = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
            .map_err(|e| HashError::Params(e.to_string()))?;
        Ok(PasswordHasher {
            argon: Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, p)),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        })
    }

    /// PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let argon = self.argon.clone();
        let pw = Zeroizing::new(password.to_owned());
        self.run(move || {
            let salt = crate::random::bytes::<16>();
            argon
                .hash_password_with_salt(pw.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| HashError::Task(e.to_string()))
        })
        .await
    }

    /// True when `password` matches `phc`. A malformed stored hash counts as a mismatch.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        let argon = self.argon.clone();
        let pw = Zeroizing::new(password.to_owned());
        let phc = phc.to_owned();
        self.run(move || Ok(argon.verify_password(pw.as_bytes(), phc.as_str()).is_ok())).await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self.permits.acquire().await.map_err(|e| HashError::Task(e.to_string()))?;
        tokio::task::spawn_blocking(f).await.map_err(|e| HashError::Task(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = PasswordHasher::new(PasswordParams { memory_kib: 1024, iterations: 1, parallelism: 1 }, 2).unwrap();
        let phc = h.hash("Passw0rd!").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(h.verify("Passw0rd!", &phc).await.unwrap());
        assert!(!h.verify("passw0rd!", &phc).await.unwrap());
        assert!(!h.verify("x", "not a hash").await.unwrap());
    }
}
