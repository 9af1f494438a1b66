//! The browser's side: `/oauth2/authorize`, the sign-in page and its form, `/logout`, and
//! the stylesheet.

use crate::site::Site;
use crate::{Web, error_page, pages};
use axum::extract::{Form, Query, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use cognate_oauth::authorize::{AuthRequest, AuthorizeError, AuthorizeOutcome, AuthorizeParams};
use cognate_oauth::federated::FederatedOutcome;
use cognate_oauth::login::{LoginForm, LoginOutcome};
use cognate_oauth::userinfo::LogoutOutcome;
use minijinja::context;
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) const SESSION_COOKIE: &str = "cognate_session";
pub(crate) const CSRF_COOKIE: &str = "cognate_csrf";
/// A remembered browser's device (`cognate_oauth::remembered`).
pub(crate) const DEVICE_COOKIE: &str = "cognate_device";
/// Binds a provider's answer to the browser that went to the provider (`cognate_federation`).
pub(crate) const FEDERATION_COOKIE: &str = "cognate_federation";

pub(crate) type Params = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

pub(crate) fn params(query: Params) -> AuthorizeParams {
    AuthorizeParams(query.map(|Query(q)| q).unwrap_or_default())
}

/// A 302 (OAuth clients expect Found, not See Other).
pub(crate) fn found(location: &str) -> Response {
    redirect(StatusCode::FOUND, location)
}

fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (status, [(LOCATION, value)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "the redirect target is not a valid URL").into_response(),
    }
}

pub(crate) fn failed(web: &Web, e: AuthorizeError, lang: Option<&str>) -> Response {
    match e {
        AuthorizeError::Page(text) => error_page(web, StatusCode::BAD_REQUEST, &text, lang),
        AuthorizeError::Redirect(uri) => found(&uri),
    }
}

/// HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site posts), scoped to
/// the pool's pages, Secure behind https.
pub(crate) fn cookie(site: &Site, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(site.cookie_path())
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(site.secure)
        .build()
}

