//! SAML 2.0 identity providers, as Cognito's user pools trust them: the pool is a service
//! provider with entity id `urn:amazon:cognito:sp:{userPoolId}` and its assertion consumer
//! service at `{hosted UI}/saml2/idpresponse` (HTTP-POST). SP-initiated sign-in sends an
//! AuthnRequest over HTTP-Redirect (signed when RequestSigningAlgorithm is set) with the
//! single-use state as RelayState; the response must answer that request (InResponseTo).
//! IdP-initiated sign-in, only for providers with IDPInit, takes the authorization request
//! from the RelayState, as Cognito documents. Every assertion ID is accepted once.
//!
//! The XML work (metadata, AuthnRequest, signature and decryption checks) is behind
//! [`SamlSp`], which `cognate-saml` implements over samael and xmlsec; this module holds the
//! protocol decisions and never parses XML itself.

use crate::Federation;
use crate::details::{ProviderDoc, check_url, invalid};
use crate::oidc::{Completed, FederationError, expired, refuse};
use crate::providers::Provider;
use crate::upstream::UpstreamRequest;
use base64::Engine as _;
use cognate_idp::federated::ExternalIdentity;
use cognate_idp::{IdpError, IdpResult};
use cognate_store::{PoolDocRecord, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Cognito's limit on a posted SAMLResponse.
pub const MAX_RESPONSE_CHARS: usize = 100_000;
pub(crate) const SKEW_S: i64 = 60;
const SP_KIND: &str = "saml-sp";
const LOGOUT_TAG: &[u8] = b"saml-logout";
const PARKED_TAG: &[u8] = b"saml-parked";
pub(crate) const ASSERTION_TAG: &[u8] = b"saml-assertion";
const SP_KEY_PURPOSE: &str = "cognate saml sp key";
const METADATA_MAX: usize = 262_144;
const SAML_KEYS: &[&str] =
    &["MetadataFile", "MetadataURL", "IDPSignout", "IDPInit", "EncryptedResponses", "RequestSigningAlgorithm"];
const SAML_COMPUTED: &[&str] = &["SSORedirectBindingURI", "SLORedirectBindingURI", "ActiveEncryptionCertificate"];

/// An identity provider's metadata, as far as sign-in needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SamlIdp {
    pub entity_id: String,
    pub sso_url: String,
    #[serde(default)]
    pub slo_url: Option<String>,
    /// Signing certificates, DER.
    #[serde(with = "der_list")]
    pub certs: Vec<Vec<u8>>,
    /// The IdP asks for signed AuthnRequests (`WantAuthnRequestsSigned`).
    #[serde(default)]
    pub want_signed: bool,
}

/// What a response must satisfy.
#[derive(Debug, Clone)]
pub struct SamlExpect<'a> {
    pub idp: &'a SamlIdp,
    pub sp_entity_id: &'a str,
    pub acs_url: &'a str,
    /// The AuthnRequest ID answered; `None` for IdP-initiated sign-in.
    pub in_response_to: Option<&'a str>,
    pub now_ms: i64,
    pub skew_seconds: i64,
    /// The SP's private key (PKCS#8 PEM) when assertions may be encrypted.
    pub decryption_key_pem: Option<&'a str>,
}

/// A verified assertion: only what a valid signature covered.
#[derive(Debug, Clone, PartialEq)]
pub struct SamlAssertion {
    pub id: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    pub session_index: Option<String>,
    pub attributes: BTreeMap<String, Vec<String>>,
    pub not_on_or_after_ms: i64,
}

