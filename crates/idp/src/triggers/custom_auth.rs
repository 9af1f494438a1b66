//! CUSTOM_AUTH: the pool's DefineAuthChallenge function runs the sequence, CreateAuthChallenge
//! makes each CUSTOM_CHALLENGE and VerifyAuthChallengeResponse judges each answer. The
//! session array the functions see travels in the single-use challenge session. A flow may
//! start with SRP (`CHALLENGE_NAME=SRP_A`), and after `issueTokens` the sign-in continues
//! as any first factor does (status gates, devices, MFA, tokens).

use super::{Event, Trigger, client_metadata, flag, text, text_map, unrecognizable, user_attributes};
use crate::auth::{Device, Step, not_enabled, param};
use crate::client_auth::{AppClient, Flow, hash_names};
use crate::pools::Pool;
use crate::sessions::SessionState;
use crate::triggers::token_generation::TokenSource;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, error::incorrect_credentials, error::internal, error::invalid};
use cognate_crypto::srp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What sealed private challenge parameters are bound to.
const PRIVATE_PURPOSE: &str = "custom-challenge-private";

/// Challenges one flow may present before it fails. Cognito bounds the sequence too; a
/// Define function that never decides would otherwise keep a sign-in open forever.
const MAX_ROUNDS: usize = 8;

/// One entry of the event's `session` array.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChallengeResult {
    pub challenge_name: String,
    pub challenge_result: bool,
    pub challenge_metadata: Option<String>,
}

/// A custom flow's progress between requests.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CustomState {
    pub history: Vec<ChallengeResult>,
    /// The name the flow was started with (the event's userName for unknown users).
    pub username: String,
    /// False for an unknown user in a pool that hides existence: the functions are told
    /// `userNotFound`, and the flow can only fail.
    pub user_found: bool,
    /// SRP_A (hex), when the flow started with SRP.
    #[serde(default)]
    pub srp_a: Option<String>,
    /// The outstanding CUSTOM_CHALLENGE's private parameters (JSON, sealed: they usually
    /// hold the expected answer, and the session row is stored) and its metadata.
    #[serde(default)]
    pub private: Option<String>,
    #[serde(default)]
    pub metadata: Option<String>,
}

impl CustomState {
    pub fn record(&mut self, name: &str, result: bool, metadata: Option<String>) {
        self.history.push(ChallengeResult {
            challenge_name: name.into(),
            challenge_result: result,
            challenge_metadata: metadata,
        });
    }
}

impl Idp {
    /// InitiateAuth / AdminInitiateAuth with CUSTOM_AUTH.
    pub(crate) async fn custom_auth(
        &self,
        pool: Pool,
        client: &AppClient,
        params: &BTreeMap<String, String>,
        admin: bool,
    ) -> IdpResult<Step> {
        if !client.allows(Flow::Custom) {
            return Err(not_enabled("CUSTOM_AUTH"));
        }
        let triggers =
            [Trigger::DefineAuthChallenge, Trigger::CreateAuthChallenge, Trigger::VerifyAuthChallengeResponse];
        if !triggers.iter().all(|t| self.has_trigger(&pool, *t)) {
            return Err(IdpError::InvalidPoolConfiguration(
                "Custom auth lambda trigger is not configured for the user pool.".into(),
            ));
        }
        let username = param(params, "USERNAME")?;
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let user = match self.resolve_user(&pool, username).await {
            Ok(user) => {
                client.check_secret_hash(secret_hash, &hash_names(username, &user))?;
                self.pre_authentication(&pool, client, &user).await?;
                Some(user)
            }
            Err(IdpError::UserNotFound) if client.hides_users() => {
                client.check_secret_hash(secret_hash, &[username])?;
                None
            }
            Err(e) => return Err(e),
        };
        let mut state = CustomState {
            history: Vec::new(),
            username: user.as_ref().map_or(username, |u| &u.record.username).to_owned(),
            user_found: user.is_some(),
            srp_a: None,
            private: None,
            metadata: None,
        };
        if params.get("CHALLENGE_NAME").map(String::as_str) == Some("SRP_A") {
            let a = param(params, "SRP_A")?;
            srp::parse_hex(a).and_then(|a| srp::check_a(&a).ok()).ok_or_else(|| invalid("SRP_A is invalid."))?;
            state.srp_a = Some(a.to_owned());
            state.record("SRP_A", true, None);
        }
        let device = if admin { Device::Untracked } else { Device::from(params) };
        self.custom_round(pool, client, user, state, device).await
    }