pub(crate) async fn authorize(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
) -> Response {
    let p = params(query);
    match web.oauth.federate(&site.pool_id, &p, &site.absolute).await {
        Ok(Some(begin)) => {
            // Sign in with Apple answers with a cross-site POST, which a SameSite=Lax cookie
            // would miss; behind https the binding cookie is SameSite=None instead.
            let mut binding = cookie(&site, FEDERATION_COOKIE, begin.binding);
            if site.secure {
                binding.set_same_site(SameSite::None);
            }
            return (jar.add(binding), found(&begin.redirect)).into_response();
        }
        Ok(None) => {}
        Err(e) => return failed(&web, e, p.get("lang")),
    }
    let session = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    match web.oauth.authorize(&site.pool_id, &p, session.as_deref()).await {
        Ok(AuthorizeOutcome::Login(_)) => found(&format!("{}/login?{}", site.base, raw.unwrap_or_default())),
        Ok(AuthorizeOutcome::Redirect(uri)) => found(&uri),
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

pub(crate) async fn login_page(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
) -> Response {
    let p = params(query);
    match web.oauth.check_authorize(&site.pool_id, &p).await {
        Ok(req) => {
            let hint = req.login_hint.clone().unwrap_or_default();
            render_login(&web, &site, jar, raw.as_deref(), &req, &hint, None, StatusCode::OK).await
        }
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

pub(crate) async fn login(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let p = params(query);
    let mut fields = form.map(|Form(f)| f).unwrap_or_default();
    let form = LoginForm {
        username: fields.remove("username").unwrap_or_default(),
        password: fields.remove("password").unwrap_or_default(),
        csrf: fields.remove("_csrf"),
        device: jar.get(DEVICE_COOKIE).map(|c| c.value().to_owned()),
    };
    let csrf = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned());
    match web.oauth.login(&site.pool_id, &p, &form, csrf.as_deref()).await {
        Ok(LoginOutcome::SignedIn { redirect, session_cookie }) => {
            (jar.add(cookie(&site, SESSION_COOKIE, session_cookie)), found(&redirect)).into_response()
        }
        Ok(LoginOutcome::Retry { request, message }) => {
            let (name, msg) = (form.username.as_str(), Some(message.as_str()));
            render_login(&web, &site, jar, raw.as_deref(), &request, name, msg, StatusCode::OK).await
        }
        Ok(LoginOutcome::Challenge(page)) => crate::challenges::render(&web, &site, &page).await,
        Ok(LoginOutcome::Unavailable { request, step }) => {
            let ctx = context! { step, base => &site.base, lang => pages::lang(request.lang.as_deref()) };
            web.page(&site, Some(&request.client.client_id), StatusCode::OK, "unavailable.html", ctx).await
        }
        Ok(LoginOutcome::Forged) => {
            error_page(&web, StatusCode::FORBIDDEN, "error_sign_in_form_expired", p.get("lang"))
        }
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

#[expect(clippy::too_many_arguments, reason = "the page's inputs, each distinct")]
pub(crate) async fn render_login(
    web: &Web,
    site: &Site,
    jar: CookieJar,
    raw: Option<&str>,
    req: &AuthRequest,
    username: &str,
    message: Option<&str>,
    status: StatusCode,
) -> Response {
    let (csrf_cookie, csrf) = web.oauth.csrf_pair(jar.get(CSRF_COOKIE).map(|c| c.value()));
    let action = format!("{}/login?{}", site.base, raw.unwrap_or_default());
    let supported = &req.client.identity_providers;
    let (buttons, routed) = web.oauth.federation().buttons(&site.pool_id, supported).await;
    let identifiers = !routed.is_empty();
    let providers: Vec<(String, String)> = buttons.into_iter().map(|b| (b.name, b.provider_type)).collect();
    let password = supported.is_empty() || supported.iter().any(|s| s == "COGNITO");
    // The authorization request again, as the fields of the form that routes by email domain.
    let hidden: Vec<(String, String)> = format!("/?{}", raw.unwrap_or_default())
        .parse::<axum::http::Uri>()
        .ok()
        .and_then(|uri| Query::<Vec<(String, String)>>::try_from_uri(&uri).ok())
        .map(|Query(pairs)| pairs)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k != "identity_provider" && k != "idp_identifier")
        .collect();
    let ctx = context! {
        base => &site.base, lang => pages::lang(req.lang.as_deref()), action, csrf, username, message,
        providers, identifiers, password, hidden,
    };
    let mut page = web.page(site, Some(&req.client.client_id), status, "login.html", ctx).await;
    if let Ok(csp) = HeaderValue::from_str(&login_csp_with(&req.redirect_uri, &routed)) {
        page.headers_mut().insert(CONTENT_SECURITY_POLICY, csp);
    }
    (jar.add(cookie(site, CSRF_COOKIE, csrf_cookie)), page).into_response()
}

/// The sign-in page's CSP also allows the form to end at the client's (already validated)
/// redirect URI: browsers apply form-action to the redirects that follow a submission, and
/// would otherwise block the code on its way to the client.
pub(crate) fn login_csp(redirect_uri: &str) -> String {
    login_csp_with(redirect_uri, &[])
}

/// The same, when the page's corporate-ID form may end at identity providers' authorization
/// endpoints (`providers`: their URLs, as the administrator configured them).
fn login_csp_with(redirect_uri: &str, providers: &[String]) -> String {
    let origin_of = |url: &str| match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split(['/', '?', '#']).next().unwrap_or_default()),
        None => format!("{}:", url.split(':').next().unwrap_or_default()),
    };
    let mut targets = String::new();
    for origin in std::iter::once(origin_of(redirect_uri)).chain(providers.iter().map(|u| origin_of(u))) {
        let safe = origin.bytes().all(|b| b.is_ascii_alphanumeric() || b".-+:/[]_".contains(&b));
        if safe && !targets.split(' ').any(|t| t == origin) {
            targets.push(' ');
            targets.push_str(&origin);
        }
    }
    crate::CSP.replace("form-action 'self'", &format!("form-action 'self'{targets}"))
}

pub(crate) async fn logout(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
) -> Response {
    let p = params(query);
    let session = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    let login = format!("{}/login?{}", site.base, raw.unwrap_or_default());
    let to = match web.oauth.logout(&site.pool_id, &p, session.as_deref(), &login).await {
        Ok(LogoutOutcome::Redirect(uri) | LogoutOutcome::Federated(uri)) => found(&uri),
        Ok(LogoutOutcome::Login) => found(&login),
        Err(e) => return failed(&web, e, p.get("lang")),
    };
    (jar.remove(Cookie::build(SESSION_COOKIE).path(site.cookie_path())), to).into_response()
}

pub(crate) async fn stylesheet() -> Response {
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
        (CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
    ];
    (headers, pages::STYLESHEET).into_response()
}

/// `/oauth2/idpresponse`: an OpenID Connect or OAuth 2.0 provider's answer, as a query (GET)
/// or a form (POST, Sign in with Apple's `form_post`).
pub(crate) async fn idp_response(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    query: Params,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    // On GET the form extractor reads the query itself; on POST it reads the body.
    let mut fields = query.map(|Query(q)| q).unwrap_or_default();
    if let Ok(Form(posted)) = form {
        fields.extend(posted);
    }
    let binding = jar.get(FEDERATION_COOKIE).map(|c| c.value().to_owned());
    let outcome = web.oauth.idp_response(&site.pool_id, &fields, binding.as_deref()).await;
    federated_answer(&site, &web, jar, outcome)
}

/// The answer to a provider's response: the binding cookie spent, and the session cookie and
/// the client's redirect, or the error.
fn federated_answer(
    site: &Site,
    web: &Web,
    jar: CookieJar,
    outcome: Result<FederatedOutcome, AuthorizeError>,
) -> Response {
    let jar = jar.remove(Cookie::build(FEDERATION_COOKIE).path(site.cookie_path()));
    match outcome {
        Ok(FederatedOutcome::SignedIn { redirect, session_cookie }) => {
            (jar.add(cookie(site, SESSION_COOKIE, session_cookie)), found(&redirect)).into_response()
        }
        Ok(FederatedOutcome::Redirect(uri)) => (jar, found(&uri)).into_response(),
        Err(e) => (jar, failed(web, e, None)).into_response(),
    }
}

/// `/saml2/idpresponse`: a SAML identity provider's response (HTTP-POST binding).
pub(crate) async fn saml_response(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    let binding = jar.get(FEDERATION_COOKIE).map(|c| c.value().to_owned());
    let relay = fields.get("RelayState").map(String::as_str).unwrap_or_default();
    if binding.is_none() && cognate_oauth::federated::is_token(relay) {
        // The IdP's POST is cross-site: over plain http the SameSite=Lax cookie stays behind.
        // A same-site GET brings it.
        return match web.oauth.federation().park_saml(&site.pool_id, &fields).await {
            Ok(id) => see_other(&format!("{}/saml2/idpresponse?resume={id}", site.base)),
            Err(e) => error_page(&web, StatusCode::BAD_REQUEST, &e.0, None),
        };
    }
    saml_finish(&site, &web, jar, fields, binding).await
}

/// `/saml2/idpresponse?resume=…`: a parked response, now with the browser's cookies.
pub(crate) async fn saml_resume(site: Site, State(web): State<Arc<Web>>, jar: CookieJar, query: Params) -> Response {
    let id = query.map(|Query(q)| q).unwrap_or_default().remove("resume").unwrap_or_default();
    let binding = jar.get(FEDERATION_COOKIE).map(|c| c.value().to_owned());
    match web.oauth.federation().resume_saml(&site.pool_id, &id).await {
        Ok(fields) => saml_finish(&site, &web, jar, fields, binding).await,
        Err(e) => error_page(&web, StatusCode::BAD_REQUEST, &e.0, None),
    }
}

async fn saml_finish(
    site: &Site,
    web: &Web,
    jar: CookieJar,
    fields: HashMap<String, String>,
    binding: Option<String>,
) -> Response {
    let outcome = web.oauth.saml_response(&site.pool_id, &fields, binding.as_deref(), &site.absolute).await;
    federated_answer(site, web, jar, outcome)
}

/// A 303: the browser follows with a GET.
fn see_other(location: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, location)
}

/// `/saml2/metadata`: the pool's SAML service-provider metadata.
pub(crate) async fn saml_metadata(site: Site, State(web): State<Arc<Web>>) -> Response {
    match web.oauth.federation().sp_metadata(&site.pool_id, &site.absolute).await {
        Ok(xml) => ([(CONTENT_TYPE, "application/samlmetadata+xml")], xml).into_response(),
        Err(e) => error_page(&web, StatusCode::NOT_FOUND, &e.0, None),
    }
}

/// `/saml2/logout`: a SAML identity provider's LogoutResponse (HTTP-Redirect binding).
pub(crate) async fn saml_logout(site: Site, State(web): State<Arc<Web>>, RawQuery(raw): RawQuery) -> Response {
    match web.oauth.saml_logout_response(&site.pool_id, raw.as_deref().unwrap_or_default(), &site.absolute).await {
        Ok(next) => found(&next),
        Err(e) => failed(&web, e, None),
    }
}
