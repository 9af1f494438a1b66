//! Remembered devices: NewDeviceMetadata on sign-in, ConfirmDevice with the device's own SRP
//! verifier, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER on later sign-ins, and the device
//! management operations. A device proves possession of its secret; it never replaces the
//! password: device sign-in is only reachable right after the user's password step.
//!
//! Also the hosted UI's remembered browsers, Cognate's extension (Cognito's own hosted UI
//! remembers no devices): after MFA the user may have the browser remembered; it gets a
//! device like an API device (listed, updated and forgotten by the same operations) whose
//! secret sits in a sealed cookie, the store keeping only its digest. A later hosted sign-in
//! presenting that cookie skips MFA exactly where a remembered device may replace MFA.

use crate::auth::{Device as SignInDevice, Step};
use crate::client_auth::AppClient;
use crate::hosted::{HostedDeviceProof, RememberedDevice};
use crate::pools::Pool;
use crate::sessions::SessionState;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, error::internal, error::invalid, page};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cognate_store::SessionRecord;
use cognate_wire::idp::types::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Unconfirmed devices kept per user (older ones are dropped), and confirmed ones allowed.
const MAX_PENDING: usize = 10;
const MAX_DEVICES: usize = 100;
/// How long after the password step a device may complete the sign-in.
const DEVICE_STEP_MS: i64 = 3 * 60 * 1000;
/// A hosted-UI device's name is the browser's User-Agent, cut to this many characters.
const BROWSER_NAME_CHARS: usize = 256;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Device {
    pub group_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `hex(salt bytes)` and the sealed verifier, once confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_verifier: Option<String>,
    /// A hosted-UI device: the digest of the secret in the browser's cookie (it has no SRP
    /// verifier, so device SRP never reaches it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_digest: Option<String>,
    pub remembered: bool,
    pub created_ms: i64,
    pub modified_ms: i64,
    #[serde(default)]
    pub authenticated_ms: i64,
}

impl Device {
    /// Confirmed by ConfirmDevice, or remembered for a browser by the hosted UI: listed.
    fn confirmed(&self) -> bool {
        self.sealed_verifier.is_some() || self.secret_digest.is_some()
    }

    fn has_srp(&self) -> bool {
        self.sealed_verifier.is_some()
    }
}

fn verifier_purpose(pool_id: &str, device_key: &str) -> String {
    format!("device-verifier:{pool_id}:{device_key}")
}

fn pending_id(pool_id: &str, sub: &str, device_key: &str) -> String {
    cognate_crypto::digest_hex(&[b"device-step", pool_id.as_bytes(), sub.as_bytes(), device_key.as_bytes()])
}

fn browser_secret_digest(pool_id: &str, device_key: &str, secret: &str) -> String {
    cognate_crypto::digest_hex(&[b"hosted-device", pool_id.as_bytes(), device_key.as_bytes(), secret.as_bytes()])
}

/// Whether `secret` proves `device` (a remembered hosted-UI device of the signing-in user,
/// found under that user's own key, so another user's or another pool's cookie proves
/// nothing); compared in constant time, so timing tells nothing about the stored digest.
fn browser_proves(pool_id: &str, device_key: &str, device: Option<&Device>, secret: &str) -> bool {
    let expected = browser_secret_digest(pool_id, device_key, secret);
    device.is_some_and(|d| {
        d.remembered
            && d.secret_digest.as_deref().is_some_and(|s| cognate_crypto::ct_eq(s.as_bytes(), expected.as_bytes()))
    })
}

/// A hosted-UI device's name: the browser's User-Agent without control characters, cut short.
fn browser_device_name(user_agent: Option<&str>) -> String {
    let name: String =
        user_agent.unwrap_or_default().chars().filter(|c| !c.is_control()).take(BROWSER_NAME_CHARS).collect();
    match name.trim() {
        "" => "Browser".to_owned(),
        trimmed => trimmed.to_owned(),
    }
}

fn not_found() -> IdpError {
    IdpError::ResourceNotFound("Device does not exist.".into())
}

/// Any DeviceConfiguration turns device tracking on, as in Cognito.
pub(crate) fn tracking(pool: &Pool) -> bool {
    pool.doc.pool.device_configuration.is_some()
}

