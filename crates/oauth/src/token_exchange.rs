//! OAuth 2.0 Token Exchange (RFC 8693): the GetDerivedToken operation and the
//! `urn:ietf:params:oauth:grant-type:token-exchange` grant of `POST /oauth2/token`. An app
//! client allowed to impersonate (`ALLOW_TOKEN_EXCHANGE_IMPERSONATION`) or to act as a
//! delegate (`ALLOW_TOKEN_EXCHANGE_DELEGATION`, with an actor token) trades a user's Cognito
//! token of its own pool for a new one: narrower scopes, an audience or resource server, and
//! an `act` claim naming the actor. The derived token keeps the subject's `origin_jti`, so
//! signing the user out or revoking the session revokes it too.

use crate::OAuth;
use cognate_idp::exchange::{ExchangeClient, TokenUse, VerifiedToken};
use cognate_idp::{IdpError, IdpResult};
use cognate_wire::idp::types::{GetDerivedTokenRequest, GetDerivedTokenResponse};
use serde_json::{Map, Value, json};

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const URN_ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
const URN_ID: &str = "urn:ietf:params:oauth:token-type:id_token";
const URN_SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";
const IMPERSONATION: &str = "ALLOW_TOKEN_EXCHANGE_IMPERSONATION";
const DELEGATION: &str = "ALLOW_TOKEN_EXCHANGE_DELEGATION";
/// The scopes an ID token stands for: it carries no `scope` claim, and proves no more than
/// an OpenID sign-in, so exchanging one never yields API or resource-server scopes.
const ID_TOKEN_SCOPES: [&str; 1] = ["openid"];

/// A token type, as the API (`ACCESS_TOKEN`) or RFC 8693 (`urn:…:access_token`) names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Id,
    Saml2,
}

impl TokenKind {
    fn from_api(name: &str) -> Option<Self> {
        match name {
            "ACCESS_TOKEN" => Some(TokenKind::Access),
            "ID_TOKEN" => Some(TokenKind::Id),
            "SAML2" => Some(TokenKind::Saml2),
            _ => None,
        }
    }

    fn from_urn(urn: &str) -> Option<Self> {
        match urn {
            URN_ACCESS => Some(TokenKind::Access),
            URN_ID => Some(TokenKind::Id),
            URN_SAML2 => Some(TokenKind::Saml2),
            _ => None,
        }
    }

    fn api_name(self) -> &'static str {
        match self {
            TokenKind::Access => "ACCESS_TOKEN",
            TokenKind::Id => "ID_TOKEN",
            TokenKind::Saml2 => "SAML2",
        }
    }

    fn urn(self) -> &'static str {
        match self {
            TokenKind::Access => URN_ACCESS,
            TokenKind::Id => URN_ID,
            TokenKind::Saml2 => URN_SAML2,
        }
    }

    /// RFC 8693 §2.2.1: an access token is a Bearer token; anything else is `N_A`.
    fn token_type(self) -> &'static str {
        if self == TokenKind::Access { "Bearer" } else { "N_A" }
    }
}

/// A token presented for exchange: its value, declared type, and the third-party provider
/// that issued it, if not Cognito.
#[derive(Debug, Clone)]
pub struct Presented {
    pub token: String,
    pub kind: TokenKind,
    pub provider: Option<String>,
}

/// An exchange request, from either door.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub subject: Presented,
    pub actor: Option<Presented>,
    /// `None`: the subject token's scopes.
    pub scopes: Option<Vec<String>>,
    pub audience: Option<String>,
    pub resource: Option<String>,
    pub requested: TokenKind,
}

/// The issued token.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchanged {
    pub token: String,
    pub kind: TokenKind,
    pub expires_in: i64,
    pub scopes: Vec<String>,
}

/// Why an exchange failed, in RFC 8693 §2.2.2's terms; the API maps each to a Cognito
/// exception (`InvalidGrant` to NotAuthorizedException, the others to
/// InvalidParameterException).
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    UnauthorizedClient(String),
    /// The subject or actor token is not a valid token of the client's pool.
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    InvalidTarget(String),
    #[error("{0}")]
    InvalidScope(String),
    #[error(transparent)]
    Idp(#[from] IdpError),
}

