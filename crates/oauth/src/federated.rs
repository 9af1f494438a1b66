//! The hosted UI's side of a federated sign-in: an authorization request that names an
//! identity provider (`identity_provider`, or `idp_identifier` such as an email's domain)
//! goes to that provider instead of the sign-in page; `/oauth2/idpresponse` brings the
//! answer back, and the user the provider vouched for gets a hosted-UI session and the
//! client its code, exactly as after a password sign-in. The provider protocols are
//! `cognate-federation`'s; the user is `cognate-idp`'s.

use crate::OAuth;
use crate::authorize::{AuthorizeError, AuthorizeParams};
use crate::error::OAuthError;
/// Whether a RelayState could be a state this server issued (else it is IdP-initiated).
pub use cognate_federation::is_token;
use cognate_federation::{Begin, Completed};
use cognate_idp::IdpError;
use cognate_idp::hosted::HostedSignIn;
use std::collections::HashMap;

/// Where the provider's answer ended.
#[derive(Debug, Clone)]
pub enum FederatedOutcome {
    /// Signed in: the session cookie to set and the redirect for the client.
    SignedIn { redirect: String, session_cookie: String },
    /// The provider refused, or the user could not sign in: the error for the client.
    Redirect(String),
}

impl OAuth {
    /// The redirect to the provider an authorization request names, if it names one that
    /// the client lists; `base` is the hosted UI's absolute base URL.
    pub async fn federate(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
        base: &str,
    ) -> Result<Option<Begin>, AuthorizeError> {
        let (name, identifier) = (p.get("identity_provider"), p.get("idp_identifier"));
        if name.is_none() && identifier.is_none() {
            return Ok(None);
        }
        let req = self.check_authorize(pool_id, p).await?;
        let supported = &req.client.identity_providers;
        let chosen = match self.federation.choose(pool_id, supported, name, identifier).await {
            Ok(Some(chosen)) => chosen,
            Ok(None) if supported.iter().any(|s| s == "COGNITO") || supported.is_empty() => return Ok(None),
            Ok(None) => {
                let e = OAuthError::invalid_request("The client does not allow sign-in with a user name and password.");
                return Err(AuthorizeError::Redirect(req.error_redirect(&e)));
            }
            Err(e) => return Err(AuthorizeError::Redirect(req.error_redirect(&OAuthError::invalid_request(e.0)))),
        };
        let mut carried = p.0.clone();
        carried.remove("identity_provider");
        carried.remove("idp_identifier");
        let carry = serde_json::to_string(&carried).map_err(|e| AuthorizeError::Page(e.to_string()))?;
        match self.federation.begin(pool_id, &chosen, base, carry).await {
            Ok(begin) => Ok(Some(begin)),
            Err(e) => Err(AuthorizeError::Redirect(req.error_redirect(&OAuthError::invalid_request(e.0)))),
        }
    }

    /// `/oauth2/idpresponse`: the provider's answer (query or form) in the browser that
    /// started the sign-in (`binding`, its cookie).
    pub async fn idp_response(
        &self,
        pool_id: &str,
        params: &HashMap<String, String>,
        binding: Option<&str>,
    ) -> Result<FederatedOutcome, AuthorizeError> {
        let done = self.federation.complete(pool_id, params, binding).await.map_err(|e| AuthorizeError::Page(e.0))?;
        self.finish(pool_id, done).await
    }

    /// `/saml2/idpresponse`: a SAML identity provider's posted response, answering this
    /// browser's sign-in (`binding`) or, for providers with IDPInit, starting one.
    pub async fn saml_response(
        &self,
        pool_id: &str,
        form: &HashMap<String, String>,
        binding: Option<&str>,
        base: &str,
    ) -> Result<FederatedOutcome, AuthorizeError> {
        let done = self
            .federation
            .complete_saml_response(pool_id, form, binding, base)
            .await
            .map_err(|e| AuthorizeError::Page(e.0))?;
        self.finish(pool_id, done).await
    }

    async fn finish(&self, pool_id: &str, done: Completed) -> Result<FederatedOutcome, AuthorizeError> {
        let saml_session = done.saml_session.clone();
        let carried: HashMap<String, String> =
            serde_json::from_str(&done.carry).map_err(|e| AuthorizeError::Page(e.to_string()))?;
        let p = AuthorizeParams(carried);
        // The client and its redirect URI are checked again: either may have changed while
        // the user was at the provider.
        let req = self.check_authorize(pool_id, &p).await?;
        let identity = match done.result {
            Ok(identity) => identity,
            Err((error, description)) => {
                let description = description.unwrap_or_else(|| "The identity provider refused the sign-in.".into());
                let e = OAuthError::protocol(relayed(&error), description);
                return Ok(FederatedOutcome::Redirect(req.error_redirect(&e)));
            }
        };
        if !req.client.identity_providers.contains(&identity.provider_name) {
            let e = OAuthError::invalid_request(format!(
                "The client does not allow sign-in through {}.",
                identity.provider_name
            ));
            return Ok(FederatedOutcome::Redirect(req.error_redirect(&e)));
        }
        let client_id = req.client.client_id.clone();
        // Trigger events name the app client, as for a sign-up through the hosted UI.
        let signed_in =
            cognate_idp::hosted_signup::as_client(&client_id, self.idp.external_sign_in(&client_id, &identity));
        let (sub, auth_time) = match signed_in.await {
            Ok(HostedSignIn::SignedIn { sub, auth_time }) => (sub, auth_time),
            Ok(HostedSignIn::Challenge(_)) => {
                return Err(AuthorizeError::Page(
                    "The federated sign-in needs a step this page does not offer.".into(),
                ));
            }
            // A mapped value the pool's schema refuses (a malformed email, say) is the
            // provider's doing: say so.
            Err(IdpError::InvalidParameter(why)) => {
                return Err(AuthorizeError::Page(format!("The identity provider's answer was refused: {why}")));
            }
            Err(e) => return Err(AuthorizeError::Page(crate::login::sign_in_message(e))),
        };
        let (session_cookie, live) = self
            .start_session_from(pool_id, &client_id, &sub, auth_time, saml_session)
            .await
            .map_err(|e| AuthorizeError::Redirect(req.error_redirect(&e)))?;
        let redirect = self.grant(&req, &live).await;
        Ok(FederatedOutcome::SignedIn { redirect, session_cookie })
    }
}

/// The provider's error code as the client sees it: RFC 6749's codes pass through, anything
/// else reads as `access_denied`.
fn relayed(error: &str) -> &'static str {
    const CODES: &[&str] = &[
        "access_denied",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "login_required",
        "consent_required",
        "interaction_required",
    ];
    CODES.iter().find(|c| **c == error).copied().unwrap_or("access_denied")
}

impl OAuth {
    /// `/saml2/logout`: the IdP's LogoutResponse; where the browser goes next (the client's
    /// sign-out URL the logout named).
    pub async fn saml_logout_response(
        &self,
        pool_id: &str,
        raw_query: &str,
        base: &str,
    ) -> Result<String, AuthorizeError> {
        self.federation.complete_saml_logout(pool_id, raw_query, base).await.map_err(|e| AuthorizeError::Page(e.0))
    }
}
