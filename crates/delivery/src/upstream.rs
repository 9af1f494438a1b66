//! Calls to identity providers for `cognate-federation` (discovery, JWKS, token, userInfo):
//! ten seconds each, no redirects followed, at most 1 MiB read from any answer, and only
//! `https` URLs or plain `http` to this machine (the federation crate checks the same rule
//! when a provider is configured; this is the last line).

use async_trait::async_trait;
use cognate_federation::{Upstream, UpstreamError, UpstreamRequest, UpstreamResponse};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BODY: usize = 1 << 20;

pub struct HttpUpstream {
    client: reqwest::Client,
}

impl HttpUpstream {
    pub fn new() -> anyhow::Result<HttpUpstream> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .user_agent("Cognate")
            .build()?;
        Ok(HttpUpstream { client })
    }
}

fn allowed(url: &url::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        },
        _ => false,
    }
}

/// `application/x-www-form-urlencoded`, every byte but unreserved ones escaped.
fn form_body(form: &[(String, String)]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    form.iter()
        .map(|(k, v)| {
            format!("{}={}", utf8_percent_encode(k, NON_ALPHANUMERIC), utf8_percent_encode(v, NON_ALPHANUMERIC))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[async_trait]
impl Upstream for HttpUpstream {
    async fn send(&self, request: UpstreamRequest) -> Result<UpstreamResponse, UpstreamError> {
        let url = url::Url::parse(&request.url).map_err(|_| UpstreamError("the URL is malformed".into()))?;
        if !allowed(&url) {
            return Err(UpstreamError("the URL must be https".into()));
        }
        let origin = url.origin().ascii_serialization();
        let mut builder = if request.post {
            self.client
                .post(url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form_body(&request.form))
        } else {
            self.client.get(url)
        };
        builder = builder.header("Accept", "application/json");
        if let Some(token) = &request.bearer {
            builder = builder.bearer_auth(token);
        }
        let mut response = builder.send().await.map_err(|e| {
            tracing::warn!(origin = %origin, error = %e, "identity provider unreachable");
            UpstreamError(format!("{origin} is unreachable"))
        })?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|_| UpstreamError(format!("{origin} broke off")))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(UpstreamError(format!("{origin} answered more than 1 MiB")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(UpstreamResponse { status, body })
    }
}
