//! Sign-in: InitiateAuth and AdminInitiateAuth (password and refresh flows), the
//! NEW_PASSWORD_REQUIRED challenge, and GetTokensFromRefreshToken, following Cognito's
//! decision order (client, flow, secret hash, user, lockout, password, status).

use crate::attributes::{self, Mode};
use crate::client_auth::{AppClient, Flow, hash_names};
use crate::devices;
use crate::pools::Pool;
use crate::sessions::SessionState;
use crate::tokens::{Refresh, RefreshData, refresh_digest};
use crate::triggers::Trigger;
use crate::triggers::token_generation::TokenSource;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, error::internal, error::invalid, password_policy};
use cognate_wire::idp::types::*;
use std::collections::BTreeMap;

/// The device a sign-in names (DEVICE_KEY), if device tracking applies to it at all.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Device {
    /// AdminInitiateAuth: Cognito does not track devices there.
    Untracked,
    New,
    Known(String),
    /// The hosted UI: no device tracking, and a completed sign-in becomes a hosted-UI session
    /// (tokens come later, from the authorization code) instead of API tokens.
    Hosted,
    /// The hosted UI on a browser whose cookie proved a remembered device that may replace
    /// MFA (`devices.rs`): as `Hosted`, without the MFA step.
    RememberedBrowser(String),
}

impl From<&Params> for Device {
    fn from(params: &Params) -> Self {
        match params.get("DEVICE_KEY").filter(|k| !k.is_empty()) {
            Some(key) => Device::Known(key.clone()),
            None => Device::New,
        }
    }
}

/// The outcome of a first factor: tokens, or a challenge to answer, or (`SignedIn`) a
/// hosted-UI sign-in that passed every factor and PostAuthentication.
pub(crate) enum Step {
    Tokens(AuthenticationResultType),
    Challenge { name: String, parameters: BTreeMap<String, String>, session: String },
    SignedIn { sub: String, auth_time: i64 },
}

type Params = BTreeMap<String, String>;

pub(crate) fn param<'a>(params: &'a Params, name: &str) -> IdpResult<&'a str> {
    params.get(name).map(String::as_str).ok_or_else(|| invalid(format!("Missing required parameter {name}")))
}

pub(crate) fn not_enabled(flow: &str) -> IdpError {
    invalid(format!("{flow} flow not enabled for this client"))
}

macro_rules! auth_response {
    ($ty:ident, $step:expr) => {
        match $step {
            Step::Tokens(result) => $ty { authentication_result: Some(result), ..Default::default() },
            Step::Challenge { name, parameters, session } => $ty {
                challenge_name: Some(name),
                challenge_parameters: Some(parameters),
                // SRP challenges carry their state in SECRET_BLOCK and need no Session.
                session: (!session.is_empty()).then_some(session),
                ..Default::default()
            },
            // Hosted-UI sessions never reach the API (they stay sealed in the hosted UI's forms).
            Step::SignedIn { .. } => return Err(IdpError::NotAuthorized("Invalid session for the user.".into())),
        }
    };
}

