//! Password hashing with argon2id on a fixed set of hashing threads. A burst of sign-ins must
//! not starve the async workers or exhaust memory (each hash holds `m` KiB), so at most
//! `concurrency` hashes run at once and the rest wait their turn. Each thread keeps its
//! argon2 memory between hashes: a fresh 19 MiB allocation per hash costs about a fifth of the
//! hash itself in page faults, all of it on the sign-in path.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;
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

/// Work for a hashing thread, given the configured hasher and the thread's memory.
type Job = Box<dyn FnOnce(&Argon2<'static>, &mut Vec<Block>) + Send>;

#[derive(Clone)]
pub struct PasswordHasher {
    jobs: Arc<Mutex<mpsc::Sender<Job>>>,
}

impl PasswordHasher {
    /// Starts `concurrency` hashing threads; they stop when the last clone is dropped.
    pub fn new(params: PasswordParams, concurrency: usize) -> Result<Self, HashError> {
        let p = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
            .map_err(|e| HashError::Params(e.to_string()))?;
        let argon = Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, p));
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..concurrency.max(1) {
            let (argon, rx) = (argon.clone(), rx.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&argon, &rx))
                .map_err(|e| HashError::Task(e.to_string()))?;
        }
        Ok(PasswordHasher { jobs: Arc::new(Mutex::new(tx)) })
    }

    /// PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let pw = Zeroizing::new(password.to_owned());
        self.run(move |argon, memory| {
            let salt = crate::random::bytes::<16>();
            hash_with(argon, memory, pw.as_bytes(), &salt).map_err(HashError::Task)
        })
        .await
    }

    /// True when `password` matches `phc`. A malformed stored hash counts as a mismatch.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        let pw = Zeroizing::new(password.to_owned());
        let phc = phc.to_owned();
        self.run(move |_, memory| Ok(verify_with(memory, pw.as_bytes(), &phc))).await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Argon2<'static>, &mut Vec<Block>) -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |argon, memory| {
            let _ = tx.send(f(argon, memory));
        });
        let sent = self.jobs.lock().map_err(|_| HashError::Task("hasher poisoned".into()))?.send(job);
        sent.map_err(|_| HashError::Task("the hashing threads have stopped".into()))?;
        rx.await.map_err(|_| HashError::Task("a hashing thread stopped".into()))?
    }
}

/// A hashing thread: takes jobs until every sender is gone. A job that panics ends only
/// itself: its caller sees the dropped reply, and the thread carries on.
fn work(argon: &Argon2<'static>, jobs: &Mutex<mpsc::Receiver<Job>>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let next = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = next else { return };
        let run = std::panic::AssertUnwindSafe(|| job(argon, &mut memory));
        if std::panic::catch_unwind(run).is_err() {
            memory = Vec::new();
        }
    }
}

/// `memory` grown to what `argon` needs (never shrunk: the parameters rarely change).
fn blocks<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    let count = params.block_count();
    if memory.len() < count {
        memory.resize(count, Block::default());
    }
    &mut memory[..count]
}

fn hash_with(argon: &Argon2<'_>, memory: &mut Vec<Block>, password: &[u8], salt: &[u8]) -> Result<String, String> {
    let params = argon.params().clone();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon
        .hash_password_into_with_memory(password, salt, &mut out, blocks(memory, &params))
        .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(Salt::new(salt).map_err(|e| e.to_string())?),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

/// Verifies against a stored PHC string with that string's own parameters (hashes made under
/// older settings still verify), comparing in constant time.
fn verify_with(memory: &mut Vec<Block>, password: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm.as_str()), Params::try_from(&parsed))
    else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    argon.hash_password_into_with_memory(password, salt.as_ref(), &mut out, blocks(memory, &params)).is_ok()
        && crate::ct_eq(&out, expected.as_bytes())
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

    /// Hashes made here verify with the argon2 crate's own verifier and the other way round,
    /// so stored hashes stay portable and older ones keep working.
    #[tokio::test]
    async fn agrees_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let h = PasswordHasher::new(PasswordParams { memory_kib: 2048, iterations: 2, parallelism: 1 }, 1).unwrap();
        let ours = h.hash("Corr3ct-horse!").await.unwrap();
        let crate_argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).unwrap());
        assert!(crate_argon.verify_password(b"Corr3ct-horse!", ours.as_str()).is_ok());
        let theirs = crate_argon.hash_password_with_salt(b"other pw", b"saltsaltsalt").unwrap().to_string();
        assert!(h.verify("other pw", &theirs).await.unwrap());
        assert!(!h.verify("other pW", &theirs).await.unwrap());
    }
}
