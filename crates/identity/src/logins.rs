//! What a `Logins` map proves: each entry's token verified for its provider, as Cognito
//! verifies it, into the provider's canonical name and the subject it vouches for.

use crate::pools::{PoolDoc, user_pool_of_provider};
use crate::{Identity, IdentityError, IdentityResult};
use cognate_federation::{SocialIssuer, TokenIssuer};
use cognate_idp::exchange::TokenUse;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The provider key of the identity pool's own OpenID tokens (the developer flow's second step).
pub(crate) const COGNITO_IDENTITY: &str = "cognito-identity.amazonaws.com";

/// One verified login.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedLogin {
    /// The provider as the identity pool names it (`cognito-idp.{region}.amazonaws.com/{pool}`,
    /// a developer provider name, …).
    pub provider: String,
    pub subject: String,
    /// The token's claims (what role rules and principal tags read).
    pub claims: Map<String, Value>,
    /// The key of the role mapping that applies (`{provider}:{clientId}` for user pools).
    pub mapping_key: String,
    /// What this login adds to `amr` after `authenticated`.
    pub amr: Vec<String>,
}

fn not_authorized(message: impl Into<String>) -> IdentityError {
    IdentityError::NotAuthorized(message.into())
}

/// A login whose access token the provider vouched for (Facebook, Login with Amazon): the
/// user is the profile's `id_claim`.
fn access_token_login(
    key: &str,
    client_id: &str,
    id_claim: &str,
    claims: Result<Map<String, Value>, String>,
) -> IdentityResult<VerifiedLogin> {
    let claims = claims.map_err(|e| not_authorized(format!("Invalid login token. {e}")))?;
    let id = claims.get(id_claim).and_then(Value::as_str).unwrap_or_default().to_owned();
    Ok(VerifiedLogin {
        amr: vec![key.to_owned(), format!("{key}:{client_id}:{id}")],
        mapping_key: key.to_owned(),
        provider: key.to_owned(),
        subject: id,
        claims,
    })
}

const NOT_SUPPORTED_PROVIDER: &str = "Token is not from a supported provider of this identity pool.";

/// The claims of a JWT before its signature is checked, to word errors only.
fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    serde_json::from_slice(&cognate_crypto::jws::parse(token).ok()?.payload).ok()
}

impl Identity {
    /// A login from a SAML provider registered in IAM (named in SamlProviderARNs, keyed by
    /// its ARN): an IdP-initiated SAMLResponse (base64) for AWS's service provider
    /// (audience `urn:amazon:webservices`, recipient `https://signin.aws.amazon.com/saml`),
    /// accepted once. The subject is the NameID; role rules read the attributes (several
    /// values joined by commas) and `sub`.
    async fn verify_saml_login(&self, arn: &str, response: &str) -> IdentityResult<VerifiedLogin> {
        let provider = self.saml_provider(arn).await?.ok_or_else(|| {
            IdentityError::InvalidPoolConfiguration(format!(
                "Invalid identity pool configuration. The SAML provider {arn} does not exist."
            ))
        })?;
        let assertion = self
            .federation
            .verify_aws_saml_response(&provider.metadata, response)
            .await
            .map_err(|e| not_authorized(format!("Invalid login token. {e}")))?;
        let mut claims: Map<String, Value> = assertion
            .attributes
            .iter()
            .filter(|(_, values)| !values.is_empty())
            .map(|(name, values)| (name.clone(), Value::String(values.join(","))))
            .collect();
        claims.insert("sub".into(), Value::String(assertion.name_id.clone()));
        Ok(VerifiedLogin {
            amr: vec![arn.to_owned(), format!("{arn}:{}", assertion.name_id)],
            mapping_key: arn.to_owned(),
            provider: arn.to_owned(),
            subject: assertion.name_id,
            claims,
        })
    }

    /// A login from an OpenID Connect provider registered in IAM (named in
    /// OpenIdConnectProviderARNs, keyed by its issuer's host and path), or from Google or
    /// Sign in with Apple (SupportedLoginProviders, whose value is the app's client id, or
    /// several separated by commas).
    async fn verify_external_login(&self, pool: &PoolDoc, key: &str, token: &str) -> IdentityResult<VerifiedLogin> {
        let social = pool.pool.supported_login_providers.as_ref().and_then(|m| m.get(key));
        let oidc_arn = self.oidc_provider_arn(key);
        // The issuer URL of an IAM provider, when the login is one's.
        let discovered: String;
        let (issuer, client_ids) = match (key, social) {
            ("accounts.google.com", Some(id)) => (TokenIssuer::Social(SocialIssuer::Google), vec![id.clone()]),
            ("appleid.apple.com", Some(id)) => (TokenIssuer::Social(SocialIssuer::Apple), vec![id.clone()]),
            ("graph.facebook.com", Some(app_id)) => {
                let claims = self.federation.verify_facebook_token(app_id, token).await;
                return access_token_login(key, app_id, "id", claims);
            }
            ("www.amazon.com", Some(client_id)) => {
                let claims = self.federation.verify_amazon_token(client_id, token).await;
                return access_token_login(key, client_id, "user_id", claims);
            }
            (_, Some(_)) => {
                return Err(not_authorized(format!(
                    "Logins from {key} are not verified by Cognate yet: use a Cognate user pool, an OpenID Connect \
                     or SAML provider, Google, Facebook, Login with Amazon, Sign in with Apple or a developer provider."
                )));
            }
            (_, None) if pool.pool.saml_provider_ar_ns.iter().flatten().any(|a| a == key) => {
                return self.verify_saml_login(key, token).await;
            }
            // The key is the issuer's host and path exactly, as the provider's ARN ends.
            (_, None)
                if oidc_arn.ends_with(&format!("oidc-provider/{key}"))
                    && pool.pool.open_id_connect_provider_ar_ns.iter().flatten().any(|a| *a == oidc_arn) =>
            {
                let provider = self.oidc_provider(&oidc_arn).await?.ok_or_else(|| {
                    IdentityError::InvalidPoolConfiguration(format!(
                        "Invalid identity pool configuration. The OpenID Connect provider {oidc_arn} does not exist."
                    ))
                })?;
                discovered = provider.url;
                (TokenIssuer::Discovered(&discovered), provider.client_ids)
            }
            _ => return Err(not_authorized(NOT_SUPPORTED_PROVIDER)),
        };
        let claims = self.federation.verify_external_id_token(issuer, &client_ids, token).await.map_err(|e| {
            if e.contains("expired") {
                let exp =
                    unverified_claims(token).and_then(|c| c.get("exp").and_then(Value::as_i64)).unwrap_or_default();
                not_authorized(format!("Invalid login token. Token expired: {} >= {exp}", self.now_s()))
            } else if e.contains("not meant for this client") || e.contains("authorized party") {
                not_authorized("Invalid login token. Incorrect token audience.")
            } else {
                not_authorized(format!("Invalid login token. {e}"))
            }
        })?;
        let sub = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_owned();
        let aud = match claims.get("aud") {
            Some(Value::String(a)) => a.clone(),
            _ => claims.get("azp").and_then(Value::as_str).unwrap_or_default().to_owned(),
        };
        Ok(VerifiedLogin {
            amr: vec![key.to_owned(), format!("{key}:{aud}:{sub}")],
            mapping_key: key.to_owned(),
            provider: key.to_owned(),
            subject: sub,
            claims,
        })
    }