impl Idp {
    pub async fn initiate_auth(&self, req: InitiateAuthRequest) -> IdpResult<InitiateAuthResponse> {
        let (pool, client) = self.app_client(req.client_id.as_deref().unwrap_or_default()).await?;
        let params = req.auth_parameters.unwrap_or_default();
        let step = match req.auth_flow.as_deref().unwrap_or_default() {
            "USER_PASSWORD_AUTH" if client.allows(Flow::UserPassword) => {
                self.password_sign_in(pool, &client, &params, false).await?
            }
            "USER_PASSWORD_AUTH" => return Err(not_enabled("USER_PASSWORD_AUTH")),
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => self.refresh_sign_in(pool, &client, &params).await?,
            "USER_SRP_AUTH" => self.srp_challenge(&pool, &client, &params).await?,
            "CUSTOM_AUTH" => self.custom_auth(pool, &client, &params, false).await?,
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                return Err(invalid("Initiate Auth method not supported."));
            }
            other => return Err(unsupported_flow(other, &client)),
        };
        Ok(auth_response!(InitiateAuthResponse, step))
    }

    pub async fn admin_initiate_auth(&self, req: AdminInitiateAuthRequest) -> IdpResult<AdminInitiateAuthResponse> {
        let (pool, client) = self
            .pool_client(req.user_pool_id.as_deref().unwrap_or_default(), req.client_id.as_deref().unwrap_or_default())
            .await?;
        let params = req.auth_parameters.unwrap_or_default();
        let step = match req.auth_flow.as_deref().unwrap_or_default() {
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" if client.allows(Flow::AdminUserPassword) => {
                self.password_sign_in(pool, &client, &params, true).await?
            }
            flow @ ("ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH") => return Err(not_enabled(flow)),
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => self.refresh_sign_in(pool, &client, &params).await?,
            "USER_SRP_AUTH" => self.srp_challenge(&pool, &client, &params).await?,
            "CUSTOM_AUTH" => self.custom_auth(pool, &client, &params, true).await?,
            "USER_PASSWORD_AUTH" => return Err(invalid("Initiate Auth method not supported.")),
            other => return Err(unsupported_flow(other, &client)),
        };
        Ok(auth_response!(AdminInitiateAuthResponse, step))
    }

    /// Finds the signing-in user; unknown users are NotAuthorized when the client hides
    /// existence, after the same argon2 work a real check costs, so timing tells nothing.
    pub(crate) async fn sign_in_user(&self, pool: &Pool, client: &AppClient, username: &str) -> IdpResult<User> {
        match self.resolve_user(pool, username).await {
            Err(IdpError::UserNotFound) if client.hides_users() => {
                let dummy = self.dummy_hash().await?;
                let _ = self.hasher.verify("not the password", &dummy).await;
                Err(IdpError::NotAuthorized("Incorrect username or password.".into()))
            }
            other => other,
        }
    }

    async fn password_sign_in(&self, pool: Pool, client: &AppClient, params: &Params, admin: bool) -> IdpResult<Step> {
        let username = param(params, "USERNAME")?;
        let password = param(params, "PASSWORD")?;
        if client.has_secret() && !params.contains_key("SECRET_HASH") {
            client.check_secret_hash(None, &[])?;
        }
        let device = if admin { Device::Untracked } else { Device::from(params) };
        let mut user = match self.resolve_user(&pool, username).await {
            Err(IdpError::UserNotFound) if self.has_trigger(&pool, Trigger::UserMigration) => {
                client.check_secret_hash(params.get("SECRET_HASH").map(String::as_str), &[username])?;
                // The function vouched for the password: the user signs in with it now.
                let user = self.migrate_on_sign_in(&pool, client, username, password).await?;
                self.pre_authentication(&pool, client, &user).await?;
                return self.after_first_factor(pool, client, user, device, TokenSource::Authentication).await;
            }
            Err(IdpError::UserNotFound) => self.sign_in_user(&pool, client, username).await?,
            other => other?,
        };
        client.check_secret_hash(params.get("SECRET_HASH").map(String::as_str), &hash_names(username, &user))?;
        self.pre_authentication(&pool, client, &user).await?;
        self.verify_password(&pool, &mut user, password).await?;
        self.after_first_factor(pool, client, user, device, TokenSource::Authentication).await
    }

    /// A hash of a random password made with this server's parameters, verified against when
    /// the user does not exist so that answer costs what a wrong password costs.
    async fn dummy_hash(&self) -> IdpResult<String> {
        let hash = self
            .dummy_hash
            .get_or_try_init(|| async {
                let password = hex::encode(cognate_crypto::random::bytes::<16>());
                self.hasher.hash(&password).await.map_err(internal)
            })
            .await?;
        Ok(hash.clone())
    }

    /// Checks the password with lockout accounting; saves the user's counters either way.
    pub(crate) async fn verify_password(&self, pool: &Pool, user: &mut User, password: &str) -> IdpResult<()> {
        let now = self.now_ms();
        user.data.lockout.check(now)?;
        let hash = user.data.password_hash.clone().unwrap_or_default();
        let ok = !hash.is_empty() && self.hasher.verify(password, &hash).await.map_err(internal)?;
        if !ok {
            user.data.lockout.fail(now);
            self.save_user(pool, user).await?;
            return Err(IdpError::NotAuthorized("Incorrect username or password.".into()));
        }
        if !user.data.lockout.is_clear() {
            user.data.lockout.succeed();
            self.save_user(pool, user).await?;
        }
        Ok(())
    }

    /// Status gates after a correct first factor, then the device step, tokens (with
    /// NewDeviceMetadata when the pool tracks devices) or the next challenge.
    pub(crate) async fn after_first_factor(
        &self,
        pool: Pool,
        client: &AppClient,
        user: User,
        device: Device,
        source: TokenSource,
    ) -> IdpResult<Step> {
        if !user.record.enabled {
            return Err(IdpError::NotAuthorized("User is disabled.".into()));
        }
        match user.record.status.as_str() {
            "UNCONFIRMED" => return Err(IdpError::UserNotConfirmed),
            "RESET_REQUIRED" => return Err(IdpError::PasswordResetRequired),
            "FORCE_CHANGE_PASSWORD" => return self.new_password_challenge(&pool, client, &user).await,
            _ => {}
        }
        if let (Device::Known(key), true) = (&device, devices::tracking(&pool)) {
            return match user.data.devices.get(key) {
                // A remembered device signs in with its own SRP and skips MFA, as Cognito.
                Some(d) if d.sealed_verifier.is_some() => self.device_challenge(&pool, client, &user, key).await,
                // A key this user never confirmed: clients drop it and sign in again.
                _ => Err(IdpError::ResourceNotFound("Device does not exist.".into())),
            };
        }
        let remembered = matches!(device, Device::RememberedBrowser(_));
        if !remembered && let Some(step) = self.mfa_step(&pool, client, &user, &device).await? {
            return Ok(step);
        }
        self.finish_sign_in(pool, client, user, device, source).await
    }

    /// PostAuthentication, then tokens for a completed sign-in, with NewDeviceMetadata when
    /// the pool tracks devices.
    pub(crate) async fn finish_sign_in(
        &self,
        pool: Pool,
        client: &AppClient,
        mut user: User,
        device: Device,
        source: TokenSource,
    ) -> IdpResult<Step> {
        let auth_time = self.now_ms() / 1000;
        if let Device::Hosted | Device::RememberedBrowser(_) = &device {
            self.post_authentication(&pool, client, &user, false).await?;
            if let Device::RememberedBrowser(key) = &device {
                self.device_signed_in(&pool, &mut user, key).await?;
            }
            return Ok(Step::SignedIn { sub: user.record.sub.clone(), auth_time });
        }
        let tracked = device != Device::Untracked && devices::tracking(&pool);
        self.post_authentication(&pool, client, &user, tracked).await?;
        if !tracked {
            let result = self.issue_tokens(pool, client, &user, auth_time, Refresh::NewFamily, source).await?;
            return Ok(Step::Tokens(result));
        }
        let metadata = self.new_device(&pool, &mut user).await?;
        let mut result = self.issue_tokens(pool, client, &user, auth_time, Refresh::NewFamily, source).await?;
        result.new_device_metadata = Some(metadata);
        Ok(Step::Tokens(result))
    }

    async fn new_password_challenge(&self, pool: &Pool, client: &AppClient, user: &User) -> IdpResult<Step> {
        if user.data.temporary_expires_ms.is_some_and(|t| t <= self.now_ms()) {
            return Err(IdpError::NotAuthorized(
                "Temporary password has expired and must be reset by an administrator.".into(),
            ));
        }
        let visible: BTreeMap<&String, &String> =
            user.attributes.iter().filter(|(k, _)| k.as_str() != "sub" && !k.starts_with("dev:")).collect();
        let required: Vec<String> = pool
            .doc
            .schema()
            .iter()
            .filter(|a| a.required == Some(true))
            .filter_map(|a| a.name.clone())
            .filter(|n| n != "sub" && user.attr(n).is_none())
            .map(|n| format!("userAttributes.{n}"))
            .collect();
        let state = SessionState {
            challenge: "NEW_PASSWORD_REQUIRED".into(),
            client_id: client.id().into(),
            sub: user.record.sub.clone(),
            auth_time: 0,
            srp: None,
            mfa: None,
            custom: None,
        };
        let session = self.new_session(&pool.record.id, client, &state).await?;
        let parameters = BTreeMap::from([
            ("USER_ID_FOR_SRP".to_owned(), user.record.username.clone()),
            ("userAttributes".to_owned(), serde_json::to_string(&visible).map_err(internal)?),
            ("requiredAttributes".to_owned(), serde_json::to_string(&required).map_err(internal)?),
        ]);
        Ok(Step::Challenge { name: "NEW_PASSWORD_REQUIRED".into(), parameters, session })
    }

    pub async fn respond_to_auth_challenge(
        &self,
        req: RespondToAuthChallengeRequest,
    ) -> IdpResult<RespondToAuthChallengeResponse> {
        let (pool, client) = self.app_client(req.client_id.as_deref().unwrap_or_default()).await?;
        let step = self
            .answer(
                pool,
                &client,
                req.challenge_name.as_deref().unwrap_or_default(),
                req.session.as_deref(),
                req.challenge_responses.unwrap_or_default(),
                false,
            )
            .await?;
        Ok(auth_response!(RespondToAuthChallengeResponse, step))
    }

    pub async fn admin_respond_to_auth_challenge(
        &self,
        req: AdminRespondToAuthChallengeRequest,
    ) -> IdpResult<AdminRespondToAuthChallengeResponse> {
        let (pool, client) = self
            .pool_client(req.user_pool_id.as_deref().unwrap_or_default(), req.client_id.as_deref().unwrap_or_default())
            .await?;
        let step = self
            .answer(
                pool,
                &client,
                req.challenge_name.as_deref().unwrap_or_default(),
                req.session.as_deref(),
                req.challenge_responses.unwrap_or_default(),
                false,
            )
            .await?;
        Ok(auth_response!(AdminRespondToAuthChallengeResponse, step))
    }

    /// Answers a challenge; `hosted` when the hosted UI asks (the sign-in then ends in a
    /// hosted-UI session rather than tokens).
    pub(crate) async fn answer(
        &self,
        pool: Pool,
        client: &AppClient,
        challenge: &str,
        session: Option<&str>,
        responses: Params,
        hosted: bool,
    ) -> IdpResult<Step> {
        match challenge {
            "NEW_PASSWORD_REQUIRED" => self.answer_new_password(pool, client, session, responses, hosted).await,
            "PASSWORD_VERIFIER" => self.answer_password_verifier(pool, client, &responses).await,
            "DEVICE_SRP_AUTH" => self.answer_device_srp(&pool, client, &responses).await,
            "DEVICE_PASSWORD_VERIFIER" => self.answer_device_verifier(pool, client, &responses).await,
            "CUSTOM_CHALLENGE" => self.answer_custom_challenge(pool, client, session, &responses).await,
            "SMS_MFA" | "EMAIL_OTP" | "SOFTWARE_TOKEN_MFA" | "SELECT_MFA_TYPE" | "MFA_SETUP" => {
                self.answer_mfa(pool, client, challenge, session, &responses, hosted).await
            }
            other => Err(IdpError::Unsupported(format!("Cognate does not support the {other} challenge yet."))),
        }
    }

    async fn answer_new_password(
        &self,
        pool: Pool,
        client: &AppClient,
        session: Option<&str>,
        responses: Params,
        hosted: bool,
    ) -> IdpResult<Step> {
        let state = self.take_session(session, client, "NEW_PASSWORD_REQUIRED").await?;
        let record = self.store.get_user(&pool.record.id, &state.sub).await?.ok_or(IdpError::UserNotFound)?;
        let mut user = User::from_record(record)?;
        let typed = responses.get("USERNAME").map(String::as_str).unwrap_or(&user.record.username).to_owned();
        // The session belongs to one user; an answer naming another is refused.
        if !self.names_user(&pool, &typed, &user).await? {
            return Err(IdpError::NotAuthorized("Invalid session for the user.".into()));
        }
        client.check_secret_hash(responses.get("SECRET_HASH").map(String::as_str), &hash_names(&typed, &user))?;
        let password = param(&responses, "NEW_PASSWORD")?;
        password_policy::check(&pool.doc.password_policy(), password)?;
        let updates: Vec<AttributeType> = responses
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("userAttributes.").map(|name| (name, v)))
            .map(|(name, v)| {
                if client.can_write(name) {
                    Ok(AttributeType { name: Some(name.into()), value: Some(v.clone()) })
                } else {
                    Err(not_writable())
                }
            })
            .collect::<IdpResult<_>>()?;
        attributes::apply(&pool.doc, &mut user, &updates, Mode::Update)?;
        attributes::check_required(&pool.doc, &user)?;
        self.replace_password(&pool, &mut user, password).await?;
        user.record.status = "CONFIRMED".into();
        user.data.temporary_expires_ms = None;
        self.save_user(&pool, &mut user).await?;
        // MFA (or its setup) still follows a new password, as after any first factor.
        let source = TokenSource::NewPasswordChallenge;
        let device = if hosted { Device::Hosted } else { Device::from(&responses) };
        self.after_first_factor(pool, client, user, device, source).await
    }

    /// Sets a new password after the history check (PasswordHistorySize).
    pub(crate) async fn replace_password(&self, pool: &Pool, user: &mut User, password: &str) -> IdpResult<()> {
        let keep = pool.doc.password_policy().password_history_size.unwrap_or(0) as usize;
        if keep > 0 {
            let recent = user.data.password_hash.iter().chain(user.data.password_history.iter()).take(keep);
            for hash in recent {
                if self.hasher.verify(password, hash).await.map_err(internal)? {
                    return Err(IdpError::PasswordHistoryViolation);
                }
            }
        }
        self.set_password(user, password).await
    }

    async fn refresh_sign_in(&self, pool: Pool, client: &AppClient, params: &Params) -> IdpResult<Step> {
        if !client.allows(Flow::Refresh) {
            return Err(not_enabled("REFRESH_TOKEN_AUTH"));
        }
        let token = param(params, "REFRESH_TOKEN")?;
        let (user, data, origin_jti) = self.redeem_refresh_token(&pool, client, token, None).await?;
        if client.has_secret() {
            let typed = params.get("USERNAME").map(String::as_str).unwrap_or(&user.record.username).to_owned();
            client.check_secret_hash(params.get("SECRET_HASH").map(String::as_str), &hash_names(&typed, &user))?;
        }
        let refresh = Refresh::Reuse { origin_jti };
        let source = TokenSource::RefreshTokens;
        Ok(Step::Tokens(self.issue_refreshed_tokens(pool, client, &user, &data, refresh, source).await?))
    }

    /// Checks a refresh token for `client`: known, unexpired, family not revoked, user still
    /// enabled, and (with rotation) not reused after its grace period.
    async fn redeem_refresh_token(
        &self,
        pool: &Pool,
        client: &AppClient,
        token: &str,
        rotation: Option<i64>,
    ) -> IdpResult<(User, RefreshData, String)> {
        let invalid = || IdpError::NotAuthorized("Invalid Refresh Token".into());
        let record = self.store.get_refresh_token(&refresh_digest(token)).await?.ok_or_else(invalid)?;
        let data: RefreshData = serde_json::from_str(&record.data).map_err(internal)?;
        let now = self.now_ms();
        if data.client_id != client.id() || record.pool_id != pool.record.id || record.expires_ms <= now {
            return Err(invalid());
        }
        if let (Some(grace), Some(replaced)) = (rotation, record.replaced_ms)
            && now > replaced + grace * 1000
        {
            return Err(IdpError::RefreshTokenReuse("Refresh token has already been used.".into()));
        }
        if self.store.get_family(&record.origin_jti).await?.is_none_or(|f| f.revoked) {
            return Err(IdpError::NotAuthorized("Refresh Token has been revoked".into()));
        }
        let user = self.store.get_user(&pool.record.id, &data.sub).await?.ok_or_else(invalid)?;
        if !user.enabled {
            return Err(IdpError::NotAuthorized("User is disabled.".into()));
        }
        if rotation.is_some() {
            self.store.mark_refresh_replaced(&record.token_hash, now).await?;
        }
        Ok((User::from_record(user)?, data, record.origin_jti))
    }

    pub async fn get_tokens_from_refresh_token(
        &self,
        req: GetTokensFromRefreshTokenRequest,
    ) -> IdpResult<GetTokensFromRefreshTokenResponse> {
        let (pool, client) = self.app_client(req.client_id.as_deref().unwrap_or_default()).await?;
        client.check_secret(req.client_secret.as_deref())?;
        if !client.allows(Flow::Refresh) {
            return Err(not_enabled("REFRESH_TOKEN_AUTH"));
        }
        let rotation = client.rotation_grace_s();
        let (user, data, origin_jti) = self
            .redeem_refresh_token(&pool, &client, req.refresh_token.as_deref().unwrap_or_default(), rotation)
            .await?;
        let refresh = if rotation.is_some() { Refresh::Rotate { origin_jti } } else { Refresh::Reuse { origin_jti } };
        let source = TokenSource::RefreshTokens;
        let result = self.issue_refreshed_tokens(pool, &client, &user, &data, refresh, source).await?;
        Ok(GetTokensFromRefreshTokenResponse { authentication_result: Some(result) })
    }
}

pub(crate) fn not_writable() -> IdpError {
    IdpError::NotAuthorized("A client attempted to write unauthorized attribute".into())
}

/// Flows Cognate does not run yet: a disabled one still says so first, as Cognito would.
fn unsupported_flow(flow: &str, client: &AppClient) -> IdpError {
    match flow {
        "USER_SRP_AUTH" if !client.allows(Flow::UserSrp) => not_enabled(flow),
        "USER_SRP_AUTH" | "USER_AUTH" => IdpError::Unsupported(format!("Cognate does not support {flow} yet.")),
        _ => invalid(format!("Invalid AuthFlow {flow}")),
    }
}
