//! The cap on a user's token sessions (TokenSession.MaxPerUser): when a sign-in starts a new
//! refresh-token family, the user's other active families beyond the cap are revoked, oldest
//! first, so a lowered cap takes effect at the user's next sign-in. The cap belongs to the
//! pool's session configuration, which the authorization server owns; this crate asks for it
//! through [`TokenSessionLimit`] and knows no session settings itself.

use crate::{Idp, IdpResult};
use async_trait::async_trait;
use std::sync::Arc;

/// Where the cap comes from.
#[async_trait]
pub trait TokenSessionLimit: Send + Sync {
    /// How many active token sessions a user of the pool may hold; `None` for no cap (the
    /// pool does not track sessions).
    async fn max_token_sessions(&self, pool_id: &str) -> IdpResult<Option<i64>>;
}

/// How many of the user's other families stay beside a new one under a cap of `max`.
fn kept_beside_new(max: i64) -> usize {
    usize::try_from(max.saturating_sub(1)).unwrap_or(0)
}

impl Idp {
    /// The same service, capping token sessions as `limit` says.
    pub fn with_token_session_limit(mut self, limit: Arc<dyn TokenSessionLimit>) -> Self {
        self.session_limit = Some(limit);
        self
    }

    /// Called after the family `new_jti` was stored: revokes the user's oldest other active
    /// families beyond the cap.
    pub(crate) async fn cap_token_sessions(&self, pool_id: &str, sub: &str, new_jti: &str) -> IdpResult<()> {
        let Some(limit) = &self.session_limit else { return Ok(()) };
        let Some(max) = limit.max_token_sessions(pool_id).await? else { return Ok(()) };
        // Newest first: the ones past the kept count are the oldest.
        let active = self.store.active_families(pool_id, sub, self.now_ms()).await?;
        for family in active.iter().filter(|f| f.origin_jti != new_jti).skip(kept_beside_new(max)) {
            self.store.revoke_family(&family.origin_jti).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_new_session_counts_against_the_cap() {
        assert_eq!(super::kept_beside_new(20), 19);
        assert_eq!(super::kept_beside_new(1), 0);
        assert_eq!(super::kept_beside_new(0), 0);
    }
}
