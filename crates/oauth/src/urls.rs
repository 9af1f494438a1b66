//! Redirect URIs: exact matching against a client's list, and adding parameters to one.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters is encoded in a query value.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, VALUE).to_string()
}

/// Whether `uri` is exactly one of `allowed`: byte for byte, no normalisation of case, port,
/// path, trailing slash or percent-encoding, because every normalisation is a way for a
/// look-alike URI (another port, a userinfo `@`, a path the attacker controls) to receive
/// codes. A fragment is never allowed, and plain http only for loopback hosts.
pub fn allowed_redirect(uri: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| a == uri) && !uri.contains('#') && scheme_allowed(uri)
}

fn scheme_allowed(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return true;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")).unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default().to_owned(),
    };
    matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
}

/// `uri` with `params` appended to its query (`?`/`&`) or, for the implicit flow, as its
/// fragment (`#`). Values are percent-encoded; absent values are left out.
pub fn with_params(uri: &str, params: &[(&str, Option<&str>)], fragment: bool) -> String {
    let pairs: Vec<String> = params.iter().filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode(v)))).collect();
    let sep = match (fragment, uri.contains('?')) {
        (true, _) => '#',
        (false, true) => '&',
        (false, false) => '?',
    };
    format!("{uri}{sep}{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_uris_are_allowed() {
        let allowed = vec!["http://localhost:8123/cb".to_owned(), "myapp://cb".to_owned()];
        assert!(allowed_redirect("http://localhost:8123/cb", &allowed));
        assert!(allowed_redirect("myapp://cb", &allowed));
        for bad in [
            "http://localhost:8124/cb",
            "http://localhost:8123/cb/x",
            "http://localhost:8123/cb/",
            "http://localhost:8123@evil.example/cb",
            "http://localhost:8123/%63b",
            "http://localhost:8123/cb#x",
            "HTTP://localhost:8123/cb",
        ] {
            assert!(!allowed_redirect(bad, &allowed), "{bad}");
        }
        let plain = vec!["http://evil.example/cb".to_owned(), "http://[::1]:9/cb".to_owned()];
        assert!(!allowed_redirect("http://evil.example/cb", &plain));
        assert!(allowed_redirect("http://[::1]:9/cb", &plain));
    }

    #[test]
    fn params_are_encoded() {
        let url = with_params("https://a/cb?x=1", &[("state", Some("<a b>&")), ("n", None)], false);
        assert_eq!(url, "https://a/cb?x=1&state=%3Ca%20b%3E%26");
        assert_eq!(with_params("https://a/cb", &[("code", Some("c"))], true), "https://a/cb#code=c");
    }
}
