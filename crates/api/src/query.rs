//! STS and IAM over the AWS query protocol (`POST /` with a form body naming `Action`,
//! answered in XML), on the same listener as the JSON APIs, so `AWS_ENDPOINT_URL_STS`,
//! `AWS_ENDPOINT_URL_IAM` and web-identity token files work against Cognate.

use crate::ApiError;
use crate::auth::{self, Scope};
use crate::router::AppState;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use cognate_crypto::sigv4::SignedRequest;
use cognate_identity::query::{Node, Params, escape};
use cognate_identity::{CallerCredentials, IdentityError};

const STS_ACTIONS: [&str; 3] = ["AssumeRoleWithWebIdentity", "AssumeRole", "GetCallerIdentity"];
const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// Whether a request speaks the query protocol: no `X-Amz-Target`, a form body.
pub(crate) fn is_query(headers: &HeaderMap) -> bool {
    headers.get("x-amz-target").is_none()
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// A query-protocol error: `<ErrorResponse><Error><Type/><Code/><Message/></Error>…`.
struct QueryError {
    code: &'static str,
    message: String,
    status: StatusCode,
}

impl QueryError {
    fn new(code: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        QueryError { code, message: message.into(), status }
    }
}

impl From<IdentityError> for QueryError {
    fn from(e: IdentityError) -> Self {
        let message = e.to_string();
        let (code, status) = match e {
            IdentityError::InvalidParameter(_) | IdentityError::NotFound(_) | IdentityError::Conflict(_) => {
                ("ValidationError", StatusCode::BAD_REQUEST)
            }
            IdentityError::NotAuthorized(_) | IdentityError::AccessDenied(_) => ("AccessDenied", StatusCode::FORBIDDEN),
            IdentityError::InvalidIdentityToken(_) => ("InvalidIdentityToken", StatusCode::BAD_REQUEST),
            IdentityError::ExpiredToken => ("ExpiredToken", StatusCode::BAD_REQUEST),
            IdentityError::ExpiredWebIdentityToken(_) => ("ExpiredTokenException", StatusCode::BAD_REQUEST),
            IdentityError::InvalidClientTokenId => ("InvalidClientTokenId", StatusCode::FORBIDDEN),
            IdentityError::SignatureDoesNotMatch(_) => ("SignatureDoesNotMatch", StatusCode::FORBIDDEN),
            IdentityError::NoSuchEntity(_) => ("NoSuchEntity", StatusCode::NOT_FOUND),
            IdentityError::InvalidInput(_) => ("InvalidInput", StatusCode::BAD_REQUEST),
            IdentityError::ConcurrentModification(_) => ("ConcurrentModification", StatusCode::CONFLICT),
            IdentityError::EntityAlreadyExists(_) => ("EntityAlreadyExists", StatusCode::CONFLICT),
            IdentityError::MalformedPolicyDocument(_) => ("MalformedPolicyDocument", StatusCode::BAD_REQUEST),
            IdentityError::DeleteConflict(_) => ("DeleteConflict", StatusCode::CONFLICT),
            IdentityError::LimitExceeded(_) => ("LimitExceeded", StatusCode::CONFLICT),
            IdentityError::InvalidAction(_) => ("InvalidAction", StatusCode::BAD_REQUEST),
            IdentityError::InvalidPoolConfiguration(_)
            | IdentityError::DeveloperUserAlreadyRegistered(_)
            | IdentityError::ExternalService(_) => ("ValidationError", StatusCode::BAD_REQUEST),
            IdentityError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                return QueryError::new("InternalFailure", StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
            }
        };
        QueryError { code, message, status }
    }
}

/// The signature gate's errors, in the query protocol's words.
impl From<ApiError> for QueryError {
    fn from(e: ApiError) -> Self {
        let (code, status) = match e.kind {
            "UnrecognizedClientException" => ("InvalidClientTokenId", StatusCode::FORBIDDEN),
            "MissingAuthenticationTokenException" => ("MissingAuthenticationToken", StatusCode::FORBIDDEN),
            "IncompleteSignatureException" => ("IncompleteSignature", StatusCode::BAD_REQUEST),
            "InvalidSignatureException" => ("SignatureDoesNotMatch", StatusCode::FORBIDDEN),
            "ExpiredTokenException" => ("ExpiredToken", StatusCode::BAD_REQUEST),
            "InternalErrorException" => ("InternalFailure", StatusCode::INTERNAL_SERVER_ERROR),
            _ => ("ValidationError", StatusCode::BAD_REQUEST),
        };
        QueryError { code, message: e.message, status }
    }
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    resp
}

fn error_response(e: QueryError, namespace: &str, request_id: &str) -> Response {
    let mut body =
        format!("<ErrorResponse xmlns=\"{namespace}\"><Error><Type>Sender</Type><Code>{}</Code><Message>", e.code);
    escape(&e.message, &mut body);
    body.push_str("</Message></Error><RequestId>");
    body.push_str(request_id);
    body.push_str("</RequestId></ErrorResponse>");
    let mut resp = xml_response(e.status, body);
    if let Ok(v) = HeaderValue::from_str(&format!("{}:", e.code)) {
        resp.headers_mut().insert("x-amzn-errortype", v);
    }
    resp
}

/// A query request larger than the body limit, refused in the query protocol's words.
pub(crate) fn too_large(limit: usize) -> Response {
    let e = QueryError::new(
        "RequestEntityTooLarge",
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Request body is larger than {limit} bytes."),
    );
    error_response(e, IAM_NS, &cognate_crypto::random::uuid_v4())
}

/// Serves one STS or IAM request.
pub(crate) async fn serve(state: &AppState, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let params = Params::new(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())));
    let action = params.get("Action").unwrap_or_default().to_owned();
    let sts = STS_ACTIONS.contains(&action.as_str());
    let namespace = if sts { STS_NS } else { IAM_NS };
    let request_id = cognate_crypto::random::uuid_v4();
    match run(state, uri, headers, body, &params, &action, sts).await {
        Ok(result) => {
            let mut out = format!("<{action}Response xmlns=\"{namespace}\">");
            if let Some(result) = result {
                result.write(&mut out);
            }
            out.push_str(&format!(
                "<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
            ));
            xml_response(StatusCode::OK, out)
        }
        Err(e) => error_response(e, namespace, &request_id),
    }
}