    /// Asks DefineAuthChallenge what comes next and does it.
    pub(crate) async fn custom_round(
        &self,
        pool: Pool,
        client: &AppClient,
        user: Option<User>,
        mut state: CustomState,
        device: Device,
    ) -> IdpResult<Step> {
        if state.history.len() > MAX_ROUNDS {
            return Err(incorrect_credentials());
        }
        let attributes = user.as_ref().map_or_else(|| json!({}), |u| user_attributes(u, true));
        let event = Event {
            trigger: Trigger::DefineAuthChallenge,
            source: "DefineAuthChallenge_Authentication",
            user_name: &state.username,
            client_id: Some(client.id()),
            request: json!({
                "userAttributes": attributes,
                "session": state.history,
                "clientMetadata": client_metadata(),
                "userNotFound": !state.user_found,
            }),
            response: json!({ "challengeName": null, "issueTokens": false, "failAuthentication": false }),
        };
        let decision = self.run_trigger(&pool, event).await?.unwrap_or_default();
        if flag(&decision, "failAuthentication")? {
            return Err(incorrect_credentials());
        }
        if flag(&decision, "issueTokens")? {
            let user = user.ok_or_else(incorrect_credentials)?;
            return self.after_first_factor(pool, client, user, device, TokenSource::Authentication).await;
        }
        match text(&decision, "challengeName")?.as_deref() {
            Some("CUSTOM_CHALLENGE") => self.create_challenge(&pool, client, user.as_ref(), state).await,
            Some("PASSWORD_VERIFIER") if state.history.last().is_some_and(|c| c.challenge_name == "SRP_A") => {
                let a = state.srp_a.take().and_then(|a| srp::parse_hex(&a)).ok_or_else(unrecognizable)?;
                let username = state.username.clone();
                self.srp_step(&pool, client, user.as_ref(), &username, &a, Some(state)).await
            }
            _ => Err(unrecognizable()),
        }
    }

    async fn create_challenge(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: Option<&User>,
        mut state: CustomState,
    ) -> IdpResult<Step> {
        let event = Event {
            trigger: Trigger::CreateAuthChallenge,
            source: "CreateAuthChallenge_Authentication",
            user_name: &state.username,
            client_id: Some(client.id()),
            request: json!({
                "userAttributes": user.map_or_else(|| json!({}), |u| user_attributes(u, true)),
                "challengeName": "CUSTOM_CHALLENGE",
                "session": state.history,
                "clientMetadata": client_metadata(),
                "userNotFound": !state.user_found,
            }),
            response: json!({
                "publicChallengeParameters": {},
                "privateChallengeParameters": {},
                "challengeMetadata": null,
            }),
        };
        let created = self.run_trigger(pool, event).await?.unwrap_or_default();
        let mut parameters: BTreeMap<String, String> =
            text_map(&created, "publicChallengeParameters")?.into_iter().collect();
        parameters.insert("USERNAME".into(), state.username.clone());
        let private = match created.get("privateChallengeParameters") {
            Some(p @ Value::Object(_)) => p.clone(),
            None | Some(Value::Null) => json!({}),
            Some(_) => return Err(unrecognizable()),
        };
        let private = serde_json::to_vec(&private).map_err(internal)?;
        state.private = Some(self.master_key.seal(PRIVATE_PURPOSE, &private));
        state.metadata = text(&created, "challengeMetadata")?;
        let session = SessionState {
            challenge: "CUSTOM_CHALLENGE".into(),
            client_id: client.id().into(),
            sub: user.map(|u| u.record.sub.clone()).unwrap_or_default(),
            auth_time: 0,
            srp: None,
            mfa: None,
            custom: Some(state),
        };
        let session = self.new_session(&pool.record.id, client, &session).await?;
        Ok(Step::Challenge { name: "CUSTOM_CHALLENGE".into(), parameters, session })
    }

    /// RespondToAuthChallenge with CUSTOM_CHALLENGE: the answer is judged, recorded in the
    /// session array, and DefineAuthChallenge decides again.
    pub(crate) async fn answer_custom_challenge(
        &self,
        pool: Pool,
        client: &AppClient,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> IdpResult<Step> {
        let state = self.take_session(session, client, "CUSTOM_CHALLENGE").await?;
        let invalid_session = || IdpError::NotAuthorized("Invalid session for the user.".into());
        let mut custom = state.custom.ok_or_else(invalid_session)?;
        let typed = param(responses, "USERNAME")?;
        let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
        let user = if custom.user_found {
            let record = self.store.get_user(&pool.record.id, &state.sub).await?.ok_or_else(incorrect_credentials)?;
            let user = User::from_record(record)?;
            // The session belongs to one user; an answer naming another is refused.
            if !self.names_user(&pool, typed, &user).await? {
                return Err(invalid_session());
            }
            client.check_secret_hash(secret_hash, &hash_names(typed, &user))?;
            Some(user)
        } else {
            client.check_secret_hash(secret_hash, &[typed])?;
            None
        };
        let answer = param(responses, "ANSWER")?;
        let sealed = custom.private.take().ok_or_else(invalid_session)?;
        let private: Value = serde_json::from_slice(&self.master_key.open(PRIVATE_PURPOSE, &sealed).map_err(internal)?)
            .map_err(internal)?;
        let event = Event {
            trigger: Trigger::VerifyAuthChallengeResponse,
            source: "VerifyAuthChallengeResponse_Authentication",
            user_name: &custom.username,
            client_id: Some(client.id()),
            request: json!({
                "userAttributes": user.as_ref().map_or_else(|| json!({}), |u| user_attributes(u, true)),
                "privateChallengeParameters": private,
                "challengeAnswer": answer,
                "clientMetadata": client_metadata(),
                "userNotFound": !custom.user_found,
            }),
            response: json!({ "answerCorrect": false }),
        };
        let verdict = self.run_trigger(&pool, event).await?.unwrap_or_default();
        let correct = flag(&verdict, "answerCorrect")? && user.is_some();
        let metadata = custom.metadata.take();
        custom.record("CUSTOM_CHALLENGE", correct, metadata);
        self.custom_round(pool, client, user, custom, Device::from(responses)).await
    }
}
