//! The ListUsers filter grammar: `<attribute> = "<value>"` (exact) or `<attribute> ^= "<value>"`
//! (prefix), the value double-quoted with `\"` and `\\` escapes; an empty filter lists everyone.

use crate::{IdpResult, error::invalid};
use cognate_store::IndexFilter;

const SEARCHABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

pub(crate) fn parse(filter: &str) -> IdpResult<Option<IndexFilter>> {
    let text = filter.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || invalid("Error while parsing filter.");
    let name_end = text.find(|c: char| c.is_whitespace() || c == '=' || c == '^').ok_or_else(bad)?;
    let name = &text[..name_end];
    let rest = text[name_end..].trim_start();
    let (prefix, rest) = match rest.strip_prefix("^=") {
        Some(r) => (true, r),
        None => (false, rest.strip_prefix('=').ok_or_else(bad)?),
    };
    let value = quoted(rest.trim()).ok_or_else(bad)?;
    if !SEARCHABLE.contains(&name) {
        return Err(invalid(format!("Invalid search attribute: {name}")));
    }
    // Status is matched case-insensitively, as Cognito does; it is indexed upper-cased.
    let value = if name == "cognito:user_status" { value.to_uppercase() } else { value };
    Ok(Some(IndexFilter { name: name.to_owned(), value, prefix }))
}

/// The content of a double-quoted string that makes up all of `s`, escapes resolved.
fn quoted(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return chars.as_str().is_empty().then_some(out),
            other => out.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, value: &str, prefix: bool) -> Option<IndexFilter> {
        Some(IndexFilter { name: name.into(), value: value.into(), prefix })
    }

    #[test]
    fn grammar() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("email = \"a@b.c\"").unwrap(), f("email", "a@b.c", false));
        assert_eq!(parse("email^=\"a\"").unwrap(), f("email", "a", true));
        assert_eq!(parse(r#"name = "say \"hi\" \\ ok""#).unwrap(), f("name", r#"say "hi" \ ok"#, false));
        assert_eq!(parse("cognito:user_status = \"confirmed\"").unwrap(), f("cognito:user_status", "CONFIRMED", false));
        assert_eq!(parse("status = \"Enabled\"").unwrap(), f("status", "Enabled", false));
    }

    #[test]
    fn rejects() {
        for bad in [
            "email",
            "email = a",
            "email = \"a",
            "email = \"a\" x",
            "email == \"a\"",
            "custom:x = \"1\"",
            "email ~ \"a\"",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
