//! What a signed-in user does with an access token: read and change their profile and
//! password, verify addresses, delete themselves; and the administrative settings twin.

use crate::attributes;
use crate::auth::not_writable;
use crate::codes::{self, Contact, Purpose};
use crate::notify::Destination;
use crate::{Idp, IdpError, IdpResult, error::invalid, password_policy};
use cognate_wire::idp::types::*;

impl Idp {
    pub async fn get_user(&self, req: GetUserRequest) -> IdpResult<GetUserResponse> {
        let access = self.check_access(req.access_token.as_deref().unwrap_or_default(), true).await?;
        let user = access.user;
        let client = access.client.and_then(|record| self.app_client_of(record).ok());
        let attributes = user
            .attribute_list(None)
            .into_iter()
            .filter(|a| {
                let name = a.name.as_deref().unwrap_or_default();
                !name.starts_with("dev:") && (name == "sub" || client.as_ref().is_none_or(|c| c.can_read(name)))
            })
            .collect();
        Ok(GetUserResponse {
            username: Some(user.record.username.clone()),
            user_attributes: Some(attributes),
            mfa_options: user.data.mfa_options.clone(),
            preferred_mfa_setting: self.mfa_settings(&user).1,
            user_mfa_setting_list: self.mfa_settings(&user).0,
        })
    }

    pub async fn change_password(&self, req: ChangePasswordRequest) -> IdpResult<ChangePasswordResponse> {
        let (pool, mut user, _) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        let proposed = req.proposed_password.unwrap_or_default();
        self.verify_password(&pool, &mut user, req.previous_password.as_deref().unwrap_or_default()).await?;
        password_policy::check(&pool.doc.password_policy(), &proposed)?;
        codes::rate_limit(&mut user, "change-password", 5, self.now_ms())?;
        self.replace_password(&pool, &mut user, &proposed).await?;
        self.save_user(&pool, &mut user).await?;
        Ok(ChangePasswordResponse {})
    }

    pub async fn update_user_attributes(
        &self,
        req: UpdateUserAttributesRequest,
    ) -> IdpResult<UpdateUserAttributesResponse> {
        let (pool, mut user, claims) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        let client = self.client_in(&pool, claims.client_id.as_deref().unwrap_or_default()).await?;
        let updates = req.user_attributes.unwrap_or_default();
        // The schema is checked before the client's write permissions, so an unknown name is
        // reported as unknown whatever the client may write.
        attributes::check_known(&pool.doc, updates.iter().map(|a| a.name.as_deref().unwrap_or_default()))?;
        if updates.iter().any(|a| !client.can_write(a.name.as_deref().unwrap_or_default())) {
            return Err(not_writable());
        }
        let sends = self.stage_attribute_updates(&pool, &mut user, updates, false)?;
        self.save_user(&pool, &mut user).await?;
        let details = self.send_update_codes(&pool, &user, sends).await?;
        Ok(UpdateUserAttributesResponse { code_delivery_details_list: Some(details) })
    }

    pub async fn get_user_attribute_verification_code(
        &self,
        req: GetUserAttributeVerificationCodeRequest,
    ) -> IdpResult<GetUserAttributeVerificationCodeResponse> {
        let (pool, mut user, _) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        let name = req.attribute_name.unwrap_or_default();
        let contact = Contact::of(&name).ok_or_else(|| {
            invalid(format!("Invalid attribute name {name}: only email and phone_number can be verified."))
        })?;
        let to =
            Destination::of(&user, contact).ok_or_else(|| invalid(format!("The user has no {name} to verify.")))?;
        codes::rate_limit(&mut user, "get-verification-code", 5, self.now_ms())?;
        let code = codes::issue(&mut user, Purpose::Verify(contact), self.now_ms());
        self.save_user(&pool, &mut user).await?;
        self.send_code(&pool, &user, &to, &code, "verify-user-attribute").await?;
        Ok(GetUserAttributeVerificationCodeResponse { code_delivery_details: Some(to.details()) })
    }

    pub async fn verify_user_attribute(
        &self,
        req: VerifyUserAttributeRequest,
    ) -> IdpResult<VerifyUserAttributeResponse> {
        let (pool, mut user, _) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        let name = req.attribute_name.unwrap_or_default();
        let contact = Contact::of(&name).ok_or_else(|| {
            invalid(format!("Invalid attribute name {name}: only email and phone_number can be verified."))
        })?;
        codes::rate_limit(&mut user, "verify-user-attribute", 15, self.now_ms())?;
        self.check_code(&pool, &mut user, Purpose::Verify(contact), req.code.as_deref().unwrap_or_default()).await?;
        if let Some(value) = user.data.pending.remove(&name) {
            user.attributes.insert(name.clone(), value);
        }
        user.attributes.insert(format!("{name}_verified"), "true".into());
        self.save_user(&pool, &mut user).await?;
        Ok(VerifyUserAttributeResponse {})
    }

