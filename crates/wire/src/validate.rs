//! Request validation against the model, reproducing how AWS's JSON 1.1 (Coral) front end
//! rejects input: type mismatches are `SerializationException`s, constraint violations one
//! `InvalidParameterException` listing every violation in AWS's wording.
//!
//! Message paths follow Coral: member names with the first letter lower-cased, joined by `.`;
//! list items as `<list>.<1-based index>.member`; map keys and values are not addressed one
//! by one: a map whose keys (or values) break the key (value) shape's constraints gets one
//! error at the map's own path, `Map keys must satisfy constraint: [<all key constraints>]`
//! (`Map value must satisfy constraint: [...]`), keys first. Members nested inside map values
//! (none in Cognito) are addressed as `<map>.<key>.member.<name>`.

use crate::model::{Model, Operation, Shape, ShapeId, ShapeKind};
use serde_json::{Map, Value};
use std::fmt::{self, Display, Write as _};

/// Coral stops listing violations after ten; the count in the message is of those listed.
const MAX_REPORTED: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The body does not deserialize into the input shape (`SerializationException`).
    #[error("{0}")]
    Serialization(String),
    /// The body deserializes but breaks the model's constraints (`InvalidParameterException`).
    #[error("{0}")]
    InvalidParameter(String),
}

impl ValidationError {
    pub fn message(&self) -> &str {
        match self {
            ValidationError::Serialization(m) | ValidationError::InvalidParameter(m) => m,
        }
    }
}

/// Checks `body` against `op`'s input shape after removing every `null` from it (clients send
/// `null` to mean "absent"). Members the model does not know are left alone.
pub fn validate_input(model: &Model, op: &Operation, body: &mut Value) -> Result<(), ValidationError> {
    if !body.is_object() {
        return Err(mismatch(ShapeKind::Structure, body));
    }
    strip_nulls(body);
    let Some(input) = op.input.as_deref().and_then(|name| model.shape_id(name)) else {
        return Ok(());
    };
    let mut validator = Validator { model, errors: Vec::new() };
    validator.check(body, input, &Path::Root, false, Mode::Report)?;
    validator.finish()
}

fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => map.retain(|_, v| {
            strip_nulls(v);
            !v.is_null()
        }),
        Value::Array(items) => items.retain_mut(|v| {
            strip_nulls(v);
            !v.is_null()
        }),
        _ => {}
    }
}

/// Where a value sits in the request; rendered only when a violation is reported.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Member(&'a Path<'a>, &'a str),
    Item(&'a Path<'a>, usize),
    Entry(&'a Path<'a>, &'a str),
}

impl Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Member(Path::Root, name) => f.write_str(name),
            Path::Member(parent, name) => write!(f, "{parent}.{name}"),
            Path::Item(parent, index) => write!(f, "{parent}.{}.member", index + 1),
            Path::Entry(parent, key) => write!(f, "{parent}.{key}.member"),
        }
    }
}

/// Whether a value's own constraint violations are reported individually or, for map keys
/// and values, only summarised by the enclosing map.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Report,
    Probe,
}

#[derive(Clone, Copy)]
enum Violation<'m> {
    NotNull,
    MaxLength(i64),
    MinLength(i64),
    MaxValue(i64),
    MinValue(i64),
    Enum(&'m [String]),
    Pattern(&'m str),
    MapKeys(&'m Shape),
    MapValues(&'m Shape),
}

impl Display for Violation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::NotNull => f.write_str("Member must not be null"),
            Violation::MaxLength(n) => {
                write!(f, "Member must have length less than or equal to {n}")
            }
            Violation::MinLength(n) => {
                write!(f, "Member must have length greater than or equal to {n}")
            }
            Violation::MaxValue(n) => write!(f, "Member must have value less than or equal to {n}"),
            Violation::MinValue(n) => {
                write!(f, "Member must have value greater than or equal to {n}")
            }
            Violation::Enum(values) => write!(f, "Member must satisfy enum value set: [{}]", values.join(", ")),
            Violation::Pattern(p) => {
                write!(f, "Member must satisfy regular expression pattern: {p}")
            }
            Violation::MapKeys(shape) => write!(f, "Map keys must satisfy constraint: [{}]", AllConstraints(shape)),
            Violation::MapValues(shape) => write!(f, "Map value must satisfy constraint: [{}]", AllConstraints(shape)),
        }
    }
}

