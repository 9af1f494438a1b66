//! Identity pools: the `cognito-identity` API, the OpenID tokens identity pools issue,
//! Cognate's own STS and the IAM roles and policies its credentials are scoped by, and the
//! authorization decisions a service asks for with those credentials.
//!
//! - `pools.rs`: identity pools (Create/Describe/Update/Delete/List, tags, roles and role
//!   mappings, principal-tag maps);
//! - `identities.rs`: identities and the logins linked to them (GetId, Describe/List/Delete,
//!   developer identities, merging and unlinking); `logins.rs` verifies what a `Logins` map
//!   presents;
//! - `openid.rs`: the identity issuer's RS512 key, its JWKS and discovery document, and
//!   GetOpenIdToken(ForDeveloperIdentity);
//! - `roles.rs`: role resolution (Roles, Token and Rules mappings, AmbiguousRoleResolution);
//! - `credentials.rs`: temporary credentials whose session token is sealed under the master
//!   key (any node opens it without a database read), GetCredentialsForIdentity, and the
//!   check of requests signed with them; `external.rs` delegates to an external STS instead;
//! - `iam.rs`: the IAM roles and managed policies; `sts.rs`: AssumeRoleWithWebIdentity,
//!   AssumeRole and GetCallerIdentity; `authz.rs`: Allow or Deny for a request made with
//!   temporary credentials, by `cognate-policy`.
//!
//! Everything is kept in the store's pool documents under namespaces of this crate
//! (`docs.rs`).
//!
//! **Architecture invariant:** no HTTP and no SQL; time comes from the [`Clock`]; the only
//! outbound call (the external STS) goes through `cognate-federation`'s `Upstream`.

mod authz;
mod credentials;
mod docs;
mod error;
mod external;
mod iam;
mod identities;
mod logins;
mod openid;
mod pools;
pub mod query;
mod roles;
mod sts;

pub use authz::{AuthorizeRequest, AuthorizeResponse, MatchedStatement};
pub use credentials::{CallerCredentials, Session, TemporaryCredentials};
pub use error::{IdentityError, IdentityResult};

use cognate_core::Clock;
use cognate_crypto::MasterKey;
use cognate_federation::{Federation, Upstream};
use cognate_idp::Idp;
use cognate_store::Store;
use std::sync::Arc;

/// Cognito's scope-down session policy for guests' credentials
/// (`AmazonCognitoUnAuthedIdentitiesSessionPolicy`).
pub const DEFAULT_GUEST_SESSION_POLICY: &str = include_str!("guest_session_policy.json");

/// The deployment's identity settings.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    pub region: String,
    pub account_id: String,
    /// The issuer of identity-pool OpenID tokens (`--identity-issuer`; by default
    /// `{public-url}/identity`).
    pub issuer: String,
    /// The session policy guests' credentials carry; [`DEFAULT_GUEST_SESSION_POLICY`] by default.
    pub guest_session_policy: String,
    /// `--external-sts-endpoint`: GetCredentialsForIdentity asks this STS instead of minting.
    pub external_sts: Option<String>,
}

impl IdentitySettings {
    pub fn new(region: &str, account_id: &str, issuer: &str) -> Self {
        IdentitySettings {
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            issuer: issuer.trim_end_matches('/').to_owned(),
            guest_session_policy: DEFAULT_GUEST_SESSION_POLICY.to_owned(),
            external_sts: None,
        }
    }
}

/// The identity service. Cheap to clone; every operation is a method.
#[derive(Clone)]
pub struct Identity {
    idp: Idp,
    /// Verifies ID tokens of OpenID providers and of Google and Apple.
    federation: Federation,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    master_key: Arc<MasterKey>,
    upstream: Arc<dyn Upstream>,
    settings: Arc<IdentitySettings>,
    guest_policy: Arc<Vec<cognate_policy::Policy>>,
    openid_key: Arc<tokio::sync::OnceCell<openid::IssuerKey>>,
    policies: Arc<authz::PolicyCache>,
}

impl Identity {
    /// Fails when the guest session policy is not a valid policy document.
    pub fn new(
        idp: Idp,
        federation: Federation,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        master_key: Arc<MasterKey>,
        upstream: Arc<dyn Upstream>,
        settings: IdentitySettings,
    ) -> Result<Self, String> {
        let guest_policy = cognate_policy::Policy::parse(&settings.guest_session_policy)
            .map_err(|e| format!("the guest session policy is not a valid policy: {e}"))?;
        Ok(Identity {
            idp,
            federation,
            store,
            clock,
            master_key,
            upstream,
            settings: Arc::new(settings),
            guest_policy: Arc::new(vec![guest_policy]),
            openid_key: Default::default(),
            policies: Default::default(),
        })
    }

    pub fn settings(&self) -> &IdentitySettings {
        &self.settings
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().millis()
    }

    fn now_s(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}
