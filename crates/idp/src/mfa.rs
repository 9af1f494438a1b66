//! Multi-factor authentication: the user's factors (TOTP, SMS, email one-time codes), their
//! setup (AssociateSoftwareToken / VerifySoftwareToken, MFA preferences), and the challenge
//! that follows the first factor: SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE or
//! MFA_SETUP, as the pool's MfaConfiguration requires.

use crate::auth::{Device, Step};
use crate::client_auth::AppClient;
use crate::codes::Contact;
use crate::messages::{Medium, Message};
use crate::notify::mask;
use crate::pools::Pool;
use crate::sessions::SessionState;
use crate::triggers::token_generation::TokenSource;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, error::internal, error::invalid};
use cognate_crypto::totp;
use cognate_wire::idp::types::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// SMS and email codes expire after three minutes, as Cognito's.
const CODE_LIFETIME_MS: i64 = 3 * 60 * 1000;
/// Wrong codes allowed on one challenge before it is void.
const MAX_CODE_ATTEMPTS: u32 = 3;

pub(crate) const SMS: &str = "SMS_MFA";
pub(crate) const TOTP: &str = "SOFTWARE_TOKEN_MFA";
pub(crate) const EMAIL: &str = "EMAIL_OTP";

/// A user's MFA state, stored in the user's private data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct UserMfa {
    /// A TOTP secret being set up (AssociateSoftwareToken), sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_totp: Option<String>,
    /// The verified TOTP secret, sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_name: Option<String>,
    /// The last TOTP step accepted: every code is accepted once.
    #[serde(default)]
    pub last_totp_step: i64,
    #[serde(default)]
    pub enabled: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<String>,
}

/// An outstanding SMS or email code in a challenge session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MfaState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_digest: Option<String>,
    #[serde(default)]
    pub code_expires_ms: i64,
    #[serde(default)]
    pub attempts: u32,
    /// Whether the sign-in tracks devices (NewDeviceMetadata when it completes).
    #[serde(default)]
    pub tracked: bool,
}

fn totp_purpose(pool_id: &str, sub: &str) -> String {
    format!("totp-secret:{pool_id}:{sub}")
}

fn mismatch() -> IdpError {
    IdpError::CodeMismatch
}

/// The factors the pool offers.
fn pool_factors(pool: &Pool) -> Vec<&'static str> {
    let Some(mfa) = &pool.doc.mfa else { return Vec::new() };
    let mut out = Vec::new();
    if mfa.sms.is_some() {
        out.push(SMS);
    }
    if mfa.software_token.as_ref().and_then(|t| t.enabled) == Some(true) {
        out.push(TOTP);
    }
    if mfa.email.is_some() {
        out.push(EMAIL);
    }
    out
}

fn mode(pool: &Pool) -> &str {
    pool.doc.pool.mfa_configuration.as_deref().unwrap_or("OFF")
}

/// The factors this user can be challenged with. With MFA ON, a verified TOTP token or a
/// verified phone number counts even without an explicit preference (Cognito's behaviour).
fn user_factors(pool: &Pool, user: &User) -> Vec<&'static str> {
    let on = mode(pool) == "ON";
    let mfa = &user.data.mfa;
    pool_factors(pool)
        .into_iter()
        .filter(|f| match *f {
            TOTP => mfa.totp.is_some() && (on || mfa.enabled.iter().any(|e| e == TOTP)),
            SMS => user.is_verified("phone_number") && (on || mfa.enabled.iter().any(|e| e == SMS)),
            _ => user.is_verified("email") && mfa.enabled.iter().any(|e| e == EMAIL),
        })
        .collect()
}

