//! Storage contracts: the records Cognate persists and small capability traits over them.
//! Backends (`cognate-store-sql`) implement the traits; the domain sees only these.
//!
//! Records carry configuration as JSON text the store never interprets, so a new pool or
//! client setting needs no migration; everything a query filters or orders on is a column.

pub mod conformance;
mod records;

pub use records::*;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum StoreError {
    /// A uniqueness rule was violated; the string names which (`pool`, `client`, `group`,
    /// `username`, `alias:<kind>`, `member`, `setting`).
    #[error("conflict on {0}")]
    Conflict(String),
    /// The row was changed by someone else since it was read (optimistic concurrency).
    #[error("concurrent modification")]
    Stale,
    #[error("not found")]
    NotFound,
    #[error("storage backend: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait SettingStore: Send + Sync {
    async fn get_setting(&self, key: &str) -> StoreResult<Option<String>>;
    /// Inserts unless present; returns the value now stored (first writer wins across nodes).
    async fn put_setting_if_absent(&self, key: &str, value: &str) -> StoreResult<String>;
    /// Inserts or replaces (an operator's explicit change, such as a new admin secret).
    async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()>;
}

#[async_trait]
pub trait PoolStore: Send + Sync {
    async fn insert_pool(&self, pool: &PoolRecord) -> StoreResult<()>;
    async fn get_pool(&self, id: &str) -> StoreResult<Option<PoolRecord>>;
    /// The pool's `(version, created_ms)` without its settings: a cheap freshness check for
    /// a parsed copy (a version names one content, and the creation time tells a pool from
    /// a later one with the same id).
    async fn get_pool_version(&self, id: &str) -> StoreResult<Option<(i64, i64)>>;
    /// Writes `pool` if the stored version is `pool.version - 1`, else [`StoreError::Stale`].
    async fn update_pool(&self, pool: &PoolRecord) -> StoreResult<()>;
    /// Deletes the pool and everything in it (clients, groups, users, the OAuth
    /// configuration); false if absent.
    async fn delete_pool(&self, id: &str) -> StoreResult<bool>;
    /// Pools ordered by id, strictly after `after`.
    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<PoolRecord>>;
}

#[async_trait]
pub trait ClientStore: Send + Sync {
    async fn insert_client(&self, client: &ClientRecord) -> StoreResult<()>;
    /// Client ids are globally unique, so public operations find a client by id alone.
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>>;
    /// The client and its pool in one read: what every public operation starts with.
    async fn get_client_and_pool(&self, client_id: &str) -> StoreResult<Option<(ClientRecord, PoolRecord)>>;
    async fn update_client(&self, client: &ClientRecord) -> StoreResult<()>;
    /// Deletes the client with its branding, UI customization and session settings.
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool>;
    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<ClientRecord>>;
}

