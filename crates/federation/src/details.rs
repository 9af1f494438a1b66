//! ProviderDetails as Cognito takes them, per ProviderType: the keys each type requires and
//! allows, the endpoints Cognito fills in (discovered from an OIDC issuer, or a social
//! provider's own), and where secrets go (sealed, never stored in the clear).

use crate::upstream::{Upstream, UpstreamRequest};
use cognate_idp::{IdpError, IdpResult};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Provider types with an OpenID Connect ID token (the others are plain OAuth 2.0).
pub(crate) const OIDC_TYPES: &[&str] = &["OIDC", "Google", "SignInWithApple"];
/// Types whose ProviderName must be the type itself.
pub(crate) const SOCIAL_TYPES: &[&str] = &["Google", "Facebook", "LoginWithAmazon", "SignInWithApple"];
/// Details that are secrets: sealed at rest, shown only by Describe.
pub(crate) const SECRET_KEYS: &[&str] = &["client_secret", "private_key"];
const FACEBOOK_VERSION: &str = "v17.0";

/// One provider's endpoints, as the operator may override them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Endpoints {
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    #[serde(default)]
    pub jwks_uri: Option<String>,
}

/// `--social-endpoints`: replacement endpoints by provider type (`Google`, `Facebook`,
/// `LoginWithAmazon`, `SignInWithApple`), for a private mirror or a local stand-in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SocialEndpoints(pub HashMap<String, Endpoints>);

impl SocialEndpoints {
    /// Parses the operator's JSON; every URL must pass the same rule as a provider's.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let parsed: SocialEndpoints = serde_json::from_str(text).map_err(|e| e.to_string())?;
        for (kind, e) in &parsed.0 {
            if !SOCIAL_TYPES.contains(&kind.as_str()) {
                return Err(format!("{kind} is not a social provider type ({})", SOCIAL_TYPES.join(", ")));
            }
            for url in [&e.issuer, &e.authorization_endpoint, &e.token_endpoint, &e.userinfo_endpoint, &e.jwks_uri]
                .into_iter()
                .flatten()
            {
                check_url(kind, url).map_err(|e| e.to_string())?;
            }
        }
        Ok(parsed)
    }
}

/// What is stored for a provider (a pool document of kind `idp`, named by ProviderName).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ProviderDoc {
    pub provider_type: String,
    /// ProviderDetails without the secrets.
    pub details: BTreeMap<String, String>,
    /// The secrets among ProviderDetails, each sealed with the master key.
    #[serde(default)]
    pub sealed: BTreeMap<String, String>,
    pub attribute_mapping: BTreeMap<String, String>,
    #[serde(default)]
    pub idp_identifiers: Vec<String>,
    /// A SAML provider's metadata, parsed when it was configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saml: Option<crate::saml::SamlIdp>,
}

pub(crate) fn invalid(message: impl Into<String>) -> IdpError {
    IdpError::InvalidParameter(message.into())
}

/// Issuer, endpoint and metadata URLs must be https, as Cognito requires; plain http only to
/// this machine (`127.0.0.1`, `localhost`, `[::1]`), for development and tests.
pub(crate) fn check_url(key: &str, url: &str) -> IdpResult<()> {
    let bad = || invalid(format!("{key} must be an https URL: {url}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || url.len() > 2048 || url.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    match scheme {
        "https" => Ok(()),
        "http" if matches!(host, "127.0.0.1" | "localhost" | "::1") => Ok(()),
        _ => Err(bad()),
    }
}

/// The keys each type requires, and those it also accepts (besides the ones Cognito fills
/// in, which are accepted and recomputed).
fn keys_of(provider_type: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match provider_type {
        "OIDC" => (
            &["client_id", "authorize_scopes", "oidc_issuer", "attributes_request_method"],
            &["client_secret", "authorize_url", "token_url", "attributes_url", "jwks_uri"],
        ),
        "Google" | "LoginWithAmazon" => (&["client_id", "client_secret", "authorize_scopes"], &[]),
        "Facebook" => (&["client_id", "client_secret", "authorize_scopes"], &["api_version"]),
        "SignInWithApple" => (&["client_id", "team_id", "key_id", "private_key", "authorize_scopes"], &[]),
        _ => return None,
    })
}