/// Every constraint a shape declares, in Coral's order (upper bound first), comma-joined.
struct AllConstraints<'m>(&'m Shape);

impl Display for AllConstraints<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shape = self.0;
        let (max, min) = match shape.bounds_value() {
            true => (shape.max.map(Violation::MaxValue), shape.min.map(Violation::MinValue)),
            false => (shape.max.map(Violation::MaxLength), shape.min.map(Violation::MinLength)),
        };
        let allowed = (!shape.enum_values.is_empty()).then_some(Violation::Enum(&shape.enum_values));
        let pattern = shape.pattern.as_ref().map(|p| Violation::Pattern(p.source()));
        let all = [max, min, allowed, pattern];
        for (i, violation) in all.iter().flatten().enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            write!(f, "{separator}{violation}")?;
        }
        Ok(())
    }
}

/// The violations of one value's own constraints: at most a length or range bound, an enum
/// and a pattern, so a fixed array keeps the happy path allocation-free.
#[derive(Default)]
struct Found<'m>([Option<Violation<'m>>; 3]);

impl<'m> Found<'m> {
    fn push(&mut self, violation: Violation<'m>) {
        if let Some(slot) = self.0.iter_mut().find(|slot| slot.is_none()) {
            *slot = Some(violation);
        }
    }

    fn is_empty(&self) -> bool {
        self.0[0].is_none()
    }

    fn iter(&self) -> impl Iterator<Item = Violation<'m>> + '_ {
        self.0.iter().flatten().copied()
    }
}

/// How the offending value appears in a message.
enum Shown<'v> {
    Null,
    Hidden,
    Value(&'v Value),
}

impl<'v> Shown<'v> {
    fn of(value: &'v Value, sensitive: bool) -> Shown<'v> {
        if sensitive { Shown::Hidden } else { Shown::Value(value) }
    }
}

impl Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Null => f.write_str(" null"),
            Shown::Hidden => Ok(()),
            Shown::Value(value) => write!(f, " '{}'", Rendered(value)),
        }
    }
}

/// Java `toString` style: strings bare, lists `[a, b]`, maps and structures `{k=v, k2=v2}`.
struct Rendered<'v>(&'v Value);

impl Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::String(s) => f.write_str(s),
            Value::Array(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    write!(f, "{}{}", if i == 0 { "" } else { ", " }, Rendered(item))?;
                }
                f.write_char(']')
            }
            Value::Object(map) => {
                f.write_char('{')?;
                for (i, (key, item)) in map.iter().enumerate() {
                    write!(f, "{}{key}={}", if i == 0 { "" } else { ", " }, Rendered(item))?;
                }
                f.write_char('}')
            }
            other => write!(f, "{other}"),
        }
    }
}

struct Validator<'m> {
    model: &'m Model,
    errors: Vec<String>,
}

impl<'m> Validator<'m> {
    /// Type-checks `value` as shape `id`, records its constraint violations and descends into
    /// it. Returns whether the value's own constraints held.
    fn check(
        &mut self,
        value: &Value,
        id: ShapeId,
        path: &Path<'_>,
        hidden: bool,
        mode: Mode,
    ) -> Result<bool, ValidationError> {
        let Some(shape) = self.model.shape_at(id) else {
            return Ok(true);
        };
        let hidden = hidden || shape.sensitive;
        let found = own_violations(shape, value)?;
        if mode == Mode::Report {
            for violation in found.iter() {
                self.report(path, Shown::of(value, hidden), violation);
            }
        }
        match value {
            Value::Object(map) if shape.kind == ShapeKind::Structure => self.structure(map, shape, path, hidden)?,
            Value::Object(map) if shape.kind == ShapeKind::Map => self.map(value, map, shape, path, hidden)?,
            Value::Array(items) if shape.kind == ShapeKind::List => self.list(items, shape, path, hidden)?,
            _ => {}
        }
        Ok(found.is_empty())
    }

