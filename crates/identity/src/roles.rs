//! Which role an identity's credentials get: guests the pool's unauthenticated role;
//! authenticated identities the role their provider's mapping picks (Token: the token's
//! `cognito:preferred_role`, or CustomRoleArn among its `cognito:roles`; Rules: the first
//! rule whose claim matches), with AmbiguousRoleResolution when nothing decides, and the
//! pool's authenticated role when the provider has no mapping.

use crate::logins::VerifiedLogin;
use crate::openid::Subject;
use crate::pools::PoolDoc;
use crate::{IdentityError, IdentityResult};
use cognate_wire::identity::types::{MappingRule, RoleMapping};
use serde_json::Value;

fn no_role() -> IdentityError {
    IdentityError::InvalidPoolConfiguration(
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.".into(),
    )
}

fn claim_values(login: &VerifiedLogin, claim: &str) -> Option<Vec<String>> {
    match login.claims.get(claim)? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(list) => Some(list.iter().filter_map(Value::as_str).map(String::from).collect()),
        Value::Null => None,
        other => Some(vec![other.to_string()]),
    }
}

fn rule_matches(rule: &MappingRule, login: &VerifiedLogin) -> bool {
    let value = rule.value.as_deref().unwrap_or_default();
    let Some(values) = claim_values(login, rule.claim.as_deref().unwrap_or_default()) else {
        return false;
    };
    match rule.match_type.as_deref().unwrap_or_default() {
        "Equals" => values.iter().any(|v| v == value),
        "Contains" => values.iter().any(|v| v.contains(value)),
        "StartsWith" => values.iter().any(|v| v.starts_with(value)),
        "NotEqual" => values.iter().all(|v| v != value),
        _ => false,
    }
}

/// The role a mapping decides, or `None` when it cannot decide (ambiguous).
fn mapped_role(mapping: &RoleMapping, login: &VerifiedLogin, custom: Option<&str>) -> IdentityResult<Option<String>> {
    match mapping.r#type.as_deref() {
        Some("Token") => {
            let roles = claim_values(login, "cognito:roles").unwrap_or_default();
            if let Some(custom) = custom {
                return if roles.iter().any(|r| r == custom) {
                    Ok(Some(custom.to_owned()))
                } else {
                    Err(IdentityError::NotAuthorized(
                        "The ambiguous role mapping rules for this identity pool do not allow the requested role."
                            .into(),
                    ))
                };
            }
            if let Some(preferred) = login.claims.get("cognito:preferred_role").and_then(Value::as_str) {
                return Ok(Some(preferred.to_owned()));
            }
            Ok(match roles.as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            })
        }
        Some("Rules") => Ok(mapping
            .rules_configuration
            .as_ref()
            .and_then(|c| c.rules.as_ref())
            .and_then(|rules| rules.iter().find(|r| rule_matches(r, login)))
            .and_then(|r| r.role_arn.clone())),
        _ => Ok(None),
    }
}

/// The role ARN for `subject` in `pool`.
pub(crate) fn resolve(pool: &PoolDoc, subject: &Subject, custom_role: Option<&str>) -> IdentityResult<String> {
    if !subject.authenticated() {
        return pool.roles.get("unauthenticated").cloned().ok_or_else(no_role);
    }
    let authenticated = || pool.roles.get("authenticated").cloned().ok_or_else(no_role);
    let mapped = subject.logins.iter().find_map(|l| {
        pool.role_mappings.get(&l.mapping_key).or_else(|| pool.role_mappings.get(&l.provider)).map(|m| (m, l))
    });
    let Some((mapping, login)) = mapped else {
        if custom_role.is_some() {
            return Err(IdentityError::InvalidParameter(
                "CustomRoleArn can be used only with a Token role mapping.".into(),
            ));
        }
        return authenticated();
    };
    match mapped_role(mapping, login, custom_role)? {
        Some(role) => Ok(role),
        None => match mapping.ambiguous_role_resolution.as_deref() {
            Some("AuthenticatedRole") => authenticated(),
            _ => Err(IdentityError::NotAuthorized(format!(
                "The ambiguous role mapping rules for: {} denied this request.",
                login.provider
            ))),
        },
    }
}
