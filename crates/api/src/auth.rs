//! The SigV4 gate for IAM-authenticated operations: the admin credentials and the check.

use crate::ApiError;
use axum::http::{HeaderMap, Uri};
use cognate_core::Clock;
use cognate_crypto::sigv4::{self, SigV4Error, SignedRequest};
use std::collections::HashMap;

/// Access key id → secret access key of the administrators allowed to sign admin calls.
#[derive(Clone, Default)]
pub struct AdminKeys(HashMap<String, String>);

impl AdminKeys {
    pub fn new(keys: impl IntoIterator<Item = (String, String)>) -> Self {
        AdminKeys(keys.into_iter().collect())
    }
}

impl std::fmt::Debug for AdminKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// Verifies the request's signature (header or presigned form) for `service`.
pub(crate) fn check(
    keys: &AdminKeys,
    clock: &dyn Clock,
    service: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let pairs: Vec<(&str, &str)> =
        headers.iter().filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v))).collect();
    let req =
        SignedRequest { method: "POST", path: uri.path(), query: uri.query().unwrap_or(""), headers: &pairs, body };
    let parsed = sigv4::parse(&req)?.ok_or(SigV4Error::MissingAuthenticationToken)?;
    // The lookup by key id is not constant-time; key ids are not secret, the HMAC is.
    let secret = keys.0.get(&parsed.credential().access_key_id).ok_or(SigV4Error::UnrecognizedClient)?;
    sigv4::verify(&req, &parsed, secret, service, clock.now_datetime())?;
    // The operation is named by a header; unsigned, a captured body could be replayed
    // against another operation (an AdminGetUser body as AdminDeleteUser).
    if !parsed.signs_header("x-amz-target") {
        return Err(ApiError::new(
            "InvalidSignatureException",
            "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(())
}
