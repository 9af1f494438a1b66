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

/// Applies a CreateUserPool Schema entry to a standard attribute: Required, Mutable and the
/// constraints may change (checked as a custom attribute's are); the type may not.
fn override_standard(schema: &mut [SchemaAttributeType], attr: &SchemaAttributeType) -> IdpResult<()> {
    let name = attr.name.as_deref().unwrap_or_default();
    let Some(existing) = schema.iter_mut().find(|a| a.name.as_deref() == Some(name)) else {
        return Ok(());
    };
    if name == "sub" {
        return Err(invalid("sub: cannot modify the schema of the sub attribute."));
    }
    let retyped = attr.attribute_data_type.is_some() && attr.attribute_data_type != existing.attribute_data_type;
    if retyped || attr.developer_only_attribute == Some(true) {
        return Err(invalid(format!(
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
        )));
    }
    let data_type = existing.attribute_data_type.clone().unwrap_or_default();
    let mut merged = existing.clone();
    if let Some(r) = attr.required {
        merged.required = Some(r);
    }
    if let Some(m) = attr.mutable {
        merged.mutable = Some(m);
    }
    if let Some(c) = &attr.string_attribute_constraints {
        let s = merged.string_attribute_constraints.get_or_insert_with(Default::default);
        s.min_length = c.min_length.clone().or(s.min_length.take());
        s.max_length = c.max_length.clone().or(s.max_length.take());
    }
    if let Some(c) = &attr.number_attribute_constraints {
        let n = merged.number_attribute_constraints.get_or_insert_with(Default::default);
        n.min_value = c.min_value.clone().or(n.min_value.take());
        n.max_value = c.max_value.clone().or(n.max_value.take());
    }
    check_constraints(name, &merged, &data_type)?;
    *existing = merged;
    Ok(())
}