    fn structure(
        &mut self,
        map: &Map<String, Value>,
        shape: &'m Shape,
        path: &Path<'_>,
        hidden: bool,
    ) -> Result<(), ValidationError> {
        for member in &shape.members {
            let here = Path::Member(path, &member.path_name);
            match map.get(&member.name) {
                Some(value) => {
                    self.check(value, member.target, &here, hidden, Mode::Report)?;
                }
                None if member.required => self.report(&here, Shown::Null, Violation::NotNull),
                None => {}
            }
        }
        Ok(())
    }

    fn list(&mut self, items: &[Value], shape: &Shape, path: &Path<'_>, hidden: bool) -> Result<(), ValidationError> {
        let Some(member) = shape.member else {
            return Ok(());
        };
        for (index, item) in items.iter().enumerate() {
            self.check(item, member, &Path::Item(path, index), hidden, Mode::Report)?;
        }
        Ok(())
    }

    fn map(
        &mut self,
        value: &Value,
        map: &Map<String, Value>,
        shape: &Shape,
        path: &Path<'_>,
        hidden: bool,
    ) -> Result<(), ValidationError> {
        let key_shape = shape.key.and_then(|id| self.model.shape_at(id));
        let mut keys_ok = true;
        let mut values_ok = true;
        for (key, item) in map {
            if let Some(key_shape) = key_shape {
                keys_ok &= string_violations(key_shape, key).is_empty();
            }
            if let Some(value_id) = shape.value {
                let here = Path::Entry(path, key);
                values_ok &= self.check(item, value_id, &here, hidden, Mode::Probe)?;
            }
        }
        let shown = || Shown::of(value, hidden);
        if let (false, Some(key_shape)) = (keys_ok, key_shape) {
            self.report(path, shown(), Violation::MapKeys(key_shape));
        }
        let value_shape = shape.value.and_then(|id| self.model.shape_at(id));
        if let (false, Some(value_shape)) = (values_ok, value_shape) {
            self.report(path, shown(), Violation::MapValues(value_shape));
        }
        Ok(())
    }

    fn report(&mut self, path: &Path<'_>, shown: Shown<'_>, violation: Violation<'_>) {
        if self.errors.len() < MAX_REPORTED {
            self.errors.push(format!("Value{shown} at '{path}' failed to satisfy constraint: {violation}"));
        }
    }

    fn finish(self) -> Result<(), ValidationError> {
        let count = self.errors.len();
        if count == 0 {
            return Ok(());
        }
        let plural = if count == 1 { "" } else { "s" };
        let detail = self.errors.join("; ");
        Err(ValidationError::InvalidParameter(format!("{count} validation error{plural} detected: {detail}")))
    }
}

/// Checks that `value` has the JSON type `shape` needs and returns the violations of the
/// shape's own constraints (not those of anything nested in it).
fn own_violations<'m>(shape: &'m Shape, value: &Value) -> Result<Found<'m>, ValidationError> {
    let wrong = || mismatch(shape.kind, value);
    match (shape.kind, value) {
        (ShapeKind::String, Value::String(s)) => Ok(string_violations(shape, s)),
        (ShapeKind::Blob, Value::String(s)) => Ok(length_violations(shape, base64_len(s)?)),
        (ShapeKind::List, Value::Array(items)) => Ok(length_violations(shape, items.len())),
        (ShapeKind::Map, Value::Object(map)) => Ok(length_violations(shape, map.len())),
        (ShapeKind::Integer, Value::Number(n)) => {
            let n = n.as_i64().filter(|n| i32::try_from(*n).is_ok()).ok_or_else(wrong)?;
            Ok(range_violations(shape, n))
        }
        (ShapeKind::Long, Value::Number(n)) => Ok(range_violations(shape, n.as_i64().ok_or_else(wrong)?)),
        (ShapeKind::Structure, Value::Object(_))
        | (ShapeKind::Boolean, Value::Bool(_))
        | (ShapeKind::Timestamp, Value::Number(_))
        | (ShapeKind::Document, _) => Ok(Found::default()),
        _ => Err(wrong()),
    }
}

