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

/// Applies `updates` to `user` after checking each against the schema.
pub(crate) fn apply(pool: &PoolDoc, user: &mut User, updates: &[AttributeType], mode: Mode) -> IdpResult<()> {
    let mut changed_contacts = Vec::new();
    for a in updates {
        let name = a.name.as_deref().unwrap_or_default();
        let value = a.value.clone().unwrap_or_default();
        let def = schema::find(pool.schema(), name)
            .ok_or_else(|| schema_error(name, "Attribute does not exist in the schema."))?;
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
    for name in names {
        let def = schema::find(pool.schema(), name)
            .ok_or_else(|| schema_error(name, "Attribute does not exist in the schema."))?;
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
        Some("Boolean") if value != "true" && value != "false" => {
            Err(schema_error(name, "Value must be true or false"))
        }
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
}
