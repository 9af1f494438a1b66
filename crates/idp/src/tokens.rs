//! Tokens as Cognito issues them: RS256 ID and access tokens with Cognito's claims, opaque
//! refresh tokens stored only as digests, and the checks every access-token operation makes.

use crate::client_auth::AppClient;
use crate::hosted::Redemption;
use crate::pools::Pool;
use crate::signing_keys::KeyUse;
use crate::triggers::token_generation::TokenSource;
use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, error::internal};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use cognate_store::{ClientRecord, GroupRecord, RefreshTokenRecord, TokenFamily};
use cognate_wire::idp::types::AuthenticationResultType;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub(crate) const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Which refresh token, if any, a token response carries.
#[derive(Debug, Clone)]
pub(crate) enum Refresh {
    /// A sign-in: a new family and a new refresh token.
    NewFamily,
    /// As `NewFamily` for an authorization code: the family's id chosen beforehand, and the
    /// family stored only if the code is still unredeemed, redeeming it in the same write.
    Redeem(Redemption),
    /// A refresh without rotation: same family, no new refresh token.
    Reuse { origin_jti: String },
    /// A refresh with rotation: same family, a new refresh token.
    Rotate { origin_jti: String },
}

/// The sign-in a refresh token continues.
struct Grant<'a> {
    origin_jti: &'a str,
    auth_time: i64,
    new_family: bool,
    device_key: Option<&'a str>,
    scopes: Option<&'a [String]>,
    sso_session: Option<&'a str>,
    /// The authorization code the new family redeems.
    redeem: Option<&'a Redemption>,
}

/// What an OAuth 2.0 grant (the hosted UI, `/oauth2/token`) adds to a token response: the
/// scopes granted instead of the API's admin scope, and the nonce the ID token echoes.
#[derive(Debug, Clone, Default)]
pub(crate) struct OAuthGrant {
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    /// The hosted-UI (SSO) session the grant came through, by its session id: a new family
    /// records it, so its token session names its origin.
    pub sso_session: Option<String>,
}

impl OAuthGrant {
    fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// What the server remembers about a refresh token besides its family.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RefreshData {
    pub client_id: String,
    pub sub: String,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key: Option<String>,
    /// The scopes an OAuth grant gave; refreshes keep them (none: an API sign-in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

/// The claims of an access token that the user-pool API checks.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub token_use: String,
    pub exp: i64,
    #[serde(default)]
    pub scope: String,
    pub origin_jti: Option<String>,
    pub client_id: Option<String>,
}

/// 64 URL-safe characters that never start with `-` (command-line parsers read that as a flag).
fn opaque_token() -> String {
    loop {
        let token = B64URL.encode(cognate_crypto::random::bytes::<48>());
        if !token.starts_with('-') {
            return token;
        }
    }
}

pub(crate) fn refresh_digest(token: &str) -> String {
    cognate_crypto::digest_hex(&[b"refresh-token", token.as_bytes()])
}

impl Idp {
    pub(crate) fn issuer(&self, pool_id: &str) -> String {
        format!("{}/{pool_id}", self.settings.public_url)
    }

    /// Mints the ID and access tokens (and a refresh token when `refresh` asks for one).
    pub(crate) async fn issue_tokens(
        &self,
        pool: Pool,
        client: &AppClient,
        user: &User,
        auth_time: i64,
        refresh: Refresh,
        source: TokenSource,
    ) -> IdpResult<AuthenticationResultType> {
        self.issue_device_tokens(pool, client, user, auth_time, refresh, None, source).await
    }

    /// As [`Idp::issue_tokens`], for a sign-in made on a remembered device: the access token
    /// (and later refreshes) carry its `device_key`. The pool's PreTokenGeneration trigger
    /// may change the claims first.
    #[expect(clippy::too_many_arguments, reason = "each is a distinct fact of the grant")]
    pub(crate) async fn issue_device_tokens(
        &self,
        pool: Pool,
        client: &AppClient,
        user: &User,
        auth_time: i64,
        refresh: Refresh,
        device_key: Option<&str>,
        source: TokenSource,
    ) -> IdpResult<AuthenticationResultType> {
        self.mint_tokens(pool, client, user, auth_time, refresh, device_key, source, None).await
    }

