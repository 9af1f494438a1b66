//! Typed condition values: numbers, dates (ISO 8601 or epoch seconds), CIDR ranges and base64
//! binary, parsed from policy text once and from request values per comparison.

use std::net::IpAddr;

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// The comparison a Numeric or Date operator makes (the `Not` forms negate `Equal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Equal,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
}

impl Cmp {
    /// Whether `request <op> policy` holds.
    pub(crate) fn holds<T: PartialOrd>(self, request: &T, policy: &T) -> bool {
        match self {
            Cmp::Equal => request == policy,
            Cmp::Less => request < policy,
            Cmp::LessEqual => request <= policy,
            Cmp::Greater => request > policy,
            Cmp::GreaterEqual => request >= policy,
        }
    }
}

pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let valid = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    text.parse::<f64>().ok().filter(|n| valid && n.is_finite())
}

/// A W3C ISO 8601 date/time (`2020-01-01`, `2020-01-01T10:00Z`, `2020-01-01T10:00:00.5+02:00`,
/// no zone meaning UTC) or epoch seconds (`1577836800`).
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let seconds: f64 = text.parse().ok()?;
        let millis = (seconds * 1000.0).round() as i64;
        return DateTime::from_timestamp_millis(millis);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Some(at.with_timezone(&Utc));
        }
    }
    parse_naive(text.strip_suffix(['Z', 'z']).unwrap_or(text))
}

fn parse_naive(text: &str) -> Option<DateTime<Utc>> {
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(at.and_utc());
        }
    }
    let date = match text.len() {
        7 => NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok(),
        _ => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
    };
    date.and_then(|d| d.and_hms_opt(0, 0, 0)).map(|at| at.and_utc())
}

pub(crate) fn parse_base64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()
}

/// An address range from CIDR text; a bare address is a /32 (IPv4) or /128 (IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr.parse::<IpAddr>().ok()?, Some(prefix.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { addr, prefix })
    }

    /// Whether a request address (or the address part of a CIDR) lies in this range.
    pub(crate) fn contains(&self, text: &str) -> bool {
        let Some(other) = IpNet::parse(text) else { return false };
        match (self.addr, other.addr) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                same_prefix(net.to_bits().into(), ip.to_bits().into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => same_prefix(net.to_bits(), ip.to_bits(), self.prefix, 128),
            _ => false,
        }
    }
}

fn same_prefix(net: u128, ip: u128, prefix: u8, width: u32) -> bool {
    let host_bits = width - u32::from(prefix);
    host_bits >= width || (net >> host_bits) == (ip >> host_bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_documented_form_agree() {
        let epoch = parse_date("1577836800");
        assert!(epoch.is_some());
        for text in ["2020-01-01T00:00:00Z", "2020-01-01", "2020-01", "2020-01-01T00:00Z", "2020-01-01T02:00+02:00"] {
            assert_eq!(parse_date(text), epoch, "{text}");
        }
        assert_eq!(parse_date("2020-01-01T00:00:00.000Z"), epoch);
        assert_eq!(parse_date("yesterday"), None);
        // A bare number is epoch seconds (aws:EpochTime), never the W3C year-only form.
        assert_eq!(parse_date("2020"), DateTime::from_timestamp(2020, 0));
    }

    #[test]
    fn cidr_ranges() {
        let net = IpNet::parse("203.0.113.0/24").unwrap();
        assert!(net.contains("203.0.113.255"));
        assert!(!net.contains("203.0.114.1"));
        assert!(!net.contains("2001:db8::1"));
        assert!(IpNet::parse("0.0.0.0/0").unwrap().contains("8.8.8.8"));
        assert!(IpNet::parse("2001:DB8:1234:5678::/64").unwrap().contains("2001:db8:1234:5678:ffff::1"));
        assert!(IpNet::parse("10.0.0.1/33").is_none());
    }
}
