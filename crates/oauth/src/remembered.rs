//! Remembered browsers, Cognate's extension to the hosted UI (Cognito's own hosted UI
//! remembers no devices): after an MFA page whose "Remember this device" box was ticked, the
//! user-pool domain creates a device for the user and the browser keeps its key and secret in
//! a cookie sealed with the master key (so it can be neither read nor forged, and the secret
//! never reaches the page's script: the cookie is HttpOnly). A later sign-in presents it after
//! the password; `cognate-idp` decides whether it replaces MFA (`devices.rs`).

use crate::OAuth;
use cognate_idp::hosted::{HostedDeviceProof, RememberedDevice};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const PURPOSE: &str = "cognate hosted-ui device";
/// The MFA pages that may remember the browser: answering one is passing MFA.
const MFA_PAGES: [&str; 3] = ["SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"];
/// The checkbox's form field.
pub const REMEMBER_FIELD: &str = "remember_device";

#[derive(Serialize, Deserialize)]
struct DeviceCookie {
    pool: String,
    key: String,
    secret: String,
    exp_ms: i64,
}

/// The remembered-device cookie to set: its sealed value and lifetime in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceCookieValue {
    pub value: String,
    pub max_age_s: i64,
}

/// Whether a challenge page offers the box at all.
pub(crate) fn is_mfa_page(challenge: &str) -> bool {
    MFA_PAGES.contains(&challenge)
}

/// Whether the answered page asked to remember the browser: an MFA page whose box was ticked.
pub(crate) fn wants_remembering(challenge: &str, form: &HashMap<String, String>) -> bool {
    is_mfa_page(challenge) && form.get(REMEMBER_FIELD).is_some_and(|v| !v.is_empty())
}

impl OAuth {
    /// The device a browser's cookie names, if this server sealed it for this pool and it has
    /// not expired; anything else is ignored (the sign-in then asks for MFA as usual).
    pub(crate) fn device_proof(&self, pool_id: &str, cookie: Option<&str>) -> Option<HostedDeviceProof> {
        let opened = self.master_key.open(PURPOSE, cookie?).ok()?;
        let c: DeviceCookie = serde_json::from_slice(&opened).ok()?;
        (c.pool == pool_id && c.exp_ms > self.clock.now().millis())
            .then_some(HostedDeviceProof { device_key: c.key, secret: c.secret })
    }

    /// Remembers the browser of a sign-in that just passed MFA at `client_id`; the cookie to
    /// set. A failure only costs the remembering, never the sign-in.
    pub(crate) async fn remember_browser(
        &self,
        pool_id: &str,
        client_id: &str,
        sub: &str,
        user_agent: Option<&str>,
    ) -> Option<DeviceCookieValue> {
        let device = match self.idp.hosted_remember_device(client_id, sub, user_agent).await {
            Ok(device) => device?,
            Err(e) => {
                tracing::warn!(error = %e, "hosted UI: the browser could not be remembered");
                return None;
            }
        };
        self.seal_device(pool_id, device)
    }

    fn seal_device(&self, pool_id: &str, d: RememberedDevice) -> Option<DeviceCookieValue> {
        let exp_ms = self.clock.now().millis() + d.max_age_s * 1000;
        let cookie = DeviceCookie { pool: pool_id.to_owned(), key: d.device_key, secret: d.secret, exp_ms };
        let value = self.master_key.seal(PURPOSE, &serde_json::to_vec(&cookie).ok()?);
        Some(DeviceCookieValue { value, max_age_s: d.max_age_s })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_ticked_mfa_page_remembers() {
        let ticked = HashMap::from([(REMEMBER_FIELD.to_owned(), "on".to_owned())]);
        assert!(wants_remembering("SOFTWARE_TOKEN_MFA", &ticked));
        assert!(wants_remembering("SMS_MFA", &ticked));
        assert!(!wants_remembering("NEW_PASSWORD_REQUIRED", &ticked));
        assert!(!wants_remembering("SELECT_MFA_TYPE", &ticked));
        assert!(!wants_remembering("EMAIL_OTP", &HashMap::new()));
    }
}
