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
mod id_token;
mod jwks;
mod mapping;
pub mod oidc;
mod providers;
pub mod saml;
mod upstream;

pub use details::{Endpoints, SocialEndpoints};
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
}
