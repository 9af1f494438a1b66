//! Sign-in through an OpenID Connect or OAuth 2.0 provider, as Cognito's hosted UI does it:
//! `/oauth2/authorize?identity_provider=…` sends the browser to the provider's authorization
//! endpoint with `redirect_uri={hosted UI}/oauth2/idpresponse`, a single-use `state` and (for
//! OpenID providers) a `nonce`; `/oauth2/idpresponse` takes the code back, redeems it at the
//! token endpoint (client_secret_post; Facebook's GET), verifies the ID token (`id_token.rs`),
//! reads userInfo or the profile endpoint, and maps the result to pool attributes.
//!
//! The state is a server-side record (a session record, taken once) that also holds a digest
//! of a random value kept in a cookie of the browser that started: a response carried to
//! another browser (login CSRF) or replayed is refused.

use crate::Federation;
use crate::details::OIDC_TYPES;
use crate::id_token::{self, Expect};
use crate::providers::Provider;
use crate::upstream::UpstreamRequest;
use cognate_idp::federated::ExternalIdentity;
use cognate_idp::{IdpError, IdpResult};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// How long a browser may take at the provider.
const STATE_SECONDS: i64 = 600;

/// A failed federated sign-in, worded for the error page. Nothing was created.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct FederationError(pub String);

impl From<IdpError> for FederationError {
    fn from(e: IdpError) -> Self {
        match e {
            IdpError::Internal(_) => {
                tracing::error!(error = %e, "federated sign-in failed");
                FederationError("Something went wrong. Please try again.".into())
            }
            other => FederationError(other.to_string()),
        }
    }
}

pub(crate) fn expired() -> FederationError {
    FederationError("The sign-in through the identity provider expired or was already used. Start again.".into())
}

pub(crate) fn refuse(why: impl std::fmt::Display) -> FederationError {
    FederationError(format!("The identity provider's answer was refused: {why}."))
}

/// A provider the sign-in page offers.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderButton {
    pub name: String,
    pub provider_type: String,
}

/// The redirect to the provider, and the cookie that binds its answer to this browser.
#[derive(Debug, Clone)]
pub struct Begin {
    pub redirect: String,
    pub binding: String,
}

/// What came back: the caller's `carry` (its authorization request) and the identity, or the
/// provider's refusal (`error`, `error_description`) for the app.
#[derive(Debug, Clone)]
pub struct Completed {
    pub carry: String,
    pub result: Result<ExternalIdentity, (String, Option<String>)>,
    /// The IdP's session, for single logout (SAML).
    pub saml_session: Option<crate::saml::SamlSession>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct State {
    pub provider: String,
    pub nonce: String,
    pub redirect_uri: String,
    pub binding: String,
    pub carry: String,
    /// The AuthnRequest ID of a SAML sign-in, which the response must answer.
    #[serde(default)]
    pub request_id: Option<String>,
}

const STATE_TAG: &[u8] = b"federation-state";

/// What the state record keeps of the browser's binding cookie.
fn binding_digest(binding: &str) -> String {
    cognate_crypto::digest_hex(&[b"federation-binding", binding.as_bytes()])
}

fn enc(v: &str) -> String {
    utf8_percent_encode(v, NON_ALPHANUMERIC).to_string()
}

fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let mut out = url.to_owned();
    let mut sep = if url.contains('?') { if url.ends_with('?') || url.ends_with('&') { "" } else { "&" } } else { "?" };
    for (k, v) in params {
        out.push_str(sep);
        out.push_str(k);
        out.push('=');
        out.push_str(&enc(v));
        sep = "&";
    }
    out
}