    /// Verifies every entry of `logins` for `pool`. The identity pool's own token
    /// (`cognito-identity.amazonaws.com`) and developer provider names are not logins here:
    /// the callers that accept them handle them first.
    pub(crate) async fn verify_logins(
        &self,
        pool: &PoolDoc,
        logins: &BTreeMap<String, String>,
    ) -> IdentityResult<Vec<VerifiedLogin>> {
        if logins.len() > 10 {
            return Err(IdentityError::InvalidParameter("A request can carry at most 10 logins.".into()));
        }
        let mut verified = Vec::with_capacity(logins.len());
        for (key, token) in logins {
            if key == COGNITO_IDENTITY {
                return Err(not_authorized("Invalid login token. The Cognito identity token must be the only login."));
            }
            if pool.developer_provider() == Some(key.as_str()) {
                return Err(not_authorized(format!(
                    "Developer provider {key} can only be used with GetOpenIdTokenForDeveloperIdentity."
                )));
            }
            verified.push(self.verify_login(pool, key, token).await?);
        }
        Ok(verified)
    }

    async fn verify_login(&self, pool: &PoolDoc, key: &str, token: &str) -> IdentityResult<VerifiedLogin> {
        let providers: Vec<_> = pool.pool.cognito_identity_providers.iter().flatten().collect();
        let unverified = unverified_claims(token);
        let iss = unverified.as_ref().and_then(|c| c.get("iss")).and_then(Value::as_str).unwrap_or_default();
        // Amplify names a user pool by its ID token's issuer without the scheme.
        let iss_key = iss.split_once("://").map_or(iss, |(_, rest)| rest);
        let token_pool = iss.rsplit('/').next().unwrap_or_default();
        let named = providers.iter().any(|p| p.provider_name.as_deref() == Some(key));
        let aliased = !iss_key.is_empty()
            && key == iss_key
            && providers.iter().any(|p| p.provider_name.as_deref().and_then(user_pool_of_provider) == Some(token_pool));
        if !named && !aliased {
            return self.verify_external_login(pool, key, token).await;
        }
        let verified = match self.idp.verify_token(token, TokenUse::Id, false).await {
            Ok(v) => v,
            Err(cognate_idp::IdpError::NotAuthorized(m)) if m.contains("expired") => {
                let exp = unverified.as_ref().and_then(|c| c.get("exp")).and_then(Value::as_i64).unwrap_or_default();
                return Err(not_authorized(format!("Invalid login token. Token expired: {} >= {exp}", self.now_s())));
            }
            Err(cognate_idp::IdpError::NotAuthorized(m)) if m.starts_with("Invalid") => {
                return Err(not_authorized("Invalid login token. Not a valid OpenId Connect identity token."));
            }
            Err(cognate_idp::IdpError::NotAuthorized(m)) => {
                return Err(not_authorized(format!("Invalid login token. {m}")));
            }
            Err(e) => return Err(e.into()),
        };
        let aud = verified.claim_str("aud").unwrap_or_default().to_owned();
        let of_pool: Vec<_> = providers
            .iter()
            .filter(|p| p.provider_name.as_deref().and_then(user_pool_of_provider) == Some(verified.pool_id.as_str()))
            .filter(|p| !named || p.provider_name.as_deref() == Some(key))
            .collect();
        let Some(provider) = of_pool.first() else {
            return Err(not_authorized("Invalid login token. Issuer doesn't match providerName"));
        };
        if !of_pool.iter().any(|p| p.client_id.as_deref().is_none_or(|c| c == aud)) {
            return Err(not_authorized("Invalid login token. Incorrect token audience."));
        }
        let name = provider.provider_name.clone().unwrap_or_default();
        let sub = verified.sub.clone();
        Ok(VerifiedLogin {
            amr: vec![name.clone(), format!("{name}:CognitoSignIn:{sub}")],
            mapping_key: format!("{name}:{aud}"),
            provider: name,
            subject: sub,
            claims: verified.claims,
        })
    }
}
