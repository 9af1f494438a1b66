//! Which scopes an authorization request is granted.
//!
//! Cognate refuses (`invalid_scope`) any requested scope the client is not allowed, known or
//! not, rather than silently granting less than was asked; a client then learns of its
//! misconfiguration at once. What Cognito drops instead, Cognate drops too: `email`, `phone`
//! and `profile` without `openid` (they only shape OpenID answers). A request left with no
//! scope at all is `invalid_scope`.

use crate::error::{OAuthError, OAuthResult};

const NEED_OPENID: [&str; 3] = ["email", "phone", "profile"];

/// The granted scopes for `requested` (space separated; absent: all the client's scopes).
pub fn granted(requested: Option<&str>, allowed: &[String]) -> OAuthResult<Vec<String>> {
    let asked: Vec<String> = match requested {
        Some(text) => text.split(' ').filter(|s| !s.is_empty()).map(String::from).collect(),
        None => allowed.to_vec(),
    };
    let mut granted: Vec<String> = Vec::new();
    for scope in asked {
        if !allowed.contains(&scope) {
            return Err(OAuthError::protocol("invalid_scope", format!("The client may not request {scope}.")));
        }
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    let openid = granted.iter().any(|s| s == "openid");
    granted.retain(|s| openid || !NEED_OPENID.contains(&s.as_str()));
    if granted.is_empty() {
        return Err(OAuthError::protocol("invalid_scope", "No scope can be granted."));
    }
    Ok(granted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        ["openid", "email", "aws.cognito.signin.user.admin"].map(String::from).to_vec()
    }

    #[test]
    fn scopes() {
        assert_eq!(granted(None, &allowed()).unwrap_or_default(), allowed());
        assert_eq!(granted(Some("email openid email"), &allowed()).unwrap_or_default(), ["email", "openid"]);
        assert_eq!(
            granted(Some("email aws.cognito.signin.user.admin"), &allowed()).unwrap_or_default(),
            ["aws.cognito.signin.user.admin"]
        );
        assert!(granted(Some("openid phone"), &allowed()).is_err());
        assert!(granted(Some("email"), &allowed()).is_err());
    }
}
