//! The hosted UI's pages: minijinja templates built into the binary, or an operator's file of
//! the same name from `--hosted-ui-templates`, rendered with HTML auto-escaping on for every
//! template, so a reflected value (state, username, an error description) can never become
//! markup. Page strings come from the message bundle of the page's language (`t`).

use crate::locale::{Locales, plausible_tag, translate};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{AutoEscape, Environment, State, Value, context};
use std::path::{Path, PathBuf};

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
    locales: Locales,
}

fn built_in(name: &str) -> Option<&'static str> {
    TEMPLATES.into_iter().chain(crate::signup::TEMPLATES).find(|(n, _)| *n == name).map(|(_, s)| s)
}

/// The operator's file for `name`, if the directory has one. Only plain file names are
/// looked up, so an `{% include %}` cannot reach outside the directory (path traversal).
fn operator_file(dir: &Path, name: &str) -> Result<Option<String>, minijinja::Error> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Ok(None);
    }
    let path = dir.join(name);
    if !path.is_file() {
        return Ok(None);
    }
    std::fs::read_to_string(&path).map(Some).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("reading {}: {e}", path.display()))
    })
}

/// What the start-up check renders every template with: each page's variables, empty.
fn sample() -> Value {
    context! {
        base => "", lang => "en", action => "/login?client_id=c", csrf => "", username => "", state => "",
        challenge => "SOFTWARE_TOKEN_MFA", login => "/login", forgot => "/forgotPassword", heading => "", message => "",
        step => "", factors => Vec::<(String, String)>::new(), required => Vec::<(String, String)>::new(),
        rules => Vec::<String>::new(), policy => Vec::<String>::new(), fields => Vec::<Value>::new(),
    }
}

impl Pages {
    /// The templates (the operator's directory first, then the built-in ones) and the
    /// message bundles. Every template is rendered once here, so a broken override stops
    /// the start-up instead of failing a user's sign-in later.
    pub fn new(dir: Option<PathBuf>) -> Result<Self, String> {
        let locales = Locales::load(dir.as_deref())?;
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_loader(move |name| match &dir {
            Some(dir) => Ok(operator_file(dir, name)?.or_else(|| built_in(name).map(String::from))),
            None => Ok(built_in(name).map(String::from)),
        });
        env.add_filter("urlencode", crate::signup::urlencode);
        env.add_filter("tr", tr);
        let pages = Pages { env, locales };
        for (name, _) in TEMPLATES.into_iter().chain(crate::signup::TEMPLATES) {
            pages.html(name, sample(), None).map_err(|e| format!("the hosted-UI template {name}: {e:#}"))?;
        }
        Ok(pages)
    }

    /// The page in the language of its `lang` (else `accept`, the browser's
    /// Accept-Language), with that language's bundle as `t`.
    fn html(&self, name: &str, ctx: Value, accept: Option<&str>) -> Result<String, minijinja::Error> {
        let requested = ctx.get_attr("lang").ok().and_then(|l| l.as_str().map(String::from));
        let (lang, _) = self.locales.choose(requested.as_deref().filter(|l| !l.is_empty()), accept);
        let t = self.locales.value(lang);
        let ctx = context! { lang, t, ..ctx };
        self.env.get_template(name)?.render(ctx)
    }

    pub fn render(&self, status: StatusCode, name: &str, ctx: Value, accept: Option<&str>) -> Response {
        match self.html(name, ctx, accept) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(template = name, error = %e, "rendering a hosted-UI page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}

/// The `tr` filter: a value the page did not write itself (a message, a heading, a rule, a
/// label) in the page's language; `prefix` names the key group its English text is looked up
/// in (`message_` unless given). Anything that is not a string passes unchanged.
fn tr(state: &State, value: Value, prefix: Option<&str>) -> Value {
    let Some(text) = value.as_str() else { return value };
    let t = state.lookup("t").unwrap_or_default();
    let lookup = |key: &str| t.get_item(&Value::from(key)).ok().and_then(|v| v.as_str().map(String::from));
    Value::from(translate(&lookup, text, prefix.unwrap_or("message_")))
}

/// The language a request asked for (`lang`), if it is a language tag; empty otherwise, so
/// the page falls back to the browser's languages, then English.
pub(crate) fn lang(requested: Option<&str>) -> String {
    requested.filter(|l| plausible_tag(l)).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `t.key` missing from en.json would render as nothing, in every language.
    #[test]
    fn every_key_the_templates_read_is_in_english() {
        let english: std::collections::BTreeMap<String, String> =
            serde_json::from_str(include_str!("../locales/en.json")).unwrap_or_default();
        for (name, text) in TEMPLATES.into_iter().chain(crate::signup::TEMPLATES) {
            for used in text.split("t.").skip(1) {
                let key: String = used.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                assert!(key.is_empty() || english.contains_key(&key), "{name} reads t.{key}, which en.json lacks");
            }
        }
    }

    #[test]
    fn pages_translate_messages_and_leave_english_as_it_was() {
        let pages = Pages::new(None).unwrap_or_else(|e| panic!("{e}"));
        let ctx = || context! { base => "", lang => "en", message => "error_page_not_found" };
        let html = pages.html("error.html", ctx(), None).unwrap_or_default();
        assert!(html.contains(">This page does not exist.</p>"), "{html}");
        let ctx = context! { base => "", lang => "en", message => "User is not confirmed." };
        let html = pages.html("error.html", ctx, None).unwrap_or_default();
        assert!(html.contains(">User is not confirmed.</p>"), "{html}");
    }

    /// docs/ holds the example bundle as an operator's directory would (`locales/fr.json`).
    #[test]
    fn the_example_bundle_translates_the_domains_messages() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        let pages = Pages::new(Some(docs)).unwrap_or_else(|e| panic!("{e}"));
        let ctx = context! { base => "", lang => "fr", message => "Incorrect username or password." };
        let html = pages.html("error.html", ctx, None).unwrap_or_default();
        assert!(html.contains(">Nom d&#x27;utilisateur ou mot de passe incorrect.</p>"), "{html}");
    }
}