    /// Tokens for a refresh: the refresh token's device and, for an OAuth grant, its scopes,
    /// so refreshing never widens what the sign-in granted.
    pub(crate) async fn issue_refreshed_tokens(
        &self,
        pool: Pool,
        client: &AppClient,
        user: &User,
        data: &RefreshData,
        refresh: Refresh,
        source: TokenSource,
    ) -> IdpResult<AuthenticationResultType> {
        let oauth = data.scopes.clone().map(|scopes| OAuthGrant { scopes, nonce: None, sso_session: None });
        let device = data.device_key.as_deref();
        self.mint_tokens(pool, client, user, data.auth_time, refresh, device, source, oauth.as_ref()).await
    }

    /// Mints the tokens of every grant; `oauth` replaces the admin scope with the granted
    /// ones, adds the nonce, and leaves out the ID token without `openid`.
    #[expect(clippy::too_many_arguments, reason = "each is a distinct fact of the grant")]
    pub(crate) async fn mint_tokens(
        &self,
        pool: Pool,
        client: &AppClient,
        user: &User,
        auth_time: i64,
        refresh: Refresh,
        device_key: Option<&str>,
        source: TokenSource,
        oauth: Option<&OAuthGrant>,
    ) -> IdpResult<AuthenticationResultType> {
        let pool = self.pool_with_keys(pool).await?;
        let now_ms = self.now_ms();
        let now = now_ms / 1000;
        let (origin_jti, new_family) = match &refresh {
            Refresh::NewFamily => (cognate_crypto::random::uuid_v4(), true),
            Refresh::Redeem(r) => (r.origin_jti.clone(), true),
            Refresh::Reuse { origin_jti } | Refresh::Rotate { origin_jti } => (origin_jti.clone(), false),
        };
        let refresh_token = match &refresh {
            Refresh::Reuse { .. } => None,
            _ => {
                let scopes = oauth.map(|o| o.scopes.as_slice());
                let sso_session = oauth.and_then(|o| o.sso_session.as_deref());
                let redeem = match &refresh {
                    Refresh::Redeem(r) => Some(r),
                    _ => None,
                };
                let grant =
                    Grant { origin_jti: &origin_jti, auth_time, new_family, device_key, scopes, sso_session, redeem };
                Some(self.new_refresh_token(&pool, client, user, grant).await?)
            }
        };
        let groups = self.store.groups_of_user(&pool.record.id, &user.record.sub, None, 100).await?;
        let event_id = cognate_crypto::random::uuid_v4();
        let common =
            Common { pool: &pool, user, groups: &groups, origin_jti: &origin_jti, event_id: &event_id, auth_time, now };
        let mut id_claims = self.id_claims(&common, client);
        let mut access_claims = self.access_claims(&common, client);
        if let (Some(key), Value::Object(map)) = (device_key, &mut access_claims) {
            map.insert("device_key".into(), json!(key));
        }
        if let Some(grant) = oauth {
            oauth_claims(grant, &mut id_claims, &mut access_claims);
        }
        let claims = crate::triggers::token_generation::Claims { id: &mut id_claims, access: &mut access_claims };
        Box::pin(self.pre_token_generation(&pool, client, user, source, claims)).await?;
        let sign = |key_use: KeyUse, claims: &Value| self.sign_claims(&pool, key_use, claims);
        Ok(AuthenticationResultType {
            access_token: Some(sign(KeyUse::Access, &access_claims)?),
            id_token: match oauth {
                Some(grant) if !grant.has("openid") => None,
                _ => Some(sign(KeyUse::Id, &id_claims)?),
            },
            refresh_token,
            expires_in: Some(client.access_validity_s()),
            token_type: Some("Bearer".into()),
            new_device_metadata: None,
        })
    }

    async fn new_refresh_token(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: &User,
        grant: Grant<'_>,
    ) -> IdpResult<String> {
        let Grant { origin_jti, auth_time, new_family, device_key, scopes, sso_session, redeem } = grant;
        let now = self.now_ms();
        let expires_ms = now + client.refresh_validity_s() * 1000;
        let family = new_family.then(|| TokenFamily {
            origin_jti: origin_jti.to_owned(),
            pool_id: pool.record.id.clone(),
            client_id: client.id().to_owned(),
            sub: user.record.sub.clone(),
            revoked: false,
            expires_ms,
            created_ms: now,
            sso_session: sso_session.map(String::from),
        });
        let token = opaque_token();
        let data = RefreshData {
            client_id: client.id().to_owned(),
            sub: user.record.sub.clone(),
            auth_time,
            device_key: device_key.map(String::from),
            scopes: scopes.map(<[String]>::to_vec),
        };
        let record = RefreshTokenRecord {
            token_hash: refresh_digest(&token),
            origin_jti: origin_jti.to_owned(),
            pool_id: pool.record.id.clone(),
            created_ms: now,
            expires_ms,
            replaced_ms: None,
            data: serde_json::to_string(&data).map_err(internal)?,
        };
        match (redeem, &family) {
            (Some(r), Some(family)) => {
                if !self.store.insert_family_redeeming(family, &record, &r.code_key, &r.marker).await? {
                    return Err(IdpError::GrantRedeemed);
                }
            }
            _ => self.store.insert_refresh_token(family.as_ref(), &record).await?,
        }
        if new_family {
            self.cap_token_sessions(&pool.record.id, &user.record.sub, origin_jti).await?;
        }
        Ok(token)
    }

