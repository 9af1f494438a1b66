//! The hosted UI's account pages: `/signup`, `/confirmUser` (the code form, resending the
//! code, and the link of CONFIRM_WITH_LINK emails), `/forgotPassword` and
//! `/confirmForgotPassword`. Every page keeps the authorization request's query, so its
//! "Sign in" link goes back into the same OAuth flow.

use crate::browser::{CSRF_COOKIE, Params, cookie, failed, found, params};
use crate::site::Site;
use crate::{Web, error_page, pages};
use axum::extract::{Form, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use cognate_oauth::authorize::AuthRequest;
use cognate_oauth::recovery::{ForgotOutcome, ResetForm, ResetOutcome, ResetPage};
use cognate_oauth::signup::{ConfirmForm, ConfirmOutcome, ConfirmPage, SignUpForm, SignUpOutcome, SignUpPage};
use minijinja::{Value, context};
use std::collections::HashMap;
use std::sync::Arc;

/// The account pages' templates, registered beside the sign-in page's.
pub(crate) const TEMPLATES: [(&str, &str); 5] = [
    ("signup.html", include_str!("../templates/signup.html")),
    ("confirm.html", include_str!("../templates/confirm.html")),
    ("confirmed.html", include_str!("../templates/confirmed.html")),
    ("forgot.html", include_str!("../templates/forgot.html")),
    ("reset.html", include_str!("../templates/reset.html")),
];

/// The `urlencode` filter: a query value, percent-encoded (the pages build links that carry
/// a typed username).
pub(crate) fn urlencode(value: String) -> String {
    cognate_oauth::urls::encode(&value)
}

type Fields = Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>;

/// The error page's message key (en.json) for a form whose CSRF token is wrong.
const FORGED: &str = "error_form_expired";

/// The authorization request's own query: the raw query without the parameters these pages
/// add (the user's name, a link's code), so links and forms carry the request unchanged.
fn auth_query(raw: Option<&str>) -> String {
    raw.unwrap_or_default()
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && key != "user_name" && key != "confirmation_code"
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Renders an account page with what every one of them carries: the CSRF token (and its
/// cookie), the links to the other pages, and the form's action on `path`.
#[expect(clippy::too_many_arguments, reason = "the page's inputs, each distinct")]
async fn render(
    web: &Web,
    site: &Site,
    jar: CookieJar,
    raw: Option<&str>,
    req: &AuthRequest,
    name: &str,
    path: &str,
    extra: Value,
) -> Response {
    let (csrf_cookie, csrf) = web.oauth.csrf_pair(jar.get(CSRF_COOKIE).map(|c| c.value()));
    let q = auth_query(raw);
    let base = &site.base;
    let ctx = context! {
        base, lang => pages::lang(req.lang.as_deref()), csrf,
        action => format!("{base}{path}?{q}"),
        login => format!("{base}/login?{q}"),
        forgot => format!("{base}/forgotPassword?{q}"),
        ..extra
    };
    let page = web.page(site, Some(&req.client.client_id), StatusCode::OK, name, ctx).await;
    (jar.add(cookie(site, CSRF_COOKIE, csrf_cookie)), page).into_response()
}

fn forged(web: &Web, lang: Option<&str>) -> Response {
    error_page(web, StatusCode::FORBIDDEN, FORGED, lang)
}

fn csrf_of(jar: &CookieJar) -> Option<String> {
    jar.get(CSRF_COOKIE).map(|c| c.value().to_owned())
}

fn fields_of(form: Fields) -> HashMap<String, String> {
    form.map(|Form(f)| f).unwrap_or_default()
}

fn sign_up_context(page: &SignUpPage, message: Option<&str>) -> Value {
    let fields: Vec<Value> = page
        .fields
        .iter()
        .map(|f| context! { name => &f.name, label => &f.label, input => f.input, required => f.required, value => &f.value })
        .collect();
    context! {
        message, fields, policy => &page.policy, username => &page.username,
        username_label => &page.username_label, username_input => page.username_input,
    }
}

fn confirm_context(page: &ConfirmPage) -> Value {
    context! { username => &page.username, destination => &page.destination, message => &page.message }
}

fn reset_context(page: &ResetPage, sent: bool) -> Value {
    context! { username => &page.username, policy => &page.policy, message => &page.message, sent }
}

/// The "done" page: a sentence and, when there is an authorization request, the way back
/// into it. `heading` and `message` are en.json keys, or the domain's own English sentence.
async fn notice(
    web: &Web,
    site: &Site,
    raw: Option<&str>,
    req: Option<&AuthRequest>,
    heading: &str,
    message: &str,
) -> Response {
    let login = req.map(|_| format!("{}/login?{}", site.base, auth_query(raw)));
    let lang = pages::lang(req.and_then(|r| r.lang.as_deref()));
    let ctx = context! { base => &site.base, lang, heading, message, login };
    web.page(site, req.map(|r| r.client.client_id.as_str()), StatusCode::OK, "confirmed.html", ctx).await
}

pub(crate) async fn sign_up_page(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
) -> Response {
    let p = params(query);
    match web.oauth.sign_up_page(&site.pool_id, &p).await {
        Ok(page) => {
            let extra = sign_up_context(&page, None);
            render(&web, &site, jar, raw.as_deref(), &page.request, "signup.html", "/signup", extra).await
        }
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

pub(crate) async fn sign_up(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
    form: Fields,
) -> Response {
    let p = params(query);
    let mut fields = fields_of(form);
    let form = SignUpForm {
        username: fields.remove("username").unwrap_or_default(),
        password: fields.remove("password").unwrap_or_default(),
        csrf: fields.remove("_csrf"),
        fields,
    };
    let raw = raw.as_deref();
    match web.oauth.sign_up(&site.pool_id, &p, &form, csrf_of(&jar).as_deref()).await {
        Ok(SignUpOutcome::Confirm(page)) => {
            render(&web, &site, jar, raw, &page.request, "confirm.html", "/confirmUser", confirm_context(&page)).await
        }
        Ok(SignUpOutcome::SignIn(_)) => found(&format!("{}/login?{}", site.base, auth_query(raw))),
        Ok(SignUpOutcome::Retry { page, message }) => {
            let extra = sign_up_context(&page, Some(&message));
            render(&web, &site, jar, raw, &page.request, "signup.html", "/signup", extra).await
        }
        Ok(SignUpOutcome::Forged) => forged(&web, p.get("lang")),
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

/// `GET /confirmUser`: a confirmation link when it carries a code, else the code form.
pub(crate) async fn confirm_page(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
) -> Response {
    let p = params(query);
    if p.get("confirmation_code").is_some() {
        return confirm_link(&web, &site, &p).await;
    }
    match web.oauth.confirm_page(&site.pool_id, &p).await {
        Ok(page) => {
            let extra = confirm_context(&page);
            render(&web, &site, jar, raw.as_deref(), &page.request, "confirm.html", "/confirmUser", extra).await
        }
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

/// The link is followed from an email, outside any authorization request: it shows a page
/// and never redirects.
async fn confirm_link(web: &Web, site: &Site, p: &cognate_oauth::authorize::AuthorizeParams) -> Response {
    match web.oauth.confirm_link(&site.pool_id, p).await {
        Ok(outcome) => {
            // confirmed.html adds "you can now sign in from your application" to the first.
            let heading = if outcome.confirmed { "confirmed_link_heading" } else { "confirmed_not_confirmed_heading" };
            let message = outcome.message;
            notice(web, site, None, None, heading, &message).await
        }
        Err(e) => failed(web, e, p.get("lang")),
    }
}

pub(crate) async fn confirm(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
    form: Fields,
) -> Response {
    let p = params(query);
    let mut fields = fields_of(form);
    let form = ConfirmForm {
        username: fields.remove("user_name").unwrap_or_default(),
        code: fields.remove("code").unwrap_or_default().trim().to_owned(),
        resend: fields.contains_key("resend"),
        csrf: fields.remove("_csrf"),
    };
    let raw = raw.as_deref();
    match web.oauth.confirm(&site.pool_id, &p, &form, csrf_of(&jar).as_deref()).await {
        Ok(ConfirmOutcome::Confirmed(req)) => {
            notice(&web, &site, raw, Some(&req), "confirmed_account_heading", "confirmed_account_text").await
        }
        Ok(ConfirmOutcome::Page(page)) => {
            render(&web, &site, jar, raw, &page.request, "confirm.html", "/confirmUser", confirm_context(&page)).await
        }
        Ok(ConfirmOutcome::Forged) => forged(&web, p.get("lang")),
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

pub(crate) async fn forgot_page(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
) -> Response {
    let p = params(query);
    match web.oauth.check_authorize(&site.pool_id, &p).await {
        Ok(req) => {
            let extra = context! { username => p.get("user_name").unwrap_or_default() };
            render(&web, &site, jar, raw.as_deref(), &req, "forgot.html", "/forgotPassword", extra).await
        }
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

pub(crate) async fn forgot(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
    form: Fields,
) -> Response {
    let p = params(query);
    let mut fields = fields_of(form);
    let username = fields.remove("username").unwrap_or_default();
    let (csrf, cookie) = (fields.remove("_csrf"), csrf_of(&jar));
    let raw = raw.as_deref();
    match web.oauth.forgot_password(&site.pool_id, &p, &username, csrf.as_deref(), cookie.as_deref()).await {
        Ok(ForgotOutcome::Sent(page)) => {
            let extra = reset_context(&page, true);
            render(&web, &site, jar, raw, &page.request, "reset.html", "/confirmForgotPassword", extra).await
        }
        Ok(ForgotOutcome::Retry { request, username, message }) => {
            let extra = context! { username, message };
            render(&web, &site, jar, raw, &request, "forgot.html", "/forgotPassword", extra).await
        }
        Ok(ForgotOutcome::Forged) => forged(&web, p.get("lang")),
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

pub(crate) async fn reset_page(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
) -> Response {
    let p = params(query);
    match web.oauth.reset_page(&site.pool_id, &p).await {
        Ok(page) => {
            let extra = reset_context(&page, false);
            render(&web, &site, jar, raw.as_deref(), &page.request, "reset.html", "/confirmForgotPassword", extra).await
        }
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

pub(crate) async fn reset(
    site: Site,
    State(web): State<Arc<Web>>,
    jar: CookieJar,
    RawQuery(raw): RawQuery,
    query: Params,
    form: Fields,
) -> Response {
    let p = params(query);
    let mut fields = fields_of(form);
    let form = ResetForm {
        username: fields.remove("username").unwrap_or_default(),
        code: fields.remove("code").unwrap_or_default().trim().to_owned(),
        password: fields.remove("password").unwrap_or_default(),
        csrf: fields.remove("_csrf"),
    };
    let raw = raw.as_deref();
    match web.oauth.reset_password(&site.pool_id, &p, &form, csrf_of(&jar).as_deref()).await {
        Ok(ResetOutcome::Changed(req)) => {
            notice(&web, &site, raw, Some(&req), "confirmed_password_heading", "confirmed_password_text").await
        }
        Ok(ResetOutcome::Retry(page)) => {
            let extra = reset_context(&page, false);
            render(&web, &site, jar, raw, &page.request, "reset.html", "/confirmForgotPassword", extra).await
        }
        Ok(ResetOutcome::Forged) => forged(&web, p.get("lang")),
        Err(e) => failed(&web, e, p.get("lang")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_query_is_kept_unchanged() {
        let raw = "client_id=c&user_name=bob&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&confirmation_code=1&state=s";
        assert_eq!(auth_query(Some(raw)), "client_id=c&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&state=s");
        assert_eq!(auth_query(None), "");
    }
}
