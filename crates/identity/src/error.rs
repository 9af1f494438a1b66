//! What went wrong, as facts; `cognate-api` names each one as Cognito, STS or IAM does.

use cognate_idp::IdpError;
use cognate_store::StoreError;

pub type IdentityResult<T> = Result<T, IdentityError>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IdentityError {
    /// ResourceNotFoundException.
    #[error("{0}")]
    NotFound(String),
    /// InvalidParameterException (cognito-identity), ValidationError (STS, IAM).
    #[error("{0}")]
    InvalidParameter(String),
    /// NotAuthorizedException.
    #[error("{0}")]
    NotAuthorized(String),
    /// ResourceConflictException.
    #[error("{0}")]
    Conflict(String),
    /// ConcurrentModificationException.
    #[error("{0}")]
    ConcurrentModification(String),
    /// LimitExceededException.
    #[error("{0}")]
    LimitExceeded(String),
    /// InvalidIdentityPoolConfigurationException.
    #[error("{0}")]
    InvalidPoolConfiguration(String),
    /// DeveloperUserAlreadyRegisteredException.
    #[error("{0}")]
    DeveloperUserAlreadyRegistered(String),
    /// ExternalServiceException: the external STS failed or refused.
    #[error("{0}")]
    ExternalService(String),
    /// AccessDenied (STS, IAM).
    #[error("{0}")]
    AccessDenied(String),
    /// InvalidIdentityToken (STS AssumeRoleWithWebIdentity).
    #[error("{0}")]
    InvalidIdentityToken(String),
    /// ExpiredTokenException (STS): the web identity token has expired.
    #[error("{0}")]
    ExpiredWebIdentityToken(String),
    /// ExpiredToken: temporary credentials past their expiry.
    #[error("The security token included in the request is expired")]
    ExpiredToken,
    /// InvalidClientTokenId: an unknown access key or a session token that does not open.
    #[error("The security token included in the request is invalid.")]
    InvalidClientTokenId,
    /// SignatureDoesNotMatch: a request signed with temporary credentials does not verify.
    #[error("{0}")]
    SignatureDoesNotMatch(String),
    /// InvalidInput (IAM).
    #[error("{0}")]
    InvalidInput(String),
    /// NoSuchEntity (IAM).
    #[error("{0}")]
    NoSuchEntity(String),
    /// EntityAlreadyExists (IAM).
    #[error("{0}")]
    EntityAlreadyExists(String),
    /// MalformedPolicyDocument (IAM, STS).
    #[error("{0}")]
    MalformedPolicyDocument(String),
    /// DeleteConflict (IAM).
    #[error("{0}")]
    DeleteConflict(String),
    /// InvalidAction (STS, IAM): an action Cognate does not implement.
    #[error("{0}")]
    InvalidAction(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for IdentityError {
    fn from(e: StoreError) -> Self {
        IdentityError::Internal(e.to_string())
    }
}

impl From<IdpError> for IdentityError {
    fn from(e: IdpError) -> Self {
        match e {
            IdpError::Internal(m) => IdentityError::Internal(m),
            other => IdentityError::NotAuthorized(other.to_string()),
        }
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> IdentityError {
    IdentityError::Internal(e.to_string())
}
