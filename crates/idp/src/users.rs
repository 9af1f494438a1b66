//! Administrative user operations (AdminCreateUser, AdminGetUser, attribute and password
//! administration, enable/disable/delete/confirm) and ListUsers.

use crate::attributes::{self, Mode};
use crate::messages::{Medium, Message};
use crate::pool_config::PoolDoc;
use crate::pools::Pool;
use crate::user_record::{User, UserData, alias_key, truncate, username_key};
use crate::{Idp, IdpError, IdpResult, error::invalid, page, password_policy, user_filter};
use cognate_store::{StoreError, UserCursor, UserQuery, UserRecord};
use cognate_wire::idp::types::*;

const DEFAULT_INVITE: &str = "Your username is {username} and temporary password is {####}.";
const DEFAULT_INVITE_SUBJECT: &str = "Your temporary password";

impl Idp {
    /// Finds a user by username, then by sign-in alias, then by `sub`, as Cognito accepts
    /// any of them wherever an operation takes a `Username`.
    pub(crate) async fn resolve_user(&self, pool: &Pool, username: &str) -> IdpResult<User> {
        let id = &pool.record.id;
        if let Some(r) = self.store.get_user_by_username(id, &username_key(&pool.doc, username)).await? {
            return User::from_record(r);
        }
        let kinds = pool.doc.username_attributes().iter().chain(pool.doc.alias_attributes());
        for kind in kinds {
            if let Some(r) = self.store.get_user_by_alias(id, kind, &alias_key(&pool.doc, kind, username)).await? {
                return User::from_record(r);
            }
        }
        if username.len() == 36
            && username.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            && let Some(r) = self.store.get_user(id, username).await?
        {
            return User::from_record(r);
        }
        Err(IdpError::UserNotFound)
    }

    /// The `sub` of the user an administrator names in a pool: the pool must exist, and the
    /// name resolves as any admin operation's `Username` does.
    pub async fn admin_user_sub(&self, pool_id: &str, username: &str) -> IdpResult<String> {
        let pool = self.load_pool(pool_id).await?;
        Ok(self.resolve_user(&pool, username).await?.record.sub)
    }