impl Idp {
    /// The MFA step after a first factor, or `None` when no MFA applies.
    pub(crate) async fn mfa_step(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: &User,
        device: &Device,
    ) -> IdpResult<Option<Step>> {
        if mode(pool) == "OFF" {
            return Ok(None);
        }
        let factors = user_factors(pool, user);
        let tracked = matches!(device, Device::New | Device::Known(_));
        let preferred = user.data.mfa.preferred.as_deref().filter(|p| factors.contains(p));
        let step = match (preferred, factors.as_slice()) {
            (Some(p), _) => self.factor_challenge(pool, client, user, p, tracked).await?,
            (None, [only]) => self.factor_challenge(pool, client, user, only, tracked).await?,
            (None, []) if mode(pool) == "ON" => {
                let can = serde_json::to_string(&pool_factors(pool).iter().filter(|f| **f != SMS).collect::<Vec<_>>())
                    .map_err(internal)?;
                self.mfa_challenge(
                    pool,
                    client,
                    user,
                    "MFA_SETUP",
                    BTreeMap::from([("MFAS_CAN_SETUP".to_owned(), can)]),
                    tracked,
                    None,
                )
                .await?
            }
            (None, []) => return Ok(None),
            (None, several) => {
                let can = serde_json::to_string(several).map_err(internal)?;
                self.mfa_challenge(
                    pool,
                    client,
                    user,
                    "SELECT_MFA_TYPE",
                    BTreeMap::from([("MFAS_CAN_CHOOSE".to_owned(), can)]),
                    tracked,
                    None,
                )
                .await?
            }
        };
        Ok(Some(step))
    }

