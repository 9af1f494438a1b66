//! The classic hosted UI's CSS check: only rules whose selectors are Cognito's customizable
//! classes, and nothing that loads or runs anything. The CSS is served to every visitor of
//! the sign-in page, so anything that could fetch a URL, run script or close the `<style>`
//! element is refused outright rather than cleaned.

use crate::settings::invalid;
use cognate_idp::IdpResult;

/// The classes Cognito's hosted UI lets a pool style.
pub(crate) const CLASSES: &[&str] = &[
    ".background-customizable",
    ".banner-customizable",
    ".errorMessage-customizable",
    ".idpButton-customizable",
    ".idpButton-customizable:hover",
    ".idpDescription-customizable",
    ".inputField-customizable",
    ".inputField-customizable:focus",
    ".label-customizable",
    ".legalText-customizable",
    ".logo-customizable",
    ".passwordCheck-notValid-customizable",
    ".passwordCheck-valid-customizable",
    ".redirect-customizable",
    ".socialButton-customizable",
    ".submitButton-customizable",
    ".submitButton-customizable:hover",
    ".textDescription-customizable",
];

/// Checks `css` as a sequence of `selector[, selector] { declarations }` blocks.
pub(crate) fn check(css: &str) -> IdpResult<()> {
    let css = strip_comments(css)?;
    refuse_active_content(&css)?;
    let mut rest = css.as_str();
    while !rest.trim().is_empty() {
        let (selectors, after) = rest.split_once('{').ok_or_else(|| invalid("Invalid CSS: expected '{'."))?;
        let (body, after) = after.split_once('}').ok_or_else(|| invalid("Invalid CSS: expected '}'."))?;
        if body.contains('{') {
            return Err(invalid("Invalid CSS: nested blocks are not allowed."));
        }
        for selector in selectors.split(',').map(str::trim) {
            if !CLASSES.contains(&selector) {
                return Err(invalid(format!(
                    "Invalid CSS: {selector} is not a customizable class; use only the hosted UI's -customizable classes."
                )));
            }
        }
        rest = after;
    }
    Ok(())
}

fn strip_comments(css: &str) -> IdpResult<String> {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let end = rest[start + 2..].find("*/").ok_or_else(|| invalid("Invalid CSS: unterminated comment."))?;
        out.push(' ');
        rest = &rest[start + 2 + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// At-rules (`@import`, `@font-face`), `url(` other than `data:` URLs, `expression(`,
/// `javascript:`, markup (`<`) and escapes (which could spell any of these) are refused.
fn refuse_active_content(css: &str) -> IdpResult<()> {
    let lower = css.to_ascii_lowercase();
    let refused = |what: &str| Err(invalid(format!("Invalid CSS: {what} is not allowed.")));
    if lower.contains('@') {
        return refused("an at-rule such as @import");
    }
    if lower.contains("expression(") || lower.contains("javascript:") {
        return refused("script");
    }
    if lower.contains('<') || lower.contains('\\') {
        return refused("markup or an escape");
    }
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        let target = rest[at + 4..].trim_start().trim_start_matches(['"', '\'']);
        if !target.starts_with("data:") {
            return refused("a url() other than a data: URL");
        }
        rest = &rest[at + 4..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn only_customizable_classes() {
        assert!(check("").is_ok());
        assert!(check(".label-customizable { font-weight: 400; }").is_ok());
        assert!(check("/* c */ .submitButton-customizable:hover, .banner-customizable { color: red }").is_ok());
        assert!(check(".background-customizable { background: url(data:image/png;base64,AAAA) }").is_ok());
        assert!(check("body { color: red }").is_err());
        assert!(check(".label-customizable { color: red").is_err());
        assert!(check("@import 'x.css'; .label-customizable {}").is_err());
        assert!(check(".label-customizable { background: url(https://evil.example/x) }").is_err());
        assert!(check(".label-customizable { width: expression(alert(1)) }").is_err());
        assert!(check(".label-customizable { color: red } </style><script>").is_err());
        assert!(check(".label-customizable { color: \\72 ed }").is_err());
        assert!(check(".label-customizable { a { } }").is_err());
    }
}
