//! Writing user attributes under the pool's schema: names, types, constraints, mutability,
//! required attributes, and the verified flags that follow a changed email or phone number.

use crate::pool_config::PoolDoc;
use crate::user_record::User;
use crate::{IdpResult, error::invalid, schema};
use cognate_wire::idp::types::{AttributeType, SchemaAttributeType};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    /// The user is being created: immutable attributes may be set.
    Create,
    /// An existing user: immutable attributes that already have a value may not change.
    Update,
}

fn schema_error(name: &str, why: &str) -> crate::IdpError {
    invalid(format!("Attributes did not conform to the schema: {name}: {why}"))
}

const UNKNOWN: &str = "Attribute does not exist in the schema.";

/// The names the schema does not know, each on its own line ending in a newline, as Cognito
/// lists them; `prefix` goes before each name. Empty when all are known.
fn unknown_lines<'a>(pool: &PoolDoc, names: impl IntoIterator<Item = &'a str>, prefix: &str) -> String {
    names
        .into_iter()
        .filter(|n| schema::find(pool.schema(), n).is_none())
        .map(|n| format!("{prefix}{n}: {UNKNOWN}\n"))
        .collect()
}

/// Refuses an update or deletion naming attributes the schema does not have, naming every
/// one of them: `Invalid user attributes: user.<name>: Attribute does not exist in the schema.`,
/// one line per attribute, as Cognito words it.
pub(crate) fn check_known<'a>(pool: &PoolDoc, names: impl IntoIterator<Item = &'a str>) -> IdpResult<()> {
    let lines = unknown_lines(pool, names, "user.");
    if lines.is_empty() {
        Ok(())
    } else {
        Err(invalid(format!("Invalid user attributes: {}", lines.trim_end_matches('\n'))))
    }
}

/// Cognito takes a Boolean attribute's `true` / `false` in any case and keeps it lower-case.
pub(crate) fn canonical_bool(value: &str) -> Option<&'static str> {
    if value.eq_ignore_ascii_case("true") {
        Some("true")
    } else if value.eq_ignore_ascii_case("false") {
        Some("false")
    } else {
        None
    }
}

/// Applies `updates` to `user` after checking each against the schema.
pub(crate) fn apply(pool: &PoolDoc, user: &mut User, updates: &[AttributeType], mode: Mode) -> IdpResult<()> {
    let unknown = unknown_lines(pool, updates.iter().map(|a| a.name.as_deref().unwrap_or_default()), "");
    if !unknown.is_empty() {
        return Err(invalid(format!("Attributes did not conform to the schema: {unknown}")));
    }
    let mut changed_contacts = Vec::new();
    for a in updates {
        let name = a.name.as_deref().unwrap_or_default();
        let def = schema::find(pool.schema(), name).ok_or_else(|| schema_error(name, UNKNOWN))?;
        let mut value = a.value.clone().unwrap_or_default();
        if def.attribute_data_type.as_deref() == Some("Boolean")
            && let Some(canonical) = canonical_bool(&value)
        {
            value = canonical.to_owned();
        }
        if name == "sub" || name == "identities" {
            return Err(invalid(format!("Cannot modify the non-mutable attribute {name}")));
        }
        if mode == Mode::Update && def.mutable == Some(false) && user.attr(name).is_some_and(|v| v != value) {
            return Err(invalid(format!("Cannot modify the non-mutable attribute {name}")));
        }
        check_value(name, &value, def)?;
        if (name == "email" || name == "phone_number") && user.attr(name) != Some(value.as_str()) {
            changed_contacts.push(name.to_owned());
        }
        user.attributes.insert(name.to_owned(), value);
    }
    // A new address is unverified unless the same request vouches for it.
    for name in changed_contacts {
        let flag = format!("{name}_verified");
        if !updates.iter().any(|a| a.name.as_deref() == Some(flag.as_str())) && user.attributes.contains_key(&flag) {
            user.attributes.insert(flag, "false".into());
        }
    }
    Ok(())
}

/// Every attribute the schema marks required must have a value.
pub(crate) fn check_required(pool: &PoolDoc, user: &User) -> IdpResult<()> {
    for def in pool.schema() {
        let name = def.name.as_deref().unwrap_or_default();
        if def.required == Some(true) && name != "sub" && user.attr(name).is_none_or(str::is_empty) {
            return Err(schema_error(name, &format!("The attribute {name} is required")));
        }
    }
    Ok(())
}

/// Removes attributes; required ones cannot be removed, and removing a contact removes its
/// verified flag too.
pub(crate) fn delete(pool: &PoolDoc, user: &mut User, names: &[String]) -> IdpResult<()> {
    check_known(pool, names.iter().map(String::as_str))?;
    for name in names {
        let def = schema::find(pool.schema(), name).ok_or_else(|| schema_error(name, UNKNOWN))?;
        if def.required == Some(true) || name == "sub" {
            return Err(schema_error(name, &format!("The attribute {name} is required")));
        }
        if def.mutable == Some(false) {
            return Err(invalid(format!("Cannot modify the non-mutable attribute {name}")));
        }
        user.attributes.remove(name);
        if name == "email" || name == "phone_number" {
            user.attributes.remove(&format!("{name}_verified"));
        }
    }
    Ok(())
}