fn string_violations<'m>(shape: &'m Shape, s: &str) -> Found<'m> {
    let mut found = match (shape.min, shape.max) {
        (None, None) => Found::default(),
        _ => length_violations(shape, s.chars().count()),
    };
    if !shape.enum_values.is_empty() && !shape.enum_values.iter().any(|allowed| allowed == s) {
        found.push(Violation::Enum(&shape.enum_values));
    }
    if let Some(pattern) = &shape.pattern
        && pattern.matches(s) == Some(false)
    {
        found.push(Violation::Pattern(pattern.source()));
    }
    found
}

fn length_violations(shape: &Shape, len: usize) -> Found<'_> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let mut found = Found::default();
    if let Some(max) = shape.max.filter(|max| len > *max) {
        found.push(Violation::MaxLength(max));
    }
    if let Some(min) = shape.min.filter(|min| len < *min) {
        found.push(Violation::MinLength(min));
    }
    found
}

fn range_violations(shape: &Shape, n: i64) -> Found<'_> {
    let mut found = Found::default();
    if let Some(max) = shape.max.filter(|max| n > *max) {
        found.push(Violation::MaxValue(max));
    }
    if let Some(min) = shape.min.filter(|min| n < *min) {
        found.push(Violation::MinValue(min));
    }
    found
}

/// Decoded length of standard, padded base64, which is what blob bounds limit.
fn base64_len(s: &str) -> Result<usize, ValidationError> {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(ValidationError::Serialization(format!(
            "Base64 encoded length is expected a multiple of 4 bytes but found: {}",
            bytes.len()
        )));
    }
    let padding = bytes.iter().rev().take_while(|b| **b == b'=').count().min(2);
    let body = &bytes[..bytes.len() - padding];
    let is_base64 = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
    if let Some(bad) = body.iter().find(|b| !is_base64(b)) {
        return Err(ValidationError::Serialization(format!("Invalid Base64 character: '{}'", char::from(*bad))));
    }
    Ok(bytes.len() / 4 * 3 - padding)
}

/// A `SerializationException` for `found` where `expected` was needed, in Coral's words.
fn mismatch(expected: ShapeKind, found: &Value) -> ValidationError {
    let message = match (found, expected) {
        (Value::Object(_), _) => "Start of structure or map found where not expected.".to_owned(),
        (Value::Array(_), _) => "Start of list found where not expected".to_owned(),
        (_, ShapeKind::List) => format!("Unrecognized collection type class {}", java_class(found)),
        _ => format!("{} can not be converted to {}", token(found), target_name(expected)),
    };
    ValidationError::Serialization(message)
}

fn token(found: &Value) -> &'static str {
    match found {
        Value::String(_) => "STRING_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::Bool(_) => "BOOLEAN_VALUE",
        _ => "NULL_VALUE",
    }
}

fn java_class(found: &Value) -> &'static str {
    match found {
        Value::Number(_) => "com.amazon.coral.value.json.numbers.TruncatingBigNumber",
        Value::Bool(_) => "java.lang.Boolean",
        _ => "java.lang.String",
    }
}

fn target_name(kind: ShapeKind) -> &'static str {
    match kind {
        ShapeKind::Structure => "a Structure",
        ShapeKind::Map => "a Map",
        ShapeKind::List => "a List",
        ShapeKind::String => "a String",
        ShapeKind::Integer => "an Integer",
        ShapeKind::Long => "a Long",
        ShapeKind::Boolean => "a Boolean",
        ShapeKind::Timestamp => "a Timestamp",
        ShapeKind::Blob => "a Blob",
        ShapeKind::Document => "a Document",
    }
}

