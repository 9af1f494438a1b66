//! Verification of a `SAMLResponse` received at the ACS (HTTP-POST binding).
//!
//! Order of work (each step only ever *narrows* what is trusted):
//! 1. size bound, base64, UTF-8;
//! 2. strict pre-parse ([`xml_guard`]): no DTD, no comments/PI/CDATA,
//!    well-formed, root `samlp:Response`, and exactly one `Assertion` *or*
//!    `EncryptedAssertion`, as a direct child of the Response (anti-wrapping);
//! 3. xmlsec verifies **every** `ds:Signature` against the IdP metadata
//!    certificates only (never a `KeyInfo` in the message), restricted to
//!    SHA-2 algorithms, and samael's `reduce_xml_to_signed`
//!    (`ValidateAndMarkNoAncestors`) drops everything no signature covers;
//! 4. the assertion is read from the reduced (signed-only) XML, decrypting
//!    an `EncryptedAssertion` first when needed;
//! 5. protocol checks on signed data (Issuer, Status, Destination, Audience,
//!    bearer SubjectConfirmationData Recipient / InResponseTo / NotBefore /
//!    NotOnOrAfter, Conditions validity) against the caller's `now`.
//!
//! Replay detection is the caller's: store [`Assertion::id`] until
//! [`Assertion::not_on_or_after`] and refuse a second use.

use crate::encrypted;
use crate::error::{SamlError, clip};
use crate::xml_guard::{self, NS_ASSERTION, NS_PROTOCOL};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use openssl::pkey::{PKey, Private};
use samael::crypto::{AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode};
use samael::schema::{Assertion as RawAssertion, Response as RawResponse};
use std::collections::BTreeMap;

/// Limit on the base64 `SAMLResponse` form value.
pub const MAX_RESPONSE_B64: usize = 256 * 1024;

const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// Signature algorithms accepted on responses: SHA-2 RSA and ECDSA only
/// (no SHA-1, no DSA). Digest methods must match the same families.
const ALLOWED_SIG_ALGS: [AllowedSignatureAlgorithm; 6] = [
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// The SP's RSA private key for EncryptedAssertion (opaque; OpenSSL inside).
pub struct DecryptionKey(PKey<Private>);

impl DecryptionKey {
    /// Loads a PEM RSA private key (PKCS#8 or PKCS#1).
    pub fn from_pem(pem: &str) -> Result<Self, SamlError> {
        let key = PKey::private_key_from_pem(pem.as_bytes())
            .map_err(|_| SamlError::Key("decryption key is not a PEM private key".into()))?;
        if key.rsa().is_err() {
            return Err(SamlError::Key("decryption key must be RSA".into()));
        }
        Ok(Self(key))
    }
    pub(crate) fn pkey(&self) -> &PKey<Private> {
        &self.0
    }
}

/// What the caller knows and expects about one response.
pub struct Expectations<'a> {
    /// The IdP's entity id (from its metadata); Response and Assertion Issuer.
    pub idp_entity_id: &'a str,
    /// DER certificates from the IdP metadata; the only keys trusted.
    pub idp_certs: &'a [Vec<u8>],
    /// This SP's entity id; must appear in every AudienceRestriction.
    pub sp_entity_id: &'a str,
    /// The ACS URL; must equal Destination and bearer Recipient.
    pub acs_url: &'a str,
    /// The outstanding AuthnRequest id, or `None` for an IdP-initiated
    /// (unsolicited) response, which must then carry no InResponseTo.
    pub in_response_to: Option<&'a str>,
    /// The current time (Cognate's `Clock`; never read here).
    pub now: DateTime<Utc>,
    /// Allowed clock skew for NotBefore / NotOnOrAfter.
    pub skew_seconds: i64,
    /// Needed only if the IdP encrypts assertions.
    pub decryption_key: Option<&'a DecryptionKey>,
}

/// A verified assertion, built only from signed content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// `Assertion/@ID` — the replay-cache key.
    pub id: String,
    /// The IdP entity id that issued it.
    pub issuer: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    /// `AuthnStatement/@SessionIndex` (needed for SP-initiated logout).
    pub session_index: Option<String>,
    /// Attribute `Name` → values, in document order (no values → empty vec).
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Earliest of the bearer `SubjectConfirmationData/@NotOnOrAfter` and
    /// `Conditions/@NotOnOrAfter`: keep the id in the replay cache until then
    /// (plus skew).
    pub not_on_or_after: DateTime<Utc>,
    /// The request id answered (`None` for IdP-initiated).
    pub in_response_to: Option<String>,
}

