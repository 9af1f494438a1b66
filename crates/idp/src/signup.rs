//! Self-service registration and recovery: SignUp, ConfirmSignUp, ResendConfirmationCode,
//! ForgotPassword and ConfirmForgotPassword.

use crate::attributes::{self, Mode};
use crate::auth::not_writable;
use crate::client_auth::{AppClient, hash_names};
use crate::codes::{self, Contact, Purpose};
use crate::notify::Destination;
use crate::pools::Pool;
use crate::triggers::Trigger;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, error::invalid, password_policy};
use cognate_store::StoreError;
use cognate_wire::idp::types::*;

/// Where a pool's verification codes go: the phone when it is auto-verified and the user has
/// one, else the email (Cognito prefers SMS when both are auto-verified).
fn auto_verify_destination(pool: &Pool, user: &User) -> Option<Destination> {
    let auto = pool.doc.pool.auto_verified_attributes.as_deref().unwrap_or_default();
    [Contact::Phone, Contact::Email]
        .into_iter()
        .filter(|c| auto.iter().any(|a| a == c.attribute()))
        .find_map(|c| Destination::of(user, c))
}

/// Where recovery codes go, by the pool's AccountRecoverySetting (default: verified phone,
/// then verified email).
pub(crate) fn recovery_destination(pool: &Pool, user: &User) -> IdpResult<Destination> {
    let ordered: Vec<String> = match &pool.doc.pool.account_recovery_setting {
        Some(s) => {
            let mut m = s.recovery_mechanisms.clone().unwrap_or_default();
            m.sort_by_key(|m| m.priority.unwrap_or(i64::MAX));
            m.into_iter().filter_map(|m| m.name).collect()
        }
        None => vec!["verified_phone_number".into(), "verified_email".into()],
    };
    if ordered.iter().all(|m| m == "admin_only") {
        return Err(IdpError::NotAuthorized("Contact administrator to reset password.".into()));
    }
    ordered
        .iter()
        .filter_map(|m| Contact::of(m.trim_start_matches("verified_")))
        .filter(|c| user.is_verified(c.attribute()))
        .find_map(|c| Destination::of(user, c))
        .ok_or_else(|| {
            invalid("Cannot reset password for the user as there is no registered/verified email or phone_number")
        })
}

impl Idp {
    pub async fn sign_up(&self, req: SignUpRequest) -> IdpResult<SignUpResponse> {
        let (pool, client) = self.app_client(req.client_id.as_deref().unwrap_or_default()).await?;
        let given = req.username.clone().unwrap_or_default();
        client.check_secret_hash(req.secret_hash.as_deref(), &[&given])?;
        if pool.doc.pool.admin_create_user_config.as_ref().and_then(|c| c.allow_admin_create_user_only) == Some(true) {
            return Err(IdpError::NotAuthorized("SignUp is not permitted for this user pool".into()));
        }
        let updates = req.user_attributes.unwrap_or_default();
        if updates.iter().any(|a| !client.can_write(a.name.as_deref().unwrap_or_default())) {
            return Err(not_writable());
        }
        let password = req.password.ok_or_else(|| invalid("Password is required."))?;
        password_policy::check(&pool.doc.password_policy(), &password)?;
        let mut user = self.new_user(&pool, &given)?;
        user.record.status = "UNCONFIRMED".into();
        attributes::apply(&pool.doc, &mut user, &updates, Mode::Create)?;
        crate::users::set_username_attribute(&pool.doc, &mut user, &given)?;
        attributes::check_required(&pool.doc, &user)?;
        let decision = self.pre_sign_up(&pool, &user, "PreSignUp_SignUp", req.validation_data.as_deref()).await?;
        decision.apply(&mut user);
        self.set_password(&mut user, &password).await?;
        let destination = if decision.confirm { None } else { auto_verify_destination(&pool, &user) };
        let code = destination.as_ref().map(|_| codes::issue(&mut user, Purpose::ConfirmSignUp, self.now_ms()));
        let write = user.to_write(&pool.doc, None)?;
        self.store.write_users(std::slice::from_ref(&write)).await.map_err(|e| match e {
            StoreError::Conflict(w) if w == "username" => IdpError::UsernameExists("User already exists".into()),
            StoreError::Conflict(w) if w.starts_with("alias:") => IdpError::UsernameExists(format!(
                "An account with the given {} already exists.",
                w.trim_start_matches("alias:")
            )),
            other => other.into(),
        })?;
        if let (Some(to), Some(code)) = (&destination, &code) {
            self.send_code(&pool, &user, to, code, "sign-up").await?;
        }
        if decision.confirm {
            self.post_confirmation(&pool, &user, "PostConfirmation_ConfirmSignUp").await?;
        }
        Ok(SignUpResponse {
            user_confirmed: Some(decision.confirm),
            code_delivery_details: destination.map(|d| d.details()),
            user_sub: Some(user.record.sub.clone()),
            session: None,
        })
    }

