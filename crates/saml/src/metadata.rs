//! SP metadata (what Cognate publishes for a user pool) and IdP metadata
//! (what an administrator uploads as `MetadataFile` / Cognate fetches from
//! `MetadataURL`).

use crate::error::{SamlError, clip};
use crate::xml_guard::{self, NS_METADATA};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use samael::key_info::{KeyInfo, X509Data};
use samael::metadata::{
    EncryptionMethod, Endpoint, EntityDescriptor, HTTP_POST_BINDING, HTTP_REDIRECT_BINDING, IndexedEndpoint,
    KeyDescriptor, SpSsoDescriptor,
};
use samael::traits::ToXml;

/// Upper bound for an IdP metadata document (Cognito's `MetadataFile` limit is
/// 131,072 characters; aggregates are not accepted anyway).
pub const MAX_METADATA_BYTES: usize = 256 * 1024;

const SAML2_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

/// The parts of an IdP's metadata that the SP needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    /// `EntityDescriptor/@entityID`; must equal the Issuer of every response.
    pub entity_id: String,
    /// `SingleSignOnService` with the HTTP-Redirect binding.
    pub sso_redirect_url: String,
    /// `SingleLogoutService` with the HTTP-Redirect binding, if any.
    pub slo_redirect_url: Option<String>,
    /// DER X.509 certificates from `KeyDescriptor use="signing"` (or without
    /// `use`). These, and only these, verify response signatures.
    pub signing_certs: Vec<Vec<u8>>,
    /// `IDPSSODescriptor/@WantAuthnRequestsSigned` (false when absent).
    pub want_authn_requests_signed: bool,
}

/// Algorithms advertised in the SP's encryption KeyDescriptor: exactly what
/// [`crate::verify_response`] can decrypt (samael supports AES-128 CBC/GCM for
/// content; only RSA-OAEP for key transport — RSA PKCS#1 v1.5 is refused).
const SP_ENCRYPTION_METHODS: [&str; 3] = [
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
];

fn pem_cert_to_b64_der(pem: &str) -> Result<String, SamlError> {
    let cert = openssl::x509::X509::from_pem(pem.as_bytes())
        .map_err(|_| SamlError::Key("certificate is not a PEM X.509 certificate".into()))?;
    let der = cert.to_der().map_err(|e| SamlError::Key(e.to_string()))?;
    Ok(STANDARD.encode(der))
}

fn key_descriptor(key_use: &str, b64_der: String, methods: Option<Vec<EncryptionMethod>>) -> KeyDescriptor {
    KeyDescriptor {
        key_use: Some(key_use.to_string()),
        key_info: KeyInfo { id: None, x509_data: Some(X509Data { certificates: vec![b64_der] }) },
        encryption_methods: methods,
    }
}

/// Renders the SP's `EntityDescriptor`.
///
/// In Cognate: `entity_id` = `urn:amazon:cognito:sp:{userPoolId}`,
/// `acs_url` = `{base}/saml2/idpresponse` (HTTP-POST), `slo_url` =
/// `{base}/saml2/logout` (HTTP-Redirect and HTTP-POST) when sign-out is enabled.
/// `AuthnRequestsSigned` is true iff a signing certificate is given.
/// No `validUntil` is emitted (it would need the clock; the metadata is
/// regenerated on each request anyway).
pub fn sp_metadata(
    entity_id: &str,
    acs_url: &str,
    slo_url: Option<&str>,
    signing_cert_pem: Option<&str>,
    encryption_cert_pem: Option<&str>,
) -> Result<String, SamlError> {
    let mut keys = Vec::new();
    if let Some(pem) = signing_cert_pem {
        keys.push(key_descriptor("signing", pem_cert_to_b64_der(pem)?, None));
    }
    if let Some(pem) = encryption_cert_pem {
        let methods = SP_ENCRYPTION_METHODS.iter().map(|a| EncryptionMethod { algorithm: a.to_string() }).collect();
        keys.push(key_descriptor("encryption", pem_cert_to_b64_der(pem)?, Some(methods)));
    }
    let slo = slo_url.map(|u| {
        [HTTP_REDIRECT_BINDING, HTTP_POST_BINDING]
            .iter()
            .map(|b| Endpoint { binding: b.to_string(), location: u.to_string(), response_location: None })
            .collect::<Vec<_>>()
    });
    let descriptor = SpSsoDescriptor {
        protocol_support_enumeration: Some(SAML2_PROTOCOL.to_string()),
        key_descriptors: if keys.is_empty() { None } else { Some(keys) },
        single_logout_services: slo,
        authn_requests_signed: Some(signing_cert_pem.is_some()),
        want_assertions_signed: Some(true),
        assertion_consumer_services: vec![IndexedEndpoint {
            binding: HTTP_POST_BINDING.to_string(),
            location: acs_url.to_string(),
            response_location: None,
            index: 1,
            is_default: Some(true),
        }],
        name_id_formats: Some(vec!["urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified".to_string()]),
        ..SpSsoDescriptor::default()
    };
    let entity = EntityDescriptor {
        entity_id: Some(entity_id.to_string()),
        sp_sso_descriptors: Some(vec![descriptor]),
        ..EntityDescriptor::default()
    };
    entity.to_string().map_err(|e| SamlError::Internal(format!("metadata serialization: {e}")))
}

