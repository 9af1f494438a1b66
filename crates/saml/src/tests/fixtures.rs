//! The verifier against responses produced by the pysaml2 test IdP
//! (`saml_idp.py`), with the fixed "now" recorded when they were generated.
//!
//! Regenerate the fixtures (see NOTES.md):
//!     python3 saml_idp.py init saml-sp/tests/fixtures
//!     cargo run --example sp_request -- tests/fixtures      (in saml-sp/)
//!     python3 saml_idp.py fixtures saml-sp/tests/fixtures

use crate::{DecryptionKey, Expectations, IdpMetadata, SamlError, parse_idp_metadata, verify_response};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

struct Fx {
    manifest: Value,
    idp: IdpMetadata,
    key: DecryptionKey,
    now: DateTime<Utc>,
}

impl Fx {
    fn load() -> Self {
        crate::init();
        let manifest: Value = serde_json::from_str(&read("manifest.json")).unwrap();
        let idp = parse_idp_metadata(&read("idp_metadata.xml")).unwrap();
        let key = DecryptionKey::from_pem(&read("sp.key")).unwrap();
        // A few seconds after the IdP issued the responses.
        let now = manifest["now"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap() + Duration::seconds(5);
        Fx { manifest, idp, key, now }
    }
    fn s(&self, k: &str) -> &str {
        self.manifest[k].as_str().unwrap()
    }
    fn exp<'a>(&'a self, in_response_to: Option<&'a str>) -> Expectations<'a> {
        Expectations {
            idp_entity_id: &self.idp.entity_id,
            idp_certs: &self.idp.signing_certs,
            sp_entity_id: self.s("sp_entity_id"),
            acs_url: self.s("acs_url"),
            in_response_to,
            now: self.now,
            skew_seconds: 60,
            decryption_key: Some(&self.key),
        }
    }
    fn sp_initiated(&self) -> Expectations<'_> {
        self.exp(Some(self.s("request_id")))
    }
    fn response(&self, case: &str) -> String {
        read(&format!("responses/{case}.b64"))
    }
}

/// `SamlError::Audience(..)` → "Audience".
fn kind(e: &SamlError) -> String {
    let d = format!("{e:?}");
    d.split(|c: char| !c.is_alphanumeric()).next().unwrap().to_string()
}

