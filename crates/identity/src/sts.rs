//! Cognate's STS: AssumeRoleWithWebIdentity for identity-pool OpenID tokens (the classic
//! flow, and web-identity token files), AssumeRole for IAM principals, GetCallerIdentity.
//! Trust policies decide, evaluated by `cognate-policy`.

use crate::credentials::{CallerCredentials, Grant, Session, TemporaryCredentials, WebIdentity};
use crate::openid::{Subject, token_amr, token_tags};
use crate::query::{Node, Params, iso};
use crate::{Identity, IdentityError, IdentityResult};
use cognate_policy::{
    Context, Policy, PrincipalKind, Request, RequestPrincipal, evaluate_trust, evaluate_web_identity_trust,
};
use serde_json::Value;

/// Whether `trust` lets the identity of `subject` assume the role with a web identity (and
/// tag the session, when the session carries principal tags).
pub(crate) fn web_identity_trusts(trust: &Policy, subject: &Subject, tags: bool) -> bool {
    let assume = evaluate_web_identity_trust(trust, &subject.pool_id, &subject.identity_id, &subject.amr).is_allowed();
    if !assume || !tags {
        return assume;
    }
    let mut context = Context::new();
    context
        .insert("cognito-identity.amazonaws.com:aud", [subject.pool_id.as_str()])
        .insert("cognito-identity.amazonaws.com:sub", [subject.identity_id.as_str()])
        .insert("cognito-identity.amazonaws.com:amr", subject.amr.iter().cloned());
    for (key, value) in &subject.principal_tags {
        context.insert(&format!("aws:RequestTag/{key}"), [value.as_str()]);
    }
    context.insert("aws:TagKeys", subject.principal_tags.keys().cloned());
    let request = Request {
        principal: Some(RequestPrincipal::cognito_identity()),
        action: "sts:TagSession".into(),
        resource: String::new(),
        context,
    };
    evaluate_trust(trust, &request).is_allowed()
}

fn credentials_node(c: &TemporaryCredentials) -> Node {
    Node::new("Credentials")
        .field("AccessKeyId", &c.access_key_id)
        .field("SecretAccessKey", &c.secret_access_key)
        .field("SessionToken", &c.session_token)
        .field("Expiration", iso(c.expiration * 1000))
}

fn assumed_role_node(s: &Session) -> Node {
    Node::new("AssumedRoleUser").field("Arn", s.assumed_role_arn()).field("AssumedRoleId", s.user_id())
}

/// A role ARN as STS accepts it (20 to 2048 characters, an ARN).
fn role_arn(params: &Params) -> IdentityResult<&str> {
    let arn = params.required("RoleArn")?;
    if !(20..=2048).contains(&arn.len()) || !arn.starts_with("arn:") || arn.split(':').count() < 6 {
        return Err(IdentityError::InvalidParameter(format!("{arn} is invalid")));
    }
    Ok(arn)
}

fn session_name(params: &Params) -> IdentityResult<&str> {
    let name = params.required("RoleSessionName")?;
    let ok = (2..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if !ok {
        return Err(IdentityError::InvalidParameter(format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )));
    }
    Ok(name)
}

/// A session policy passed with the request: it must compile.
fn session_policy(params: &Params) -> IdentityResult<Option<String>> {
    let Some(text) = params.get("Policy") else { return Ok(None) };
    if text.len() > 2048 {
        return Err(IdentityError::InvalidParameter("Policy exceeds 2048 characters.".into()));
    }
    Policy::parse(text).map_err(|e| IdentityError::MalformedPolicyDocument(format!("Syntax errors in policy. {e}")))?;
    Ok(Some(text.to_owned()))
}

fn duration(params: &Params, max_s: i64) -> IdentityResult<i64> {
    let d = params.int("DurationSeconds")?.unwrap_or(3600);
    if d < 900 || d > max_s {
        return Err(IdentityError::InvalidParameter(format!(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role (or is below 900): {d}"
        )));
    }
    Ok(d)
}

impl Identity {
    /// The caller's ARN, as STS reports it.
    pub fn caller_arn(&self, caller: &CallerCredentials) -> String {
        match caller {
            CallerCredentials::Admin { .. } => format!("arn:aws:iam::{}:root", self.settings.account_id),
            CallerCredentials::Session(s) => s.assumed_role_arn(),
        }
    }