/// Parses one IdP `EntityDescriptor` (aggregates are refused: an administrator
/// configures one IdP per provider).
///
/// Signed metadata is accepted but its signature is **not** checked: the
/// document's trust comes from the administrator who uploaded it (or from the
/// TLS fetch of `MetadataURL`), as in Cognito.
pub fn parse_idp_metadata(xml: &str) -> Result<IdpMetadata, SamlError> {
    let scan = xml_guard::scan(xml, MAX_METADATA_BYTES)?;
    if !scan.root_is(NS_METADATA, "EntityDescriptor") {
        return Err(SamlError::Metadata(format!(
            "root element must be md:EntityDescriptor, found {}",
            clip(&scan.root_local)
        )));
    }
    let ed: EntityDescriptor =
        xml.parse().map_err(|e| SamlError::Metadata(format!("cannot parse: {}", clip(&format!("{e}")))))?;
    let entity_id = ed
        .entity_id
        .clone()
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| SamlError::Metadata("missing entityID".into()))?;
    if entity_id.len() > 1024 {
        return Err(SamlError::Metadata("entityID longer than 1024 characters".into()));
    }
    let idps = ed.idp_sso_descriptors.unwrap_or_default();
    let idp = match idps.as_slice() {
        [one] => one,
        [] => return Err(SamlError::Metadata("no IDPSSODescriptor".into())),
        _ => return Err(SamlError::Metadata("more than one IDPSSODescriptor".into())),
    };
    let protocols = idp.protocol_support_enumeration.as_deref().unwrap_or("");
    if !protocols.split_whitespace().any(|p| p == SAML2_PROTOCOL) {
        return Err(SamlError::Metadata("IDPSSODescriptor does not support SAML 2.0".into()));
    }
    let sso_redirect_url = idp
        .single_sign_on_services
        .iter()
        .find(|e| e.binding == HTTP_REDIRECT_BINDING)
        .map(|e| e.location.clone())
        .ok_or_else(|| SamlError::Metadata("no SingleSignOnService with the HTTP-Redirect binding".into()))?;
    check_url(&sso_redirect_url, "SingleSignOnService")?;
    let slo_redirect_url =
        idp.single_logout_services.iter().find(|e| e.binding == HTTP_REDIRECT_BINDING).map(|e| e.location.clone());
    if let Some(u) = &slo_redirect_url {
        check_url(u, "SingleLogoutService")?;
    }

    // Signing keys: use="signing", else keys without use (saml-metadata §2.4.1.1).
    let mut signing: Vec<&KeyDescriptor> =
        idp.key_descriptors.iter().filter(|k| k.key_use.as_deref() == Some("signing")).collect();
    if signing.is_empty() {
        signing = idp.key_descriptors.iter().filter(|k| k.key_use.as_deref().is_none_or(str::is_empty)).collect();
    }
    let mut signing_certs = Vec::new();
    for kd in signing {
        for b64 in kd.key_info.x509_data.iter().flat_map(|d| d.certificates.iter()) {
            let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let der = STANDARD
                .decode(compact.as_bytes())
                .map_err(|_| SamlError::Metadata("X509Certificate is not base64".into()))?;
            openssl::x509::X509::from_der(&der)
                .map_err(|_| SamlError::Metadata("X509Certificate is not a DER certificate".into()))?;
            if !signing_certs.contains(&der) {
                signing_certs.push(der);
            }
        }
    }
    if signing_certs.is_empty() {
        return Err(SamlError::Metadata("no signing certificate".into()));
    }
    Ok(IdpMetadata {
        entity_id,
        sso_redirect_url,
        slo_redirect_url,
        signing_certs,
        want_authn_requests_signed: idp.want_authn_requests_signed.unwrap_or(false),
    })
}

fn check_url(u: &str, what: &str) -> Result<(), SamlError> {
    let parsed = url::Url::parse(u).map_err(|_| SamlError::Metadata(format!("{what} Location is not a URL")))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(SamlError::Metadata(format!("{what} Location must be http(s)")));
    }
    Ok(())
}
