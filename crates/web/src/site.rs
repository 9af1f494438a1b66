//! Which pool a request is for: the `{pool_id}` path prefix, or at the root the pool whose
//! domain the Host header names. Also where its links and cookies live.

use crate::{Web, error_page};
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use std::sync::Arc;

/// The pool a hosted-UI request is for.
pub(crate) struct Site {
    pub pool_id: String,
    /// The path the pool's pages live under (`/prefix/{poolId}`, or empty at a domain root).
    pub base: String,
    /// The same base as an absolute URL (what providers send the browser back to).
    pub absolute: String,
    /// Cookies get `Secure` when the public URL is https.
    pub secure: bool,
    /// The browser's Accept-Language, for pages whose request names no `lang`.
    pub accept_language: Option<String>,
}

impl Site {
    pub fn cookie_path(&self) -> String {
        if self.base.is_empty() { "/".into() } else { self.base.clone() }
    }
}

/// The path part of the public URL, without a trailing slash.
fn public_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("", |i| rest[i..].trim_end_matches('/'))
}

/// Pool ids are `region_suffix`; anything else never names a pool and must not reach
/// cookie paths or links.
fn plausible_pool(id: &str) -> bool {
    !id.is_empty() && id.len() <= 55 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl FromRequestParts<Arc<Web>> for Site {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Arc<Web>) -> Result<Self, Response> {
        let public = &web.oauth.idp().settings().public_url;
        let accept_language =
            parts.headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|h| h.to_str().ok()).map(String::from);
        let secure = public.starts_with("https://");
        let not_found = || error_page(web, StatusCode::NOT_FOUND, "error_page_not_found", None);
        let params = RawPathParams::from_request_parts(parts, web).await.ok();
        let named = params.and_then(|p| p.iter().find(|(k, _)| *k == "pool_id").map(|(_, v)| v.to_owned()));
        if let Some(pool_id) = named {
            if !plausible_pool(&pool_id) {
                return Err(not_found());
            }
            let absolute = format!("{}/{pool_id}", public.trim_end_matches('/'));
            return Ok(Site {
                base: format!("{}/{pool_id}", public_path(public)),
                absolute,
                pool_id,
                secure,
                accept_language,
            });
        }
        // HTTP/2 (browsers over TLS) names the host in `:authority`, which arrives as the URI's
        // authority with no Host header; HTTP/1.1 sends Host.
        let host = parts
            .headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or_default();
        match web.oauth.pool_for_host(host).await {
            Ok(Some(pool_id)) => {
                let absolute = format!("{}://{host}", if secure { "https" } else { "http" });
                Ok(Site { pool_id, base: String::new(), absolute, secure, accept_language })
            }
            _ => Err(not_found()),
        }
    }
}
