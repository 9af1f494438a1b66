//! Why a policy document was refused, worded like IAM's `MalformedPolicyDocument` messages.

/// A policy document that cannot be parsed. The message names the element at fault so the caller
/// can hand it back as `MalformedPolicyDocument` unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("Syntax errors in policy.")]
    Syntax,
    #[error("The policy document must be a JSON object.")]
    NotAnObject,
    #[error("Unknown field {0}.")]
    UnknownField(String),
    #[error("Invalid Version {0}: expected 2012-10-17 or 2008-10-17.")]
    InvalidVersion(String),
    #[error("Policy document must contain a Statement.")]
    MissingStatement,
    #[error("Statement must be an object or a list of objects.")]
    InvalidStatement,
    #[error("Statement IDs (SID) in a single policy must be unique.")]
    DuplicateSid,
    #[error("Missing required field Effect.")]
    MissingEffect,
    #[error("Invalid effect: {0}.")]
    InvalidEffect(String),
    #[error("Policy statement must contain actions.")]
    MissingAction,
    #[error("Statement cannot contain both {0} and {1}.")]
    Conflicting(&'static str, &'static str),
    #[error("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    ActionWithoutVendor,
    #[error("{0} must be a string or a list of strings.")]
    NotStrings(&'static str),
    #[error("{0} must not be an empty list.")]
    EmptyList(&'static str),
    #[error("Invalid principal in policy: {0}")]
    InvalidPrincipal(String),
    #[error("Invalid Condition type: {0}.")]
    UnknownOperator(String),
    #[error("Condition for {0} must be an object of condition keys.")]
    InvalidConditionBlock(String),
    #[error("Invalid value for {operator} {key}: {value}.")]
    InvalidConditionValue { operator: String, key: String, value: String },
    #[error("Invalid policy variable {0}.")]
    InvalidVariable(String),
}