    pub async fn delete_user(&self, req: DeleteUserRequest) -> IdpResult<DeleteUserResponse> {
        let (pool, user, _) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        self.store.revoke_user_families(&pool.record.id, &user.record.sub).await?;
        self.store.delete_user(&pool.record.id, &user.record.sub).await?;
        Ok(DeleteUserResponse {})
    }

    pub async fn delete_user_attributes(
        &self,
        req: DeleteUserAttributesRequest,
    ) -> IdpResult<DeleteUserAttributesResponse> {
        let (pool, mut user, claims) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        let client = self.client_in(&pool, claims.client_id.as_deref().unwrap_or_default()).await?;
        let names = req.user_attribute_names.unwrap_or_default();
        attributes::check_known(&pool.doc, names.iter().map(String::as_str))?;
        if names.iter().any(|n| !client.can_write(n)) {
            return Err(not_writable());
        }
        attributes::delete(&pool.doc, &mut user, &names)?;
        self.save_user(&pool, &mut user).await?;
        Ok(DeleteUserAttributesResponse {})
    }

    pub async fn set_user_settings(&self, req: SetUserSettingsRequest) -> IdpResult<SetUserSettingsResponse> {
        let (pool, mut user, _) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        user.data.mfa_options = req.mfa_options.filter(|o| !o.is_empty());
        self.save_user(&pool, &mut user).await?;
        Ok(SetUserSettingsResponse {})
    }

    pub async fn admin_set_user_settings(
        &self,
        req: AdminSetUserSettingsRequest,
    ) -> IdpResult<AdminSetUserSettingsResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let mut user = self.resolve_user(&pool, req.username.as_deref().unwrap_or_default()).await?;
        user.data.mfa_options = req.mfa_options.filter(|o| !o.is_empty());
        self.save_user(&pool, &mut user).await?;
        Ok(AdminSetUserSettingsResponse {})
    }

    /// Revokes every token family of the user and forgets their devices, so no earlier
    /// sign-in, refresh token or remembered device can continue.
    async fn sign_out_everywhere(
        &self,
        pool: &crate::pools::Pool,
        user: &mut crate::user_record::User,
    ) -> IdpResult<()> {
        self.store.revoke_user_families(&pool.record.id, &user.record.sub).await?;
        if !user.data.devices.is_empty() {
            user.data.devices.clear();
            self.save_user(pool, user).await?;
        }
        Ok(())
    }

    pub async fn global_sign_out(&self, req: GlobalSignOutRequest) -> IdpResult<GlobalSignOutResponse> {
        let (pool, mut user, _) = self.authenticate(req.access_token.as_deref().unwrap_or_default()).await?;
        self.sign_out_everywhere(&pool, &mut user).await?;
        Ok(GlobalSignOutResponse {})
    }

    pub async fn admin_user_global_sign_out(
        &self,
        req: AdminUserGlobalSignOutRequest,
    ) -> IdpResult<AdminUserGlobalSignOutResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let mut user = self.resolve_user(&pool, req.username.as_deref().unwrap_or_default()).await?;
        self.sign_out_everywhere(&pool, &mut user).await?;
        Ok(AdminUserGlobalSignOutResponse {})
    }

    /// Revokes a refresh token and every token of its sign-in. Unknown or already revoked
    /// tokens succeed quietly, as in OAuth 2.0 revocation: the caller learns nothing.
    pub async fn revoke_token(&self, req: RevokeTokenRequest) -> IdpResult<RevokeTokenResponse> {
        let (_, client) = self.app_client(req.client_id.as_deref().unwrap_or_default()).await?;
        client
            .check_secret(req.client_secret.as_deref())
            .map_err(|_| IdpError::Unauthorized("Client authentication failed.".into()))?;
        if !client.revocation_enabled() {
            return Err(IdpError::Unsupported("Token revocation is not enabled for this client.".into()));
        }
        let token = req.token.unwrap_or_default();
        if cognate_crypto::jws::parse(&token).is_ok() {
            return Err(IdpError::UnsupportedTokenType("Only refresh tokens can be revoked.".into()));
        }
        if let Some(record) = self.store.get_refresh_token(&crate::tokens::refresh_digest(&token)).await? {
            let family = self.store.get_family(&record.origin_jti).await?;
            if family.is_some_and(|f| f.client_id == client.id()) {
                self.store.revoke_family(&record.origin_jti).await?;
            }
        }
        Ok(RevokeTokenResponse {})
    }

    pub async fn get_signing_certificate(
        &self,
        req: GetSigningCertificateRequest,
    ) -> IdpResult<GetSigningCertificateResponse> {
        let pool = self.pool_with_keys(self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?).await?;
        let key = pool
            .doc
            .active_key(crate::signing_keys::KeyUse::Certificate)
            .ok_or_else(|| crate::error::internal("no certificate key"))?;
        let pem =
            self.signing_key(&pool.record.id, key)?.certificate_pem(&pool.record.id).map_err(crate::error::internal)?;
        Ok(GetSigningCertificateResponse { certificate: Some(pem) })
    }
}