impl ExchangeError {
    /// The RFC 6749 / RFC 8693 `error` value (the domain's own failures are `server_error`).
    pub fn code(&self) -> &'static str {
        match self {
            ExchangeError::InvalidRequest(_) => "invalid_request",
            ExchangeError::UnauthorizedClient(_) => "unauthorized_client",
            ExchangeError::InvalidGrant(_) => "invalid_grant",
            ExchangeError::InvalidTarget(_) => "invalid_target",
            ExchangeError::InvalidScope(_) => "invalid_scope",
            ExchangeError::Idp(_) => "server_error",
        }
    }

    fn into_idp(self) -> IdpError {
        match self {
            ExchangeError::InvalidGrant(text) => IdpError::NotAuthorized(text),
            ExchangeError::Idp(e) => e,
            other => IdpError::InvalidParameter(other.to_string()),
        }
    }
}

type ExchangeResult<T> = Result<T, ExchangeError>;

/// The granted scopes: requested ∩ the subject's ∩ the client's, in the order asked
/// (the subject's order when none are asked). Asking for scopes of which none can be
/// granted is `invalid_scope`; asking for nothing grants what survives, possibly nothing.
pub(crate) fn granted_scopes(
    requested: Option<&[String]>,
    subject: &[String],
    client: &[String],
) -> ExchangeResult<Vec<String>> {
    let asked = requested.filter(|r| !r.is_empty());
    let mut granted: Vec<String> = Vec::new();
    for scope in asked.unwrap_or(subject) {
        if subject.contains(scope) && client.contains(scope) && !granted.contains(scope) {
            granted.push(scope.clone());
        }
    }
    if asked.is_some() && granted.is_empty() {
        return Err(ExchangeError::InvalidScope(
            "None of the requested scopes is held by the subject token and allowed for the client.".into(),
        ));
    }
    Ok(granted)
}

/// RFC 8693 §4.1's `act`: the actor's `sub` (and `client_id` when the actor token is an
/// access token); when the subject token was itself delegated, its `act` nests inside as the
/// prior actor, so the chain stays visible.
pub(crate) fn act_claim(actor: &Map<String, Value>, kind: TokenKind, prior: Option<&Value>) -> Value {
    let mut act = Map::new();
    if let Some(sub) = actor.get("sub") {
        act.insert("sub".into(), sub.clone());
    }
    if kind == TokenKind::Access
        && let Some(client_id) = actor.get("client_id")
    {
        act.insert("client_id".into(), client_id.clone());
    }
    if let Some(prior) = prior {
        act.insert("act".into(), prior.clone());
    }
    Value::Object(act)
}

/// The subject's scopes: an access token's `scope` claim; an ID token's stand-in set.
fn subject_scopes(subject: &VerifiedToken, kind: TokenKind) -> Vec<String> {
    match kind {
        TokenKind::Access => subject
            .claim_str("scope")
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        _ => ID_TOKEN_SCOPES.map(String::from).to_vec(),
    }
}

/// Claims copied from the subject token when present.
const CARRIED: [&str; 5] = ["cognito:groups", "cognito:roles", "cognito:preferred_role", "auth_time", "origin_jti"];

fn carry(subject: &VerifiedToken, claims: &mut Map<String, Value>, names: &[&str]) {
    for name in names {
        if let Some(value) = subject.claims.get(*name) {
            claims.insert((*name).into(), value.clone());
        }
    }
}

impl OAuth {
    /// The exchange itself, for a client already authenticated (its secret, or the API's
    /// SigV4 signature). Checks in this order: the request's shape, the client's flow, the
    /// subject, the actor, the target, the scopes.
    pub async fn exchange(&self, client: &ExchangeClient, req: Exchange) -> ExchangeResult<Exchanged> {
        check_shape(&req)?;
        let flow = if req.actor.is_some() { DELEGATION } else { IMPERSONATION };
        if !client.auth_flows.iter().any(|f| f == flow) {
            return Err(ExchangeError::UnauthorizedClient(format!(
                "Client {} is not allowed to exchange tokens: {flow} is not in its ExplicitAuthFlows.",
                client.client_id
            )));
        }
        let subject = self.presented(client, &req.subject, "subject", false).await?;
        let actor = match &req.actor {
            Some(a) => Some((self.presented(client, a, "actor", true).await?, a.kind)),
            None => None,
        };
        let target = self.target(client, &req).await?;
        let held = subject_scopes(&subject, req.subject.kind);
        let scopes = granted_scopes(req.scopes.as_deref(), &held, &client.scopes)?;
        let mut claims = Map::new();
        carry(&subject, &mut claims, &CARRIED);
        if let Some((actor, kind)) = &actor {
            claims.insert("act".into(), act_claim(&actor.claims, *kind, subject.claims.get("act")));
        } else {
            carry(&subject, &mut claims, &["act"]);
        }
        Ok(self.issue(client, &subject, claims, target, &scopes, req.requested).await?)
    }