    async fn factor_challenge(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: &User,
        factor: &str,
        tracked: bool,
    ) -> IdpResult<Step> {
        if factor == TOTP {
            let params = BTreeMap::from([(
                "FRIENDLY_DEVICE_NAME".to_owned(),
                user.data.mfa.totp_name.clone().unwrap_or_default(),
            )]);
            return self.mfa_challenge(pool, client, user, TOTP, params, tracked, None).await;
        }
        let contact = if factor == SMS { Contact::Phone } else { Contact::Email };
        let address = user.attr(contact.attribute()).unwrap_or_default().to_owned();
        let code = format!("{:06}", cognate_crypto::random::below(1_000_000));
        self.send_mfa_code(pool, user, contact, &address, &code).await?;
        let params = BTreeMap::from([
            ("CODE_DELIVERY_DELIVERY_MEDIUM".to_owned(), if factor == SMS { "SMS" } else { "EMAIL" }.to_owned()),
            ("CODE_DELIVERY_DESTINATION".to_owned(), mask(contact, &address)),
        ]);
        self.mfa_challenge(pool, client, user, factor, params, tracked, Some(&code)).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn mfa_challenge(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: &User,
        name: &str,
        mut params: BTreeMap<String, String>,
        tracked: bool,
        code: Option<&str>,
    ) -> IdpResult<Step> {
        let mfa = MfaState {
            code_digest: code.map(|c| code_digest(user, c)),
            code_expires_ms: self.now_ms() + CODE_LIFETIME_MS,
            attempts: 0,
            tracked,
        };
        let state = SessionState {
            challenge: name.into(),
            client_id: client.id().into(),
            sub: user.record.sub.clone(),
            auth_time: 0,
            srp: None,
            mfa: Some(mfa),
            custom: None,
        };
        let session = self.new_session(&pool.record.id, client, &state).await?;
        params.insert("USER_ID_FOR_SRP".to_owned(), user.record.username.clone());
        Ok(Step::Challenge { name: name.into(), parameters: params, session })
    }

    async fn send_mfa_code(
        &self,
        pool: &Pool,
        user: &User,
        contact: Contact,
        address: &str,
        code: &str,
    ) -> IdpResult<()> {
        let cfg = pool.doc.mfa.clone().unwrap_or_default();
        let (medium, body, subject) = match contact {
            Contact::Phone => {
                let text = cfg
                    .sms
                    .and_then(|s| s.sms_authentication_message)
                    .or_else(|| pool.doc.pool.sms_authentication_message.clone());
                (Medium::Sms, text.unwrap_or_else(|| "Your authentication code is {####}. ".into()), None)
            }
            Contact::Email => {
                let email = cfg.email.unwrap_or_default();
                (
                    Medium::Email,
                    email.message.unwrap_or_else(|| "Your authentication code is {####}. ".into()),
                    Some(email.subject.unwrap_or_else(|| "Your sign-in code".into())),
                )
            }
        };
        let email_cfg = pool.doc.pool.email_configuration.as_ref();
        let message = Message {
            pool_id: pool.record.id.clone(),
            username: user.record.username.clone(),
            medium,
            destination: address.to_owned(),
            subject,
            body: body.replace("{####}", code),
            from: email_cfg.and_then(|c| c.from.clone()),
            reply_to: email_cfg.and_then(|c| c.reply_to_email_address.clone()),
            purpose: "mfa",
        };
        self.deliver(pool, user, message, code).await?.map_err(|reason| {
            tracing::warn!(%reason, "MFA code delivery failed");
            IdpError::CodeDeliveryFailure("Unable to deliver the authentication code.".into())
        })
    }

    /// Answers SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and MFA_SETUP.
    pub(crate) async fn answer_mfa(
        &self,
        pool: Pool,
        client: &AppClient,
        challenge: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
        hosted: bool,
    ) -> IdpResult<Step> {
        let state = self.take_session(session, client, challenge).await?;
        let mfa = state.mfa.clone().ok_or_else(|| internal("MFA session without state"))?;
        let mut user =
            User::from_record(self.store.get_user(&pool.record.id, &state.sub).await?.ok_or(IdpError::UserNotFound)?)?;
        if let Some(typed) = responses.get("USERNAME") {
            if self.resolve_user(&pool, typed).await.map(|u| u.record.sub).ok().as_deref() != Some(state.sub.as_str()) {
                return Err(IdpError::NotAuthorized("Invalid session for the user.".into()));
            }
            client.check_secret_hash(
                responses.get("SECRET_HASH").map(String::as_str),
                &crate::client_auth::hash_names(typed, &user),
            )?;
        }
        let device = match (hosted, mfa.tracked) {
            (true, _) => Device::Hosted,
            (false, true) => Device::New,
            (false, false) => Device::Untracked,
        };
        match challenge {
            "SELECT_MFA_TYPE" => {
                let answer = responses
                    .get("ANSWER")
                    .map(|a| if a == "EMAIL_MFA" { EMAIL } else { a.as_str() })
                    .unwrap_or_default();
                let factor = user_factors(&pool, &user)
                    .into_iter()
                    .find(|f| *f == answer)
                    .ok_or_else(|| invalid(format!("Invalid MFA type {answer}.")))?;
                self.factor_challenge(&pool, client, &user, factor, mfa.tracked).await
            }
            "MFA_SETUP" => {
                if user_factors(&pool, &user).is_empty() {
                    return Err(IdpError::NotAuthorized("MFA has not been set up for the user.".into()));
                }
                self.finish_sign_in(pool, client, user, device, TokenSource::Authentication).await
            }
            TOTP => {
                let code = responses
                    .get("SOFTWARE_TOKEN_MFA_CODE")
                    .or_else(|| responses.get("SMS_MFA_CODE"))
                    .map(String::as_str)
                    .unwrap_or_default();
                if let Err(e) = self.check_totp(&pool, &mut user, code) {
                    self.retry_session(session, &state).await?;
                    return Err(e);
                }
                self.save_user(&pool, &mut user).await?;
                self.finish_sign_in(pool, client, user, device, TokenSource::Authentication).await
            }
            _ => {
                let key = if challenge == SMS { "SMS_MFA_CODE" } else { "EMAIL_OTP_CODE" };
                let code = responses.get(key).map(String::as_str).unwrap_or_default();
                if mfa.code_expires_ms <= self.now_ms() {
                    return Err(IdpError::ExpiredCode);
                }
                let ok = mfa
                    .code_digest
                    .as_deref()
                    .is_some_and(|d| cognate_crypto::ct_eq(d.as_bytes(), code_digest(&user, code.trim()).as_bytes()));
                if !ok {
                    self.retry_session(session, &state).await?;
                    return Err(mismatch());
                }
                self.finish_sign_in(pool, client, user, device, TokenSource::Authentication).await
            }
        }
    }

    /// Puts a challenge session back after a wrong code, so the user may try again, until
    /// the attempts run out.
    async fn retry_session(&self, session: Option<&str>, state: &SessionState) -> IdpResult<()> {
        let mut state = state.clone();
        let Some(mfa) = state.mfa.as_mut() else { return Ok(()) };
        mfa.attempts += 1;
        if mfa.attempts >= MAX_CODE_ATTEMPTS {
            return Ok(());
        }
        let expires = mfa.code_expires_ms;
        self.restore_session(session.unwrap_or_default(), &state, expires).await
    }

    fn check_totp(&self, pool: &Pool, user: &mut User, code: &str) -> IdpResult<()> {
        let sealed = user.data.mfa.totp.clone().ok_or(IdpError::SoftwareTokenMfaNotFound)?;
        let secret =
            self.master_key.open(&totp_purpose(&pool.record.id, &user.record.sub), &sealed).map_err(internal)?;
        let step = totp::matching_step(&secret, code, totp::step_of(self.now_ms() / 1000)).ok_or_else(mismatch)?;
        user.data.mfa.last_totp_step = unused_step(step, user.data.mfa.last_totp_step)?;
        Ok(())
    }

    /// The user's MFA factors and preference, for GetUser and AdminGetUser.
    pub(crate) fn mfa_settings(&self, user: &User) -> (Option<Vec<String>>, Option<String>) {
        let m = &user.data.mfa;
        let list: Vec<String> = m.enabled.clone();
        ((!list.is_empty()).then_some(list), m.preferred.clone())
    }

    pub async fn associate_software_token(
        &self,
        req: AssociateSoftwareTokenRequest,
    ) -> IdpResult<AssociateSoftwareTokenResponse> {
        let (pool, mut user, session) = self.mfa_subject(req.access_token.as_deref(), req.session.as_deref()).await?;
        if !pool_factors(&pool).contains(&TOTP) {
            return Err(IdpError::SoftwareTokenMfaDisabled);
        }
        let secret = cognate_crypto::random::bytes::<20>();
        user.data.mfa.pending_totp =
            Some(self.master_key.seal(&totp_purpose(&pool.record.id, &user.record.sub), &secret));
        self.save_user(&pool, &mut user).await?;
        let session = self.next_setup_session(&pool, session).await?;
        Ok(AssociateSoftwareTokenResponse { secret_code: Some(totp::base32(&secret)), session })
    }

    pub async fn verify_software_token(
        &self,
        req: VerifySoftwareTokenRequest,
    ) -> IdpResult<VerifySoftwareTokenResponse> {
        let (pool, mut user, session) = self.mfa_subject(req.access_token.as_deref(), req.session.as_deref()).await?;
        // A token being set up is checked; without one, the verified token is checked again.
        let mfa = &user.data.mfa;
        let (sealed, fresh) = match (&mfa.pending_totp, &mfa.totp) {
            (Some(pending), _) => (pending.clone(), true),
            (None, Some(verified)) => (verified.clone(), false),
            (None, None) => return Err(IdpError::EnableSoftwareTokenMfa("Associate a software token first.".into())),
        };
        let secret =
            self.master_key.open(&totp_purpose(&pool.record.id, &user.record.sub), &sealed).map_err(internal)?;
        let step = totp::matching_step(
            &secret,
            req.user_code.as_deref().unwrap_or_default(),
            totp::step_of(self.now_ms() / 1000),
        )
        .ok_or(IdpError::EnableSoftwareTokenMfa("Code mismatch and fail enable Software Token MFA".into()))?;
        // The steps accepted so far belong to the verified secret, not to a new one.
        let step = if fresh { step } else { unused_step(step, mfa.last_totp_step)? };
        let mfa = &mut user.data.mfa;
        if fresh {
            mfa.totp = mfa.pending_totp.take();
            mfa.totp_name = req.friendly_device_name;
        } else if req.friendly_device_name.is_some() {
            mfa.totp_name = req.friendly_device_name;
        }
        mfa.last_totp_step = step;
        self.save_user(&pool, &mut user).await?;
        let session = self.next_setup_session(&pool, session).await?;
        Ok(VerifySoftwareTokenResponse { status: Some("SUCCESS".into()), session })
    }

    /// The user an MFA setup call is about: by access token, or by an MFA_SETUP session.
    async fn mfa_subject(
        &self,
        token: Option<&str>,
        session: Option<&str>,
    ) -> IdpResult<(Pool, User, Option<(AppClient, SessionState)>)> {
        if let Some(token) = token {
            let (pool, user, _) = self.authenticate(token).await?;
            return Ok((pool, user, None));
        }
        let invalid_session = || IdpError::NotAuthorized("Invalid session for the user.".into());
        let state = self.peek_setup_session(session.ok_or_else(invalid_session)?).await?;
        let (pool, client) = self.app_client(&state.client_id).await?;
        let record = self.store.get_user(&pool.record.id, &state.sub).await?.ok_or_else(invalid_session)?;
        Ok((pool, User::from_record(record)?, Some((client, state))))
    }

    async fn peek_setup_session(&self, session: &str) -> IdpResult<SessionState> {
        let record = self
            .store
            .take_session(&crate::sessions::digest(session))
            .await?
            .ok_or_else(|| IdpError::NotAuthorized("Invalid session for the user.".into()))?;
        if record.expires_ms <= self.now_ms() {
            return Err(IdpError::NotAuthorized("Invalid session for the user, session is expired.".into()));
        }
        let state: SessionState = serde_json::from_str(&record.data).map_err(internal)?;
        if state.challenge != "MFA_SETUP" {
            return Err(IdpError::NotAuthorized("Invalid session for the user.".into()));
        }
        Ok(state)
    }

    /// Each step of MFA setup spends its session and hands out the next.
    async fn next_setup_session(
        &self,
        pool: &Pool,
        session: Option<(AppClient, SessionState)>,
    ) -> IdpResult<Option<String>> {
        match session {
            Some((client, state)) => Ok(Some(self.new_session(&pool.record.id, &client, &state).await?)),
            None => Ok(None),
        }
    }

    pub async fn set_user_mfa_preference(
        &self,
        req: SetUserMFAPreferenceRequest,
    ) -> IdpResult<SetUserMFAPreferenceResponse> {
        let (pool, mut user, _) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        apply_mfa_preferences(&pool, &mut user, preferences!(req))?;
        self.save_user(&pool, &mut user).await?;
        Ok(SetUserMFAPreferenceResponse {})
    }

    pub async fn admin_set_user_mfa_preference(
        &self,
        req: AdminSetUserMFAPreferenceRequest,
    ) -> IdpResult<AdminSetUserMFAPreferenceResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let mut user = self.resolve_user(&pool, req.username.as_deref().unwrap_or_default()).await?;
        apply_mfa_preferences(&pool, &mut user, preferences!(req))?;
        self.save_user(&pool, &mut user).await?;
        Ok(AdminSetUserMFAPreferenceResponse {})
    }
}

