//! The hosted UI's challenge pages after the password: NEW_PASSWORD_REQUIRED, the MFA codes
//! (SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP), SELECT_MFA_TYPE and MFA_SETUP (TOTP), answered
//! through `cognate-idp`'s challenge rules.
//!
//! Between pages the challenge's Session, its parameters and the authorization request ride
//! in a form field sealed with the master key (the browser can neither read the Session nor
//! change the request), bound to the browser's CSRF token so another browser cannot replay it.
//! The Session keeps the API's lifetime and single use, so an old page cannot be answered twice.

use crate::OAuth;
use crate::authorize::{AuthRequest, AuthorizeError, AuthorizeParams};
use crate::login::{LoginOutcome, sign_in_message};
use crate::remembered::{DeviceCookieValue, is_mfa_page, wants_remembering};
use cognate_idp::IdpError;
use cognate_idp::hosted::{HostedChallenge, HostedSignIn};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

const PURPOSE: &str = "cognate hosted-ui challenge";

/// What a challenge page's sealed field carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    name: String,
    session: String,
    parameters: BTreeMap<String, String>,
    query: HashMap<String, String>,
    csrf: String,
    /// MFA_SETUP: the TOTP secret being set up and its issuer.
    #[serde(default)]
    totp: Option<(String, String)>,
}

/// A challenge page to show.
#[derive(Debug, Clone, Default)]
pub struct ChallengePage {
    /// The challenge (NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP,
    /// SELECT_MFA_TYPE, MFA_SETUP).
    pub name: String,
    /// The sealed state the form posts back.
    pub state: String,
    pub csrf: String,
    pub message: Option<String>,
    /// Where an SMS or email code went, masked as the challenge parameters give it.
    pub destination: Option<String>,
    /// SELECT_MFA_TYPE: the factors to choose from.
    pub factors: Vec<String>,
    /// NEW_PASSWORD_REQUIRED: the attributes to fill in, and the password policy in words.
    pub required: Vec<String>,
    pub rules: Vec<String>,
    /// MFA_SETUP: the secret and the `otpauth://` URI its QR code encodes.
    pub secret: Option<String>,
    pub otpauth: Option<String>,
    pub redirect_uri: String,
    pub lang: Option<String>,
    /// The app client whose branding the page carries.
    pub client_id: String,
    /// MFA pages: whether the "Remember this device" box is shown (`Some`) and ticked.
    pub remember_device: Option<bool>,
}

/// Where a challenge answer ended.
#[derive(Debug, Clone)]
pub enum ChallengeOutcome {
    SignedIn {
        redirect: String,
        session_cookie: String,
        /// The remembered-device cookie, when the user had the browser remembered.
        device_cookie: Option<DeviceCookieValue>,
    },
    Page(Box<ChallengePage>),
    /// The sign-in must start again (expired or spent session): the sign-in page, with why.
    Restart {
        request: Box<AuthRequest>,
        query: AuthorizeParams,
        message: String,
    },
    /// No CSRF token, another browser's token, or a state this server did not seal.
    Forged,
}

/// Mistakes answered on the same page; anything else starts the sign-in again.
fn retry_here(e: &IdpError) -> bool {
    matches!(
        e,
        IdpError::CodeMismatch
            | IdpError::TotpCodeReused
            | IdpError::InvalidPassword(_)
            | IdpError::PasswordHistoryViolation
            | IdpError::InvalidParameter(_)
            | IdpError::EnableSoftwareTokenMfa(_)
    )
}

fn restart_message(e: IdpError) -> String {
    match e {
        IdpError::NotAuthorized(text) if text.starts_with("Invalid session") => {
            "Your sign-in session has expired. Please sign in again.".into()
        }
        IdpError::ExpiredCode | IdpError::TooManyFailedAttempts => e.to_string(),
        other => sign_in_message(other),
    }
}

fn json_list(parameters: &BTreeMap<String, String>, name: &str) -> Vec<String> {
    parameters.get(name).and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default()
}

/// The form field that carries attribute `name` (and the API's response key for it).
pub fn attribute_field(name: &str) -> String {
    format!("userAttributes.{name}")
}

