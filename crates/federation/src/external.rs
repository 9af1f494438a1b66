//! ID tokens from providers outside any sign-in of ours: what an identity pool's `Logins`
//! carry for an OpenID Connect provider registered in IAM, or for Google and Sign in with
//! Apple. The same checks as a sign-in's ID token (OIDC Core 3.1.3.7: signature by the
//! provider's published keys, issuer, audience among the expected client ids, expiry),
//! without a nonce, since no authorization request of ours preceded the token.

use crate::Federation;
use crate::id_token::{self, Expect};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a discovered `jwks_uri` is reused.
const DISCOVERY_MS: i64 = 3_600_000;

/// Where a token's keys are.
#[derive(Debug, Clone, Copy)]
pub enum TokenIssuer<'a> {
    /// An OpenID provider found by discovery at its issuer URL.
    Discovered(&'a str),
    /// Google's or Apple's, at their public endpoints or the operator's `--social-endpoints`.
    Social(SocialIssuer),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocialIssuer {
    Google,
    Apple,
}

#[derive(Default)]
pub(crate) struct DiscoveryCache(Mutex<HashMap<String, (i64, String)>>);

impl Federation {
    /// The issuer and JWKS of a social provider, the operator's overrides first.
    fn social_issuer(&self, which: SocialIssuer) -> (String, String) {
        let (kind, issuer, jwks) = match which {
            SocialIssuer::Google => {
                ("Google", "https://accounts.google.com", "https://www.googleapis.com/oauth2/v3/certs")
            }
            SocialIssuer::Apple => {
                ("SignInWithApple", "https://appleid.apple.com", "https://appleid.apple.com/auth/keys")
            }
        };
        let overrides = self.social.0.get(kind);
        (
            overrides.and_then(|o| o.issuer.clone()).unwrap_or_else(|| issuer.to_owned()),
            overrides.and_then(|o| o.jwks_uri.clone()).unwrap_or_else(|| jwks.to_owned()),
        )
    }

    async fn discovered_jwks(&self, issuer: &str) -> Result<String, String> {
        let now = self.now_ms();
        if let Ok(cache) = self.discovered.0.lock()
            && let Some((at, uri)) = cache.get(issuer)
            && now - at < DISCOVERY_MS
        {
            return Ok(uri.clone());
        }
        let found = crate::details::discover(issuer, self.upstream.as_ref()).await.map_err(|e| e.to_string())?;
        let uri = found.jwks_uri.ok_or("the provider's configuration has no jwks_uri")?;
        if let Ok(mut cache) = self.discovered.0.lock() {
            if cache.len() > 1000 {
                cache.clear();
            }
            cache.insert(issuer.to_owned(), (now, uri.clone()));
        }
        Ok(uri)
    }

    /// The claims of `token` if it is an ID token of `issuer` for one of `client_ids`.
    pub async fn verify_external_id_token(
        &self,
        issuer: TokenIssuer<'_>,
        client_ids: &[String],
        token: &str,
    ) -> Result<Map<String, Value>, String> {
        let issuer_kind = issuer;
        let (issuer, jwks_uri) = match issuer {
            TokenIssuer::Discovered(url) => (url.to_owned(), self.discovered_jwks(url).await?),
            TokenIssuer::Social(which) => self.social_issuer(which),
        };
        let kid = id_token::kid(token)?;
        let keys = self.keys.keys_for(&jwks_uri, kid.as_deref(), self.now_ms(), self.upstream.as_ref()).await?;
        // Google has issued both forms of its issuer; every other provider's must match exactly.
        let bare = match issuer_kind {
            TokenIssuer::Social(SocialIssuer::Google) => issuer.split_once("://").map(|(_, rest)| rest.to_owned()),
            _ => None,
        };
        let mut first: Option<String> = None;
        for client_id in client_ids {
            for issuer in std::iter::once(issuer.as_str()).chain(bare.as_deref()) {
                let expect = Expect { issuer, client_id, nonce: None, now_s: self.now_ms().div_euclid(1000) };
                match id_token::verify(token, &keys, &expect) {
                    Ok(claims) => return Ok(claims),
                    // The first reason is the one to report, unless it was only the issuer's spelling.
                    Err(e) if first.as_deref().is_none_or(|f| f.contains("another issuer")) => first = Some(e),
                    Err(_) => {}
                }
            }
        }
        let last = first.unwrap_or_else(|| "no client id is configured for this provider".to_owned());
        Err(last)
    }
}

/// AWS's service-provider names, which an IdP set up for AWS puts in its responses: the
/// audience and the recipient (and destination) of IdP-initiated SAML for IAM.
pub const AWS_SAML_AUDIENCE: &str = "urn:amazon:webservices";
pub const AWS_SAML_RECIPIENT: &str = "https://signin.aws.amazon.com/saml";

impl Federation {
    /// Whether `xml` is IdP metadata Cognate can verify responses with.
    pub fn check_saml_metadata(&self, xml: &str) -> Result<(), String> {
        self.saml.parse_idp_metadata(xml).map(|_| ())
    }

    /// An IdP-initiated SAMLResponse (base64) for AWS's service provider, as an identity
    /// pool's `Logins` carries it for an IAM SAML provider: verified as a sign-in's response
    /// is (signature by the metadata's certificates, audience, recipient, destination,
    /// validity window) and its assertion spent, so it is accepted once.
    pub async fn verify_aws_saml_response(
        &self,
        metadata: &str,
        response_b64: &str,
    ) -> Result<crate::SamlAssertion, String> {
        let idp = self.saml.parse_idp_metadata(metadata)?;
        let expect = crate::SamlExpect {
            idp: &idp,
            sp_entity_id: AWS_SAML_AUDIENCE,
            acs_url: AWS_SAML_RECIPIENT,
            in_response_to: None,
            now_ms: self.now_ms(),
            skew_seconds: crate::saml::SKEW_S,
            decryption_key_pem: None,
        };
        let assertion = self.saml.verify_response(response_b64, &expect)?;
        // Spent per IdP, not per provider: two IAM providers of one IdP must not each accept
        // the same response, which is addressed to AWS's service provider, not to either.
        let id = format!("{AWS_SAML_AUDIENCE}\n{}\n{}", idp.entity_id, assertion.id);
        let expires_ms = assertion.not_on_or_after_ms.max(self.now_ms()) + crate::saml::SKEW_S * 1000;
        match self.put_record(crate::saml::ASSERTION_TAG, &id, AWS_SAML_AUDIENCE, expires_ms, &()).await {
            Ok(true) => Ok(assertion),
            Ok(false) => Err("the assertion was already used".into()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// An access token as it may travel in a query: printable ASCII, at most 4 KiB.
fn check_access_token(token: &str) -> Result<(), String> {
    if token.is_empty() || token.len() > 4096 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the access token is malformed".into());
    }
    Ok(())
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl Federation {
    /// The Graph API's base: the operator's Facebook userinfo endpoint up to `/me`, or
    /// Facebook's own.
    fn graph_base(&self) -> String {
        let overridden = self.social.0.get("Facebook").and_then(|o| o.userinfo_endpoint.clone());
        match overridden {
            Some(url) => url.split("/me").next().unwrap_or_default().trim_end_matches('/').to_owned(),
            None => "https://graph.facebook.com/v17.0".to_owned(),
        }
    }

    /// A provider's JSON answer to `request` (an access token's app, token info, profile).
    async fn provider_json(&self, request: crate::UpstreamRequest) -> Result<Map<String, Value>, String> {
        let response =
            self.upstream.send(request).await.map_err(|e| format!("the provider could not be reached ({e})"))?;
        if response.status != 200 {
            return Err("the provider refused the access token".into());
        }
        serde_json::from_slice(&response.body).map_err(|_| "the provider answered something else than JSON".to_owned())
    }

    /// A Facebook access token, as an identity pool's `Logins` carries it for
    /// `graph.facebook.com`: it must belong to the app `app_id` (Graph `/app`, so a token
    /// given to another app cannot be replayed here), and `/me` names the user (`id`).
    pub async fn verify_facebook_token(&self, app_id: &str, token: &str) -> Result<Map<String, Value>, String> {
        check_access_token(token)?;
        let base = self.graph_base();
        let app =
            self.provider_json(crate::UpstreamRequest::get(format!("{base}/app?access_token={}", enc(token)))).await?;
        if app.get("id").and_then(Value::as_str) != Some(app_id) {
            return Err("the access token was issued to another Facebook app".into());
        }
        let me = self
            .provider_json(crate::UpstreamRequest::get(format!(
                "{base}/me?fields=id,name,email&access_token={}",
                enc(token)
            )))
            .await?;
        match me.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Ok(me),
            _ => Err("Facebook did not name the user".into()),
        }
    }
}

impl Federation {
    /// Login with Amazon's API base: the operator's LoginWithAmazon userinfo endpoint up to
    /// `/user/profile`, or Amazon's own.
    fn amazon_base(&self) -> String {
        let overridden = self.social.0.get("LoginWithAmazon").and_then(|o| o.userinfo_endpoint.clone());
        match overridden {
            Some(url) => url.split("/user/profile").next().unwrap_or_default().trim_end_matches('/').to_owned(),
            None => "https://api.amazon.com".to_owned(),
        }
    }

    /// A Login with Amazon access token, as an identity pool's `Logins` carries it for
    /// `www.amazon.com`: the token-info endpoint must say it was issued to `client_id` (so a
    /// token given to another app cannot be replayed here), then the profile names the user
    /// (`user_id`).
    pub async fn verify_amazon_token(&self, client_id: &str, token: &str) -> Result<Map<String, Value>, String> {
        check_access_token(token)?;
        let base = self.amazon_base();
        let info = self
            .provider_json(crate::UpstreamRequest::get(format!("{base}/auth/o2/tokeninfo?access_token={}", enc(token))))
            .await?;
        if info.get("aud").and_then(Value::as_str) != Some(client_id) {
            return Err("the access token was issued to another Login with Amazon client".into());
        }
        let request = crate::UpstreamRequest {
            post: false,
            url: format!("{base}/user/profile"),
            form: Vec::new(),
            bearer: Some(token.to_owned()),
        };
        let profile = self.provider_json(request).await?;
        match profile.get("user_id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() && info.get("user_id").and_then(Value::as_str).is_none_or(|i| i == id) => {
                Ok(profile)
            }
            _ => Err("Amazon did not name the user".into()),
        }
    }
}
