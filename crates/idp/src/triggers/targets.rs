//! The operator's allow-list of trigger targets (`--trigger-allow`): which hosts the http(s)
//! URLs in a pool's LambdaConfig may name. Pure matching, no I/O: the domain checks a pool's
//! URLs against it when the pool is written, and the invoker again before each call (where
//! it also resolves names, see `cognate-delivery`'s `lambda.rs`).
//!
//! A pattern is a host name (`hooks.example.com`, or `*.example.com` for every subdomain, not
//! the name itself), optionally with `:port`, or an IP range (`10.0.0.0/8`, `::1/128`, or a
//! bare address, optionally with a port: `127.0.0.1:9000`, `[::1]:9000`). Host names match
//! names and ranges match IP literals; a name is never resolved here. ARN- and name-style
//! triggers go to the operator's own Lambda endpoint and are not subject to the list.

use cognate_wire::idp::types::LambdaConfigType;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where a trigger URL points: a host name (lower case) or an IP literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetHost {
    Name(String),
    Ip(IpAddr),
}

impl fmt::Display for TargetHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetHost::Name(name) => f.write_str(name),
            TargetHost::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// `name` exactly, or with `wildcard` any name ending in `.name`.
    Host {
        name: String,
        wildcard: bool,
        port: Option<u16>,
    },
    Range {
        net: IpAddr,
        prefix: u8,
        port: Option<u16>,
    },
}

/// The parsed `--trigger-allow` patterns. Empty: every target is allowed (the default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriggerAllowList {
    patterns: Vec<Pattern>,
}

impl TriggerAllowList {
    /// Parses every pattern; blank entries (from an empty environment variable) are skipped.
    pub fn parse<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> Result<Self, String> {
        let patterns = patterns
            .into_iter()
            .map(|p| p.as_ref().trim().to_owned())
            .filter(|p| !p.is_empty())
            .map(|p| parse_pattern(&p).map_err(|why| format!("trigger allow pattern {p:?}: {why}")))
            .collect::<Result<_, _>>()?;
        Ok(TriggerAllowList { patterns })
    }

    /// True when no pattern is set, so nothing is restricted.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether some pattern names `host` (a name by name, an IP literal by range) at `port`.
    pub fn allows(&self, host: &TargetHost, port: u16) -> bool {
        self.is_empty() || self.patterns.iter().any(|p| matches(p, host, port))
    }

    /// Whether a host name no pattern names may still be called when every address it
    /// resolves to lies in a range: true when the list has ranges without a port (the
    /// resolver that checks the addresses does not see the port).
    pub fn admits_resolved_names(&self) -> bool {
        self.patterns.iter().any(|p| matches!(p, Pattern::Range { port: None, .. }))
    }

    /// Whether a resolved address lies in a range without a port (see
    /// [`Self::admits_resolved_names`]).
    pub fn admits_resolved(&self, addr: IpAddr) -> bool {
        self.patterns
            .iter()
            .any(|p| matches!(p, Pattern::Range { net, prefix, port: None } if in_range(*net, *prefix, addr)))
    }
}

/// Whether a LambdaConfig value is a URL (POSTed to) rather than a Lambda function name or ARN.
pub fn is_url(function: &str) -> bool {
    function.starts_with("http://") || function.starts_with("https://")
}

