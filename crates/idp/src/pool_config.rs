//! A pool's stored settings (`PoolDoc`) and the defaults Cognito fills in when a setting is
//! omitted. CreateUserPool and UpdateUserPool both go through [`Settings`], because Cognito
//! resets an omitted setting to its default on update too.

use crate::{IdpResult, error::invalid};
use cognate_wire::idp::types::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything stored for a pool. `pool` is the DescribeUserPool shape minus the computed
/// members (Id, Name, Arn, dates, user count), which come from the store's columns.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct PoolDoc {
    pub pool: UserPoolType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<MfaDoc>,
    /// Signing keys, private halves sealed (see `signing_keys`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<crate::signing_keys::PoolKey>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct MfaDoc {
    pub sms: Option<SmsMfaConfigType>,
    pub software_token: Option<SoftwareTokenMfaConfigType>,
    pub email: Option<EmailMfaConfigType>,
    pub web_authn: Option<WebAuthnConfigurationType>,
}

impl PoolDoc {
    pub fn case_sensitive(&self) -> bool {
        self.pool.username_configuration.as_ref().and_then(|c| c.case_sensitive).unwrap_or(true)
    }

    pub fn schema(&self) -> &[SchemaAttributeType] {
        self.pool.schema_attributes.as_deref().unwrap_or_default()
    }

    pub fn username_attributes(&self) -> &[String] {
        self.pool.username_attributes.as_deref().unwrap_or_default()
    }

    pub fn alias_attributes(&self) -> &[String] {
        self.pool.alias_attributes.as_deref().unwrap_or_default()
    }

    pub fn password_policy(&self) -> PasswordPolicyType {
        self.pool.policies.as_ref().and_then(|p| p.password_policy.clone()).unwrap_or_else(default_password_policy)
    }

    pub fn tags(&mut self) -> &mut BTreeMap<String, String> {
        self.pool.user_pool_tags.get_or_insert_with(BTreeMap::new)
    }
}

pub(crate) fn default_password_policy() -> PasswordPolicyType {
    PasswordPolicyType {
        minimum_length: Some(8),
        require_uppercase: Some(true),
        require_lowercase: Some(true),
        require_numbers: Some(true),
        require_symbols: Some(true),
        password_history_size: None,
        temporary_password_validity_days: Some(7),
    }
}

/// The settings CreateUserPool and UpdateUserPool have in common.
#[derive(Default)]
pub(crate) struct Settings {
    pub policies: Option<UserPoolPolicyType>,
    pub deletion_protection: Option<String>,
    pub lambda_config: Option<LambdaConfigType>,
    pub auto_verified_attributes: Option<Vec<String>>,
    pub sms_verification_message: Option<String>,
    pub email_verification_message: Option<String>,
    pub email_verification_subject: Option<String>,
    pub verification_message_template: Option<VerificationMessageTemplateType>,
    pub sms_authentication_message: Option<String>,
    pub user_attribute_update_settings: Option<UserAttributeUpdateSettingsType>,
    pub mfa_configuration: Option<String>,
    pub device_configuration: Option<DeviceConfigurationType>,
    pub email_configuration: Option<EmailConfigurationType>,
    pub sms_configuration: Option<SmsConfigurationType>,
    pub user_pool_tags: Option<BTreeMap<String, String>>,
    pub admin_create_user_config: Option<AdminCreateUserConfigType>,
    pub user_pool_add_ons: Option<UserPoolAddOnsType>,
    pub account_recovery_setting: Option<AccountRecoverySettingType>,
    pub user_pool_tier: Option<String>,
}