/// Sign in with Apple's private key (the `.p8` PEM Apple hands out) as PKCS#8 DER; `None`
/// when it is not base64 between the PEM lines.
fn apple_der(pem: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// Checks, when a provider is configured, that the key Apple issued can sign ES256.
pub(crate) fn check_apple_key(pem: &str) -> IdpResult<()> {
    let der = apple_der(pem)
        .ok_or_else(|| IdpError::InvalidParameter("private_key must be the PEM private key Apple issued.".into()))?;
    cognate_crypto::jws::sign_es256_jwt(&der, "check", b"{}")
        .map_err(|_| IdpError::InvalidParameter("private_key must be an EC P-256 private key (PKCS#8 PEM).".into()))?;
    Ok(())
}

impl Federation {
    /// The providers `supported` (an app client's SupportedIdentityProviders) names, in its
    /// order, for the sign-in page; and the sign-in URLs of those that claim identifiers (when
    /// there are any, the page offers the email field that routes by domain, and its form may
    /// end at one of them).
    pub async fn buttons(&self, pool_id: &str, supported: &[String]) -> (Vec<ProviderButton>, Vec<String>) {
        // Point reads of the listed providers only: the sign-in page is a hot path, and most
        // clients list COGNITO alone (no read at all).
        let mut listed = Vec::new();
        for name in supported.iter().filter(|n| *n != "COGNITO") {
            if let Ok(p) = self.load_provider(pool_id, name).await {
                listed.push(p);
            }
        }
        let routed = listed
            .iter()
            .filter(|p| !p.doc.idp_identifiers.is_empty())
            .filter_map(|p| p.sign_in_url().map(String::from))
            .collect();
        let buttons =
            listed.into_iter().map(|p| ProviderButton { name: p.name, provider_type: p.doc.provider_type }).collect();
        (buttons, routed)
    }

    /// The provider an authorization request names, by `identity_provider` or by
    /// `idp_identifier` (an identifier, or an email address whose domain is one). `None`:
    /// the request names neither, or COGNITO. Refused when the app client does not list it.
    pub async fn choose(
        &self,
        pool_id: &str,
        supported: &[String],
        name: Option<&str>,
        identifier: Option<&str>,
    ) -> Result<Option<String>, FederationError> {
        let chosen = match (name, identifier) {
            (Some(n), _) if n.eq_ignore_ascii_case("cognito") => return Ok(None),
            (Some(n), _) => n.to_owned(),
            (None, Some(id)) => {
                let id = id.rsplit_once('@').map_or(id, |(_, domain)| domain);
                match self.provider_by_identifier(pool_id, id).await? {
                    Some(p) => p.name,
                    None => return Err(FederationError(format!("No identity provider is registered for {id}."))),
                }
            }
            (None, None) => return Ok(None),
        };
        if !supported.contains(&chosen) {
            return Err(FederationError(format!("The client does not allow sign-in through {chosen}.")));
        }
        Ok(Some(chosen))
    }

    /// Starts a sign-in at `provider`: the redirect to its authorization endpoint (or SAML
    /// single sign-on service), whose answer comes back to the hosted UI at `base`
    /// (`/oauth2/idpresponse`, or `/saml2/idpresponse` for SAML).
    pub async fn begin(
        &self,
        pool_id: &str,
        provider: &str,
        base: &str,
        carry: String,
    ) -> Result<Begin, FederationError> {
        let p = self.load_provider(pool_id, provider).await?;
        let saml = p.doc.provider_type == "SAML";
        let callback = if saml { format!("{base}/saml2/idpresponse") } else { format!("{base}/oauth2/idpresponse") };
        let callback = callback.as_str();
        let state = crate::new_token();
        let nonce = hex::encode(cognate_crypto::random::bytes::<16>());
        let binding = crate::new_token();
        let request_id = saml.then(|| format!("_{}", hex::encode(cognate_crypto::random::bytes::<20>())));
        let record = State {
            provider: p.name.clone(),
            nonce: nonce.clone(),
            redirect_uri: callback.to_owned(),
            binding: binding_digest(&binding),
            carry,
            request_id: request_id.clone(),
        };
        self.put_record(STATE_TAG, &state, pool_id, self.now_ms() + STATE_SECONDS * 1000, &record).await?;
        if let Some(request_id) = &request_id {
            let redirect = self.saml_redirect(pool_id, &p, callback, request_id, &state).await?;
            return Ok(Begin { redirect, binding });
        }
        let client_id = p.detail("client_id").unwrap_or_default().to_owned();
        let scopes = p.detail("authorize_scopes").unwrap_or_default().to_owned();
        let mut params = vec![
            ("client_id", client_id.as_str()),
            ("redirect_uri", callback),
            ("response_type", "code"),
            ("scope", scopes.as_str()),
            ("state", state.as_str()),
        ];
        if OIDC_TYPES.contains(&p.doc.provider_type.as_str()) {
            params.push(("nonce", nonce.as_str()));
        }
        let apple_post =
            p.doc.provider_type == "SignInWithApple" && scopes.split([' ', ',']).any(|s| s == "email" || s == "name");
        if apple_post {
            params.push(("response_mode", "form_post"));
        }
        let redirect = with_query(p.detail("authorize_url").unwrap_or_default(), &params);
        Ok(Begin { redirect, binding })
    }

    /// Finishes a sign-in with what the provider sent back to `/oauth2/idpresponse` (query
    /// or form) and the browser's binding cookie. The state is spent whatever happens.
    pub async fn complete(
        &self,
        pool_id: &str,
        params: &HashMap<String, String>,
        binding: Option<&str>,
    ) -> Result<Completed, FederationError> {
        let state = params.get("state").map(String::as_str).unwrap_or_default();
        let st = self.take_state(pool_id, state, binding).await?.ok_or_else(expired)?;
        if let Some(error) = params.get("error") {
            let error = if error.len() <= 64 && error.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                error.clone()
            } else {
                "access_denied".into()
            };
            let description = params.get("error_description").map(|d| d.chars().take(256).collect());
            return Ok(Completed { carry: st.carry, result: Err((error, description)), saml_session: None });
        }
        let code = params.get("code").filter(|c| !c.is_empty() && c.len() <= 4096).ok_or_else(|| refuse("no code"))?;
        let p = self.load_provider(pool_id, &st.provider).await?;
        let claims = self.redeem(&p, code, &st).await?;
        let (subject, attributes) = crate::mapping::apply(&p.doc, &claims, None).map_err(refuse)?;
        let identity = ExternalIdentity {
            provider_name: p.name.clone(),
            provider_type: p.doc.provider_type.clone(),
            subject,
            attributes,
        };
        Ok(Completed { carry: st.carry, result: Ok(identity), saml_session: None })
    }

    /// The sign-in a state names, spent now; `None` when it names none (unknown, used,
    /// expired, another pool's). Refused when the browser is not the one that started it.
    pub(crate) async fn take_state(
        &self,
        pool_id: &str,
        state: &str,
        binding: Option<&str>,
    ) -> Result<Option<State>, FederationError> {
        let Some(st) = self.get_record::<State>(STATE_TAG, state, pool_id, true).await? else { return Ok(None) };
        let bound = binding.is_some_and(|b| cognate_crypto::ct_eq(binding_digest(b).as_bytes(), st.binding.as_bytes()));
        if !bound {
            return Err(FederationError("This sign-in was started in another browser. Start again.".into()));
        }
        Ok(Some(st))
    }

    /// The provider's code for its tokens, then what it says about the user.
    async fn redeem(&self, p: &Provider, code: &str, st: &State) -> Result<Map<String, Value>, FederationError> {
        let client_id = p.detail("client_id").unwrap_or_default().to_owned();
        let secret = match p.doc.provider_type.as_str() {
            "SignInWithApple" => Some(self.apple_secret(p)?),
            _ => self.secret(p, "client_secret")?,
        };
        // Checked (https, or loopback) when the provider was configured, and again by the
        // Upstream implementation.
        let token_url = p.detail("token_url").unwrap_or_default();
        let mut form = vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("code".to_owned(), code.to_owned()),
            ("redirect_uri".to_owned(), st.redirect_uri.clone()),
            ("client_id".to_owned(), client_id.clone()),
        ];
        if let Some(s) = &secret {
            form.push(("client_secret".to_owned(), s.clone()));
        }
        let request = if p.detail("token_request_method") == Some("GET") {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            UpstreamRequest::get(with_query(token_url, &pairs))
        } else {
            UpstreamRequest { post: true, url: token_url.to_owned(), form, bearer: None }
        };
        let response =
            self.upstream.send(request).await.map_err(|e| refuse(format!("the token endpoint failed ({e})")))?;
        let tokens: Map<String, Value> = serde_json::from_slice(&response.body)
            .map_err(|_| refuse(format!("the token endpoint answered status {} without JSON", response.status)))?;
        if response.status != 200 {
            let error = tokens.get("error").and_then(Value::as_str).unwrap_or("an error");
            return Err(refuse(format!("the token endpoint answered {}", error.chars().take(64).collect::<String>())));
        }
        let access_token = tokens.get("access_token").and_then(Value::as_str).map(String::from);
        let mut claims = Map::new();
        if OIDC_TYPES.contains(&p.doc.provider_type.as_str()) {
            let id_token = tokens.get("id_token").and_then(Value::as_str).ok_or_else(|| refuse("no ID token"))?;
            let jwks_uri = p.detail("jwks_uri").unwrap_or_default();
            let kid = id_token::kid(id_token).map_err(refuse)?;
            let keys = self
                .keys
                .keys_for(jwks_uri, kid.as_deref(), self.now_ms(), self.upstream.as_ref())
                .await
                .map_err(refuse)?;
            let expect = Expect {
                issuer: p.detail("oidc_issuer").unwrap_or_default(),
                client_id: &client_id,
                nonce: Some(&st.nonce),
                now_s: self.now_ms() / 1000,
            };
            claims = id_token::verify(id_token, &keys, &expect).map_err(refuse)?;
        }
        if let Some(url) = p.detail("attributes_url").filter(|u| !u.is_empty()) {
            let access_token = access_token.ok_or_else(|| refuse("no access token"))?;
            let info = self.user_info(p, url, &access_token).await?;
            if let Some(sub) = claims.get("sub")
                && info.get("sub").is_some_and(|s| s != sub)
            {
                return Err(refuse("userInfo describes another user"));
            }
            for (k, v) in info {
                if !matches!(k.as_str(), "sub" | "iss" | "aud") || !claims.contains_key(&k) {
                    claims.insert(k, v);
                }
            }
        }
        Ok(claims)
    }

    async fn user_info(
        &self,
        p: &Provider,
        url: &str,
        access_token: &str,
    ) -> Result<Map<String, Value>, FederationError> {
        let request = if p.doc.provider_type == "Facebook" {
            let mut fields: Vec<&str> = p.doc.attribute_mapping.values().map(String::as_str).collect();
            fields.push("id");
            fields.sort_unstable();
            fields.dedup();
            let fields = fields.join(",");
            let base = if p.detail("attributes_url_add_attributes") == Some("true") && url.ends_with("fields=") {
                format!("{url}{}", enc(&fields))
            } else {
                with_query(url, &[("fields", &fields)])
            };
            UpstreamRequest::get(with_query(&base, &[("access_token", access_token)]))
        } else {
            let post = p.detail("attributes_request_method") == Some("POST");
            UpstreamRequest { post, url: url.to_owned(), form: Vec::new(), bearer: Some(access_token.to_owned()) }
        };
        let response = self.upstream.send(request).await.map_err(|e| refuse(format!("userInfo failed ({e})")))?;
        if response.status != 200 {
            return Err(refuse(format!("userInfo answered status {}", response.status)));
        }
        serde_json::from_slice(&response.body).map_err(|_| refuse("userInfo is not a JSON object"))
    }

    /// Sign in with Apple's client secret: an ES256 JWT Cognate signs with the key the
    /// administrator gave (`team_id` as issuer, `key_id` as key id), valid five minutes.
    fn apple_secret(&self, p: &Provider) -> Result<String, FederationError> {
        let pem = self.secret(p, "private_key")?.unwrap_or_default();
        let der = apple_der(&pem).ok_or_else(|| FederationError("The Sign in with Apple key cannot sign.".into()))?;
        let now = self.now_ms() / 1000;
        let claims = serde_json::json!({
            "iss": p.detail("team_id").unwrap_or_default(),
            "iat": now,
            "exp": now + 300,
            "aud": "https://appleid.apple.com",
            "sub": p.detail("client_id").unwrap_or_default(),
        });
        cognate_crypto::jws::sign_es256_jwt(&der, p.detail("key_id").unwrap_or_default(), claims.to_string().as_bytes())
            .map_err(|_| FederationError("The Sign in with Apple key cannot sign.".into()))
    }
}
