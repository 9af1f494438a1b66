//! Opaque pagination tokens. They carry only a position, never data the caller may not see,
//! so they need no signature: a forged token just starts the listing somewhere else.

use crate::{IdpResult, error::invalid};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

pub fn encode(position: &str) -> String {
    B64.encode(position.as_bytes())
}

pub fn decode(token: Option<&str>) -> IdpResult<Option<String>> {
    token
        .map(|t| {
            B64.decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| invalid("Invalid pagination token."))
        })
        .transpose()
}

/// Page size from an optional `Limit`/`MaxResults`: 0 or absent means the default.
pub(crate) fn size(limit: Option<i64>, default: u32) -> u32 {
    match limit {
        Some(n) if n > 0 => u32::try_from(n).unwrap_or(default).min(default.max(60)),
        _ => default,
    }
}

/// Splits one extra fetched row off: returns the page and whether more rows exist.
pub(crate) fn split<T>(mut rows: Vec<T>, size: u32) -> (Vec<T>, bool) {
    let more = rows.len() > size as usize;
    rows.truncate(size as usize);
    (rows, more)
}
