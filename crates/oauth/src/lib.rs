//! The OAuth 2.0 authorization server and OpenID provider domain behind the hosted UI: the
//! management operations it is configured by (resource servers, domains, branding) and the
//! flows it runs (authorization requests, codes, grants, hosted-UI sessions). Like
//! `cognate-idp` it takes typed requests and plain values and returns typed answers; the web
//! layer (`cognate-web`) and the API layer (`cognate-api`) speak HTTP for it.
//!
//! **Architecture invariant:** no HTTP and no SQL here; time comes from the [`Clock`]; user
//! sign-in and token issuance stay in `cognate-idp`, which this crate calls.

mod branding;
mod domains;
pub mod m2m;
mod resource_servers;
mod session_config;
mod settings;

pub use branding::Branding;
pub use session_config::TokenSessionCap;
pub use settings::OAuthSettings;

pub mod authorize;
pub mod challenges;
mod codes;
pub mod error;
pub mod federated;
pub mod grants;
pub mod login;
pub mod recovery;
pub mod remembered;
mod scopes;
pub mod sessions;
pub mod signup;
pub mod token_exchange;
pub mod urls;
mod user_sessions;
pub mod userinfo;

use cognate_core::Clock;
use cognate_crypto::MasterKey;
use cognate_federation::Federation;
use cognate_idp::Idp;
use cognate_store::Store;
use std::sync::Arc;

/// The authorization-server service. Cheap to clone; every operation is a method.
#[derive(Clone)]
pub struct OAuth {
    idp: Idp,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    master_key: Arc<MasterKey>,
    settings: Arc<OAuthSettings>,
    federation: Federation,
}

impl OAuth {
    pub fn new(
        idp: Idp,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        master_key: Arc<MasterKey>,
        federation: Federation,
    ) -> Self {
        OAuth { idp, store, clock, master_key, settings: Default::default(), federation }
    }

    /// The same service with the operator's settings (the hosted-UI domain suffix).
    pub fn with_settings(mut self, settings: OAuthSettings) -> Self {
        self.settings = Arc::new(settings);
        self
    }

    /// The user-pool service this one signs users in through.
    pub fn idp(&self) -> &Idp {
        &self.idp
    }

    /// The identity providers the hosted UI signs users in through.
    pub fn federation(&self) -> &Federation {
        &self.federation
    }
}
