//! The identity-pool API (`AWSCognitoIdentityService.*`, JSON 1.1) and Cognate's
//! authorization API (`CognateAuthz.Authorize`).

use crate::ApiError;
use crate::auth::{self, Scope};
use crate::dispatch::call;
use crate::router::AppState;
use axum::http::{HeaderMap, Uri};
use cognate_crypto::sigv4::SignedRequest;
use cognate_identity::{AuthorizeRequest, CallerCredentials, Identity};
use cognate_wire::identity::types::Op;
use cognate_wire::{Model, validate_input};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) const PREFIX: &str = "AWSCognitoIdentityService.";
pub(crate) const AUTHORIZE: &str = "CognateAuthz.Authorize";

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::new("SerializationException", format!("Malformed JSON: {e}")))
}

/// Runs a `cognito-identity` operation: SigV4 by an administrator unless the model marks
/// the operation unauthenticated, then model validation, then the domain.
pub(crate) async fn serve(
    state: &AppState,
    name: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let (op, model_op) = Op::from_name(name)
        .zip(Model::identity().operation(name))
        .ok_or_else(|| ApiError::new("UnknownOperationException", ""))?;
    if !model_op.public {
        auth::check(&state.admin_keys, state.clock.as_ref(), "cognito-identity", uri, headers, body)?;
    }
    let mut value = parse_json(body)?;
    validate_input(Model::identity(), model_op, &mut value)?;
    dispatch(&state.identity, op, value).await
}

