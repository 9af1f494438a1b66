//! USER_SRP_AUTH: the password never reaches the server. A verifier `v = g^x` is stored
//! (sealed) whenever a password is set; sign-in answers SRP_A with a PASSWORD_VERIFIER
//! challenge and checks the client's PASSWORD_CLAIM_SIGNATURE. SECRET_BLOCK is the key of a
//! single-use server session holding the ephemeral secret, so it cannot be forged, replayed
//! or presented for another user.

use crate::auth::Step;
use crate::client_auth::{AppClient, Flow, hash_names};
use crate::pools::Pool;
use crate::sessions::SessionState;
use crate::triggers::custom_auth::CustomState;
use crate::triggers::token_generation::TokenSource;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, error::incorrect_credentials, error::internal, error::invalid};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cognate_crypto::srp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How far a client's TIMESTAMP may be from the server's clock.
const MAX_SKEW_MS: i64 = 5 * 60 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredVerifier {
    /// `padHex(salt)`, exactly as sent in SALT.
    pub salt: String,
    pub sealed: String,
}

/// Who an SRP exchange authenticates: the user (`sub`, shown as `username`), the SRP identity
/// the signature covers (pool name and user for passwords; device group and device key for
/// devices), and that identity's salt and verifier.
pub(crate) struct SrpIdentity<'a> {
    pub sub: &'a str,
    pub group: &'a str,
    pub srp_username: &'a str,
    pub username: &'a str,
    pub salt: &'a str,
    pub verifier: &'a [u8],
}

/// The server's half of one SRP exchange, kept in the challenge session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SrpState {
    pub a: String,
    pub big_b: String,
    pub sealed_b: String,
    /// The SRP "pool name" and "username" the signature covers.
    pub group: String,
    pub username: String,
}

type Params = BTreeMap<String, String>;

fn verifier_purpose(pool_id: &str, sub: &str) -> String {
    format!("srp-verifier:{pool_id}:{sub}")
}

/// The text after the first `_` of a pool id, which the clients hash as the pool name.
pub(crate) fn srp_pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

impl Idp {
    pub(crate) fn srp_verifier(&self, user: &User, password: &str) -> StoredVerifier {
        let salt = cognate_crypto::random::bytes::<16>();
        let v = srp::verifier(srp_pool_name(&user.record.pool_id), &user.record.username, password, &salt);
        StoredVerifier {
            salt: hex::encode(srp::pad(&salt)),
            sealed: self.master_key.seal(&verifier_purpose(&user.record.pool_id, &user.record.sub), &v),
        }
    }

    fn open_verifier(&self, user: &User) -> IdpResult<Option<(String, Vec<u8>)>> {
        let Some(stored) = &user.data.srp else { return Ok(None) };
        let v = self
            .master_key
            .open(&verifier_purpose(&user.record.pool_id, &user.record.sub), &stored.sealed)
            .map_err(internal)?;
        Ok(Some((stored.salt.clone(), v)))
    }

    /// Starts an SRP exchange: the PASSWORD_VERIFIER challenge for `params.SRP_A`.
    pub(crate) async fn srp_challenge(&self, pool: &Pool, client: &AppClient, params: &Params) -> IdpResult<Step> {
        if !client.allows(Flow::UserSrp) {
            return Err(invalid("USER_SRP_AUTH flow not enabled for this client"));
        }
        let username = params.get("USERNAME").ok_or_else(|| invalid("Missing required parameter USERNAME"))?;
        let a_hex = params.get("SRP_A").ok_or_else(|| invalid("Missing required parameter SRP_A"))?;
        if client.has_secret() && !params.contains_key("SECRET_HASH") {
            client.check_secret_hash(None, &[])?;
        }
        let a =
            srp::parse_hex(a_hex).and_then(|a| srp::check_a(&a).ok()).ok_or_else(|| invalid("SRP_A is invalid."))?;
        let user = match self.sign_in_user(pool, client, username).await {
            Ok(user) => Some(user),
            // Unknown users get a challenge too, which then fails like a wrong password.
            Err(IdpError::NotAuthorized(_)) if client.hides_users() => None,
            Err(e) => return Err(e),
        };
        if let Some(user) = &user {
            client.check_secret_hash(params.get("SECRET_HASH").map(String::as_str), &hash_names(username, user))?;
            self.pre_authentication(pool, client, user).await?;
        }
        self.srp_step(pool, client, user.as_ref(), username, &a, None).await
    }

