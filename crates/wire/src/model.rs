//! The compact botocore model (see tools/gen-wire.py), resolved into an index-linked shape graph,
//! with each shape's Java regex translated to the `regex` dialect and compiled on first use.

use regex::Regex;
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{LazyLock, OnceLock};

/// A parsed service model: operations plus the shapes their inputs and outputs are made of.
#[derive(Debug, Default)]
pub struct Model {
    endpoint_prefix: String,
    target_prefix: String,
    operations: HashMap<String, Operation>,
    shapes: Vec<Shape>,
    by_name: HashMap<String, ShapeId>,
}

/// One API operation, as named in the `X-Amz-Target` header after the target prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub name: String,
    pub input: Option<String>,
    pub output: Option<String>,
    /// Callable without SigV4 (authenticated by tokens or not at all).
    pub public: bool,
}

/// Handle of a shape inside the [`Model`] that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShapeId(usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeKind {
    Structure,
    String,
    Integer,
    Long,
    Boolean,
    Timestamp,
    Blob,
    List,
    Map,
    Document,
}

/// A named shape with its constraints; `min`/`max` bound the length (strings, blobs, lists,
/// maps) or the value (integers, longs).
#[derive(Debug)]
pub struct Shape {
    pub name: String,
    pub kind: ShapeKind,
    /// Structure members, in model order.
    pub members: Vec<Member>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<Pattern>,
    pub enum_values: Vec<String>,
    pub sensitive: bool,
    pub exception: bool,
    /// List element shape.
    pub member: Option<ShapeId>,
    pub key: Option<ShapeId>,
    pub value: Option<ShapeId>,
}

#[derive(Debug)]
pub struct Member {
    /// The JSON member name (`UserPoolId`).
    pub name: String,
    /// The name AWS uses in validation messages (`userPoolId`).
    pub path_name: String,
    pub target: ShapeId,
    pub required: bool,
}

/// A Java regex from the model, matched Java-`matches`-style against whole values.
pub struct Pattern {
    source: String,
    compiled: OnceLock<Option<Compiled>>,
}

struct Compiled {
    regex: Regex,
    /// A trailing `(?<!c)` lookbehind, which the `regex` crate lacks, checked by hand.
    forbidden_suffix: Option<char>,
    /// Set when the pattern is one character class repeated (`[...]+` or `[...]*`), the
    /// shape of most token, id and name patterns.
    ascii: Option<AsciiClass>,
}

/// The ASCII characters a repeated class admits, read off the compiled regex itself (one
/// single-character match per character), so an ASCII value is checked by table lookup with
/// exactly the regex's answer. Values with other characters still go to the regex.
struct AsciiClass {
    allowed: [bool; 128],
    empty_ok: bool,
}

impl AsciiClass {
    fn of(body: &str, regex: &Regex) -> Option<AsciiClass> {
        let (class, empty_ok) = match (body.strip_suffix("]+"), body.strip_suffix("]*")) {
            (Some(c), _) => (c, false),
            (_, Some(c)) => (c, true),
            _ => return None,
        };
        let inner = class.strip_prefix('[')?;
        // Only a flat class: no nested or closing brackets except escaped ones.
        let mut escaped = false;
        for c in inner.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '[' | ']' => return None,
                _ => {}
            }
        }
        if escaped {
            return None;
        }
        let mut allowed = [false; 128];
        let mut buf = [0u8; 4];
        for (b, slot) in allowed.iter_mut().enumerate() {
            *slot = regex.is_match(char::from(b as u8).encode_utf8(&mut buf));
        }
        Some(AsciiClass { allowed, empty_ok })
    }

    fn matches(&self, value: &str) -> bool {
        (self.empty_ok || !value.is_empty()) && value.bytes().all(|b| self.allowed[usize::from(b)])
    }
}

static IDP: LazyLock<Model> = LazyLock::new(|| {
    // The embedded text is parsed by a unit test, so the empty fallback is unreachable in a
    // tested build; it exists only because the lints forbid `expect`.
    Model::parse(crate::idp::MODEL_JSON).unwrap_or_default()
});

