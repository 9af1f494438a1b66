//! The IAM subset that defines the roles identity pools name: roles with trust policies,
//! inline role policies, and customer-managed policies attached to roles. Every document is
//! parsed by `cognate-policy` before it is stored, so a role in the store always evaluates.

use crate::docs::IAM;
use crate::query::{Node, Params, iso, url_encode};
use crate::{Identity, IdentityError, IdentityResult};
use cognate_policy::Policy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const ROLE_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RoleDoc {
    pub name: String,
    pub id: String,
    pub path: String,
    pub arn: String,
    pub trust: String,
    pub description: Option<String>,
    pub max_session_s: i64,
    pub created_ms: i64,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// Inline policies: name → document.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies' ARNs.
    #[serde(default)]
    pub attached: Vec<String>,
    /// The document as read, which a write back must find unchanged.
    #[serde(skip)]
    raw: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PolicyDoc {
    pub name: String,
    pub id: String,
    pub path: String,
    pub arn: String,
    pub description: Option<String>,
    pub document: String,
    pub created_ms: i64,
    pub attachments: i64,
    #[serde(skip)]
    raw: Option<String>,
}

/// An OpenID Connect provider IAM trusts (`CreateOpenIDConnectProvider`): identity pools name
/// it in OpenIdConnectProviderARNs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OidcProviderDoc {
    pub arn: String,
    /// The issuer URL, scheme included.
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub created_ms: i64,
}

/// A SAML identity provider IAM trusts (`CreateSAMLProvider`): identity pools name it in
/// SamlProviderARNs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SamlProviderDoc {
    pub arn: String,
    pub metadata: String,
    pub created_ms: i64,
}

fn no_saml_provider(arn: &str) -> IdentityError {
    IdentityError::NoSuchEntity(format!("Manifest not found for arn {arn}"))
}

fn no_role(name: &str) -> IdentityError {
    IdentityError::NoSuchEntity(format!("The role with name {name} cannot be found."))
}

fn no_policy(arn: &str) -> IdentityError {
    IdentityError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
}

/// A policy document as IAM accepts it: JSON that `cognate-policy` compiles; a trust policy
/// must name principals and an identity policy must not.
fn check_document(text: &str, trust: bool) -> IdentityResult<Policy> {
    if text.len() > 131_072 {
        return Err(IdentityError::LimitExceeded("The policy document is too large.".into()));
    }
    let policy = Policy::parse(text)
        .map_err(|e| IdentityError::MalformedPolicyDocument(format!("Syntax errors in policy. {e}")))?;
    let principals = policy.statements().iter().any(|s| s.has_principal());
    if trust && !policy.statements().iter().all(|s| s.has_principal()) {
        return Err(IdentityError::MalformedPolicyDocument(
            "AssumeRolePolicy policy: Missing required field Principal".into(),
        ));
    }
    if !trust && principals {
        return Err(IdentityError::MalformedPolicyDocument("Policy document should not specify a principal.".into()));
    }
    Ok(policy)
}

fn check_path(path: Option<&str>) -> IdentityResult<String> {
    let path = path.unwrap_or("/");
    if !path.starts_with('/') || !path.ends_with('/') || path.len() > 512 {
        return Err(IdentityError::InvalidParameter(format!(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters: {path}"
        )));
    }
    Ok(path.to_owned())
}

fn check_name(kind: &str, name: &str) -> IdentityResult<()> {
    let ok = !name.is_empty()
        && name.len() <= if kind == "role" { 64 } else { 128 }
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(IdentityError::InvalidParameter(format!("The specified value for {kind}Name is invalid: {name}")))
    }
}

fn role_node(name: &str, role: &RoleDoc) -> Node {
    Node::new(name)
        .field("Path", &role.path)
        .field("RoleName", &role.name)
        .field("RoleId", &role.id)
        .field("Arn", &role.arn)
        .field("CreateDate", iso(role.created_ms))
        .field("AssumeRolePolicyDocument", url_encode(&role.trust))
        .opt("Description", role.description.clone())
        .field("MaxSessionDuration", role.max_session_s.to_string())
        .child(Node::members(
            "Tags",
            role.tags.iter().map(|(k, v)| Node::new("member").field("Key", k).field("Value", v)),
        ))
}

