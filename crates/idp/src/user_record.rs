//! A user as the domain sees it ([`User`]) and its stored form: attributes, private state
//! (`UserData`), and the lookup entries derived from them (sign-in aliases, ListUsers index).

use crate::pool_config::PoolDoc;
use crate::{IdpResult, error::internal};
use cognate_store::{UserRecord, UserWrite};
use cognate_wire::idp::types::{AttributeType, UserType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Attributes ListUsers can filter on, besides the pseudo-attributes added in [`index_of`].
const FILTERABLE: &[&str] = &["email", "phone_number", "name", "given_name", "family_name", "preferred_username"];
/// Index values longer than this are cut (at a character boundary) to keep index rows small;
/// exact matches on such values are re-checked against the full attribute.
pub(crate) const INDEX_VALUE_MAX_BYTES: usize = 512;

/// The user's private state, stored as JSON beside the attributes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct UserData {
    /// argon2id PHC string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_set_ms: Option<i64>,
    /// Previous password hashes, newest first, for PasswordHistorySize.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub password_history: Vec<String>,
    /// Outstanding one-time codes by purpose (see `codes`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub codes: BTreeMap<String, crate::codes::StoredCode>,
    /// Consecutive failed sign-ins and the lockout they caused (see `lockout`).
    #[serde(default, skip_serializing_if = "crate::lockout::Lockout::is_clear")]
    pub lockout: crate::lockout::Lockout,
    /// Per-action request counts in the current hour, for Cognito's per-user limits.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rate: BTreeMap<String, (i64, u32)>,
    /// Attribute values waiting for verification before they replace the current ones
    /// (UserAttributeUpdateSettings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, String>,
    /// Legacy SMS MFA settings (SetUserSettings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_options: Option<Vec<cognate_wire::idp::types::MFAOptionType>>,
    /// The SRP verifier of the current password (see `srp_auth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srp: Option<crate::srp_auth::StoredVerifier>,
    /// MFA factors and preference (see `mfa`).
    #[serde(default)]
    pub mfa: crate::mfa::UserMfa,
    /// Devices by key (see `devices`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub devices: BTreeMap<String, crate::devices::Device>,
    /// When the temporary password expires (FORCE_CHANGE_PASSWORD users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_expires_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub record: UserRecord,
    pub attributes: BTreeMap<String, String>,
    pub data: UserData,
}

impl User {
    pub fn from_record(record: UserRecord) -> IdpResult<User> {
        let attributes = serde_json::from_str(&record.attributes).map_err(internal)?;
        let data = serde_json::from_str(&record.data).map_err(internal)?;
        Ok(User { record, attributes, data })
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    pub fn is_verified(&self, attribute: &str) -> bool {
        self.attr(&format!("{attribute}_verified")) == Some("true")
    }

    /// The store write for this user's current state. `expected_version` is the version read
    /// (None for a new user); the written row carries the next version.
    pub fn to_write(&self, pool: &PoolDoc, expected_version: Option<i64>) -> IdpResult<UserWrite> {
        let mut record = self.record.clone();
        record.attributes = serde_json::to_string(&self.attributes).map_err(internal)?;
        record.data = serde_json::to_string(&self.data).map_err(internal)?;
        record.version = expected_version.map_or(1, |v| v + 1);
        Ok(UserWrite { index: index_of(self), aliases: aliases_of(self, pool), user: record, expected_version })
    }

    /// The `UserType` shape (ListUsers, AdminCreateUser) with all or only the named attributes.
    pub fn to_user_type(&self, only: Option<&[String]>) -> UserType {
        UserType {
            username: Some(self.record.username.clone()),
            attributes: Some(self.attribute_list(only)),
            user_create_date: Some(self.record.created_ms as f64 / 1000.0),
            user_last_modified_date: Some(self.record.updated_ms as f64 / 1000.0),
            enabled: Some(self.record.enabled),
            user_status: Some(self.record.status.clone()),
            mfa_options: None,
        }
    }

    pub fn attribute_list(&self, only: Option<&[String]>) -> Vec<AttributeType> {
        self.attributes
            .iter()
            .filter(|(k, _)| only.is_none_or(|names| names.iter().any(|n| n == *k)))
            .map(|(k, v)| AttributeType { name: Some(k.clone()), value: Some(v.clone()) })
            .collect()
    }
}

/// The lookup form of a username: case-folded in case-insensitive pools.
pub(crate) fn username_key(pool: &PoolDoc, username: &str) -> String {
    if pool.case_sensitive() { username.to_owned() } else { username.to_lowercase() }
}

/// The lookup form of an alias value: email and preferred_username follow the pool's case
/// sensitivity (UsernameConfiguration covers aliases too); phone numbers are exact.
pub(crate) fn alias_key(pool: &PoolDoc, kind: &str, value: &str) -> String {
    match kind {
        "email" | "preferred_username" => username_key(pool, value),
        _ => value.to_owned(),
    }
}

/// Sign-in aliases: with UsernameAttributes the email/phone is the identifier and unique
/// whether verified or not; with AliasAttributes email/phone count once verified and
/// preferred_username always.
/// Federated users have none (their provider vouches for their addresses, which may
/// repeat a native user's); a native user's linked provider identities are aliases too.
fn aliases_of(user: &User, pool: &PoolDoc) -> Vec<(String, String)> {
    let mut out = crate::federated::linked_identities(user);
    if user.record.status == crate::federated::EXTERNAL {
        return out;
    }
    for kind in pool.username_attributes() {
        if let Some(v) = user.attr(kind) {
            out.push((kind.clone(), alias_key(pool, kind, v)));
        }
    }
    for kind in pool.alias_attributes() {
        let counts = kind == "preferred_username" || user.is_verified(kind);
        if let (true, Some(v)) = (counts, user.attr(kind)) {
            out.push((kind.clone(), alias_key(pool, kind, v)));
        }
    }
    out
}

fn index_of(user: &User) -> Vec<(String, String)> {
    let r = &user.record;
    let mut out = vec![
        ("username".to_owned(), r.username.clone()),
        ("sub".to_owned(), r.sub.clone()),
        ("cognito:user_status".to_owned(), r.status.to_uppercase()),
        ("status".to_owned(), if r.enabled { "Enabled" } else { "Disabled" }.to_owned()),
    ];
    for name in FILTERABLE {
        if let Some(v) = user.attr(name).filter(|v| !v.is_empty()) {
            out.push(((*name).to_owned(), truncate(v).to_owned()));
        }
    }
    out
}

pub(crate) fn truncate(v: &str) -> &str {
    if v.len() <= INDEX_VALUE_MAX_BYTES {
        return v;
    }
    let mut end = INDEX_VALUE_MAX_BYTES;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    &v[..end]
}
