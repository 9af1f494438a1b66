//! Single logout started by the SP (saml-profiles-2.0 §4.4): a signed `LogoutRequest` sent
//! with the HTTP-Redirect binding, and the IdP's `LogoutResponse` back on the same binding,
//! whose query signature must verify with a certificate from the IdP's metadata.

use crate::error::SamlError;
use crate::request::{RequestSigningKey, is_ncname, redirect_url};
use crate::xml_guard::{self, NS_PROTOCOL};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::{DateTime, SecondsFormat, Utc};
use flate2::read::DeflateDecoder;
use openssl::hash::MessageDigest;
use openssl::sign::Verifier;
use openssl::x509::X509;
use samael::schema::LogoutResponse;
use std::io::Read;

const MAX_MESSAGE: usize = 65_536;
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

fn escape(v: &str) -> String {
    v.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// The redirect URL of a signed `LogoutRequest` for the session `name_id` /
/// `session_index` to the IdP's single logout service `slo_url`.
#[expect(clippy::too_many_arguments, reason = "the request's fields, each distinct")]
pub fn logout_request_redirect(
    slo_url: &str,
    sp_entity_id: &str,
    request_id: &str,
    issue_instant: DateTime<Utc>,
    name_id: &str,
    name_id_format: Option<&str>,
    session_index: Option<&str>,
    relay_state: &str,
    signing_key: &RequestSigningKey,
) -> Result<String, SamlError> {
    if !is_ncname(request_id) {
        return Err(SamlError::Request("request id must be an XML NCName".into()));
    }
    let format = name_id_format.map(|f| format!(" Format=\"{}\"", escape(f))).unwrap_or_default();
    let session =
        session_index.map(|s| format!("<samlp:SessionIndex>{}</samlp:SessionIndex>", escape(s))).unwrap_or_default();
    let xml = format!(
        "<samlp:LogoutRequest xmlns:samlp=\"{NS_PROTOCOL}\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" \
         ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\">\
         <saml:Issuer>{}</saml:Issuer><saml:NameID{format}>{}</saml:NameID>{session}</samlp:LogoutRequest>",
        escape(request_id),
        issue_instant.to_rfc3339_opts(SecondsFormat::Secs, true),
        escape(slo_url),
        escape(sp_entity_id),
        escape(name_id),
    );
    redirect_url(slo_url, "SAMLRequest", &xml, Some(relay_state), Some(signing_key))
}

/// What a LogoutResponse must satisfy.
pub struct LogoutExpectations<'a> {
    pub idp_entity_id: &'a str,
    pub idp_certs: &'a [Vec<u8>],
    pub in_response_to: &'a str,
    /// Cognate's single logout URL (the response's Destination, when it names one).
    pub destination: &'a str,
}

/// The raw (still URL-encoded) value of `name` in a query string.
fn raw_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| pair.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
}

fn decoded(raw: &str) -> String {
    url::form_urlencoded::parse(format!("v={raw}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// Verifies a `LogoutResponse` received with the HTTP-Redirect binding, given the request's
/// raw query string: the query signature (RSA-SHA256 or -SHA512) by one of the IdP's
/// certificates over the octets as received, then the message: no DTD, a
/// `samlp:LogoutResponse` answering our request, from the IdP, to us, with status Success.
pub fn verify_logout_response_redirect(raw_query: &str, exp: &LogoutExpectations<'_>) -> Result<(), SamlError> {
    if raw_query.len() > MAX_MESSAGE * 2 {
        return Err(SamlError::TooLarge { size: raw_query.len(), limit: MAX_MESSAGE * 2 });
    }
    let message = raw_param(raw_query, "SAMLResponse").ok_or(SamlError::Encoding)?;
    let sig_alg = raw_param(raw_query, "SigAlg").ok_or(SamlError::Unsigned)?;
    let signature = raw_param(raw_query, "Signature").ok_or(SamlError::Unsigned)?;
    let mut signed = format!("SAMLResponse={message}");
    if let Some(relay) = raw_param(raw_query, "RelayState") {
        signed.push_str(&format!("&RelayState={relay}"));
    }
    signed.push_str(&format!("&SigAlg={sig_alg}"));
    let digest = match decoded(sig_alg).as_str() {
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => MessageDigest::sha256(),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => MessageDigest::sha512(),
        _ => return Err(SamlError::SignatureInvalid),
    };
    let signature = STANDARD.decode(decoded(signature)).map_err(|_| SamlError::SignatureInvalid)?;
    let verified = exp.idp_certs.iter().any(|der| {
        let Ok(key) = X509::from_der(der).and_then(|c| c.public_key()) else { return false };
        let Ok(mut verifier) = Verifier::new(digest, &key) else { return false };
        verifier.update(signed.as_bytes()).is_ok() && verifier.verify(&signature).unwrap_or(false)
    });
    if !verified {
        return Err(SamlError::SignatureInvalid);
    }
    let deflated = STANDARD.decode(decoded(message)).map_err(|_| SamlError::Encoding)?;
    let mut xml = String::new();
    DeflateDecoder::new(deflated.as_slice())
        .take(MAX_MESSAGE as u64 + 1)
        .read_to_string(&mut xml)
        .map_err(|_| SamlError::Encoding)?;
    let scan = xml_guard::scan(&xml, MAX_MESSAGE)?;
    if !scan.root_is(NS_PROTOCOL, "LogoutResponse") {
        return Err(SamlError::MalformedXml("root element must be samlp:LogoutResponse".into()));
    }
    let response: LogoutResponse =
        xml.parse().map_err(|_| SamlError::MalformedXml("unreadable LogoutResponse".into()))?;
    if response.in_response_to.as_deref() != Some(exp.in_response_to) {
        return Err(SamlError::MalformedXml("the LogoutResponse answers another request".into()));
    }
    // A signed message must name its Destination (saml-bindings §3.4.5.2), and a logout
    // response its Issuer (saml-profiles §4.4.4.2).
    if response.issuer.as_ref().and_then(|i| i.value.as_deref()) != Some(exp.idp_entity_id) {
        return Err(SamlError::MalformedXml("the LogoutResponse comes from another issuer".into()));
    }
    if response.destination.as_deref() != Some(exp.destination) {
        return Err(SamlError::MalformedXml("the LogoutResponse is for another destination".into()));
    }
    match response.status.as_ref().and_then(|s| s.status_code.value.as_deref()) {
        Some(SUCCESS) => Ok(()),
        _ => Err(SamlError::MalformedXml("the IdP did not log the user out".into())),
    }
}
