//! The OpenID tokens identity pools issue (GetOpenIdToken, GetOpenIdTokenForDeveloperIdentity):
//! RS512, `iss` the deployment's identity issuer, `aud` the identity pool, `sub` the
//! identity, `amr`, and the principal tags in `https://aws.amazon.com/tags`. One key per
//! deployment, sealed under the master key; its JWKS and discovery document are served at
//! the issuer, so any relying party (an external STS included) can verify the tokens.

use crate::error::internal;
use crate::logins::{COGNITO_IDENTITY, VerifiedLogin};
use crate::pools::PoolDoc;
use crate::{Identity, IdentityError, IdentityResult};
use cognate_crypto::jws::{Jwk, RsaAlg, SigningKey};
use cognate_wire::identity::types::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const KEY_SETTING: &str = "identity.issuer_key";
const KEY_PURPOSE: &str = "cognate identity issuer key";
/// GetOpenIdToken's tokens last ten minutes; the developer form's 15 by default.
const CLASSIC_TOKEN_S: i64 = 600;
const DEVELOPER_TOKEN_S: i64 = 900;
/// The claim principal tags travel in, as STS reads it.
pub(crate) const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";

pub(crate) struct IssuerKey {
    key: SigningKey,
    jwk: Jwk,
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    pkcs8: String,
}

/// Who a token or a set of credentials is for: the identity, how it signed in, its tags.
#[derive(Debug, Clone, Default)]
pub(crate) struct Subject {
    pub pool_id: String,
    pub identity_id: String,
    /// `authenticated` or `unauthenticated`, then what each login adds.
    pub amr: Vec<String>,
    pub principal_tags: BTreeMap<String, String>,
    /// The claims of the login that decided the role (role rules read them).
    pub logins: Vec<VerifiedLogin>,
}

impl Subject {
    pub fn authenticated(&self) -> bool {
        self.amr.first().is_some_and(|a| a == "authenticated")
    }
}

/// An identity token's `amr`.
pub(crate) fn token_amr(claims: &Map<String, Value>) -> Vec<String> {
    let list = claims.get("amr").and_then(Value::as_array);
    list.map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default()
}

/// An identity token's principal tags (`https://aws.amazon.com/tags`).
pub(crate) fn token_tags(claims: &Map<String, Value>) -> BTreeMap<String, String> {
    claims
        .get(TAGS_CLAIM)
        .and_then(|t| t.get("principal_tags"))
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.get(0)?.as_str()?.to_owned()))).collect())
        .unwrap_or_default()
}

/// `amr` for an identity: `unauthenticated`, or `authenticated` and each login's entries.
pub(crate) fn amr(logins: &[VerifiedLogin]) -> Vec<String> {
    if logins.is_empty() {
        return vec!["unauthenticated".into()];
    }
    std::iter::once("authenticated".to_owned()).chain(logins.iter().flat_map(|l| l.amr.iter().cloned())).collect()
}

impl Identity {
    /// The deployment's identity key: read and opened once, or made on first use (the
    /// first node to store one wins; the others read it).
    pub(crate) async fn issuer_key(&self) -> IdentityResult<&IssuerKey> {
        self.openid_key
            .get_or_try_init(|| async {
                let stored = match self.store.get_setting(KEY_SETTING).await? {
                    Some(v) => v,
                    None => {
                        let pkcs8 = cognate_crypto::jws::generate_rsa_pkcs8().map_err(internal)?;
                        use base64::Engine as _;
                        let fresh = StoredKey {
                            kid: cognate_crypto::random::uuid_v4(),
                            pkcs8: base64::engine::general_purpose::STANDARD.encode(pkcs8),
                        };
                        let sealed = self
                            .master_key
                            .seal(KEY_PURPOSE, serde_json::to_string(&fresh).map_err(internal)?.as_bytes());
                        self.store.put_setting_if_absent(KEY_SETTING, &sealed).await?
                    }
                };
                let opened = self.master_key.open(KEY_PURPOSE, &stored).map_err(internal)?;
                let stored: StoredKey = serde_json::from_slice(&opened).map_err(internal)?;
                use base64::Engine as _;
                let der = base64::engine::general_purpose::STANDARD.decode(&stored.pkcs8).map_err(internal)?;
                let key = SigningKey::from_pkcs8(&stored.kid, &der).map_err(internal)?;
                let jwk = key.jwk_for(RsaAlg::Rs512);
                Ok::<_, IdentityError>(IssuerKey { key, jwk })
            })
            .await
    }

