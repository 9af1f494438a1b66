//! `/oauth2/token`: client authentication (`client_secret_basic`, `client_secret_post`, or
//! none for public clients) and the grants: `authorization_code` (with PKCE) and
//! `refresh_token`, `client_credentials` (machine-to-machine, in `m2m.rs`) and token
//! exchange (RFC 8693, in `token_exchange.rs`).

use crate::OAuth;
use crate::error::{OAuthError, OAuthResult, client_lookup, internal};
use crate::m2m::M2mError;
use crate::token_exchange::{self, ExchangeError};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use cognate_idp::IdpError;
use cognate_idp::hosted::{HostedClient, HostedGrant, HostedTokens};
use serde::Serialize;
use std::collections::HashMap;

/// A token (or revocation) request: its form and its `Authorization: Basic` credentials.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub form: HashMap<String, String>,
    pub basic: Option<(String, String)>,
}

impl TokenRequest {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.form.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// The token endpoint's answer.
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: &'static str,
    pub expires_in: i64,
    /// Token exchange only (RFC 8693 §2.2.1): the issued token's type URN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'static str>,
    /// Token exchange only: the granted scopes, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl From<HostedTokens> for TokenResponse {
    fn from(t: HostedTokens) -> Self {
        TokenResponse {
            access_token: t.access_token,
            id_token: t.id_token,
            refresh_token: t.refresh_token,
            token_type: "Bearer",
            expires_in: t.expires_in,
            issued_token_type: None,
            scope: None,
        }
    }
}

/// What a grant's domain failure means to the client: a refresh token or code that is no
/// good is `invalid_grant`; a flow the client may not use is `unauthorized_client`.
pub(crate) fn grant_error(e: IdpError) -> OAuthError {
    match e {
        IdpError::NotAuthorized(text) | IdpError::RefreshTokenReuse(text) => OAuthError::invalid_grant(text),
        IdpError::InvalidParameter(text) => OAuthError::protocol("unauthorized_client", text),
        IdpError::ResourceNotFound(_) | IdpError::ClientNotFound(_) => OAuthError::invalid_client(),
        IdpError::UserNotFound => OAuthError::invalid_grant("User does not exist."),
        other => internal(other),
    }
}

impl OAuth {
    /// `POST /oauth2/token` for the pool `pool_id`.
    pub async fn token(&self, pool_id: &str, req: &TokenRequest) -> OAuthResult<TokenResponse> {
        let grant_type = req.get("grant_type").ok_or_else(|| OAuthError::invalid_request("grant_type is missing."))?;
        let known = ["authorization_code", "refresh_token", "client_credentials", token_exchange::GRANT_TYPE];
        if !known.contains(&grant_type) {
            return Err(OAuthError::protocol("unsupported_grant_type", format!("{grant_type} is not supported.")));
        }
        let (client, secret) = self.authenticate_client(pool_id, req).await?;
        if grant_type == "client_credentials" {
            return self.machine_grant(&client, secret.as_deref(), req.get("scope")).await;
        }
        if grant_type == token_exchange::GRANT_TYPE {
            return self.exchange_grant(&client.client_id, req).await;
        }
        if !client.oauth_enabled {
            return Err(OAuthError::protocol("unauthorized_client", "The client does not use OAuth."));
        }
        match grant_type {
            "authorization_code" => self.code_grant(pool_id, &client, req).await,
            _ => {
                let token =
                    req.get("refresh_token").ok_or_else(|| OAuthError::invalid_request("refresh_token is missing."))?;
                let tokens = self.idp.hosted_refresh(&client.client_id, secret.as_deref(), token).await;
                Ok(tokens.map_err(grant_error)?.into())
            }
        }
    }

    /// The client a request authenticates as, and the secret it proved. Clients with a
    /// secret must present it (Basic or form); public clients name themselves and present
    /// none.
    pub(crate) async fn authenticate_client(
        &self,
        pool_id: &str,
        req: &TokenRequest,
    ) -> OAuthResult<(HostedClient, Option<String>)> {
        let (id, secret) = match &req.basic {
            Some((id, secret)) => (id.as_str(), Some(secret.as_str())),
            None => (req.get("client_id").unwrap_or_default(), req.get("client_secret")),
        };
        if req.basic.as_ref().is_some_and(|(id, _)| req.get("client_id").is_some_and(|form| form != id)) {
            return Err(OAuthError::invalid_request("client_id does not match the Authorization header."));
        }
        if id.is_empty() {
            return Err(OAuthError::invalid_client());
        }
        let (client, secret_ok) = self.idp.hosted_client_with_secret(id, secret).await.map_err(client_lookup)?;
        if client.pool_id != pool_id {
            return Err(OAuthError::invalid_client());
        }
        let proven = match (client.has_secret, secret) {
            (true, Some(_)) => secret_ok,
            (false, None) => true,
            _ => false,
        };
        if !proven {
            return Err(OAuthError::invalid_client());
        }
        Ok((client, secret.map(String::from)))
    }