/// The host and port of a trigger URL. Deliberately stricter than a browser's parser: no user
/// information, no percent-encoding, no backslashes and no numeric hosts other than a plain
/// dotted quad, so that this check and the HTTP client cannot read one URL as two hosts
/// (`http://2130706433/` or `http://a.example\@10.0.0.1/` would otherwise slip past).
pub fn url_target(url: &str) -> Result<(TargetHost, u16), String> {
    let (rest, default_port) = if let Some(rest) = url.strip_prefix("http://") {
        (rest, 80)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (rest, 443)
    } else {
        return Err("not an http(s) URL".into());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains(['@', '%', '\\']) || !authority.is_ascii() {
        return Err("the URL's host is not plain (user information, escapes or backslashes)".into());
    }
    let (host, port) = split_port(authority)?;
    let port = port.unwrap_or(default_port);
    Ok((parse_host(host)?, port))
}

/// The first LambdaConfig URL whose host the list refuses: (its setting's name, the host).
pub fn refused_target(list: &TriggerAllowList, config: Option<&LambdaConfigType>) -> Option<(&'static str, String)> {
    if list.is_empty() {
        return None;
    }
    lambda_targets(config?).into_iter().find_map(|(field, function)| {
        if !is_url(function) {
            return None;
        }
        match url_target(function) {
            Ok((host, port)) if list.allows(&host, port) => None,
            Ok((host, _)) => Some((field, host.to_string())),
            Err(_) => Some((field, function.to_owned())),
        }
    })
}

fn lambda_targets(c: &LambdaConfigType) -> Vec<(&'static str, &str)> {
    let fields = [
        ("PreSignUp", c.pre_sign_up.as_deref()),
        ("CustomMessage", c.custom_message.as_deref()),
        ("PostConfirmation", c.post_confirmation.as_deref()),
        ("PreAuthentication", c.pre_authentication.as_deref()),
        ("PostAuthentication", c.post_authentication.as_deref()),
        ("DefineAuthChallenge", c.define_auth_challenge.as_deref()),
        ("CreateAuthChallenge", c.create_auth_challenge.as_deref()),
        ("VerifyAuthChallengeResponse", c.verify_auth_challenge_response.as_deref()),
        ("PreTokenGeneration", c.pre_token_generation.as_deref()),
        ("PreTokenGenerationConfig", c.pre_token_generation_config.as_ref().and_then(|v| v.lambda_arn.as_deref())),
        ("UserMigration", c.user_migration.as_deref()),
        ("CustomSMSSender", c.custom_sms_sender.as_ref().and_then(|v| v.lambda_arn.as_deref())),
        ("CustomEmailSender", c.custom_email_sender.as_ref().and_then(|v| v.lambda_arn.as_deref())),
        ("InboundFederation", c.inbound_federation.as_ref().and_then(|v| v.lambda_arn.as_deref())),
    ];
    fields.into_iter().filter_map(|(name, value)| value.map(|v| (name, v))).collect()
}

fn matches(pattern: &Pattern, host: &TargetHost, port: u16) -> bool {
    let port_ok = |want: &Option<u16>| want.is_none_or(|p| p == port);
    match (pattern, host) {
        (Pattern::Host { name, wildcard: false, port: want }, TargetHost::Name(n)) => n == name && port_ok(want),
        (Pattern::Host { name, wildcard: true, port: want }, TargetHost::Name(n)) => {
            let sub = n.strip_suffix(name.as_str()).and_then(|rest| rest.strip_suffix('.'));
            sub.is_some_and(|sub| !sub.is_empty()) && port_ok(want)
        }
        (Pattern::Range { net, prefix, port: want }, TargetHost::Ip(ip)) => {
            in_range(*net, *prefix, *ip) && port_ok(want)
        }
        _ => false,
    }
}

fn in_range(net: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(net) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(net), IpAddr::V6(ip)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(net) & mask == u128::from(ip) & mask
        }
        // An IPv4-mapped IPv6 literal is not an IPv4 address here: refused unless listed.
        _ => false,
    }
}

