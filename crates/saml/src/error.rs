//! The one error type of this crate. It never carries samael, libxml or OpenSSL
//! types, so callers can map it to Cognito's error wording without depending on
//! the SAML backend. Messages are safe to log; they do not echo attacker input
//! at length (values are truncated by [`clip`]).

use thiserror::Error;

/// Why a SAML operation failed.
///
/// The verification variants are deliberately coarse where finer detail would
/// help an attacker (all decryption failures are [`SamlError::Decryption`], all
/// signature failures are [`SamlError::SignatureInvalid`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SamlError {
    // ---- input hygiene -------------------------------------------------------
    /// The input exceeds the size limit for its kind.
    #[error("input too large ({size} bytes; limit {limit})")]
    TooLarge { size: usize, limit: usize },
    /// The SAMLResponse parameter is not valid base64, or not UTF-8 XML.
    #[error("SAMLResponse is not base64-encoded UTF-8")]
    Encoding,
    /// A document type declaration was present (DTDs, entity declarations:
    /// XXE and billion-laughs are refused before any parser sees the input).
    #[error("XML document type declarations are not allowed")]
    DtdForbidden,
    /// Well-formedness or structure problem found before signature checking,
    /// including comments / processing instructions / CDATA (refused because
    /// canonicalization drops or rewrites them, which enables text-splitting
    /// attacks on NameID and attribute values).
    #[error("malformed SAML XML: {0}")]
    MalformedXml(String),

    // ---- metadata / configuration ---------------------------------------------
    /// IdP metadata unusable (missing entity id, no redirect SSO endpoint, bad cert...).
    #[error("invalid IdP metadata: {0}")]
    Metadata(String),
    /// A key or certificate given by the caller could not be used.
    #[error("invalid key or certificate: {0}")]
    Key(String),
    /// Building an outgoing message failed (e.g. RelayState longer than 80 bytes).
    #[error("cannot build SAML request: {0}")]
    Request(String),

    // ---- signature / encryption ------------------------------------------------
    /// Neither the Response nor the Assertion carries a signature.
    #[error("SAML response is not signed")]
    Unsigned,
    /// A signature did not verify against the IdP's metadata certificates, used a
    /// disallowed algorithm, or did not cover the assertion.
    #[error("SAML signature is invalid")]
    SignatureInvalid,
    /// The response carries an EncryptedAssertion but no decryption key is configured.
    #[error("SAML assertion is encrypted but no decryption key is configured")]
    EncryptedWithoutKey,
    /// Any failure while decrypting an EncryptedAssertion (uniform on purpose:
    /// no padding / key-transport oracle).
    #[error("SAML assertion could not be decrypted")]
    Decryption,

    // ---- protocol checks -------------------------------------------------------
    /// Top-level StatusCode is not `...:status:Success`.
    #[error("SAML response status is not Success: {0}")]
    Status(String),
    /// Response or Assertion Issuer is not the IdP's entity id.
    #[error("SAML issuer mismatch: {0}")]
    Issuer(String),
    /// Response Destination missing (on a signed response) or not the ACS URL.
    #[error("SAML response Destination mismatch: {0}")]
    Destination(String),
    /// No bearer SubjectConfirmationData with Recipient equal to the ACS URL.
    #[error("SAML SubjectConfirmationData Recipient mismatch: {0}")]
    Recipient(String),
    /// The assertion is not addressed to this SP (AudienceRestriction).
    #[error("SAML audience mismatch: expected {0}")]
    Audience(String),
    /// InResponseTo is not the outstanding request id (or is present on an
    /// IdP-initiated response / absent on an SP-initiated one).
    #[error("SAML InResponseTo mismatch: {0}")]
    InResponseTo(String),
    /// NotBefore is in the future (beyond the allowed skew).
    #[error("SAML assertion not yet valid (NotBefore {0})")]
    NotYetValid(String),
    /// NotOnOrAfter has passed (beyond the allowed skew).
    #[error("SAML assertion expired (NotOnOrAfter {0})")]
    Expired(String),
    /// Required element missing or unsupported (no bearer confirmation, no
    /// NameID, no AuthnStatement, EncryptedID, ...).
    #[error("SAML assertion unusable: {0}")]
    Assertion(String),
    /// Anything else from the backend that should not happen.
    #[error("internal SAML error: {0}")]
    Internal(String),
}

/// Truncates a possibly attacker-controlled value for an error message.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 120;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
