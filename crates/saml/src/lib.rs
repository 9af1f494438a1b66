//! SAML 2.0 service-provider primitives for Cognate's federation, over samael
//! 0.0.22 (`xmlsec`: XML-DSig / XML-Enc through the C xmlsec1 + libxml2 stack).
//!
//! The public API uses only std, chrono and this crate's types, so the backend
//! can be swapped (e.g. for a pure-Rust crate) behind the same functions:
//!
//! * [`sp_metadata`] — the SP `EntityDescriptor` Cognate publishes;
//! * [`parse_idp_metadata`] — an IdP `EntityDescriptor` → [`IdpMetadata`];
//! * [`authn_request_redirect`] — SP-initiated sign-in URL (HTTP-Redirect);
//! * [`verify_response`] — the ACS: a POSTed `SAMLResponse` → [`Assertion`].
//!
//! Call [`init`] once at process start, before threads use the crate.

mod adapter;
mod encrypted;
mod error;
mod logout;
mod metadata;
mod request;
mod response;
mod xml_guard;

pub use adapter::Samael;
pub use error::SamlError;
pub use logout::{LogoutExpectations, logout_request_redirect, verify_logout_response_redirect};
pub use metadata::{IdpMetadata, MAX_METADATA_BYTES, parse_idp_metadata, sp_metadata};
pub use request::{MAX_RELAY_STATE, RequestSigAlg, RequestSigningKey, authn_request_redirect};
pub use response::{Assertion, DecryptionKey, Expectations, MAX_RESPONSE_B64, verify_response, verify_response_xml};

use samael::crypto::{CertificateDer, Crypto, CryptoProvider};
use std::sync::Once;

static INIT: Once = Once::new();

/// One-time global initialization; call at process start, before serving requests.
///
/// libxml2 2.9 (Debian 12) wants `xmlInitParser()` on one thread before concurrent use;
/// samael calls it (with `xmlSecInit`, `xmlSecCryptoAppInit` and `xmlSecCryptoInit`) lazily,
/// under a global mutex, but only when the first *key* is loaded, which is after the first
/// document was already parsed. Loading a (garbage) key here removes that window. xmlsec's
/// default error callback still writes each failed verification to stderr (one line); the
/// error Cognate reports carries the outcome.
///
/// Idempotent and thread-safe (std `Once`).
pub fn init() {
    INIT.call_once(|| {
        let _ = Crypto::verify_signed_xml("<init/>", &CertificateDer::from(vec![0u8]), None);
    });
}

#[cfg(test)]
mod tests;