static IDENTITY: LazyLock<Model> = LazyLock::new(|| Model::parse(crate::identity::MODEL_JSON).unwrap_or_default());

impl Model {
    pub fn parse(json: &str) -> Result<Model, serde_json::Error> {
        let raw: RawModel = serde_json::from_str(json)?;
        raw.resolve()
    }

    /// The `cognito-idp` model, parsed once per process.
    pub fn idp() -> &'static Model {
        &IDP
    }

    /// The `cognito-identity` model, parsed once per process.
    pub fn identity() -> &'static Model {
        &IDENTITY
    }

    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.get(name)
    }

    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.values()
    }

    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shape_id(name).and_then(|id| self.shape_at(id))
    }

    pub fn shape_id(&self, name: &str) -> Option<ShapeId> {
        self.by_name.get(name).copied()
    }

    /// `None` only for an id minted by a different model.
    pub fn shape_at(&self, id: ShapeId) -> Option<&Shape> {
        self.shapes.get(id.0)
    }

    pub fn shapes(&self) -> impl Iterator<Item = &Shape> {
        self.shapes.iter()
    }

    /// The `X-Amz-Target` prefix, e.g. `AWSCognitoIdentityProviderService`.
    pub fn target_prefix(&self) -> &str {
        &self.target_prefix
    }

    pub fn endpoint_prefix(&self) -> &str {
        &self.endpoint_prefix
    }
}

impl Shape {
    /// Whether `min`/`max` bound a numeric value rather than a length.
    pub fn bounds_value(&self) -> bool {
        matches!(self.kind, ShapeKind::Integer | ShapeKind::Long)
    }
}

impl Pattern {
    fn new(source: String) -> Pattern {
        Pattern { source, compiled: OnceLock::new() }
    }

    /// The pattern exactly as the model spells it (and as AWS quotes it in errors).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// False when the Java regex cannot be expressed for the `regex` crate; such patterns
    /// are not enforced.
    pub fn is_enforceable(&self) -> bool {
        self.compiled().is_some()
    }

    /// Java `String.matches` semantics; `None` when the pattern is not enforceable.
    pub fn matches(&self, value: &str) -> Option<bool> {
        let compiled = self.compiled().as_ref()?;
        let suffix_ok = compiled.forbidden_suffix.is_none_or(|c| !value.ends_with(c));
        let matched = match &compiled.ascii {
            Some(class) if value.is_ascii() => class.matches(value),
            _ => compiled.regex.is_match(value),
        };
        Some(suffix_ok && matched)
    }

    fn compiled(&self) -> &Option<Compiled> {
        self.compiled.get_or_init(|| compile_java(&self.source))
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

fn compile_java(java: &str) -> Option<Compiled> {
    let (body, forbidden_suffix) = split_trailing_lookbehind(java);
    let translated = translate_java(body)?;
    let regex = Regex::new(&format!("^(?:{translated})$")).ok()?;
    let ascii = AsciiClass::of(body, &regex);
    Some(Compiled { regex, forbidden_suffix, ascii })
}

/// Peels `(?<!c)` (optionally followed by `$`) off the end of a pattern: at the end of a
/// whole-value match it only says "does not end with c".
fn split_trailing_lookbehind(java: &str) -> (&str, Option<char>) {
    let trimmed = java.strip_suffix('$').unwrap_or(java);
    let Some(rest) = trimmed.strip_suffix(')') else {
        return (java, None);
    };
    let Some(start) = rest.rfind("(?<!") else {
        return (java, None);
    };
    let atom = &rest[start + 4..];
    let unescaped = atom.strip_prefix('\\').unwrap_or(atom);
    let mut chars = unescaped.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_ascii_alphanumeric() || unescaped.len() == atom.len() => (&rest[..start], Some(c)),
        _ => (java, None),
    }
}

/// Rewrites the Java-only parts of a regex. `None` for constructs the `regex` crate cannot
/// express (lookaround, `\Q..\E`, backreferences).
fn translate_java(java: &str) -> Option<String> {
    if ["(?=", "(?!", "(?<=", "(?<!"].iter().any(|l| java.contains(l)) {
        return None;
    }
    let dotall = java.starts_with("(?s)");
    let mut out = String::with_capacity(java.len() + 16);
    let mut class_depth = 0usize;
    let mut chars = java.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str(&translate_escape(chars.next()?, class_depth > 0)?),
            '[' => {
                class_depth += 1;
                out.push(c);
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            // Java's `.` also stops at \r and the Unicode line separators.
            '.' if class_depth == 0 && !dotall => out.push_str(r"[^\n\r\x{85}\x{2028}\x{2029}]"),
            _ => out.push(c),
        }
    }
    Some(out)
}

