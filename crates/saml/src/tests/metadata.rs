//! SP metadata, IdP metadata parsing and the HTTP-Redirect AuthnRequest,
//! against the pysaml2 IdP's metadata and keys in tests/fixtures.

use crate::{
    IdpMetadata, RequestSigAlg, RequestSigningKey, SamlError, authn_request_redirect, parse_idp_metadata, sp_metadata,
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::{TimeZone, Utc};
use std::io::Read;
use std::path::PathBuf;

const SP: &str = "urn:amazon:cognito:sp:us-east-1_TestPool1";
const ACS: &str = "https://auth.cognate.test/saml2/idpresponse";

fn read(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn pem_der(pem: &str) -> Vec<u8> {
    STANDARD.decode(pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>()).unwrap()
}

fn idp() -> IdpMetadata {
    parse_idp_metadata(&read("idp_metadata.xml")).unwrap()
}

#[test]
fn parses_pysaml2_idp_metadata() {
    let md = idp();
    assert_eq!(md.entity_id, "https://idp.cognate.test/metadata");
    assert_eq!(md.sso_redirect_url, "https://idp.cognate.test/sso/redirect");
    assert_eq!(md.slo_redirect_url.as_deref(), Some("https://idp.cognate.test/slo/redirect"));
    assert_eq!(md.signing_certs, vec![pem_der(&read("idp.crt"))]);
    assert!(!md.want_authn_requests_signed);
}

fn meta_err(xml: &str) -> SamlError {
    parse_idp_metadata(xml).unwrap_err()
}

#[test]
fn idp_metadata_errors_are_clear() {
    let good = read("idp_metadata.xml");
    // DTD / XXE.
    let xxe = format!("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{good}");
    assert_eq!(meta_err(&xxe), SamlError::DtdForbidden);
    // Oversized.
    let big = format!("{}{}", good, " ".repeat(crate::MAX_METADATA_BYTES));
    assert!(matches!(meta_err(&big), SamlError::TooLarge { .. }));
    // Aggregate.
    let agg = r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>"#;
    assert!(matches!(meta_err(agg), SamlError::Metadata(m) if m.contains("EntityDescriptor")));
    // No HTTP-Redirect SSO endpoint.
    let no_redirect = good.replace("bindings:HTTP-Redirect", "bindings:HTTP-Artifact");
    assert!(matches!(meta_err(&no_redirect), SamlError::Metadata(m) if m.contains("HTTP-Redirect")));
    // Certificate garbage.
    let start = good.find("X509Certificate>").unwrap() + "X509Certificate>".len();
    let bad_cert = format!("{}QUJD{}", &good[..start], &good[start + 40..]);
    assert!(matches!(meta_err(&bad_cert), SamlError::Metadata(m) if m.contains("X509Certificate")));
    // Not SAML 2.0.
    let saml1 = good.replace(
        "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"",
        "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:1.1:protocol\"",
    );
    assert_ne!(saml1, good);
    assert!(matches!(meta_err(&saml1), SamlError::Metadata(m) if m.contains("SAML 2.0")));
    // Not XML at all.
    assert!(matches!(meta_err("hello"), SamlError::MalformedXml(_)));
}

#[test]
fn sp_metadata_round_trips() {
    let cert = read("sp.crt");
    let xml = sp_metadata(SP, ACS, Some("https://auth.cognate.test/saml2/logout"), Some(&cert), Some(&cert)).unwrap();
    let ed: samael::metadata::EntityDescriptor = xml.parse().unwrap();
    assert_eq!(ed.entity_id.as_deref(), Some(SP));
    let sp = &ed.sp_sso_descriptors.as_ref().unwrap()[0];
    assert_eq!(sp.authn_requests_signed, Some(true));
    assert_eq!(sp.want_assertions_signed, Some(true));
    assert_eq!(sp.assertion_consumer_services[0].location, ACS);
    assert_eq!(sp.assertion_consumer_services[0].binding, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
    let uses: Vec<_> = sp.key_descriptors.as_ref().unwrap().iter().map(|k| k.key_use.clone().unwrap()).collect();
    assert_eq!(uses, ["signing", "encryption"]);
    let b64 = &sp.key_descriptors.as_ref().unwrap()[0].key_info.x509_data.as_ref().unwrap().certificates[0];
    assert_eq!(STANDARD.decode(b64).unwrap(), pem_der(&cert));

    // Without keys: unsigned requests, no KeyDescriptor, no SLO.
    let bare = sp_metadata(SP, ACS, None, None, None).unwrap();
    assert!(bare.contains("AuthnRequestsSigned=\"false\""));
    assert!(!bare.contains("KeyDescriptor") && !bare.contains("SingleLogoutService"));
    assert!(matches!(sp_metadata(SP, ACS, None, Some("nope"), None), Err(SamlError::Key(_))));
}

fn query(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

fn inflate(b64: &str) -> String {
    let raw = STANDARD.decode(b64).unwrap();
    let mut s = String::new();
    flate2::read::DeflateDecoder::new(&raw[..]).read_to_string(&mut s).unwrap();
    s
}

#[test]
fn signed_redirect_request() {
    let key = RequestSigningKey::from_pem(RequestSigAlg::RsaSha256, &read("sp.key")).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let url = authn_request_redirect(&idp(), SP, ACS, "_req1", at, Some("st~ate *1"), Some(&key)).unwrap();
    assert!(url.starts_with("https://idp.cognate.test/sso/redirect?SAMLRequest="));
    let q = query(&url);
    let names: Vec<_> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["SAMLRequest", "RelayState", "SigAlg", "Signature"]);
    assert_eq!(q[1].1, "st~ate *1");
    assert_eq!(q[2].1, RequestSigAlg::RsaSha256.uri());

    let xml = inflate(&q[0].1);
    let req: samael::schema::AuthnRequest = xml.parse().unwrap();
    assert_eq!(req.id, "_req1");
    assert_eq!(req.issue_instant, at);
    assert_eq!(req.destination.as_deref(), Some("https://idp.cognate.test/sso/redirect"));
    assert_eq!(req.assertion_consumer_service_url.as_deref(), Some(ACS));
    assert_eq!(req.issuer.unwrap().value.as_deref(), Some(SP));

    // The signature is over the raw query octets before "&Signature=".
    let raw_query = url.split_once('?').unwrap().1;
    let (signed, sig) = raw_query.rsplit_once("&Signature=").unwrap();
    let sig = STANDARD
        .decode(url::form_urlencoded::parse(format!("s={sig}").as_bytes()).next().unwrap().1.as_bytes())
        .unwrap();
    let cert = openssl::x509::X509::from_pem(read("sp.crt").as_bytes()).unwrap();
    let public = cert.public_key().unwrap();
    let mut v = openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &public).unwrap();
    v.update(signed.as_bytes()).unwrap();
    assert!(v.verify(&sig).unwrap());
}

#[test]
fn unsigned_request_and_request_errors() {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut md = idp();
    md.sso_redirect_url = "https://idp.example/sso?idpid=abc#frag".into();
    let url = authn_request_redirect(&md, SP, ACS, "_r", at, None, None).unwrap();
    let names: Vec<_> = query(&url).into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["idpid", "SAMLRequest"]);
    assert!(!url.contains('#'));

    let long = "x".repeat(81);
    assert!(matches!(authn_request_redirect(&md, SP, ACS, "_r", at, Some(&long), None), Err(SamlError::Request(_))));
    assert!(matches!(authn_request_redirect(&md, SP, ACS, "1bad", at, None, None), Err(SamlError::Request(_))));
    md.want_authn_requests_signed = true;
    assert!(matches!(authn_request_redirect(&md, SP, ACS, "_r", at, None, None), Err(SamlError::Request(_))));
    assert!(matches!(RequestSigningKey::from_pem(RequestSigAlg::EcdsaSha256, &read("sp.key")), Err(SamlError::Key(_))));
}
