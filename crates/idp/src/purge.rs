//! Removing what can no longer be used: expired challenge sessions, refresh tokens and token
//! families. Without it every sign-in would leave rows behind for good.

use crate::{Idp, IdpResult};
use cognate_store::StoreResult;

/// Cognito's longest access-token validity. Every access token belongs to a family, and a
/// missing family means "revoked", so a family stays until its last refresh token has been
/// expired this long: no access token issued from it can still be valid.
const ACCESS_VALIDITY_MAX_MS: i64 = 24 * 3600 * 1000;

/// Rows per delete: each batch is one short write transaction, so sign-ins are not held up
/// behind a large purge (SQLite has one writer).
const BATCH: i64 = 1_000;

impl Idp {
    /// Deletes every expired session, and the refresh tokens and families no token can use
    /// any more, a batch at a time. Returns how many rows went. Safe to run on several
    /// nodes at once: each delete only takes what is already gone.
    pub async fn purge_expired(&self) -> IdpResult<u64> {
        let now = self.now_ms();
        let sessions = drain(|| self.store.purge_expired_sessions(now, BATCH)).await?;
        let tokens = drain(|| self.store.purge_expired_tokens(now - ACCESS_VALIDITY_MAX_MS, BATCH)).await?;
        Ok(sessions + tokens)
    }
}

/// Runs a batched delete until a batch comes back short (the store's contract: fewer than
/// [`BATCH`] rows means nothing more is due), and returns the rows deleted in all.
async fn drain<F: Future<Output = StoreResult<u64>>>(mut batch: impl FnMut() -> F) -> IdpResult<u64> {
    let mut purged = 0;
    loop {
        let n = batch().await?;
        purged += n;
        if n < BATCH as u64 {
            return Ok(purged);
        }
    }
}
