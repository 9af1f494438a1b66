//! Failed sign-in throttling as Cognito does it: after 5 consecutive failures the user is
//! locked for 1 s, doubling with each further failure up to 15 minutes. Attempts during a
//! lockout fail without extending it; 15 minutes without attempts clear the count. This
//! bounds online password guessing per account.

use crate::{IdpError, IdpResult};
use serde::{Deserialize, Serialize};

const FREE_FAILURES: u32 = 5;
const MAX_LOCK_MS: i64 = 15 * 60 * 1000;
const RESET_AFTER_MS: i64 = 15 * 60 * 1000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Lockout {
    pub failures: u32,
    pub last_failure_ms: i64,
    pub locked_until_ms: i64,
}

impl Lockout {
    pub fn is_clear(&self) -> bool {
        self.failures == 0
    }

    /// Refuses an attempt while locked.
    pub fn check(&mut self, now_ms: i64) -> IdpResult<()> {
        if self.failures > 0 && now_ms - self.last_failure_ms >= RESET_AFTER_MS {
            *self = Lockout::default();
        }
        if now_ms < self.locked_until_ms {
            return Err(IdpError::NotAuthorized("Password attempts exceeded".into()));
        }
        Ok(())
    }

    pub fn fail(&mut self, now_ms: i64) {
        self.failures += 1;
        self.last_failure_ms = now_ms;
        if self.failures >= FREE_FAILURES {
            let exponent = (self.failures - FREE_FAILURES).min(20);
            self.locked_until_ms = now_ms + (1000i64 << exponent).min(MAX_LOCK_MS);
        }
    }

    pub fn succeed(&mut self) {
        *self = Lockout::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_five_and_doubles() {
        let mut l = Lockout::default();
        for i in 0..5 {
            l.check(i).unwrap();
            l.fail(i);
        }
        assert!(l.check(5).is_err());
        assert!(l.check(4 + 1000).is_ok());
        l.fail(2000);
        assert_eq!(l.locked_until_ms, 4000);
        assert!(l.check(3999).is_err());
        assert!(l.check(2000 + RESET_AFTER_MS).is_ok());
        assert!(l.is_clear());
    }
}