#[async_trait]
pub trait GroupStore: Send + Sync {
    async fn insert_group(&self, group: &GroupRecord) -> StoreResult<()>;
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<GroupRecord>>;
    async fn update_group(&self, group: &GroupRecord) -> StoreResult<()>;
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool>;
    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<GroupRecord>>;
    /// Idempotent: adding a member twice is not an error.
    async fn add_member(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()>;
    async fn remove_member(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()>;
    /// The user's groups ordered by name, strictly after `after`.
    async fn groups_of_user(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<GroupRecord>>;
    /// Members ordered by sub, strictly after `after`.
    async fn members(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<UserRecord>>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Applies all writes in one transaction: everything or nothing.
    async fn write_users(&self, writes: &[UserWrite]) -> StoreResult<()>;
    async fn get_user(&self, pool_id: &str, sub: &str) -> StoreResult<Option<UserRecord>>;
    async fn get_user_by_username(&self, pool_id: &str, username_key: &str) -> StoreResult<Option<UserRecord>>;
    async fn get_user_by_alias(&self, pool_id: &str, kind: &str, key: &str) -> StoreResult<Option<UserRecord>>;
    /// Deletes the user with its index, aliases and group memberships.
    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<bool>;
    /// Users in listing order, each with the cursor that continues after it.
    async fn list_users(&self, pool_id: &str, query: &UserQuery) -> StoreResult<Vec<(UserRecord, UserCursor)>>;
    async fn count_users(&self, pool_id: &str) -> StoreResult<i64>;
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn insert_family(&self, family: &TokenFamily) -> StoreResult<()>;
    async fn get_family(&self, origin_jti: &str) -> StoreResult<Option<TokenFamily>>;
    async fn revoke_family(&self, origin_jti: &str) -> StoreResult<()>;
    /// Revokes every family of a user (global sign-out).
    async fn revoke_user_families(&self, pool_id: &str, sub: &str) -> StoreResult<()>;
    /// The user's unrevoked families that expire after `now_ms`: their token sessions,
    /// newest first.
    async fn active_families(&self, pool_id: &str, sub: &str, now_ms: i64) -> StoreResult<Vec<TokenFamily>>;
    /// Stores a refresh token, and its new family when given, in one transaction (a sign-in
    /// costs one durable commit, not two).
    async fn insert_refresh_token(&self, family: Option<&TokenFamily>, token: &RefreshTokenRecord) -> StoreResult<()>;
    /// Stores a new family and its first refresh token only if the session `take` (an
    /// authorization code) is still there, taking it and storing `marker` (what the code
    /// started) in the same transaction: one durable write redeems the code, remembers the
    /// redemption and keeps the tokens. `false`, and nothing written, when it was taken already.
    async fn insert_family_redeeming(
        &self,
        family: &TokenFamily,
        token: &RefreshTokenRecord,
        take: &str,
        marker: &SessionRecord,
    ) -> StoreResult<bool>;
    async fn get_refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRecord>>;
    /// Marks a token superseded by rotation at `at_ms`, unless it already was.
    async fn mark_refresh_replaced(&self, token_hash: &str, at_ms: i64) -> StoreResult<()>;
    /// What checking an access token reads, in one read transaction where the backend
    /// allows it: the pool's version (as `get_pool_version`), the app client when asked
    /// for (`client_id`), the token's family when it names one, and the user.
    async fn access_check(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
        origin_jti: Option<&str>,
        sub: &str,
    ) -> StoreResult<AccessCheck>;
    /// Deletes up to `limit` refresh tokens that expired before `before_ms`, then up to
    /// `limit` families that expired before it and have no refresh token left. Returns how
    /// many rows went; call again while that is `limit` or more.
    async fn purge_expired_tokens(&self, before_ms: i64, limit: i64) -> StoreResult<u64>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// Removes and returns the session: a session can be taken once.
    async fn take_session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>>;
    /// Reads the session without removing it (a session that lives across requests, such as
    /// the hosted UI's).
    async fn get_session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>>;
    /// Stores a session that belongs to the user `sub` (the hosted UI's), so that
    /// [`Self::user_sessions`] finds it; it is read, taken and purged like any other.
    async fn insert_user_session(&self, session: &SessionRecord, sub: &str) -> StoreResult<()>;
    /// The user's sessions (those stored by [`Self::insert_user_session`]) that expire after
    /// `now_ms`, newest expiry first.
    async fn user_sessions(&self, pool_id: &str, sub: &str, now_ms: i64) -> StoreResult<Vec<SessionRecord>>;
    /// Deletes up to `limit` sessions that expired before `before_ms`; returns how many went
    /// (fewer than `limit`: none is left).
    async fn purge_expired_sessions(&self, before_ms: i64, limit: i64) -> StoreResult<u64>;
}

/// The authorization server's configuration: resource servers, hosted-UI domains, branding
/// and the pool documents (UI customization, session settings) the hosted UI reads.
#[async_trait]
pub trait OAuthConfigStore: Send + Sync {
    /// [`StoreError::Conflict`]`("resource_server")` when the pool has that identifier.
    async fn insert_resource_server(&self, server: &ResourceServerRecord) -> StoreResult<()>;
    async fn get_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<Option<ResourceServerRecord>>;
    /// Replaces name and scopes; false if absent.
    async fn update_resource_server(&self, server: &ResourceServerRecord) -> StoreResult<bool>;
    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool>;
    /// Resource servers ordered by identifier, strictly after `after`.
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceServerRecord>>;
    /// [`StoreError::Conflict`]`("domain")` when the name is taken (by any pool) or the pool
    /// already has a domain of that kind.
    async fn insert_domain(&self, domain: &DomainRecord) -> StoreResult<()>;
    async fn get_domain(&self, domain: &str) -> StoreResult<Option<DomainRecord>>;
    /// The pool's domains, prefix first.
    async fn domains_of_pool(&self, pool_id: &str) -> StoreResult<Vec<DomainRecord>>;
    /// Replaces the domain's settings; false if absent.
    async fn update_domain(&self, domain: &DomainRecord) -> StoreResult<bool>;
    async fn delete_domain(&self, pool_id: &str, domain: &str) -> StoreResult<bool>;
    /// [`StoreError::Conflict`]`("branding")` when the client already has a style.
    async fn insert_branding(&self, branding: &BrandingRecord) -> StoreResult<()>;
    async fn get_branding(&self, pool_id: &str, id: &str) -> StoreResult<Option<BrandingRecord>>;
    async fn get_branding_by_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<BrandingRecord>>;
    /// Replaces the style's settings; false if absent.
    async fn update_branding(&self, branding: &BrandingRecord) -> StoreResult<bool>;
    async fn delete_branding(&self, pool_id: &str, id: &str) -> StoreResult<bool>;
    async fn get_pool_doc(&self, pool_id: &str, kind: &str, name: &str) -> StoreResult<Option<PoolDocRecord>>;
    /// Inserts or replaces (keeping the first `created_ms`).
    async fn put_pool_doc(&self, doc: &PoolDocRecord) -> StoreResult<()>;
    async fn delete_pool_doc(&self, pool_id: &str, kind: &str, name: &str) -> StoreResult<bool>;
    /// Inserts a new document: [`StoreError::Conflict`]`("pool_doc")` when the pool has one of
    /// that kind and name.
    async fn insert_pool_doc(&self, doc: &PoolDocRecord) -> StoreResult<()>;
    /// In one transaction, all or nothing: checks `writes.expect` ([`StoreError::Conflict`]`("stale")`
    /// when a document changed), deletes `writes.deletes`, inserts `writes.inserts`
    /// ([`StoreError::Conflict`]`("pool_doc")` when one exists), then inserts or replaces
    /// `writes.puts` (keeping each one's first `created_ms`).
    async fn write_pool_docs(&self, writes: &DocWrites<'_>) -> StoreResult<()>;
    /// Deletes every document of `pool_id`, of every kind; how many.
    async fn delete_all_pool_docs(&self, pool_id: &str) -> StoreResult<u64>;
    /// The pool's documents of one kind ordered by name, strictly after `after`.
    async fn list_pool_docs(
        &self,
        pool_id: &str,
        kind: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<PoolDocRecord>>;
}

/// Everything Cognate persists.
pub trait Store:
    SettingStore + PoolStore + ClientStore + GroupStore + UserStore + TokenStore + SessionStore + OAuthConfigStore
{
}
impl<T: SettingStore + PoolStore + ClientStore + GroupStore + UserStore + TokenStore + SessionStore + OAuthConfigStore>
    Store for T
{
}