    async fn code_grant(&self, pool_id: &str, client: &HostedClient, req: &TokenRequest) -> OAuthResult<TokenResponse> {
        if !client.flows.iter().any(|f| f == "code") {
            return Err(OAuthError::protocol("unauthorized_client", "The client may not use the code flow."));
        }
        let code = req.get("code").ok_or_else(|| OAuthError::invalid_request("code is missing."))?;
        let redirect_uri =
            req.get("redirect_uri").ok_or_else(|| OAuthError::invalid_request("redirect_uri is missing."))?;
        let data = self.peek_code(pool_id, code).await?;
        if let Err(e) = check_code(&data, client, redirect_uri, req.get("code_verifier")) {
            self.spend_code(code).await?;
            return Err(e);
        }
        let grant = HostedGrant {
            client_id: data.client_id,
            sub: data.sub,
            scopes: data.scopes,
            nonce: data.nonce,
            auth_time: data.auth_time,
            sso_session: data.sso_session,
            redeem: Some(self.redemption(pool_id, code)?),
        };
        match self.idp.issue_hosted_tokens(&grant).await {
            Ok(tokens) => Ok(tokens.into()),
            Err(IdpError::GrantRedeemed) => Err(self.lost_redemption(code).await),
            Err(e) => Err(grant_error(e)),
        }
    }
}

impl OAuth {
    /// `client_credentials` for a client already authenticated against this pool.
    async fn machine_grant(
        &self,
        client: &HostedClient,
        secret: Option<&str>,
        scope: Option<&str>,
    ) -> OAuthResult<TokenResponse> {
        let secret = secret.ok_or_else(OAuthError::invalid_client)?;
        let tokens = self.client_credentials(&client.client_id, secret, scope).await.map_err(|e| match e {
            M2mError::InvalidClient => OAuthError::invalid_client(),
            M2mError::UnauthorizedClient => OAuthError::protocol("unauthorized_client", e.to_string()),
            M2mError::InvalidScope(text) => OAuthError::protocol("invalid_scope", text),
            M2mError::Trigger(e) => OAuthError::protocol("invalid_request", e.to_string()),
            M2mError::Internal(text) => internal(text),
        })?;
        let (access_token, expires_in) = (tokens.access_token, tokens.expires_in);
        Ok(TokenResponse {
            access_token,
            id_token: None,
            refresh_token: None,
            token_type: "Bearer",
            expires_in,
            issued_token_type: None,
            scope: None,
        })
    }
}

impl OAuth {
    /// Token exchange for a client already authenticated against this pool; exchange-only
    /// ExplicitAuthFlows gate it, not the OAuth flows.
    async fn exchange_grant(&self, client_id: &str, req: &TokenRequest) -> OAuthResult<TokenResponse> {
        let (client, _) = self.idp.exchange_client(client_id, None).await.map_err(client_lookup)?;
        let exchange = token_exchange::form_exchange(|name| req.get(name).map(String::from));
        let issued = match exchange {
            Ok(exchange) => self.exchange(&client, exchange).await,
            Err(e) => Err(e),
        };
        let issued = issued.map_err(|e| match e {
            ExchangeError::Idp(e) => internal(e),
            other => OAuthError::protocol(other.code(), other.to_string()),
        })?;
        let (issued_token_type, token_type, scope) = token_exchange::issued_fields(&issued);
        Ok(TokenResponse {
            access_token: issued.token,
            id_token: None,
            refresh_token: None,
            token_type,
            expires_in: issued.expires_in,
            issued_token_type: Some(issued_token_type),
            scope: Some(scope),
        })
    }
}

/// The code was issued to this client and redirect URI, and the verifier matches its PKCE
/// challenge.
fn check_code(
    data: &crate::codes::CodeData,
    client: &HostedClient,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> OAuthResult<()> {
    if data.client_id != client.client_id || data.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "The authorization code was not issued to this client and redirect_uri.",
        ));
    }
    if let Some(challenge) = &data.challenge {
        let verifier = verifier.ok_or_else(|| OAuthError::invalid_grant("code_verifier is missing."))?;
        if !pkce_matches(challenge, verifier) {
            return Err(OAuthError::invalid_grant("code_verifier does not match the code_challenge."));
        }
    }
    Ok(())
}

/// RFC 7636 S256: `BASE64URL(SHA256(verifier)) == challenge`, compared in constant time.
fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    let valid = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let computed = B64URL.encode(cognate_crypto::sha256(verifier.as_bytes()));
    valid && cognate_crypto::ct_eq(computed.as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn pkce_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(super::pkce_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", verifier));
        assert!(!super::pkce_matches("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "x".repeat(43).as_str()));
    }
}