fn check_value(name: &str, value: &str, def: &SchemaAttributeType) -> IdpResult<()> {
    match name {
        "email" if !is_email(value) => return Err(invalid("Invalid email address format.")),
        "phone_number" if !is_phone(value) => return Err(invalid("Invalid phone number format.")),
        _ => {}
    }
    match def.attribute_data_type.as_deref() {
        Some("Boolean") if canonical_bool(value).is_none() => Err(schema_error(name, "Value must be true or false")),
        Some("Number") => check_number(name, value, def),
        Some("String") => check_length(name, value, def),
        _ => Ok(()),
    }
}

fn check_length(name: &str, value: &str, def: &SchemaAttributeType) -> IdpResult<()> {
    let Some(c) = &def.string_attribute_constraints else { return Ok(()) };
    let len = value.chars().count() as i64;
    let bound = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<i64>().ok());
    if bound(&c.min_length).is_some_and(|m| len < m) || bound(&c.max_length).is_some_and(|m| len > m) {
        return Err(schema_error(name, "String is too long or too short"));
    }
    Ok(())
}

fn check_number(name: &str, value: &str, def: &SchemaAttributeType) -> IdpResult<()> {
    let n: f64 = value.parse().map_err(|_| schema_error(name, "Number must be a number"))?;
    if let Some(c) = &def.number_attribute_constraints {
        let bound = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<f64>().ok());
        if bound(&c.min_value).is_some_and(|m| n < m) || bound(&c.max_value).is_some_and(|m| n > m) {
            return Err(schema_error(name, "Number is outside the allowed range"));
        }
    }
    Ok(())
}

pub(crate) fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else { return false };
    !local.is_empty()
        && !domain.is_empty()
        && !v.chars().any(char::is_whitespace)
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// E.164: `+` then 4 to 15 digits.
pub(crate) fn is_phone(v: &str) -> bool {
    v.strip_prefix('+').is_some_and(|d| (4..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_formats() {
        assert!(is_email("a.b@example.com"));
        assert!(!is_email("a b@example.com"));
        assert!(!is_email("nobody"));
        assert!(is_phone("+14155550100"));
        assert!(!is_phone("14155550100"));
        assert!(!is_phone("+1"));
    }

    #[test]
    fn booleans_in_any_case() {
        for (given, canonical) in [("true", "true"), ("True", "true"), ("TRUE", "true"), ("fAlSe", "false")] {
            assert_eq!(canonical_bool(given), Some(canonical));
        }
        for other in ["yes", "1", "", " true", "truee"] {
            assert_eq!(canonical_bool(other), None);
        }
    }

    fn pool_with(custom: &[(&str, &str)]) -> PoolDoc {
        let requested: Vec<SchemaAttributeType> = custom
            .iter()
            .map(|(n, t)| SchemaAttributeType {
                name: Some((*n).into()),
                attribute_data_type: Some((*t).into()),
                ..Default::default()
            })
            .collect();
        let mut doc = PoolDoc::default();
        doc.pool.schema_attributes = Some(schema::build(&requested).unwrap());
        doc
    }

    fn user() -> User {
        User {
            record: cognate_store::UserRecord {
                pool_id: String::new(),
                sub: "s".into(),
                username: "u".into(),
                username_key: "u".into(),
                status: "CONFIRMED".into(),
                enabled: true,
                created_ms: 0,
                updated_ms: 0,
                attributes: String::new(),
                data: String::new(),
                version: 1,
            },
            attributes: Default::default(),
            data: Default::default(),
        }
    }

    fn set(name: &str, value: &str) -> AttributeType {
        AttributeType { name: Some(name.into()), value: Some(value.into()) }
    }

    #[test]
    fn booleans_are_stored_lower_case_and_others_refused() {
        let pool = pool_with(&[("flag", "Boolean")]);
        let mut u = user();
        let updates = [set("email", "a@example.com"), set("email_verified", "TRUE"), set("custom:flag", "False")];
        apply(&pool, &mut u, &updates, Mode::Create).unwrap();
        assert_eq!(u.attr("email_verified"), Some("true"));
        assert_eq!(u.attr("custom:flag"), Some("false"));
        assert!(u.is_verified("email"));
        let err = apply(&pool, &mut u, &[set("custom:flag", "yes")], Mode::Update).unwrap_err();
        assert_eq!(err, invalid("Attributes did not conform to the schema: custom:flag: Value must be true or false"));
    }

    #[test]
    fn every_unknown_attribute_is_named() {
        let pool = pool_with(&[]);
        let names = ["custom:a", "email", "nope"];
        assert_eq!(
            check_known(&pool, names),
            Err(invalid(
                "Invalid user attributes: user.custom:a: Attribute does not exist in the schema.\nuser.nope: Attribute does not exist in the schema."
            ))
        );
        assert_eq!(check_known(&pool, ["email", "name"]), Ok(()));
        let mut u = user();
        let err = apply(&pool, &mut u, &[set("x", "1"), set("y", "2")], Mode::Create).unwrap_err();
        assert_eq!(
            err,
            invalid(
                "Attributes did not conform to the schema: x: Attribute does not exist in the schema.\ny: Attribute does not exist in the schema.\n"
            )
        );
        assert!(u.attributes.is_empty());
    }
}
