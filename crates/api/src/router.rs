//! The axum router: the JSON 1.1 endpoint at `POST /`, `GET /health`, and the layers every
//! response passes through (request id, CORS, body limit, panic guard).

use crate::{AdminKeys, ApiError, auth, dispatch, identity, query};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cognate_core::{Clock, OffsetClock};
use cognate_identity::Identity;
use cognate_idp::IdpError;
use cognate_idp::{Caller, Idp};
use cognate_oauth::OAuth;
use cognate_wire::idp::types::Op;
use cognate_wire::{Model, validate_input};
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tracing::Instrument as _;

/// Requests larger than this are refused before they are parsed.
const BODY_LIMIT: usize = 1024 * 1024;
/// Managed-login branding carries up to 40 assets of 1,000,000 bytes each, base64-encoded in
/// the JSON body: those two operations alone may send this much.
const BRANDING_BODY_LIMIT: usize = 56 * 1024 * 1024;
const BRANDING_OPERATIONS: [&str; 2] = ["CreateManagedLoginBranding", "UpdateManagedLoginBranding"];
/// Operations the model signs that an app client may also call with its secret instead of
/// the administrator's credentials (Cognito does not evaluate IAM for GetClientToken, and
/// GetDerivedToken takes "IAM credentials, or the client's id and secret"): a request
/// without a valid signature goes on, unauthenticated, for the operation to judge.
const CLIENT_SECRET_OPERATIONS: [&str; 2] = ["GetClientToken", "GetDerivedToken"];
const IDP_PREFIX: &str = "AWSCognitoIdentityProviderService.";

#[derive(Clone)]
pub struct AppState {
    pub idp: Idp,
    pub oauth: OAuth,
    pub identity: Identity,
    pub admin_keys: AdminKeys,
    /// The clock SigV4 signatures are judged by.
    pub clock: Arc<dyn Clock>,
    /// Present only with `--enable-test-clock`: lets tests move time forward over HTTP.
    pub test_clock: Option<Arc<OffsetClock>>,
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", post(json_api).fallback(not_found))
        .route("/health", get(health))
        .route("/{pool_id}/.well-known/jwks.json", get(jwks))
        .route("/{pool_id}/.well-known/openid-configuration", get(openid_configuration));
    // The identity issuer's documents live under its path (`/identity` by default).
    let issuer_path = issuer_path(&state.identity.settings().issuer);
    router = router
        .route(&format!("{issuer_path}/.well-known/openid-configuration"), get(identity_configuration))
        .route(&format!("{issuer_path}/.well-known/jwks_uri"), get(identity_jwks))
        .route(&format!("{issuer_path}/.well-known/jwks.json"), get(identity_jwks));
    if state.test_clock.is_some() {
        router = router.route("/_cognate/test/clock", post(advance_clock));
    }
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(cors())
        .layer(CatchPanicLayer::custom(|_| ApiError::internal().into_response()))
        .layer(middleware::from_fn(request_id))
        .with_state(Arc::new(state))
}

async fn health() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#)
}

