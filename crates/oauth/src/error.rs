//! What the authorization server answers when a request fails, in OAuth 2.0's terms.

use cognate_idp::IdpError;

/// A failed OAuth request. `Page` is for requests whose client or redirect URI cannot be
/// trusted: they get an error page, never a redirect (an open redirector would let anyone
/// bounce users through this server to a phishing site).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    Page(String),
    /// An RFC 6749 error code with its description.
    #[error("{error}: {description}")]
    Protocol { error: &'static str, description: String },
    #[error("internal error: {0}")]
    Internal(String),
}

pub type OAuthResult<T> = Result<T, OAuthError>;

impl OAuthError {
    pub fn protocol(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError::Protocol { error, description: description.into() }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::protocol("invalid_request", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::protocol("invalid_grant", description)
    }

    pub fn invalid_client() -> Self {
        Self::protocol("invalid_client", "Client authentication failed.")
    }

    /// The error code (`server_error` for internal failures, whose detail is only logged).
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::Page(_) => "invalid_request",
            OAuthError::Protocol { error, .. } => error,
            OAuthError::Internal(_) => "server_error",
        }
    }

    pub fn description(&self) -> String {
        match self {
            OAuthError::Page(text) => text.clone(),
            OAuthError::Protocol { description, .. } => description.clone(),
            OAuthError::Internal(_) => "An internal error occurred.".into(),
        }
    }
}

/// The domain's failures that no OAuth rule expects are internal; the rest are mapped where
/// they happen, because the same fact means different things at different endpoints.
pub(crate) fn internal(e: impl std::fmt::Display) -> OAuthError {
    tracing::error!(error = %e, "oauth internal error");
    OAuthError::Internal(e.to_string())
}

pub(crate) fn store(e: cognate_store::StoreError) -> OAuthError {
    internal(e)
}

/// An unknown client, from any lookup.
pub(crate) fn client_lookup(e: IdpError) -> OAuthError {
    match e {
        IdpError::ResourceNotFound(_) | IdpError::ClientNotFound(_) => OAuthError::invalid_client(),
        other => internal(other),
    }
}
