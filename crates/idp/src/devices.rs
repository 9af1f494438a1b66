//! Remembered devices: NewDeviceMetadata on sign-in, ConfirmDevice with the device's own SRP
//! verifier, DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER on later sign-ins, and the device
//! management operations. A device proves possession of its secret; it never replaces the
//! password: device sign-in is only reachable right after the user's password step.

use crate::auth::Step;
use crate::client_auth::AppClient;
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
    pub remembered: bool,
    pub created_ms: i64,
    pub modified_ms: i64,
    #[serde(default)]
    pub authenticated_ms: i64,
}

impl Device {
    fn confirmed(&self) -> bool {
        self.sealed_verifier.is_some()
    }
}

fn verifier_purpose(pool_id: &str, device_key: &str) -> String {
    format!("device-verifier:{pool_id}:{device_key}")
}

fn pending_id(pool_id: &str, sub: &str, device_key: &str) -> String {
    cognate_crypto::digest_hex(&[b"device-step", pool_id.as_bytes(), sub.as_bytes(), device_key.as_bytes()])
}

fn not_found() -> IdpError {
    IdpError::ResourceNotFound("Device does not exist.".into())
}

/// Any DeviceConfiguration turns device tracking on, as in Cognito.
pub(crate) fn tracking(pool: &Pool) -> bool {
    pool.doc.pool.device_configuration.is_some()
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
        let device = user.data.devices.get(device_key).filter(|d| d.confirmed()).ok_or_else(not_found)?;
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
        let device = user.data.devices.get(&device_key).filter(|d| d.confirmed()).ok_or_else(not_found)?;
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
