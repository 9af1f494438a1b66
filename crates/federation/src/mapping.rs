//! AttributeMapping: pool attribute ← provider attribute. What a provider sends is a JSON
//! object (ID token claims merged with userInfo, or a profile); values become the strings
//! user attributes are (booleans `true`/`false`, numbers as written, objects as JSON).

use crate::details::ProviderDoc;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const MAX_VALUE: usize = 2048;

fn as_attribute(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// The provider's id for the user and the mapped pool attributes. The id is what the
/// `username` mapping names, else `name_id` (SAML's NameID) when given, else `sub`. Fails when
/// the subject is missing or unusable.
pub(crate) fn apply(
    doc: &ProviderDoc,
    claims: &Map<String, Value>,
    name_id: Option<&str>,
) -> Result<(String, BTreeMap<String, String>), String> {
    let (subject, named) = match (doc.attribute_mapping.get("username"), name_id) {
        (Some(source), _) => (claims.get(source).and_then(as_attribute).unwrap_or_default(), source.as_str()),
        (None, Some(name_id)) => (name_id.to_owned(), "NameID"),
        (None, None) => (claims.get("sub").and_then(as_attribute).unwrap_or_default(), "sub"),
    };
    if subject.is_empty() || subject.len() > 128 - 33 || subject.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("the provider sent no usable {named}"));
    }
    let mut out = BTreeMap::new();
    for (attribute, source) in &doc.attribute_mapping {
        if attribute == "username" {
            continue;
        }
        if let Some(value) = claims.get(source).and_then(as_attribute) {
            if value.len() > MAX_VALUE {
                return Err(format!("the provider's {source} is too long"));
            }
            out.insert(attribute.clone(), value);
        }
    }
    Ok((subject, out))
}
