//! `/oauth2/userInfo`, `/oauth2/revoke` and `/logout`.

use crate::OAuth;
use crate::authorize::{AuthorizeError, AuthorizeParams};
use crate::error::{OAuthError, OAuthResult, internal};
use crate::grants::TokenRequest;
use crate::urls::allowed_redirect;
use cognate_idp::IdpError;
use serde_json::{Map, Value};

/// Where `/logout` sends the browser after ending the session.
#[derive(Debug, Clone)]
pub enum LogoutOutcome {
    /// The client's registered logout URL.
    Redirect(String),
    /// Back to sign-in with the same query (`redirect_uri` + `response_type`).
    Login,
    /// To the SAML identity provider the user signed in through, to end its session too
    /// (IDPSignout); it sends the browser back to `/saml2/logout`, then on.
    Federated(String),
}

impl OAuth {
    /// The user's claims for a Bearer access token granted `openid`.
    pub async fn user_info(&self, bearer: Option<&str>) -> OAuthResult<Map<String, Value>> {
        let token = bearer.ok_or_else(|| OAuthError::invalid_request("The access token is missing."))?;
        self.idp.user_info(token).await.map_err(|e| match e {
            IdpError::NotAuthorized(text) => OAuthError::protocol("invalid_token", text),
            other => internal(other),
        })
    }

    /// RFC 7009 for refresh tokens: success for unknown and already revoked tokens too, so
    /// the answer tells a caller nothing about a token it does not hold.
    pub async fn revoke(&self, pool_id: &str, req: &TokenRequest) -> OAuthResult<()> {
        let token = req.get("token").ok_or_else(|| OAuthError::invalid_request("token is missing."))?.to_owned();
        let (client, secret) = self.authenticate_client(pool_id, req).await?;
        self.idp.hosted_revoke(&client.client_id, secret.as_deref(), &token).await.map_err(|e| match e {
            IdpError::Unauthorized(_) | IdpError::ResourceNotFound(_) => OAuthError::invalid_client(),
            IdpError::Unsupported(text) => OAuthError::invalid_request(text),
            IdpError::UnsupportedTokenType(text) => OAuthError::protocol("unsupported_token_type", text),
            other => internal(other),
        })
    }

    /// `/logout`: ends the session (and the SAML IdP's, with IDPSignout), then goes only where the client registered (a logout
    /// URL, or a callback URL through the sign-in page); anything else is an error page.
    /// `login_url`: where [`LogoutOutcome::Login`] goes, for a single logout to return to.
    pub async fn logout(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
        session: Option<&str>,
        login_url: &str,
    ) -> Result<LogoutOutcome, AuthorizeError> {
        let page = |text: &str| AuthorizeError::Page(text.to_owned());
        let client_id = p.get("client_id").ok_or_else(|| page("client_id is missing."))?;
        let client = match self.idp.hosted_client(client_id).await {
            Ok(c) if c.pool_id == pool_id => c,
            _ => return Err(page("The client does not exist.")),
        };
        let outcome = match (p.get("logout_uri"), p.get("redirect_uri")) {
            (Some(uri), _) if allowed_redirect(uri, &client.logout_urls) => LogoutOutcome::Redirect(uri.to_owned()),
            (Some(_), _) => return Err(page("logout_uri does not match any of the client's sign-out URLs.")),
            (None, Some(_)) => {
                self.check_authorize(pool_id, p).await?;
                LogoutOutcome::Login
            }
            (None, None) => return Err(page("logout_uri or redirect_uri is required.")),
        };
        let saml = self.end_session(session).await.map_err(|e| page(&e.description()))?;
        if let Some(saml) = saml {
            let then = match &outcome {
                LogoutOutcome::Redirect(uri) => uri.clone(),
                _ => login_url.to_owned(),
            };
            if let Some(url) = self.federation.saml_logout(pool_id, &saml, &then).await.map_err(|e| page(&e.0))? {
                return Ok(LogoutOutcome::Federated(url));
            }
        }
        Ok(outcome)
    }
}