    fn id_claims(&self, c: &Common<'_>, client: &AppClient) -> Value {
        let mut claims = Map::new();
        for (name, value) in &c.user.attributes {
            if name.starts_with("dev:") || !client.can_read(name) && name != "sub" {
                continue;
            }
            claims.insert(name.clone(), attribute_claim(name, value));
        }
        c.group_claims(&mut claims, true);
        claims.insert("iss".into(), json!(self.issuer(&c.pool.record.id)));
        claims.insert("cognito:username".into(), json!(c.user.record.username));
        claims.insert("origin_jti".into(), json!(c.origin_jti));
        claims.insert("aud".into(), json!(client.id()));
        claims.insert("event_id".into(), json!(c.event_id));
        claims.insert("token_use".into(), json!("id"));
        claims.insert("auth_time".into(), json!(c.auth_time));
        claims.insert("exp".into(), json!(c.now + client.id_validity_s()));
        claims.insert("iat".into(), json!(c.now));
        claims.insert("jti".into(), json!(cognate_crypto::random::uuid_v4()));
        Value::Object(claims)
    }

    fn access_claims(&self, c: &Common<'_>, client: &AppClient) -> Value {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(c.user.record.sub));
        c.group_claims(&mut claims, false);
        claims.insert("iss".into(), json!(self.issuer(&c.pool.record.id)));
        claims.insert("client_id".into(), json!(client.id()));
        claims.insert("origin_jti".into(), json!(c.origin_jti));
        claims.insert("event_id".into(), json!(c.event_id));
        claims.insert("token_use".into(), json!("access"));
        claims.insert("scope".into(), json!(ADMIN_SCOPE));
        claims.insert("auth_time".into(), json!(c.auth_time));
        claims.insert("exp".into(), json!(c.now + client.access_validity_s()));
        claims.insert("iat".into(), json!(c.now));
        claims.insert("jti".into(), json!(cognate_crypto::random::uuid_v4()));
        claims.insert("username".into(), json!(c.user.record.username));
        Value::Object(claims)
    }

    /// Verifies an access token for the user-pool API and returns its pool, user and claims.
    /// Signature first (keys of the pool its issuer names, so no pool accepts another's
    /// tokens; a token already verified here is known by its digest and spares the RSA
    /// check), then expiry, scope, revocation and the user's state.
    pub(crate) async fn authenticate(&self, token: &str) -> IdpResult<(Pool, User, AccessClaims)> {
        let access = self.check_access(token, false).await?;
        Ok((access.pool, access.user, access.claims))
    }

    /// [`Self::authenticate`], also reading the token's app client (in the same read as the
    /// rest) when `with_client`.
    pub(crate) async fn check_access(&self, token: &str, with_client: bool) -> IdpResult<Access> {
        self.check_access_for(token, with_client, ADMIN_SCOPE).await
    }

    /// [`Self::check_access`] for an operation that needs `scope` (`openid` for userInfo).
    pub(crate) async fn check_access_for(&self, token: &str, with_client: bool, scope: &str) -> IdpResult<Access> {
        let invalid = || IdpError::NotAuthorized("Invalid Access Token".into());
        let parsed = cognate_crypto::jws::parse(token).map_err(|_| invalid())?;
        let claims: AccessClaims = serde_json::from_slice(&parsed.payload).map_err(|_| invalid())?;
        let pool_id = self.issuer_pool(&claims.iss).ok_or_else(invalid)?;
        // One read for the pool's version, the client (when asked for), the family and the
        // user; each is judged below in the order Cognito reports them, after the signature.
        let client_id = claims.client_id.as_deref().filter(|_| with_client);
        let check = self.store.access_check(pool_id, client_id, claims.origin_jti.as_deref(), &claims.sub).await?;
        let pool = match self.pool_at(pool_id, check.pool_version).await {
            Ok(p) => p,
            Err(IdpError::PoolNotFound(_)) => return Err(invalid()),
            Err(e) => return Err(e),
        };
        let kid = parsed.kid.as_deref().ok_or_else(invalid)?;
        if claims.token_use != "access" || !self.signature_ok(&pool, token, &parsed, kid, KeyUse::Access)? {
            return Err(invalid());
        }
        if claims.exp <= self.now_ms() / 1000 {
            return Err(IdpError::NotAuthorized("Access Token has expired".into()));
        }
        if !claims.scope.split(' ').any(|s| s == scope) {
            return Err(IdpError::NotAuthorized("Access Token does not have required scopes".into()));
        }
        if claims.origin_jti.is_some() && check.family.is_none_or(|f| f.revoked) {
            return Err(IdpError::NotAuthorized("Access Token has been revoked".into()));
        }
        let record = check.user.ok_or(IdpError::NotAuthorized("User does not exist.".into()))?;
        if !record.enabled {
            return Err(IdpError::NotAuthorized("User is disabled.".into()));
        }
        let client = check.client.filter(|c| c.pool_id == pool.record.id);
        Ok(Access { pool, user: User::from_record(record)?, claims, client })
    }
}

