//! What a request brings to evaluation: the principal, the action, the resource and the condition
//! context (multi-valued keys, looked up case-insensitively as IAM does).

use std::collections::HashMap;

/// The kind of principal a trust or resource policy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// An account, IAM user, role or assumed-role session (`{"AWS": ...}`).
    Aws,
    /// An identity provider (`{"Federated": "cognito-identity.amazonaws.com"}`).
    Federated,
    /// A service principal (`{"Service": "lambda.amazonaws.com"}`).
    Service,
    /// An S3 canonical user id (`{"CanonicalUser": "79a5..."}`).
    CanonicalUser,
}

/// Who makes the request, as a trust or resource policy's `Principal` element sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPrincipal {
    pub kind: PrincipalKind,
    pub id: String,
}

impl RequestPrincipal {
    pub fn new(kind: PrincipalKind, id: impl Into<String>) -> Self {
        Self { kind, id: id.into() }
    }

    /// The identity-pool web identity: `{"Federated": "cognito-identity.amazonaws.com"}`.
    pub fn cognito_identity() -> Self {
        Self::new(PrincipalKind::Federated, "cognito-identity.amazonaws.com")
    }
}

/// Condition keys and their values. Key names are case-insensitive (`aws:CurrentTime` is
/// `AWS:currenttime`), so they are stored lowercased once here and never per evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    keys: HashMap<String, Vec<String>>,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a key to the given values (one value for a single-valued key; any number, even none,
    /// for a multi-valued key such as `cognito-identity.amazonaws.com:amr`).
    pub fn insert<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keys.insert(key.to_ascii_lowercase(), values.into_iter().map(Into::into).collect());
        self
    }

    /// The values of a key, by its lowercased name.
    pub(crate) fn get_lower(&self, key: &str) -> Option<&[String]> {
        self.keys.get(key).map(Vec::as_slice)
    }

    /// The values of a key, by its name in any case.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lower(&key.to_ascii_lowercase())
    }

    /// The single value a policy variable can take: a key with several values (or none) cannot be
    /// substituted, as IAM refuses multi-valued keys as variables.
    pub(crate) fn single(&self, key: &str) -> Option<&str> {
        match self.get_lower(key) {
            Some([one]) => Some(one.as_str()),
            _ => None,
        }
    }
}

/// One authorization question: may `principal` perform `action` on `resource` under `context`?
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// Who asks; only consulted by statements with `Principal` or `NotPrincipal`.
    pub principal: Option<RequestPrincipal>,
    /// `service:Action`, matched case-insensitively.
    pub action: String,
    /// The resource ARN, matched case-sensitively.
    pub resource: String,
    pub context: Context,
}

impl Request {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self { principal: None, action: action.into(), resource: resource.into(), context: Context::new() }
    }

    pub fn with_principal(mut self, principal: RequestPrincipal) -> Self {
        self.principal = Some(principal);
        self
    }

    pub fn with_context<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.context.insert(key, values);
        self
    }
}
