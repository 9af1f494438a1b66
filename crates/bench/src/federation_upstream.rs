//! The identity providers the `federation` benchmark signs in through, inside the benchmark's
//! own process: an OpenID provider served by axum on 127.0.0.1 (discovery, JWKS, authorize,
//! token, userInfo; RS256 ID tokens signed with `cognate_crypto`'s signer), and a SAML IdP
//! that signs a Response per sign-in (samael over xmlsec, a fresh assertion ID each time) for
//! IdP-initiated sign-in. Both are as small as the protocols allow: nobody signs in at the
//! upstream, which knows its user from a cookie the benchmark sends, as a browser with a
//! session at the provider would.

use anyhow::{Context, anyhow};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64URL};
use chrono::SecondsFormat;
use cognate_core::{Clock, SystemClock};
use cognate_crypto::jws::{self, SigningKey};
use samael::crypto::{CertificateDer, Crypto, CryptoProvider};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The upstream's session cookie: the subject signed in there (the benchmark picks it).
pub const USER_COOKIE: &str = "bench_upstream_user";
/// The relying party Cognate is at the upstream (client_secret_post).
pub const CLIENT_ID: &str = "cognate-bench-rp";
pub const CLIENT_SECRET: &str = "cognate-bench-rp-secret-0123456789abcdef";
/// Codes live a minute, as providers make them.
const CODE_MS: i64 = 60_000;
const TOKEN_SECONDS: i64 = 3_600;

/// Every subject's e-mail address at the upstream (the pool maps `email` from it).
pub fn email_of(subject: &str) -> String {
    format!("{subject}@upstream.example.com")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn random_token() -> String {
    B64URL.encode(cognate_crypto::random::bytes::<32>())
}

/// A code the upstream issued, until Cognate redeems it (once).
struct Grant {
    client_id: String,
    redirect_uri: String,
    nonce: Option<String>,
    subject: String,
    expires_ms: i64,
}

struct Inner {
    issuer: String,
    key: SigningKey,
    codes: Mutex<HashMap<String, Grant>>,
    /// Access token → subject (for userInfo).
    tokens: Mutex<HashMap<String, String>>,
    /// ID tokens signed so far.
    signed: AtomicU64,
}

/// The in-process OpenID provider; stopped when dropped.
pub struct OidcUpstream {
    pub issuer: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for OidcUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl OidcUpstream {
    /// Binds 127.0.0.1:0 and serves on the calling runtime (the benchmark's, not the server's:
    /// its CPU time is not counted as the server's).
    pub async fn start() -> anyhow::Result<OidcUpstream> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the upstream")?;
        let issuer = format!("http://{}", listener.local_addr()?);
        let key = SigningKey::from_pkcs8("bench-upstream-1", &jws::generate_rsa_pkcs8()?)?;
        let inner = Arc::new(Inner {
            issuer: issuer.clone(),
            key,
            codes: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            signed: AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo).post(userinfo))
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("the upstream OpenID provider stopped: {e}");
            }
        });
        Ok(OidcUpstream { issuer, inner, task })
    }

    /// ID tokens the upstream has signed.
    pub fn signed(&self) -> u64 {
        self.inner.signed.load(Ordering::Relaxed)
    }

    /// The upstream's authorization endpoint (where Cognate sends the browser).
    pub fn authorize_url(&self) -> String {
        format!("{}/authorize", self.issuer)
    }
}

fn error(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({ "error": code }))).into_response()
}

async fn discovery(State(inner): State<Arc<Inner>>) -> Json<Value> {
    let i = &inner.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "userinfo_endpoint": format!("{i}/userinfo"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "scopes_supported": ["openid", "email"],
    }))
}

async fn jwks(State(inner): State<Arc<Inner>>) -> Json<Value> {
    Json(json!({ "keys": [inner.key.jwk()] }))
}

/// The value of the cookie `name` in a request's `Cookie` headers.
fn request_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (n, value) = pair.split_once('=')?;
        (n.trim() == name).then(|| value.trim().to_owned())
    })
}