fn parse_pattern(raw: &str) -> Result<Pattern, String> {
    let lower = raw.to_ascii_lowercase();
    if let Some((addr, prefix)) = lower.split_once('/') {
        let net: IpAddr = addr.parse().map_err(|_| "the range's address is not an IP address".to_owned())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= max).ok_or("the prefix length is not valid")?;
        return Ok(Pattern::Range { net, prefix, port: None });
    }
    let (host, port) = split_port(&lower)?;
    if let Some(suffix) = host.strip_prefix("*.") {
        return match parse_host(suffix)? {
            TargetHost::Name(name) => Ok(Pattern::Host { name, wildcard: true, port }),
            TargetHost::Ip(_) => Err("a wildcard needs a domain name".into()),
        };
    }
    Ok(match parse_host(host)? {
        TargetHost::Name(name) => Pattern::Host { name, wildcard: false, port },
        TargetHost::Ip(ip) => Pattern::Range { net: ip, prefix: if ip.is_ipv4() { 32 } else { 128 }, port },
    })
}

/// `host[:port]` or `[v6]:port`; an empty port (`host:`) is the default, as URLs have it.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or("an IPv6 address lacks its closing bracket")?;
        match after {
            "" => (inside, None),
            _ => (inside, Some(after.strip_prefix(':').ok_or("unexpected text after the IPv6 address")?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if authority.starts_with('[') && host.parse::<Ipv6Addr>().is_err() {
        return Err("the bracketed host is not an IPv6 address".into());
    }
    let port = match port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().map_err(|_| "the port is out of range".to_owned())?)
        }
        Some(_) => return Err("the port is not a number".into()),
    };
    Ok((host, port))
}