async fn dispatch(identity: &Identity, op: Op, body: Value) -> Result<Vec<u8>, ApiError> {
    macro_rules! run {
        ($method:ident) => {
            call(body, |r| identity.$method(r)).await
        };
    }
    match op {
        Op::CreateIdentityPool => run!(create_identity_pool),
        Op::DeleteIdentities => run!(delete_identities),
        Op::DeleteIdentityPool => run!(delete_identity_pool),
        Op::DescribeIdentity => run!(describe_identity),
        Op::DescribeIdentityPool => run!(describe_identity_pool),
        Op::GetCredentialsForIdentity => run!(get_credentials_for_identity),
        Op::GetId => run!(get_id),
        Op::GetIdentityPoolRoles => run!(get_identity_pool_roles),
        Op::GetOpenIdToken => run!(get_open_id_token),
        Op::GetOpenIdTokenForDeveloperIdentity => run!(get_open_id_token_for_developer_identity),
        Op::GetPrincipalTagAttributeMap => run!(get_principal_tag_attribute_map),
        Op::ListIdentities => run!(list_identities),
        Op::ListIdentityPools => run!(list_identity_pools),
        Op::ListTagsForResource => run!(list_tags_for_resource),
        Op::LookupDeveloperIdentity => run!(lookup_developer_identity),
        Op::MergeDeveloperIdentities => run!(merge_developer_identities),
        Op::SetIdentityPoolRoles => run!(set_identity_pool_roles),
        Op::SetPrincipalTagAttributeMap => run!(set_principal_tag_attribute_map),
        Op::TagResource => run!(tag_resource),
        Op::UnlinkDeveloperIdentity => run!(unlink_developer_identity),
        Op::UnlinkIdentity => run!(unlink_identity),
        Op::UntagResource => run!(untag_resource),
        Op::UpdateIdentityPool => run!(update_identity_pool),
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AuthorizeBody {
    access_key_id: Option<String>,
    session_token: Option<String>,
    signed_request: Option<SignedRequestBody>,
    action: String,
    resource: String,
    #[serde(default)]
    context: BTreeMap<String, ContextValue>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ContextValue {
    One(String),
    Many(Vec<String>),
}

/// The request a service received, to be verified here: method, full URL, headers (names
/// as sent), and the payload's SHA-256 hex (or `UNSIGNED-PAYLOAD`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SignedRequestBody {
    method: String,
    url: String,
    headers: BTreeMap<String, String>,
    payload_hash: Option<String>,
}

/// The SHA-256 of an empty payload: what a request without a body and without a declared
/// hash was signed over.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterException", message)
}

/// `CognateAuthz.Authorize`: the caller (an administrator, or a role session allowed
/// `cognate:Authorize`) asks whether a request made with temporary credentials is allowed.
pub(crate) async fn authorize(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let pairs = auth::header_pairs(headers);
    let req =
        SignedRequest { method: "POST", path: uri.path(), query: uri.query().unwrap_or(""), headers: &pairs, body };
    let caller = auth::caller(
        &state.admin_keys,
        &state.identity,
        state.clock.as_ref(),
        "cognito-identity",
        Scope::Regional,
        &req,
    )?
    .ok_or_else(|| ApiError::new("MissingAuthenticationTokenException", "Missing Authentication Token"))?;
    // As for every JSON operation: the operation is named by a header the signature must cover.
    if !cognate_crypto::sigv4::parse(&req)?.is_some_and(|p| p.signs_header("x-amz-target")) {
        return Err(ApiError::new(
            "InvalidSignatureException",
            "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    if let CallerCredentials::Session(session) = &caller {
        let may =
            AuthorizeRequest { action: "cognate:Authorize".into(), resource: "*".into(), context: BTreeMap::new() };
        if !state.identity.authorize(session, &may).await?.allowed {
            return Err(ApiError::new(
                "AccessDeniedException",
                format!("User: {} is not authorized to perform: cognate:Authorize", session.assumed_role_arn()),
            ));
        }
    }
    let body: AuthorizeBody =
        serde_json::from_slice(body).map_err(|e| ApiError::new("SerializationException", e.to_string()))?;
    let session = match (&body.signed_request, &body.access_key_id, &body.session_token) {
        (Some(signed), None, None) => verify_forwarded(state, signed)?,
        (None, Some(key), Some(token)) => state.identity.open_session(key, token)?,
        _ => return Err(invalid("Give either AccessKeyId and SessionToken, or SignedRequest.")),
    };
    let context = body
        .context
        .into_iter()
        .map(|(k, v)| match v {
            ContextValue::One(one) => (k, vec![one]),
            ContextValue::Many(many) => (k, many),
        })
        .collect();
    let question = AuthorizeRequest { action: body.action, resource: body.resource, context };
    let answer = state.identity.authorize(&session, &question).await?;
    let matched: Vec<Value> =
        answer.matched.iter().map(|m| json!({ "Policy": m.policy, "Sid": m.sid, "Effect": m.effect })).collect();
    let out = json!({
        "Decision": if answer.allowed { "Allow" } else { "Deny" },
        "Principal": answer.principal,
        "MatchedStatements": matched,
    });
    Ok(out.to_string().into_bytes())
}

/// Verifies a request a service received, signed with temporary credentials for the
/// service its credential scope names.
fn verify_forwarded(state: &AppState, signed: &SignedRequestBody) -> Result<cognate_identity::Session, ApiError> {
    let url: Uri = signed.url.parse().map_err(|_| invalid("SignedRequest.Url is not a URL."))?;
    let mut headers: Vec<(String, String)> =
        signed.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
    if !headers.iter().any(|(k, _)| k == "host")
        && let Some(host) = url.authority()
    {
        headers.push(("host".into(), host.to_string()));
    }
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let req = SignedRequest {
        method: &signed.method,
        path: url.path(),
        query: url.query().unwrap_or(""),
        headers: &pairs,
        body: b"",
    };
    let parsed = cognate_crypto::sigv4::parse(&req)?.ok_or_else(|| invalid("SignedRequest carries no signature."))?;
    let service = parsed.credential().service.clone();
    // A declared payload hash counts only when the signature covers it.
    let declared =
        headers.iter().find(|(k, _)| k == "x-amz-content-sha256" && parsed.signs_header(k)).map(|(_, v)| v.as_str());
    let presigned = parsed.is_presigned().then_some("UNSIGNED-PAYLOAD");
    let hash = signed.payload_hash.as_deref().or(declared).or(presigned).unwrap_or(EMPTY_SHA256);
    Ok(state.identity.verify_session_request(&req, &parsed, &service, Some(hash), state.clock.now_datetime())?)
}
