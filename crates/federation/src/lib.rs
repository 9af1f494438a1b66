//! Federation: the identity providers a user pool trusts and the sign-ins that go through
//! them. Management operations (Create/Describe/Update/Delete/ListIdentityProviders,
//! GetIdentityProviderByIdentifier) in `providers.rs` with Cognito's ProviderDetails rules in
//! `details.rs`; the relying-party side of OpenID Connect and of the OAuth 2.0 social
//! providers in `oidc.rs` (ID tokens checked in `id_token.rs` against keys from `jwks.rs`);
//! the mapping of what a provider says to pool attributes in `mapping.rs`; SAML 2.0 in
//! `saml.rs`, its XML work behind the [`SamlSp`] trait (`cognate-saml` implements it). The user that
//! signs in is `cognate-idp`'s (`federated.rs`); codes and sessions are `cognate-oauth`'s.
//!
//! **Architecture invariant:** no HTTP server code and no SQL; every call to a provider goes
//! through the [`Upstream`] trait (implemented by `cognate-delivery`), time comes from the
//! [`Clock`], and everything a provider sends is untrusted input.

mod details;
mod external;
mod id_token;
mod jwks;
mod mapping;
pub mod oidc;
mod providers;
pub mod saml;
mod upstream;

pub use details::{Endpoints, SocialEndpoints};
pub use external::{AWS_SAML_AUDIENCE, AWS_SAML_RECIPIENT, SocialIssuer, TokenIssuer};
pub use oidc::{Begin, Completed, FederationError, ProviderButton};
pub use saml::{LogoutRequest, NoSaml, SamlAssertion, SamlExpect, SamlIdp, SamlSession, SamlSp, SpDescription};
pub use upstream::{NoUpstream, Upstream, UpstreamError, UpstreamRequest, UpstreamResponse};

use cognate_core::Clock;
use cognate_crypto::MasterKey;
use cognate_idp::Idp;
use cognate_store::Store;
use std::sync::Arc;

/// The federation service. Cheap to clone; every operation is a method.
#[derive(Clone)]
pub struct Federation {
    idp: Idp,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    master_key: Arc<MasterKey>,
    upstream: Arc<dyn Upstream>,
    social: Arc<SocialEndpoints>,
    keys: Arc<jwks::KeyCache>,
    discovered: Arc<external::DiscoveryCache>,
    saml: Arc<dyn SamlSp>,
}

impl Federation {
    pub fn new(
        idp: Idp,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        master_key: Arc<MasterKey>,
        upstream: Arc<dyn Upstream>,
    ) -> Self {
        Federation {
            idp,
            store,
            clock,
            master_key,
            upstream,
            social: Default::default(),
            keys: Default::default(),
            discovered: Default::default(),
            saml: Arc::new(NoSaml),
        }
    }

    /// The same service with the operator's endpoints for the social providers
    /// (`--social-endpoints`), used instead of the providers' public ones.
    pub fn with_social_endpoints(mut self, social: SocialEndpoints) -> Self {
        self.social = Arc::new(social);
        self
    }

    /// The same service with a SAML backend (`cognate-saml`); without one SAML providers
    /// are refused.
    pub fn with_saml(mut self, saml: Arc<dyn SamlSp>) -> Self {
        self.saml = saml;
        self
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().millis()
    }

    /// Keeps `value` until `expires_ms` under a digest of `tag` and `id` (sign-in states,
    /// parked responses, pending logouts, spent assertion IDs), as a session record. False
    /// when a record of that tag and id already exists.
    async fn put_record<T: serde::Serialize>(
        &self,
        tag: &[u8],
        id: &str,
        pool_id: &str,
        expires_ms: i64,
        value: &T,
    ) -> cognate_idp::IdpResult<bool> {
        let data = serde_json::to_string(value).map_err(|e| cognate_idp::IdpError::Internal(e.to_string()))?;
        let record = cognate_store::SessionRecord {
            id_hash: record_key(tag, id),
            pool_id: pool_id.to_owned(),
            expires_ms,
            data,
        };
        match self.store.insert_session(&record).await {
            Ok(()) => Ok(true),
            Err(cognate_store::StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The value [`Self::put_record`] kept, if it is this pool's and unexpired; `spend` takes
    /// it (single use), else it stays.
    async fn get_record<T: serde::de::DeserializeOwned>(
        &self,
        tag: &[u8],
        id: &str,
        pool_id: &str,
        spend: bool,
    ) -> Result<Option<T>, oidc::FederationError> {
        if !is_token(id) {
            return Ok(None);
        }
        let key = record_key(tag, id);
        let found = if spend { self.store.take_session(&key).await } else { self.store.get_session(&key).await };
        match found.map_err(cognate_idp::IdpError::from)? {
            Some(r) if r.pool_id == pool_id && r.expires_ms > self.now_ms() => {
                Ok(Some(serde_json::from_str(&r.data).map_err(|e| cognate_idp::IdpError::Internal(e.to_string()))?))
            }
            _ => Ok(None),
        }
    }
}

fn record_key(tag: &[u8], id: &str) -> String {
    cognate_crypto::digest_hex(&[tag, id.as_bytes()])
}

/// A random id of this crate's making: 32 bytes, hex.
fn new_token() -> String {
    hex::encode(cognate_crypto::random::bytes::<32>())
}

/// Whether `s` could be an id [`new_token`] made (the hosted UI tells a state this server
/// issued from an IdP-initiated SAML RelayState by it).
pub fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}