    /// A presented token, fully verified (signature, pool, expiry, revocation, user) and of
    /// the client's pool: a token of one pool is never accepted by another.
    async fn presented(
        &self,
        client: &ExchangeClient,
        p: &Presented,
        role: &str,
        allow_machine: bool,
    ) -> ExchangeResult<VerifiedToken> {
        let token_use = match p.kind {
            TokenKind::Access => TokenUse::Access,
            TokenKind::Id => TokenUse::Id,
            TokenKind::Saml2 => return Err(federation(role)),
        };
        let verified = match self.idp.verify_token(&p.token, token_use, allow_machine).await {
            Ok(v) => v,
            Err(IdpError::NotAuthorized(text)) => {
                return Err(ExchangeError::InvalidGrant(format!("The {role} token is not valid: {text}")));
            }
            Err(e) => return Err(e.into()),
        };
        if verified.pool_id != client.pool_id {
            return Err(ExchangeError::InvalidGrant(format!(
                "The {role} token was not issued by the user pool of client {}.",
                client.client_id
            )));
        }
        Ok(verified)
    }

    /// The issued token's `aud`: the audience as given, or a resource server of the pool
    /// by its identifier.
    async fn target(&self, client: &ExchangeClient, req: &Exchange) -> ExchangeResult<Option<String>> {
        if let Some(resource) = &req.resource {
            let found = self.store.get_resource_server(&client.pool_id, resource).await.map_err(IdpError::from)?;
            if found.is_none() {
                return Err(ExchangeError::InvalidTarget(format!(
                    "Resource server {resource} does not exist in the user pool."
                )));
            }
            return Ok(Some(resource.clone()));
        }
        Ok(req.audience.clone())
    }

    async fn issue(
        &self,
        client: &ExchangeClient,
        subject: &VerifiedToken,
        mut claims: Map<String, Value>,
        target: Option<String>,
        scopes: &[String],
        kind: TokenKind,
    ) -> IdpResult<Exchanged> {
        let now = self.clock.now().millis() / 1000;
        let pool_id = &client.pool_id;
        let validity = if kind == TokenKind::Id { client.id_validity_s } else { client.access_validity_s };
        let username = subject.username.clone().unwrap_or_default();
        claims.insert("sub".into(), json!(subject.sub));
        claims.insert("iss".into(), json!(self.idp.token_issuer(pool_id)));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + validity));
        claims.insert("jti".into(), json!(cognate_crypto::random::uuid_v4()));
        claims.entry("auth_time").or_insert_with(|| json!(now));
        let token = if kind == TokenKind::Id {
            claims.extend(self.idp.id_token_attributes(client, subject));
            claims.insert("cognito:username".into(), json!(username));
            claims.insert("aud".into(), json!(target.unwrap_or_else(|| client.client_id.clone())));
            claims.insert("token_use".into(), json!("id"));
            self.idp.sign_id_token(pool_id, &Value::Object(claims)).await?
        } else {
            claims.insert("client_id".into(), json!(client.client_id));
            claims.insert("username".into(), json!(username));
            claims.insert("token_use".into(), json!("access"));
            claims.insert("scope".into(), json!(scopes.join(" ")));
            claims.insert("version".into(), json!(2));
            if let Some(aud) = target {
                claims.insert("aud".into(), json!(aud));
            }
            self.idp.sign_access_token(pool_id, &Value::Object(claims)).await?
        };
        Ok(Exchanged { token, kind, expires_in: validity, scopes: scopes.to_vec() })
    }

    /// GetDerivedToken. As Cognito documents, the caller holds IAM credentials (the API layer
    /// verified the administrator's SigV4 signature) or presents the client's id and, if the
    /// client has one, its secret. A secret that is given must be one of the client's
    /// (checked in constant time), so a wrong one is never silently ignored.
    pub async fn get_derived_token(&self, req: GetDerivedTokenRequest) -> IdpResult<GetDerivedTokenResponse> {
        let client_id = req.client_id.clone().unwrap_or_default();
        let secret = req.client_secret.as_deref().filter(|s| !s.is_empty());
        let (client, secret_ok) = self.idp.exchange_client(&client_id, secret).await?;
        // The administrator's signature stands for the client's secret; without it, a client
        // that has a secret must present it.
        let needs_secret = client.has_secret && !cognate_idp::iam_authenticated();
        if (secret.is_some() || needs_secret) && !secret_ok {
            return Err(IdpError::NotAuthorized(format!("Unable to verify secret for client {client_id}")));
        }
        let exchange = api_exchange(req).map_err(ExchangeError::into_idp)?;
        let issued = self.exchange(&client, exchange).await.map_err(ExchangeError::into_idp)?;
        Ok(GetDerivedTokenResponse {
            issued_token: Some(issued.token),
            issued_token_type: Some(issued.kind.api_name().into()),
            token_type: Some(issued.kind.token_type().into()),
            expires_in: Some(issued.expires_in),
            scopes: Some(issued.scopes),
        })
    }
}

