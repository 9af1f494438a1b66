//! The verifier and the request builder against a real counterpart: responses, metadata and
//! keys produced by the pysaml2 test IdP (`tests/e2e/saml_idp.py`) into `tests/fixtures`,
//! with the "now" recorded when they were made.

mod fixtures;
mod metadata;