fn policy_node(name: &str, policy: &PolicyDoc) -> Node {
    Node::new(name)
        .field("PolicyName", &policy.name)
        .field("PolicyId", &policy.id)
        .field("Arn", &policy.arn)
        .field("Path", &policy.path)
        .field("DefaultVersionId", "v1")
        .field("AttachmentCount", policy.attachments.to_string())
        .field("PermissionsBoundaryUsageCount", "0")
        .field("IsAttachable", "true")
        .opt("Description", policy.description.clone())
        .field("CreateDate", iso(policy.created_ms))
        .field("UpdateDate", iso(policy.created_ms))
}

/// A page of a sorted list: IAM's Marker and MaxItems (default 100, at most 1000).
fn page<T>(items: Vec<(String, T)>, params: &Params) -> IdentityResult<(Vec<T>, Option<String>)> {
    let max = params.int("MaxItems")?.unwrap_or(100);
    if !(1..=1000).contains(&max) {
        return Err(IdentityError::InvalidParameter(format!(
            "1 validation error detected: Value '{max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"
        )));
    }
    let max = max as usize;
    let marker = params.get("Marker");
    let mut rest: Vec<(String, T)> = items.into_iter().filter(|(k, _)| marker.is_none_or(|m| k.as_str() > m)).collect();
    let more = rest.len() > max;
    rest.truncate(max);
    let next = if more { rest.last().map(|(k, _)| k.clone()) } else { None };
    Ok((rest.into_iter().map(|(_, v)| v).collect(), next))
}

fn truncation(node: Node, next: Option<String>) -> Node {
    node.field("IsTruncated", next.is_some().to_string()).opt("Marker", next)
}

impl Identity {
    pub(crate) fn role_arn(&self, path: &str, name: &str) -> String {
        format!("arn:aws:iam::{}:role{path}{name}", self.settings.account_id)
    }

    /// The role an ARN names, if it exists.
    pub(crate) async fn role_by_arn(&self, arn: &str) -> IdentityResult<Option<RoleDoc>> {
        let prefix = format!("arn:aws:iam::{}:role/", self.settings.account_id);
        let Some(rest) = arn.strip_prefix(&prefix) else { return Ok(None) };
        let name = rest.rsplit('/').next().unwrap_or_default();
        Ok(self.get_doc::<RoleDoc>(IAM, "role", &name.to_ascii_lowercase()).await?.filter(|r| r.arn == arn))
    }

    /// `arn:aws:iam::{account}:oidc-provider/{host/path}` for an issuer URL.
    pub(crate) fn oidc_provider_arn(&self, url: &str) -> String {
        let bare = url.split_once("://").map_or(url, |(_, rest)| rest).trim_end_matches('/');
        format!("arn:aws:iam::{}:oidc-provider/{bare}", self.settings.account_id)
    }

    pub(crate) async fn oidc_provider(&self, arn: &str) -> IdentityResult<Option<OidcProviderDoc>> {
        self.get_doc(IAM, "oidc-provider", arn).await
    }

    pub(crate) async fn saml_provider(&self, arn: &str) -> IdentityResult<Option<SamlProviderDoc>> {
        self.get_doc(IAM, "saml-provider", arn).await
    }

    fn check_saml_metadata(&self, xml: &str) -> IdentityResult<()> {
        if xml.len() < 1000 {
            return Err(IdentityError::InvalidParameter(
                "1 validation error detected: Value at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000".into(),
            ));
        }
        self.federation
            .check_saml_metadata(xml)
            .map_err(|e| IdentityError::InvalidInput(format!("Could not parse metadata: {e}")))
    }

    async fn role(&self, name: &str) -> IdentityResult<RoleDoc> {
        let record =
            self.store.get_pool_doc(IAM, "role", &name.to_ascii_lowercase()).await?.ok_or_else(|| no_role(name))?;
        let mut role: RoleDoc = serde_json::from_str(&record.doc).map_err(crate::error::internal)?;
        role.raw = Some(record.doc);
        Ok(role)
    }