fn federation(role: &str) -> ExchangeError {
    ExchangeError::InvalidRequest(format!(
        "The {role} token must be a Cognito ID or access token: SAML 2.0 and third-party provider tokens need \
         federation, which Cognate does not support yet."
    ))
}

/// The rules that need no lookup: one target at most, Cognito tokens only, a token type
/// Cognito can issue.
fn check_shape(req: &Exchange) -> ExchangeResult<()> {
    if req.audience.is_some() && req.resource.is_some() {
        return Err(ExchangeError::InvalidRequest("Audiences and Resources cannot both be requested.".into()));
    }
    if req.subject.provider.is_some() || req.subject.kind == TokenKind::Saml2 {
        return Err(federation("subject"));
    }
    if req.actor.as_ref().is_some_and(|a| a.provider.is_some() || a.kind == TokenKind::Saml2) {
        return Err(federation("actor"));
    }
    if req.requested == TokenKind::Saml2 {
        return Err(ExchangeError::InvalidRequest("Cognito cannot issue a SAML 2.0 assertion.".into()));
    }
    Ok(())
}

fn api_kind(name: Option<&str>, field: &str) -> ExchangeResult<TokenKind> {
    let name = name.unwrap_or_default();
    TokenKind::from_api(name).ok_or_else(|| ExchangeError::InvalidRequest(format!("{field} {name} is not valid.")))
}

/// GetDerivedToken's fields as an exchange (the model has already checked the enums and
/// that Audiences and Resources hold one value at most).
fn api_exchange(req: GetDerivedTokenRequest) -> ExchangeResult<Exchange> {
    let subject = Presented {
        token: req.subject_token.unwrap_or_default(),
        kind: api_kind(req.subject_token_type.as_deref(), "SubjectTokenType")?,
        provider: req.subject_token_provider_name,
    };
    let actor = match (req.actor_token, req.actor_token_type.as_deref()) {
        (Some(token), Some(kind)) => Some(Presented {
            token,
            kind: api_kind(Some(kind), "ActorTokenType")?,
            provider: req.actor_token_provider_name,
        }),
        (Some(_), None) => {
            return Err(ExchangeError::InvalidRequest("ActorTokenType is required with an ActorToken.".into()));
        }
        (None, _) if req.actor_token_type.is_some() || req.actor_token_provider_name.is_some() => {
            return Err(ExchangeError::InvalidRequest(
                "ActorTokenType and ActorTokenProviderName need an ActorToken.".into(),
            ));
        }
        (None, _) => None,
    };
    let requested = match req.requested_token_type.as_deref() {
        Some(name) => api_kind(Some(name), "RequestedTokenType")?,
        None => TokenKind::Access,
    };
    Ok(Exchange {
        subject,
        actor,
        scopes: req.scopes,
        audience: req.audiences.and_then(|a| a.into_iter().next()),
        resource: req.resources.and_then(|r| r.into_iter().next()),
        requested,
    })
}

