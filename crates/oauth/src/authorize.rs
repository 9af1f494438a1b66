//! `/oauth2/authorize` (and `/login`, which takes the same parameters): the request's
//! checks in the order that keeps redirects safe (client and redirect URI first, then
//! everything that may be reported to the redirect URI), and the answer once a user is known.

use crate::error::{OAuthError, OAuthResult, client_lookup};
use crate::sessions::LiveSession;
use crate::urls::{allowed_redirect, with_params};
use crate::{OAuth, scopes};
use cognate_idp::hosted::{HostedClient, HostedGrant};
use std::collections::HashMap;

/// The query of an authorization request, as sent.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeParams(pub HashMap<String, String>);

impl AuthorizeParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client: HostedClient,
    pub redirect_uri: String,
    pub implicit: bool,
    pub state: Option<String>,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub challenge: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    pub lang: Option<String>,
}

/// A failed authorization request: a page, or an error for the (trusted) redirect URI.
#[derive(Debug, Clone)]
pub enum AuthorizeError {
    Page(String),
    Redirect(String),
}

/// What `/oauth2/authorize` does next.
#[derive(Debug, Clone)]
pub enum AuthorizeOutcome {
    /// No usable session (or `prompt=login`): show the sign-in page.
    Login(Box<AuthRequest>),
    /// A code or tokens (or an error) for the client.
    Redirect(String),
}

impl AuthRequest {
    /// The redirect that reports `error` to the client, with the request's state.
    pub fn error_redirect(&self, error: &OAuthError) -> String {
        let description = error.description();
        let params = [
            ("error", Some(error.code())),
            ("error_description", Some(description.as_str())),
            ("state", self.state.as_deref()),
        ];
        with_params(&self.redirect_uri, &params, self.implicit)
    }
}

impl OAuth {
    /// Checks an authorization request for the pool `pool_id`.
    pub async fn check_authorize(&self, pool_id: &str, p: &AuthorizeParams) -> Result<AuthRequest, AuthorizeError> {
        let client = self.trusted_client(pool_id, p).await?;
        let redirect_uri = p.get("redirect_uri").unwrap_or_default().to_owned();
        let mut req = AuthRequest {
            client,
            redirect_uri,
            implicit: p.get("response_type") == Some("token"),
            state: p.get("state").map(String::from),
            scopes: Vec::new(),
            nonce: p.get("nonce").map(String::from),
            challenge: p.get("code_challenge").map(String::from),
            prompt: p.get("prompt").map(String::from),
            login_hint: p.get("login_hint").map(String::from),
            lang: p.get("lang").map(String::from),
        };
        match check_rest(&req, p) {
            Ok(scopes) => req.scopes = scopes,
            Err(e) => return Err(AuthorizeError::Redirect(req.error_redirect(&e))),
        }
        Ok(req)
    }

    /// The client and redirect URI, which must both be right before anything is sent to
    /// the redirect URI.
    async fn trusted_client(&self, pool_id: &str, p: &AuthorizeParams) -> Result<HostedClient, AuthorizeError> {
        let page = |text: &str| AuthorizeError::Page(text.to_owned());
        let client_id = p.get("client_id").ok_or_else(|| page("client_id is missing."))?;
        let client = match self.idp.hosted_client(client_id).await.map_err(client_lookup) {
            Ok(c) if c.pool_id == pool_id => c,
            Ok(_) | Err(OAuthError::Protocol { .. }) => return Err(page("The client does not exist.")),
            Err(e) => return Err(page(&e.description())),
        };
        let uri = p.get("redirect_uri").ok_or_else(|| page("redirect_uri is missing."))?;
        if !allowed_redirect(uri, &client.callback_urls) {
            return Err(page("redirect_uri does not match any of the client's callback URLs."));
        }
        Ok(client)
    }