impl OAuth {
    /// The page for a challenge that follows a sign-in step; MFA_SETUP first associates a
    /// TOTP secret. `Unavailable` for a setup the hosted UI cannot do (email only).
    pub(crate) async fn challenge_page(
        &self,
        request: Box<AuthRequest>,
        query: &AuthorizeParams,
        challenge: HostedChallenge,
        csrf: &str,
    ) -> LoginOutcome {
        let mut pending = Pending {
            name: challenge.name,
            session: challenge.session,
            parameters: challenge.parameters,
            query: query.0.clone(),
            csrf: csrf.to_owned(),
            totp: None,
        };
        if pending.name == "MFA_SETUP" {
            if !json_list(&pending.parameters, "MFAS_CAN_SETUP").iter().any(|f| f == "SOFTWARE_TOKEN_MFA") {
                return LoginOutcome::Unavailable { request, step: pending.name };
            }
            let client_id = &request.client.client_id;
            match self.idp.hosted_associate_totp(client_id, &pending.session).await {
                Ok(setup) => {
                    pending.session = setup.session;
                    pending.totp = Some((setup.secret, setup.issuer));
                }
                Err(e) => return LoginOutcome::Retry { message: restart_message(e), request },
            }
        }
        match self.render_pending(&request, &pending, None).await {
            Some(page) => LoginOutcome::Challenge(Box::new(page)),
            None => LoginOutcome::Retry { request, message: "Something went wrong. Please try again.".into() },
        }
    }

    /// The page for `p`, its state sealed afresh; `None` only if the state cannot be encoded.
    async fn render_pending(&self, req: &AuthRequest, p: &Pending, message: Option<String>) -> Option<ChallengePage> {
        let state = self.master_key.seal(PURPOSE, &serde_json::to_vec(p).ok()?);
        let mut page = ChallengePage {
            name: p.name.clone(),
            state,
            csrf: p.csrf.clone(),
            message,
            destination: p.parameters.get("CODE_DELIVERY_DESTINATION").cloned(),
            factors: json_list(&p.parameters, "MFAS_CAN_CHOOSE"),
            redirect_uri: req.redirect_uri.clone(),
            lang: req.lang.clone(),
            client_id: req.client.client_id.clone(),
            ..Default::default()
        };
        if p.name == "NEW_PASSWORD_REQUIRED" {
            let required = json_list(&p.parameters, "requiredAttributes");
            page.required =
                required.iter().filter_map(|a| a.strip_prefix("userAttributes.")).map(String::from).collect();
            page.rules = self.idp.hosted_password_rules(&req.client.client_id).await.unwrap_or_default();
        }
        if is_mfa_page(&p.name) {
            page.remember_device = self.idp.hosted_device_offer(&req.client.client_id).await.ok().flatten();
        }
        if let Some((secret, issuer)) = &p.totp {
            let user = p.parameters.get("USER_ID_FOR_SRP").map(String::as_str).unwrap_or_default();
            page.otpauth = Some(otpauth_uri(issuer, user, secret));
            page.secret = Some(secret.clone());
        }
        Some(page)
    }

    fn open_pending(&self, sealed: &str) -> Option<Pending> {
        serde_json::from_slice(&self.master_key.open(PURPOSE, sealed).ok()?).ok()
    }

