//! The hosted UI's sign-up and account-confirmation pages: the form the pool asks for
//! (readable labels, the password policy in words), then SignUp, ConfirmSignUp and
//! ResendConfirmationCode through the user-pool domain as the app client (so every trigger,
//! policy and existence rule of the API applies), and the link-style confirmation that
//! CONFIRM_WITH_LINK emails carry.

use crate::OAuth;
use crate::authorize::{AuthRequest, AuthorizeError, AuthorizeParams};
use cognate_idp::IdpError;
use cognate_idp::hosted_signup::{HostedField, as_client};
use cognate_wire::idp::types::{
    AttributeType, CodeDeliveryDetailsType, ConfirmSignUpRequest, PasswordPolicyType, ResendConfirmationCodeRequest,
    SignUpRequest,
};
use std::collections::HashMap;

/// One input of the sign-up form.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub label: String,
    /// The `<input type>`.
    pub input: &'static str,
    pub required: bool,
    /// What the user typed, when the form is shown again.
    pub value: String,
}

/// The sign-up page.
#[derive(Debug, Clone)]
pub struct SignUpPage {
    pub request: Box<AuthRequest>,
    pub username_label: String,
    pub username_input: &'static str,
    pub username: String,
    pub fields: Vec<Field>,
    pub policy: Vec<String>,
    /// False when only administrators create users: the page has no form then.
    pub self_sign_up: bool,
}

/// What the sign-up form posted: `fields` holds every posted input; only the form's own
/// attribute inputs are read from it.
#[derive(Debug, Clone, Default)]
pub struct SignUpForm {
    pub username: String,
    pub password: String,
    pub fields: HashMap<String, String>,
    pub csrf: Option<String>,
}

/// The confirmation page: the code form, where the code went, and a message.
#[derive(Debug, Clone)]
pub struct ConfirmPage {
    pub request: Box<AuthRequest>,
    pub username: String,
    pub destination: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone)]
pub enum SignUpOutcome {
    /// Signed up; the code is on its way.
    Confirm(Box<ConfirmPage>),
    /// PreSignUp confirmed the user: back to the sign-in page.
    SignIn(Box<AuthRequest>),
    Retry {
        page: Box<SignUpPage>,
        message: String,
    },
    /// The form's CSRF token does not match the browser's cookie.
    Forged,
}

/// What the confirmation form posted.
#[derive(Debug, Clone, Default)]
pub struct ConfirmForm {
    pub username: String,
    pub code: String,
    /// The "send a new code" button rather than the code.
    pub resend: bool,
    pub csrf: Option<String>,
}

#[derive(Debug, Clone)]
pub enum ConfirmOutcome {
    Confirmed(Box<AuthRequest>),
    Page(Box<ConfirmPage>),
    Forged,
}

/// Where a confirmation link ended: a sentence for the page, and whether it is good news.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkOutcome {
    pub confirmed: bool,
    pub message: String,
}

/// `given_name` → "Given name", `custom:team_size` → "Team size".
pub fn label(name: &str) -> String {
    let words = name.trim_start_matches("custom:").replace('_', " ");
    let mut chars = words.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn input_type(field: &HostedField) -> &'static str {
    match (field.name.as_str(), field.data_type.as_str()) {
        ("email", _) => "email",
        ("phone_number", _) => "tel",
        ("birthdate", _) => "date",
        (_, "Number") => "number",
        _ => "text",
    }
}

/// The pool's password policy, one requirement a line.
pub fn policy_words(p: &PasswordPolicyType) -> Vec<String> {
    let mut words = vec![format!("At least {} characters", p.minimum_length.unwrap_or(8))];
    let classes = [
        (p.require_uppercase, "An uppercase letter"),
        (p.require_lowercase, "A lowercase letter"),
        (p.require_numbers, "A number"),
        (p.require_symbols, "A special character (such as ! @ # $ %)"),
    ];
    words.extend(classes.iter().filter(|(on, _)| *on == Some(true)).map(|(_, w)| (*w).to_owned()));
    words
}

/// The username input for a pool's UsernameAttributes.
fn username_kind(attributes: &[String]) -> (&'static str, &'static str) {
    let email = attributes.iter().any(|a| a == "email");
    let phone = attributes.iter().any(|a| a == "phone_number");
    match (email, phone) {
        (true, true) => ("Email or phone number", "text"),
        (true, false) => ("Email", "email"),
        (false, true) => ("Phone number", "tel"),
        (false, false) => ("Username", "text"),
    }
}

