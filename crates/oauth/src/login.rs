//! The sign-in page's form: CSRF check, password sign-in through the user-pool domain, a
//! hosted-UI session, and the code (or tokens) for the client.

use crate::OAuth;
use crate::authorize::{AuthRequest, AuthorizeError, AuthorizeParams};
use crate::challenges::ChallengePage;
use cognate_idp::IdpError;
use cognate_idp::hosted::HostedSignIn;

/// What the form posted.
#[derive(Debug, Clone, Default)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub csrf: Option<String>,
    /// The browser's remembered-device cookie (`remembered.rs`).
    pub device: Option<String>,
}

/// Where a sign-in attempt ended.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    /// Signed in: the session cookie to set and the redirect for the client.
    SignedIn { redirect: String, session_cookie: String },
    /// Show the form again with this message.
    Retry { request: Box<AuthRequest>, message: String },
    /// The next step is a challenge: its page.
    Challenge(Box<ChallengePage>),
    /// The next step (a challenge) has no page here.
    Unavailable { request: Box<AuthRequest>, step: String },
    /// The form's CSRF token does not match the browser's cookie.
    Forged,
}

impl OAuth {
    pub async fn login(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
        form: &LoginForm,
        csrf_cookie: Option<&str>,
    ) -> Result<LoginOutcome, AuthorizeError> {
        let request = Box::new(self.check_authorize(pool_id, p).await?);
        if !self.csrf_ok(csrf_cookie, form.csrf.as_deref()) {
            return Ok(LoginOutcome::Forged);
        }
        let client_id = &request.client.client_id;
        let device = self.device_proof(pool_id, form.device.as_deref());
        match self.idp.hosted_sign_in(client_id, &form.username, &form.password, device.as_ref()).await {
            Ok(HostedSignIn::SignedIn { sub, auth_time }) => {
                let started = self.start_session(pool_id, client_id, &sub, auth_time).await;
                let (session_cookie, live) =
                    started.map_err(|e| AuthorizeError::Redirect(request.error_redirect(&e)))?;
                let redirect = self.grant(&request, &live).await;
                Ok(LoginOutcome::SignedIn { redirect, session_cookie })
            }
            Ok(HostedSignIn::Challenge(challenge)) => {
                let csrf = form.csrf.as_deref().unwrap_or_default();
                Ok(self.challenge_page(request, p, challenge, csrf).await)
            }
            Err(e) => Ok(LoginOutcome::Retry { request, message: sign_in_message(e) }),
        }
    }
}

/// What the page says about a failed sign-in. Unknown users read like wrong passwords, so
/// the page never tells who has an account here.
pub(crate) fn sign_in_message(e: IdpError) -> String {
    match e {
        IdpError::NotAuthorized(text) if text == "User is disabled." || text == "Password attempts exceeded" => text,
        IdpError::NotAuthorized(_) | IdpError::UserNotFound => "Incorrect username or password.".into(),
        IdpError::UserNotConfirmed => "User is not confirmed.".into(),
        IdpError::PasswordResetRequired => "Password reset required for the user.".into(),
        IdpError::LambdaValidation(text) => text,
        other => {
            tracing::warn!(error = %other, "hosted-UI sign-in failed");
            "Something went wrong. Please try again.".into()
        }
    }
}