    /// `/oauth2/authorize`: a code (or tokens) at once for a live session, else the page.
    pub async fn authorize(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
        session: Option<&str>,
    ) -> Result<AuthorizeOutcome, AuthorizeError> {
        let req = self.check_authorize(pool_id, p).await?;
        let forced = req.prompt.as_deref() == Some("login");
        let live = match session {
            Some(cookie) if !forced => self.live_session(pool_id, cookie).await,
            _ => None,
        };
        match live {
            Some(s) => Ok(AuthorizeOutcome::Redirect(self.grant(&req, &s).await)),
            None if req.prompt.as_deref() == Some("none") => {
                let e = OAuthError::protocol("login_required", "The user is not signed in.");
                Ok(AuthorizeOutcome::Redirect(req.error_redirect(&e)))
            }
            None => Ok(AuthorizeOutcome::Login(Box::new(req))),
        }
    }

    /// The redirect for a signed-in user: a code, or the tokens in the fragment (implicit).
    /// Failures go to the redirect URI as `server_error`/`invalid_grant`.
    pub async fn grant(&self, req: &AuthRequest, session: &LiveSession) -> String {
        let result = if req.implicit {
            self.implicit_redirect(req, session).await
        } else {
            self.issue_code(req, session).await.map(|code| {
                with_params(&req.redirect_uri, &[("code", Some(&code)), ("state", req.state.as_deref())], false)
            })
        };
        result.unwrap_or_else(|e| req.error_redirect(&e))
    }

    async fn implicit_redirect(&self, req: &AuthRequest, session: &LiveSession) -> OAuthResult<String> {
        let grant = HostedGrant {
            client_id: req.client.client_id.clone(),
            sub: session.sub.clone(),
            scopes: req.scopes.clone(),
            nonce: req.nonce.clone(),
            auth_time: session.auth_time,
            sso_session: Some(session.sso_session.clone()),
            redeem: None,
        };
        let tokens = self.idp.issue_hosted_tokens(&grant).await.map_err(crate::grants::grant_error)?;
        let expires = tokens.expires_in.to_string();
        let params = [
            ("access_token", Some(tokens.access_token.as_str())),
            ("id_token", tokens.id_token.as_deref()),
            ("token_type", Some("Bearer")),
            ("expires_in", Some(expires.as_str())),
            ("state", req.state.as_deref()),
        ];
        Ok(with_params(&req.redirect_uri, &params, true))
    }
}

/// Everything after client and redirect URI, in RFC 6749's order; the granted scopes.
fn check_rest(req: &AuthRequest, p: &AuthorizeParams) -> OAuthResult<Vec<String>> {
    let client = &req.client;
    let flow = match p.get("response_type") {
        None => return Err(OAuthError::invalid_request("response_type is missing.")),
        Some("code") => "code",
        Some("token") => "implicit",
        Some(_) => {
            return Err(OAuthError::protocol("unsupported_response_type", "response_type must be code or token."));
        }
    };
    if !client.oauth_enabled || !client.flows.iter().any(|f| f == flow) {
        return Err(OAuthError::protocol("unauthorized_client", format!("The client may not use the {flow} flow.")));
    }
    check_pkce(p)?;
    scopes::granted(p.get("scope"), &client.scopes)
}

/// PKCE: only S256, because `plain` sends the verifier itself through the browser, where
/// the code-interception attack PKCE answers can read it.
fn check_pkce(p: &AuthorizeParams) -> OAuthResult<()> {
    match (p.get("code_challenge"), p.get("code_challenge_method")) {
        (None, None) => Ok(()),
        (Some(c), Some("S256")) if (43..=128).contains(&c.len()) => Ok(()),
        (Some(_), Some("S256")) => Err(OAuthError::invalid_request("code_challenge is malformed.")),
        (Some(_), _) => Err(OAuthError::invalid_request("code_challenge_method must be S256.")),
        (None, Some(_)) => Err(OAuthError::invalid_request("code_challenge is missing.")),
    }
}
