//! A client's branding on the hosted pages: the classic UI customization (its CSS and logo)
//! and the managed-login style (a few settings turned into CSS custom properties, and its
//! image assets), each served from its own route so the pages keep `style-src 'self'` and
//! carry no inline style.

use crate::Web;
use crate::site::Site;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cognate_oauth::Branding;
use minijinja::{Value, context};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// App client ids are letters and digits; anything else never names a client and must not
/// reach a link or a stylesheet (CSS injection through a crafted `client_id`).
fn plausible_client(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Paths that may appear inside a CSS `url("…")`: no quote, backslash or parenthesis can end it.
fn css_safe_path(path: &str) -> bool {
    path.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_.".contains(&b))
}

/// What base.html needs to brand a page: the client whose stylesheets it links, and the
/// logo and favicon when the client (or its pool) has them. Failing look-ups only leave
/// the page unbranded.
async fn look(web: &Web, site: &Site, client_id: Option<&str>) -> Value {
    let Some(client) = client_id.filter(|c| plausible_client(c)) else { return Value::UNDEFINED };
    let at = format!("{}/ui/{client}", site.base);
    let managed = web.oauth.branding_for_client(&site.pool_id, client).await.ok().flatten();
    let asset = |category: &str| managed.as_ref().and_then(|b| pick_asset(b, category)).map(|_| ());
    let logo = if asset("FORM_LOGO").is_some() {
        Some(format!("{at}/asset/FORM_LOGO"))
    } else {
        let classic = web.oauth.ui_logo(&site.pool_id, client).await.ok().flatten();
        classic.map(|_| format!("{at}/logo"))
    };
    let favicon = ["FAVICON_SVG", "FAVICON_ICO"].into_iter().find(|c| asset(c).is_some());
    let favicon = favicon.map(|c| format!("{at}/asset/{c}"));
    context! { client, at, logo, favicon }
}

impl Web {
    /// Renders a page of `client_id`'s authorization request with its branding.
    pub(crate) async fn page(
        &self,
        site: &Site,
        client_id: Option<&str>,
        status: StatusCode,
        name: &str,
        ctx: Value,
    ) -> Response {
        let ui = look(self, site, client_id).await;
        self.pages.render(status, name, context! { ui, ..ctx }, site.accept_language.as_deref())
    }
}

fn client_of(params: &HashMap<String, String>) -> Option<&str> {
    params.get("client_id").map(String::as_str).filter(|c| plausible_client(c))
}

fn css(body: String) -> Response {
    ([(CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"))], body).into_response()
}

/// The image at `bytes`, with its stored type; nosniff (set on every response) keeps a
/// browser from reading it as anything else (content sniffing).
fn image(kind: &str, bytes: Vec<u8>) -> Response {
    let Ok(kind) = HeaderValue::from_str(kind) else { return StatusCode::NOT_FOUND.into_response() };
    let headers = [(CONTENT_TYPE, kind), (CACHE_CONTROL, HeaderValue::from_static("no-cache"))];
    (headers, bytes).into_response()
}

/// `GET {base}/ui/{client_id}/custom.css`: the classic customization's CSS (the client's,
/// else the pool's), already limited to Cognito's classes when it was stored; an empty
/// stylesheet when there is none.
pub(crate) async fn custom_css(
    site: Site,
    State(web): State<Arc<Web>>,
    Path(params): Path<HashMap<String, String>>,
) -> Response {
    let Some(client) = client_of(&params) else { return css(String::new()) };
    css(web.oauth.ui_css(&site.pool_id, Some(client)).await.ok().flatten().unwrap_or_default())
}

/// `GET {base}/ui/{client_id}/logo` (also `{base}/ui/logo/{client_id}`, the ImageUrl
/// GetUICustomization reports): the classic customization's logo.
pub(crate) async fn logo(
    site: Site,
    State(web): State<Arc<Web>>,
    Path(params): Path<HashMap<String, String>>,
) -> Response {
    let client = params.get("client_id").map(String::as_str).unwrap_or_default();
    if client != "ALL" && !plausible_client(client) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match web.oauth.ui_logo(&site.pool_id, client).await {
        Ok(Some((kind, bytes))) => image(&kind, bytes),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET {base}/ui/{client_id}/branding.css`: the managed-login style as CSS custom
/// properties that cognate.css reads with fallbacks.
pub(crate) async fn branding_css(
    site: Site,
    State(web): State<Arc<Web>>,
    Path(params): Path<HashMap<String, String>>,
) -> Response {
    let Some(client) = client_of(&params) else { return css(String::new()) };
    match web.oauth.branding_for_client(&site.pool_id, client).await {
        Ok(Some(b)) => css(properties(&b, &format!("{}/ui/{client}", site.base))),
        _ => css(String::new()),
    }
}

/// `GET {base}/ui/{client_id}/asset/{category}`: a managed-login asset (light mode, or the
/// one that serves both modes).
pub(crate) async fn asset(
    site: Site,
    State(web): State<Arc<Web>>,
    Path(params): Path<HashMap<String, String>>,
) -> Response {
    let Some(client) = client_of(&params) else { return StatusCode::NOT_FOUND.into_response() };
    let category = params.get("category").map(String::as_str).unwrap_or_default();
    let Ok(Some(b)) = web.oauth.branding_for_client(&site.pool_id, client).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match pick_asset(&b, category) {
        Some((kind, bytes)) => image(kind, bytes),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The asset of `category` the light pages show, decoded, with the content type its
/// extension names. An SVG is served as an image under the default CSP (no script), so
/// opening it directly cannot run script in this origin.
fn pick_asset(b: &Branding, category: &str) -> Option<(&'static str, Vec<u8>)> {
    let of = |mode: &str| {
        b.assets.iter().find(|a| a.category.as_deref() == Some(category) && a.color_mode.as_deref() == Some(mode))
    };
    let a = of("LIGHT").or_else(|| of("DYNAMIC"))?;
    let kind = match a.extension.as_deref()?.to_ascii_uppercase().as_str() {
        "PNG" => "image/png",
        "JPEG" | "JPG" => "image/jpeg",
        "ICO" => "image/x-icon",
        "SVG" => "image/svg+xml",
        "WEBP" => "image/webp",
        _ => return None,
    };
    Some((kind, B64.decode(a.bytes.as_deref()?).ok()?))
}

/// A colour of the settings document (`RRGGBB` or `RRGGBBAA`, with or without `#`) as CSS,
/// or nothing: only hex digits are ever copied into the stylesheet, so a hostile value
/// cannot close the declaration and add rules (CSS injection).
fn colour(v: Option<&Json>) -> Option<String> {
    let s = v?.as_str()?;
    let hex = s.strip_prefix('#').unwrap_or(s);
    let ok = (hex.len() == 6 || hex.len() == 8) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| format!("#{hex}"))
}

/// A length in pixels from a number of the settings document, bounded.
fn pixels(v: Option<&Json>) -> Option<String> {
    let n = v?.as_f64()?;
    (0.0..=100.0).contains(&n).then(|| format!("{n}px"))
}

/// The managed-login settings the pages apply, each read from a fixed path and checked
/// before it reaches CSS:
/// - `components.primaryButton.lightMode.defaults.backgroundColor` / `.textColor` → the
///   submit buttons;
/// - `components.pageBackground.lightMode.color` → the page background;
/// - `componentClasses.buttons.borderRadius` and `componentClasses.input.borderRadius` →
///   the corners of buttons and inputs;
/// - the `PAGE_BACKGROUND` asset, when there is one → the page's background image.
///
/// Everything else in the document is ignored.
fn properties(b: &Branding, at: &str) -> String {
    let s = &b.settings;
    let button = s.pointer("/components/primaryButton/lightMode/defaults");
    let props = [
        ("--cognate-button-bg", colour(button.and_then(|d| d.get("backgroundColor")))),
        ("--cognate-button-fg", colour(button.and_then(|d| d.get("textColor")))),
        ("--cognate-page-bg", colour(s.pointer("/components/pageBackground/lightMode/color"))),
        ("--cognate-button-radius", pixels(s.pointer("/componentClasses/buttons/borderRadius"))),
        ("--cognate-input-radius", pixels(s.pointer("/componentClasses/input/borderRadius"))),
    ];
    let mut out = String::from("/* Managed login branding */\n:root {\n");
    for (name, value) in props {
        if let Some(value) = value {
            let _ = writeln!(out, "  {name}: {value};");
        }
    }
    if pick_asset(b, "PAGE_BACKGROUND").is_some() && css_safe_path(at) {
        let _ = writeln!(out, "  --cognate-page-image: url(\"{at}/asset/PAGE_BACKGROUND\");");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn branding(settings: Json) -> Branding {
        Branding { id: "b".into(), settings, assets: vec![] }
    }

    #[test]
    fn colours_are_copied_only_as_hex() {
        assert_eq!(colour(Some(&json!("0972d3ff"))).as_deref(), Some("#0972d3ff"));
        assert_eq!(colour(Some(&json!("#ff0000"))).as_deref(), Some("#ff0000"));
        assert_eq!(colour(Some(&json!("red;} body{background:url(//evil)}"))), None);
        assert_eq!(colour(Some(&json!("#ff00"))), None);
        assert_eq!(colour(Some(&json!(12))), None);
    }

    #[test]
    fn only_the_listed_settings_reach_the_stylesheet() {
        let b = branding(json!({
            "components": {
                "primaryButton": { "lightMode": { "defaults": { "backgroundColor": "ff0000ff", "textColor": "x;}" } } },
                "pageBackground": { "lightMode": { "color": "red;} body{background:url(//evil)}" } }
            },
            "componentClasses": { "buttons": { "borderRadius": 4.0 } }
        }));
        let out = properties(&b, "/p/ui/c");
        assert!(out.contains("--cognate-button-bg: #ff0000ff;"), "{out}");
        assert!(out.contains("--cognate-button-radius: 4px;"), "{out}");
        assert!(!out.contains("evil") && !out.contains("x;}"), "{out}");
    }

    #[test]
    fn crafted_client_ids_name_nothing() {
        assert!(plausible_client("3abc0def"));
        assert!(!plausible_client("a\"); x"));
        assert!(!plausible_client(""));
    }
}