    /// A challenge page's form: CSRF and the sealed state checked, the answer given to the
    /// user-pool domain, then the next page, the sign-in page again, or the client's redirect
    /// (with the browser remembered when an MFA page's box was ticked; `user_agent` names it).
    pub async fn answer_challenge(
        &self,
        pool_id: &str,
        form: &HashMap<String, String>,
        csrf_cookie: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<ChallengeOutcome, AuthorizeError> {
        let token = form.get("_csrf").map(String::as_str);
        let Some(pending) = form.get("_state").and_then(|s| self.open_pending(s)) else {
            return Ok(ChallengeOutcome::Forged);
        };
        if !self.csrf_ok(csrf_cookie, token) || token != Some(pending.csrf.as_str()) {
            return Ok(ChallengeOutcome::Forged);
        }
        let query = AuthorizeParams(pending.query.clone());
        let request = Box::new(self.check_authorize(pool_id, &query).await?);
        let result = match self.respond(&request, &pending, form).await {
            Ok(result) => result,
            Err(message) => return Ok(self.again(&request, &pending, message).await),
        };
        match result {
            Ok(HostedSignIn::SignedIn { sub, auth_time }) => {
                let started = self.start_session(pool_id, &request.client.client_id, &sub, auth_time).await;
                let (session_cookie, live) =
                    started.map_err(|e| AuthorizeError::Redirect(request.error_redirect(&e)))?;
                let redirect = self.grant(&request, &live).await;
                let remember = wants_remembering(&pending.name, form);
                let client_id = &request.client.client_id;
                let device_cookie =
                    if remember { self.remember_browser(pool_id, client_id, &sub, user_agent).await } else { None };
                Ok(ChallengeOutcome::SignedIn { redirect, session_cookie, device_cookie })
            }
            Ok(HostedSignIn::Challenge(next)) => {
                Ok(match self.challenge_page(request.clone(), &query, next, &pending.csrf).await {
                    LoginOutcome::Challenge(page) => ChallengeOutcome::Page(page),
                    LoginOutcome::Retry { message, .. } => ChallengeOutcome::Restart { request, query, message },
                    _ => ChallengeOutcome::Restart { request, query, message: "This step is not available.".into() },
                })
            }
            Err(e) if retry_here(&e) => Ok(self.again(&request, &pending, e.to_string()).await),
            Err(e) => Ok(ChallengeOutcome::Restart { request, query, message: restart_message(e) }),
        }
    }

    /// The same page again, with a message.
    async fn again(&self, req: &AuthRequest, pending: &Pending, message: String) -> ChallengeOutcome {
        match self.render_pending(req, pending, Some(message)).await {
            Some(page) => ChallengeOutcome::Page(Box::new(page)),
            None => ChallengeOutcome::Forged,
        }
    }

    /// Sends the answer; `Err(message)` for a form the page itself refuses (passwords that
    /// differ), before the session is spent.
    async fn respond(
        &self,
        req: &AuthRequest,
        p: &Pending,
        form: &HashMap<String, String>,
    ) -> Result<Result<HostedSignIn, IdpError>, String> {
        let client_id = &req.client.client_id;
        let field = |name: &str| form.get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
        let mut responses = BTreeMap::new();
        if let Some(user) = p.parameters.get("USER_ID_FOR_SRP") {
            responses.insert("USERNAME".to_owned(), user.clone());
        }
        let session = p.session.clone();
        match p.name.as_str() {
            "NEW_PASSWORD_REQUIRED" => {
                let password = form.get("password").cloned().unwrap_or_default();
                if form.get("confirm_password") != Some(&password) {
                    return Err("The passwords do not match.".into());
                }
                responses.insert("NEW_PASSWORD".into(), password);
                for name in json_list(&p.parameters, "requiredAttributes") {
                    responses.insert(name.clone(), field(&name));
                }
            }
            "SELECT_MFA_TYPE" => _ = responses.insert("ANSWER".into(), field("answer")),
            "SOFTWARE_TOKEN_MFA" => _ = responses.insert("SOFTWARE_TOKEN_MFA_CODE".into(), field("code")),
            "SMS_MFA" => _ = responses.insert("SMS_MFA_CODE".into(), field("code")),
            "EMAIL_OTP" => _ = responses.insert("EMAIL_OTP_CODE".into(), field("code")),
            "MFA_SETUP" => {
                let verified = self.idp.hosted_verify_totp(&session, &field("code")).await;
                return Ok(match verified {
                    Ok(next) => self.idp.hosted_respond(client_id, "MFA_SETUP", &next, responses).await,
                    Err(e) => Err(e),
                });
            }
            _ => return Ok(Err(IdpError::NotAuthorized("Invalid session for the user.".into()))),
        }
        Ok(self.idp.hosted_respond(client_id, &p.name, &session, responses).await)
    }
}

/// The key URI authenticator apps read from the QR code (Google Authenticator's format).
fn otpauth_uri(issuer: &str, user: &str, secret: &str) -> String {
    let enc = |s: &str| crate::urls::encode(s);
    let issuer = if issuer.is_empty() { "Cognate" } else { issuer };
    format!("otpauth://totp/{}:{}?secret={secret}&issuer={}", enc(issuer), enc(user), enc(issuer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_uri_names_issuer_and_user_encoded() {
        assert_eq!(
            otpauth_uri("My Pool", "ada@example.com", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/My%20Pool:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=My%20Pool"
        );
        assert_eq!(otpauth_uri("", "ada", "K"), "otpauth://totp/Cognate:ada?secret=K&issuer=Cognate");
    }

    #[test]
    fn spent_sessions_restart_and_mistakes_stay() {
        let expired = IdpError::NotAuthorized("Invalid session for the user, session is expired.".into());
        assert!(!retry_here(&expired));
        assert_eq!(restart_message(expired), "Your sign-in session has expired. Please sign in again.");
        assert!(retry_here(&IdpError::CodeMismatch));
        assert!(retry_here(&IdpError::InvalidPassword("Password not long enough".into())));
        assert!(!retry_here(&IdpError::ExpiredCode));
    }
}
