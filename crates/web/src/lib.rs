//! The hosted UI and the OAuth 2.0 / OpenID Connect endpoints over HTTP: `/oauth2/*`, the
//! sign-in pages and `/logout`, served at a domain's root (chosen by the Host header) and under
//! `{public-url}/{userPoolId}/`. Handlers are thin: they read the request, call
//! `cognate-oauth`, and write the page, redirect or OAuth error.
//!
//! **Architecture invariant:** no domain rules here; every decision is `cognate-oauth`'s.

mod branding;
mod browser;
mod challenges;
mod endpoints;
mod locale;
mod pages;
mod signup;
mod site;

use axum::Router;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use cognate_oauth::OAuth;
use minijinja::context;
use std::sync::Arc;

/// What every hosted-UI handler shares.
#[derive(Clone)]
pub struct WebState {
    pub oauth: OAuth,
    /// `--hosted-ui-templates`: the operator's templates and `locales/` bundles.
    pub templates: Option<std::path::PathBuf>,
}

/// The handlers' state: the service and the parsed templates.
pub(crate) struct Web {
    oauth: OAuth,
    pages: pages::Pages,
}

/// Pages load nothing but the one stylesheet; no script, no frames (clickjacking), no
/// `<base>` rewriting, and forms post only to this server.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The hosted-UI and OAuth routes. It has no fallback of its own, so the server can merge it
/// with the API router. Fails when an operator's template or message bundle is broken.
pub fn router(state: WebState) -> Result<Router, String> {
    let web = Arc::new(Web { oauth: state.oauth, pages: pages::Pages::new(state.templates)? });
    let routes = || {
        Router::new()
            .route("/oauth2/authorize", get(browser::authorize))
            .route("/login", get(browser::login_page).post(browser::login))
            .route("/oauth2/idpresponse", get(browser::idp_response).post(browser::idp_response))
            .route("/saml2/idpresponse", get(browser::saml_resume).post(browser::saml_response))
            .route("/saml2/metadata", get(browser::saml_metadata))
            .route("/saml2/logout", get(browser::saml_logout))
            .route("/challenge", post(challenges::answer))
            .route("/logout", get(browser::logout))
            .route("/signup", get(signup::sign_up_page).post(signup::sign_up))
            .route("/confirmUser", get(signup::confirm_page).post(signup::confirm))
            .route("/forgotPassword", get(signup::forgot_page).post(signup::forgot))
            .route("/confirmForgotPassword", get(signup::reset_page).post(signup::reset))
            .route("/confirmforgotPassword", get(signup::reset_page).post(signup::reset))
            .route("/static/cognate.css", get(browser::stylesheet))
            .route("/ui/{client_id}/custom.css", get(branding::custom_css))
            .route("/ui/{client_id}/branding.css", get(branding::branding_css))
            .route("/ui/{client_id}/logo", get(branding::logo))
            .route("/ui/logo/{client_id}", get(branding::logo))
            .route("/ui/{client_id}/asset/{category}", get(branding::asset))
            // CORS on these three only, never on the pages: see `endpoints::cors`.
            .merge(
                Router::new()
                    .route("/oauth2/token", post(endpoints::token))
                    .route("/oauth2/revoke", post(endpoints::revoke))
                    .route("/oauth2/userInfo", get(endpoints::user_info).post(endpoints::user_info))
                    .layer(endpoints::cors()),
            )
    };
    Ok(Router::new()
        .nest("/{pool_id}", routes())
        .merge(routes())
        .layer(axum::middleware::map_response(security_headers))
        .with_state(web))
}

/// Headers on every hosted-UI response. A handler may set a narrower Cache-Control (the
/// stylesheet) or its own CSP (the sign-in page adds its redirect target to form-action).
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    if !h.contains_key(CONTENT_SECURITY_POLICY) {
        h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The error page. It never links anywhere the request named.
pub(crate) fn error_page(web: &Web, status: StatusCode, message: &str, lang: Option<&str>) -> Response {
    let ctx = context! { message, base => "", lang => pages::lang(lang) };
    web.pages.render(status, "error.html", ctx, None)
}
