//! Users who sign in through an identity provider, as Cognito keeps them: a federated user
//! named `{ProviderName}_{subject}` with status EXTERNAL_PROVIDER and an `identities`
//! attribute, created on the first sign-in (PreSignUp_ExternalProvider, then
//! PostConfirmation) and given the provider's mapped attributes on every sign-in; or, once an
//! administrator linked the provider identity to a native user (AdminLinkProviderForUser),
//! that native user. A link is a sign-in alias of kind [`LINK_KIND`] on the native user, so
//! one identity names at most one user and the lookup is a point read.
//!
//! The protocols (OIDC, OAuth 2.0, SAML) and the attribute mapping are `cognate-federation`'s;
//! this module only sees an identity the provider already vouched for.

use crate::attributes::{self, Mode};
use crate::error::invalid;
use crate::hosted::HostedSignIn;
use crate::pools::Pool;
use crate::user_record::{User, username_key};
use crate::users::conflict_error;
use crate::{Idp, IdpError, IdpResult};
use cognate_wire::idp::types::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The alias kind of a linked provider identity; its key is [`link_key`].
pub const LINK_KIND: &str = "idp";
/// The status of users created by a provider sign-in.
pub const EXTERNAL: &str = "EXTERNAL_PROVIDER";
/// Cognito's quota of provider identities linked to one user.
const MAX_LINKS: usize = 5;

/// An identity an upstream provider vouched for, with the pool attributes mapped from what
/// it sent (the provider's attribute mapping already applied).
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalIdentity {
    pub provider_name: String,
    /// `OIDC`, `SAML`, `Google`, `Facebook`, `LoginWithAmazon` or `SignInWithApple`.
    pub provider_type: String,
    /// The provider's id for the user (what the mapping's `username` names, else `sub` or
    /// the SAML NameID).
    pub subject: String,
    /// Pool attribute name to value; never `sub`, `identities` or `username`.
    pub attributes: BTreeMap<String, String>,
}

/// One entry of the `identities` attribute, in Cognito's shape (all values strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    user_id: String,
    provider_name: String,
    provider_type: String,
    issuer: Option<String>,
    primary: String,
    date_created: String,
}

/// The unique key of a provider identity among a pool's links.
pub fn link_key(provider_name: &str, subject: &str) -> String {
    format!("{provider_name}:{subject}")
}

fn identities_of(user: &User) -> Vec<Identity> {
    user.attr("identities").and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default()
}

fn set_identities(user: &mut User, identities: &[Identity]) -> IdpResult<()> {
    if identities.is_empty() {
        user.attributes.remove("identities");
    } else {
        let text = serde_json::to_string(identities).map_err(crate::error::internal)?;
        user.attributes.insert("identities".into(), text);
    }
    Ok(())
}

/// The provider identities linked to a native user, as `(provider, subject)` pairs: its
/// sign-in aliases of kind [`LINK_KIND`].
pub(crate) fn linked_identities(user: &User) -> Vec<(String, String)> {
    if user.record.status == EXTERNAL {
        return Vec::new();
    }
    identities_of(user).into_iter().map(|i| (LINK_KIND.to_owned(), link_key(&i.provider_name, &i.user_id))).collect()
}

impl Idp {
    /// Signs in an identity a provider vouched for, at the app client `client_id`: the
    /// native user it is linked to, else its federated user (created now if new). The
    /// mapped attributes are written on every sign-in. MFA does not apply: the provider
    /// authenticated the user.
    pub async fn external_sign_in(&self, client_id: &str, identity: &ExternalIdentity) -> IdpResult<HostedSignIn> {
        let (pool, _) = self.app_client(client_id).await?;
        let pool_id = pool.record.id.clone();
        let key = link_key(&identity.provider_name, &identity.subject);
        let linked = self.store.get_user_by_alias(&pool_id, LINK_KIND, &key).await?;
        let username = format!("{}_{}", identity.provider_name, identity.subject);
        let existing = match linked {
            Some(record) => Some(record),
            None => self.store.get_user_by_username(&pool_id, &username_key(&pool.doc, &username)).await?,
        };
        let user = match existing {
            Some(record) => {
                let mut user = User::from_record(record)?;
                if !user.record.enabled {
                    return Err(IdpError::NotAuthorized("User is disabled.".into()));
                }
                if map_attributes(&pool, &mut user, identity, Mode::Update)? {
                    self.save_user(&pool, &mut user).await?;
                }
                user
            }
            None => self.create_federated_user(&pool, &username, identity).await?,
        };
        Ok(HostedSignIn::SignedIn { sub: user.record.sub, auth_time: self.clock.now().millis() / 1000 })
    }