/// A TOTP step not yet spent: each code is accepted once, so the same (or an older) step than
/// the last one accepted is refused, which stops a code seen over a shoulder being replayed.
fn unused_step(step: i64, last_accepted: i64) -> IdpResult<i64> {
    if step <= last_accepted { Err(IdpError::TotpCodeReused) } else { Ok(step) }
}

fn code_digest(user: &User, code: &str) -> String {
    cognate_crypto::digest_hex(&[b"mfa-code", user.record.sub.as_bytes(), code.as_bytes()])
}

/// Applies SetUserMFAPreference's settings: `(factor, Some((Enabled, PreferredMfa)))`.
/// The three settings of (Admin)SetUserMFAPreference, as [`Preference`]s.
macro_rules! preferences {
    ($req:expr) => {
        [
            (SMS, $req.sms_mfa_settings.map(|s| (s.enabled, s.preferred_mfa))),
            (TOTP, $req.software_token_mfa_settings.map(|s| (s.enabled, s.preferred_mfa))),
            (EMAIL, $req.email_mfa_settings.map(|s| (s.enabled, s.preferred_mfa))),
        ]
    };
}
use preferences;

/// One factor's `(Enabled, PreferredMfa)` from SetUserMFAPreference, when given.
type Preference = (&'static str, Option<(Option<bool>, Option<bool>)>);

fn apply_mfa_preferences(pool: &Pool, user: &mut User, settings: [Preference; 3]) -> IdpResult<()> {
    for (factor, setting) in settings {
        let Some(setting) = setting else { continue };
        let (enabled, preferred) = (setting.0.unwrap_or(false), setting.1.unwrap_or(false));
        if enabled && !pool_factors(pool).contains(&factor) {
            return Err(invalid(format!("{factor} is not enabled for this user pool.")));
        }
        if enabled {
            match factor {
                TOTP if user.data.mfa.totp.is_none() => {
                    return Err(IdpError::InvalidParameter("User has not verified software token mfa".into()));
                }
                SMS if !user.is_verified("phone_number") => {
                    return Err(invalid("SMS MFA requires a verified phone_number."));
                }
                EMAIL if !user.is_verified("email") => return Err(invalid("Email MFA requires a verified email.")),
                _ => {}
            }
        }
        let mfa = &mut user.data.mfa;
        mfa.enabled.retain(|f| f != factor);
        if enabled {
            mfa.enabled.push(factor.to_owned());
        }
        if enabled && preferred {
            mfa.preferred = Some(factor.to_owned());
        } else if mfa.preferred.as_deref() == Some(factor) {
            mfa.preferred = None;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_totp_step_is_accepted_once() {
        assert_eq!(unused_step(11, 10), Ok(11));
        assert_eq!(unused_step(10, 10), Err(IdpError::TotpCodeReused));
        assert_eq!(unused_step(9, 10), Err(IdpError::TotpCodeReused));
    }
}
