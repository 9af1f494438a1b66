//! The attribute schema of a pool: the standard OIDC attributes Cognito always has, plus
//! custom ones (`custom:<name>`, developer-only `dev:custom:<name>`).

use crate::{IdpResult, error::invalid};
use cognate_wire::idp::types::{NumberAttributeConstraintsType, SchemaAttributeType, StringAttributeConstraintsType};

pub(crate) const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// (name, data type) of every standard attribute, in the order DescribeUserPool lists them.
const STANDARD: &[(&str, &str)] = &[
    ("sub", "String"),
    ("name", "String"),
    ("given_name", "String"),
    ("family_name", "String"),
    ("middle_name", "String"),
    ("nickname", "String"),
    ("preferred_username", "String"),
    ("profile", "String"),
    ("picture", "String"),
    ("website", "String"),
    ("email", "String"),
    ("email_verified", "Boolean"),
    ("gender", "String"),
    ("birthdate", "String"),
    ("zoneinfo", "String"),
    ("locale", "String"),
    ("phone_number", "String"),
    ("phone_number_verified", "Boolean"),
    ("address", "String"),
    ("updated_at", "Number"),
    ("identities", "String"),
];

pub(crate) fn is_standard(name: &str) -> bool {
    STANDARD.iter().any(|(n, _)| *n == name)
}

fn standard_attribute(name: &str, data_type: &str) -> SchemaAttributeType {
    let strings = |min: &str, max: &str| StringAttributeConstraintsType {
        min_length: Some(min.into()),
        max_length: Some(max.into()),
    };
    SchemaAttributeType {
        name: Some(name.into()),
        attribute_data_type: Some(data_type.into()),
        developer_only_attribute: Some(false),
        mutable: Some(name != "sub"),
        required: Some(name == "sub"),
        string_attribute_constraints: match (name, data_type) {
            ("sub", _) => Some(strings("1", "2048")),
            ("birthdate", _) => Some(strings("10", "10")),
            ("identities", _) => Some(StringAttributeConstraintsType::default()),
            (_, "String") => Some(strings("0", "2048")),
            _ => None,
        },
        number_attribute_constraints: (data_type == "Number")
            .then(|| NumberAttributeConstraintsType { min_value: Some("0".into()), max_value: None }),
    }
}

/// The full schema for a new pool: the standard attributes with the request's overrides,
/// then the request's custom attributes.
pub(crate) fn build(requested: &[SchemaAttributeType]) -> IdpResult<Vec<SchemaAttributeType>> {
    let mut schema: Vec<SchemaAttributeType> = STANDARD.iter().map(|(n, t)| standard_attribute(n, t)).collect();
    let mut custom = Vec::new();
    for attr in requested {
        let name = attr.name.as_deref().unwrap_or_default();
        if is_standard(name) {
            override_standard(&mut schema, attr)?;
        } else {
            custom.push(attr.clone());
        }
    }
    add_custom(&mut schema, &custom)?;
    Ok(schema)
}

fn override_standard(schema: &mut [SchemaAttributeType], attr: &SchemaAttributeType) -> IdpResult<()> {
    let name = attr.name.as_deref().unwrap_or_default();
    let Some(existing) = schema.iter_mut().find(|a| a.name.as_deref() == Some(name)) else {
        return Ok(());
    };
    if name == "sub" {
        return Err(invalid("sub: cannot modify the schema of the sub attribute."));
    }
    if attr.attribute_data_type.is_some() && attr.attribute_data_type != existing.attribute_data_type {
        return Err(invalid(format!("{name}: the data type of a standard attribute cannot be changed.")));
    }
    if let Some(r) = attr.required {
        existing.required = Some(r);
    }
    if let Some(m) = attr.mutable {
        existing.mutable = Some(m);
    }
    if let Some(c) = &attr.string_attribute_constraints {
        existing.string_attribute_constraints = Some(c.clone());
    }
    Ok(())
}