/// The SAML service-provider primitives federation relies on.
pub trait SamlSp: Send + Sync {
    /// One IdP `EntityDescriptor` (no DTD, a redirect SSO endpoint, signing certificates).
    fn parse_idp_metadata(&self, xml: &str) -> Result<SamlIdp, String>;
    /// The SP's metadata: its certificate published for encryption, and for signing when
    /// it signs its requests (`AuthnRequestsSigned`); its single logout service when a
    /// provider uses it.
    fn sp_metadata(&self, sp: &SpDescription<'_>) -> Result<String, String>;
    /// The HTTP-Redirect URL of an AuthnRequest, signed (RSA-SHA256) with `signing_key_pem`
    /// when given.
    #[expect(clippy::too_many_arguments, reason = "the request's fields, each distinct")]
    fn authn_request_url(
        &self,
        idp: &SamlIdp,
        sp_entity_id: &str,
        acs_url: &str,
        request_id: &str,
        now_ms: i64,
        relay_state: &str,
        signing_key_pem: Option<&str>,
    ) -> Result<String, String>;
    /// A posted SAMLResponse (base64), verified as the SAML profiles demand.
    fn verify_response(&self, response_b64: &str, expect: &SamlExpect<'_>) -> Result<SamlAssertion, String>;
    /// The HTTP-Redirect URL of a signed LogoutRequest for a session to the IdP's SLO URL.
    fn logout_request_url(&self, request: &LogoutRequest<'_>) -> Result<String, String>;
    /// A LogoutResponse received with the HTTP-Redirect binding (`raw_query` as received):
    /// its query signature by the IdP, then that it answers `in_response_to` with Success.
    fn verify_logout_response(
        &self,
        raw_query: &str,
        idp: &SamlIdp,
        in_response_to: &str,
        destination: &str,
    ) -> Result<(), String>;
}

/// What the SP's metadata describes.
#[derive(Debug, Clone)]
pub struct SpDescription<'a> {
    pub entity_id: &'a str,
    pub acs_url: &'a str,
    pub slo_url: Option<&'a str>,
    pub cert_pem: &'a str,
    pub signs_requests: bool,
}

/// A LogoutRequest to send.
#[derive(Debug, Clone)]
pub struct LogoutRequest<'a> {
    pub idp: &'a SamlIdp,
    pub sp_entity_id: &'a str,
    pub request_id: &'a str,
    pub now_ms: i64,
    pub session: &'a SamlSession,
    pub relay_state: &'a str,
    pub signing_key_pem: &'a str,
}

/// The SAML session a hosted-UI session came from, kept for single logout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamlSession {
    pub provider: String,
    pub name_id: String,
    #[serde(default)]
    pub name_id_format: Option<String>,
    #[serde(default)]
    pub session_index: Option<String>,
}

/// No SAML backend in this build: SAML providers are refused.
pub struct NoSaml;

impl SamlSp for NoSaml {
    fn parse_idp_metadata(&self, _: &str) -> Result<SamlIdp, String> {
        Err("this Cognate build has no SAML support".into())
    }
    fn sp_metadata(&self, _: &SpDescription<'_>) -> Result<String, String> {
        Err("this Cognate build has no SAML support".into())
    }
    fn authn_request_url(
        &self,
        _: &SamlIdp,
        _: &str,
        _: &str,
        _: &str,
        _: i64,
        _: &str,
        _: Option<&str>,
    ) -> Result<String, String> {
        Err("this Cognate build has no SAML support".into())
    }
    fn verify_response(&self, _: &str, _: &SamlExpect<'_>) -> Result<SamlAssertion, String> {
        Err("this Cognate build has no SAML support".into())
    }
    fn logout_request_url(&self, _: &LogoutRequest<'_>) -> Result<String, String> {
        Err("this Cognate build has no SAML support".into())
    }
    fn verify_logout_response(&self, _: &str, _: &SamlIdp, _: &str, _: &str) -> Result<(), String> {
        Err("this Cognate build has no SAML support".into())
    }
}

