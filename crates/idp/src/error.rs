//! What can go wrong in the user-pool domain, as facts. The API layer maps each variant to
//! Cognito's exception name in one exhaustive match.

use cognate_store::StoreError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IdpError {
    #[error("User pool {0} does not exist.")]
    PoolNotFound(String),
    #[error("User pool client {0} does not exist.")]
    ClientNotFound(String),
    #[error("Group not found.")]
    GroupNotFound,
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("User does not exist.")]
    UserNotFound,
    #[error("{0}")]
    InvalidParameter(String),
    #[error("Password did not conform with policy: {0}")]
    InvalidPassword(String),
    #[error("{0}")]
    UsernameExists(String),
    #[error("{0}")]
    AliasExists(String),
    #[error("A group with the name {0} already exists.")]
    GroupExists(String),
    #[error("{0}")]
    NotAuthorized(String),
    #[error("{0}")]
    InvalidOAuthFlow(String),
    #[error("{0}")]
    ScopeDoesNotExist(String),
    /// The pool's configuration leaves the operation off (user sessions without session
    /// tracking).
    #[error("{0}")]
    OperationNotEnabled(String),
    /// The app client already has a managed-login branding style.
    #[error("{0}")]
    ManagedLoginBrandingExists(String),
    /// An identity provider of that name, or one claiming that identifier, exists.
    #[error("{0}")]
    DuplicateProvider(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    UnsupportedUserState(String),
    #[error("{0}")]
    CodeDeliveryFailure(String),
    #[error("Invalid verification code provided, please try again.")]
    CodeMismatch,
    #[error("Invalid code provided, please request a code again.")]
    ExpiredCode,
    /// A TOTP code at or before the last step already accepted for the user.
    #[error("Your software token has already been used once.")]
    TotpCodeReused,
    #[error("Too many failed attempts.")]
    TooManyFailedAttempts,
    #[error("User is not confirmed.")]
    UserNotConfirmed,
    #[error("Password reset required for the user")]
    PasswordResetRequired,
    #[error("The password was used recently and cannot be reused.")]
    PasswordHistoryViolation,
    #[error("{0}")]
    RefreshTokenReuse(String),
    #[error("{0}")]
    UnsupportedTokenType(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("User has not set up software token mfa")]
    SoftwareTokenMfaNotFound,
    /// The pool does not offer TOTP, so no software token can be associated.
    #[error("Software Token MFA has not been enabled by the userPool.")]
    SoftwareTokenMfaDisabled,
    #[error("{0}")]
    EnableSoftwareTokenMfa(String),
    /// A trigger function raised an error; the message is Cognito's "<Trigger> failed with
    /// error <message>.".
    #[error("{0}")]
    LambdaValidation(String),
    /// A trigger could not be invoked (unreachable, timed out, refused).
    #[error("{0}")]
    UnexpectedLambda(String),
    /// A trigger answered something that is not a Cognito event.
    #[error("{0}")]
    InvalidLambdaResponse(String),
    /// The pool lacks what the request needs (e.g. custom-auth triggers).
    #[error("{0}")]
    InvalidPoolConfiguration(String),
    #[error("The resource was modified concurrently; retry the request.")]
    ConcurrentModification,
    /// The authorization code a grant redeems was redeemed already (by a replay racing this
    /// one); nothing was stored. Only the authorization server meets it.
    #[error("The authorization code was redeemed already.")]
    GrantRedeemed,
    /// A failure that is not the caller's fault; the detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for IdpError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Stale => IdpError::ConcurrentModification,
            other => IdpError::Internal(other.to_string()),
        }
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> IdpError {
    IdpError::Internal(e.to_string())
}

/// What every failed first factor answers, so no failure tells one cause from another.
pub(crate) fn incorrect_credentials() -> IdpError {
    IdpError::NotAuthorized("Incorrect username or password.".into())
}

pub(crate) fn invalid(msg: impl Into<String>) -> IdpError {
    IdpError::InvalidParameter(msg.into())
}