/// Appends custom attributes, enforcing Cognito's rules on names, types and count.
pub(crate) fn add_custom(schema: &mut Vec<SchemaAttributeType>, custom: &[SchemaAttributeType]) -> IdpResult<()> {
    for attr in custom {
        let full = custom_name(attr)?;
        if schema.iter().any(|a| a.name.as_deref() == Some(full.as_str())) {
            let given = full.trim_start_matches("dev:");
            return Err(invalid(format!("{given}: Existing attribute already has name {full}.")));
        }
        if attr.required == Some(true) {
            return Err(invalid("Required custom attributes are not supported currently."));
        }
        let data_type = attr.attribute_data_type.clone().unwrap_or_else(|| "String".into());
        check_constraints(&full, attr, &data_type)?;
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

/// The longest value a string attribute can have.
const MAX_STRING_LENGTH: i64 = 2048;

/// An attribute's constraints: of its own type's kind, whole numbers (lengths not negative,
/// at most 2048), minimum not above maximum.
fn check_constraints(name: &str, attr: &SchemaAttributeType, data_type: &str) -> IdpResult<()> {
    if let Some(c) = &attr.string_attribute_constraints {
        if data_type != "String" {
            return Err(invalid("StringAttributeConstraints are only allowed for String attributes."));
        }
        let length = |v: &Option<String>| match bound(v) {
            Ok(Some(n)) if n > MAX_STRING_LENGTH => Err(invalid(format!(
                "user.{name}: String attributes cannot have a length of more than {MAX_STRING_LENGTH}"
            ))),
            Ok(n) if n.is_none_or(|n| n >= 0) => Ok(n),
            _ => Err(invalid(format!("Invalid StringAttributeConstraints for schema attribute {name}"))),
        };
        if let (Some(min), Some(max)) = (length(&c.min_length)?, length(&c.max_length)?)
            && min > max
        {
            return Err(invalid(format!("user.{name}: Max length cannot be less than min length.")));
        }
    }
    if let Some(c) = &attr.number_attribute_constraints {
        if data_type != "Number" {
            return Err(invalid("NumberAttributeConstraints are only allowed for Number attributes."));
        }
        let value = |v: &Option<String>| {
            bound(v).map_err(|()| invalid(format!("Invalid NumberAttributeConstraints for schema attribute {name}")))
        };
        if let (Some(min), Some(max)) = (value(&c.min_value)?, value(&c.max_value)?)
            && min > max
        {
            return Err(invalid(format!("user.{name}: Max value cannot be less than min value.")));
        }
    }
    Ok(())
}

/// A constraint as sent (constraints are strings on the wire): absent, or a whole number.
fn bound(v: &Option<String>) -> Result<Option<i64>, ()> {
    v.as_deref().map(|s| s.parse::<i64>().map_err(|_| ())).transpose()
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

    fn message(r: IdpResult<Vec<SchemaAttributeType>>) -> String {
        match r {
            Err(crate::IdpError::InvalidParameter(m)) => m,
            other => panic!("expected InvalidParameter, got {other:?}"),
        }
    }

    fn strings(name: &str, min: Option<&str>, max: Option<&str>) -> SchemaAttributeType {
        let mut a = attr(name, "String");
        a.string_attribute_constraints =
            Some(StringAttributeConstraintsType { min_length: min.map(Into::into), max_length: max.map(Into::into) });
        a
    }

    #[test]
    fn standard_constraints_are_checked_like_custom_ones() {
        assert_eq!(
            message(build(&[strings("name", Some("x"), None)])),
            "Invalid StringAttributeConstraints for schema attribute name"
        );
        assert_eq!(
            message(build(&[strings("name", Some("-1"), None)])),
            "Invalid StringAttributeConstraints for schema attribute name"
        );
        assert_eq!(
            message(build(&[strings("name", None, Some("2049"))])),
            "user.name: String attributes cannot have a length of more than 2048"
        );
        assert_eq!(
            message(build(&[strings("name", Some("9"), Some("3"))])),
            "user.name: Max length cannot be less than min length."
        );
        // birthdate keeps its minimum of 10 when only the maximum is given.
        assert_eq!(
            message(build(&[strings("birthdate", None, Some("5"))])),
            "user.birthdate: Max length cannot be less than min length."
        );
        assert_eq!(
            message(build(&[strings("custom:c", Some("3"), Some("2049"))])),
            "user.custom:c: String attributes cannot have a length of more than 2048"
        );
        let s = build(&[strings("name", Some("2"), Some("50"))]).unwrap();
        let c = find(&s, "name").unwrap().string_attribute_constraints.clone().unwrap();
        assert_eq!((c.min_length.as_deref(), c.max_length.as_deref()), (Some("2"), Some("50")));
    }

    #[test]
    fn number_constraints_of_a_standard_attribute_are_kept() {
        let mut updated = attr("updated_at", "Number");
        updated.number_attribute_constraints =
            Some(NumberAttributeConstraintsType { min_value: Some("5".into()), max_value: Some("9".into()) });
        let s = build(&[updated.clone()]).unwrap();
        let c = find(&s, "updated_at").unwrap().number_attribute_constraints.clone().unwrap();
        assert_eq!((c.min_value.as_deref(), c.max_value.as_deref()), (Some("5"), Some("9")));
        updated.number_attribute_constraints =
            Some(NumberAttributeConstraintsType { min_value: Some("9".into()), max_value: Some("five".into()) });
        assert_eq!(
            message(build(&[updated.clone()])),
            "Invalid NumberAttributeConstraints for schema attribute updated_at"
        );
        updated.number_attribute_constraints =
            Some(NumberAttributeConstraintsType { min_value: Some("9".into()), max_value: Some("5".into()) });
        assert_eq!(message(build(&[updated])), "user.updated_at: Max value cannot be less than min value.");
    }

    #[test]
    fn standard_attributes_keep_their_type_and_visibility() {
        let expected =
            "You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email";
        assert_eq!(message(build(&[attr("email", "Number")])), expected);
        let mut dev = attr("email", "String");
        dev.developer_only_attribute = Some(true);
        assert_eq!(message(build(&[dev])), expected);
    }

    #[test]
    fn an_existing_custom_attribute_is_named_in_full() {
        assert_eq!(
            message(build(&[attr("a", "String"), attr("custom:a", "String")])),
            "custom:a: Existing attribute already has name custom:a."
        );
    }
}