/// What a page says about a failed operation: the domain's own sentence for what the user
/// can act on; anything else is logged and answered generically, so no internal detail
/// reaches the page.
pub(crate) fn page_message(e: IdpError) -> String {
    match e {
        IdpError::UserNotFound => "Username/client id combination not found.".into(),
        IdpError::InvalidParameter(_)
        | IdpError::InvalidPassword(_)
        | IdpError::UsernameExists(_)
        | IdpError::AliasExists(_)
        | IdpError::NotAuthorized(_)
        | IdpError::LimitExceeded(_)
        | IdpError::CodeDeliveryFailure(_)
        | IdpError::CodeMismatch
        | IdpError::ExpiredCode
        | IdpError::TooManyFailedAttempts
        | IdpError::PasswordHistoryViolation
        | IdpError::UserNotConfirmed
        | IdpError::LambdaValidation(_) => e.to_string(),
        other => {
            tracing::warn!(error = %other, "a hosted-UI account page failed");
            "Something went wrong. Please try again.".into()
        }
    }
}

/// "by email to j***@e***", from CodeDeliveryDetails.
pub(crate) fn destination(details: Option<CodeDeliveryDetailsType>) -> Option<String> {
    let d = details?;
    let medium = match d.delivery_medium.as_deref() {
        Some("SMS") => "text message",
        _ => "email",
    };
    Some(format!("by {medium} to {}", d.destination?))
}

impl OAuth {
    /// The authorization request behind an account page's form, once its CSRF token is
    /// right; `None` when it is not.
    pub(crate) async fn checked_form(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
        csrf_cookie: Option<&str>,
        token: Option<&str>,
    ) -> Result<Option<Box<AuthRequest>>, AuthorizeError> {
        let request = Box::new(self.check_authorize(pool_id, p).await?);
        Ok(self.csrf_ok(csrf_cookie, token).then_some(request))
    }

    /// The sign-up page for an authorization request.
    pub async fn sign_up_page(&self, pool_id: &str, p: &AuthorizeParams) -> Result<SignUpPage, AuthorizeError> {
        let request = Box::new(self.check_authorize(pool_id, p).await?);
        let page = self.sign_up_form(request, &SignUpForm::default()).await?;
        if !page.self_sign_up {
            return Err(AuthorizeError::Page("SignUp is not permitted for this user pool".into()));
        }
        Ok(page)
    }

    async fn sign_up_form(&self, request: Box<AuthRequest>, typed: &SignUpForm) -> Result<SignUpPage, AuthorizeError> {
        let form = self.idp.hosted_sign_up_form(&request.client.client_id).await.map_err(|e| {
            tracing::warn!(error = %e, "reading the sign-up form failed");
            AuthorizeError::Page("The sign-up page is not available.".into())
        })?;
        let fields = form
            .fields
            .iter()
            .map(|f| Field {
                name: f.name.clone(),
                label: label(&f.name),
                input: input_type(f),
                required: f.required,
                value: typed.fields.get(&f.name).cloned().unwrap_or_default(),
            })
            .collect();
        let (username_label, username_input) = username_kind(&form.username_attributes);
        Ok(SignUpPage {
            request,
            username_label: username_label.into(),
            username_input,
            username: typed.username.clone(),
            fields,
            policy: policy_words(&form.policy),
            self_sign_up: form.self_sign_up,
        })
    }

    /// The sign-up form's post: SignUp as the app client.
    pub async fn sign_up(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
        form: &SignUpForm,
        csrf_cookie: Option<&str>,
    ) -> Result<SignUpOutcome, AuthorizeError> {
        let Some(request) = self.checked_form(pool_id, p, csrf_cookie, form.csrf.as_deref()).await? else {
            return Ok(SignUpOutcome::Forged);
        };
        let page = self.sign_up_form(request, form).await?;
        let attributes: Vec<AttributeType> = page
            .fields
            .iter()
            .filter(|f| !f.value.is_empty())
            .map(|f| AttributeType { name: Some(f.name.clone()), value: Some(f.value.clone()) })
            .collect();
        let client_id = page.request.client.client_id.clone();
        let req = SignUpRequest {
            client_id: Some(client_id.clone()),
            secret_hash: self.secret_hash(&client_id, &form.username).await,
            username: Some(form.username.clone()),
            password: Some(form.password.clone()),
            user_attributes: Some(attributes),
            ..Default::default()
        };
        match as_client(&client_id, self.idp.sign_up(req)).await {
            Ok(r) if r.user_confirmed == Some(true) => Ok(SignUpOutcome::SignIn(page.request)),
            Ok(r) => Ok(SignUpOutcome::Confirm(Box::new(ConfirmPage {
                request: page.request,
                username: form.username.clone(),
                destination: destination(r.code_delivery_details),
                message: None,
            }))),
            Err(e) => Ok(SignUpOutcome::Retry { page: Box::new(page), message: page_message(e) }),
        }
    }