mod der_list {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(certs: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(certs.iter().map(|c| STANDARD.encode(c)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts.iter().map(|t| STANDARD.decode(t).map_err(serde::de::Error::custom)).collect()
    }
}

/// A single logout under way: the request the IdP must answer, and where to go after.
#[derive(Serialize, Deserialize)]
struct PendingLogout {
    provider: String,
    request_id: String,
    then: String,
}

/// The pool's SP key: a sealed RSA private key and its self-signed certificate.
#[derive(Serialize, Deserialize)]
struct SpKeyDoc {
    key: String,
    cert_pem: String,
}

pub(crate) struct SpKey {
    pub key_pem: String,
    pub cert_pem: String,
}

pub(crate) fn sp_entity_id(pool_id: &str) -> String {
    format!("urn:amazon:cognito:sp:{pool_id}")
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn flag(details: &BTreeMap<String, String>, key: &str) -> IdpResult<bool> {
    match details.get(key).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(invalid(format!("{key} must be true or false."))),
    }
}

impl Federation {
    /// The pool's SP key, made on first use. Concurrent first uses agree: the store keeps
    /// the first one written.
    pub(crate) async fn sp_key(&self, pool_id: &str) -> IdpResult<SpKey> {
        let internal = |e: String| IdpError::Internal(e);
        let doc = match self.store.get_pool_doc(pool_id, SP_KIND, "ALL").await? {
            Some(d) => d,
            None => {
                let der = cognate_crypto::jws::generate_rsa_pkcs8().map_err(|e| internal(e.to_string()))?;
                let signer =
                    cognate_crypto::jws::SigningKey::from_pkcs8("saml", &der).map_err(|e| internal(e.to_string()))?;
                let cert_pem = signer.certificate_pem(&sp_entity_id(pool_id)).map_err(|e| internal(e.to_string()))?;
                let doc = SpKeyDoc { key: self.master_key.seal(SP_KEY_PURPOSE, &der), cert_pem };
                let now = self.now_ms();
                let record = PoolDocRecord {
                    pool_id: pool_id.to_owned(),
                    kind: SP_KIND.into(),
                    name: "ALL".into(),
                    doc: serde_json::to_string(&doc).map_err(|e| internal(e.to_string()))?,
                    created_ms: now,
                    updated_ms: now,
                };
                match self.store.insert_pool_doc(&record).await {
                    Ok(()) => record,
                    Err(StoreError::Conflict(_)) => self
                        .store
                        .get_pool_doc(pool_id, SP_KIND, "ALL")
                        .await?
                        .ok_or_else(|| internal("the SP key vanished".into()))?,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let stored: SpKeyDoc = serde_json::from_str(&doc.doc).map_err(|e| internal(e.to_string()))?;
        let der = self.master_key.open(SP_KEY_PURPOSE, &stored.key).map_err(|e| internal(e.to_string()))?;
        Ok(SpKey { key_pem: pem("PRIVATE KEY", &der), cert_pem: stored.cert_pem })
    }

    /// `/saml2/metadata`: the pool's SP metadata for administrators to load into their IdP.
    pub async fn sp_metadata(&self, pool_id: &str, base: &str) -> Result<String, FederationError> {
        self.idp.mappable_attributes(pool_id).await?;
        let key = self.sp_key(pool_id).await?;
        let acs = format!("{base}/saml2/idpresponse");
        let providers = self.all_providers(pool_id).await?;
        let signs = providers.iter().any(|p| p.detail("RequestSigningAlgorithm").is_some());
        let logs_out = providers.iter().any(|p| p.detail("IDPSignout") == Some("true"));
        let slo = format!("{base}/saml2/logout");
        let entity = sp_entity_id(pool_id);
        let sp = SpDescription {
            entity_id: &entity,
            acs_url: &acs,
            slo_url: logs_out.then_some(slo.as_str()),
            cert_pem: &key.cert_pem,
            signs_requests: signs || logs_out,
        };
        self.saml.sp_metadata(&sp).map_err(FederationError)
    }

    /// Single logout at `/logout`: when the session came from a SAML provider with
    /// IDPSignout and a single logout service, the redirect that asks the IdP to end its
    /// session too; its LogoutResponse comes back to `/saml2/logout`, which then sends the
    /// browser to `then`.
    pub async fn saml_logout(
        &self,
        pool_id: &str,
        session: &SamlSession,
        then: &str,
    ) -> Result<Option<String>, FederationError> {
        let Ok(p) = self.load_provider(pool_id, &session.provider).await else { return Ok(None) };
        if p.doc.provider_type != "SAML" || p.detail("IDPSignout") != Some("true") {
            return Ok(None);
        }
        let idp = saml_of(&p.doc)?;
        if idp.slo_url.is_none() {
            return Ok(None);
        }
        let relay = crate::new_token();
        let request_id = format!("_{}", hex::encode(cognate_crypto::random::bytes::<20>()));
        let pending = PendingLogout { provider: p.name.clone(), request_id: request_id.clone(), then: then.to_owned() };
        self.put_record(LOGOUT_TAG, &relay, pool_id, self.now_ms() + 600_000, &pending).await?;
        let key = self.sp_key(pool_id).await?;
        let entity = sp_entity_id(pool_id);
        let request = LogoutRequest {
            idp: &idp,
            sp_entity_id: &entity,
            request_id: &request_id,
            now_ms: self.now_ms(),
            session,
            relay_state: &relay,
            signing_key_pem: &key.key_pem,
        };
        self.saml.logout_request_url(&request).map(Some).map_err(FederationError)
    }

    /// `/saml2/logout`: the IdP's LogoutResponse (HTTP-Redirect, `raw_query` as received);
    /// where the browser goes next.
    pub async fn complete_saml_logout(
        &self,
        pool_id: &str,
        raw_query: &str,
        base: &str,
    ) -> Result<String, FederationError> {
        let gone = || FederationError("The sign-out expired or was already finished.".into());
        let relay = raw_query.split('&').find_map(|p| p.strip_prefix("RelayState=")).unwrap_or_default();
        // Read, and spent only once a valid answer arrived: a forged answer with a stolen
        // RelayState must not use up the real one.
        let pending: PendingLogout = self.get_record(LOGOUT_TAG, relay, pool_id, false).await?.ok_or_else(gone)?;
        let p = self.load_provider(pool_id, &pending.provider).await?;
        let idp = saml_of(&p.doc)?;
        let destination = format!("{base}/saml2/logout");
        self.saml
            .verify_logout_response(raw_query, &idp, &pending.request_id, &destination)
            .map_err(|e| refuse(format!("the logout response is not valid ({e})")))?;
        self.get_record::<PendingLogout>(LOGOUT_TAG, relay, pool_id, true).await?.ok_or_else(gone)?;
        Ok(pending.then)
    }

    /// Keeps a posted response for two minutes under a new id, for a browser whose cookies
    /// did not come with the IdP's cross-site POST (SameSite=Lax over plain http): the hosted
    /// UI sends it on to a same-site GET, which carries them, and [`Self::resume_saml`].
    pub async fn park_saml(&self, pool_id: &str, form: &HashMap<String, String>) -> Result<String, FederationError> {
        let id = crate::new_token();
        self.put_record(PARKED_TAG, &id, pool_id, self.now_ms() + 120_000, form).await?;
        Ok(id)
    }

    /// The response [`Self::park_saml`] kept, taken once.
    pub async fn resume_saml(&self, pool_id: &str, id: &str) -> Result<HashMap<String, String>, FederationError> {
        self.get_record(PARKED_TAG, id, pool_id, true).await?.ok_or_else(expired)
    }

    /// Checks and completes a SAML provider's details: the metadata (given, or fetched from
    /// MetadataURL), and what Cognito shows besides (SSO and SLO URLs, the certificate the
    /// IdP encrypts to).
    pub(crate) async fn complete_saml(
        &self,
        pool_id: &str,
        mut given: BTreeMap<String, String>,
    ) -> IdpResult<(BTreeMap<String, String>, SamlIdp)> {
        given.retain(|k, _| !SAML_COMPUTED.contains(&k.as_str()));
        if let Some(key) = given.keys().find(|k| !SAML_KEYS.contains(&k.as_str())) {
            return Err(invalid(format!("ProviderDetails key {key} is not supported for SAML.")));
        }
        for key in ["IDPSignout", "IDPInit", "EncryptedResponses"] {
            flag(&given, key)?;
        }
        if let Some(alg) = given.get("RequestSigningAlgorithm")
            && alg != "rsa-sha256"
        {
            return Err(invalid("RequestSigningAlgorithm must be rsa-sha256."));
        }
        let xml = match (given.get("MetadataFile"), given.get("MetadataURL")) {
            (Some(_), Some(_)) => return Err(invalid("Give MetadataFile or MetadataURL, not both.")),
            (None, None) => return Err(invalid("ProviderDetails for SAML must include MetadataFile or MetadataURL.")),
            (Some(file), None) => file.clone(),
            (None, Some(url)) => {
                check_url("MetadataURL", url)?;
                let failed = |why: String| invalid(format!("Unable to fetch the metadata at {url}: {why}"));
                let response = self.upstream.send(UpstreamRequest::get(url.clone())).await.map_err(|e| failed(e.0))?;
                if response.status != 200 {
                    return Err(failed(format!("status {}", response.status)));
                }
                String::from_utf8(response.body).map_err(|_| failed("not UTF-8".into()))?
            }
        };
        if xml.len() > METADATA_MAX {
            return Err(invalid("The SAML metadata is too large."));
        }
        let idp =
            self.saml.parse_idp_metadata(&xml).map_err(|e| invalid(format!("The SAML metadata is not usable: {e}")))?;
        check_url("SSORedirectBindingURI", &idp.sso_url)?;
        let mut out = given;
        out.insert("SSORedirectBindingURI".into(), idp.sso_url.clone());
        if let Some(slo) = &idp.slo_url {
            out.insert("SLORedirectBindingURI".into(), slo.clone());
        }
        if flag(&out, "EncryptedResponses")? {
            out.insert("ActiveEncryptionCertificate".into(), self.sp_key(pool_id).await?.cert_pem);
        }
        Ok((out, idp))
    }

    /// The AuthnRequest redirect for SP-initiated sign-in; `state` goes as RelayState.
    pub(crate) async fn saml_redirect(
        &self,
        pool_id: &str,
        p: &Provider,
        acs: &str,
        request_id: &str,
        state: &str,
    ) -> Result<String, FederationError> {
        let idp = saml_of(&p.doc)?;
        let signing = match p.detail("RequestSigningAlgorithm").is_some() || idp.want_signed {
            true => Some(self.sp_key(pool_id).await?.key_pem),
            false => None,
        };
        self.saml
            .authn_request_url(&idp, &sp_entity_id(pool_id), acs, request_id, self.now_ms(), state, signing.as_deref())
            .map_err(|e| FederationError(format!("The sign-in request could not be made: {e}")))
    }

    /// `/saml2/idpresponse`: a posted SAMLResponse and RelayState. SP-initiated when the
    /// RelayState is a state this server issued (and the browser that started it posts it);
    /// otherwise IdP-initiated, with the authorization request in the RelayState.
    pub async fn complete_saml_response(
        &self,
        pool_id: &str,
        form: &HashMap<String, String>,
        binding: Option<&str>,
        base: &str,
    ) -> Result<Completed, FederationError> {
        let response = form.get("SAMLResponse").filter(|r| !r.is_empty()).ok_or_else(|| refuse("no SAMLResponse"))?;
        if response.len() > MAX_RESPONSE_CHARS {
            return Err(refuse("the SAMLResponse is longer than 100,000 characters"));
        }
        let relay = form.get("RelayState").map(String::as_str).unwrap_or_default();
        let acs = format!("{base}/saml2/idpresponse");
        let (provider, in_response_to, carry) = match self.take_state(pool_id, relay, binding).await? {
            Some(st) => (st.provider, st.request_id, st.carry),
            None => self.idp_initiated(pool_id, relay).await?,
        };
        let p = self.load_provider(pool_id, &provider).await?;
        if p.doc.provider_type != "SAML" {
            return Err(refuse("the provider is not a SAML provider"));
        }
        if in_response_to.is_none() && p.detail("IDPInit") != Some("true") {
            return Err(FederationError("The identity provider may not start sign-ins here (IDPInit is off).".into()));
        }
        let idp = saml_of(&p.doc)?;
        let key = match p.detail("EncryptedResponses") {
            Some("true") => Some(self.sp_key(pool_id).await?.key_pem),
            _ => None,
        };
        let sp = sp_entity_id(pool_id);
        let expect = SamlExpect {
            idp: &idp,
            sp_entity_id: &sp,
            acs_url: &acs,
            in_response_to: in_response_to.as_deref(),
            now_ms: self.now_ms(),
            skew_seconds: SKEW_S,
            decryption_key_pem: key.as_deref(),
        };
        let assertion = self.saml.verify_response(response, &expect).map_err(refuse)?;
        self.spend_assertion(pool_id, &p.name, &assertion).await?;
        // Each SAML attribute as one value (several joined by commas), for the mapping.
        let claims = assertion
            .attributes
            .iter()
            .filter(|(_, values)| !values.is_empty())
            .map(|(name, values)| (name.clone(), Value::String(values.join(","))))
            .collect();
        let (subject, attributes) = crate::mapping::apply(&p.doc, &claims, Some(&assertion.name_id)).map_err(refuse)?;
        let identity =
            ExternalIdentity { provider_name: p.name.clone(), provider_type: "SAML".into(), subject, attributes };
        let session = SamlSession {
            provider: p.name.clone(),
            name_id: assertion.name_id.clone(),
            name_id_format: assertion.name_id_format.clone(),
            session_index: assertion.session_index.clone(),
        };
        Ok(Completed { carry, result: Ok(identity), saml_session: Some(session) })
    }

    /// Records an assertion as used until it expires; a second use (the record exists) is a
    /// replay.
    async fn spend_assertion(&self, pool_id: &str, provider: &str, a: &SamlAssertion) -> Result<(), FederationError> {
        let id = format!("{pool_id}\n{provider}\n{}", a.id);
        let expires_ms = a.not_on_or_after_ms.max(self.now_ms()) + SKEW_S * 1000;
        match self.put_record(ASSERTION_TAG, &id, pool_id, expires_ms, &()).await? {
            true => Ok(()),
            false => Err(refuse("the assertion was already used")),
        }
    }

    /// IdP-initiated: the RelayState is the authorization request Cognito would have taken at
    /// `/oauth2/authorize`, naming the provider.
    async fn idp_initiated(
        &self,
        pool_id: &str,
        relay: &str,
    ) -> Result<(String, Option<String>, String), FederationError> {
        let params: HashMap<String, String> = form_urlencoded(relay);
        let provider = params
            .get("identity_provider")
            .cloned()
            .ok_or_else(|| FederationError("The sign-in expired or was started elsewhere. Start again.".into()))?;
        self.load_provider(pool_id, &provider).await?;
        let mut carried = params;
        carried.remove("identity_provider");
        carried.remove("idp_identifier");
        let carry = serde_json::to_string(&carried).map_err(|e| IdpError::Internal(e.to_string()))?;
        Ok((provider, None, carry))
    }
}

fn saml_of(doc: &ProviderDoc) -> Result<SamlIdp, FederationError> {
    doc.saml.clone().ok_or_else(|| FederationError("The SAML provider has no metadata.".into()))
}

/// `a=b&c=d` with `+` and percent escapes decoded; malformed escapes kept as written.
fn form_urlencoded(text: &str) -> HashMap<String, String> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned()
    };
    text.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('=').map(|(k, v)| (decode(k), decode(v))))
        .take(64)
        .collect()
}
