//! The triggers around a user's life: PreSignUp and PostConfirmation (registration),
//! PreAuthentication and PostAuthentication (each sign-in).

use super::{Event, Trigger, client_metadata, flag, string_map, user_attributes};
use crate::client_auth::AppClient;
use crate::pools::Pool;
use crate::user_record::User;
use crate::{Idp, IdpResult};
use cognate_wire::idp::types::AttributeType;
use serde_json::{Value, json};

/// What a PreSignUp function decided.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PreSignUp {
    pub confirm: bool,
    pub verify_email: bool,
    pub verify_phone: bool,
}

impl PreSignUp {
    /// Applies the decision to a user about to be created: confirmed, and the named
    /// contacts verified where the user has them.
    pub fn apply(self, user: &mut User) {
        if self.confirm {
            user.record.status = "CONFIRMED".into();
        }
        for (wanted, contact) in [(self.verify_email, "email"), (self.verify_phone, "phone_number")] {
            if wanted && user.attr(contact).is_some() {
                user.attributes.insert(format!("{contact}_verified"), "true".into());
            }
        }
    }
}

impl Idp {
    /// PreSignUp for a user not yet stored (`source` `PreSignUp_SignUp` or
    /// `PreSignUp_AdminCreateUser`); a function that raises stops the sign-up.
    pub(crate) async fn pre_sign_up(
        &self,
        pool: &Pool,
        user: &User,
        source: &str,
        validation: Option<&[AttributeType]>,
    ) -> IdpResult<PreSignUp> {
        let mut attributes = user_attributes(user, false);
        if let Value::Object(map) = &mut attributes {
            // The user does not exist yet: no sub to speak of.
            map.remove("sub");
        }
        let validation = validation.unwrap_or_default();
        let event = Event {
            trigger: Trigger::PreSignUp,
            source,
            user_name: &user.record.username,
            client_id: None,
            request: json!({
                "userAttributes": attributes,
                "validationData": string_map(validation.iter().filter_map(|a| a.name.as_ref().zip(a.value.as_ref()))),
                "clientMetadata": client_metadata(),
            }),
            response: json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false }),
        };
        let Some(response) = self.run_trigger(pool, event).await? else { return Ok(PreSignUp::default()) };
        Ok(PreSignUp {
            confirm: flag(&response, "autoConfirmUser")?,
            verify_email: flag(&response, "autoVerifyEmail")?,
            verify_phone: flag(&response, "autoVerifyPhone")?,
        })
    }

    /// PostConfirmation after the user's confirmation is stored (`PostConfirmation_ConfirmSignUp`
    /// or `PostConfirmation_ConfirmForgotPassword`). As with Cognito, the confirmation stands
    /// even when the function raises; the caller sees the error.
    pub(crate) async fn post_confirmation(&self, pool: &Pool, user: &User, source: &str) -> IdpResult<()> {
        let event = Event {
            trigger: Trigger::PostConfirmation,
            source,
            user_name: &user.record.username,
            client_id: None,
            request: json!({ "userAttributes": user_attributes(user, true), "clientMetadata": client_metadata() }),
            response: json!({}),
        };
        self.run_trigger(pool, event).await.map(drop)
    }

    /// PreAuthentication before the first factor is checked; a function that raises denies
    /// the sign-in. `validationData` carries the sign-in's ClientMetadata, as in Cognito.
    pub(crate) async fn pre_authentication(&self, pool: &Pool, client: &AppClient, user: &User) -> IdpResult<()> {
        let event = Event {
            trigger: Trigger::PreAuthentication,
            source: "PreAuthentication_Authentication",
            user_name: &user.record.username,
            client_id: Some(client.id()),
            request: json!({
                "userAttributes": user_attributes(user, true),
                "validationData": client_metadata(),
                "userNotFound": false,
            }),
            response: json!({}),
        };
        self.run_trigger(pool, event).await.map(drop)
    }

    /// PostAuthentication after every factor passed, before tokens are issued.
    pub(crate) async fn post_authentication(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: &User,
        new_device: bool,
    ) -> IdpResult<()> {
        let event = Event {
            trigger: Trigger::PostAuthentication,
            source: "PostAuthentication_Authentication",
            user_name: &user.record.username,
            client_id: Some(client.id()),
            request: json!({
                "userAttributes": user_attributes(user, true),
                "newDeviceUsed": new_device,
                "clientMetadata": client_metadata(),
            }),
            response: json!({}),
        };
        self.run_trigger(pool, event).await.map(drop)
    }
}
