//! The challenge pages after the password (new password, MFA codes, factor choice, TOTP
//! setup): the one form handler they all post to, and their rendering, with the TOTP key's
//! QR code drawn here as an SVG image.

use crate::browser::{CSRF_COOKIE, DEVICE_COOKIE, SESSION_COOKIE, cookie, found, login_csp, render_login};
use crate::site::Site;
use crate::{Web, error_page, pages};
use axum::extract::{Form, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cognate_oauth::authorize::AuthorizeError;
use cognate_oauth::challenges::{ChallengeOutcome, ChallengePage, attribute_field};
use cognate_oauth::remembered::DeviceCookieValue;
use cognate_oauth::urls::encode;
use minijinja::context;
use std::collections::HashMap;
use std::sync::Arc;

type Fields = Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>;

pub(crate) async fn answer(
    site: Site,
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    jar: CookieJar,
    form: Fields,
) -> Response {
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    let csrf = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned());
    let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    match web.oauth.answer_challenge(&site.pool_id, &fields, csrf.as_deref(), user_agent).await {
        Ok(ChallengeOutcome::SignedIn { redirect, session_cookie, device_cookie }) => {
            let jar = jar.add(cookie(&site, SESSION_COOKIE, session_cookie));
            let jar = match device_cookie {
                Some(device) => jar.add(device_cookie_of(&site, device)),
                None => jar,
            };
            (jar, found(&redirect)).into_response()
        }
        Ok(ChallengeOutcome::Page(page)) => render(&web, &site, &page).await,
        Ok(ChallengeOutcome::Restart { request, query, message }) => {
            let raw: Vec<String> = query.0.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
            let raw = raw.join("&");
            render_login(&web, &site, jar, Some(&raw), &request, "", Some(&message), StatusCode::OK).await
        }
        Ok(ChallengeOutcome::Forged) => error_page(&web, StatusCode::FORBIDDEN, "error_form_expired", None),
        Err(AuthorizeError::Page(text)) => error_page(&web, StatusCode::BAD_REQUEST, &text, None),
        Err(AuthorizeError::Redirect(uri)) => found(&uri),
    }
}

/// The remembered-device cookie: as the session's (HttpOnly, SameSite=Lax, Secure behind
/// https, the pool's path), but kept for the device's lifetime. Max-Age goes through the cookie
/// crate's own parser, whose `time` types axum-extra does not re-export.
fn device_cookie_of(site: &Site, device: DeviceCookieValue) -> Cookie<'static> {
    let mut c = cookie(site, DEVICE_COOKIE, device.value);
    let max_age = Cookie::parse(format!("m=; Max-Age={}", device.max_age_s)).ok().and_then(|p| p.max_age());
    c.set_max_age(max_age);
    c
}

/// A challenge's page. Its CSP lets the form end at the client's redirect URI, as the sign-in
/// page's does.
pub(crate) async fn render(web: &Web, site: &Site, page: &ChallengePage) -> Response {
    let template = match page.name.as_str() {
        "NEW_PASSWORD_REQUIRED" => "new_password.html",
        "SELECT_MFA_TYPE" => "select_mfa.html",
        "MFA_SETUP" => "mfa_setup.html",
        _ => "mfa_code.html",
    };
    let required: Vec<(String, String)> = page.required.iter().map(|a| (attribute_field(a), label(a))).collect();
    let factors: Vec<(String, &str)> = page.factors.iter().map(|f| (f.clone(), factor_label(f))).collect();
    let ctx = context! {
        base => &site.base, lang => pages::lang(page.lang.as_deref()), action => format!("{}/challenge", site.base),
        challenge => &page.name, state => &page.state, csrf => &page.csrf, message => &page.message,
        destination => &page.destination, factors, required, rules => &page.rules, secret => &page.secret,
        qr => page.otpauth.as_deref().and_then(qr_data_uri), remember_device => page.remember_device,
    };
    let mut res = web.page(site, Some(&page.client_id), StatusCode::OK, template, ctx).await;
    if let Ok(csp) = HeaderValue::from_str(&login_csp(&page.redirect_uri)) {
        res.headers_mut().insert(CONTENT_SECURITY_POLICY, csp);
    }
    res
}

/// The QR code of the key URI as a `data:` SVG image: the CSP allows `data:` images, and an
/// image cannot carry script or style into the page.
fn qr_data_uri(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
    Some(format!("data:image/svg+xml;base64,{}", B64.encode(svg)))
}

/// A required attribute's label: `given_name` reads "Given name" (new_password.html translates it
/// through en.json's `attribute_` keys); custom attributes keep their name.
fn label(attribute: &str) -> String {
    let name = attribute.strip_prefix("custom:").unwrap_or(attribute).replace('_', " ");
    let mut chars = name.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A factor's label, as its en.json key.
fn factor_label(factor: &str) -> &'static str {
    match factor {
        "SOFTWARE_TOKEN_MFA" => "select_mfa_totp",
        "SMS_MFA" => "select_mfa_sms",
        "EMAIL_OTP" => "select_mfa_email",
        _ => "select_mfa_other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_labels_read_as_words() {
        assert_eq!(label("given_name"), "Given name");
        assert_eq!(label("custom:tier"), "Tier");
    }

    #[test]
    fn the_qr_code_is_an_svg_image_without_style_or_script() {
        let uri = qr_data_uri("otpauth://totp/Pool:ada?secret=JBSWY3DPEHPK3PXP&issuer=Pool").unwrap_or_default();
        let svg = uri.strip_prefix("data:image/svg+xml;base64,").and_then(|b| B64.decode(b).ok()).unwrap_or_default();
        let svg = String::from_utf8(svg).unwrap_or_default();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(!svg.contains("style") && !svg.contains("script"), "{svg}");
    }
}