#[cfg(test)]
// The workspace lints deny these everywhere; clippy.toml does not exempt tests.
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    const POOL_PATTERN: &str = r"[\w-]+_[0-9a-zA-Z]+";

    fn run(op: &str, mut body: Value) -> Result<Value, ValidationError> {
        let model = Model::idp();
        let op = model.operation(op).unwrap();
        validate_input(model, op, &mut body).map(|()| body)
    }

    fn invalid(op: &str, body: Value) -> String {
        match run(op, body) {
            Err(ValidationError::InvalidParameter(message)) => message,
            other => panic!("expected InvalidParameter, got {other:?}"),
        }
    }

    fn serialization(op: &str, body: Value) -> String {
        match run(op, body) {
            Err(ValidationError::Serialization(message)) => message,
            other => panic!("expected Serialization, got {other:?}"),
        }
    }

    fn one(detail: &str) -> String {
        format!("1 validation error detected: {detail}")
    }

    #[test]
    fn valid_create_user_pool_passes() {
        let body = json!({
            "PoolName": "my pool",
            "Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireLowercase": true}},
            "AutoVerifiedAttributes": ["email"],
            "Schema": [{"Name": "email", "AttributeDataType": "String", "Required": true}],
            "UserPoolTags": {"env": "dev", "empty": ""},
            "MfaConfiguration": "OFF",
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": true},
        });
        run("CreateUserPool", body).unwrap();
    }

    #[test]
    fn valid_admin_create_user_passes() {
        let body = json!({
            "UserPoolId": "us-east-1_AbC123",
            "Username": "alice",
            "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
            "DesiredDeliveryMediums": ["EMAIL"],
            "MessageAction": "SUPPRESS",
            "TemporaryPassword": "Temp#1234",
            "ClientMetadata": {"source": "test"},
        });
        run("AdminCreateUser", body).unwrap();
    }

    #[test]
    fn valid_list_users_passes_and_unknown_members_are_ignored() {
        let body = json!({
            "UserPoolId": "us-east-1_AbC123",
            "Limit": 60,
            "Filter": "email = \"a@example.com\"",
            "AttributesToGet": ["email"],
            "NotInTheModel": {"anything": [1, 2]},
        });
        run("ListUsers", body).unwrap();
        run("ListUsers", json!({"UserPoolId": "p_1", "Limit": 0})).unwrap();
    }

    #[test]
    fn missing_required_members_are_null() {
        let message = invalid("AdminCreateUser", json!({}));
        assert_eq!(
            message,
            "2 validation errors detected: \
             Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; \
             Value null at 'username' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn too_long_string() {
        let pool = format!("us-east-1_{}", "a".repeat(46));
        let message = invalid("ListUsers", json!({"UserPoolId": pool}));
        let detail = format!(
            "Value '{pool}' at 'userPoolId' failed to satisfy constraint: \
             Member must have length less than or equal to 55"
        );
        assert_eq!(message, one(&detail));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let name = "é".repeat(20);
        let body = json!({"PoolName": "p", "Schema": [{"Name": name}]});
        run("CreateUserPool", body).unwrap();
    }

    #[test]
    fn integer_range() {
        let below = invalid("ListUsers", json!({"UserPoolId": "p_1", "Limit": -1}));
        assert_eq!(
            below,
            one("Value '-1' at 'limit' failed to satisfy constraint: \
                 Member must have value greater than or equal to 0")
        );
        let above = invalid("ListUsers", json!({"UserPoolId": "p_1", "Limit": 61}));
        assert_eq!(
            above,
            one("Value '61' at 'limit' failed to satisfy constraint: \
                 Member must have value less than or equal to 60")
        );
    }

    #[test]
    fn enum_violation() {
        let body = json!({"UserPoolId": "p_1", "Username": "u", "MessageAction": "NOPE"});
        assert_eq!(
            invalid("AdminCreateUser", body),
            one("Value 'NOPE' at 'messageAction' failed to satisfy constraint: \
                 Member must satisfy enum value set: [RESEND, SUPPRESS]")
        );
    }

    #[test]
    fn pattern_violation() {
        let message = invalid("ListUsers", json!({"UserPoolId": "abc"}));
        let detail = format!(
            "Value 'abc' at 'userPoolId' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: {POOL_PATTERN}"
        );
        assert_eq!(message, one(&detail));
    }

    #[test]
    fn java_word_class_is_ascii_only() {
        let message = invalid("ListUsers", json!({"UserPoolId": "é_abc"}));
        assert!(message.starts_with("1 validation error detected: Value 'é_abc' at 'userPoolId'"));
        assert!(message.ends_with(POOL_PATTERN));
    }

    #[test]
    fn sensitive_values_are_omitted() {
        let body = json!({"UserPoolId": "p_1", "Username": "u", "Password": " leading space"});
        assert_eq!(
            invalid("AdminSetUserPassword", body),
            one(
                r"Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+(.*[\S]+)?"
            )
        );
    }

    #[test]
    fn errors_are_counted_and_ordered_by_member() {
        // Members are reported in the model's order (UserPoolId, Username, Password).
        let body = json!({"UserPoolId": "abc", "Password": "trailing "});
        let expected = format!(
            "3 validation errors detected: \
             Value 'abc' at 'userPoolId' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: {POOL_PATTERN}; \
             Value null at 'username' failed to satisfy constraint: Member must not be null; \
             Value at 'password' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\S]+(.*[\\S]+)?"
        );
        assert_eq!(invalid("AdminSetUserPassword", body), expected);
    }

    #[test]
    fn length_is_reported_before_pattern() {
        let message = invalid("ListUsers", json!({"UserPoolId": ""}));
        let expected = format!(
            "2 validation errors detected: \
             Value '' at 'userPoolId' failed to satisfy constraint: \
             Member must have length greater than or equal to 1; \
             Value '' at 'userPoolId' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: {POOL_PATTERN}"
        );
        assert_eq!(message, expected);
    }

    #[test]
    fn nested_structure_path() {
        let body = json!({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 5}}});
        assert_eq!(
            invalid("CreateUserPool", body),
            one("Value '5' at 'policies.passwordPolicy.minimumLength' failed to satisfy \
                 constraint: Member must have value greater than or equal to 6")
        );
    }

    #[test]
    fn list_item_paths() {
        let name = "n".repeat(33);
        let body = json!({
            "UserPoolId": "p_1",
            "Username": "u",
            "UserAttributes": [{"Name": name}, {"Value": "v"}],
            "DesiredDeliveryMediums": ["EMAIL", "FAX"],
        });
        let expected = format!(
            "3 validation errors detected: \
             Value '{name}' at 'userAttributes.1.member.name' failed to satisfy constraint: \
             Member must have length less than or equal to 32; \
             Value null at 'userAttributes.2.member.name' failed to satisfy constraint: \
             Member must not be null; \
             Value 'FAX' at 'desiredDeliveryMediums.2.member' failed to satisfy constraint: \
             Member must satisfy enum value set: [SMS, EMAIL]"
        );
        assert_eq!(invalid("AdminCreateUser", body), expected);
    }

    #[test]
    fn list_length_uses_length_wording() {
        let body = json!({"PoolName": "p", "Schema": []});
        assert_eq!(
            invalid("CreateUserPool", body),
            one("Value '[]' at 'schema' failed to satisfy constraint: \
                 Member must have length greater than or equal to 1")
        );
    }

    #[test]
    fn map_keys_and_values_are_reported_once_at_the_map() {
        let long = "v".repeat(257);
        let body = json!({"PoolName": "p", "UserPoolTags": {"": "a", "k": long}});
        let expected = format!(
            "2 validation errors detected: \
             Value '{{=a, k={long}}}' at 'userPoolTags' failed to satisfy constraint: \
             Map keys must satisfy constraint: [Member must have length less than or equal \
             to 128, Member must have length greater than or equal to 1]; \
             Value '{{=a, k={long}}}' at 'userPoolTags' failed to satisfy constraint: \
             Map value must satisfy constraint: [Member must have length less than or equal \
             to 256, Member must have length greater than or equal to 0]"
        );
        assert_eq!(invalid("CreateUserPool", body), expected);
    }

    #[test]
    fn sensitive_maps_hide_their_contents() {
        let body = json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": "client",
            "AuthParameters": {"PASSWORD": "x".repeat(131_073)},
        });
        assert_eq!(
            invalid("InitiateAuth", body),
            one("Value at 'authParameters' failed to satisfy constraint: Map value must satisfy \
                 constraint: [Member must have length less than or equal to 131072, \
                 Member must have length greater than or equal to 0]")
        );
    }

    #[test]
    fn reports_stop_at_ten() {
        let attributes: Vec<Value> = (0..12).map(|_| json!({"Value": "v"})).collect();
        let body = json!({"UserPoolId": "p_1", "Username": "u", "UserAttributes": attributes});
        let message = invalid("AdminCreateUser", body);
        assert!(message.starts_with("10 validation errors detected: "));
        assert_eq!(message.matches("; ").count(), 9);
        assert!(
            message.ends_with("'userAttributes.10.member.name' failed to satisfy constraint: Member must not be null")
        );
    }

    #[test]
    fn nulls_are_stripped_everywhere() {
        let body = json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": "client",
            "AuthParameters": {"USERNAME": "u", "PASSWORD": "p", "DEVICE_KEY": null},
            "ClientMetadata": null,
            "Nested": [null, {"a": null}],
        });
        let cleaned = run("InitiateAuth", body).unwrap();
        let expected = json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": "client",
            "AuthParameters": {"USERNAME": "u", "PASSWORD": "p"},
            "Nested": [{}],
        });
        assert_eq!(cleaned, expected);
    }

    #[test]
    fn null_required_member_is_missing() {
        let body = json!({"UserPoolId": null, "AttributesToGet": ["email", null]});
        assert_eq!(
            invalid("ListUsers", body),
            one("Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
        );
    }

    #[test]
    fn wrong_types_are_serialization_errors() {
        let cases = [
            (json!({"UserPoolId": "p_1", "Limit": "5"}), "STRING_VALUE can not be converted to an Integer"),
            (json!({"UserPoolId": "p_1", "Limit": 1.5}), "NUMBER_VALUE can not be converted to an Integer"),
            (
                json!({"UserPoolId": "p_1", "Limit": 4_294_967_296_i64}),
                "NUMBER_VALUE can not be converted to an Integer",
            ),
            (json!({"UserPoolId": 5}), "NUMBER_VALUE can not be converted to a String"),
            (json!({"UserPoolId": {}}), "Start of structure or map found where not expected."),
            (json!({"UserPoolId": ["p_1"]}), "Start of list found where not expected"),
            (
                json!({"UserPoolId": "p_1", "AttributesToGet": "email"}),
                "Unrecognized collection type class java.lang.String",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(serialization("ListUsers", body), expected);
        }
        let boolean = json!({"UserPoolId": "p_1", "Username": "u", "Password": "p", "Permanent": "true"});
        assert_eq!(serialization("AdminSetUserPassword", boolean), "STRING_VALUE can not be converted to a Boolean");
        let structure = json!({"PoolName": "p", "Policies": "strict"});
        assert_eq!(serialization("CreateUserPool", structure), "STRING_VALUE can not be converted to a Structure");
    }

    #[test]
    fn type_errors_win_over_constraint_errors() {
        let body = json!({"UserPoolId": "abc", "Limit": "5"});
        serialization("ListUsers", body);
    }

    #[test]
    fn blobs_are_base64_and_bounded_by_decoded_length() {
        run("SetUICustomization", json!({"UserPoolId": "p_1", "ImageFile": "aGVsbG8="})).unwrap();
        let odd = serialization("SetUICustomization", json!({"UserPoolId": "p_1", "ImageFile": "abc"}));
        assert!(odd.contains("multiple of 4"));
        let bad = serialization("SetUICustomization", json!({"UserPoolId": "p_1", "ImageFile": "ab*="}));
        assert!(bad.contains("'*'"));
        let big = "A".repeat(174_764);
        let message = invalid("SetUICustomization", json!({"UserPoolId": "p_1", "ImageFile": big}));
        assert!(message.ends_with("Member must have length less than or equal to 131072"));
    }

    #[test]
    fn body_must_be_an_object() {
        for body in [json!([]), json!("x"), json!(1), Value::Null] {
            assert!(matches!(run("ListUsers", body), Err(ValidationError::Serialization(_))));
        }
    }

    #[test]
    fn operation_without_input_accepts_any_object() {
        let op = Operation { name: "Nothing".into(), input: None, output: None, public: true };
        let mut body = json!({"a": null});
        validate_input(Model::idp(), &op, &mut body).unwrap();
        assert_eq!(body, json!({}));
        assert!(validate_input(Model::idp(), &op, &mut json!([])).is_err());
    }
}