/// Keys Cognito adds to a provider's details (accepted back on update, then recomputed).
const COMPUTED: &[&str] = &[
    "attributes_url_add_attributes",
    "token_request_method",
    "authorize_url",
    "token_url",
    "attributes_url",
    "oidc_issuer",
    "jwks_uri",
];

/// Checks the given details for `provider_type` and completes them: the endpoints it will
/// use (discovered from `oidc_issuer` unless given), as Describe shows them.
pub(crate) async fn complete(
    provider_type: &str,
    mut given: BTreeMap<String, String>,
    social: &crate::SocialEndpoints,
    upstream: &dyn Upstream,
) -> IdpResult<BTreeMap<String, String>> {
    let (required, optional) =
        keys_of(provider_type).ok_or_else(|| invalid(format!("ProviderType {provider_type} is not supported.")))?;
    given.retain(|k, _| {
        !COMPUTED.contains(&k.as_str()) || required.contains(&k.as_str()) || optional.contains(&k.as_str())
    });
    for key in given.keys() {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            return Err(invalid(format!("ProviderDetails key {key} is not supported for {provider_type}.")));
        }
    }
    for key in required {
        if given.get(*key).is_none_or(|v| v.trim().is_empty()) {
            return Err(invalid(format!("ProviderDetails for {provider_type} must include {key}.")));
        }
    }
    if given.values().any(|v| v.len() > 131_072) {
        return Err(invalid("ProviderDetails values are limited to 131072 characters."));
    }
    let overrides = social.0.get(provider_type).cloned().unwrap_or_default();
    let mut out = given;
    match provider_type {
        "OIDC" => {
            let method = out.get("attributes_request_method").map(String::as_str).unwrap_or_default();
            if method != "GET" && method != "POST" {
                return Err(invalid("attributes_request_method must be GET or POST."));
            }
            let issuer = out.get("oidc_issuer").cloned().unwrap_or_default();
            check_url("oidc_issuer", &issuer)?;
            let explicit = ["authorize_url", "token_url", "jwks_uri"].iter().filter(|k| out.contains_key(**k)).count();
            if explicit == 0 {
                let found = discover(&issuer, upstream).await?;
                out.insert("authorize_url".into(), found.authorization_endpoint.unwrap_or_default());
                out.insert("token_url".into(), found.token_endpoint.unwrap_or_default());
                out.insert("jwks_uri".into(), found.jwks_uri.unwrap_or_default());
                if let Some(userinfo) = found.userinfo_endpoint {
                    out.insert("attributes_url".into(), userinfo);
                }
            } else if explicit < 3 {
                return Err(invalid(
                    "Give all of authorize_url, token_url and jwks_uri, or none to discover them from oidc_issuer.",
                ));
            }
            out.insert("attributes_url_add_attributes".into(), "false".into());
        }
        "Google" => {
            let e = |o: &Option<String>, d: &str| o.clone().unwrap_or_else(|| d.to_owned());
            out.insert(
                "authorize_url".into(),
                e(&overrides.authorization_endpoint, "https://accounts.google.com/o/oauth2/v2/auth"),
            );
            out.insert("token_url".into(), e(&overrides.token_endpoint, "https://oauth2.googleapis.com/token"));
            out.insert(
                "attributes_url".into(),
                e(&overrides.userinfo_endpoint, "https://openidconnect.googleapis.com/v1/userinfo"),
            );
            out.insert("oidc_issuer".into(), e(&overrides.issuer, "https://accounts.google.com"));
            out.insert("jwks_uri".into(), e(&overrides.jwks_uri, "https://www.googleapis.com/oauth2/v3/certs"));
            out.insert("attributes_url_add_attributes".into(), "false".into());
            out.insert("token_request_method".into(), "POST".into());
        }
        "Facebook" => {
            let version = out.get("api_version").cloned().unwrap_or_else(|| FACEBOOK_VERSION.to_owned());
            if !version.starts_with('v')
                || version.len() > 8
                || !version[1..].chars().all(|c| c.is_ascii_digit() || c == '.')
            {
                return Err(invalid("api_version must look like v17.0."));
            }
            let e = |o: &Option<String>, d: String| o.clone().unwrap_or(d);
            out.insert(
                "authorize_url".into(),
                e(&overrides.authorization_endpoint, format!("https://www.facebook.com/{version}/dialog/oauth")),
            );
            out.insert(
                "token_url".into(),
                e(&overrides.token_endpoint, format!("https://graph.facebook.com/{version}/oauth/access_token")),
            );
            out.insert(
                "attributes_url".into(),
                e(&overrides.userinfo_endpoint, format!("https://graph.facebook.com/{version}/me?fields=")),
            );
            out.insert("attributes_url_add_attributes".into(), "true".into());
            out.insert("token_request_method".into(), "GET".into());
        }
        "LoginWithAmazon" => {
            let e = |o: &Option<String>, d: &str| o.clone().unwrap_or_else(|| d.to_owned());
            out.insert("authorize_url".into(), e(&overrides.authorization_endpoint, "https://www.amazon.com/ap/oa"));
            out.insert("token_url".into(), e(&overrides.token_endpoint, "https://api.amazon.com/auth/o2/token"));
            out.insert("attributes_url".into(), e(&overrides.userinfo_endpoint, "https://api.amazon.com/user/profile"));
            out.insert("attributes_url_add_attributes".into(), "false".into());
            out.insert("token_request_method".into(), "POST".into());
        }
        "SignInWithApple" => {
            crate::oidc::check_apple_key(out.get("private_key").map(String::as_str).unwrap_or_default())?;
            let e = |o: &Option<String>, d: &str| o.clone().unwrap_or_else(|| d.to_owned());
            out.insert(
                "authorize_url".into(),
                e(&overrides.authorization_endpoint, "https://appleid.apple.com/auth/authorize"),
            );
            out.insert("token_url".into(), e(&overrides.token_endpoint, "https://appleid.apple.com/auth/token"));
            out.insert("oidc_issuer".into(), e(&overrides.issuer, "https://appleid.apple.com"));
            out.insert("jwks_uri".into(), e(&overrides.jwks_uri, "https://appleid.apple.com/auth/keys"));
            out.insert("token_request_method".into(), "POST".into());
        }
        _ => {}
    }
    for key in ["authorize_url", "token_url", "attributes_url", "jwks_uri", "oidc_issuer"] {
        if let Some(url) = out.get(key) {
            check_url(key, url)?;
        }
    }
    Ok(out)
}