/// Whether the hosted UI offers to remember a browser after MFA, and with the box ticked.
/// Only where a remembered device may replace MFA, Cognito's rule: `ChallengeRequiredOnNewDevice`
/// true ("a remembered device can sign in with device authentication instead of SMS and TOTP
/// factors"); a remembered browser that still answered MFA would be a promise not kept.
/// Ticked when `DeviceOnlyRememberedOnUserPrompt` is false, as ConfirmDevice then remembers at
/// once; Cognate still shows the box, so a user on a shared computer can decline.
fn offer_for(config: Option<&DeviceConfigurationType>) -> Option<bool> {
    let config = config?;
    (config.challenge_required_on_new_device == Some(true))
        .then_some(config.device_only_remembered_on_user_prompt != Some(true))
}

fn browser_offer(pool: &Pool) -> Option<bool> {
    offer_for(pool.doc.pool.device_configuration.as_ref())
}

fn device_type(key: &str, d: &Device) -> DeviceType {
    let mut attributes = vec![AttributeType { name: Some("device_status".into()), value: Some("valid".into()) }];
    if let Some(name) = &d.name {
        attributes.push(AttributeType { name: Some("device_name".into()), value: Some(name.clone()) });
    }
    let status = if d.remembered { "remembered" } else { "not_remembered" };
    attributes.push(AttributeType { name: Some("dev:device_remembered_status".into()), value: Some(status.into()) });
    DeviceType {
        device_key: Some(key.to_owned()),
        device_attributes: Some(attributes),
        device_create_date: Some(d.created_ms as f64 / 1000.0),
        device_last_modified_date: Some(d.modified_ms as f64 / 1000.0),
        device_last_authenticated_date: Some(d.authenticated_ms.max(d.created_ms) as f64 / 1000.0),
    }
}

