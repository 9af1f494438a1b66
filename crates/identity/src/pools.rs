//! Identity pools: Create/Describe/Update/Delete/ListIdentityPools, their tags, roles and
//! role mappings, and principal-tag maps.

use crate::docs::{NAMESPACE, after_token, next_token};
use crate::{Identity, IdentityError, IdentityResult};
use cognate_wire::identity::types::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An identity pool as stored: its description, roles, role mappings and principal-tag maps.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct PoolDoc {
    pub pool: IdentityPool,
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    #[serde(default)]
    pub role_mappings: BTreeMap<String, RoleMapping>,
    /// Provider name → the map SetPrincipalTagAttributeMap stored.
    #[serde(default)]
    pub principal_tags: BTreeMap<String, TagMap>,
    /// The document as read, which a write back must find unchanged.
    #[serde(skip)]
    raw: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct TagMap {
    pub use_defaults: bool,
    /// Tag key → claim name.
    pub tags: BTreeMap<String, String>,
}

impl PoolDoc {
    pub fn id(&self) -> &str {
        self.pool.identity_pool_id.as_deref().unwrap_or_default()
    }

    /// Unauthenticated identities are allowed.
    pub fn allows_guests(&self) -> bool {
        self.pool.allow_unauthenticated_identities == Some(true)
    }

    /// The basic (classic) flow: allowed unless the pool turned it off, as pools created
    /// without the setting were observed to allow it.
    pub fn allows_classic_flow(&self) -> bool {
        self.pool.allow_classic_flow != Some(false)
    }

    pub fn developer_provider(&self) -> Option<&str> {
        self.pool.developer_provider_name.as_deref()
    }

    /// The tag key → claim map for logins of `provider`: the stored map, or the defaults
    /// (`username` ← `sub`, `client` ← `aud`) when it says UseDefaults.
    pub fn tag_map(&self, provider: &str) -> BTreeMap<String, String> {
        match self.principal_tags.get(provider) {
            Some(m) if m.use_defaults => default_tags(),
            Some(m) => m.tags.clone(),
            None => BTreeMap::new(),
        }
    }
}

fn default_tags() -> BTreeMap<String, String> {
    BTreeMap::from([("username".to_owned(), "sub".to_owned()), ("client".to_owned(), "aud".to_owned())])
}

fn invalid(message: impl Into<String>) -> IdentityError {
    IdentityError::InvalidParameter(message.into())
}

/// `cognito-idp.{region}.amazonaws.com/{userPoolId}` → the user pool id.
pub(crate) fn user_pool_of_provider(provider: &str) -> Option<&str> {
    let (host, pool) = provider.split_once('/')?;
    let region = host.strip_prefix("cognito-idp.")?.strip_suffix(".amazonaws.com")?;
    (!region.is_empty() && pool.split_once('_').is_some_and(|(r, rest)| r == region && !rest.is_empty()))
        .then_some(pool)
}

/// Cognito's rules for the parts of an identity pool the model cannot check.
fn check_pool(pool: &IdentityPool) -> IdentityResult<()> {
    for provider in pool.cognito_identity_providers.iter().flatten() {
        let name = provider.provider_name.as_deref().unwrap_or_default();
        if user_pool_of_provider(name).is_none() {
            return Err(invalid(format!("Invalid Cognito Identity Provider: {name}")));
        }
    }
    // A developer provider's logins must never share a key with another provider's, or a
    // developer backend could claim another provider's users.
    if let Some(dev) = &pool.developer_provider_name {
        let social = [
            "graph.facebook.com",
            "accounts.google.com",
            "www.amazon.com",
            "appleid.apple.com",
            "api.twitter.com",
            "www.digits.com",
        ];
        let taken = dev.starts_with("cognito-")
            || dev.contains("amazonaws.com")
            || social.contains(&dev.as_str())
            || pool.supported_login_providers.as_ref().is_some_and(|m| m.contains_key(dev))
            || pool.open_id_connect_provider_ar_ns.iter().flatten().any(|arn| arn.ends_with(&format!("/{dev}")));
        if taken {
            return Err(invalid("DeveloperProviderName cannot be a reserved name or another provider's name."));
        }
    }
    Ok(())
}

impl Identity {
    pub fn identity_pool_arn(&self, pool_id: &str) -> String {
        format!("arn:aws:cognito-identity:{}:{}:identitypool/{pool_id}", self.settings.region, self.settings.account_id)
    }

    pub(crate) async fn load_pool(&self, pool_id: &str) -> IdentityResult<PoolDoc> {
        let record = self
            .store
            .get_pool_doc(NAMESPACE, "pool", pool_id)
            .await?
            .ok_or_else(|| IdentityError::NotFound(format!("IdentityPool '{pool_id}' not found.")))?;
        let mut pool: PoolDoc = serde_json::from_str(&record.doc).map_err(crate::error::internal)?;
        pool.raw = Some(record.doc);
        Ok(pool)
    }

    /// Writes back a pool read by [`Self::load_pool`], only if nobody changed it since (a
    /// role mapping removed meanwhile is not put back).
    pub(crate) async fn save_pool(&self, pool: &PoolDoc) -> IdentityResult<()> {
        let writes = cognate_store::DocWrites {
            puts: vec![crate::docs::record(NAMESPACE, "pool", pool.id(), pool, self.now_ms())?],
            expect: vec![cognate_store::DocExpect {
                pool_id: NAMESPACE.into(),
                kind: "pool".into(),
                name: pool.id().to_owned(),
                doc: pool.raw.clone(),
            }],
            ..Default::default()
        };
        match self.store.write_pool_docs(&writes).await {
            Ok(()) => Ok(()),
            Err(cognate_store::StoreError::Conflict(_)) => Err(IdentityError::ConcurrentModification(
                "The identity pool was changed at the same time; try again.".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn create_identity_pool(&self, req: CreateIdentityPoolInput) -> IdentityResult<IdentityPool> {
        let pool = IdentityPool {
            identity_pool_id: Some(format!("{}:{}", self.settings.region, cognate_crypto::random::uuid_v4())),
            identity_pool_name: req.identity_pool_name,
            allow_unauthenticated_identities: Some(req.allow_unauthenticated_identities.unwrap_or(false)),
            allow_classic_flow: req.allow_classic_flow,
            supported_login_providers: req.supported_login_providers,
            developer_provider_name: req.developer_provider_name,
            open_id_connect_provider_ar_ns: req.open_id_connect_provider_ar_ns,
            cognito_identity_providers: req.cognito_identity_providers,
            saml_provider_ar_ns: req.saml_provider_ar_ns,
            identity_pool_tags: req.identity_pool_tags,
        };
        check_pool(&pool)?;
        let doc = PoolDoc { pool, ..Default::default() };
        if !self.insert_doc(NAMESPACE, "pool", doc.id(), &doc).await? {
            return Err(IdentityError::Internal("identity pool id collision".into()));
        }
        Ok(doc.pool)
    }

    pub async fn describe_identity_pool(&self, req: DescribeIdentityPoolInput) -> IdentityResult<IdentityPool> {
        Ok(self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?.pool)
    }

    /// Replaces the pool's settings (as Cognito does: what the request leaves out is
    /// cleared), keeping its tags when the request has none, and its developer provider,
    /// which cannot change once set.
    pub async fn update_identity_pool(&self, req: IdentityPool) -> IdentityResult<IdentityPool> {
        let id = req.identity_pool_id.clone().unwrap_or_default();
        let mut doc = self.load_pool(&id).await?;
        if let (Some(old), Some(new)) = (&doc.pool.developer_provider_name, &req.developer_provider_name)
            && old != new
        {
            return Err(invalid("Developer provider name cannot be changed once set."));
        }
        let tags = req.identity_pool_tags.clone().or(doc.pool.identity_pool_tags.take());
        let developer = req.developer_provider_name.clone().or(doc.pool.developer_provider_name.take());
        doc.pool = IdentityPool { identity_pool_tags: tags, developer_provider_name: developer, ..req };
        check_pool(&doc.pool)?;
        self.save_pool(&doc).await?;
        Ok(doc.pool)
    }

    /// Deletes the pool's identities and logins, then the pool: a delete cut short leaves a
    /// pool that a second DeleteIdentityPool finishes, never unreachable leftovers.
    pub async fn delete_identity_pool(
        &self,
        req: DeleteIdentityPoolInput,
    ) -> IdentityResult<DeleteIdentityPoolResponse> {
        let id = req.identity_pool_id.unwrap_or_default();
        self.load_pool(&id).await?;
        let mut after: Option<String> = None;
        loop {
            let page = self.list_docs::<serde_json::Value>(&id, "identity", after.as_deref(), 500).await?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            let deletes: Vec<(&str, &str, &str)> =
                page.iter().map(|(identity, _)| (NAMESPACE, "identity", identity.as_str())).collect();
            self.store.write_pool_docs(&cognate_store::DocWrites { deletes, ..Default::default() }).await?;
        }
        self.store.delete_all_pool_docs(&id).await?;
        self.store.delete_pool_doc(NAMESPACE, "pool", &id).await?;
        Ok(DeleteIdentityPoolResponse {})
    }

    pub async fn list_identity_pools(&self, req: ListIdentityPoolsInput) -> IdentityResult<ListIdentityPoolsResponse> {
        let limit = req.max_results.unwrap_or(60).clamp(1, 60) as u32;
        let after = after_token(req.next_token.as_deref())?;
        let mut page = self.list_docs::<PoolDoc>(NAMESPACE, "pool", after.as_deref(), limit + 1).await?;
        let more = page.len() > limit as usize;
        page.truncate(limit as usize);
        let next = if more { next_token(page.last().map(|(name, _)| name.as_str())) } else { None };
        let identity_pools = page
            .into_iter()
            .map(|(_, d)| IdentityPoolShortDescription {
                identity_pool_id: d.pool.identity_pool_id,
                identity_pool_name: d.pool.identity_pool_name,
            })
            .collect();
        Ok(ListIdentityPoolsResponse { identity_pools: Some(identity_pools), next_token: next })
    }

    pub async fn set_identity_pool_roles(
        &self,
        req: SetIdentityPoolRolesInput,
    ) -> IdentityResult<SetIdentityPoolRolesResponse> {
        let mut doc = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        let roles = req.roles.unwrap_or_default();
        if let Some(key) = roles.keys().find(|k| *k != "authenticated" && *k != "unauthenticated") {
            return Err(invalid(format!(
                "Invalid role type: {key}. Valid role types are authenticated and unauthenticated."
            )));
        }
        let mappings = req.role_mappings.unwrap_or_default();
        for (provider, mapping) in &mappings {
            check_mapping(provider, mapping)?;
        }
        doc.roles = roles;
        doc.role_mappings = mappings;
        self.save_pool(&doc).await?;
        Ok(SetIdentityPoolRolesResponse {})
    }

    pub async fn get_identity_pool_roles(
        &self,
        req: GetIdentityPoolRolesInput,
    ) -> IdentityResult<GetIdentityPoolRolesResponse> {
        let doc = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        Ok(GetIdentityPoolRolesResponse {
            identity_pool_id: doc.pool.identity_pool_id,
            roles: Some(doc.roles),
            role_mappings: (!doc.role_mappings.is_empty()).then_some(doc.role_mappings),
        })
    }

    pub async fn set_principal_tag_attribute_map(
        &self,
        req: SetPrincipalTagAttributeMapInput,
    ) -> IdentityResult<SetPrincipalTagAttributeMapResponse> {
        let mut doc = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        let provider = req.identity_provider_name.unwrap_or_default();
        if !self.pool_has_provider(&doc, &provider) {
            return Err(invalid(format!("Identity provider {provider} is not configured for this identity pool.")));
        }
        let use_defaults = req.use_defaults.unwrap_or(false);
        let map = TagMap { use_defaults, tags: req.principal_tags.unwrap_or_default() };
        doc.principal_tags.insert(provider.clone(), map);
        self.save_pool(&doc).await?;
        Ok(SetPrincipalTagAttributeMapResponse {
            identity_pool_id: doc.pool.identity_pool_id.clone(),
            identity_provider_name: Some(provider.clone()),
            use_defaults: Some(use_defaults),
            principal_tags: Some(doc.tag_map(&provider)),
        })
    }

    pub async fn get_principal_tag_attribute_map(
        &self,
        req: GetPrincipalTagAttributeMapInput,
    ) -> IdentityResult<GetPrincipalTagAttributeMapResponse> {
        let doc = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        let provider = req.identity_provider_name.unwrap_or_default();
        if !self.pool_has_provider(&doc, &provider) {
            return Err(invalid(format!("Identity provider {provider} is not configured for this identity pool.")));
        }
        let use_defaults = doc.principal_tags.get(&provider).is_some_and(|m| m.use_defaults);
        Ok(GetPrincipalTagAttributeMapResponse {
            identity_pool_id: doc.pool.identity_pool_id.clone(),
            identity_provider_name: Some(provider.clone()),
            use_defaults: Some(use_defaults),
            principal_tags: Some(doc.tag_map(&provider)),
        })
    }

    fn pool_has_provider(&self, doc: &PoolDoc, provider: &str) -> bool {
        let pool = &doc.pool;
        pool.cognito_identity_providers.iter().flatten().any(|p| p.provider_name.as_deref() == Some(provider))
            || pool.supported_login_providers.as_ref().is_some_and(|m| m.contains_key(provider))
            || pool.open_id_connect_provider_ar_ns.iter().flatten().any(|arn| arn == provider)
            || pool.saml_provider_ar_ns.iter().flatten().any(|arn| arn == provider)
    }

    /// The identity pool an ARN names (`arn:aws:cognito-identity:{region}:{account}:identitypool/{id}`).
    async fn pool_by_arn(&self, arn: &str) -> IdentityResult<PoolDoc> {
        let id = arn
            .strip_prefix(&format!(
                "arn:aws:cognito-identity:{}:{}:identitypool/",
                self.settings.region, self.settings.account_id
            ))
            .ok_or_else(|| invalid(format!("Invalid resource ARN: {arn}")))?;
        self.load_pool(id).await
    }

    pub async fn tag_resource(&self, req: TagResourceInput) -> IdentityResult<TagResourceResponse> {
        let mut doc = self.pool_by_arn(req.resource_arn.as_deref().unwrap_or_default()).await?;
        let tags = doc.pool.identity_pool_tags.get_or_insert_with(Default::default);
        tags.extend(req.tags.unwrap_or_default());
        if tags.len() > 50 {
            return Err(IdentityError::LimitExceeded("An identity pool can have at most 50 tags.".into()));
        }
        self.save_pool(&doc).await?;
        Ok(TagResourceResponse {})
    }

    pub async fn untag_resource(&self, req: UntagResourceInput) -> IdentityResult<UntagResourceResponse> {
        let mut doc = self.pool_by_arn(req.resource_arn.as_deref().unwrap_or_default()).await?;
        if let Some(tags) = doc.pool.identity_pool_tags.as_mut() {
            for key in req.tag_keys.unwrap_or_default() {
                tags.remove(&key);
            }
        }
        self.save_pool(&doc).await?;
        Ok(UntagResourceResponse {})
    }

    pub async fn list_tags_for_resource(
        &self,
        req: ListTagsForResourceInput,
    ) -> IdentityResult<ListTagsForResourceResponse> {
        let doc = self.pool_by_arn(req.resource_arn.as_deref().unwrap_or_default()).await?;
        Ok(ListTagsForResourceResponse { tags: Some(doc.pool.identity_pool_tags.unwrap_or_default()) })
    }
}

/// A role mapping as Cognito accepts it.
fn check_mapping(provider: &str, mapping: &RoleMapping) -> IdentityResult<()> {
    let kind = mapping.r#type.as_deref().unwrap_or_default();
    if mapping.ambiguous_role_resolution.is_none() {
        return Err(invalid(format!("AmbiguousRoleResolution must be specified for the role mapping of {provider}.")));
    }
    match (kind, &mapping.rules_configuration) {
        ("Rules", None) => {
            Err(invalid(format!("RulesConfiguration must be specified for Rules type mapping of {provider}.")))
        }
        ("Rules", Some(rules)) if rules.rules.as_ref().is_none_or(Vec::is_empty) => {
            Err(invalid("RulesConfiguration must contain at least one rule."))
        }
        ("Token", Some(_)) => {
            Err(invalid(format!("RulesConfiguration cannot be specified for Token type mapping of {provider}.")))
        }
        _ => Ok(()),
    }
}