    pub async fn identity_jwks(&self) -> IdentityResult<Value> {
        Ok(json!({ "keys": [self.issuer_key().await?.jwk] }))
    }

    pub fn identity_openid_configuration(&self) -> Value {
        let issuer = &self.settings.issuer;
        json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/.well-known/jwks_uri"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS512"],
            "claims_supported": ["aud", "sub", "amr", "iss", "exp", "iat", TAGS_CLAIM],
        })
    }

    pub(crate) async fn sign_identity_token(&self, subject: &Subject, ttl_s: i64) -> IdentityResult<String> {
        let now = self.now_s();
        let mut claims = json!({
            "sub": subject.identity_id,
            "aud": subject.pool_id,
            "amr": subject.amr,
            "iss": self.settings.issuer,
            "exp": now + ttl_s,
            "iat": now,
            "https://cognito-identity.amazonaws.com/identity-pool-arn": self.identity_pool_arn(&subject.pool_id),
        });
        if !subject.principal_tags.is_empty() {
            let tags: BTreeMap<&String, [&String; 1]> = subject.principal_tags.iter().map(|(k, v)| (k, [v])).collect();
            claims[TAGS_CLAIM] = json!({ "principal_tags": tags, "transitive_tag_keys": subject.principal_tags.keys().collect::<Vec<_>>() });
        }
        let body = serde_json::to_vec(&claims).map_err(internal)?;
        self.issuer_key().await?.key.sign_jwt_with(RsaAlg::Rs512, &body).map_err(internal)
    }

    /// The claims of an identity token this deployment issued: signature (RS512 by the
    /// issuer key, nothing else), issuer and expiry.
    pub(crate) async fn verify_identity_token(
        &self,
        token: &str,
    ) -> IdentityResult<Result<Map<String, Value>, String>> {
        let key = self.issuer_key().await?;
        Ok(self.check_identity_token(key, token))
    }

    fn check_identity_token(&self, key: &IssuerKey, token: &str) -> Result<Map<String, Value>, String> {
        let parsed = cognate_crypto::jws::parse(token).map_err(|_| "the token is malformed".to_string())?;
        if parsed.kid.as_deref() != Some(key.jwk.kid.as_str()) || !parsed.verify_rsa(RsaAlg::Rs512, &key.jwk) {
            return Err("the token's signature is not valid".into());
        }
        let claims: Map<String, Value> =
            serde_json::from_slice(&parsed.payload).map_err(|_| "the token is malformed".to_string())?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.settings.issuer.as_str()) {
            return Err("the token was issued by another issuer".into());
        }
        if claims.get("exp").and_then(Value::as_i64).is_none_or(|exp| exp <= self.now_s()) {
            return Err("the token has expired".into());
        }
        Ok(claims)
    }

    /// The audience check of [`Self::verify_pool_token`].
    fn verify_pool_token_claims(
        &self,
        pool: &PoolDoc,
        claims: Map<String, Value>,
    ) -> IdentityResult<Map<String, Value>> {
        if claims.get("aud").and_then(Value::as_str) != Some(pool.id()) {
            return Err(IdentityError::NotAuthorized("Invalid login token. Incorrect token audience.".into()));
        }
        Ok(claims)
    }

    /// An identity token presented as the `cognito-identity.amazonaws.com` login of `pool`.
    pub(crate) async fn verify_pool_token(&self, pool: &PoolDoc, token: &str) -> IdentityResult<Map<String, Value>> {
        let claims = self
            .verify_identity_token(token)
            .await?
            .map_err(|e| IdentityError::NotAuthorized(format!("Invalid login token. {e}")))?;
        self.verify_pool_token_claims(pool, claims)
    }

    /// The principal tags of a subject: for each login, the pool's tag map for its provider
    /// applied to the login's claims.
    pub(crate) fn principal_tags(&self, pool: &PoolDoc, logins: &[VerifiedLogin]) -> BTreeMap<String, String> {
        let mut tags = BTreeMap::new();
        for login in logins {
            for (tag, claim) in pool.tag_map(&login.provider) {
                let value = match login.claims.get(&claim) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
                    Some(Value::Null) | None => continue,
                    Some(other) => other.to_string(),
                };
                tags.insert(tag, value);
            }
        }
        tags
    }

    /// Who an existing identity is when used with `logins` (the `cognito-identity` token
    /// alone, or provider logins linked or to link), for GetCredentialsForIdentity and
    /// GetOpenIdToken; with the identity's pool, read once.
    pub(crate) async fn subject_for(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> IdentityResult<(Subject, PoolDoc)> {
        let identity = self.load_identity(identity_id).await?;
        let Some(token) = logins.get(COGNITO_IDENTITY) else {
            let verified = self.verify_logins(&identity.pool, logins).await?;
            let identity = self.identity_with_logins(identity, &verified).await?;
            let subject = Subject {
                principal_tags: self.principal_tags(&identity.pool, &verified),
                pool_id: identity.pool.id().to_owned(),
                identity_id: identity.id,
                amr: amr(&verified),
                logins: verified,
            };
            return Ok((subject, identity.pool));
        };
        crate::identities::only_login(logins)?;
        if identity.doc.disabled {
            return Err(crate::identities::forbidden(identity_id));
        }
        let claims = self.verify_pool_token(&identity.pool, token).await?;
        if claims.get("sub").and_then(Value::as_str) != Some(identity_id) {
            return Err(IdentityError::NotAuthorized("Invalid login token. The token is for another identity.".into()));
        }
        let amr = token_amr(&claims);
        // Only the developer flow's tokens stand for logins here: a classic-flow token of
        // another provider would dodge that provider's role mapping.
        let Some(dev) = identity.pool.developer_provider().filter(|dev| amr.iter().any(|a| a == dev)) else {
            return Err(IdentityError::NotAuthorized(
                "Invalid login token. Only GetOpenIdTokenForDeveloperIdentity's tokens are accepted as logins.".into(),
            ));
        };
        // The developer login this token stands for decides role mappings.
        let login = VerifiedLogin {
            provider: dev.to_owned(),
            subject: String::new(),
            claims: claims.clone(),
            mapping_key: dev.to_owned(),
            amr: Vec::new(),
        };
        let subject = Subject {
            pool_id: identity.pool.id().to_owned(),
            identity_id: identity.id,
            principal_tags: token_tags(&claims),
            amr,
            logins: vec![login],
        };
        Ok((subject, identity.pool))
    }

    pub async fn get_open_id_token(&self, req: GetOpenIdTokenInput) -> IdentityResult<GetOpenIdTokenResponse> {
        let id = req.identity_id.unwrap_or_default();
        let logins = req.logins.unwrap_or_default();
        // The identity pool's own token is already an OpenID token: trading it for another
        // would stretch a short developer token's life without end.
        if logins.contains_key(COGNITO_IDENTITY) {
            return Err(IdentityError::NotAuthorized(
                "Invalid login token. GetOpenIdToken does not take a cognito-identity.amazonaws.com token.".into(),
            ));
        }
        let (subject, pool) = self.subject_for(&id, &logins).await?;
        if !pool.allows_classic_flow() {
            return Err(IdentityError::InvalidParameter(
                "Basic (classic) flow is not enabled, please use enhanced flow.".into(),
            ));
        }
        let token = self.sign_identity_token(&subject, CLASSIC_TOKEN_S).await?;
        Ok(GetOpenIdTokenResponse { identity_id: Some(subject.identity_id), token: Some(token) })
    }

    pub async fn get_open_id_token_for_developer_identity(
        &self,
        req: GetOpenIdTokenForDeveloperIdentityInput,
    ) -> IdentityResult<GetOpenIdTokenForDeveloperIdentityResponse> {
        let pool = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        let logins = req.logins.unwrap_or_default();
        let (identity_id, verified) = self.developer_identity(&pool, req.identity_id.as_deref(), &logins).await?;
        let mut principal_tags = self.principal_tags(&pool, &verified);
        principal_tags.extend(req.principal_tags.unwrap_or_default());
        let subject = Subject {
            pool_id: pool.id().to_owned(),
            identity_id,
            amr: amr(&verified),
            principal_tags,
            logins: verified,
        };
        let ttl = req.token_duration.unwrap_or(DEVELOPER_TOKEN_S);
        let token = self.sign_identity_token(&subject, ttl).await?;
        Ok(GetOpenIdTokenForDeveloperIdentityResponse { identity_id: Some(subject.identity_id), token: Some(token) })
    }
}