    /// Whether `typed` (what a client sent as USERNAME) names `user`. The user's own username
    /// needs no lookup: resolving it would find this user first.
    pub(crate) async fn names_user(&self, pool: &Pool, typed: &str, user: &User) -> IdpResult<bool> {
        if username_key(&pool.doc, typed) == user.record.username_key {
            return Ok(true);
        }
        match self.resolve_user(pool, typed).await {
            Ok(found) => Ok(found.record.sub == user.record.sub),
            Err(IdpError::UserNotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn pool_and_user(&self, pool_id: Option<&str>, username: Option<&str>) -> IdpResult<(Pool, User)> {
        let pool = self.load_pool(pool_id.unwrap_or_default()).await?;
        let user = self.resolve_user(&pool, username.unwrap_or_default()).await?;
        Ok((pool, user))
    }

    /// Writes a changed user; conflicts on sign-in aliases become AliasExists.
    pub(crate) async fn save_user(&self, pool: &Pool, user: &mut User) -> IdpResult<()> {
        let expected = user.record.version;
        user.record.updated_ms = self.now_ms();
        let write = user.to_write(&pool.doc, Some(expected))?;
        self.store.write_users(std::slice::from_ref(&write)).await.map_err(|e| conflict_error(e, false))?;
        user.record.version = write.user.version;
        Ok(())
    }

    pub async fn admin_create_user(&self, req: AdminCreateUserRequest) -> IdpResult<AdminCreateUserResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let given = req.username.clone().unwrap_or_default();
        if req.message_action.as_deref() == Some("RESEND") {
            return self.resend_invitation(&pool, &given, &req).await;
        }
        let mut user = self.new_user(&pool, &given)?;
        attributes::apply(&pool.doc, &mut user, req.user_attributes.as_deref().unwrap_or_default(), Mode::Create)?;
        set_username_attribute(&pool.doc, &mut user, &given)?;
        // Required attributes are not enforced here: the user supplies the missing ones when
        // answering NEW_PASSWORD_REQUIRED, as Cognito documents.
        for contact in ["email", "phone_number"] {
            if user.is_verified(contact) && user.attr(contact).is_none() {
                return Err(invalid(format!(
                    "You must provide a value for {contact} when you set {contact}_verified to true."
                )));
            }
        }
        // Its decision does not apply to administrators' users, as in Cognito: they are invited.
        self.pre_sign_up(&pool, &user, "PreSignUp_AdminCreateUser", req.validation_data.as_deref()).await?;
        let temporary = temporary_password(&pool.doc, req.temporary_password.as_deref())?;
        if req.message_action.as_deref() != Some("SUPPRESS") {
            for medium in req.desired_delivery_mediums.as_deref().unwrap_or_default() {
                check_medium_destination(&user, medium)?;
            }
        }
        self.set_temporary_password(&pool, &mut user, &temporary).await?;
        let write = user.to_write(&pool.doc, None)?;
        let username_pool = !pool.doc.username_attributes().is_empty();
        match self.store.write_users(std::slice::from_ref(&write)).await {
            Err(StoreError::Conflict(what))
                if what.starts_with("alias:") && req.force_alias_creation == Some(true) && !username_pool =>
            {
                self.move_alias(&pool, &mut user, what.trim_start_matches("alias:")).await?
            }
            other => other.map_err(|e| conflict_error(e, username_pool))?,
        }
        user.record.version = write.user.version;
        if req.message_action.as_deref() != Some("SUPPRESS") {
            self.send_invitation(&pool, &user, &temporary, req.desired_delivery_mediums.as_deref()).await?;
        }
        Ok(AdminCreateUserResponse { user: Some(user.to_user_type(None)) })
    }

    pub(crate) fn new_user(&self, pool: &Pool, given: &str) -> IdpResult<User> {
        let sub = cognate_crypto::random::uuid_v4();
        let username = if pool.doc.username_attributes().is_empty() {
            check_free_form_username(&pool.doc, given)?;
            given.to_owned()
        } else {
            sub.clone()
        };
        Ok(self.unsaved_user(pool, sub, username, "FORCE_CHANGE_PASSWORD"))
    }

    /// A user not stored yet: its `sub`, username and status, enabled, no other attributes.
    pub(crate) fn unsaved_user(&self, pool: &Pool, sub: String, username: String, status: &str) -> User {
        let now = self.now_ms();
        User {
            record: UserRecord {
                pool_id: pool.record.id.clone(),
                sub: sub.clone(),
                username_key: username_key(&pool.doc, &username),
                username,
                status: status.into(),
                enabled: true,
                created_ms: now,
                updated_ms: now,
                attributes: String::new(),
                data: String::new(),
                version: 0,
            },
            attributes: std::collections::BTreeMap::from([("sub".to_owned(), sub)]),
            data: UserData::default(),
        }
    }

    /// ForceAliasCreation: the alias moves to `user` and is no longer verified on the user who
    /// had it; both writes commit together. `user` may be new (version 0) or stored.
    pub(crate) async fn move_alias(&self, pool: &Pool, user: &mut User, kind: &str) -> IdpResult<()> {
        let key = alias_key(&pool.doc, kind, user.attr(kind).unwrap_or_default());
        let previous =
            self.store.get_user_by_alias(&pool.record.id, kind, &key).await?.ok_or(IdpError::ConcurrentModification)?;
        let mut previous = User::from_record(previous)?;
        previous.attributes.insert(format!("{kind}_verified"), "false".into());
        previous.record.updated_ms = self.now_ms();
        let expected = (user.record.version > 0).then_some(user.record.version);
        let writes =
            [previous.to_write(&pool.doc, Some(previous.record.version))?, user.to_write(&pool.doc, expected)?];
        self.store.write_users(&writes).await.map_err(|e| conflict_error(e, false))?;
        user.record.version = writes[1].user.version;
        Ok(())
    }

    async fn resend_invitation(
        &self,
        pool: &Pool,
        given: &str,
        req: &AdminCreateUserRequest,
    ) -> IdpResult<AdminCreateUserResponse> {
        let mut user = self.resolve_user(pool, given).await?;
        if user.record.status != "FORCE_CHANGE_PASSWORD" {
            return Err(IdpError::UnsupportedUserState(format!(
                "Resend not possible. {} status is not FORCE_CHANGE_PASSWORD",
                user.record.username
            )));
        }
        let temporary = temporary_password(&pool.doc, req.temporary_password.as_deref())?;
        self.set_temporary_password(pool, &mut user, &temporary).await?;
        self.save_user(pool, &mut user).await?;
        self.send_invitation(pool, &user, &temporary, req.desired_delivery_mediums.as_deref()).await?;
        Ok(AdminCreateUserResponse { user: Some(user.to_user_type(None)) })
    }

    /// Sends the invitation over every desired medium the user has a destination for
    /// (SMS when none is named, as Cognito does).
    pub(crate) async fn send_invitation(
        &self,
        pool: &Pool,
        user: &User,
        temporary: &str,
        mediums: Option<&[String]>,
    ) -> IdpResult<()> {
        let template = pool
            .doc
            .pool
            .admin_create_user_config
            .as_ref()
            .and_then(|c| c.invite_message_template.clone())
            .unwrap_or_default();
        let render = |t: Option<&str>| {
            t.unwrap_or(DEFAULT_INVITE).replace("{username}", &user.record.username).replace("{####}", temporary)
        };
        let sms = ["SMS".to_owned()];
        for medium in mediums.unwrap_or(&sms) {
            let (medium, destination, body, subject) = match medium.as_str() {
                "EMAIL" => (
                    Medium::Email,
                    user.attr("email"),
                    render(template.email_message.as_deref()),
                    Some(template.email_subject.clone().unwrap_or_else(|| DEFAULT_INVITE_SUBJECT.into())),
                ),
                _ => (Medium::Sms, user.attr("phone_number"), render(template.sms_message.as_deref()), None),
            };
            let Some(destination) = destination else { continue };
            let message = Message {
                pool_id: pool.record.id.clone(),
                username: user.record.username.clone(),
                medium,
                destination: destination.to_owned(),
                subject,
                body,
                from: pool.doc.pool.email_configuration.as_ref().and_then(|c| c.from.clone()),
                reply_to: pool.doc.pool.email_configuration.as_ref().and_then(|c| c.reply_to_email_address.clone()),
                purpose: "invitation",
            };
            self.deliver(pool, user, message, temporary).await?.map_err(IdpError::CodeDeliveryFailure)?;
        }
        Ok(())
    }

    /// Sets a temporary password: the user must choose a new one at sign-in, within the
    /// pool's TemporaryPasswordValidityDays.
    async fn set_temporary_password(&self, pool: &Pool, user: &mut User, password: &str) -> IdpResult<()> {
        self.set_password(user, password).await?;
        let days = pool.doc.password_policy().temporary_password_validity_days.filter(|d| *d > 0).unwrap_or(7);
        user.data.temporary_expires_ms = Some(self.now_ms() + days * 86_400_000);
        Ok(())
    }

    pub(crate) async fn set_password(&self, user: &mut User, password: &str) -> IdpResult<()> {
        let hash = self.hasher.hash(password).await.map_err(crate::error::internal)?;
        if let Some(old) = user.data.password_hash.replace(hash) {
            user.data.password_history.insert(0, old);
            user.data.password_history.truncate(24);
        }
        user.data.password_set_ms = Some(self.now_ms());
        user.data.srp = Some(self.srp_verifier(user, password));
        Ok(())
    }

    pub async fn admin_get_user(&self, req: AdminGetUserRequest) -> IdpResult<AdminGetUserResponse> {
        let (_, user) = self.pool_and_user(req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        Ok(AdminGetUserResponse {
            username: Some(user.record.username.clone()),
            user_attributes: Some(user.attribute_list(None)),
            user_create_date: Some(user.record.created_ms as f64 / 1000.0),
            user_last_modified_date: Some(user.record.updated_ms as f64 / 1000.0),
            enabled: Some(user.record.enabled),
            user_status: Some(user.record.status.clone()),
            mfa_options: user.data.mfa_options.clone(),
            preferred_mfa_setting: self.mfa_settings(&user).1,
            user_mfa_setting_list: self.mfa_settings(&user).0,
        })
    }

    pub async fn admin_delete_user(&self, req: AdminDeleteUserRequest) -> IdpResult<AdminDeleteUserResponse> {
        let (pool, user) = self.pool_and_user(req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        self.store.revoke_user_families(&pool.record.id, &user.record.sub).await?;
        self.store.delete_user(&pool.record.id, &user.record.sub).await?;
        Ok(AdminDeleteUserResponse {})
    }

    async fn set_enabled(&self, pool_id: Option<&str>, username: Option<&str>, enabled: bool) -> IdpResult<()> {
        let (pool, mut user) = self.pool_and_user(pool_id, username).await?;
        self.save_enabled(&pool, &mut user, enabled).await
    }

    /// Enables or disables a user; disabling revokes every token the user holds, as Cognito
    /// documents.
    pub(crate) async fn save_enabled(&self, pool: &Pool, user: &mut User, enabled: bool) -> IdpResult<()> {
        user.record.enabled = enabled;
        self.save_user(pool, user).await?;
        if !enabled {
            self.store.revoke_user_families(&pool.record.id, &user.record.sub).await?;
        }
        Ok(())
    }

    pub async fn admin_enable_user(&self, req: AdminEnableUserRequest) -> IdpResult<AdminEnableUserResponse> {
        self.set_enabled(req.user_pool_id.as_deref(), req.username.as_deref(), true).await?;
        Ok(AdminEnableUserResponse {})
    }

    pub async fn admin_disable_user(&self, req: AdminDisableUserRequest) -> IdpResult<AdminDisableUserResponse> {
        self.set_enabled(req.user_pool_id.as_deref(), req.username.as_deref(), false).await?;
        Ok(AdminDisableUserResponse {})
    }

    pub async fn admin_update_user_attributes(
        &self,
        req: AdminUpdateUserAttributesRequest,
    ) -> IdpResult<AdminUpdateUserAttributesResponse> {
        let (pool, mut user) = self.pool_and_user(req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        let sends = self.stage_attribute_updates(&pool, &mut user, req.user_attributes.unwrap_or_default(), true)?;
        self.save_user(&pool, &mut user).await?;
        self.send_update_codes(&pool, &user, sends).await?;
        Ok(AdminUpdateUserAttributesResponse {})
    }

    pub async fn admin_delete_user_attributes(
        &self,
        req: AdminDeleteUserAttributesRequest,
    ) -> IdpResult<AdminDeleteUserAttributesResponse> {
        let (pool, mut user) = self.pool_and_user(req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        attributes::delete(&pool.doc, &mut user, req.user_attribute_names.as_deref().unwrap_or_default())?;
        self.save_user(&pool, &mut user).await?;
        Ok(AdminDeleteUserAttributesResponse {})
    }

    pub async fn admin_set_user_password(
        &self,
        req: AdminSetUserPasswordRequest,
    ) -> IdpResult<AdminSetUserPasswordResponse> {
        let (pool, mut user) = self.pool_and_user(req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        let password = req.password.unwrap_or_default();
        password_policy::check(&pool.doc.password_policy(), &password)?;
        if req.permanent == Some(true) {
            self.set_password(&mut user, &password).await?;
            user.data.temporary_expires_ms = None;
            user.record.status = "CONFIRMED".into();
        } else {
            self.set_temporary_password(&pool, &mut user, &password).await?;
            user.record.status = "FORCE_CHANGE_PASSWORD".into();
        }
        self.save_user(&pool, &mut user).await?;
        Ok(AdminSetUserPasswordResponse {})
    }

    /// Marks the user RESET_REQUIRED and sends a password-reset code: the next sign-in is
    /// refused until the user completes ConfirmForgotPassword with it (or a newer code).
    pub async fn admin_reset_user_password(
        &self,
        req: AdminResetUserPasswordRequest,
    ) -> IdpResult<AdminResetUserPasswordResponse> {
        let (pool, mut user) = self.pool_and_user(req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        let to = crate::signup::recovery_destination(&pool, &user)?;
        let code = crate::codes::issue(&mut user, crate::codes::Purpose::ForgotPassword, self.now_ms());
        user.record.status = "RESET_REQUIRED".into();
        self.save_user(&pool, &mut user).await?;
        self.send_code(&pool, &user, &to, &code, "admin-reset-password").await?;
        Ok(AdminResetUserPasswordResponse {})
    }

    pub async fn admin_confirm_sign_up(&self, req: AdminConfirmSignUpRequest) -> IdpResult<AdminConfirmSignUpResponse> {
        let (pool, mut user) = self.pool_and_user(req.user_pool_id.as_deref(), req.username.as_deref()).await?;
        if user.record.status != "UNCONFIRMED" {
            return Err(IdpError::NotAuthorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.record.status
            )));
        }
        user.record.status = "CONFIRMED".into();
        self.save_user(&pool, &mut user).await?;
        self.post_confirmation(&pool, &user, "PostConfirmation_ConfirmSignUp").await?;
        Ok(AdminConfirmSignUpResponse {})
    }

    pub async fn list_users(&self, req: ListUsersRequest) -> IdpResult<ListUsersResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let mut filter = user_filter::parse(req.filter.as_deref().unwrap_or_default())?;
        let full_value = filter.as_ref().map(|f| f.value.clone());
        if let Some(f) = filter.as_mut() {
            f.value = truncate(&f.value).to_owned();
        }
        let size = page::size(req.limit, 60);
        let after = page::decode(req.pagination_token.as_deref())?.map(|t| decode_cursor(&t)).transpose()?;
        let query = UserQuery { filter: filter.clone(), after, limit: size + 1 };
        let rows = self.store.list_users(&pool.record.id, &query).await?;
        let (rows, more) = page::split(rows, size);
        let token = more.then(|| rows.last().map(|(_, c)| page::encode(&encode_cursor(c)))).flatten();
        let only = req.attributes_to_get.as_deref().filter(|a| !a.is_empty());
        let mut users = Vec::with_capacity(rows.len());
        for (record, _) in rows {
            let user = User::from_record(record)?;
            if matches_full(&user, filter.as_ref(), full_value.as_deref()) {
                users.push(user.to_user_type(only));
            }
        }
        Ok(ListUsersResponse { users: Some(users), pagination_token: token })
    }
}

/// A delivery medium the caller asked for must have somewhere to go.
fn check_medium_destination(user: &User, medium: &str) -> IdpResult<()> {
    match medium {
        "EMAIL" if user.attr("email").is_none() => {
            Err(invalid("No email provided but desired delivery medium was Email"))
        }
        "SMS" if user.attr("phone_number").is_none() => {
            Err(invalid("No phone_number provided but desired delivery medium was Sms"))
        }
        _ => Ok(()),
    }
}

/// The given temporary password if it meets the policy, else a generated one.
fn temporary_password(pool: &PoolDoc, given: Option<&str>) -> IdpResult<String> {
    let policy = pool.password_policy();
    match given {
        Some(p) => password_policy::check(&policy, p).map(|()| p.to_owned()),
        None => Ok(password_policy::generate(&policy)),
    }
}

/// Re-checks a match whose value was longer than the index keeps.
fn matches_full(user: &User, filter: Option<&cognate_store::IndexFilter>, full: Option<&str>) -> bool {
    let (Some(f), Some(full)) = (filter, full) else { return true };
    if full.len() == f.value.len() {
        return true;
    }
    let actual = user.attr(&f.name).unwrap_or_default();
    if f.prefix { actual.starts_with(full) } else { actual == full }
}

const SEP: char = '\u{1f}';

fn encode_cursor(c: &UserCursor) -> String {
    match c {
        UserCursor::Username(k) => format!("u{SEP}{k}"),
        UserCursor::Indexed { value, sub } => format!("i{SEP}{value}{SEP}{sub}"),
    }
}

fn decode_cursor(t: &str) -> IdpResult<UserCursor> {
    let bad = || invalid("Invalid pagination token.");
    match t.split_once(SEP).ok_or_else(bad)? {
        ("u", k) => Ok(UserCursor::Username(k.to_owned())),
        ("i", rest) => {
            let (value, sub) = rest.rsplit_once(SEP).ok_or_else(bad)?;
            Ok(UserCursor::Indexed { value: value.to_owned(), sub: sub.to_owned() })
        }
        _ => Err(bad()),
    }
}

pub(crate) fn conflict_error(e: StoreError, username_pool: bool) -> IdpError {
    match e {
        StoreError::Conflict(what) if what == "username" => {
            IdpError::UsernameExists("User account already exists".into())
        }
        StoreError::Conflict(what) if what.starts_with("alias:") => {
            let msg = format!("An account with the given {} already exists.", what.trim_start_matches("alias:"));
            if username_pool { IdpError::UsernameExists(msg) } else { IdpError::AliasExists(msg) }
        }
        other => other.into(),
    }
}

/// In an alias pool, a username may not look like an enabled alias, or sign-in would be
/// ambiguous.
fn check_free_form_username(pool: &PoolDoc, username: &str) -> IdpResult<()> {
    let aliases = pool.alias_attributes();
    if aliases.iter().any(|a| a == "email") && attributes::is_email(username) {
        return Err(invalid("Username cannot be of email format, since user pool is configured for email alias."));
    }
    if aliases.iter().any(|a| a == "phone_number") && attributes::is_phone(username) {
        return Err(invalid(
            "Username cannot be of phone number format, since user pool is configured for phone number alias.",
        ));
    }
    Ok(())
}

/// With UsernameAttributes, the given username is the user's email or phone number.
pub(crate) fn set_username_attribute(pool: &PoolDoc, user: &mut User, given: &str) -> IdpResult<()> {
    let kinds = pool.username_attributes();
    if kinds.is_empty() {
        return Ok(());
    }
    let kind = if kinds.iter().any(|k| k == "email") && attributes::is_email(given) {
        "email"
    } else if kinds.iter().any(|k| k == "phone_number") && attributes::is_phone(given) {
        "phone_number"
    } else {
        return Err(invalid(match kinds {
            [k] if k == "email" => "Username should be an email.",
            [k] if k == "phone_number" => "Username should be a phone number.",
            _ => "Username should be either an email or a phone number.",
        }));
    };
    user.attributes.insert(kind.to_owned(), given.to_owned());
    Ok(())
}

/// A user for [`Idp::insert_users`]: a username and attributes, nothing else.
#[derive(Debug, Clone)]
pub struct BulkUser {
    pub username: String,
    pub attributes: std::collections::BTreeMap<String, String>,
}

impl Idp {
    /// Inserts confirmed users without passwords, messages or attribute checks, in one
    /// transaction. For bulk loads (benchmarks, imports) whose input is already trusted.
    pub async fn insert_users(&self, pool_id: &str, users: Vec<BulkUser>) -> IdpResult<()> {
        let pool = self.load_pool(pool_id).await?;
        let mut writes = Vec::with_capacity(users.len());
        for bulk in users {
            let mut user = self.new_user(&pool, &bulk.username)?;
            user.record.status = "CONFIRMED".into();
            user.attributes.extend(bulk.attributes);
            writes.push(user.to_write(&pool.doc, None)?);
        }
        self.store.write_users(&writes).await.map_err(|e| conflict_error(e, false))
    }
}