    /// The SECRET_HASH the hosted UI sends as a client with a secret (none for public ones).
    pub(crate) async fn secret_hash(&self, client_id: &str, name: &str) -> Option<String> {
        self.idp.hosted_secret_hash(client_id, name).await.ok().flatten()
    }

    /// The confirmation page for an authorization request (the user named in `user_name`).
    pub async fn confirm_page(&self, pool_id: &str, p: &AuthorizeParams) -> Result<ConfirmPage, AuthorizeError> {
        let request = Box::new(self.check_authorize(pool_id, p).await?);
        let username = p.get("user_name").unwrap_or_default().to_owned();
        Ok(ConfirmPage { request, username, destination: None, message: None })
    }

    /// The confirmation form's post: ConfirmSignUp, or ResendConfirmationCode.
    pub async fn confirm(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
        form: &ConfirmForm,
        csrf_cookie: Option<&str>,
    ) -> Result<ConfirmOutcome, AuthorizeError> {
        let Some(request) = self.checked_form(pool_id, p, csrf_cookie, form.csrf.as_deref()).await? else {
            return Ok(ConfirmOutcome::Forged);
        };
        let client_id = request.client.client_id.clone();
        let mut page = ConfirmPage { request, username: form.username.clone(), destination: None, message: None };
        if form.resend {
            match self.resend(&client_id, &form.username).await {
                Ok(details) => page.destination = destination(details),
                Err(e) => page.message = Some(page_message(e)),
            }
            return Ok(ConfirmOutcome::Page(Box::new(page)));
        }
        match self.confirm_code(&client_id, &form.username, &form.code).await {
            Ok(()) => Ok(ConfirmOutcome::Confirmed(page.request)),
            Err(e) => {
                page.message = Some(page_message(e));
                Ok(ConfirmOutcome::Page(Box::new(page)))
            }
        }
    }

    async fn resend(&self, client_id: &str, username: &str) -> Result<Option<CodeDeliveryDetailsType>, IdpError> {
        let req = ResendConfirmationCodeRequest {
            client_id: Some(client_id.to_owned()),
            secret_hash: self.secret_hash(client_id, username).await,
            username: Some(username.to_owned()),
            ..Default::default()
        };
        Ok(as_client(client_id, self.idp.resend_confirmation_code(req)).await?.code_delivery_details)
    }

    async fn confirm_code(&self, client_id: &str, username: &str, code: &str) -> Result<(), IdpError> {
        let req = ConfirmSignUpRequest {
            client_id: Some(client_id.to_owned()),
            secret_hash: self.secret_hash(client_id, username).await,
            username: Some(username.to_owned()),
            confirmation_code: Some(code.to_owned()),
            ..Default::default()
        };
        as_client(client_id, self.idp.confirm_sign_up(req)).await.map(drop)
    }

    /// `GET /confirmUser?client_id=…&user_name=…&confirmation_code=…`, the link of a
    /// CONFIRM_WITH_LINK email. It changes state on a GET because that is what the email
    /// link does; the code is single-use, and the answer is a page, never a redirect.
    pub async fn confirm_link(&self, pool_id: &str, p: &AuthorizeParams) -> Result<LinkOutcome, AuthorizeError> {
        let client_id = p.get("client_id").unwrap_or_default();
        match self.idp.hosted_client(client_id).await {
            Ok(c) if c.pool_id == pool_id => {}
            _ => return Err(AuthorizeError::Page("The client does not exist.".into())),
        }
        let username = p.get("user_name").unwrap_or_default();
        let code = p.get("confirmation_code").unwrap_or_default();
        Ok(match self.confirm_code(client_id, username, code).await {
            Ok(()) => LinkOutcome { confirmed: true, message: "Your account has been confirmed.".into() },
            Err(IdpError::NotAuthorized(text)) if text.ends_with("Current status is CONFIRMED") => {
                LinkOutcome { confirmed: true, message: "Your account has already been confirmed.".into() }
            }
            Err(e) => LinkOutcome { confirmed: false, message: page_message(e) },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_words() {
        assert_eq!(label("given_name"), "Given name");
        assert_eq!(label("custom:team_size"), "Team size");
        assert_eq!(label("email"), "Email");
    }

    #[test]
    fn policy_in_words() {
        let p = PasswordPolicyType {
            minimum_length: Some(10),
            require_uppercase: Some(true),
            require_symbols: Some(true),
            ..Default::default()
        };
        assert_eq!(
            policy_words(&p),
            ["At least 10 characters", "An uppercase letter", "A special character (such as ! @ # $ %)"]
        );
    }

    #[test]
    fn username_inputs_follow_username_attributes() {
        assert_eq!(username_kind(&[]), ("Username", "text"));
        assert_eq!(username_kind(&["email".into()]), ("Email", "email"));
        assert_eq!(username_kind(&["email".into(), "phone_number".into()]).0, "Email or phone number");
    }
}