    async fn create_federated_user(&self, pool: &Pool, username: &str, identity: &ExternalIdentity) -> IdpResult<User> {
        let mut user = self.unsaved_user(pool, cognate_crypto::random::uuid_v4(), username.to_owned(), EXTERNAL);
        let now = user.record.created_ms;
        map_attributes(pool, &mut user, identity, Mode::Create)?;
        let entry = Identity {
            user_id: identity.subject.clone(),
            provider_name: identity.provider_name.clone(),
            provider_type: identity.provider_type.clone(),
            issuer: None,
            primary: "true".into(),
            date_created: now.to_string(),
        };
        set_identities(&mut user, &[entry])?;
        attributes::check_required(&pool.doc, &user)?;
        let decision = self.pre_sign_up(pool, &user, "PreSignUp_ExternalProvider", None).await?;
        // A federated user is confirmed by its provider; only the verified flags apply.
        crate::triggers::lifecycle::PreSignUp { confirm: false, ..decision }.apply(&mut user);
        let write = user.to_write(&pool.doc, None)?;
        self.store.write_users(std::slice::from_ref(&write)).await.map_err(|e| conflict_error(e, false))?;
        user.record.version = write.user.version;
        self.post_confirmation(pool, &user, "PostConfirmation_ConfirmSignUp").await?;
        Ok(user)
    }