fn parse_host(host: &str) -> Result<TargetHost, String> {
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return Ok(TargetHost::Ip(IpAddr::V6(v6)));
    }
    let host = host.to_ascii_lowercase();
    let valid = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_';
    if host.is_empty() || !host.bytes().all(valid) || host.starts_with('.') || host.contains("..") {
        return Err("the host is not a valid host name".into());
    }
    // A host whose last label is a number is an IPv4 address to an HTTP client, in any of
    // its spellings (`127.1`, `0x7f.0.0.1`, `017700000001`): only the plain form is taken.
    let bare = host.strip_suffix('.').unwrap_or(&host);
    let last = bare.rsplit('.').next().unwrap_or_default();
    let numeric = !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit())
            || last.strip_prefix("0x").is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())));
    if numeric {
        let v4: Ipv4Addr = bare.parse().map_err(|_| "the host is not a plain IPv4 address".to_owned())?;
        return Ok(TargetHost::Ip(IpAddr::V4(v4)));
    }
    Ok(TargetHost::Name(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(patterns: &[&str]) -> TriggerAllowList {
        TriggerAllowList::parse(patterns).unwrap()
    }

    fn allowed(list: &TriggerAllowList, url: &str) -> bool {
        let (host, port) = url_target(url).unwrap();
        list.allows(&host, port)
    }

    #[test]
    fn an_empty_list_allows_everything() {
        let empty = list(&["", " "]);
        assert!(empty.is_empty());
        assert!(allowed(&empty, "http://169.254.169.254/latest"));
    }

    #[test]
    fn names_match_exactly_or_by_subdomain_wildcard() {
        let l = list(&["Hooks.Example.com", "*.fn.example.org"]);
        assert!(allowed(&l, "https://hooks.example.com/x"));
        assert!(allowed(&l, "https://HOOKS.example.com:8443/x"));
        assert!(!allowed(&l, "https://evilhooks.example.com/"));
        assert!(!allowed(&l, "https://hooks.example.com.evil.net/"));
        assert!(allowed(&l, "http://a.fn.example.org/"));
        assert!(allowed(&l, "http://a.b.fn.example.org/"));
        assert!(!allowed(&l, "http://fn.example.org/"));
        assert!(!allowed(&l, "http://xfn.example.org/"));
        assert!(!allowed(&l, "http://hooks.example.com./"), "a trailing dot is another name");
    }

    #[test]
    fn ports_restrict_when_given() {
        let l = list(&["hooks.example.com:8443", "127.0.0.1:9000", "[::1]:9001"]);
        assert!(allowed(&l, "https://hooks.example.com:8443/"));
        assert!(!allowed(&l, "https://hooks.example.com/"));
        assert!(allowed(&l, "http://127.0.0.1:9000/"));
        assert!(!allowed(&l, "http://127.0.0.1:9002/"));
        assert!(allowed(&l, "http://[::1]:9001/"));
        assert!(!allowed(&l, "http://[::1]/"));
        let https = list(&["hooks.example.com:443"]);
        assert!(allowed(&https, "https://hooks.example.com/"), "the scheme's default port");
        assert!(!allowed(&https, "http://hooks.example.com/"));
    }

    #[test]
    fn ranges_match_ip_literals_only() {
        let l = list(&["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"]);
        assert!(allowed(&l, "http://127.0.0.1:4567/hook"));
        assert!(!allowed(&l, "http://127.0.0.2/"));
        assert!(allowed(&l, "http://10.200.3.4/"));
        assert!(!allowed(&l, "http://169.254.169.254/latest"));
        assert!(allowed(&l, "http://[::1]:80/"));
        assert!(allowed(&l, "http://[fd12::5]/"));
        assert!(!allowed(&l, "http://[::ffff:127.0.0.1]/"));
        assert!(!allowed(&l, "http://localhost/"), "names are not resolved to match ranges");
        assert!(!allowed(&l, "http://internal.example/"));
        assert!(l.admits_resolved_names());
        assert!(l.admits_resolved("10.1.1.1".parse().unwrap()));
        assert!(!l.admits_resolved("192.168.1.1".parse().unwrap()));
        let ported = list(&["127.0.0.1:9000"]);
        assert!(!ported.admits_resolved_names());
        assert!(!ported.admits_resolved("127.0.0.1".parse().unwrap()));
        let all = list(&["0.0.0.0/0"]);
        assert!(allowed(&all, "http://8.8.8.8/"));
        assert!(!list(&["*.example.com"]).admits_resolved_names());
    }

    #[test]
    fn ambiguous_urls_are_refused_outright() {
        for url in [
            "http://2130706433/",
            "http://127.1/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://127.0.0.%31/",
            "http://allowed.example\\@10.0.0.1/",
            "http://user:pw@127.0.0.1/",
            "http://[::1/",
            "http://host:port/",
            "http://host:70000/",
            "http:///nohost",
            "ftp://127.0.0.1/",
            "http://exa mple.com/",
            "http://ëxample.com/",
        ] {
            assert!(url_target(url).is_err(), "{url}");
        }
        assert_eq!(url_target("http://127.0.0.1./x").unwrap().0, TargetHost::Ip([127, 0, 0, 1].into()));
        assert_eq!(url_target("https://h.example:/x?y#z").unwrap(), (TargetHost::Name("h.example".into()), 443));
        assert_eq!(url_target("http://h.example?x").unwrap(), (TargetHost::Name("h.example".into()), 80));
    }

    #[test]
    fn bad_patterns_are_errors() {
        for p in ["*", "*.", "10.0.0.0/33", "::/129", "example.com:x", "*.10.0.0.1", "exa mple.com", "a..b", "x/8"] {
            assert!(TriggerAllowList::parse([p]).is_err(), "{p}");
        }
    }

    #[test]
    fn the_first_refused_url_of_a_lambda_config_is_named() {
        let l = list(&["127.0.0.1/32"]);
        let mut c = LambdaConfigType {
            pre_sign_up: Some("http://127.0.0.1:3000/ok".into()),
            user_migration: Some("arn:aws:lambda:us-east-1:000000000000:function:f".into()),
            ..Default::default()
        };
        assert_eq!(refused_target(&l, Some(&c)), None);
        c.custom_message = Some("http://169.254.169.254/latest".into());
        assert_eq!(refused_target(&l, Some(&c)), Some(("CustomMessage", "169.254.169.254".into())));
        assert_eq!(refused_target(&TriggerAllowList::default(), Some(&c)), None);
        assert_eq!(refused_target(&l, None), None);
    }
}