/// Java's `\w \d \s` are ASCII-only; the `regex` crate's are Unicode.
fn translate_escape(c: char, in_class: bool) -> Option<String> {
    let posix = match c {
        'w' => "word",
        'd' => "digit",
        's' => "space",
        'W' => "^word",
        'D' => "^digit",
        'S' => "^space",
        'Q' | 'E' | 'G' | 'Z' | '1'..='9' | 'k' => return None,
        _ => return Some(format!("\\{c}")),
    };
    Some(if in_class { format!("[:{posix}:]") } else { format!("[[:{posix}:]]") })
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Deserialize)]
struct RawModel {
    #[serde(default)]
    metadata: RawMetadata,
    operations: BTreeMap<String, RawOperation>,
    shapes: BTreeMap<String, RawShape>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct RawMetadata {
    endpoint_prefix: String,
    target_prefix: String,
}

#[derive(Deserialize)]
struct RawOperation {
    input: Option<String>,
    output: Option<String>,
    #[serde(default)]
    public: bool,
}

#[derive(Deserialize)]
struct RawShape {
    #[serde(rename = "type")]
    kind: ShapeKind,
    #[serde(default)]
    members: OrderedMembers,
    #[serde(default)]
    required: Vec<String>,
    min: Option<i64>,
    max: Option<i64>,
    pattern: Option<String>,
    #[serde(rename = "enum", default)]
    enum_values: Vec<String>,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    exception: bool,
    member: Option<String>,
    key: Option<String>,
    value: Option<String>,
}

/// Structure members in document order (a plain map would re-sort them).
#[derive(Default)]
struct OrderedMembers(Vec<(String, String)>);

impl<'de> Deserialize<'de> for OrderedMembers {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(OrderedMembersVisitor)
    }
}

struct OrderedMembersVisitor;

impl<'de> Visitor<'de> for OrderedMembersVisitor {
    type Value = OrderedMembers;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of member name to shape name")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<OrderedMembers, A::Error> {
        let mut members = Vec::with_capacity(access.size_hint().unwrap_or(0));
        while let Some(entry) = access.next_entry()? {
            members.push(entry);
        }
        Ok(OrderedMembers(members))
    }
}

impl RawModel {
    fn resolve(self) -> Result<Model, serde_json::Error> {
        let by_name: HashMap<String, ShapeId> =
            self.shapes.keys().enumerate().map(|(i, name)| (name.clone(), ShapeId(i))).collect();
        let lookup = |name: &str| {
            by_name
                .get(name)
                .copied()
                .ok_or_else(|| <serde_json::Error as de::Error>::custom(format!("unknown shape `{name}`")))
        };
        let shapes =
            self.shapes.into_iter().map(|(name, raw)| raw.resolve(name, &lookup)).collect::<Result<Vec<_>, _>>()?;
        let operations = resolve_operations(self.operations, &lookup)?;
        Ok(Model {
            endpoint_prefix: self.metadata.endpoint_prefix,
            target_prefix: self.metadata.target_prefix,
            operations,
            shapes,
            by_name,
        })
    }
}

type Lookup<'a> = dyn Fn(&str) -> Result<ShapeId, serde_json::Error> + 'a;