    /// The PASSWORD_VERIFIER challenge for `user` (a decoy when `None`), optionally as one
    /// step of a custom authentication flow.
    pub(crate) async fn srp_step(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: Option<&User>,
        username: &str,
        a: &[u8],
        custom: Option<CustomState>,
    ) -> IdpResult<Step> {
        let group = srp_pool_name(&pool.record.id).to_owned();
        let (sub, srp_username, salt, v) = match user.map(|u| (u, self.open_verifier(u))) {
            Some((u, Ok(Some((salt, v))))) => (u.record.sub.clone(), u.record.username.clone(), salt, v),
            Some((_, Err(e))) => return Err(e),
            _ => self.decoy(pool, username),
        };
        let identity = SrpIdentity {
            sub: &sub,
            group: &group,
            srp_username: &srp_username,
            username: &srp_username,
            salt: &salt,
            verifier: &v,
        };
        self.password_verifier_step(pool, client, identity, a, "PASSWORD_VERIFIER", custom).await
    }

    /// A consistent fake SRP identity for a username that cannot sign in (unknown, or without
    /// a verifier): the same salt every time, so probing cannot tell it from a real user.
    fn decoy(&self, pool: &Pool, username: &str) -> (String, String, String, Vec<u8>) {
        let digest = cognate_crypto::digest_hex(&[b"srp-decoy", pool.record.id.as_bytes(), username.as_bytes()]);
        let salt = hex::decode(&digest[..32]).unwrap_or_default();
        let v = srp::verifier("decoy", username, &digest, &salt);
        (String::new(), username.to_owned(), hex::encode(srp::pad(&salt)), v)
    }

    pub(crate) async fn password_verifier_step(
        &self,
        pool: &Pool,
        client: &AppClient,
        who: SrpIdentity<'_>,
        a: &[u8],
        challenge: &str,
        custom: Option<CustomState>,
    ) -> IdpResult<Step> {
        let SrpIdentity { sub, group, srp_username, username, salt, verifier: v } = who;
        let hello = srp::server_hello(v);
        let state = SrpState {
            a: hex::encode(a),
            big_b: hex::encode(&hello.big_b),
            sealed_b: self.master_key.seal("srp-ephemeral", &hello.b),
            group: group.to_owned(),
            username: srp_username.to_owned(),
        };
        let session = SessionState {
            challenge: challenge.into(),
            client_id: client.id().into(),
            sub: sub.into(),
            auth_time: 0,
            srp: Some(state),
            mfa: None,
            custom,
        };
        let secret_block = self.new_session(&pool.record.id, client, &session).await?;
        let mut parameters = BTreeMap::from([
            ("SALT".to_owned(), salt.to_owned()),
            ("SRP_B".to_owned(), srp::hex_of(&hello.big_b)),
            ("SECRET_BLOCK".to_owned(), secret_block),
            ("USERNAME".to_owned(), username.to_owned()),
        ]);
        if challenge == "PASSWORD_VERIFIER" {
            parameters.insert("USER_ID_FOR_SRP".to_owned(), srp_username.to_owned());
        } else {
            parameters.insert("DEVICE_KEY".to_owned(), srp_username.to_owned());
        }
        Ok(Step::Challenge { name: challenge.into(), parameters, session: String::new() })
    }

    /// Checks a PASSWORD_VERIFIER answer and continues the sign-in.
    pub(crate) async fn answer_password_verifier(
        &self,
        pool: Pool,
        client: &AppClient,
        responses: &Params,
    ) -> IdpResult<Step> {
        self.check_named_device(&pool, responses).await?;
        let block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK").map(String::as_str);
        let state = self.take_session(block, client, "PASSWORD_VERIFIER").await.map_err(|_| incorrect_credentials())?;
        let record = self.store.get_user(&pool.record.id, &state.sub).await?;
        let Some(mut user) = record.map(User::from_record).transpose()? else { return Err(incorrect_credentials()) };
        let typed = responses.get("USERNAME").map(String::as_str).unwrap_or_default();
        if !self.names_user(&pool, typed, &user).await? {
            return Err(incorrect_credentials());
        }
        client.check_secret_hash(responses.get("SECRET_HASH").map(String::as_str), &hash_names(typed, &user))?;
        user.data.lockout.check(self.now_ms())?;
        let v = self.open_verifier(&user)?.map(|(_, v)| v).ok_or_else(incorrect_credentials)?;
        if let Err(e) = self.check_claim(&state, &v, responses) {
            user.data.lockout.fail(self.now_ms());
            self.save_user(&pool, &mut user).await?;
            return Err(e);
        }
        if !user.data.lockout.is_clear() {
            user.data.lockout.succeed();
            self.save_user(&pool, &mut user).await?;
        }
        let device = crate::auth::Device::from(responses);
        if let Some(mut custom) = state.custom {
            custom.record("PASSWORD_VERIFIER", true, None);
            return self.custom_round(pool, client, Some(user), custom, device).await;
        }
        self.after_first_factor(pool, client, user, device, TokenSource::Authentication).await
    }

