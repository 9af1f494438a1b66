//! The `Principal`/`NotPrincipal` element of trust and resource policies: `"*"` or a map of
//! `AWS`, `Federated`, `Service` and `CanonicalUser` to one name or a list of names.

use serde_json::Value;

use crate::context::{PrincipalKind, RequestPrincipal};
use crate::error::PolicyError;

/// A parsed `Principal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"Principal": "*"`: everyone, anonymous callers included.
    Everyone,
    /// Names by kind; a name of `*` stands for every principal of that kind.
    Named(Vec<(PrincipalKind, String)>),
}

impl Principals {
    pub(crate) fn parse(value: &Value) -> Result<Self, PolicyError> {
        let invalid = || PolicyError::InvalidPrincipal(value.to_string());
        match value {
            Value::String(s) if s == "*" => Ok(Self::Everyone),
            Value::Object(map) if !map.is_empty() => {
                let mut named = Vec::new();
                for (kind, names) in map {
                    let kind = parse_kind(kind).ok_or_else(invalid)?;
                    for name in names_of(names).ok_or_else(invalid)? {
                        named.push((kind, name));
                    }
                }
                Ok(Self::Named(named))
            }
            _ => Err(invalid()),
        }
    }

    /// Whether the requester is one of these principals. No requester (anonymous) is only
    /// matched by `"*"`.
    pub(crate) fn contains(&self, requester: Option<&RequestPrincipal>) -> bool {
        match (self, requester) {
            (Self::Everyone, _) => true,
            (Self::Named(_), None) => false,
            (Self::Named(named), Some(who)) => {
                named.iter().any(|(kind, name)| *kind == who.kind && name_matches(*kind, name, &who.id))
            }
        }
    }
}

fn parse_kind(kind: &str) -> Option<PrincipalKind> {
    match kind {
        "AWS" => Some(PrincipalKind::Aws),
        "Federated" => Some(PrincipalKind::Federated),
        "Service" => Some(PrincipalKind::Service),
        "CanonicalUser" => Some(PrincipalKind::CanonicalUser),
        _ => None,
    }
}

fn names_of(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) if !s.is_empty() => Some(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => {
            items.iter().map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)).collect()
        }
        _ => None,
    }
}

/// IAM allows no partial wildcards in principals; `*` alone means every principal of the kind.
fn name_matches(kind: PrincipalKind, name: &str, id: &str) -> bool {
    if name == "*" || name == id {
        return true;
    }
    match kind {
        // Provider and service names are DNS names, which compare without case.
        PrincipalKind::Federated | PrincipalKind::Service => name.eq_ignore_ascii_case(id),
        PrincipalKind::Aws => account_of(name).is_some_and(|account| account_of_id(id) == Some(account)),
        PrincipalKind::CanonicalUser => false,
    }
}

/// The account a principal name delegates to: a bare 12-digit id or `arn:...:iam::<id>:root`.
fn account_of(name: &str) -> Option<&str> {
    if is_account_id(name) {
        return Some(name);
    }
    let rest = name.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (service == "iam" && resource == "root" && is_account_id(account)).then_some(account)
}

/// The account a requester belongs to: its id if it is an account id, else its ARN's account.
fn account_of_id(id: &str) -> Option<&str> {
    if is_account_id(id) {
        return Some(id);
    }
    id.strip_prefix("arn:")?.split(':').nth(3).filter(|a| is_account_id(a))
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}
