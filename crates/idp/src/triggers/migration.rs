//! UserMigration: a user the pool does not know is looked up by the pool's function (with
//! the typed password at sign-in, without it at ForgotPassword) and created from its answer,
//! so a user base moves over one sign-in at a time. A migrated password is taken as the
//! function vouched for it: the password policy does not apply, as in Cognito. A migrated
//! user is welcomed as an invited one unless the function answers `messageAction: SUPPRESS`.

use super::{Event, Trigger, client_metadata, text, text_list, text_map, unrecognizable};
use crate::attributes::{self, Mode};
use crate::client_auth::AppClient;
use crate::pools::Pool;
use crate::user_record::User;
use crate::users::{conflict_error, set_username_attribute};
use crate::{Idp, IdpError, IdpResult};
use cognate_store::StoreError;
use cognate_wire::idp::types::AttributeType;
use serde_json::{Map, Value, json};

impl Idp {
    /// UserMigration_Authentication: the user signs in with `password` once migrated.
    pub(crate) async fn migrate_on_sign_in(
        &self,
        pool: &Pool,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> IdpResult<User> {
        let found = self.ask_migration(pool, client, username, Some(password), "UserMigration_Authentication").await;
        let response = match found {
            // A pool that hides existence answers a refused migration like a wrong password.
            Err(IdpError::LambdaValidation(_) | IdpError::UserNotFound) if client.hides_users() => {
                return Err(crate::error::incorrect_credentials());
            }
            other => other?,
        };
        let welcome = welcome_mediums(&response)?;
        let mut user = self.migrated_user(pool, username, &response)?;
        self.set_password(&mut user, password).await?;
        self.store_migrated(pool, &mut user, &response).await?;
        self.welcome(pool, &user, welcome).await?;
        Ok(user)
    }

    /// UserMigration_ForgotPassword: the user is created without a password, to reset it.
    pub(crate) async fn migrate_on_forgot_password(
        &self,
        pool: &Pool,
        client: &AppClient,
        username: &str,
    ) -> IdpResult<User> {
        let response = self.ask_migration(pool, client, username, None, "UserMigration_ForgotPassword").await?;
        let welcome = welcome_mediums(&response)?;
        let mut user = self.migrated_user(pool, username, &response)?;
        user.record.status = "RESET_REQUIRED".into();
        self.store_migrated(pool, &mut user, &response).await?;
        self.welcome(pool, &user, welcome).await?;
        Ok(user)
    }

    /// Cognito's welcome message for a migrated user is AdminCreateUser's invitation: the
    /// pool's invite template, through CustomMessage_AdminCreateUser or the custom senders,
    /// by the desired media (SMS when none are named).
    ///
    /// The template's `{####}` stands for a temporary password, and a migrated user has none:
    /// at sign-in the function vouched for the password the user typed, and at ForgotPassword
    /// the user is about to choose one. The placeholder is therefore rendered empty. Sending
    /// the typed password instead would put a live secret into an e-mail or SMS, and minting
    /// a temporary one would give the account a second credential nobody asked for.
    async fn welcome(&self, pool: &Pool, user: &User, mediums: Option<Vec<String>>) -> IdpResult<()> {
        match mediums {
            Some(mediums) => self.send_invitation(pool, user, "", Some(&mediums)).await,
            None => Ok(()),
        }
    }

    async fn ask_migration(
        &self,
        pool: &Pool,
        client: &AppClient,
        username: &str,
        password: Option<&str>,
        source: &str,
    ) -> IdpResult<Map<String, Value>> {
        let mut request = json!({ "validationData": client_metadata(), "clientMetadata": client_metadata() });
        if let Some(password) = password {
            request["password"] = json!(password);
        }
        let event = Event {
            trigger: Trigger::UserMigration,
            source,
            user_name: username,
            client_id: Some(client.id()),
            request,
            response: json!({
                "userAttributes": null,
                "finalUserStatus": null,
                "messageAction": null,
                "desiredDeliveryMediums": null,
                "forceAliasCreation": null,
                "enableSMSMFA": null,
            }),
        };
        let response = self.run_trigger(pool, event).await?.ok_or(IdpError::UserNotFound)?;
        // A function that found nobody answers without attributes.
        match response.get("userAttributes") {
            Some(Value::Object(map)) if !map.is_empty() => Ok(response),
            None | Some(Value::Null) | Some(Value::Object(_)) => Err(IdpError::UserNotFound),
            Some(_) => Err(unrecognizable()),
        }
    }

    fn migrated_user(&self, pool: &Pool, username: &str, response: &Map<String, Value>) -> IdpResult<User> {
        let mut user = self.new_user(pool, username)?;
        let updates: Vec<AttributeType> = text_map(response, "userAttributes")?
            .into_iter()
            // The pool assigns identities; a function cannot choose them.
            .filter(|(name, _)| name != "sub" && name != "username" && name != "identities")
            .map(|(name, value)| AttributeType { name: Some(name), value: Some(value) })
            .collect();
        attributes::apply(&pool.doc, &mut user, &updates, Mode::Create)?;
        set_username_attribute(&pool.doc, &mut user, username)?;
        user.record.status = match text(response, "finalUserStatus")?.as_deref() {
            Some("CONFIRMED") => "CONFIRMED".into(),
            None | Some("RESET_REQUIRED") => "RESET_REQUIRED".into(),
            Some(_) => return Err(unrecognizable()),
        };
        Ok(user)
    }

    async fn store_migrated(&self, pool: &Pool, user: &mut User, response: &Map<String, Value>) -> IdpResult<()> {
        let force_alias = super::flag(response, "forceAliasCreation")?;
        let write = user.to_write(&pool.doc, None)?;
        let username_pool = !pool.doc.username_attributes().is_empty();
        match self.store.write_users(std::slice::from_ref(&write)).await {
            Err(StoreError::Conflict(what)) if what.starts_with("alias:") && force_alias && !username_pool => {
                self.move_alias(pool, user, what.trim_start_matches("alias:")).await?
            }
            other => other.map_err(|e| conflict_error(e, username_pool))?,
        }
        user.record.version = write.user.version;
        Ok(())
    }
}

/// The media the welcome message goes by (`None`: suppressed), checked before the user is
/// created so that a response Cognito would reject leaves nothing behind.
fn welcome_mediums(response: &Map<String, Value>) -> IdpResult<Option<Vec<String>>> {
    let suppressed = match text(response, "messageAction")?.as_deref() {
        None | Some("RESEND") => false,
        Some("SUPPRESS") => true,
        Some(_) => return Err(unrecognizable()),
    };
    let mediums = text_list(response, "desiredDeliveryMediums")?.unwrap_or_else(|| vec!["SMS".into()]);
    if mediums.iter().any(|m| m != "SMS" && m != "EMAIL") {
        return Err(unrecognizable());
    }
    Ok((!suppressed).then_some(mediums))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mediums(response: Value) -> IdpResult<Option<Vec<String>>> {
        match response {
            Value::Object(map) => welcome_mediums(&map),
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_welcome_follows_message_action_and_media() {
        assert_eq!(mediums(json!({})).unwrap(), Some(vec!["SMS".to_owned()]));
        assert_eq!(
            mediums(json!({"messageAction": null, "desiredDeliveryMediums": null})).unwrap(),
            Some(vec!["SMS".to_owned()])
        );
        assert_eq!(
            mediums(json!({"messageAction": "RESEND", "desiredDeliveryMediums": ["EMAIL", "SMS"]})).unwrap(),
            Some(vec!["EMAIL".to_owned(), "SMS".to_owned()])
        );
        assert_eq!(mediums(json!({"messageAction": "SUPPRESS", "desiredDeliveryMediums": ["EMAIL"]})).unwrap(), None);
        for bad in [
            json!({"messageAction": "SEND"}),
            json!({"messageAction": "suppress"}),
            json!({"messageAction": 1}),
            json!({"desiredDeliveryMediums": ["EMAIL", "PIGEON"]}),
            json!({"messageAction": "SUPPRESS", "desiredDeliveryMediums": ["email"]}),
            json!({"desiredDeliveryMediums": "EMAIL"}),
        ] {
            assert!(matches!(mediums(bad.clone()), Err(IdpError::InvalidLambdaResponse(_))), "{bad}");
        }
    }
}
