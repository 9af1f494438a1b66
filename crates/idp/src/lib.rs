//! The user-pool domain: pools, app clients, groups and users with Cognito's rules. It takes
//! typed requests (from `cognate-wire`) and plain values, returns typed responses or an
//! [`IdpError`] fact, and reaches storage only through `cognate-store`'s traits.
//!
//! **Architecture invariant:** no HTTP and no SQL here; time comes from the [`Clock`].

mod attribute_updates;
mod attributes;
mod auth;
mod caches;
mod client_auth;
mod clients;
mod codes;
mod devices;
mod error;
pub mod exchange;
pub mod federated;
mod groups;
pub mod hosted;
pub mod hosted_signup;
mod lockout;
pub mod m2m;
mod messages;
mod mfa;
mod notify;
pub mod page;
mod password_policy;
mod pool_config;
mod pools;
mod purge;
mod schema;
mod self_service;
mod sessions;
mod signing_keys;
mod signup;
mod srp_auth;
mod token_sessions;
mod tokens;
mod triggers;
mod user_filter;
mod user_record;
mod users;

pub use error::IdpError;
pub use messages::{LogMessenger, Medium, Message, Messenger};
pub use token_sessions::TokenSessionLimit;
pub use tokens::TokenOwner;
pub use triggers::targets as trigger_targets;
pub use triggers::{Caller, InvokeError, InvokeMode, Invoker, NoInvoker, iam_authenticated, with_caller};
pub use users::BulkUser;

use cognate_core::Clock;
use cognate_crypto::{MasterKey, PasswordHasher, SenderKey};
use cognate_store::Store;
use std::sync::Arc;

pub type IdpResult<T> = Result<T, IdpError>;

/// Deployment facts the domain needs for ids and ARNs.
#[derive(Debug, Clone)]
pub struct IdpSettings {
    pub region: String,
    pub account_id: String,
    pub public_url: String,
    /// Encrypts the codes handed to custom sender triggers; without it those triggers fail.
    pub sender_key: Option<Arc<SenderKey>>,
    /// The hosts trigger URLs may name (`--trigger-allow`); empty allows every host.
    pub trigger_allow: trigger_targets::TriggerAllowList,
}

/// The user-pool service. Cheap to clone; every operation is a method.
#[derive(Clone)]
pub struct Idp {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    hasher: PasswordHasher,
    master_key: Arc<MasterKey>,
    messenger: Arc<dyn Messenger>,
    invoker: Arc<dyn Invoker>,
    settings: Arc<IdpSettings>,
    keys: Arc<signing_keys::KeyCache>,
    pools: Arc<caches::PoolCache>,
    verified: Arc<caches::VerifiedTokens>,
    dummy_hash: Arc<tokio::sync::OnceCell<String>>,
    session_limit: Option<Arc<dyn token_sessions::TokenSessionLimit>>,
}

impl Idp {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        hasher: PasswordHasher,
        master_key: Arc<MasterKey>,
        messenger: Arc<dyn Messenger>,
        invoker: Arc<dyn Invoker>,
        settings: IdpSettings,
    ) -> Self {
        Idp {
            store,
            clock,
            hasher,
            master_key,
            messenger,
            invoker,
            settings: Arc::new(settings),
            keys: Default::default(),
            pools: Default::default(),
            verified: Default::default(),
            dummy_hash: Default::default(),
            session_limit: None,
        }
    }

    pub fn settings(&self) -> &IdpSettings {
        &self.settings
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().millis()
    }
}