    /// Runs an STS action. AssumeRoleWithWebIdentity needs no caller; the others do.
    pub async fn sts(&self, caller: Option<&CallerCredentials>, action: &str, params: &Params) -> IdentityResult<Node> {
        let result = Node::new(&format!("{action}Result"));
        match (action, caller) {
            ("AssumeRoleWithWebIdentity", _) => self.assume_role_with_web_identity(params, result).await,
            ("GetCallerIdentity", Some(caller)) => {
                // The root user's aws:userid is the account id.
                let user_id = match caller {
                    CallerCredentials::Admin { .. } => self.settings.account_id.clone(),
                    CallerCredentials::Session(s) => s.user_id(),
                };
                Ok(result
                    .field("UserId", user_id)
                    .field("Account", &self.settings.account_id)
                    .field("Arn", self.caller_arn(caller)))
            }
            ("AssumeRole", Some(caller)) => self.assume_role(caller, params, result).await,
            ("GetCallerIdentity" | "AssumeRole", None) => Err(IdentityError::InvalidClientTokenId),
            (other, _) => {
                Err(IdentityError::InvalidAction(format!("The action {other} is not valid for this web service.")))
            }
        }
    }

    async fn assume_role_with_web_identity(&self, params: &Params, result: Node) -> IdentityResult<Node> {
        let role_arn = role_arn(params)?;
        let name = session_name(params)?;
        let token = params.required("WebIdentityToken")?;
        let policy = session_policy(params)?;
        let claims = self.verify_identity_token(token).await?.map_err(|e| {
            if e.contains("expired") {
                IdentityError::ExpiredWebIdentityToken(format!("Token expired: {e}"))
            } else {
                IdentityError::InvalidIdentityToken(e)
            }
        })?;
        let text = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let amr = token_amr(&claims);
        let principal_tags = token_tags(&claims);
        let subject = Subject {
            pool_id: text("aud"),
            identity_id: text("sub"),
            amr: amr.clone(),
            principal_tags,
            logins: Vec::new(),
        };
        let denied = || IdentityError::AccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity".into());
        let parsed = self.role_parsed(role_arn).await?.ok_or_else(denied)?;
        let role = &parsed.role;
        if !web_identity_trusts(&parsed.trust, &subject, !subject.principal_tags.is_empty()) {
            return Err(denied());
        }
        let duration = duration(params, role.max_session_s)?;
        let web =
            WebIdentity { aud: subject.pool_id.clone(), sub: subject.identity_id.clone(), amr, provider: text("iss") };
        let grant = Grant {
            session_name: name,
            duration_s: duration,
            web_identity: Some(web),
            principal_tags: subject.principal_tags.clone(),
            guest: false,
            policy,
        };
        let (credentials, session) = self.mint(role, grant)?;
        Ok(result
            .field("SubjectFromWebIdentityToken", &subject.identity_id)
            .field("Audience", &subject.pool_id)
            .child(assumed_role_node(&session))
            .child(credentials_node(&credentials))
            .field("Provider", "cognito-identity.amazonaws.com"))
    }

    async fn assume_role(&self, caller: &CallerCredentials, params: &Params, result: Node) -> IdentityResult<Node> {
        let role_arn = role_arn(params)?;
        let name = session_name(params)?;
        let policy = session_policy(params)?;
        let caller_arn = self.caller_arn(caller);
        let denied = || {
            IdentityError::AccessDenied(format!(
                "User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
            ))
        };
        let parsed = self.role_parsed(role_arn).await?.ok_or_else(denied)?;
        let (role, trust) = (&parsed.role, &parsed.trust);
        let mut request = Request::new("sts:AssumeRole", role_arn)
            .with_principal(RequestPrincipal::new(PrincipalKind::Aws, caller_arn.clone()));
        if let CallerCredentials::Session(s) = caller {
            request = request.with_context("aws:PrincipalArn", [s.role_arn.clone()]);
            // A role session also needs its own policies to allow the call.
            if !self.decide(s, &Request::new("sts:AssumeRole", role_arn)).await?.allowed {
                return Err(denied());
            }
        }
        if !evaluate_trust(trust, &request).is_allowed() {
            return Err(denied());
        }
        // Role chaining: a session assuming another role gets at most an hour.
        let max = match caller {
            CallerCredentials::Session(_) => role.max_session_s.min(3600),
            CallerCredentials::Admin { .. } => role.max_session_s,
        };
        let duration = duration(params, max)?;
        let grant = Grant { session_name: name, duration_s: duration, policy, ..Default::default() };
        let (credentials, session) = self.mint(role, grant)?;
        Ok(result.child(credentials_node(&credentials)).child(assumed_role_node(&session)))
    }
}