/// The default `username` mapping: the claim that names the user at each provider type.
pub(crate) fn default_subject_claim(provider_type: &str) -> &'static str {
    match provider_type {
        "Facebook" => "id",
        "LoginWithAmazon" => "user_id",
        _ => "sub",
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Discovery {
    issuer: Option<String>,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
}

/// OpenID Connect Discovery: the issuer's configuration, which must name the same issuer.
pub(crate) async fn discover(issuer: &str, upstream: &dyn Upstream) -> IdpResult<Discovery> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let failed = |why: String| invalid(format!("Unable to contact well-known endpoint {url}: {why}"));
    let response = upstream.send(UpstreamRequest::get(url.clone())).await.map_err(|e| failed(e.0))?;
    if response.status != 200 {
        return Err(failed(format!("status {}", response.status)));
    }
    let found: Discovery =
        serde_json::from_slice(&response.body).map_err(|e| failed(format!("not an OpenID configuration ({e})")))?;
    if found.issuer.as_deref().map(|i| i.trim_end_matches('/')) != Some(issuer.trim_end_matches('/')) {
        return Err(invalid(format!("The OpenID configuration at {url} names another issuer.")));
    }
    for (name, value) in [
        ("authorization_endpoint", &found.authorization_endpoint),
        ("token_endpoint", &found.token_endpoint),
        ("jwks_uri", &found.jwks_uri),
    ] {
        let value =
            value.as_deref().ok_or_else(|| invalid(format!("The OpenID configuration at {url} has no {name}.")))?;
        check_url(name, value)?;
    }
    if let Some(u) = &found.userinfo_endpoint {
        check_url("userinfo_endpoint", u)?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_except_on_loopback() {
        assert!(check_url("k", "https://idp.example.com/x").is_ok());
        assert!(check_url("k", "http://127.0.0.1:8080/x").is_ok());
        assert!(check_url("k", "http://localhost/x").is_ok());
        assert!(check_url("k", "http://[::1]:9/x").is_ok());
        for bad in [
            "http://example.com/x",
            "http://127.0.0.1.evil.com/x",
            "http://localhost@evil.com/",
            "ftp://127.0.0.1/",
            "https://",
            "https://a b/",
            "javascript:alert(1)",
        ] {
            assert!(check_url("k", bad).is_err(), "{bad}");
        }
    }
}