/// The token endpoint's form as an exchange (RFC 8693 §2.1).
pub(crate) fn form_exchange(get: impl Fn(&str) -> Option<String>) -> ExchangeResult<Exchange> {
    let kind = |field: &str| -> ExchangeResult<Option<TokenKind>> {
        match get(field) {
            None => Ok(None),
            Some(urn) => TokenKind::from_urn(&urn)
                .map(Some)
                .ok_or_else(|| ExchangeError::InvalidRequest(format!("{field} {urn} is not supported."))),
        }
    };
    let missing = |field: &str| ExchangeError::InvalidRequest(format!("{field} is missing."));
    let subject = Presented {
        token: get("subject_token").ok_or_else(|| missing("subject_token"))?,
        kind: kind("subject_token_type")?.ok_or_else(|| missing("subject_token_type"))?,
        provider: None,
    };
    let actor = match (get("actor_token"), kind("actor_token_type")?) {
        (Some(token), Some(kind)) => Some(Presented { token, kind, provider: None }),
        (Some(_), None) => return Err(missing("actor_token_type")),
        (None, Some(_)) => return Err(missing("actor_token")),
        (None, None) => None,
    };
    let scopes = get("scope").map(|s| s.split(' ').filter(|s| !s.is_empty()).map(String::from).collect());
    Ok(Exchange {
        subject,
        actor,
        scopes,
        audience: get("audience"),
        resource: get("resource"),
        requested: kind("requested_token_type")?.unwrap_or(TokenKind::Access),
    })
}

/// The token endpoint's answer fields for an exchange (RFC 8693 §2.2.1).
pub(crate) fn issued_fields(issued: &Exchanged) -> (&'static str, &'static str, String) {
    (issued.kind.urn(), issued.kind.token_type(), issued.scopes.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn scopes_are_the_intersection() {
        let subject = v(&["openid", "aws.cognito.signin.user.admin", "rs/read", "rs/write"]);
        let client = v(&["openid", "rs/read", "rs/write", "rs/admin"]);
        let granted = |asked: Option<&[&str]>| granted_scopes(asked.map(v).as_deref(), &subject, &client);
        assert_eq!(granted(None).unwrap(), ["openid", "rs/read", "rs/write"]);
        assert_eq!(granted(Some(&["rs/write", "rs/read", "rs/write"])).unwrap(), ["rs/write", "rs/read"]);
        assert_eq!(granted(Some(&["rs/read", "rs/admin", "aws.cognito.signin.user.admin"])).unwrap(), ["rs/read"]);
        assert!(matches!(granted(Some(&["rs/admin"])), Err(ExchangeError::InvalidScope(_))));
        assert_eq!(granted(Some(&[])).unwrap(), ["openid", "rs/read", "rs/write"]);
        assert_eq!(granted_scopes(None, &subject, &[]).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn act_names_the_actor_and_nests_prior_actors() {
        let access = json!({"sub": "svc", "client_id": "c1", "scope": "x", "username": "svc"});
        let Value::Object(access) = access else { unreachable!() };
        assert_eq!(act_claim(&access, TokenKind::Access, None), json!({"sub": "svc", "client_id": "c1"}));
        assert_eq!(act_claim(&access, TokenKind::Id, None), json!({"sub": "svc"}));
        let prior = json!({"sub": "svc0", "client_id": "c0"});
        assert_eq!(
            act_claim(&access, TokenKind::Access, Some(&prior)),
            json!({"sub": "svc", "client_id": "c1", "act": {"sub": "svc0", "client_id": "c0"}})
        );
    }

    #[test]
    fn form_fields() {
        let form = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let ok = form_exchange(form(&[("subject_token", "t"), ("subject_token_type", URN_ID), ("scope", "a  b")]));
        let ok = ok.unwrap();
        assert_eq!(
            (ok.subject.kind, ok.requested, ok.scopes),
            (TokenKind::Id, TokenKind::Access, Some(v(&["a", "b"])))
        );
        let bad = form_exchange(form(&[("subject_token", "t"), ("subject_token_type", "urn:x")]));
        assert!(matches!(bad, Err(ExchangeError::InvalidRequest(_))));
        let lone =
            form_exchange(form(&[("subject_token", "t"), ("subject_token_type", URN_ACCESS), ("actor_token", "a")]));
        assert!(matches!(lone, Err(ExchangeError::InvalidRequest(_))));
    }
}