/// Verifies a base64 `SAMLResponse` (HTTP-POST binding) and returns the assertion.
pub fn verify_response(saml_response_b64: &str, exp: &Expectations<'_>) -> Result<Assertion, SamlError> {
    if saml_response_b64.len() > MAX_RESPONSE_B64 {
        return Err(SamlError::TooLarge { size: saml_response_b64.len(), limit: MAX_RESPONSE_B64 });
    }
    // Form posts may wrap base64 at 76 columns.
    let compact: Vec<u8> = saml_response_b64.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let bytes = STANDARD.decode(&compact).map_err(|_| SamlError::Encoding)?;
    let xml = String::from_utf8(bytes).map_err(|_| SamlError::Encoding)?;
    verify_response_xml(&xml, exp)
}

/// Same as [`verify_response`] for an already-decoded XML document.
pub fn verify_response_xml(xml: &str, exp: &Expectations<'_>) -> Result<Assertion, SamlError> {
    let scan = xml_guard::scan(xml, MAX_RESPONSE_B64)?;
    if !scan.root_is(NS_PROTOCOL, "Response") {
        return Err(SamlError::MalformedXml("root element must be samlp:Response".into()));
    }
    // Anti-wrapping, before any signature work: one assertion, in its place.
    let one_direct = |v: &[xml_guard::Located]| v.len() == 1 && v[0].depth == 1;
    let shape_ok = (one_direct(&scan.assertions) && scan.encrypted_assertions.is_empty())
        || (scan.assertions.is_empty() && one_direct(&scan.encrypted_assertions));
    if !shape_ok {
        return Err(SamlError::MalformedXml(
            "a Response must hold exactly one Assertion or EncryptedAssertion, as its direct child".into(),
        ));
    }
    // Enveloped signatures live directly in the Response (depth 1) or the
    // Assertion (depth 2); anything else is not produced by an IdP.
    if scan.signatures.iter().any(|s| s.depth == 0 || s.depth > 2) {
        return Err(SamlError::MalformedXml("ds:Signature in an unexpected position".into()));
    }
    if exp.idp_certs.is_empty() {
        return Err(SamlError::Internal("no IdP certificates configured".into()));
    }
    let certs: Vec<CertificateDer> = exp.idp_certs.iter().map(|c| CertificateDer::from(c.clone())).collect();

    // The raw (unverified) envelope is parsed only to *reject* on its values.
    // samael's serde type for EncryptedAssertion is brittle (see encrypted.rs):
    // cut the element out and parse the envelope without it.
    let raw_enc = encrypted::extract(xml)?;
    let raw: RawResponse = raw_enc
        .as_ref()
        .map_or(xml, |e| e.envelope_xml.as_str())
        .parse()
        .map_err(|e: quick_xml::DeError| SamlError::MalformedXml(format!("Response: {}", clip(&e.to_string()))))?;

    let (envelope, response_signed, assertion) = if scan.signatures.is_empty() {
        // Nothing visible is signed. Only an encrypted assertion can still
        // carry its own signature inside; it must then be signed.
        let ea = match &raw_enc {
            Some(ea) => ea,
            None => return Err(SamlError::Unsigned),
        };
        let key = exp.decryption_key.ok_or(SamlError::EncryptedWithoutKey)?;
        let plain = ea.decrypt(key)?;
        let assertion = signed_assertion_from_xml(&plain, &certs, true)?;
        (raw, false, assertion)
    } else {
        let reduced = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
            xml,
            &certs,
            ReduceMode::ValidateAndMarkNoAncestors,
            Some(&ALLOWED_SIG_ALGS),
        )
        .map_err(|_| SamlError::SignatureInvalid)?;
        let rscan = xml_guard::scan(&reduced, usize::MAX)?;
        if rscan.root_is(NS_PROTOCOL, "Response") {
            // The Response itself is signed: everything below is covered.
            let signed_enc = encrypted::extract(&reduced)?;
            let signed: RawResponse =
                signed_enc.as_ref().map_or(reduced.as_str(), |e| e.envelope_xml.as_str()).parse().map_err(
                    |e: quick_xml::DeError| {
                        SamlError::MalformedXml(format!("signed Response: {}", clip(&e.to_string())))
                    },
                )?;
            let assertion = if let Some(a) = signed.assertion.clone() {
                a
            } else if let Some(ea) = &signed_enc {
                let key = exp.decryption_key.ok_or(SamlError::EncryptedWithoutKey)?;
                let plain = ea.decrypt(key)?;
                // Covered by the Response signature; an inner signature, if
                // any, must verify too.
                signed_assertion_from_xml(&plain, &certs, false)?
            } else {
                return Err(SamlError::SignatureInvalid);
            };
            (signed, true, assertion)
        } else if rscan.root_is(NS_ASSERTION, "Assertion") {
            // Only the assertion is signed; the envelope stays unverified.
            let assertion: RawAssertion = reduced.parse().map_err(|e: Box<dyn std::error::Error>| {
                SamlError::MalformedXml(format!("signed Assertion: {}", clip(&e.to_string())))
            })?;
            // It is the single direct-child assertion checked above.
            if raw.assertion.as_ref().map(|a| &a.id) != Some(&assertion.id) {
                return Err(SamlError::SignatureInvalid);
            }
            (raw, false, assertion)
        } else {
            return Err(SamlError::SignatureInvalid);
        }
    };
    check(&envelope, response_signed, &assertion, exp)
}

