//! The hosted UI's pages: minijinja templates built into the binary, rendered with HTML
//! auto-escaping on for every template, so a reflected value (state, username, an error
//! description) can never become markup.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{AutoEscape, Environment, Value};

const TEMPLATES: [(&str, &str); 8] = [
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("unavailable.html", include_str!("../templates/unavailable.html")),
    ("new_password.html", include_str!("../templates/new_password.html")),
    ("mfa_code.html", include_str!("../templates/mfa_code.html")),
    ("select_mfa.html", include_str!("../templates/select_mfa.html")),
    ("mfa_setup.html", include_str!("../templates/mfa_setup.html")),
];

pub const STYLESHEET: &str = include_str!("../static/cognate.css");

pub(crate) struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        for (name, source) in TEMPLATES.into_iter().chain(crate::signup::TEMPLATES) {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "a built-in hosted-UI template does not parse");
            }
        }
        env.add_filter("urlencode", crate::signup::urlencode);
        Pages { env }
    }

    pub fn render(&self, status: StatusCode, name: &str, ctx: Value) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(template = name, error = %e, "rendering a hosted-UI page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}

/// A `lang` value fit for `<html lang>`: a language tag's characters only, else English.
pub(crate) fn lang(requested: Option<&str>) -> String {
    requested
        .filter(|l| !l.is_empty() && l.len() <= 16 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .unwrap_or("en")
        .to_owned()
}
