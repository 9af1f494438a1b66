//! The machine endpoints: `/oauth2/token`, `/oauth2/revoke`, `/oauth2/userInfo`. Their
//! answers are JSON and never cached.

use crate::Web;
use crate::site::Site;
use axum::extract::{Form, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cognate_oauth::error::OAuthError;
use cognate_oauth::grants::TokenRequest;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Browser apps (Amplify's `signInWithRedirect`, oidc-client-ts) exchange the code and call
/// userInfo and revoke with `fetch` from their own origin, so these endpoints answer any
/// origin. Safe because they read no cookies: the client proves itself with its id, secret
/// or token in the request. `Access-Control-Allow-Credentials` is never sent, so no page can
/// make a browser send the hosted UI's session cookie here and read the answer. The HTML
/// pages get no CORS at all.
pub(crate) fn cors() -> CorsLayer {
    let allow = ["authorization", "content-type", "x-amz-user-agent", "cache-control"];
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(allow.map(HeaderName::from_static))
        .max_age(std::time::Duration::from_secs(86_400))
}

type FormFields = Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>;

/// `Authorization: Basic base64(client_id:client_secret)`.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let text = String::from_utf8(B64.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// RFC 6749 §5.2: 400 with the error code; `invalid_client` is 401, with a Basic challenge
/// when the client tried Basic.
fn oauth_error(e: &OAuthError, used_basic: bool) -> Response {
    let status = match e.code() {
        "invalid_client" => StatusCode::UNAUTHORIZED,
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut res = (status, Json(json!({ "error": e.code() }))).into_response();
    if status == StatusCode::UNAUTHORIZED && used_basic {
        res.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"cognate\""));
    }
    res
}

fn token_request(headers: &HeaderMap, form: FormFields) -> Result<TokenRequest, OAuthError> {
    let form = form.map_err(|_| OAuthError::invalid_request("The body must be a form."))?;
    Ok(TokenRequest { form: form.0, basic: basic(headers) })
}

pub(crate) async fn token(site: Site, State(web): State<Arc<Web>>, headers: HeaderMap, form: FormFields) -> Response {
    let used_basic = basic(&headers).is_some();
    let req = match token_request(&headers, form) {
        Ok(r) => r,
        Err(e) => return oauth_error(&e, used_basic),
    };
    let caller = token_caller(&req);
    match cognate_idp::with_caller(caller, web.oauth.token(&site.pool_id, &req)).await {
        Ok(tokens) => Json(tokens).into_response(),
        Err(e) => oauth_error(&e, used_basic),
    }
}

/// Who is calling, for trigger events (no SDK at this endpoint): the client and
/// `aws_client_metadata` (a JSON object of strings, which a PreTokenGeneration function
/// receives as `clientMetadata`).
fn token_caller(req: &TokenRequest) -> cognate_idp::Caller {
    let client_metadata = req
        .get("aws_client_metadata")
        .and_then(|m| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(m).ok())
        .map(|m| m.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_owned()))).collect())
        .unwrap_or_default();
    let client_id = req.basic.as_ref().map(|(id, _)| id.as_str()).or_else(|| req.get("client_id"));
    cognate_idp::Caller {
        sdk_version: "aws-sdk-unknown-unknown".into(),
        client_id: client_id.map(String::from),
        client_metadata,
        iam_authenticated: false,
    }
}

pub(crate) async fn revoke(site: Site, State(web): State<Arc<Web>>, headers: HeaderMap, form: FormFields) -> Response {
    let used_basic = basic(&headers).is_some();
    let result = match token_request(&headers, form) {
        Ok(req) => web.oauth.revoke(&site.pool_id, &req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => oauth_error(&e, used_basic),
    }
}

/// RFC 6750 §3: failures carry the reason in `WWW-Authenticate`.
pub(crate) async fn user_info(_site: Site, State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    match web.oauth.user_info(bearer(&headers).as_deref()).await {
        Ok(claims) => Json(claims).into_response(),
        Err(e) => {
            let status = match e.code() {
                "invalid_token" => StatusCode::UNAUTHORIZED,
                "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            let challenge = format!("Bearer error=\"{}\"", e.code());
            let mut res = (status, Json(json!({ "error": e.code() }))).into_response();
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                res.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, v);
            }
            res
        }
    }
}
