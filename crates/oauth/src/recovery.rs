//! The hosted UI's password-recovery pages: `/forgotPassword` (ForgotPassword as the app
//! client) and `/confirmForgotPassword` (ConfirmForgotPassword with the code and a new
//! password), with the API's rules, PreventUserExistenceErrors included.

use crate::OAuth;
use crate::authorize::{AuthRequest, AuthorizeError, AuthorizeParams};
use crate::signup::{page_message, policy_words};
use cognate_idp::hosted_signup::as_client;
use cognate_wire::idp::types::{ConfirmForgotPasswordRequest, ForgotPasswordRequest};

/// The page that asks for the code and the new password.
#[derive(Debug, Clone)]
pub struct ResetPage {
    pub request: Box<AuthRequest>,
    pub username: String,
    pub policy: Vec<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone)]
pub enum ForgotOutcome {
    /// A code was sent (or, for a hidden unknown user, seemed to be): the reset page.
    Sent(Box<ResetPage>),
    Retry {
        request: Box<AuthRequest>,
        username: String,
        message: String,
    },
    Forged,
}

/// What the reset form posted.
#[derive(Debug, Clone, Default)]
pub struct ResetForm {
    pub username: String,
    pub code: String,
    pub password: String,
    pub csrf: Option<String>,
}

#[derive(Debug, Clone)]
pub enum ResetOutcome {
    Changed(Box<AuthRequest>),
    Retry(Box<ResetPage>),
    Forged,
}

impl OAuth {
    /// The reset page for `username`, with the pool's policy.
    async fn reset_page_for(&self, request: Box<AuthRequest>, username: &str) -> ResetPage {
        let policy = match self.idp.hosted_sign_up_form(&request.client.client_id).await {
            Ok(form) => policy_words(&form.policy),
            Err(_) => Vec::new(),
        };
        ResetPage { request, username: username.to_owned(), policy, message: None }
    }

    /// `GET /confirmForgotPassword` (the user named in `user_name`).
    pub async fn reset_page(&self, pool_id: &str, p: &AuthorizeParams) -> Result<ResetPage, AuthorizeError> {
        let request = Box::new(self.check_authorize(pool_id, p).await?);
        Ok(self.reset_page_for(request, p.get("user_name").unwrap_or_default()).await)
    }

    /// The forgot-password form's post. The answer never names where the code went, so a
    /// page for an unknown user (with PreventUserExistenceErrors) reads like a known one's.
    pub async fn forgot_password(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
        username: &str,
        csrf: Option<&str>,
        csrf_cookie: Option<&str>,
    ) -> Result<ForgotOutcome, AuthorizeError> {
        let Some(request) = self.checked_form(pool_id, p, csrf_cookie, csrf).await? else {
            return Ok(ForgotOutcome::Forged);
        };
        let client_id = request.client.client_id.clone();
        let req = ForgotPasswordRequest {
            client_id: Some(client_id.clone()),
            secret_hash: self.secret_hash(&client_id, username).await,
            username: Some(username.to_owned()),
            ..Default::default()
        };
        match as_client(&client_id, self.idp.forgot_password(req)).await {
            Ok(_) => Ok(ForgotOutcome::Sent(Box::new(self.reset_page_for(request, username).await))),
            Err(e) => Ok(ForgotOutcome::Retry { request, username: username.to_owned(), message: page_message(e) }),
        }
    }

    /// The reset form's post: ConfirmForgotPassword.
    pub async fn reset_password(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
        form: &ResetForm,
        csrf_cookie: Option<&str>,
    ) -> Result<ResetOutcome, AuthorizeError> {
        let Some(request) = self.checked_form(pool_id, p, csrf_cookie, form.csrf.as_deref()).await? else {
            return Ok(ResetOutcome::Forged);
        };
        let client_id = request.client.client_id.clone();
        let req = ConfirmForgotPasswordRequest {
            client_id: Some(client_id.clone()),
            secret_hash: self.secret_hash(&client_id, &form.username).await,
            username: Some(form.username.clone()),
            confirmation_code: Some(form.code.clone()),
            password: Some(form.password.clone()),
            ..Default::default()
        };
        match as_client(&client_id, self.idp.confirm_forgot_password(req)).await {
            Ok(_) => Ok(ResetOutcome::Changed(request)),
            Err(e) => {
                let mut page = self.reset_page_for(request, &form.username).await;
                page.message = Some(page_message(e));
                Ok(ResetOutcome::Retry(Box::new(page)))
            }
        }
    }
}
