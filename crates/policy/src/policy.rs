//! IAM JSON policy documents parsed into a compiled form: Version, Id and statements with their
//! Effect, Principal/NotPrincipal, Action/NotAction, Resource/NotResource and Condition.

use std::collections::HashSet;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::arn::{ArnPattern, ArnRule};
use crate::condition::Conditions;
use crate::error::PolicyError;
use crate::pattern::{Syntax, Template};
use crate::principal::Principals;

/// The policy language version. Without a `Version` element IAM reads a policy as 2008-10-17,
/// where `${...}` is literal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2008_10_17,
    V2012_10_17,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A statement's `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalElement {
    Principal(Principals),
    NotPrincipal(Principals),
}

/// A statement's `Action` or `NotAction`, as lowercased wildcard patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ActionElement {
    Action(Vec<Template>),
    NotAction(Vec<Template>),
}

/// A statement's `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResourceElement {
    Resource(Vec<ArnPattern>),
    NotResource(Vec<ArnPattern>),
}

/// One compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) principal: Option<PrincipalElement>,
    pub(crate) action: ActionElement,
    /// Absent in trust policies, where the resource is the role itself.
    pub(crate) resource: Option<ResourceElement>,
    pub(crate) conditions: Conditions,
}

impl Statement {
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the statement names a `Principal` or `NotPrincipal` (identity policies must not).
    pub fn has_principal(&self) -> bool {
        self.principal.is_some()
    }

    /// Whether the statement names a `Resource` or `NotResource` (trust policies do not).
    pub fn has_resource(&self) -> bool {
        self.resource.is_some()
    }

    pub fn has_conditions(&self) -> bool {
        !self.conditions.is_empty()
    }
}

/// A parsed and compiled policy document, ready to evaluate many requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    version: Version,
    id: Option<String>,
    statements: Vec<Statement>,
}

impl Policy {
    pub fn parse(document: &str) -> Result<Self, PolicyError> {
        let value: Value = serde_json::from_str(document).map_err(|_| PolicyError::Syntax)?;
        let Value::Object(map) = value else { return Err(PolicyError::NotAnObject) };
        reject_unknown(&map, &["Version", "Id", "Statement"])?;
        let version = parse_version(map.get("Version"))?;
        let id = optional_string(&map, "Id")?;
        let statements = parse_statements(map.get("Statement"), version == Version::V2012_10_17)?;
        Ok(Self { version, id, statements })
    }

    pub fn version(&self) -> Version {
        self.version
    }

    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

impl FromStr for Policy {
    type Err = PolicyError;

    fn from_str(document: &str) -> Result<Self, Self::Err> {
        Self::parse(document)
    }
}

fn reject_unknown(map: &Map<String, Value>, known: &[&str]) -> Result<(), PolicyError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(PolicyError::UnknownField(unknown.clone())),
        None => Ok(()),
    }
}

fn parse_version(value: Option<&Value>) -> Result<Version, PolicyError> {
    match value {
        None => Ok(Version::V2008_10_17),
        Some(Value::String(v)) if v == "2012-10-17" => Ok(Version::V2012_10_17),
        Some(Value::String(v)) if v == "2008-10-17" => Ok(Version::V2008_10_17),
        Some(other) => {
            Err(PolicyError::InvalidVersion(other.as_str().map_or_else(|| other.to_string(), str::to_owned)))
        }
    }
}

fn optional_string(map: &Map<String, Value>, field: &'static str) -> Result<Option<String>, PolicyError> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(PolicyError::NotStrings(field)),
    }
}

fn parse_statements(value: Option<&Value>, variables: bool) -> Result<Vec<Statement>, PolicyError> {
    let statements = match value {
        None => return Err(PolicyError::MissingStatement),
        Some(Value::Array(items)) if items.is_empty() => return Err(PolicyError::MissingStatement),
        Some(Value::Array(items)) => {
            items.iter().map(|s| parse_statement(s, variables)).collect::<Result<Vec<_>, _>>()?
        }
        Some(one) => vec![parse_statement(one, variables)?],
    };
    let mut sids = HashSet::new();
    if statements.iter().filter_map(Statement::sid).any(|sid| !sids.insert(sid)) {
        return Err(PolicyError::DuplicateSid);
    }
    Ok(statements)
}