#[test]
fn every_fixture_has_the_expected_outcome() {
    let fx = Fx::load();
    let cases = fx.manifest["cases"].as_object().unwrap();
    assert!(cases.len() >= 20, "fixtures missing");
    let mut failures = Vec::new();
    for (name, case) in cases {
        let expect = case["expect"].as_str().unwrap();
        let exp = if expect == "ok_idp_initiated" { fx.exp(None) } else { fx.sp_initiated() };
        let got = verify_response(&fx.response(name), &exp);
        let ok = match (expect, &got) {
            ("ok" | "ok_idp_initiated", Ok(a)) => {
                a.name_id == "jane.doe@example.com"
                    && a.attributes["urn:mace:dir:attribute-def:email"] == ["jane.doe@example.com"]
                    && a.attributes["urn:mace:dir:attribute-def:name"] == ["Jane Doe"]
                    && a.session_index.is_some()
                    && a.issuer == fx.idp.entity_id
                    && (a.in_response_to.as_deref() == exp.in_response_to)
            }
            (e, Ok(_)) if e.starts_with("replay_of:") => true, // checked below
            (e, Err(err)) => kind(err) == e,
            _ => false,
        };
        println!("{name:40} expect {expect:20} got {got:?}");
        if !ok {
            failures.push(format!("{name}: expected {expect}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn replay_is_detected_by_the_callers_cache() {
    let fx = Fx::load();
    let mut seen = HashSet::new();
    let first = verify_response(&fx.response("ok_sp_initiated_assertion_signed"), &fx.sp_initiated()).unwrap();
    assert!(seen.insert(first.id.clone()));
    let again = verify_response(&fx.response("replayed"), &fx.sp_initiated()).unwrap();
    assert_eq!(again.id, first.id);
    assert!(!seen.insert(again.id), "the replay cache must refuse the second use");
    // The cache entry can be dropped after not_on_or_after (+ skew).
    assert!(first.not_on_or_after > fx.now);
}

#[test]
fn time_window_uses_the_callers_now_with_skew() {
    let fx = Fx::load();
    let b64 = fx.response("ok_sp_initiated_assertion_signed");
    let a = verify_response(&b64, &fx.sp_initiated()).unwrap();
    let mut exp = fx.sp_initiated();
    // Within the skew after NotOnOrAfter: still accepted.
    exp.now = a.not_on_or_after + Duration::seconds(30);
    assert!(verify_response(&b64, &exp).is_ok());
    exp.now = a.not_on_or_after + Duration::seconds(61);
    assert_eq!(kind(&verify_response(&b64, &exp).unwrap_err()), "Expired");
    // Far before issuance: NotBefore in the future.
    exp.now = fx.now - Duration::hours(1);
    assert_eq!(kind(&verify_response(&b64, &exp).unwrap_err()), "NotYetValid");
}

#[test]
fn in_response_to_must_match_the_flow() {
    let fx = Fx::load();
    // SP-initiated response presented as IdP-initiated.
    let e = verify_response(&fx.response("ok_sp_initiated_assertion_signed"), &fx.exp(None)).unwrap_err();
    assert_eq!(kind(&e), "InResponseTo");
    // IdP-initiated response presented while a request is outstanding.
    let e = verify_response(&fx.response("ok_idp_initiated"), &fx.sp_initiated()).unwrap_err();
    assert_eq!(kind(&e), "InResponseTo");
    // Another outstanding request id.
    let e = verify_response(&fx.response("ok_sp_initiated_both_signed"), &fx.exp(Some("_other"))).unwrap_err();
    assert_eq!(kind(&e), "InResponseTo");
}

#[test]
fn only_metadata_certificates_are_trusted() {
    let fx = Fx::load();
    let evil_pem = read("evil.crt");
    let evil_der = openssl_der(&evil_pem);
    let mut exp = fx.sp_initiated();
    let certs = vec![evil_der];
    exp.idp_certs = &certs;
    let e = verify_response(&fx.response("ok_sp_initiated_assertion_signed"), &exp).unwrap_err();
    assert_eq!(e, SamlError::SignatureInvalid);
}

fn openssl_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

#[test]
fn tampering_with_signed_content_fails() {
    let fx = Fx::load();
    for case in ["ok_sp_initiated_assertion_signed", "ok_sp_initiated_response_signed"] {
        let xml = String::from_utf8(STANDARD.decode(fx.response(case)).unwrap()).unwrap();
        let forged = xml.replacen(">jane.doe@example.com<", ">admin@example.com<", 1);
        assert_ne!(forged, xml);
        let e = verify_response(&STANDARD.encode(forged), &fx.sp_initiated()).unwrap_err();
        assert_eq!(e, SamlError::SignatureInvalid, "{case}");
    }
}

#[test]
fn encrypted_assertion_needs_the_key() {
    let fx = Fx::load();
    let mut exp = fx.sp_initiated();
    exp.decryption_key = None;
    let e = verify_response(&fx.response("ok_encrypted"), &exp).unwrap_err();
    assert_eq!(e, SamlError::EncryptedWithoutKey);
    // With someone else's key: a uniform decryption error.
    let other = DecryptionKey::from_pem(&read("idp.key")).unwrap();
    exp.decryption_key = Some(&other);
    let e = verify_response(&fx.response("ok_encrypted"), &exp).unwrap_err();
    assert_eq!(e, SamlError::Decryption);
}

#[test]
fn input_limits() {
    let fx = Fx::load();
    let huge = "A".repeat(crate::MAX_RESPONSE_B64 + 4);
    assert!(matches!(verify_response(&huge, &fx.sp_initiated()), Err(SamlError::TooLarge { .. })));
    assert_eq!(verify_response("%%%", &fx.sp_initiated()), Err(SamlError::Encoding));
    // Billion laughs never reaches libxml2.
    let lol = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol1;</samlp:Response>"#;
    assert_eq!(verify_response(&STANDARD.encode(lol), &fx.sp_initiated()), Err(SamlError::DtdForbidden));
    // Line-wrapped base64 (as some IdPs post it) is accepted.
    let b64 = fx.response("ok_sp_initiated_assertion_signed");
    let wrapped: String =
        b64.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap().to_string() + "\r\n").collect();
    assert!(verify_response(&wrapped, &fx.sp_initiated()).is_ok());
}

#[test]
fn concurrent_verification_is_safe() {
    let fx = std::sync::Arc::new(Fx::load());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let fx = fx.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    verify_response(&fx.response("ok_sp_initiated_both_signed"), &fx.sp_initiated()).unwrap();
                    verify_response(&fx.response("ok_encrypted"), &fx.sp_initiated()).unwrap();
                    assert!(verify_response(&fx.response("wrong_key"), &fx.sp_initiated()).is_err());
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
