//! Machine-to-machine tokens: the client_credentials grant of `POST /oauth2/token` and the
//! GetClientToken API operation. A confidential app client that allows the
//! `client_credentials` flow trades its id and secret for an access token carrying custom
//! scopes and no user.

use crate::OAuth;
use cognate_idp::m2m::M2mClient;
use cognate_idp::{IdpError, IdpResult};
use cognate_wire::idp::types::*;
use serde_json::json;

/// The token endpoint's answer to a client_credentials grant.
#[derive(Debug, Clone, PartialEq)]
pub struct M2mTokens {
    pub access_token: String,
    /// Seconds: the client's AccessTokenValidity.
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

/// Why a client_credentials grant failed, as the token endpoint reports it (RFC 6749 §5.2):
/// the HTTP layer answers `400 {"error": self.code()}` (`401` for `invalid_client`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum M2mError {
    /// Unknown client, no secret, or the secret does not match.
    #[error("invalid_client")]
    InvalidClient,
    /// The client exists but may not use the client_credentials flow.
    #[error("unauthorized_client")]
    UnauthorizedClient,
    /// A requested scope is not among the client's custom scopes (the scope is named).
    #[error("invalid_scope: {0}")]
    InvalidScope(String),
    /// The pool's PreTokenGeneration function refused or failed (its exception, for the API).
    #[error("{0}")]
    Trigger(IdpError),
    /// Not the caller's fault; logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl M2mError {
    /// The RFC 6749 `error` value.
    pub fn code(&self) -> &'static str {
        match self {
            M2mError::InvalidClient => "invalid_client",
            M2mError::UnauthorizedClient => "unauthorized_client",
            M2mError::InvalidScope(_) => "invalid_scope",
            M2mError::Trigger(_) => "invalid_request",
            M2mError::Internal(_) => "server_error",
        }
    }
}

impl From<IdpError> for M2mError {
    fn from(e: IdpError) -> Self {
        match e {
            IdpError::LambdaValidation(_) | IdpError::UnexpectedLambda(_) | IdpError::InvalidLambdaResponse(_) => {
                M2mError::Trigger(e)
            }
            e => M2mError::Internal(e.to_string()),
        }
    }
}

/// Custom scopes are `{resource server}/{scope}`; standard OpenID scopes have no meaning
/// without a user, so a machine token never carries them.
fn is_custom(scope: &str) -> bool {
    scope.contains('/')
}

/// The scopes to grant: those requested (space-separated), each of which the client must
/// allow, or all of the client's custom scopes when none are requested.
fn granted_scopes(client: &M2mClient, requested: Option<&str>) -> Result<Vec<String>, M2mError> {
    let allowed: Vec<&String> = client.scopes.iter().filter(|s| is_custom(s)).collect();
    let requested: Vec<&str> = requested.unwrap_or_default().split_ascii_whitespace().collect();
    if requested.is_empty() {
        return Ok(allowed.into_iter().cloned().collect());
    }
    let mut granted = Vec::new();
    for scope in requested {
        if !allowed.iter().any(|a| *a == scope) {
            return Err(M2mError::InvalidScope(scope.to_string()));
        }
        if !granted.iter().any(|g| g == scope) {
            granted.push(scope.to_string());
        }
    }
    Ok(granted)
}

impl OAuth {
    /// The client_credentials grant: checks the client's secret (in constant time, inside
    /// `cognate-idp`), that it allows the flow, resolves the scopes and issues an RS256
    /// access token signed with the pool's current key. Claims as Cognito's machine tokens:
    /// `sub` and `client_id` are the client, no username.
    pub async fn client_credentials(
        &self,
        client_id: &str,
        client_secret: &str,
        scopes: Option<&str>,
    ) -> Result<M2mTokens, M2mError> {
        let client = self.idp.m2m_client(client_id, client_secret).await?.ok_or(M2mError::InvalidClient)?;
        if !client.oauth_enabled || !client.flows.iter().any(|f| f == "client_credentials") {
            return Err(M2mError::UnauthorizedClient);
        }
        let granted = granted_scopes(&client, scopes)?;
        self.issue_m2m(&client, granted).await.map_err(M2mError::from)
    }

    async fn issue_m2m(&self, client: &M2mClient, scopes: Vec<String>) -> IdpResult<M2mTokens> {
        let now = self.clock.now().millis() / 1000;
        let claims = json!({
            "sub": client.client_id,
            "token_use": "access",
            "scope": scopes.join(" "),
            "auth_time": now,
            "iss": self.idp.token_issuer(&client.pool_id),
            "exp": now + client.access_validity_s,
            "iat": now,
            "version": 2,
            "jti": cognate_crypto::random::uuid_v4(),
            "client_id": client.client_id,
        });
        // The pool's version 3 PreTokenGeneration function may change claims and scopes.
        let (access_token, claims) = self.idp.issue_m2m_token(&client.pool_id, &client.client_id, claims).await?;
        let scope = claims.get("scope").and_then(|s| s.as_str()).unwrap_or_default().to_owned();
        Ok(M2mTokens { access_token, expires_in: client.access_validity_s, scope })
    }

    /// GetClientToken: the client_credentials grant as an API operation, with Cognito's
    /// exceptions instead of OAuth error codes.
    pub async fn get_client_token(&self, req: GetClientTokenRequest) -> IdpResult<GetClientTokenResponse> {
        let client_id = req.client_id.unwrap_or_default();
        let scopes = req.scopes.map(|s| s.join(" "));
        let tokens = match self.client_credentials(&client_id, &req.secret.unwrap_or_default(), scopes.as_deref()).await
        {
            Ok(t) => t,
            Err(M2mError::InvalidClient) => {
                return Err(IdpError::NotAuthorized(format!("Unable to verify secret for client {client_id}")));
            }
            Err(M2mError::UnauthorizedClient) => {
                return Err(IdpError::InvalidParameter(format!(
                    "Client {client_id} is not enabled for the client_credentials flow."
                )));
            }
            Err(M2mError::InvalidScope(scope)) => {
                return Err(IdpError::InvalidParameter(format!("Invalid scope requested: {scope}")));
            }
            Err(M2mError::Trigger(e)) => return Err(e),
            Err(M2mError::Internal(e)) => return Err(IdpError::Internal(e)),
        };
        Ok(GetClientTokenResponse {
            client_authentication_result: Some(ClientAuthenticationResultType {
                access_token: Some(tokens.access_token),
                expires_in: Some(tokens.expires_in),
                token_type: Some("Bearer".into()),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(scopes: &[&str]) -> M2mClient {
        M2mClient {
            pool_id: "us-east-1_x".into(),
            client_id: "c".into(),
            oauth_enabled: true,
            flows: vec!["client_credentials".into()],
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            access_validity_s: 3600,
        }
    }

    #[test]
    fn scopes_default_to_the_clients_custom_ones() {
        let c = client(&["https://api/read", "https://api/write", "openid"]);
        assert_eq!(granted_scopes(&c, None).unwrap(), ["https://api/read", "https://api/write"]);
        assert_eq!(granted_scopes(&c, Some(" https://api/read  https://api/read ")).unwrap(), ["https://api/read"]);
        assert_eq!(granted_scopes(&c, Some("openid")), Err(M2mError::InvalidScope("openid".into())));
        assert_eq!(
            granted_scopes(&c, Some("https://api/admin")),
            Err(M2mError::InvalidScope("https://api/admin".into()))
        );
    }
}
