//! Per-process memory of work that need not be done twice: parsed pool settings and access
//! tokens whose signature was already checked. Neither holds state the store does not:
//! a parsed pool is reused only after the store confirms its version, and a remembered
//! signature only spares the RSA check, never the expiry, revocation and user checks.

use crate::pools::Pool;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Parsed pools held at most; a process serving more pools parses the rest again.
const POOLS: usize = 1024;
/// Verified access tokens remembered (32-byte digests, so about a megabyte at most).
const VERIFIED_TOKENS: usize = 16_384;

/// A bounded map that forgets the least recently used half at a time: entries live in a
/// current generation and, once that fills, in the previous one; a hit in the previous
/// generation moves the entry back to the current one.
struct Recent<K, V> {
    capacity: usize,
    current: HashMap<K, V>,
    previous: HashMap<K, V>,
}

impl<K: Hash + Eq, V> Recent<K, V> {
    fn new(capacity: usize) -> Self {
        Recent { capacity, current: HashMap::new(), previous: HashMap::new() }
    }

    fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if !self.current.contains_key(key) {
            let v = self.previous.remove(key)?;
            self.insert(key.to_owned(), v);
        }
        self.current.get(key)
    }

    fn insert(&mut self, key: K, value: V) {
        if self.current.len() >= self.capacity / 2 && !self.current.contains_key(&key) {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key, value);
    }
}

/// Parsed pools by id. An entry answers only for the `(version, created_ms)` it was parsed
/// at; every update of a pool bumps its version, so a stale entry is never returned.
pub(crate) struct PoolCache(Mutex<Recent<String, Pool>>);

impl Default for PoolCache {
    fn default() -> Self {
        PoolCache(Mutex::new(Recent::new(POOLS)))
    }
}

impl PoolCache {
    pub(crate) fn get(&self, id: &str, version: (i64, i64)) -> Option<Pool> {
        let mut cache = self.0.lock().ok()?;
        let pool = cache.get(id)?;
        ((pool.record.version, pool.record.created_ms) == version).then(|| pool.clone())
    }

    pub(crate) fn put(&self, pool: &Pool) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(pool.record.id.clone(), pool.clone());
        }
    }
}

/// Access tokens whose RS256 signature has been verified, by SHA-256 of the whole token,
/// with the kid that verified it. A token is immutable, so the same bytes verify the same
/// way again; the caller still checks that the pool publishes the kid.
pub(crate) struct VerifiedTokens(Mutex<Recent<[u8; 32], String>>);

impl Default for VerifiedTokens {
    fn default() -> Self {
        VerifiedTokens(Mutex::new(Recent::new(VERIFIED_TOKENS)))
    }
}

impl VerifiedTokens {
    /// Whether this token's signature was verified with `kid`.
    pub(crate) fn verified_with(&self, digest: &[u8; 32], kid: &str) -> bool {
        self.0.lock().is_ok_and(|mut cache| cache.get(digest).is_some_and(|k| k == kid))
    }

    pub(crate) fn remember(&self, digest: [u8; 32], kid: &str) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(digest, kid.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Recent;

    #[test]
    fn recent_keeps_what_is_used_and_stays_bounded() {
        let mut r = Recent::new(4);
        r.insert(1, "a");
        r.insert(2, "b");
        r.insert(3, "c"); // generation turns: 1 and 2 move to previous
        assert_eq!(r.get(&1), Some(&"a")); // and back
        r.insert(4, "d"); // turns again: 3 and 1 previous, 2 forgotten
        assert_eq!(r.get(&2), None);
        assert_eq!(r.get(&3), Some(&"c"));
        assert!(r.current.len() + r.previous.len() <= 4);
    }
}
