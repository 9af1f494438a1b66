//! The one door to identity providers: an HTTP exchange described as data, so this crate
//! speaks no HTTP itself. `cognate-delivery` implements it (timeouts, response size limit,
//! no redirects followed).

use async_trait::async_trait;

/// A request to a provider: GET with a query already in `url`, or POST of `form`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamRequest {
    pub post: bool,
    pub url: String,
    pub form: Vec<(String, String)>,
    /// `Authorization: Bearer …` (userInfo).
    pub bearer: Option<String>,
}

impl UpstreamRequest {
    pub fn get(url: impl Into<String>) -> Self {
        UpstreamRequest { post: false, url: url.into(), form: Vec::new(), bearer: None }
    }
}

/// A provider's answer: status and body (already bounded by the implementation).
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct UpstreamError(pub String);

#[async_trait]
pub trait Upstream: Send + Sync {
    async fn send(&self, request: UpstreamRequest) -> Result<UpstreamResponse, UpstreamError>;
}

/// No provider is reachable (tests of everything but sign-in).
pub struct NoUpstream;

#[async_trait]
impl Upstream for NoUpstream {
    async fn send(&self, request: UpstreamRequest) -> Result<UpstreamResponse, UpstreamError> {
        Err(UpstreamError(format!("no route to {}", request.url)))
    }
}