impl Idp {
    /// Registers an unconfirmed device for a sign-in: its key goes out as NewDeviceMetadata.
    pub(crate) async fn new_device(&self, pool: &Pool, user: &mut User) -> IdpResult<NewDeviceMetadataType> {
        let key = format!("{}_{}", self.settings.region, cognate_crypto::random::uuid_v4());
        let group_key = format!(
            "-{}",
            cognate_crypto::random::string_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 9)
        );
        let now = self.now_ms();
        let pending: Vec<(String, i64)> =
            user.data.devices.iter().filter(|(_, d)| !d.confirmed()).map(|(k, d)| (k.clone(), d.created_ms)).collect();
        if pending.len() >= MAX_PENDING
            && let Some((oldest, _)) = pending.iter().min_by_key(|(_, t)| *t)
        {
            user.data.devices.remove(oldest);
        }
        let device = Device {
            group_key: group_key.clone(),
            name: None,
            salt: None,
            sealed_verifier: None,
            secret_digest: None,
            remembered: false,
            created_ms: now,
            modified_ms: now,
            authenticated_ms: now,
        };
        user.data.devices.insert(key.clone(), device);
        self.save_user(pool, user).await?;
        Ok(NewDeviceMetadataType { device_key: Some(key), device_group_key: Some(group_key) })
    }

    /// After the password step: a confirmed device must now prove itself (DEVICE_SRP_AUTH).
    pub(crate) async fn device_challenge(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: &User,
        device_key: &str,
    ) -> IdpResult<Step> {
        let now = self.now_ms();
        let id = pending_id(&pool.record.id, &user.record.sub, device_key);
        self.store.take_session(&id).await?;
        let state = SessionState {
            challenge: "DEVICE_SRP_AUTH".into(),
            client_id: client.id().into(),
            sub: user.record.sub.clone(),
            auth_time: 0,
            srp: None,
            mfa: None,
            custom: None,
        };
        let record = SessionRecord {
            id_hash: id,
            pool_id: pool.record.id.clone(),
            expires_ms: now + DEVICE_STEP_MS,
            data: serde_json::to_string(&state).map_err(internal)?,
        };
        self.store.insert_session(&record).await?;
        let session = self.new_session(&pool.record.id, client, &state).await?;
        let parameters = BTreeMap::from([
            ("USERNAME".to_owned(), user.record.username.clone()),
            ("DEVICE_KEY".to_owned(), device_key.to_owned()),
        ]);
        Ok(Step::Challenge { name: "DEVICE_SRP_AUTH".into(), parameters, session })
    }

    /// DEVICE_SRP_AUTH: needs the password step of the same user and device moments before.
    pub(crate) async fn answer_device_srp(
        &self,
        pool: &Pool,
        client: &AppClient,
        responses: &BTreeMap<String, String>,
    ) -> IdpResult<Step> {
        let wrong = || IdpError::NotAuthorized("Incorrect username or password.".into());
        let username = responses.get("USERNAME").ok_or_else(|| invalid("Missing required parameter USERNAME"))?;
        let device_key = responses.get("DEVICE_KEY").ok_or_else(|| invalid("Missing required parameter DEVICE_KEY"))?;
        let user = self.resolve_user(pool, username).await.map_err(|_| wrong())?;
        let step = self
            .store
            .take_session(&pending_id(&pool.record.id, &user.record.sub, device_key))
            .await?
            .ok_or_else(wrong)?;
        let state: SessionState = serde_json::from_str(&step.data).map_err(internal)?;
        if step.expires_ms <= self.now_ms() || state.client_id != client.id() {
            return Err(wrong());
        }
        let device = user.data.devices.get(device_key).filter(|d| d.has_srp()).ok_or_else(not_found)?;
        let v = self
            .master_key
            .open(&verifier_purpose(&pool.record.id, device_key), device.sealed_verifier.as_deref().unwrap_or_default())
            .map_err(internal)?;
        let a = responses
            .get("SRP_A")
            .and_then(|a| cognate_crypto::srp::parse_hex(a))
            .and_then(|a| cognate_crypto::srp::check_a(&a).ok())
            .ok_or_else(|| invalid("SRP_A is invalid."))?;
        let salt = device.salt.clone().unwrap_or_default();
        let who = crate::srp_auth::SrpIdentity {
            sub: &user.record.sub,
            group: &device.group_key,
            srp_username: device_key,
            username: &user.record.username,
            salt: &salt,
            verifier: &v,
        };
        self.password_verifier_step(pool, client, who, &a, "DEVICE_PASSWORD_VERIFIER", None).await
    }

    /// DEVICE_PASSWORD_VERIFIER: the device's signature completes the sign-in.
    pub(crate) async fn answer_device_verifier(
        &self,
        pool: Pool,
        client: &AppClient,
        responses: &BTreeMap<String, String>,
    ) -> IdpResult<Step> {
        let wrong = || IdpError::NotAuthorized("Incorrect username or password.".into());
        let block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK").map(String::as_str);
        let state = self.take_session(block, client, "DEVICE_PASSWORD_VERIFIER").await.map_err(|_| wrong())?;
        let device_key = state.srp.as_ref().map(|s| s.username.clone()).ok_or_else(wrong)?;
        let mut user = User::from_record(self.store.get_user(&pool.record.id, &state.sub).await?.ok_or_else(wrong)?)?;
        let device = user.data.devices.get(&device_key).filter(|d| d.has_srp()).ok_or_else(not_found)?;
        let v = self
            .master_key
            .open(
                &verifier_purpose(&pool.record.id, &device_key),
                device.sealed_verifier.as_deref().unwrap_or_default(),
            )
            .map_err(internal)?;
        self.check_claim(&state, &v, responses)?;
        if let Some(d) = user.data.devices.get_mut(&device_key) {
            d.authenticated_ms = self.now_ms();
        }
        self.save_user(&pool, &mut user).await?;
        self.post_authentication(&pool, client, &user, false).await?;
        let auth_time = self.now_ms() / 1000;
        let refresh = crate::tokens::Refresh::NewFamily;
        let source = crate::triggers::token_generation::TokenSource::AuthenticateDevice;
        let result =
            self.issue_device_tokens(pool, client, &user, auth_time, refresh, Some(&device_key), source).await?;
        Ok(Step::Tokens(result))
    }

    pub async fn confirm_device(&self, req: ConfirmDeviceRequest) -> IdpResult<ConfirmDeviceResponse> {
        let (pool, mut user, _) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        let key = req.device_key.unwrap_or_default();
        let config = req.device_secret_verifier_config.unwrap_or_default();
        let verifier = B64
            .decode(config.password_verifier.unwrap_or_default())
            .map_err(|_| invalid("Invalid PasswordVerifier."))?;
        let salt = B64.decode(config.salt.unwrap_or_default()).map_err(|_| invalid("Invalid Salt."))?;
        if verifier.is_empty() || verifier.len() > 385 || salt.is_empty() {
            return Err(invalid("Invalid DeviceSecretVerifierConfig."));
        }
        if user.data.devices.values().filter(|d| d.confirmed()).count() >= MAX_DEVICES {
            return Err(IdpError::LimitExceeded(format!("A user can have at most {MAX_DEVICES} devices.")));
        }
        let prompt = pool.doc.pool.device_configuration.as_ref().and_then(|c| c.device_only_remembered_on_user_prompt)
            == Some(true);
        let now = self.now_ms();
        let sealed = self.master_key.seal(&verifier_purpose(&pool.record.id, &key), &verifier);
        let device = user.data.devices.get_mut(&key).ok_or_else(not_found)?;
        device.salt = Some(hex::encode(&salt));
        device.sealed_verifier = Some(sealed);
        device.name = req.device_name;
        device.remembered = !prompt;
        device.modified_ms = now;
        self.save_user(&pool, &mut user).await?;
        Ok(ConfirmDeviceResponse { user_confirmation_necessary: Some(prompt) })
    }

    async fn devices_of(
        &self,
        access_token: Option<&str>,
        pool_id: Option<&str>,
        username: Option<&str>,
    ) -> IdpResult<(Pool, User)> {
        match access_token {
            Some(token) => self.authenticate(token).await.map(|(p, u, _)| (p, u)),
            None => {
                let pool = self.load_pool(pool_id.unwrap_or_default()).await?;
                let user = self.resolve_user(&pool, username.unwrap_or_default()).await?;
                Ok((pool, user))
            }
        }
    }

    async fn set_remembered(&self, (pool, mut user): (Pool, User), key: &str, status: Option<&str>) -> IdpResult<()> {
        let now = self.now_ms();
        let device = user.data.devices.get_mut(key).filter(|d| d.confirmed()).ok_or_else(not_found)?;
        device.remembered = status == Some("remembered");
        device.modified_ms = now;
        self.save_user(&pool, &mut user).await
    }

    async fn forget(&self, (pool, mut user): (Pool, User), key: &str) -> IdpResult<()> {
        user.data.devices.remove(key).ok_or_else(not_found)?;
        self.save_user(&pool, &mut user).await
    }

    fn get(user: &User, key: &str) -> IdpResult<DeviceType> {
        user.data.devices.get(key).filter(|d| d.confirmed()).map(|d| device_type(key, d)).ok_or_else(not_found)
    }

    fn list(user: &User, limit: Option<i64>, token: Option<&str>) -> IdpResult<(Vec<DeviceType>, Option<String>)> {
        let size = page::size(limit, 60) as usize;
        let after = page::decode(token)?;
        let confirmed: Vec<(&String, &Device)> =
            user.data.devices.iter().filter(|(k, d)| d.confirmed() && after.as_ref().is_none_or(|a| *k > a)).collect();
        let more = confirmed.len() > size;
        let page_items: Vec<DeviceType> = confirmed.iter().take(size).map(|(k, d)| device_type(k, d)).collect();
        let next = more.then(|| confirmed.get(size - 1).map(|(k, _)| page::encode(k))).flatten();
        Ok((page_items, next))
    }

    pub async fn update_device_status(&self, req: UpdateDeviceStatusRequest) -> IdpResult<UpdateDeviceStatusResponse> {
        let owner = self.devices_of(req.access_token.as_deref(), None, None).await?;
        self.set_remembered(
            owner,
            req.device_key.as_deref().unwrap_or_default(),
            req.device_remembered_status.as_deref(),
        )
        .await?;
        Ok(UpdateDeviceStatusResponse {})
    }

    pub async fn admin_update_device_status(
        &self,
        req: AdminUpdateDeviceStatusRequest,
    ) -> IdpResult<AdminUpdateDeviceStatusResponse> {
        let owner = self.devices_of(None, req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        self.set_remembered(
            owner,
            req.device_key.as_deref().unwrap_or_default(),
            req.device_remembered_status.as_deref(),
        )
        .await?;
        Ok(AdminUpdateDeviceStatusResponse {})
    }

    pub async fn get_device(&self, req: GetDeviceRequest) -> IdpResult<GetDeviceResponse> {
        let (_, user) = self.devices_of(req.access_token.as_deref(), None, None).await?;
        Ok(GetDeviceResponse { device: Some(Self::get(&user, req.device_key.as_deref().unwrap_or_default())?) })
    }

    pub async fn admin_get_device(&self, req: AdminGetDeviceRequest) -> IdpResult<AdminGetDeviceResponse> {
        let (_, user) = self.devices_of(None, req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        Ok(AdminGetDeviceResponse { device: Some(Self::get(&user, req.device_key.as_deref().unwrap_or_default())?) })
    }

    pub async fn list_devices(&self, req: ListDevicesRequest) -> IdpResult<ListDevicesResponse> {
        let (_, user) = self.devices_of(req.access_token.as_deref(), None, None).await?;
        let (devices, pagination_token) = Self::list(&user, req.limit, req.pagination_token.as_deref())?;
        Ok(ListDevicesResponse { devices: Some(devices), pagination_token })
    }

    pub async fn admin_list_devices(&self, req: AdminListDevicesRequest) -> IdpResult<AdminListDevicesResponse> {
        let (_, user) = self.devices_of(None, req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        let (devices, pagination_token) = Self::list(&user, req.limit, req.pagination_token.as_deref())?;
        Ok(AdminListDevicesResponse { devices: Some(devices), pagination_token })
    }

    pub async fn forget_device(&self, req: ForgetDeviceRequest) -> IdpResult<ForgetDeviceResponse> {
        let owner = self.devices_of(req.access_token.as_deref(), None, None).await?;
        self.forget(owner, req.device_key.as_deref().unwrap_or_default()).await?;
        Ok(ForgetDeviceResponse {})
    }

    pub async fn admin_forget_device(&self, req: AdminForgetDeviceRequest) -> IdpResult<AdminForgetDeviceResponse> {
        let owner = self.devices_of(None, req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        self.forget(owner, req.device_key.as_deref().unwrap_or_default()).await?;
        Ok(AdminForgetDeviceResponse {})
    }
}

/// The hosted UI's remembered browsers (see the module's documentation).
impl Idp {
    /// The device a hosted sign-in runs on, once the password is verified: `RememberedBrowser`
    /// when the browser's cookie proves a remembered device of this user that may replace
    /// MFA in this pool, else `Hosted` (a forgotten, unremembered or foreign device included).
    pub(crate) fn browser_device(&self, pool: &Pool, user: &User, proof: Option<&HostedDeviceProof>) -> SignInDevice {
        match proof {
            Some(p)
                if browser_offer(pool).is_some()
                    && browser_proves(
                        &pool.record.id,
                        &p.device_key,
                        user.data.devices.get(&p.device_key),
                        &p.secret,
                    ) =>
            {
                SignInDevice::RememberedBrowser(p.device_key.clone())
            }
            _ => SignInDevice::Hosted,
        }
    }

    /// A remembered device completed a sign-in: its LastAuthenticatedDate.
    pub(crate) async fn device_signed_in(&self, pool: &Pool, user: &mut User, device_key: &str) -> IdpResult<()> {
        let now = self.now_ms();
        if let Some(d) = user.data.devices.get_mut(device_key) {
            d.authenticated_ms = now;
        }
        self.save_user(pool, user).await
    }

    /// Whether the hosted UI's MFA pages offer to remember the browser, and with the box
    /// ticked or not: `None` when remembering would not skip MFA in the client's pool.
    pub async fn hosted_device_offer(&self, client_id: &str) -> IdpResult<Option<bool>> {
        let (pool, _) = self.app_client(client_id).await?;
        Ok(browser_offer(&pool))
    }

    /// Remembers the browser of a hosted sign-in that has just passed MFA (the caller's
    /// promise: only a sign-in that answered an MFA challenge may ask). A new device, named
    /// after the User-Agent and remembered at once (the user asked); the secret goes back for
    /// the browser's cookie, which lives as long as the client's refresh tokens. `None` when
    /// the pool offers no remembering or the user has as many devices as allowed.
    pub async fn hosted_remember_device(
        &self,
        client_id: &str,
        sub: &str,
        user_agent: Option<&str>,
    ) -> IdpResult<Option<RememberedDevice>> {
        let (pool, client) = self.app_client(client_id).await?;
        if browser_offer(&pool).is_none() {
            return Ok(None);
        }
        let record = self.store.get_user(&pool.record.id, sub).await?.ok_or(IdpError::UserNotFound)?;
        let mut user = User::from_record(record)?;
        if user.data.devices.values().filter(|d| d.confirmed()).count() >= MAX_DEVICES {
            tracing::info!("hosted UI: the user has as many devices as allowed; the browser is not remembered");
            return Ok(None);
        }
        let key = format!("{}_{}", self.settings.region, cognate_crypto::random::uuid_v4());
        let group_key = format!(
            "-{}",
            cognate_crypto::random::string_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 9)
        );
        let secret = hex::encode(cognate_crypto::random::bytes::<32>());
        let now = self.now_ms();
        let device = Device {
            group_key,
            name: Some(browser_device_name(user_agent)),
            salt: None,
            sealed_verifier: None,
            secret_digest: Some(browser_secret_digest(&pool.record.id, &key, &secret)),
            remembered: true,
            created_ms: now,
            modified_ms: now,
            authenticated_ms: now,
        };
        user.data.devices.insert(key.clone(), device);
        self.save_user(&pool, &mut user).await?;
        Ok(Some(RememberedDevice { device_key: key, secret, max_age_s: client.refresh_validity_s() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser_device(secret: &str, remembered: bool) -> Device {
        Device {
            group_key: "-g".into(),
            name: None,
            salt: None,
            sealed_verifier: None,
            secret_digest: Some(browser_secret_digest("us-east-1_P", "us-east-1_k", secret)),
            remembered,
            created_ms: 0,
            modified_ms: 0,
            authenticated_ms: 0,
        }
    }

    #[test]
    fn only_the_right_secret_of_a_remembered_device_proves_it() {
        let d = browser_device("s3cret", true);
        assert!(browser_proves("us-east-1_P", "us-east-1_k", Some(&d), "s3cret"));
        assert!(!browser_proves("us-east-1_P", "us-east-1_k", Some(&d), "guess"));
        assert!(!browser_proves("us-east-1_Other", "us-east-1_k", Some(&d), "s3cret"));
        assert!(!browser_proves("us-east-1_P", "us-east-1_k", None, "s3cret"));
        assert!(!browser_proves("us-east-1_P", "us-east-1_k", Some(&browser_device("s3cret", false)), "s3cret"));
    }

    #[test]
    fn an_api_device_is_no_browser_and_a_browser_has_no_srp() {
        let mut api = browser_device("x", true);
        api.secret_digest = None;
        api.sealed_verifier = Some("sealed".into());
        assert!(!browser_proves("us-east-1_P", "us-east-1_k", Some(&api), ""));
        let browser = browser_device("x", true);
        assert!(browser.confirmed() && !browser.has_srp());
    }

    #[test]
    fn remembering_is_offered_only_where_it_replaces_mfa() {
        let config = |challenge, prompt| DeviceConfigurationType {
            challenge_required_on_new_device: challenge,
            device_only_remembered_on_user_prompt: prompt,
        };
        assert_eq!(offer_for(None), None);
        assert_eq!(offer_for(Some(&config(Some(false), Some(true)))), None);
        assert_eq!(offer_for(Some(&config(None, None))), None);
        assert_eq!(offer_for(Some(&config(Some(true), Some(true)))), Some(false));
        assert_eq!(offer_for(Some(&config(Some(true), Some(false)))), Some(true));
        assert_eq!(offer_for(Some(&config(Some(true), None))), Some(true));
    }

    #[test]
    fn the_device_name_is_the_user_agent_cut_short() {
        assert_eq!(browser_device_name(Some("Mozilla/5.0 (X11)\r\n")), "Mozilla/5.0 (X11)");
        assert_eq!(browser_device_name(None), "Browser");
        assert_eq!(browser_device_name(Some("  ")), "Browser");
        assert_eq!(browser_device_name(Some(&"é".repeat(1000))).chars().count(), BROWSER_NAME_CHARS);
    }
}
