//! The SigV4 gate for IAM-authenticated operations: the admin credentials and the check.

use crate::ApiError;
use axum::http::{HeaderMap, Uri};
use cognate_core::Clock;
use cognate_crypto::sigv4::{self, SigV4Error, SignedRequest};
use std::collections::HashMap;

/// Who may sign admin calls, and for which region: access key id → secret access key of the
/// administrators, and the server's region their credential scope must name.
#[derive(Clone)]
pub struct AdminKeys {
    keys: HashMap<String, String>,
    region: String,
}

impl AdminKeys {
    pub fn new(region: impl Into<String>, keys: impl IntoIterator<Item = (String, String)>) -> Self {
        AdminKeys { keys: keys.into_iter().collect(), region: region.into() }
    }
}

impl std::fmt::Debug for AdminKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminKeys").field("keys", &self.keys.keys()).field("region", &self.region).finish()
    }
}

/// Verifies the request's signature (header or presigned form) for `service` in the
/// server's region. A signature scoped to another region is refused as AWS refuses it, so a
/// client pointed at the wrong region fails here as it would against Cognito.
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
    let secret = keys.keys.get(&parsed.credential().access_key_id).ok_or(SigV4Error::UnrecognizedClient)?;
    sigv4::verify_in_region(&req, &parsed, secret, &keys.region, service, clock.now_datetime())?;
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