const STATEMENT_FIELDS: &[&str] =
    &["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

fn parse_statement(value: &Value, variables: bool) -> Result<Statement, PolicyError> {
    let Value::Object(map) = value else { return Err(PolicyError::InvalidStatement) };
    reject_unknown(map, STATEMENT_FIELDS)?;
    Ok(Statement {
        sid: optional_string(map, "Sid")?,
        effect: parse_effect(map.get("Effect"))?,
        principal: parse_principal(map)?,
        action: parse_action(map)?,
        resource: parse_resource(map, variables)?,
        conditions: match map.get("Condition") {
            Some(block) => Conditions::parse(block, variables)?,
            None => Conditions::default(),
        },
    })
}

fn parse_effect(value: Option<&Value>) -> Result<Effect, PolicyError> {
    match value {
        None => Err(PolicyError::MissingEffect),
        Some(Value::String(e)) if e == "Allow" => Ok(Effect::Allow),
        Some(Value::String(e)) if e == "Deny" => Ok(Effect::Deny),
        Some(other) => Err(PolicyError::InvalidEffect(other.as_str().map_or_else(|| other.to_string(), str::to_owned))),
    }
}

/// The one of a pair of mutually exclusive elements (`Action`/`NotAction`...) that is present.
fn either<'a>(
    map: &'a Map<String, Value>,
    positive: &'static str,
    negative: &'static str,
) -> Result<Option<(bool, &'a Value)>, PolicyError> {
    match (map.get(positive), map.get(negative)) {
        (Some(_), Some(_)) => Err(PolicyError::Conflicting(positive, negative)),
        (Some(v), None) => Ok(Some((false, v))),
        (None, Some(v)) => Ok(Some((true, v))),
        (None, None) => Ok(None),
    }
}

fn parse_principal(map: &Map<String, Value>) -> Result<Option<PrincipalElement>, PolicyError> {
    Ok(match either(map, "Principal", "NotPrincipal")? {
        None => None,
        Some((false, v)) => Some(PrincipalElement::Principal(Principals::parse(v)?)),
        Some((true, v)) => Some(PrincipalElement::NotPrincipal(Principals::parse(v)?)),
    })
}

fn parse_action(map: &Map<String, Value>) -> Result<ActionElement, PolicyError> {
    let Some((negated, value)) = either(map, "Action", "NotAction")? else { return Err(PolicyError::MissingAction) };
    let element = if negated { "NotAction" } else { "Action" };
    let names = strings(value, element).map_err(|e| match e {
        PolicyError::EmptyList(_) => PolicyError::MissingAction,
        other => other,
    })?;
    let mut patterns = Vec::with_capacity(names.len());
    for name in names {
        if name != "*" && !name.contains(':') {
            return Err(PolicyError::ActionWithoutVendor);
        }
        patterns.push(Template::parse(&name, Syntax { variables: false, wildcards: true })?.lowercased());
    }
    Ok(if negated { ActionElement::NotAction(patterns) } else { ActionElement::Action(patterns) })
}

fn parse_resource(map: &Map<String, Value>, variables: bool) -> Result<Option<ResourceElement>, PolicyError> {
    let Some((negated, value)) = either(map, "Resource", "NotResource")? else { return Ok(None) };
    let element = if negated { "NotResource" } else { "Resource" };
    let patterns = strings(value, element)?
        .iter()
        .map(|r| ArnPattern::parse(r, variables, ArnRule::Resource))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(if negated { ResourceElement::NotResource(patterns) } else { ResourceElement::Resource(patterns) }))
}

/// A string or a non-empty list of strings.
fn strings(value: &Value, element: &'static str) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if items.is_empty() => Err(PolicyError::EmptyList(element)),
        Value::Array(items) => {
            items.iter().map(|v| v.as_str().map(str::to_owned).ok_or(PolicyError::NotStrings(element))).collect()
        }
        _ => Err(PolicyError::NotStrings(element)),
    }
}
