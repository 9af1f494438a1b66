//! The SigV4 gates: the administrators' credentials for IAM-authenticated operations, and
//! temporary credentials (a session token) where a role session may call.

use crate::ApiError;
use axum::http::{HeaderMap, Uri};
use cognate_core::Clock;
use cognate_crypto::sigv4::{self, ParsedSignature, SigV4Error, SignedRequest};
use cognate_identity::{CallerCredentials, Identity};
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

/// Which region a signature's scope must name.
#[derive(Clone, Copy)]
pub(crate) enum Scope {
    /// The server's region, as a regional AWS endpoint requires.
    Regional,
    /// Any region (IAM is global; clients sign it for us-east-1 or their own region).
    Global,
}

/// A request's parts, as SigV4 signs them.
pub(crate) fn header_pairs(headers: &HeaderMap) -> Vec<(&str, &str)> {
    headers.iter().filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v))).collect()
}

/// Verifies an administrator's signature (header or presigned form) for `service`. A
/// signature scoped to another region is refused as AWS refuses it, so a client pointed at
/// the wrong region fails here as it would against Cognito.
fn admin(
    keys: &AdminKeys,
    clock: &dyn Clock,
    service: &str,
    scope: Scope,
    req: &SignedRequest,
    parsed: &ParsedSignature,
) -> Result<String, ApiError> {
    // The lookup by key id is not constant-time; key ids are not secret, the HMAC is.
    let id = &parsed.credential().access_key_id;
    let secret = keys.keys.get(id).ok_or(SigV4Error::UnrecognizedClient)?;
    match scope {
        Scope::Regional => sigv4::verify_in_region(req, parsed, secret, &keys.region, service, clock.now_datetime())?,
        Scope::Global => sigv4::verify(req, parsed, secret, service, clock.now_datetime())?,
    }
    Ok(id.clone())
}

/// The administrator's check for a JSON operation: the signature, and `X-Amz-Target` among
/// the signed headers.
pub(crate) fn check(
    keys: &AdminKeys,
    clock: &dyn Clock,
    service: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let pairs = header_pairs(headers);
    let req =
        SignedRequest { method: "POST", path: uri.path(), query: uri.query().unwrap_or(""), headers: &pairs, body };
    let parsed = sigv4::parse(&req)?.ok_or(SigV4Error::MissingAuthenticationToken)?;
    admin(keys, clock, service, Scope::Regional, &req, &parsed)?;
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

/// Who signed a request: an administrator, or a role session whose token opens (checked by
/// `cognate-identity` without a database read). `None` when the request is unsigned.
pub(crate) fn caller(
    keys: &AdminKeys,
    identity: &Identity,
    clock: &dyn Clock,
    service: &str,
    scope: Scope,
    req: &SignedRequest,
) -> Result<Option<CallerCredentials>, ApiError> {
    let Some(parsed) = sigv4::parse(req)? else { return Ok(None) };
    if parsed.security_token().is_some() {
        let session = identity.verify_session_request(req, &parsed, service, None, clock.now_datetime())?;
        return Ok(Some(CallerCredentials::Session(Box::new(session))));
    }
    let access_key_id = admin(keys, clock, service, scope, req, &parsed)?;
    Ok(Some(CallerCredentials::Admin { access_key_id }))
}
