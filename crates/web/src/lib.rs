//! The hosted UI and the OAuth 2.0 / OpenID Connect endpoints over HTTP: `/oauth2/*`, the
//! sign-in pages and `/logout`, served at a domain's root (chosen by the Host header) and under
//! `{public-url}/{userPoolId}/`. Handlers are thin: they read the request, call
//! `cognate-oauth`, and write the page, redirect or OAuth error.
//!
//! **Architecture invariant:** no domain rules here; every decision is `cognate-oauth`'s.

use axum::Router;
use cognate_oauth::OAuth;
use std::sync::Arc;

/// What every hosted-UI handler shares.
#[derive(Clone)]
pub struct WebState {
    pub oauth: OAuth,
}

/// The hosted-UI and OAuth routes. It has no fallback of its own, so the server can merge it
/// with the API router.
pub fn router(state: WebState) -> Router {
    Router::new().with_state(Arc::new(state))
}