/// Appends custom attributes, enforcing Cognito's rules on names, types and count.
pub(crate) fn add_custom(schema: &mut Vec<SchemaAttributeType>, custom: &[SchemaAttributeType]) -> IdpResult<()> {
    for attr in custom {
        let full = custom_name(attr)?;
        if schema.iter().any(|a| a.name.as_deref() == Some(full.as_str())) {
            return Err(invalid(format!("Existing attribute already has name {full}.")));
        }
        if attr.required == Some(true) {
            return Err(invalid("Required custom attributes are not supported currently."));
        }
        let data_type = attr.attribute_data_type.clone().unwrap_or_else(|| "String".into());
        check_constraints(attr, &data_type)?;
        schema.push(SchemaAttributeType {
            name: Some(full),
            attribute_data_type: Some(data_type),
            developer_only_attribute: Some(attr.developer_only_attribute.unwrap_or(false)),
            mutable: Some(attr.mutable.unwrap_or(true)),
            required: Some(false),
            string_attribute_constraints: attr.string_attribute_constraints.clone(),
            number_attribute_constraints: attr.number_attribute_constraints.clone(),
        });
    }
    if schema.iter().filter(|a| !is_standard(a.name.as_deref().unwrap_or_default())).count() > MAX_CUSTOM_ATTRIBUTES {
        return Err(crate::IdpError::LimitExceeded(format!(
            "A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
        )));
    }
    Ok(())
}

fn custom_name(attr: &SchemaAttributeType) -> IdpResult<String> {
    let name = attr.name.as_deref().unwrap_or_default();
    let bare = name.strip_prefix("custom:").unwrap_or(name);
    if bare.is_empty() || bare.chars().count() > 20 {
        return Err(invalid(format!("Invalid custom attribute name: {name}")));
    }
    Ok(if attr.developer_only_attribute == Some(true) {
        format!("dev:custom:{bare}")
    } else {
        format!("custom:{bare}")
    })
}

fn check_constraints(attr: &SchemaAttributeType, data_type: &str) -> IdpResult<()> {
    let parse = |v: &Option<String>| {
        v.as_deref()
            .map(|s| s.parse::<i64>().map_err(|_| invalid(format!("Invalid constraint value {s}."))))
            .transpose()
    };
    if let Some(c) = &attr.string_attribute_constraints {
        if data_type != "String" {
            return Err(invalid("StringAttributeConstraints are only allowed for String attributes."));
        }
        if let (Some(min), Some(max)) = (parse(&c.min_length)?, parse(&c.max_length)?)
            && min > max
        {
            return Err(invalid("MinLength cannot be greater than MaxLength."));
        }
    }
    if let Some(c) = &attr.number_attribute_constraints {
        if data_type != "Number" {
            return Err(invalid("NumberAttributeConstraints are only allowed for Number attributes."));
        }
        if let (Some(min), Some(max)) = (parse(&c.min_value)?, parse(&c.max_value)?)
            && min > max
        {
            return Err(invalid("MinValue cannot be greater than MaxValue."));
        }
    }
    Ok(())
}

/// Looks up an attribute's schema entry by its full name.
pub(crate) fn find<'a>(schema: &'a [SchemaAttributeType], name: &str) -> Option<&'a SchemaAttributeType> {
    schema.iter().find(|a| a.name.as_deref() == Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(name: &str, t: &str) -> SchemaAttributeType {
        SchemaAttributeType { name: Some(name.into()), attribute_data_type: Some(t.into()), ..Default::default() }
    }

    #[test]
    fn standard_and_custom() {
        let mut email = attr("email", "String");
        email.required = Some(true);
        let s = build(&[email, attr("tier", "Number")]).unwrap();
        assert_eq!(find(&s, "email").unwrap().required, Some(true));
        assert_eq!(find(&s, "custom:tier").unwrap().attribute_data_type.as_deref(), Some("Number"));
        assert_eq!(find(&s, "sub").unwrap().mutable, Some(false));
    }

    #[test]
    fn rejects_duplicates_and_required_custom() {
        assert!(build(&[attr("a", "String"), attr("a", "String")]).is_err());
        let mut req = attr("b", "String");
        req.required = Some(true);
        assert!(build(&[req]).is_err());
    }
}