/// Parses a standalone assertion (decrypted plaintext): guard, verify its
/// signature if present (`require_signature`: it must be present), reduce.
fn signed_assertion_from_xml(
    xml: &str,
    certs: &[CertificateDer],
    require_signature: bool,
) -> Result<RawAssertion, SamlError> {
    let scan = xml_guard::scan(xml, MAX_RESPONSE_B64)?;
    if !scan.root_is(NS_ASSERTION, "Assertion") || scan.assertions.len() != 1 {
        return Err(SamlError::MalformedXml("decrypted content is not one saml:Assertion".into()));
    }
    if scan.signatures.iter().any(|s| s.depth != 1) {
        return Err(SamlError::MalformedXml("ds:Signature in an unexpected position".into()));
    }
    let text = if scan.signatures.is_empty() {
        if require_signature {
            return Err(SamlError::Unsigned);
        }
        xml.to_string()
    } else {
        let reduced = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
            xml,
            certs,
            ReduceMode::ValidateAndMarkNoAncestors,
            Some(&ALLOWED_SIG_ALGS),
        )
        .map_err(|_| SamlError::SignatureInvalid)?;
        if !xml_guard::scan(&reduced, usize::MAX)?.root_is(NS_ASSERTION, "Assertion") {
            return Err(SamlError::SignatureInvalid);
        }
        reduced
    };
    text.parse().map_err(|e: Box<dyn std::error::Error>| {
        SamlError::MalformedXml(format!("Assertion: {}", clip(&e.to_string())))
    })
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The protocol checks. `envelope` is signed iff `response_signed`.
fn check(
    envelope: &RawResponse,
    response_signed: bool,
    a: &RawAssertion,
    exp: &Expectations<'_>,
) -> Result<Assertion, SamlError> {
    let skew = Duration::seconds(exp.skew_seconds.max(0));
    let now = exp.now;

    // --- Response envelope -------------------------------------------------
    let status =
        envelope.status.as_ref().and_then(|s| s.status_code.value.clone()).unwrap_or_else(|| "(missing)".to_string());
    if status != STATUS_SUCCESS {
        return Err(SamlError::Status(clip(&status)));
    }
    if let Some(iss) = envelope.issuer.as_ref().and_then(|i| i.value.as_deref())
        && iss != exp.idp_entity_id
    {
        return Err(SamlError::Issuer(clip(iss)));
    }
    match envelope.destination.as_deref() {
        Some(d) if d == exp.acs_url => {}
        Some(d) => return Err(SamlError::Destination(clip(d))),
        // saml-bindings §3.5.5.2: a signed POST message must carry Destination.
        None if response_signed => return Err(SamlError::Destination("missing on a signed Response".into())),
        None => {}
    }
    match (exp.in_response_to, envelope.in_response_to.as_deref()) {
        (Some(want), Some(got)) if want != got => return Err(SamlError::InResponseTo(clip(got))),
        (None, Some(got)) => {
            return Err(SamlError::InResponseTo(format!("unexpected on an IdP-initiated response: {}", clip(got))));
        }
        _ => {}
    }

    // --- Assertion -----------------------------------------------------------
    if a.version != "2.0" {
        return Err(SamlError::Assertion("Version is not 2.0".into()));
    }
    match a.issuer.value.as_deref() {
        Some(iss) if iss == exp.idp_entity_id => {}
        other => return Err(SamlError::Issuer(clip(other.unwrap_or("(missing)")))),
    }
    let subject = a.subject.as_ref().ok_or_else(|| SamlError::Assertion("no Subject".into()))?;
    let name_id = subject
        .name_id
        .as_ref()
        .filter(|n| !n.value.trim().is_empty())
        .ok_or_else(|| SamlError::Assertion("no NameID (EncryptedID is not supported)".into()))?;

    // Bearer SubjectConfirmation (saml-profiles §4.1.4.2): at least one must
    // satisfy every check; otherwise report the first one's failure.
    let mut first_err: Option<SamlError> = None;
    let mut confirmed: Option<(DateTime<Utc>, Option<String>)> = None;
    for sc in subject.subject_confirmations.iter().flatten() {
        if sc.method.as_deref() != Some(CM_BEARER) {
            continue;
        }
        match check_confirmation(sc.subject_confirmation_data.as_ref(), exp, now, skew) {
            Ok(v) => {
                confirmed = Some(v);
                break;
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    let (scd_not_on_or_after, in_response_to) = match confirmed {
        Some(v) => v,
        None => return Err(first_err.unwrap_or_else(|| SamlError::Assertion("no bearer SubjectConfirmation".into()))),
    };

    // Conditions (required: the Audience restriction is mandatory for SSO).
    let cond = a.conditions.as_ref().ok_or_else(|| SamlError::Assertion("no Conditions".into()))?;
    if let Some(nb) = cond.not_before
        && now < nb - skew
    {
        return Err(SamlError::NotYetValid(fmt_time(nb)));
    }
    if let Some(noa) = cond.not_on_or_after
        && now >= noa + skew
    {
        return Err(SamlError::Expired(fmt_time(noa)));
    }
    let restrictions = cond.audience_restrictions.as_deref().unwrap_or(&[]);
    if restrictions.is_empty() || !restrictions.iter().all(|r| r.audience.iter().any(|aud| aud == exp.sp_entity_id)) {
        return Err(SamlError::Audience(clip(exp.sp_entity_id)));
    }

    // AuthnStatement: the SSO profile requires one.
    let authn = a.authn_statements.as_deref().unwrap_or(&[]);
    if authn.is_empty() {
        return Err(SamlError::Assertion("no AuthnStatement".into()));
    }
    let session_index = authn.iter().find_map(|s| s.session_index.clone());

    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for st in a.attribute_statements.iter().flatten() {
        for at in &st.attributes {
            let Some(name) = at.name.clone() else { continue };
            let entry = attributes.entry(name).or_default();
            entry.extend(at.values.iter().filter_map(|v| v.value.clone()));
        }
    }

    let not_on_or_after = match cond.not_on_or_after {
        Some(c) if c < scd_not_on_or_after => c,
        _ => scd_not_on_or_after,
    };
    Ok(Assertion {
        id: a.id.clone(),
        issuer: exp.idp_entity_id.to_string(),
        name_id: name_id.value.clone(),
        name_id_format: name_id.format.clone(),
        session_index,
        attributes,
        not_on_or_after,
        in_response_to,
    })
}

/// One bearer SubjectConfirmationData: Recipient, InResponseTo, time window.
fn check_confirmation(
    data: Option<&samael::schema::SubjectConfirmationData>,
    exp: &Expectations<'_>,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<(DateTime<Utc>, Option<String>), SamlError> {
    let d = data.ok_or_else(|| SamlError::Assertion("bearer SubjectConfirmation without data".into()))?;
    match d.recipient.as_deref() {
        Some(r) if r == exp.acs_url => {}
        other => return Err(SamlError::Recipient(clip(other.unwrap_or("(missing)")))),
    }
    match (exp.in_response_to, d.in_response_to.as_deref()) {
        (Some(want), Some(got)) if want == got => {}
        (Some(_), got) => return Err(SamlError::InResponseTo(clip(got.unwrap_or("(missing)")))),
        (None, None) => {}
        (None, Some(got)) => {
            return Err(SamlError::InResponseTo(format!("unexpected on an IdP-initiated response: {}", clip(got))));
        }
    }
    if let Some(nb) = d.not_before
        && now < nb - skew
    {
        return Err(SamlError::NotYetValid(fmt_time(nb)));
    }
    let noa = d
        .not_on_or_after
        .ok_or_else(|| SamlError::Assertion("bearer SubjectConfirmationData without NotOnOrAfter".into()))?;
    if now >= noa + skew {
        return Err(SamlError::Expired(fmt_time(noa)));
    }
    Ok((noa, d.in_response_to.clone()))
}