/// Well-known documents answer 404 for an unknown pool, like any missing web resource.
fn well_known(result: Result<serde_json::Value, IdpError>) -> Response {
    match result {
        Ok(doc) => Json(doc).into_response(),
        Err(IdpError::PoolNotFound(id)) => ApiError {
            status: StatusCode::NOT_FOUND,
            ..ApiError::new("ResourceNotFoundException", format!("User pool {id} does not exist."))
        }
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The path of an issuer URL, without a trailing slash (empty for a host's root).
fn issuer_path(issuer: &str) -> String {
    let after_scheme = issuer.split_once("://").map_or(issuer, |(_, rest)| rest);
    after_scheme.find('/').map_or(String::new(), |i| after_scheme[i..].trim_end_matches('/').to_owned())
}

async fn identity_configuration(State(state): State<Arc<AppState>>) -> Response {
    Json(state.identity.identity_openid_configuration()).into_response()
}

async fn identity_jwks(State(state): State<Arc<AppState>>) -> Response {
    match state.identity.identity_jwks().await {
        Ok(doc) => Json(doc).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn jwks(State(state): State<Arc<AppState>>, Path(pool_id): Path<String>) -> Response {
    well_known(state.idp.jwks(&pool_id).await)
}

async fn openid_configuration(State(state): State<Arc<AppState>>, Path(pool_id): Path<String>) -> Response {
    well_known(state.idp.openid_configuration(&pool_id).await)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Advance {
    advance_seconds: i64,
}

async fn advance_clock(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let (Some(clock), Ok(advance)) = (state.test_clock.as_ref(), serde_json::from_slice::<Advance>(&body)) else {
        return ApiError::new("InvalidParameterException", "expected {\"advanceSeconds\": N}").into_response();
    };
    clock.advance_seconds(advance.advance_seconds.max(0));
    Json(serde_json::json!({ "now": clock.now().epoch_seconds() })).into_response()
}

async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        ..ApiError::new("UnknownOperationException", "Not found: use POST / with an X-Amz-Target header.")
    }
}

/// Every response carries `x-amzn-RequestId`, as the AWS SDKs expect and log, and every
/// request leaves one info line in the log with the same id.
async fn request_id(req: Request, next: Next) -> Response {
    let id = cognate_crypto::random::uuid_v4();
    let started = std::time::Instant::now();
    let operation = operation_name(req.headers());
    let span = tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    // `instrument`, not `span.enter()`: a guard held across an await leaves the span entered
    // on whichever worker thread resumes the task, corrupting the subscriber's span stack.
    let mut resp = next.run(req).instrument(span).await;
    log_request(&id, operation, &resp, started.elapsed());
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(HeaderName::from_static("x-amzn-requestid"), v);
    }
    resp
}

/// The operation named by `X-Amz-Target`, if it looks like one: the header is the caller's,
/// so anything else is not copied into the log.
fn operation_name(headers: &HeaderMap) -> Option<String> {
    let target = headers.get("x-amz-target")?.to_str().ok()?;
    let name = target.rsplit('.').next()?;
    (!name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| name.to_owned())
}

/// One line per request: what was asked, how it ended, how long it took. Only the operation
/// name, status and error type are logged, never the body, so no password, code, token or
/// secret can reach the log this way.
fn log_request(id: &str, operation: Option<String>, resp: &Response, elapsed: std::time::Duration) {
    let latency_ms = (elapsed.as_secs_f64() * 100_000.0).round() / 100.0;
    let status = resp.status().as_u16();
    let operation = operation.as_deref().unwrap_or("-");
    let error_type =
        resp.headers().get("x-amzn-errortype").and_then(|v| v.to_str().ok()).map(|v| v.trim_end_matches(':'));
    match error_type {
        None => tracing::info!(request_id = %id, operation = %operation, status, latency_ms, "request ok"),
        Some(error_type) => {
            tracing::info!(request_id = %id, operation = %operation, status, error_type = %error_type, latency_ms, "request failed")
        }
    }
}

/// Browsers call the API directly (amazon-cognito-identity-js, Amplify), so any origin may.
fn cors() -> CorsLayer {
    let allow = [
        "content-type",
        "x-amz-target",
        "x-amz-user-agent",
        "cache-control",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
    ];
    let expose = ["x-amzn-requestid", "x-amzn-errortype", "x-amzn-errormessage", "date"];
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(allow.map(HeaderName::from_static))
        .expose_headers(expose.map(HeaderName::from_static))
        .max_age(std::time::Duration::from_secs(86_400))
}

async fn json_api(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let limit = body_limit(&headers);
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| limit);
    if query::is_query(&headers) {
        return match &body {
            Ok(body) => query::serve(&state, &uri, &headers, body).await,
            Err(limit) => query::too_large(*limit),
        };
    }
    match serve(&state, &uri, &headers, body).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/x-amz-json-1.1")], bytes).into_response(),
        Err(e) => e.into_response(),
    }
}

/// How large the body of the operation the request names may be.
fn body_limit(headers: &HeaderMap) -> usize {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    match target.strip_prefix(IDP_PREFIX) {
        Some(op) if BRANDING_OPERATIONS.contains(&op) => BRANDING_BODY_LIMIT,
        _ => BODY_LIMIT,
    }
}

async fn serve(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, usize>,
) -> Result<Vec<u8>, ApiError> {
    let body = body.map_err(|limit| {
        ApiError::new("SerializationException", format!("Request body is larger than {limit} bytes."))
    })?;
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if let Some(name) = target.strip_prefix(identity::PREFIX) {
        return identity::serve(state, name, uri, headers, &body).await;
    }
    if target == identity::AUTHORIZE {
        return identity::authorize(state, uri, headers, &body).await;
    }
    let name = target.strip_prefix(IDP_PREFIX).unwrap_or_default();
    let (op, model_op) = Op::from_name(name)
        .zip(Model::idp().operation(name))
        .ok_or_else(|| ApiError::new("UnknownOperationException", ""))?;
    let signed = || auth::check(&state.admin_keys, state.clock.as_ref(), "cognito-idp", uri, headers, &body);
    let iam_authenticated = if model_op.public {
        false
    } else if CLIENT_SECRET_OPERATIONS.contains(&name) {
        signed().is_ok()
    } else {
        signed()?;
        true
    };
    let mut value: serde_json::Value = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(Default::default())
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new("SerializationException", format!("Malformed JSON: {e}")))?
    };
    validate_input(Model::idp(), model_op, &mut value)?;
    let caller = Caller { iam_authenticated, ..caller(headers, &value) };
    let services = dispatch::Services { idp: &state.idp, oauth: &state.oauth, federation: state.oauth.federation() };
    cognate_idp::with_caller(caller, dispatch::idp(services, op, value)).await
}

/// Who is calling, for trigger events: the SDK named by the user agent, the app client and
/// the request's ClientMetadata.
fn caller(headers: &HeaderMap, body: &serde_json::Value) -> Caller {
    let agent = ["x-amz-user-agent", "user-agent"]
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .unwrap_or_default();
    let client_metadata = body
        .get("ClientMetadata")
        .and_then(serde_json::Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
        .unwrap_or_default();
    Caller {
        sdk_version: Caller::sdk_from_user_agent(agent),
        client_id: body.get("ClientId").and_then(serde_json::Value::as_str).map(String::from),
        client_metadata,
        iam_authenticated: false,
    }
}