    /// A DEVICE_KEY the user does not have is refused before the single-use SECRET_BLOCK is
    /// spent, because clients then drop the key and resend the same answer. Unknown users
    /// get the same refusal, so the check tells nothing about who exists.
    async fn check_named_device(&self, pool: &Pool, responses: &Params) -> IdpResult<()> {
        let Some(key) = responses.get("DEVICE_KEY").filter(|k| !k.is_empty()) else { return Ok(()) };
        if !crate::devices::tracking(pool) {
            return Ok(());
        }
        let typed = responses.get("USERNAME").map(String::as_str).unwrap_or_default();
        let known = match self.resolve_user(pool, typed).await {
            Ok(user) => user.data.devices.get(key).is_some_and(|d| d.sealed_verifier.is_some()),
            Err(IdpError::UserNotFound) => false,
            Err(e) => return Err(e),
        };
        if known { Ok(()) } else { Err(IdpError::ResourceNotFound("Device does not exist.".into())) }
    }

    /// Verifies PASSWORD_CLAIM_SIGNATURE over the raw TIMESTAMP, which must be near now.
    pub(crate) fn check_claim(&self, state: &SessionState, v: &[u8], responses: &Params) -> IdpResult<()> {
        let srp_state = state.srp.as_ref().ok_or_else(incorrect_credentials)?;
        let timestamp = responses.get("TIMESTAMP").ok_or_else(incorrect_credentials)?;
        let at = parse_timestamp(timestamp).ok_or_else(incorrect_credentials)?;
        if (at - self.now_ms()).abs() > MAX_SKEW_MS {
            return Err(incorrect_credentials());
        }
        let decoded = |name| responses.get(name).and_then(|s| B64.decode(s).ok()).ok_or_else(incorrect_credentials);
        let (signature, block) = (decoded("PASSWORD_CLAIM_SIGNATURE")?, decoded("PASSWORD_CLAIM_SECRET_BLOCK")?);
        let b: [u8; 32] = self
            .master_key
            .open("srp-ephemeral", &srp_state.sealed_b)
            .map_err(internal)?
            .try_into()
            .map_err(|_| internal("bad SRP state"))?;
        let (a, big_b) =
            (hex::decode(&srp_state.a).map_err(internal)?, hex::decode(&srp_state.big_b).map_err(internal)?);
        let key = srp::session_key(&a, &big_b, &b, v).map_err(|_| incorrect_credentials())?;
        let expected = srp::claim_signature(&key, &srp_state.group, &srp_state.username, &block, timestamp);
        if cognate_crypto::ct_eq(&expected, &signature) { Ok(()) } else { Err(incorrect_credentials()) }
    }
}

/// Cognito's TIMESTAMP, `Tue Mar 5 09:04:07 UTC 2024` (day not zero-padded; a padded day is
/// accepted too), as epoch milliseconds.
fn parse_timestamp(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, month, day, time, "UTC", year] = parts.as_slice() else { return None };
    let normal = format!("{month} {day:0>2} {time} {year}");
    let t = chrono::NaiveDateTime::parse_from_str(&normal, "%b %d %H:%M:%S %Y").ok()?;
    Some(t.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let t = parse_timestamp("Tue Mar 5 09:04:07 UTC 2024").unwrap();
        assert_eq!(t, 1_709_629_447_000);
        assert_eq!(parse_timestamp("Tue Mar 05 09:04:07 UTC 2024"), Some(t));
        assert_eq!(parse_timestamp("Tue Mar 5 09:04:07 GMT 2024"), None);
        assert_eq!(parse_timestamp("nonsense"), None);
        assert_eq!(srp_pool_name("us-east-1_AbC"), "AbC");
    }
}