    /// The user a public operation names, honouring PreventUserExistenceErrors.
    async fn named_user(
        &self,
        pool: &Pool,
        client: &AppClient,
        username: &str,
        secret_hash: Option<&str>,
    ) -> IdpResult<Option<User>> {
        match self.resolve_user(pool, username).await {
            Ok(user) => {
                client.check_secret_hash(secret_hash, &hash_names(username, &user))?;
                Ok(Some(user))
            }
            Err(IdpError::UserNotFound) if client.hides_users() => {
                client.check_secret_hash(secret_hash, &[username])?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub async fn confirm_sign_up(&self, req: ConfirmSignUpRequest) -> IdpResult<ConfirmSignUpResponse> {
        let (pool, client) = self.app_client(req.client_id.as_deref().unwrap_or_default()).await?;
        let username = req.username.as_deref().unwrap_or_default();
        let mut user = self
            .named_user(&pool, &client, username, req.secret_hash.as_deref())
            .await?
            .ok_or(IdpError::CodeMismatch)?;
        if user.record.status != "UNCONFIRMED" {
            return Err(IdpError::NotAuthorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.record.status
            )));
        }
        codes::rate_limit(&mut user, "confirm-sign-up", 15, self.now_ms())?;
        self.check_code(&pool, &mut user, Purpose::ConfirmSignUp, req.confirmation_code.as_deref().unwrap_or_default())
            .await?;
        user.record.status = "CONFIRMED".into();
        if let Some(to) = auto_verify_destination(&pool, &user) {
            user.attributes.insert(format!("{}_verified", to.contact.attribute()), "true".into());
        }
        self.save_user_forcing_alias(&pool, &mut user, req.force_alias_creation == Some(true)).await?;
        self.post_confirmation(&pool, &user, "PostConfirmation_ConfirmSignUp").await?;
        Ok(ConfirmSignUpResponse { session: None })
    }

    pub async fn resend_confirmation_code(
        &self,
        req: ResendConfirmationCodeRequest,
    ) -> IdpResult<ResendConfirmationCodeResponse> {
        let (pool, client) = self.app_client(req.client_id.as_deref().unwrap_or_default()).await?;
        let username = req.username.as_deref().unwrap_or_default();
        let Some(mut user) = self.named_user(&pool, &client, username, req.secret_hash.as_deref()).await? else {
            return Ok(ResendConfirmationCodeResponse { code_delivery_details: Some(simulated_details(username)) });
        };
        if user.record.status != "UNCONFIRMED" {
            return Err(invalid("User is already confirmed."));
        }
        let to = auto_verify_destination(&pool, &user)
            .ok_or_else(|| invalid("No verified attribute is configured to receive a confirmation code."))?;
        codes::rate_limit(&mut user, "resend-confirmation-code", 5, self.now_ms())?;
        let code = codes::issue(&mut user, Purpose::ConfirmSignUp, self.now_ms());
        self.save_user(&pool, &mut user).await?;
        self.send_code(&pool, &user, &to, &code, "resend-code").await?;
        Ok(ResendConfirmationCodeResponse { code_delivery_details: Some(to.details()) })
    }

    pub async fn forgot_password(&self, req: ForgotPasswordRequest) -> IdpResult<ForgotPasswordResponse> {
        let (pool, client) = self.app_client(req.client_id.as_deref().unwrap_or_default()).await?;
        let username = req.username.as_deref().unwrap_or_default();
        let named = match self.named_user(&pool, &client, username, req.secret_hash.as_deref()).await {
            Ok(None) | Err(IdpError::UserNotFound) if self.has_trigger(&pool, Trigger::UserMigration) => {
                client.check_secret_hash(req.secret_hash.as_deref(), &[username])?;
                match self.migrate_on_forgot_password(&pool, &client, username).await {
                    Err(IdpError::UserNotFound | IdpError::LambdaValidation(_)) if client.hides_users() => None,
                    other => Some(other?),
                }
            }
            other => other?,
        };
        let Some(mut user) = named else {
            return Ok(ForgotPasswordResponse { code_delivery_details: Some(simulated_details(username)) });
        };
        if !user.record.enabled {
            return Err(IdpError::NotAuthorized("User is disabled.".into()));
        }
        let to = recovery_destination(&pool, &user)?;
        codes::rate_limit(&mut user, "forgot-password", 10, self.now_ms())?;
        let code = codes::issue(&mut user, Purpose::ForgotPassword, self.now_ms());
        self.save_user(&pool, &mut user).await?;
        self.send_code(&pool, &user, &to, &code, "forgot-password").await?;
        Ok(ForgotPasswordResponse { code_delivery_details: Some(to.details()) })
    }

    pub async fn confirm_forgot_password(
        &self,
        req: ConfirmForgotPasswordRequest,
    ) -> IdpResult<ConfirmForgotPasswordResponse> {
        let (pool, client) = self.app_client(req.client_id.as_deref().unwrap_or_default()).await?;
        let username = req.username.as_deref().unwrap_or_default();
        let mut user = self
            .named_user(&pool, &client, username, req.secret_hash.as_deref())
            .await?
            .ok_or(IdpError::CodeMismatch)?;
        let password = req.password.unwrap_or_default();
        password_policy::check(&pool.doc.password_policy(), &password)?;
        if !reset_code_outstanding(&user) {
            return Err(IdpError::ExpiredCode);
        }
        codes::rate_limit(&mut user, "confirm-forgot-password", 20, self.now_ms())?;
        self.check_code(
            &pool,
            &mut user,
            Purpose::ForgotPassword,
            req.confirmation_code.as_deref().unwrap_or_default(),
        )
        .await?;
        self.replace_password(&pool, &mut user, &password).await?;
        if matches!(user.record.status.as_str(), "RESET_REQUIRED" | "FORCE_CHANGE_PASSWORD") {
            user.record.status = "CONFIRMED".into();
        }
        user.data.lockout.succeed();
        self.save_user(&pool, &mut user).await?;
        self.post_confirmation(&pool, &user, "PostConfirmation_ConfirmForgotPassword").await?;
        Ok(ConfirmForgotPasswordResponse {})
    }

    /// Saves a user whose verified contact may collide with another user's alias; with
    /// `force`, the alias moves to this user (as ForceAliasCreation does).
    pub(crate) async fn save_user_forcing_alias(&self, pool: &Pool, user: &mut User, force: bool) -> IdpResult<()> {
        match self.save_user(pool, user).await {
            Err(IdpError::AliasExists(msg)) if force => {
                let kind = if msg.contains("phone_number") { "phone_number" } else { "email" };
                self.move_alias(pool, user, kind).await.map_err(|_| IdpError::AliasExists(msg))
            }
            other => other,
        }
    }
}

/// Whether ForgotPassword (or AdminResetUserPassword) left a code to confirm: without one,
/// Cognito asks for a new code (ExpiredCode) rather than calling the given one wrong.
fn reset_code_outstanding(user: &User) -> bool {
    codes::outstanding(user, Purpose::ForgotPassword)
}

/// CodeDeliveryDetails for a user who does not exist, so the answer looks like a real one.
fn simulated_details(username: &str) -> CodeDeliveryDetailsType {
    let to = if attributes::is_email(username) {
        Destination { contact: Contact::Email, address: username.to_owned() }
    } else {
        Destination { contact: Contact::Phone, address: "+10000000000".into() }
    };
    to.details()
}