/// Signed in already (the cookie): straight back to `redirect_uri` with a code and the state.
async fn authorize(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    if field("client_id") != CLIENT_ID || field("response_type") != "code" {
        return error(StatusCode::BAD_REQUEST, "unauthorized_client");
    }
    let Some(subject) = request_cookie(&headers, USER_COOKIE) else {
        return error(StatusCode::BAD_REQUEST, "login_required");
    };
    let Ok(mut target) = reqwest::Url::parse(field("redirect_uri")) else {
        return error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    let code = random_token();
    let grant = Grant {
        client_id: CLIENT_ID.into(),
        redirect_uri: field("redirect_uri").to_owned(),
        nonce: q.get("nonce").cloned(),
        subject,
        expires_ms: SystemClock.now().millis() + CODE_MS,
    };
    lock(&inner.codes).insert(code.clone(), grant);
    target.query_pairs_mut().append_pair("code", &code).append_pair("state", field("state"));
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

/// client_secret_post; a code is redeemed once, by the client and redirect URI it was issued
/// for: an RS256 ID token and an access token for userInfo.
async fn token(State(inner): State<Arc<Inner>>, Form(f): Form<HashMap<String, String>>) -> Response {
    let field = |k: &str| f.get(k).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "authorization_code" {
        return error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
        return error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let Some(grant) = lock(&inner.codes).remove(field("code")) else {
        return error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let now_ms = SystemClock.now().millis();
    if grant.client_id != field("client_id")
        || grant.redirect_uri != field("redirect_uri")
        || grant.expires_ms <= now_ms
    {
        return error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let now = now_ms / 1000;
    let mut claims = json!({
        "iss": inner.issuer,
        "aud": CLIENT_ID,
        "sub": grant.subject,
        "exp": now + TOKEN_SECONDS,
        "iat": now,
        "email": email_of(&grant.subject),
    });
    if let Some(nonce) = grant.nonce {
        claims["nonce"] = json!(nonce);
    }
    let Ok(id_token) = inner.key.sign_jwt(claims.to_string().as_bytes()) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    };
    inner.signed.fetch_add(1, Ordering::Relaxed);
    let access_token = random_token();
    lock(&inner.tokens).insert(access_token.clone(), grant.subject);
    Json(json!({
        "access_token": access_token,
        "id_token": id_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_SECONDS,
        "scope": "openid email",
    }))
    .into_response()
}

async fn userinfo(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let subject = bearer.and_then(|t| lock(&inner.tokens).get(t.trim()).cloned());
    match subject {
        Some(sub) => Json(json!({ "sub": sub, "email": email_of(&sub) })).into_response(),
        None => error(StatusCode::UNAUTHORIZED, "invalid_token"),
    }
}

/// The SAML IdP: an RSA-2048 key and its self-signed certificate (made at start, never
/// stored), metadata naming them, and a signed Response per sign-in.
pub struct SamlIdp {
    pub entity_id: String,
    /// PKCS#1 DER, as xmlsec loads it.
    key_der: Vec<u8>,
    cert_der: Vec<u8>,
}

const SAML_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SAML_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const XMLDSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// How long an assertion may be presented.
const ASSERTION_SECONDS: i64 = 300;
/// The attribute the pool maps `email` from.
pub const EMAIL_ATTRIBUTE: &str = "email";

impl SamlIdp {
    pub fn new() -> anyhow::Result<SamlIdp> {
        use samael::idp::{CertificateParams, IdentityProvider, KeyType, Rsa};
        cognate_saml::init();
        let idp = IdentityProvider::generate_new(KeyType::Rsa(Rsa::Rsa2048)).map_err(|e| anyhow!("IdP key: {e:?}"))?;
        let params = CertificateParams {
            common_name: "cognate-bench IdP",
            issuer_name: "cognate-bench IdP",
            days_until_expiration: 30,
        };
        let cert = idp.create_certificate(&params).map_err(|e| anyhow!("IdP certificate: {e:?}"))?;
        let key_der = idp.export_private_key_der().map_err(|e| anyhow!("IdP key export: {e:?}"))?;
        Ok(SamlIdp { entity_id: "https://idp.bench.test/metadata".into(), key_der, cert_der: cert.der_data().to_vec() })
    }

    pub fn certificate(&self) -> CertificateDer {
        CertificateDer::from(self.cert_der.clone())
    }

    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The IdP's metadata (a MetadataFile for CreateIdentityProvider): the signing certificate
    /// and an HTTP-Redirect SSO endpoint that nothing ever calls (sign-in is IdP-initiated).
    pub fn metadata(&self) -> String {
        format!(
            concat!(
                r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="{dsig}" entityID="{id}">"#,
                r#"<md:IDPSSODescriptor protocolSupportEnumeration="{protocol}" WantAuthnRequestsSigned="false">"#,
                r#"<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate>"#,
                r#"</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
                r#"<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.bench.test/sso"/>"#,
                r#"</md:IDPSSODescriptor></md:EntityDescriptor>"#,
            ),
            dsig = XMLDSIG,
            id = self.entity_id,
            protocol = SAML_PROTOCOL,
            cert = STANDARD.encode(&self.cert_der),
        )
    }

    /// An unsolicited (IdP-initiated) Response for `name_id` to the SP `audience` at `acs`,
    /// its assertion signed (enveloped, RSA-SHA256, exclusive c14n) under a fresh ID: the
    /// signed XML document.
    pub fn signed_response(&self, acs: &str, audience: &str, name_id: &str, email: &str) -> anyhow::Result<String> {
        let now = SystemClock.now_datetime();
        let until = now + chrono::Duration::seconds(ASSERTION_SECONDS);
        let (now, until) =
            (now.to_rfc3339_opts(SecondsFormat::Secs, true), until.to_rfc3339_opts(SecondsFormat::Secs, true));
        let id = |prefix: &str| format!("_{prefix}{}", hex_of(&cognate_crypto::random::bytes::<20>()));
        let (response_id, assertion_id, session) = (id("r"), id("a"), id("s"));
        let issuer = &self.entity_id;
        let cert = STANDARD.encode(&self.cert_der);
        let xml = format!(
            concat!(
                r#"<samlp:Response xmlns:samlp="{protocol}" xmlns:saml="{assertion}" ID="{response_id}" Version="2.0" "#,
                r#"IssueInstant="{now}" Destination="{acs}"><saml:Issuer>{issuer}</saml:Issuer>"#,
                r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#,
                r#"<saml:Assertion ID="{assertion_id}" Version="2.0" IssueInstant="{now}"><saml:Issuer>{issuer}</saml:Issuer>"#,
                r#"<ds:Signature xmlns:ds="{dsig}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{c14n}"/>"#,
                r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#,
                r##"<ds:Reference URI="#{assertion_id}"><ds:Transforms>"##,
                r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
                r#"<ds:Transform Algorithm="{c14n}"/></ds:Transforms>"#,
                r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue>"#,
                r#"</ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>"#,
                r#"<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"#,
                r#"</ds:Signature>"#,
                r#"<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">{name_id}</saml:NameID>"#,
                r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">"#,
                r#"<saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{acs}"/></saml:SubjectConfirmation>"#,
                r#"</saml:Subject><saml:Conditions NotBefore="{now}" NotOnOrAfter="{until}"><saml:AudienceRestriction>"#,
                r#"<saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>"#,
                r#"<saml:AuthnStatement AuthnInstant="{now}" SessionIndex="{session}"><saml:AuthnContext>"#,
                r#"<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>"#,
                r#"</saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>"#,
                r#"<saml:Attribute Name="{email_attribute}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">"#,
                r#"<saml:AttributeValue>{email}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>"#,
                r#"</saml:Assertion></samlp:Response>"#,
            ),
            protocol = SAML_PROTOCOL,
            assertion = SAML_ASSERTION,
            dsig = XMLDSIG,
            c14n = EXC_C14N,
            email_attribute = EMAIL_ATTRIBUTE,
            response_id = response_id,
            assertion_id = assertion_id,
            session = session,
            now = now,
            until = until,
            acs = acs,
            audience = audience,
            issuer = issuer,
            cert = cert,
            name_id = name_id,
            email = email,
        );
        Crypto::sign_xml(xml.as_bytes(), &self.key_der).map_err(|e| anyhow!("signing the SAML response: {e}"))
    }

    /// The same, base64 as the HTTP-POST binding carries it.
    pub fn response_b64(&self, acs: &str, audience: &str, name_id: &str, email: &str) -> anyhow::Result<String> {
        Ok(STANDARD.encode(self.signed_response(acs, audience, name_id, email)?))
    }
}

fn hex_of(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(2 * bytes.len()), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idp_signs_what_cognate_accepts() {
        let idp = SamlIdp::new().unwrap();
        let metadata = cognate_saml::parse_idp_metadata(&idp.metadata()).unwrap();
        assert_eq!(metadata.entity_id, idp.entity_id);
        assert_eq!(metadata.signing_certs, vec![idp.certificate_der().to_vec()]);
        let (acs, sp) =
            ("http://127.0.0.1:9/us-east-1_Bench/saml2/idpresponse", "urn:amazon:cognito:sp:us-east-1_Bench");
        let expect = |now| cognate_saml::Expectations {
            idp_entity_id: &idp.entity_id,
            idp_certs: &metadata.signing_certs,
            sp_entity_id: sp,
            acs_url: acs,
            in_response_to: None,
            now,
            skew_seconds: 60,
            decryption_key: None,
        };
        let first = idp.response_b64(acs, sp, "user-1", &email_of("user-1")).unwrap();
        let second = idp.response_b64(acs, sp, "user-1", &email_of("user-1")).unwrap();
        let now = SystemClock.now_datetime();
        let a = cognate_saml::verify_response(&first, &expect(now)).unwrap();
        let b = cognate_saml::verify_response(&second, &expect(now)).unwrap();
        assert_eq!((a.name_id.as_str(), a.in_response_to.as_deref()), ("user-1", None));
        assert_eq!(a.attributes[EMAIL_ATTRIBUTE], vec![email_of("user-1")]);
        assert_ne!(a.id, b.id, "every response carries a fresh assertion ID");
        let later = now + chrono::Duration::seconds(ASSERTION_SECONDS + 120);
        assert!(cognate_saml::verify_response(&first, &expect(later)).is_err());
    }

    #[test]
    fn hex_and_cookies() {
        assert_eq!(hex_of(&[0, 15, 255]), "000fff");
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; bench_upstream_user=first-7".parse().unwrap());
        assert_eq!(request_cookie(&headers, USER_COOKIE).as_deref(), Some("first-7"));
        assert_eq!(request_cookie(&headers, "b"), None);
    }
}
