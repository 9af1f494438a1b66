//! SP-initiated sign-in: an `AuthnRequest` sent with the HTTP-Redirect binding
//! (saml-bindings-2.0 §3.4: DEFLATE, base64, URL-encode; optional query signature).

use crate::error::SamlError;
use crate::metadata::IdpMetadata;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use flate2::{Compression, write::DeflateEncoder};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use samael::metadata::HTTP_POST_BINDING;
use samael::schema::{AuthnRequest, Issuer};
use samael::traits::ToXml;
use std::io::Write;

/// Query-string signature algorithms for the HTTP-Redirect binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestSigAlg {
    RsaSha256,
    RsaSha512,
    EcdsaSha256,
}

impl RequestSigAlg {
    /// The `SigAlg` URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            Self::RsaSha512 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            Self::EcdsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        }
    }
    fn digest(self) -> MessageDigest {
        match self {
            Self::RsaSha256 | Self::EcdsaSha256 => MessageDigest::sha256(),
            Self::RsaSha512 => MessageDigest::sha512(),
        }
    }
}

/// The SP's request-signing key (opaque; OpenSSL inside).
pub struct RequestSigningKey {
    alg: RequestSigAlg,
    key: PKey<Private>,
}

impl RequestSigningKey {
    /// Loads a PEM private key (PKCS#8 or traditional) and checks it fits `alg`.
    pub fn from_pem(alg: RequestSigAlg, pem: &str) -> Result<Self, SamlError> {
        let key = PKey::private_key_from_pem(pem.as_bytes())
            .map_err(|_| SamlError::Key("signing key is not a PEM private key".into()))?;
        let fits = match alg {
            RequestSigAlg::RsaSha256 | RequestSigAlg::RsaSha512 => key.rsa().is_ok(),
            RequestSigAlg::EcdsaSha256 => key.ec_key().is_ok(),
        };
        if !fits {
            return Err(SamlError::Key("signing key type does not match the algorithm".into()));
        }
        Ok(Self { alg, key })
    }
}

/// RelayState "MUST NOT exceed 80 bytes" (saml-bindings-2.0 §3.4.3).
pub const MAX_RELAY_STATE: usize = 80;

/// Builds the IdP redirect URL for an `AuthnRequest`.
///
/// * `request_id` must be an XML NCName (e.g. `_` + 32 hex digits); the caller
///   stores it and later passes it as `Expectations::in_response_to`.
/// * The request asks for the response at `acs_url` with the HTTP-POST binding.
/// * With `signing_key`, `SigAlg` and `Signature` are added over the exact
///   encoded `SAMLRequest=..&RelayState=..&SigAlg=..` string.
/// * If the IdP metadata says `WantAuthnRequestsSigned="true"` a key is required.
pub fn authn_request_redirect(
    idp: &IdpMetadata,
    sp_entity_id: &str,
    acs_url: &str,
    request_id: &str,
    issue_instant: DateTime<Utc>,
    relay_state: Option<&str>,
    signing_key: Option<&RequestSigningKey>,
) -> Result<String, SamlError> {
    if !is_ncname(request_id) {
        return Err(SamlError::Request("request id must be an XML NCName".into()));
    }
    if let Some(rs) = relay_state
        && rs.len() > MAX_RELAY_STATE
    {
        return Err(SamlError::Request(format!("RelayState longer than {MAX_RELAY_STATE} bytes")));
    }
    if idp.want_authn_requests_signed && signing_key.is_none() {
        return Err(SamlError::Request("the IdP requires signed AuthnRequests".into()));
    }

    let request = AuthnRequest {
        id: request_id.to_string(),
        version: "2.0".to_string(),
        issue_instant,
        destination: Some(idp.sso_redirect_url.clone()),
        issuer: Some(Issuer { value: Some(sp_entity_id.to_string()), ..Issuer::default() }),
        assertion_consumer_service_url: Some(acs_url.to_string()),
        protocol_binding: Some(HTTP_POST_BINDING.to_string()),
        ..AuthnRequest::default()
    };
    let xml = request.to_string().map_err(|e| SamlError::Internal(format!("AuthnRequest: {e}")))?;
    redirect_url(&idp.sso_redirect_url, "SAMLRequest", &xml, relay_state, signing_key)
}

/// A message sent with the HTTP-Redirect binding to `location`: DEFLATE, base64, the query
/// signed (when a key is given) over exactly the octets sent, in §3.4.4.1's order.
pub(crate) fn redirect_url(
    location: &str,
    param: &str,
    xml: &str,
    relay_state: Option<&str>,
    signing_key: Option<&RequestSigningKey>,
) -> Result<String, SamlError> {
    let mut deflater = DeflateEncoder::new(Vec::new(), Compression::default());
    deflater.write_all(xml.as_bytes()).map_err(|e| SamlError::Internal(e.to_string()))?;
    let deflated = deflater.finish().map_err(|e| SamlError::Internal(e.to_string()))?;

    // The signed octets are exactly the query we send (order per §3.4.4.1).
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair(param, &STANDARD.encode(deflated));
    if let Some(rs) = relay_state {
        q.append_pair("RelayState", rs);
    }
    if let Some(k) = signing_key {
        q.append_pair("SigAlg", k.alg.uri());
    }
    let mut query = q.finish();
    if let Some(k) = signing_key {
        let mut signer =
            openssl::sign::Signer::new(k.alg.digest(), &k.key).map_err(|e| SamlError::Internal(e.to_string()))?;
        signer.update(query.as_bytes()).map_err(|e| SamlError::Internal(e.to_string()))?;
        let sig = signer.sign_to_vec().map_err(|e| SamlError::Internal(e.to_string()))?;
        query.push_str("&Signature=");
        query.extend(url::form_urlencoded::byte_serialize(STANDARD.encode(sig).as_bytes()));
    }

    // The IdP URL may already carry a query (e.g. `?idpid=...`); keep it.
    let mut url =
        url::Url::parse(location).map_err(|_| SamlError::Metadata("the IdP endpoint Location is not a URL".into()))?;
    url.set_fragment(None);
    let full = match url.query() {
        Some(existing) if !existing.is_empty() => format!("{existing}&{query}"),
        _ => query,
    };
    url.set_query(Some(&full));
    Ok(url.into())
}

/// XML NCName check restricted to ASCII (all ids Cognate generates are ASCII).
pub(crate) fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && s.len() <= 256
}