impl Settings {
    /// Writes these settings, with Cognito's defaults for the omitted ones, into `pool`.
    pub fn apply(self, pool: &mut UserPoolType) -> IdpResult<()> {
        let mut policies = self.policies.unwrap_or_default();
        let mut password = policies.password_policy.take().unwrap_or_else(default_password_policy);
        if password.temporary_password_validity_days.unwrap_or(0) == 0 {
            password.temporary_password_validity_days = Some(7);
        }
        policies.password_policy = Some(password);
        if policies.sign_in_policy.is_none() {
            policies.sign_in_policy =
                Some(SignInPolicyType { allowed_first_auth_factors: Some(vec!["PASSWORD".into()]) });
        }
        pool.policies = Some(policies);
        pool.deletion_protection = Some(self.deletion_protection.unwrap_or_else(|| "INACTIVE".into()));
        pool.lambda_config = Some(lambda_config(self.lambda_config.unwrap_or_default()));
        pool.auto_verified_attributes = self.auto_verified_attributes;
        pool.mfa_configuration = Some(self.mfa_configuration.unwrap_or_else(|| "OFF".into()));
        let template = verification_template(
            self.verification_message_template,
            &self.email_verification_message,
            &self.email_verification_subject,
            &self.sms_verification_message,
        );
        // The legacy members describe the same messages as the template, whichever was set.
        pool.email_verification_message = template.email_message.clone();
        pool.email_verification_subject = template.email_subject.clone();
        pool.sms_verification_message = template.sms_message.clone();
        pool.verification_message_template = Some(template);
        pool.sms_authentication_message = self.sms_authentication_message;
        pool.user_attribute_update_settings = self.user_attribute_update_settings;
        pool.device_configuration = self.device_configuration;
        pool.email_configuration = Some(self.email_configuration.unwrap_or_else(|| EmailConfigurationType {
            email_sending_account: Some("COGNITO_DEFAULT".into()),
            ..Default::default()
        }));
        pool.sms_configuration = self.sms_configuration;
        pool.user_pool_tags = self.user_pool_tags;
        pool.admin_create_user_config = Some(admin_create_user_config(self.admin_create_user_config));
        pool.user_pool_add_ons = self.user_pool_add_ons;
        pool.account_recovery_setting = self.account_recovery_setting;
        pool.user_pool_tier = Some(self.user_pool_tier.unwrap_or_else(|| "ESSENTIALS".into()));
        check(pool)
    }
}

fn verification_template(
    given: Option<VerificationMessageTemplateType>,
    email_message: &Option<String>,
    email_subject: &Option<String>,
    sms_message: &Option<String>,
) -> VerificationMessageTemplateType {
    let mut t = given.unwrap_or_default();
    t.email_message = t.email_message.or_else(|| email_message.clone());
    t.email_subject = t.email_subject.or_else(|| email_subject.clone());
    t.sms_message = t.sms_message.or_else(|| sms_message.clone());
    t.default_email_option = t.default_email_option.or_else(|| Some("CONFIRM_WITH_CODE".into()));
    t
}

fn admin_create_user_config(given: Option<AdminCreateUserConfigType>) -> AdminCreateUserConfigType {
    let mut c = given.unwrap_or_default();
    c.allow_admin_create_user_only = c.allow_admin_create_user_only.or(Some(false));
    c.unused_account_validity_days = c.unused_account_validity_days.or(Some(7));
    c
}

/// Cross-field rules botocore's model cannot express.
fn check(pool: &UserPoolType) -> IdpResult<()> {
    let placeholder = |text: &Option<String>, what: &str| match text {
        Some(t) if !t.contains("{####}") => Err(invalid(format!("{what} must contain the {{####}} placeholder."))),
        _ => Ok(()),
    };
    placeholder(&pool.sms_verification_message, "SmsVerificationMessage")?;
    placeholder(&pool.email_verification_message, "EmailVerificationMessage")?;
    placeholder(&pool.sms_authentication_message, "SmsAuthenticationMessage")?;
    if let Some(attrs) = &pool.auto_verified_attributes
        && attrs.iter().any(|a| a != "email" && a != "phone_number")
    {
        return Err(invalid("AutoVerifiedAttributes may only contain email and phone_number."));
    }
    Ok(())
}

/// Checks the settings only CreateUserPool can set (they are immutable afterwards).
pub(crate) fn check_identity_settings(req: &CreateUserPoolRequest) -> IdpResult<()> {
    let usernames = req.username_attributes.as_deref().unwrap_or_default();
    let aliases = req.alias_attributes.as_deref().unwrap_or_default();
    if !usernames.is_empty() && !aliases.is_empty() {
        return Err(invalid("Only one of the username attributes or alias attributes can be specified."));
    }
    Ok(())
}

/// The two ways of naming the pre token generation trigger describe one function, as in
/// Cognito: the legacy `PreTokenGeneration` is version 1 of `PreTokenGenerationConfig`.
fn lambda_config(mut c: LambdaConfigType) -> LambdaConfigType {
    match (&c.pre_token_generation_config, &c.pre_token_generation) {
        (Some(config), _) => c.pre_token_generation = config.lambda_arn.clone(),
        (None, Some(arn)) => {
            c.pre_token_generation_config = Some(PreTokenGenerationVersionConfigType {
                lambda_version: Some("V1_0".into()),
                lambda_arn: Some(arn.clone()),
            })
        }
        (None, None) => {}
    }
    c
}