fn resolve_operations(
    raw: BTreeMap<String, RawOperation>,
    lookup: &Lookup<'_>,
) -> Result<HashMap<String, Operation>, serde_json::Error> {
    let mut operations = HashMap::with_capacity(raw.len());
    for (name, op) in raw {
        for shape in op.input.iter().chain(&op.output) {
            lookup(shape)?;
        }
        let operation = Operation { name: name.clone(), input: op.input, output: op.output, public: op.public };
        operations.insert(name, operation);
    }
    Ok(operations)
}

impl RawShape {
    fn resolve(self, name: String, lookup: &Lookup<'_>) -> Result<Shape, serde_json::Error> {
        let optional = |target: Option<String>| target.map(|t| lookup(&t)).transpose();
        let members = self
            .members
            .0
            .into_iter()
            .map(|(member, target)| {
                let required = self.required.contains(&member);
                let path_name = lower_first(&member);
                Ok(Member { name: member, path_name, target: lookup(&target)?, required })
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()?;
        Ok(Shape {
            name,
            kind: self.kind,
            members,
            min: self.min,
            max: self.max,
            pattern: self.pattern.map(Pattern::new),
            enum_values: self.enum_values,
            sensitive: self.sensitive,
            exception: self.exception,
            member: optional(self.member)?,
            key: optional(self.key)?,
            value: optional(self.value)?,
        })
    }
}

#[cfg(test)]
// The workspace lints deny these everywhere; clippy.toml does not exempt tests.
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn compiled(java: &str) -> Pattern {
        let pattern = Pattern::new(java.to_owned());
        assert!(pattern.is_enforceable(), "{java} did not compile");
        pattern
    }

    #[test]
    fn embedded_model_parses() {
        let model = Model::parse(crate::idp::MODEL_JSON).unwrap();
        assert_eq!(model.target_prefix(), "AWSCognitoIdentityProviderService");
        assert_eq!(model.endpoint_prefix(), "cognito-idp");
        // botocore 1.44.5, the version tools/gen-wire.py is pinned to.
        assert_eq!(model.operations().count(), 141);
        // The process-wide copy must be the real model, not the empty fallback.
        assert!(Model::idp().operation("ListUsers").is_some());
    }

    #[test]
    fn embedded_identity_model_parses() {
        let model = Model::parse(crate::identity::MODEL_JSON).unwrap();
        assert_eq!(model.target_prefix(), "AWSCognitoIdentityService");
        assert_eq!(model.endpoint_prefix(), "cognito-identity");
        assert_eq!(model.operations().count(), 23);
        assert!(Model::identity().operation("GetId").unwrap().public);
        assert!(!Model::identity().operation("CreateIdentityPool").unwrap().public);
    }

    #[test]
    fn operations_and_shapes_resolve() {
        let model = Model::idp();
        let op = model.operation("InitiateAuth").unwrap();
        assert_eq!(op.input.as_deref(), Some("InitiateAuthRequest"));
        assert!(op.public);
        assert!(!model.operation("AdminCreateUser").unwrap().public);
        let request = model.shape("ListUsersRequest").unwrap();
        let pool = request.members.iter().find(|m| m.name == "UserPoolId").unwrap();
        assert!(pool.required);
        assert_eq!(pool.path_name, "userPoolId");
        assert_eq!(model.shape_at(pool.target).unwrap().name, "UserPoolIdType");
        let limit = model.shape("QueryLimitType").unwrap();
        assert_eq!((limit.kind, limit.min, limit.max), (ShapeKind::Integer, Some(0), Some(60)));
    }

    #[test]
    fn every_model_pattern_compiles() {
        let model = Model::idp();
        let broken: Vec<&str> = model
            .shapes()
            .filter_map(|s| s.pattern.as_ref())
            .filter(|p| !p.is_enforceable())
            .map(Pattern::source)
            .collect();
        assert!(broken.is_empty(), "untranslatable patterns: {broken:?}");
        assert!(model.shapes().filter(|s| s.pattern.is_some()).count() > 50);
    }

    /// The table lookup must give the regex's answer for every repeated-class pattern of the
    /// model, on every ASCII character and on a few longer values.
    #[test]
    fn ascii_tables_agree_with_the_regex() {
        let mut tabled = 0;
        for pattern in Model::idp().shapes().filter_map(|s| s.pattern.as_ref()) {
            let Some(compiled) = pattern.compiled() else { continue };
            let Some(class) = &compiled.ascii else { continue };
            tabled += 1;
            let mut values: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
            values.extend(["", "abc", "a b", "A-Za_z.0=9", "us-east-1_abc", "x]y", "+/="].map(String::from));
            for v in values {
                assert_eq!(class.matches(&v), compiled.regex.is_match(&v), "{} on {v:?}", pattern.source());
            }
        }
        assert!(tabled > 20, "only {tabled} patterns use the table");
    }

    #[test]
    fn java_classes_are_ascii() {
        let pool = compiled(r"[\w-]+_[0-9a-zA-Z]+");
        assert_eq!(pool.matches("us-east-1_abc123"), Some(true));
        assert_eq!(pool.matches("us-east-1_abc123!"), Some(false));
        assert_eq!(pool.matches("é_abc"), Some(false));
        let password = compiled(r"[\S]+");
        assert_eq!(password.matches("pässword!"), Some(true));
        assert_eq!(password.matches("two words"), Some(false));
        let spaced = compiled(r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*");
        assert_eq!(spaced.matches("héllo wörld\t"), Some(true));
        assert_eq!(spaced.matches("a\u{2003}b"), Some(false));
    }

    #[test]
    fn whole_value_is_matched() {
        let digits = compiled("[0-9]+");
        assert_eq!(digits.matches("123"), Some(true));
        assert_eq!(digits.matches("123a"), Some(false));
        assert_eq!(digits.matches("a123"), Some(false));
        let alternation = compiled("^(terms-of-use|privacy-policy)$");
        assert_eq!(alternation.matches("terms-of-use"), Some(true));
        assert_eq!(alternation.matches("terms-of-usex"), Some(false));
    }

    #[test]
    fn trailing_lookbehind_becomes_suffix_check() {
        let bucket = compiled(r"^[0-9A-Za-z\.\-_]*(?<!\.)$");
        assert_eq!(bucket.matches("my-bucket.logs"), Some(true));
        assert_eq!(bucket.matches("my-bucket."), Some(false));
        assert_eq!(bucket.matches("my bucket"), Some(false));
    }

    #[test]
    fn java_dot_stops_at_line_breaks() {
        let template = compiled(r".*\{####\}.*");
        assert_eq!(template.matches("code {####} here"), Some(true));
        assert_eq!(template.matches("code\r{####}"), Some(false));
        assert_eq!(compiled("(?s).*").matches("a\r\nb"), Some(true));
    }

    #[test]
    fn unsupported_constructs_are_skipped() {
        let lookahead = Pattern::new("(?=a)a".to_owned());
        assert!(!lookahead.is_enforceable());
        assert_eq!(lookahead.matches("a"), None);
        assert!(!Pattern::new(r"(a)\1".to_owned()).is_enforceable());
    }

    #[test]
    fn dangling_references_are_rejected() {
        let json = r#"{"operations":{},"shapes":{"A":{"type":"list","member":"Nope"}}}"#;
        assert!(Model::parse(json).unwrap_err().to_string().contains("unknown shape `Nope`"));
        let json = r#"{"operations":{"Op":{"input":"Nope","output":null,"public":false}},"shapes":{}}"#;
        assert!(Model::parse(json).is_err());
    }

    #[test]
    fn member_order_follows_the_document() {
        let json = r#"{"operations":{},"shapes":{"S":{"type":"structure",
            "members":{"Zeta":"T","Alpha":"T"},"required":["Alpha"]},"T":{"type":"string"}}}"#;
        let model = Model::parse(json).unwrap();
        let names: Vec<&str> = model.shape("S").unwrap().members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["Zeta", "Alpha"]);
        assert_eq!(model.target_prefix(), "");
    }
}