    async fn managed(&self, arn: &str) -> IdentityResult<PolicyDoc> {
        let record = self.store.get_pool_doc(IAM, "policy", arn).await?.ok_or_else(|| no_policy(arn))?;
        let mut policy: PolicyDoc = serde_json::from_str(&record.doc).map_err(crate::error::internal)?;
        policy.raw = Some(record.doc);
        Ok(policy)
    }

    /// Writes roles and policies read by [`Self::role`] and [`Self::managed`] (or deletes
    /// them), only if nobody changed them since: a concurrent change of the same role (a
    /// policy removed while another is attached) fails instead of being undone.
    async fn save_iam(&self, roles: &[&RoleDoc], policies: &[&PolicyDoc], delete: bool) -> IdentityResult<()> {
        let now = self.now_ms();
        let mut writes = cognate_store::DocWrites::default();
        let names: Vec<String> = roles.iter().map(|r| r.name.to_ascii_lowercase()).collect();
        for (role, name) in roles.iter().zip(&names) {
            writes.expect.push(cognate_store::DocExpect {
                pool_id: IAM.into(),
                kind: "role".into(),
                name: name.clone(),
                doc: role.raw.clone(),
            });
            if delete {
                writes.deletes.push((IAM, "role", name.as_str()));
            } else {
                writes.puts.push(crate::docs::record(IAM, "role", name, *role, now)?);
            }
        }
        for policy in policies {
            writes.expect.push(cognate_store::DocExpect {
                pool_id: IAM.into(),
                kind: "policy".into(),
                name: policy.arn.clone(),
                doc: policy.raw.clone(),
            });
            if delete {
                writes.deletes.push((IAM, "policy", policy.arn.as_str()));
            } else {
                writes.puts.push(crate::docs::record(IAM, "policy", &policy.arn, *policy, now)?);
            }
        }
        let written = self.store.write_pool_docs(&writes).await;
        self.policies.clear();
        match written {
            Ok(()) => Ok(()),
            Err(cognate_store::StoreError::Conflict(_)) => Err(IdentityError::ConcurrentModification(
                "The entity was modified at the same time by another request; try again.".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    async fn save_role(&self, role: &RoleDoc) -> IdentityResult<()> {
        self.save_iam(&[role], &[], false).await
    }

    /// The identity policies of a role: its inline policies and the attached managed ones.
    pub(crate) async fn role_policies(&self, role: &RoleDoc) -> IdentityResult<Vec<(String, String)>> {
        let mut out: Vec<(String, String)> =
            role.inline.iter().map(|(n, d)| (format!("inline:{n}"), d.clone())).collect();
        for arn in &role.attached {
            if let Some(p) = self.get_doc::<PolicyDoc>(IAM, "policy", arn).await? {
                out.push((arn.clone(), p.document));
            }
        }
        Ok(out)
    }

    /// Runs an IAM action for the administrator. `None`: an action with no result element.
    pub async fn iam(&self, action: &str, params: &Params) -> IdentityResult<Option<Node>> {
        let result = Node::new(&format!("{action}Result"));
        let node = match action {
            "CreateRole" => {
                let name = params.required("RoleName")?;
                check_name("role", name)?;
                let trust = params.required("AssumeRolePolicyDocument")?;
                check_document(trust, true)?;
                let path = check_path(params.get("Path"))?;
                let max_session_s = params.int("MaxSessionDuration")?.unwrap_or(3600);
                if !(3600..=43_200).contains(&max_session_s) {
                    return Err(IdentityError::InvalidParameter(
                        "MaxSessionDuration must be between 3600 and 43200 seconds.".into(),
                    ));
                }
                let role = RoleDoc {
                    name: name.to_owned(),
                    id: format!("AROA{}", cognate_crypto::random::string_from(ROLE_ALPHABET, 17)),
                    arn: self.role_arn(&path, name),
                    path,
                    trust: trust.to_owned(),
                    description: params.get("Description").map(String::from),
                    max_session_s,
                    created_ms: self.now_ms(),
                    tags: params.tags("Tags"),
                    inline: BTreeMap::new(),
                    attached: Vec::new(),
                    raw: None,
                };
                if !self.insert_doc(IAM, "role", &name.to_ascii_lowercase(), &role).await? {
                    return Err(IdentityError::EntityAlreadyExists(format!("Role with name {name} already exists.")));
                }
                // A "no such role" this node remembers is now wrong.
                self.policies.clear();
                result.child(role_node("Role", &role))
            }
            "GetRole" => result.child(role_node("Role", &self.role(params.required("RoleName")?).await?)),
            "UpdateAssumeRolePolicy" => {
                let mut role = self.role(params.required("RoleName")?).await?;
                let trust = params.required("PolicyDocument")?;
                check_document(trust, true)?;
                role.trust = trust.to_owned();
                self.save_role(&role).await?;
                return Ok(None);
            }
            "DeleteRole" => {
                let role = self.role(params.required("RoleName")?).await?;
                if !role.inline.is_empty() || !role.attached.is_empty() {
                    return Err(IdentityError::DeleteConflict(
                        "Cannot delete entity, must delete policies first.".into(),
                    ));
                }
                self.save_iam(&[&role], &[], true).await?;
                return Ok(None);
            }
            "ListRoles" => {
                let prefix = params.get("PathPrefix").unwrap_or("/");
                let roles = self.list_docs::<RoleDoc>(IAM, "role", None, 10_000).await?;
                let roles = roles.into_iter().filter(|(_, r)| r.path.starts_with(prefix)).collect();
                let (roles, next) = page(roles, params)?;
                truncation(result.child(Node::members("Roles", roles.iter().map(|r| role_node("member", r)))), next)
            }
            "PutRolePolicy" => {
                let mut role = self.role(params.required("RoleName")?).await?;
                let name = params.required("PolicyName")?;
                check_name("policy", name)?;
                let document = params.required("PolicyDocument")?;
                check_document(document, false)?;
                role.inline.insert(name.to_owned(), document.to_owned());
                self.save_role(&role).await?;
                return Ok(None);
            }
            "GetRolePolicy" => {
                let role = self.role(params.required("RoleName")?).await?;
                let name = params.required("PolicyName")?;
                let document = role.inline.get(name).ok_or_else(|| {
                    IdentityError::NoSuchEntity(format!("The role policy with name {name} cannot be found."))
                })?;
                result
                    .field("RoleName", &role.name)
                    .field("PolicyName", name)
                    .field("PolicyDocument", url_encode(document))
            }
            "DeleteRolePolicy" => {
                let mut role = self.role(params.required("RoleName")?).await?;
                let name = params.required("PolicyName")?;
                if role.inline.remove(name).is_none() {
                    return Err(IdentityError::NoSuchEntity(format!(
                        "The role policy with name {name} cannot be found."
                    )));
                }
                self.save_role(&role).await?;
                return Ok(None);
            }
            "ListRolePolicies" => {
                let role = self.role(params.required("RoleName")?).await?;
                let names = role.inline.keys().map(|n| (n.clone(), n.clone())).collect();
                let (names, next) = page(names, params)?;
                truncation(
                    result.child(Node::members("PolicyNames", names.into_iter().map(|n| Node::text("member", n)))),
                    next,
                )
            }
            "CreatePolicy" => {
                let name = params.required("PolicyName")?;
                check_name("policy", name)?;
                let document = params.required("PolicyDocument")?;
                check_document(document, false)?;
                let path = check_path(params.get("Path"))?;
                let policy = PolicyDoc {
                    name: name.to_owned(),
                    id: format!("ANPA{}", cognate_crypto::random::string_from(ROLE_ALPHABET, 17)),
                    arn: format!("arn:aws:iam::{}:policy{path}{name}", self.settings.account_id),
                    path,
                    description: params.get("Description").map(String::from),
                    document: document.to_owned(),
                    created_ms: self.now_ms(),
                    attachments: 0,
                    raw: None,
                };
                let taken =
                    self.list_docs::<PolicyDoc>(IAM, "policy", None, 10_000).await?.iter().any(|(_, p)| p.name == name);
                if taken || !self.insert_doc(IAM, "policy", &policy.arn, &policy).await? {
                    return Err(IdentityError::EntityAlreadyExists(format!(
                        "A policy called {name} already exists. Duplicate names are not allowed."
                    )));
                }
                result.child(policy_node("Policy", &policy))
            }
            "GetPolicy" => result.child(policy_node("Policy", &self.managed(params.required("PolicyArn")?).await?)),
            "GetPolicyVersion" => {
                let policy = self.managed(params.required("PolicyArn")?).await?;
                let version = params.required("VersionId")?;
                if version != "v1" {
                    return Err(IdentityError::NoSuchEntity(format!(
                        "Policy {} version {version} does not exist.",
                        policy.arn
                    )));
                }
                result.child(
                    Node::new("PolicyVersion")
                        .field("Document", url_encode(&policy.document))
                        .field("VersionId", "v1")
                        .field("IsDefaultVersion", "true")
                        .field("CreateDate", iso(policy.created_ms)),
                )
            }
            "DeletePolicy" => {
                let policy = self.managed(params.required("PolicyArn")?).await?;
                if policy.attachments > 0 {
                    return Err(IdentityError::DeleteConflict("Cannot delete a policy attached to entities.".into()));
                }
                self.save_iam(&[], &[&policy], true).await?;
                return Ok(None);
            }
            "ListPolicies" => {
                if params.get("Scope") == Some("AWS") {
                    return Ok(Some(truncation(result.child(Node::members("Policies", [])), None)));
                }
                let only_attached = params.get("OnlyAttached") == Some("true");
                let prefix = params.get("PathPrefix").unwrap_or("/");
                let policies = self.list_docs::<PolicyDoc>(IAM, "policy", None, 10_000).await?;
                let policies = policies
                    .into_iter()
                    .filter(|(_, p)| p.path.starts_with(prefix) && (!only_attached || p.attachments > 0))
                    .collect();
                let (policies, next) = page(policies, params)?;
                truncation(
                    result.child(Node::members("Policies", policies.iter().map(|p| policy_node("member", p)))),
                    next,
                )
            }
            "AttachRolePolicy" | "DetachRolePolicy" => {
                let mut role = self.role(params.required("RoleName")?).await?;
                let mut policy = self.managed(params.required("PolicyArn")?).await?;
                let attached = role.attached.contains(&policy.arn);
                match (action, attached) {
                    ("AttachRolePolicy", false) => {
                        role.attached.push(policy.arn.clone());
                        policy.attachments += 1;
                    }
                    ("DetachRolePolicy", true) => {
                        role.attached.retain(|a| *a != policy.arn);
                        policy.attachments -= 1;
                    }
                    ("DetachRolePolicy", false) => {
                        return Err(IdentityError::NoSuchEntity(format!("Policy {} was not found.", policy.arn)));
                    }
                    _ => return Ok(None),
                }
                self.save_iam(&[&role], &[&policy], false).await?;
                return Ok(None);
            }
            "ListAttachedRolePolicies" => {
                let role = self.role(params.required("RoleName")?).await?;
                let mut items = Vec::new();
                for arn in &role.attached {
                    if let Some(p) = self.get_doc::<PolicyDoc>(IAM, "policy", arn).await? {
                        items.push((p.name.clone(), p));
                    }
                }
                items.sort_by(|a, b| a.0.cmp(&b.0));
                let (items, next) = page(items, params)?;
                let nodes =
                    items.iter().map(|p| Node::new("member").field("PolicyName", &p.name).field("PolicyArn", &p.arn));
                truncation(result.child(Node::members("AttachedPolicies", nodes)), next)
            }
            "CreateOpenIDConnectProvider" => {
                let url = params.required("Url")?.trim_end_matches('/');
                let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
                    .iter()
                    .any(|p| url.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/'])));
                if !url.starts_with("https://") && !loopback {
                    return Err(IdentityError::InvalidInput(
                        "Invalid Open ID Connect Provider URL. The URL must begin with https:// (Cognate also accepts http:// on loopback)."
                            .into(),
                    ));
                }
                let provider = OidcProviderDoc {
                    arn: self.oidc_provider_arn(url),
                    url: url.to_owned(),
                    client_ids: params.list("ClientIDList").into_iter().map(String::from).collect(),
                    thumbprints: params.list("ThumbprintList").into_iter().map(String::from).collect(),
                    created_ms: self.now_ms(),
                };
                if !self.insert_doc(IAM, "oidc-provider", &provider.arn, &provider).await? {
                    return Err(IdentityError::EntityAlreadyExists(format!("Provider with url {url} already exists.")));
                }
                result.field("OpenIDConnectProviderArn", &provider.arn)
            }
            "GetOpenIDConnectProvider" => {
                let arn = params.required("OpenIDConnectProviderArn")?;
                let p = self.oidc_provider(arn).await?.ok_or_else(|| {
                    IdentityError::NoSuchEntity(format!("OpenIDConnect Provider not found for arn {arn}"))
                })?;
                let bare = p.url.split_once("://").map_or(p.url.as_str(), |(_, rest)| rest).to_owned();
                result
                    .field("Url", bare)
                    .child(Node::members("ClientIDList", p.client_ids.iter().map(|c| Node::text("member", c))))
                    .child(Node::members("ThumbprintList", p.thumbprints.iter().map(|t| Node::text("member", t))))
                    .field("CreateDate", iso(p.created_ms))
            }
            "DeleteOpenIDConnectProvider" => {
                let arn = params.required("OpenIDConnectProviderArn")?;
                if !self.store.delete_pool_doc(IAM, "oidc-provider", arn).await? {
                    return Err(IdentityError::NoSuchEntity(format!("OpenIDConnect Provider not found for arn {arn}")));
                }
                return Ok(None);
            }
            "CreateSAMLProvider" => {
                let name = params.required("Name")?;
                let ok = (1..=128).contains(&name.len())
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
                if !ok {
                    return Err(IdentityError::InvalidParameter(format!(
                        "The specified value for name is invalid: {name}"
                    )));
                }
                let metadata = params.required("SAMLMetadataDocument")?;
                self.check_saml_metadata(metadata)?;
                let provider = SamlProviderDoc {
                    arn: format!("arn:aws:iam::{}:saml-provider/{name}", self.settings.account_id),
                    metadata: metadata.to_owned(),
                    created_ms: self.now_ms(),
                };
                if !self.insert_doc(IAM, "saml-provider", &provider.arn, &provider).await? {
                    return Err(IdentityError::EntityAlreadyExists(format!("SAMLProvider {name} already exists.")));
                }
                result.field("SAMLProviderArn", &provider.arn)
            }
            "UpdateSAMLProvider" => {
                let arn = params.required("SAMLProviderArn")?;
                let mut provider = self.saml_provider(arn).await?.ok_or_else(|| no_saml_provider(arn))?;
                let metadata = params.required("SAMLMetadataDocument")?;
                self.check_saml_metadata(metadata)?;
                provider.metadata = metadata.to_owned();
                self.put_doc(IAM, "saml-provider", arn, &provider).await?;
                result.field("SAMLProviderArn", arn)
            }
            "GetSAMLProvider" => {
                let arn = params.required("SAMLProviderArn")?;
                let provider = self.saml_provider(arn).await?.ok_or_else(|| no_saml_provider(arn))?;
                result.field("SAMLMetadataDocument", &provider.metadata).field("CreateDate", iso(provider.created_ms))
            }
            "DeleteSAMLProvider" => {
                let arn = params.required("SAMLProviderArn")?;
                if !self.store.delete_pool_doc(IAM, "saml-provider", arn).await? {
                    return Err(no_saml_provider(arn));
                }
                return Ok(None);
            }
            "ListSAMLProviders" => {
                let providers = self.list_docs::<SamlProviderDoc>(IAM, "saml-provider", None, 10_000).await?;
                result.child(Node::members(
                    "SAMLProviderList",
                    providers
                        .iter()
                        .map(|(_, p)| Node::new("member").field("Arn", &p.arn).field("CreateDate", iso(p.created_ms))),
                ))
            }
            "ListOpenIDConnectProviders" => {
                let providers = self.list_docs::<OidcProviderDoc>(IAM, "oidc-provider", None, 10_000).await?;
                result.child(Node::members(
                    "OpenIDConnectProviderList",
                    providers.iter().map(|(_, p)| Node::new("member").field("Arn", &p.arn)),
                ))
            }
            other => {
                return Err(IdentityError::InvalidAction(format!(
                    "The action {other} is not valid for this web service."
                )));
            }
        };
        Ok(Some(node))
    }
}