/// Whom a valid access token speaks for, as the session operations need it: the pool, the
/// user, and the refresh-token family (token session) it was minted from, if any.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub pool_id: String,
    pub sub: String,
    pub origin_jti: Option<String>,
}

impl Idp {
    /// Checks an access token as every access-token operation does (signature, expiry,
    /// scope, revocation, the user's state) and says whom it speaks for.
    pub async fn token_owner(&self, token: &str) -> IdpResult<TokenOwner> {
        let (pool, user, claims) = self.authenticate(token).await?;
        Ok(TokenOwner { pool_id: pool.record.id.clone(), sub: user.record.sub.clone(), origin_jti: claims.origin_jti })
    }
}

/// A valid access token: its pool, user and claims, and its app client when it was asked for
/// and still exists in the pool.
pub(crate) struct Access {
    pub pool: Pool,
    pub user: User,
    pub claims: AccessClaims,
    pub client: Option<ClientRecord>,
}

struct Common<'a> {
    pool: &'a Pool,
    user: &'a User,
    groups: &'a [GroupRecord],
    origin_jti: &'a str,
    event_id: &'a str,
    auth_time: i64,
    now: i64,
}

impl Common<'_> {
    /// `cognito:groups` in both tokens; roles and the preferred role in the ID token. The
    /// preferred role is the lowest-precedence group's, omitted when that is a tie.
    fn group_claims(&self, claims: &mut Map<String, Value>, with_roles: bool) {
        if self.groups.is_empty() {
            return;
        }
        claims.insert("cognito:groups".into(), json!(self.groups.iter().map(|g| &g.name).collect::<Vec<_>>()));
        if !with_roles {
            return;
        }
        let roles: Vec<&String> = self.groups.iter().filter_map(|g| g.role_arn.as_ref()).collect();
        if roles.is_empty() {
            return;
        }
        claims.insert("cognito:roles".into(), json!(roles));
        let with_role = || self.groups.iter().filter(|g| g.role_arn.is_some());
        let best = with_role().filter_map(|g| g.precedence).min();
        let preferred: Vec<&GroupRecord> = match best {
            Some(p) => with_role().filter(|g| g.precedence == Some(p)).collect(),
            None => with_role().collect(),
        };
        if let [only] = preferred.as_slice() {
            claims.insert("cognito:preferred_role".into(), json!(only.role_arn));
        }
    }
}

/// The OAuth grant's claims: its scopes (and `version` 2, as OAuth-issued access tokens
/// carry), and the authorization request's nonce in the ID token.
fn oauth_claims(grant: &OAuthGrant, id: &mut Value, access: &mut Value) {
    if let Value::Object(map) = access {
        map.insert("scope".into(), json!(grant.scopes.join(" ")));
        map.insert("version".into(), json!(2));
    }
    if let (Some(nonce), Value::Object(map)) = (&grant.nonce, id) {
        map.insert("nonce".into(), json!(nonce));
    }
}

/// Attribute values as ID-token claims: verified flags as booleans, `updated_at` as a
/// number, `address` as an object, `identities` as parsed JSON, everything else a string.
pub(crate) fn attribute_claim(name: &str, value: &str) -> Value {
    match name {
        "email_verified" | "phone_number_verified" => json!(value == "true"),
        "updated_at" => value.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(value)),
        "address" => json!({ "formatted": value }),
        "identities" => serde_json::from_str(value).unwrap_or_else(|_| json!(value)),
        _ => json!(value),
    }
}