    /// AdminLinkProviderForUser: the provider identity (`SourceUser`, which must not have
    /// signed up on its own) signs in as the existing native user (`DestinationUser`).
    pub async fn admin_link_provider_for_user(
        &self,
        req: AdminLinkProviderForUserRequest,
    ) -> IdpResult<AdminLinkProviderForUserResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let dest = req.destination_user.unwrap_or_default();
        let source = req.source_user.unwrap_or_default();
        let dest_provider = dest.provider_name.unwrap_or_default();
        if !dest_provider.eq_ignore_ascii_case("cognito") {
            return Err(invalid("DestinationUser must be a user of the user pool (ProviderName Cognito)."));
        }
        let provider = source.provider_name.unwrap_or_default();
        let subject = source.provider_attribute_value.unwrap_or_default();
        if provider.is_empty() || subject.is_empty() || provider.eq_ignore_ascii_case("cognito") {
            return Err(invalid("SourceUser must name an identity provider of the pool and the user's value there."));
        }
        let provider_type = self
            .identity_provider_type(&pool.record.id, &provider)
            .await?
            .ok_or_else(|| invalid(format!("Identity provider {provider} does not exist in the user pool.")))?;
        let mut user = self.resolve_user(&pool, dest.provider_attribute_value.as_deref().unwrap_or_default()).await?;
        if user.record.status == EXTERNAL {
            return Err(invalid("DestinationUser must be a native user, not a federated one."));
        }
        let federated = format!("{provider}_{subject}");
        if self.store.get_user_by_username(&pool.record.id, &username_key(&pool.doc, &federated)).await?.is_some() {
            return Err(invalid(
                "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link",
            ));
        }
        let mut identities = identities_of(&user);
        if identities.iter().any(|i| i.provider_name == provider && i.user_id == subject) {
            return Ok(AdminLinkProviderForUserResponse {});
        }
        if identities.len() >= MAX_LINKS {
            return Err(IdpError::LimitExceeded(format!("A user can be linked to at most {MAX_LINKS} identities.")));
        }
        identities.push(Identity {
            user_id: subject,
            provider_name: provider,
            provider_type,
            issuer: None,
            primary: "false".into(),
            date_created: self.now_ms().to_string(),
        });
        set_identities(&mut user, &identities)?;
        // The link is a unique alias: an identity already linked to another user conflicts.
        self.save_user(&pool, &mut user).await?;
        Ok(AdminLinkProviderForUserResponse {})
    }

    /// AdminDisableProviderForUser: removes a provider identity's link from the native user
    /// it was linked to, or disables the federated user it created (its tokens stop working
    /// and it cannot sign in). Cognito answers success when neither exists.
    pub async fn admin_disable_provider_for_user(
        &self,
        req: AdminDisableProviderForUserRequest,
    ) -> IdpResult<AdminDisableProviderForUserResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let who = req.user.unwrap_or_default();
        let provider = who.provider_name.unwrap_or_default();
        let subject = who.provider_attribute_value.unwrap_or_default();
        if provider.is_empty() || subject.is_empty() || provider.eq_ignore_ascii_case("cognito") {
            return Err(invalid("User must name an identity provider of the pool and the user's value there."));
        }
        let pool_id = pool.record.id.clone();
        if let Some(record) = self.store.get_user_by_alias(&pool_id, LINK_KIND, &link_key(&provider, &subject)).await? {
            let mut user = User::from_record(record)?;
            let mut identities = identities_of(&user);
            identities.retain(|i| !(i.provider_name == provider && i.user_id == subject));
            set_identities(&mut user, &identities)?;
            self.save_user(&pool, &mut user).await?;
        }
        let federated = format!("{provider}_{subject}");
        if let Some(record) = self.store.get_user_by_username(&pool_id, &username_key(&pool.doc, &federated)).await? {
            let mut user = User::from_record(record)?;
            if user.record.enabled {
                self.save_enabled(&pool, &mut user, false).await?;
            }
        }
        Ok(AdminDisableProviderForUserResponse {})
    }

    /// The type of a pool's identity provider by name, from `cognate-federation`'s record
    /// (the provider's JSON document, kind [`PROVIDER_KIND`]).
    async fn identity_provider_type(&self, pool_id: &str, name: &str) -> IdpResult<Option<String>> {
        let Some(doc) = self.store.get_pool_doc(pool_id, PROVIDER_KIND, name).await? else { return Ok(None) };
        let value: serde_json::Value = serde_json::from_str(&doc.doc).map_err(crate::error::internal)?;
        Ok(value.get("provider_type").and_then(|t| t.as_str()).map(String::from))
    }

    /// The pool's attribute names a provider's AttributeMapping may write (the schema's,
    /// less `sub` and `identities`); fails with PoolNotFound for an unknown pool.
    pub async fn mappable_attributes(&self, pool_id: &str) -> IdpResult<Vec<String>> {
        let pool = self.load_pool(pool_id).await?;
        Ok(pool
            .doc
            .schema()
            .iter()
            .filter_map(|a| a.name.clone())
            .filter(|n| n != "sub" && n != "identities")
            .collect())
    }
}

/// The pool-document kind `cognate-federation` stores identity providers under.
pub const PROVIDER_KIND: &str = "idp";

/// Writes the mapped attributes the user does not already have with these values; true if
/// anything changed. Values the schema refuses (a malformed email, say) fail the sign-in.
fn map_attributes(pool: &Pool, user: &mut User, identity: &ExternalIdentity, mode: Mode) -> IdpResult<bool> {
    let updates: Vec<AttributeType> = identity
        .attributes
        .iter()
        .filter(|(name, value)| user.attr(name) != Some(value.as_str()))
        .map(|(name, value)| AttributeType { name: Some(name.clone()), value: Some(value.clone()) })
        .collect();
    if updates.is_empty() {
        return Ok(false);
    }
    attributes::apply(&pool.doc, user, &updates, mode)?;
    Ok(true)
}
