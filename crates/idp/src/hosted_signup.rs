//! The hosted UI's hooks for its sign-up, confirmation and recovery pages: what the sign-up
//! form asks for, and the SECRET_HASH the hosted UI sends when it calls the public
//! operations (SignUp, ConfirmSignUp, ForgotPassword, ...) as the app client itself.

use crate::triggers::{Caller, with_caller};
use crate::{Idp, IdpResult};
use cognate_wire::idp::types::PasswordPolicyType;

/// One attribute the sign-up form asks for.
#[derive(Debug, Clone)]
pub struct HostedField {
    /// The attribute's name (`given_name`, `custom:team`).
    pub name: String,
    pub required: bool,
    /// String, Number, DateTime or Boolean.
    pub data_type: String,
}

/// What the sign-up form asks for.
#[derive(Debug, Clone)]
pub struct HostedSignUpForm {
    /// The pool's UsernameAttributes: when set, the user signs up with one of these.
    pub username_attributes: Vec<String>,
    pub fields: Vec<HostedField>,
    pub policy: PasswordPolicyType,
    /// False when only administrators create users (AllowAdminCreateUserOnly).
    pub self_sign_up: bool,
}

impl Idp {
    /// The sign-up form of `client_id`'s pool: required attributes, the auto-verified contact
    /// attributes (the code has to go somewhere) and the custom attributes the client may
    /// write; never developer-only ones.
    pub async fn hosted_sign_up_form(&self, client_id: &str) -> IdpResult<HostedSignUpForm> {
        let (pool, client) = self.app_client(client_id).await?;
        let doc = &pool.doc;
        let usernames = doc.username_attributes().to_vec();
        let auto = doc.pool.auto_verified_attributes.clone().unwrap_or_default();
        let fields = doc
            .schema()
            .iter()
            .filter_map(|a| {
                let name = a.name.clone()?;
                let required = a.required == Some(true);
                let wanted = required || name.starts_with("custom:") || auto.contains(&name);
                let shown = wanted
                    && name != "sub"
                    && !usernames.contains(&name)
                    && a.developer_only_attribute != Some(true)
                    && client.can_write(&name);
                let data_type = a.attribute_data_type.clone().unwrap_or_else(|| "String".into());
                shown.then_some(HostedField { name, required, data_type })
            })
            .collect();
        let admin_only = doc.pool.admin_create_user_config.as_ref().and_then(|c| c.allow_admin_create_user_only);
        Ok(HostedSignUpForm {
            username_attributes: usernames,
            fields,
            policy: doc.password_policy(),
            self_sign_up: admin_only != Some(true),
        })
    }

    /// The SECRET_HASH an SDK holding the client's (first) secret would send for `name`;
    /// `None` for a public client.
    pub async fn hosted_secret_hash(&self, client_id: &str, name: &str) -> IdpResult<Option<String>> {
        let (_, client) = self.app_client(client_id).await?;
        let secrets = self.client_secrets(&client.record, &client.doc)?;
        Ok(secrets.first().map(|secret| {
            cognate_crypto::hmac_sha256_base64(secret.as_bytes(), format!("{name}{client_id}").as_bytes())
        }))
    }
}

/// Runs `f` (a public operation) as a call from `client_id`, as the API layer does for its
/// requests: trigger events name the client, and confirmation links carry it.
pub async fn as_client<F: Future>(client_id: &str, f: F) -> F::Output {
    let caller = Caller {
        sdk_version: "aws-sdk-unknown-unknown".into(),
        client_id: Some(client_id.to_owned()),
        client_metadata: Default::default(),
        iam_authenticated: false,
    };
    with_caller(caller, f).await
}
