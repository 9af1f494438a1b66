//! The rows Cognate stores, as plain values.

/// A user pool. `config` is the pool's settings as JSON, owned by the domain.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolRecord {
    pub id: String,
    pub name: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub config: String,
    pub version: i64,
}

/// An app client. `config` holds its settings and sealed secrets as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRecord {
    pub pool_id: String,
    pub client_id: String,
    pub name: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub config: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupRecord {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A user. `attributes` is a JSON object of attribute name to string value; `data` is the
/// domain's private state (password hash, codes, MFA settings) as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub pool_id: String,
    pub sub: String,
    pub username: String,
    /// The unique lookup form of the username (lower-cased in case-insensitive pools).
    pub username_key: String,
    pub status: String,
    pub enabled: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub attributes: String,
    pub data: String,
    pub version: i64,
}

/// One user write: the row plus the lookup entries derived from it. `expected_version` is
/// `None` for an insert, else the version the writer read (the row gets `user.version`).
#[derive(Debug, Clone, PartialEq)]
pub struct UserWrite {
    pub user: UserRecord,
    pub expected_version: Option<i64>,
    /// `(name, value)` pairs ListUsers can filter on; replaced wholesale on every write.
    pub index: Vec<(String, String)>,
    /// `(kind, key)` pairs unique within the pool (sign-in aliases); replaced wholesale.
    pub aliases: Vec<(String, String)>,
}

/// What ListUsers asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct UserQuery {
    pub filter: Option<IndexFilter>,
    /// Continue strictly after this position (from the previous page's last user).
    pub after: Option<UserCursor>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexFilter {
    pub name: String,
    pub value: String,
    pub prefix: bool,
}

/// Position in a listing: without a filter, users are ordered by `username_key`; with one,
/// by `(value, sub)` of the matching index entry.
#[derive(Debug, Clone, PartialEq)]
pub enum UserCursor {
    Username(String),
    Indexed { value: String, sub: String },
}

/// One sign-in's token family (see migrations 0002 and 0006): a token session of its user.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenFamily {
    pub origin_jti: String,
    pub pool_id: String,
    pub client_id: String,
    pub sub: String,
    pub revoked: bool,
    pub expires_ms: i64,
    /// When the sign-in happened (0 for families stored before migration 0006).
    pub created_ms: i64,
    /// The SSO (hosted-UI) session the tokens came through, by its session id; `None` for an
    /// API sign-in.
    pub sso_session: Option<String>,
}

/// The rows behind one access-token check (see `TokenStore::access_check`).
#[derive(Debug, Clone, PartialEq)]
pub struct AccessCheck {
    pub pool_version: Option<(i64, i64)>,
    pub client: Option<ClientRecord>,
    pub family: Option<TokenFamily>,
    pub user: Option<UserRecord>,
}

/// A refresh token, known by the SHA-256 of its value. `data` is the domain's JSON
/// (auth time, device key); `replaced_ms` is set when rotation superseded it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshTokenRecord {
    pub token_hash: String,
    pub origin_jti: String,
    pub pool_id: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub replaced_ms: Option<i64>,
    pub data: String,
}

/// A challenge session, known by the SHA-256 of its value.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub pool_id: String,
    pub expires_ms: i64,
    pub data: String,
}

/// A resource server of a pool: its custom scopes as the JSON list the API returns.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceServerRecord {
    pub pool_id: String,
    pub identifier: String,
    pub name: String,
    pub scopes: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A hosted-UI domain: a prefix (`custom == false`) or a full custom host name, lower-cased
/// and unique across pools. `config` is the domain's settings as JSON, owned by the domain.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainRecord {
    pub domain: String,
    pub pool_id: String,
    pub custom: bool,
    pub config: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A managed-login branding style: at most one per app client. `config` is its JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct BrandingRecord {
    pub id: String,
    pub pool_id: String,
    pub client_id: String,
    pub config: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// Document changes made together in one transaction (`OAuthConfigStore::write_pool_docs`).
#[derive(Debug, Clone, Default)]
pub struct DocWrites<'a> {
    /// New documents: the whole write fails if one of them exists.
    pub inserts: Vec<PoolDocRecord>,
    /// Documents inserted or replaced.
    pub puts: Vec<PoolDocRecord>,
    /// (pool, kind, name) of documents to delete.
    pub deletes: Vec<(&'a str, &'a str, &'a str)>,
    /// Documents that must still read as given (`None`: be absent) when the write happens:
    /// otherwise nothing is written and the write fails with `Conflict("stale")`. A writer
    /// that read a document, changed it and writes it back names what it read here.
    pub expect: Vec<DocExpect>,
}

/// One condition of a [`DocWrites`].
#[derive(Debug, Clone, PartialEq)]
pub struct DocExpect {
    pub pool_id: String,
    pub kind: String,
    pub name: String,
    pub doc: Option<String>,
}

/// A JSON document a pool keeps under `(kind, name)`, read and written whole (the classic
/// UI customization per client or `ALL`, session configurations).
#[derive(Debug, Clone, PartialEq)]
pub struct PoolDocRecord {
    pub pool_id: String,
    pub kind: String,
    pub name: String,
    pub doc: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}
