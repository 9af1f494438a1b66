//! Errors on the wire: `{"__type": …, "message": …}` with HTTP 400 (500 for internal
//! faults), plus the `x-amzn-ErrorType` header clients read. Every domain fact maps to its
//! Cognito exception in one `match` with no catch-all arm.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cognate_crypto::sigv4::SigV4Error;
use cognate_identity::IdentityError;
use cognate_idp::IdpError;
use cognate_wire::ValidationError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub kind: &'static str,
    pub message: String,
    pub status: StatusCode,
}

impl ApiError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        ApiError { kind, message: message.into(), status: StatusCode::BAD_REQUEST }
    }

    pub fn internal() -> Self {
        ApiError {
            kind: "InternalErrorException",
            message: "Internal server error".into(),
            status: StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<IdpError> for ApiError {
    fn from(e: IdpError) -> Self {
        let message = e.to_string();
        let kind = match e {
            IdpError::PoolNotFound(_)
            | IdpError::ClientNotFound(_)
            | IdpError::GroupNotFound
            | IdpError::ResourceNotFound(_) => "ResourceNotFoundException",
            IdpError::UserNotFound => "UserNotFoundException",
            IdpError::InvalidParameter(_) => "InvalidParameterException",
            IdpError::InvalidPassword(_) => "InvalidPasswordException",
            IdpError::UsernameExists(_) => "UsernameExistsException",
            IdpError::AliasExists(_) => "AliasExistsException",
            IdpError::GroupExists(_) => "GroupExistsException",
            IdpError::NotAuthorized(_) => "NotAuthorizedException",
            IdpError::InvalidOAuthFlow(_) => "InvalidOAuthFlowException",
            IdpError::ScopeDoesNotExist(_) => "ScopeDoesNotExistException",
            IdpError::OperationNotEnabled(_) => "OperationNotEnabledException",
            IdpError::ManagedLoginBrandingExists(_) => "ManagedLoginBrandingExistsException",
            IdpError::DuplicateProvider(_) => "DuplicateProviderException",
            IdpError::LimitExceeded(_) => "LimitExceededException",
            IdpError::UnsupportedUserState(_) => "UnsupportedUserStateException",
            IdpError::CodeDeliveryFailure(_) => "CodeDeliveryFailureException",
            IdpError::LambdaValidation(_) => "UserLambdaValidationException",
            IdpError::UnexpectedLambda(_) => "UnexpectedLambdaException",
            IdpError::InvalidLambdaResponse(_) => "InvalidLambdaResponseException",
            IdpError::InvalidPoolConfiguration(_) => "InvalidUserPoolConfigurationException",
            IdpError::ConcurrentModification => "ConcurrentModificationException",
            IdpError::GrantRedeemed => "NotAuthorizedException",
            IdpError::CodeMismatch => "CodeMismatchException",
            IdpError::ExpiredCode | IdpError::TotpCodeReused => "ExpiredCodeException",
            IdpError::TooManyFailedAttempts => "TooManyFailedAttemptsException",
            IdpError::UserNotConfirmed => "UserNotConfirmedException",
            IdpError::PasswordResetRequired => "PasswordResetRequiredException",
            IdpError::PasswordHistoryViolation => "PasswordHistoryPolicyViolationException",
            IdpError::RefreshTokenReuse(_) => "RefreshTokenReuseException",
            IdpError::UnsupportedTokenType(_) => "UnsupportedTokenTypeException",
            IdpError::Unsupported(_) => "UnsupportedOperationException",
            IdpError::Unauthorized(_) => "UnauthorizedException",
            IdpError::SoftwareTokenMfaNotFound | IdpError::SoftwareTokenMfaDisabled => {
                "SoftwareTokenMFANotFoundException"
            }
            IdpError::EnableSoftwareTokenMfa(_) => "EnableSoftwareTokenMFAException",
            IdpError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                return ApiError::internal();
            }
        };
        ApiError::new(kind, message)
    }
}

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        let message = e.to_string();
        let kind = match e {
            IdentityError::NotFound(_) | IdentityError::NoSuchEntity(_) => "ResourceNotFoundException",
            IdentityError::InvalidParameter(_)
            | IdentityError::InvalidInput(_)
            | IdentityError::MalformedPolicyDocument(_) => "InvalidParameterException",
            IdentityError::NotAuthorized(_) | IdentityError::InvalidIdentityToken(_) => "NotAuthorizedException",
            IdentityError::Conflict(_) | IdentityError::EntityAlreadyExists(_) | IdentityError::DeleteConflict(_) => {
                "ResourceConflictException"
            }
            IdentityError::LimitExceeded(_) => "LimitExceededException",
            IdentityError::ConcurrentModification(_) => "ConcurrentModificationException",
            IdentityError::InvalidPoolConfiguration(_) => "InvalidIdentityPoolConfigurationException",
            IdentityError::DeveloperUserAlreadyRegistered(_) => "DeveloperUserAlreadyRegisteredException",
            IdentityError::ExternalService(_) => "ExternalServiceException",
            IdentityError::AccessDenied(_) => "AccessDeniedException",
            IdentityError::ExpiredToken | IdentityError::ExpiredWebIdentityToken(_) => "ExpiredTokenException",
            IdentityError::InvalidClientTokenId => "UnrecognizedClientException",
            IdentityError::SignatureDoesNotMatch(_) => "InvalidSignatureException",
            IdentityError::InvalidAction(_) => "UnknownOperationException",
            IdentityError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                return ApiError::internal();
            }
        };
        ApiError::new(kind, message)
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        match e {
            ValidationError::Serialization(m) => ApiError::new("SerializationException", m),
            ValidationError::InvalidParameter(m) => ApiError::new("InvalidParameterException", m),
        }
    }
}

impl From<SigV4Error> for ApiError {
    fn from(e: SigV4Error) -> Self {
        ApiError::new(e.aws_type(), e.message())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "__type": self.kind, "message": self.message }).to_string();
        let mut resp = (self.status, body).into_response();
        let headers = resp.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("application/x-amz-json-1.1"));
        if let Ok(v) = HeaderValue::from_str(&format!("{}:", self.kind)) {
            headers.insert("x-amzn-errortype", v);
        }
        if let Ok(v) = HeaderValue::from_str(&self.message.replace(['\r', '\n'], " ")) {
            headers.insert("x-amzn-errormessage", v);
        }
        resp
    }
}
