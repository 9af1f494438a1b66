//! One-time codes (sign-up confirmation, attribute verification, password reset): six
//! digits, stored only as a digest, single-use, with an expiry and an attempt limit so a
//! code cannot be guessed by trying the million possibilities.

use crate::user_record::User;
use crate::{IdpError, IdpResult};
use serde::{Deserialize, Serialize};

/// Wrong guesses allowed before the code is void.
const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    ConfirmSignUp,
    ForgotPassword,
    Verify(crate::codes::Contact),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contact {
    Email,
    Phone,
}

impl Contact {
    pub fn attribute(self) -> &'static str {
        match self {
            Contact::Email => "email",
            Contact::Phone => "phone_number",
        }
    }

    pub fn of(attribute: &str) -> Option<Contact> {
        match attribute {
            "email" => Some(Contact::Email),
            "phone_number" => Some(Contact::Phone),
            _ => None,
        }
    }
}

impl Purpose {
    fn key(self) -> &'static str {
        match self {
            Purpose::ConfirmSignUp => "confirm-sign-up",
            Purpose::ForgotPassword => "forgot-password",
            Purpose::Verify(Contact::Email) => "verify-email",
            Purpose::Verify(Contact::Phone) => "verify-phone_number",
        }
    }

    /// 24 h for confirmation and verification, 1 h for a password reset, as Cognito.
    fn lifetime_ms(self) -> i64 {
        match self {
            Purpose::ForgotPassword => 3_600_000,
            _ => 86_400_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredCode {
    pub digest: String,
    pub expires_ms: i64,
    pub attempts: u32,
}

fn digest(user: &User, purpose: Purpose, code: &str) -> String {
    cognate_crypto::digest_hex(&[user.record.sub.as_bytes(), purpose.key().as_bytes(), code.as_bytes()])
}

/// Issues a fresh code for `purpose`, replacing any outstanding one; returns the code.
pub(crate) fn issue(user: &mut User, purpose: Purpose, now_ms: i64) -> String {
    let code = format!("{:06}", cognate_crypto::random::below(1_000_000));
    let stored =
        StoredCode { digest: digest(user, purpose, &code), expires_ms: now_ms + purpose.lifetime_ms(), attempts: 0 };
    user.data.codes.insert(purpose.key().to_owned(), stored);
    code
}

/// Whether a code for `purpose` was issued and not yet used up.
pub(crate) fn outstanding(user: &User, purpose: Purpose) -> bool {
    user.data.codes.contains_key(purpose.key())
}

/// Checks `code`; the caller must save the user whatever the outcome, since attempts count.
pub(crate) fn check(user: &mut User, purpose: Purpose, code: &str, now_ms: i64) -> IdpResult<()> {
    let expected = digest(user, purpose, code.trim());
    let Some(stored) = user.data.codes.get_mut(purpose.key()) else {
        return Err(IdpError::CodeMismatch);
    };
    if stored.expires_ms <= now_ms {
        user.data.codes.remove(purpose.key());
        return Err(IdpError::ExpiredCode);
    }
    if cognate_crypto::ct_eq(stored.digest.as_bytes(), expected.as_bytes()) {
        user.data.codes.remove(purpose.key());
        return Ok(());
    }
    stored.attempts += 1;
    if stored.attempts >= MAX_ATTEMPTS {
        user.data.codes.remove(purpose.key());
        return Err(IdpError::TooManyFailedAttempts);
    }
    Err(IdpError::CodeMismatch)
}

/// Counts one `action` against a per-user hourly limit (Cognito's LimitExceededException).
pub(crate) fn rate_limit(user: &mut User, action: &str, per_hour: u32, now_ms: i64) -> IdpResult<()> {
    let entry = user.data.rate.entry(action.to_owned()).or_insert((now_ms, 0));
    if now_ms - entry.0 >= 3_600_000 {
        *entry = (now_ms, 0);
    }
    if entry.1 >= per_hour {
        return Err(IdpError::LimitExceeded("Attempt limit exceeded, please try after some time.".into()));
    }
    entry.1 += 1;
    Ok(())
}

impl crate::Idp {
    /// Checks a code and, when it fails, saves the user so the failed attempt counts.
    pub(crate) async fn check_code(
        &self,
        pool: &crate::pools::Pool,
        user: &mut User,
        purpose: Purpose,
        code: &str,
    ) -> IdpResult<()> {
        let checked = check(user, purpose, code, self.now_ms());
        if checked.is_err() {
            self.save_user(pool, user).await?;
        }
        checked
    }
}