async fn run(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    params: &Params,
    action: &str,
    sts: bool,
) -> Result<Option<Node>, QueryError> {
    if action.is_empty() || !action.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(QueryError::new("MissingAction", StatusCode::BAD_REQUEST, "Missing Action"));
    }
    let pairs = auth::header_pairs(headers);
    let req =
        SignedRequest { method: "POST", path: uri.path(), query: uri.query().unwrap_or(""), headers: &pairs, body };
    let (service, scope) = if sts { ("sts", Scope::Regional) } else { ("iam", Scope::Global) };
    let identity = &state.identity;
    if action == "AssumeRoleWithWebIdentity" {
        return Ok(Some(identity.sts(None, action, params).await?));
    }
    let caller =
        auth::caller(&state.admin_keys, identity, state.clock.as_ref(), service, scope, &req)?.ok_or_else(|| {
            QueryError::new("MissingAuthenticationToken", StatusCode::FORBIDDEN, "Missing Authentication Token")
        })?;
    if sts {
        return Ok(Some(identity.sts(Some(&caller), action, params).await?));
    }
    if let CallerCredentials::Session(session) = &caller {
        return Err(QueryError::new(
            "AccessDenied",
            StatusCode::FORBIDDEN,
            format!("User: {} is not authorized to perform: iam:{action}", session.assumed_role_arn()),
        ));
    }
    Ok(identity.iam(action, params).await?)
}
