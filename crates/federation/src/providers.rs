//! The identity-provider operations. A provider is a pool document (kind `idp`, named by
//! ProviderName) holding its type, checked and completed ProviderDetails (secrets sealed),
//! AttributeMapping and IdpIdentifiers. Names are unique per pool (the store's key);
//! identifiers are unique per pool too, checked here.

use crate::Federation;
use crate::details::{self, ProviderDoc, SECRET_KEYS, SOCIAL_TYPES, invalid};
use cognate_idp::federated::PROVIDER_KIND;
use cognate_idp::{IdpError, IdpResult};
use cognate_store::{PoolDocRecord, StoreError};
use cognate_wire::idp::types::*;
use std::collections::BTreeMap;

const SECRET_PURPOSE: &str = "cognate identity provider secret";
/// Cognito's quota of identity providers per pool.
const MAX_PROVIDERS: u32 = 300;
const MAX_IDENTIFIERS: usize = 50;

fn not_found(name: &str) -> IdpError {
    IdpError::ResourceNotFound(format!("Identity provider {name} does not exist."))
}

fn internal(e: impl std::fmt::Display) -> IdpError {
    IdpError::Internal(e.to_string())
}

/// What an administrator gave for a provider, and the pool it is checked against.
struct Given {
    provider_type: String,
    details: BTreeMap<String, String>,
    mapping: BTreeMap<String, String>,
    identifiers: Vec<String>,
    /// The pool's attributes a mapping may write.
    mappable: Vec<String>,
    /// The pool's providers (whose identifiers this one may not claim).
    providers: Vec<Provider>,
}

/// A stored provider, decoded.
#[derive(Debug, Clone)]
pub(crate) struct Provider {
    pub pool_id: String,
    pub name: String,
    pub doc: ProviderDoc,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl Provider {
    fn from_record(r: PoolDocRecord) -> IdpResult<Provider> {
        let doc = serde_json::from_str(&r.doc).map_err(internal)?;
        Ok(Provider { pool_id: r.pool_id, name: r.name, doc, created_ms: r.created_ms, updated_ms: r.updated_ms })
    }

    pub fn detail(&self, key: &str) -> Option<&str> {
        self.doc.details.get(key).map(String::as_str)
    }

    /// Where a sign-in at this provider sends the browser.
    pub fn sign_in_url(&self) -> Option<&str> {
        self.detail("authorize_url").or_else(|| self.detail("SSORedirectBindingURI"))
    }
}

impl Federation {
    /// A secret detail in the clear (for the token request or Describe).
    pub(crate) fn secret(&self, p: &Provider, key: &str) -> IdpResult<Option<String>> {
        p.doc
            .sealed
            .get(key)
            .map(|sealed| {
                let plain = self.master_key.open(SECRET_PURPOSE, sealed).map_err(internal)?;
                String::from_utf8(plain).map_err(internal)
            })
            .transpose()
    }

    fn view(&self, p: &Provider) -> IdpResult<IdentityProviderType> {
        let mut details = p.doc.details.clone();
        for key in SECRET_KEYS {
            if let Some(v) = self.secret(p, key)? {
                details.insert((*key).to_owned(), v);
            }
        }
        Ok(IdentityProviderType {
            user_pool_id: Some(p.pool_id.clone()),
            provider_name: Some(p.name.clone()),
            provider_type: Some(p.doc.provider_type.clone()),
            provider_details: Some(details),
            attribute_mapping: Some(p.doc.attribute_mapping.clone()),
            idp_identifiers: Some(p.doc.idp_identifiers.clone()),
            last_modified_date: Some(p.updated_ms as f64 / 1000.0),
            creation_date: Some(p.created_ms as f64 / 1000.0),
            acr_mapping: None,
        })
    }

    pub(crate) async fn load_provider(&self, pool_id: &str, name: &str) -> IdpResult<Provider> {
        match self.store.get_pool_doc(pool_id, PROVIDER_KIND, name).await? {
            Some(r) => Provider::from_record(r),
            None => Err(not_found(name)),
        }
    }

    /// Every provider of the pool (at most Cognito's quota of 300).
    pub(crate) async fn all_providers(&self, pool_id: &str) -> IdpResult<Vec<Provider>> {
        let rows = self.store.list_pool_docs(pool_id, PROVIDER_KIND, None, MAX_PROVIDERS).await?;
        rows.into_iter().map(Provider::from_record).collect()
    }

    /// Completes and checks what an administrator gave; `old` is the stored provider when
    /// updating (its secrets stay unless new ones are given).
    async fn build_doc(
        &self,
        pool_id: &str,
        name: &str,
        given: Given,
        old: Option<&Provider>,
    ) -> IdpResult<ProviderDoc> {
        let Given { provider_type, mut details, mapping, identifiers, mappable, providers } = given;
        let provider_type = provider_type.as_str();
        if let Some(old) = old {
            for key in SECRET_KEYS {
                if !details.contains_key(*key)
                    && let Some(v) = self.secret(old, key)?
                {
                    details.insert((*key).to_owned(), v);
                }
            }
        }
        let (mut details, saml) = if provider_type == "SAML" {
            let (details, idp) = self.complete_saml(pool_id, details).await?;
            (details, Some(idp))
        } else {
            (details::complete(provider_type, details, &self.social, self.upstream.as_ref()).await?, None)
        };
        let mut sealed = BTreeMap::new();
        for key in SECRET_KEYS {
            if let Some(v) = details.remove(*key) {
                sealed.insert((*key).to_owned(), self.master_key.seal(SECRET_PURPOSE, v.as_bytes()));
            }
        }
        let mut mapping = mapping;
        for (attr, from) in &mapping {
            if attr != "username" && !mappable.contains(attr) {
                return Err(invalid(format!(
                    "Attribute mapping contains an attribute not in the user pool schema: {attr}"
                )));
            }
            if from.is_empty() || from.len() > 131_072 {
                return Err(invalid(format!("Attribute mapping for {attr} names no provider attribute.")));
            }
        }
        if !mapping.contains_key("username") && provider_type != "SAML" {
            mapping.insert("username".into(), details::default_subject_claim(provider_type).to_owned());
        }
        let mut seen = std::collections::HashSet::new();
        if identifiers.len() > MAX_IDENTIFIERS {
            return Err(invalid(format!("A provider can have at most {MAX_IDENTIFIERS} identifiers.")));
        }
        for id in &identifiers {
            if !seen.insert(id.to_lowercase()) {
                return Err(invalid(format!("Duplicate identifier {id}.")));
            }
        }
        for other in &providers {
            if other.name == name {
                continue;
            }
            if let Some(id) =
                identifiers.iter().find(|i| other.doc.idp_identifiers.iter().any(|o| o.eq_ignore_ascii_case(i)))
            {
                return Err(IdpError::DuplicateProvider(format!(
                    "Identifier {id} is already used by another provider."
                )));
            }
        }
        Ok(ProviderDoc {
            provider_type: provider_type.to_owned(),
            details,
            sealed,
            attribute_mapping: mapping,
            idp_identifiers: identifiers,
            saml,
        })
    }

    pub async fn create_identity_provider(
        &self,
        req: CreateIdentityProviderRequest,
    ) -> IdpResult<CreateIdentityProviderResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let name = req.provider_name.unwrap_or_default();
        let provider_type = req.provider_type.unwrap_or_default();
        let mappable = self.idp.mappable_attributes(&pool_id).await?;
        if SOCIAL_TYPES.contains(&provider_type.as_str()) && name != provider_type {
            return Err(invalid(format!("The ProviderName of a {provider_type} provider must be {provider_type}.")));
        }
        if !SOCIAL_TYPES.contains(&provider_type.as_str())
            && (SOCIAL_TYPES.contains(&name.as_str()) || name.eq_ignore_ascii_case("cognito"))
        {
            return Err(invalid(format!("ProviderName {name} is reserved.")));
        }
        let providers = self.all_providers(&pool_id).await?;
        if providers.len() >= MAX_PROVIDERS as usize {
            return Err(IdpError::LimitExceeded(format!(
                "A user pool can have at most {MAX_PROVIDERS} identity providers."
            )));
        }
        if providers.iter().any(|p| p.name == name) {
            return Err(IdpError::DuplicateProvider(format!(
                "A provider with the name {name} already exists in this user pool."
            )));
        }
        let doc = self
            .build_doc(
                &pool_id,
                &name,
                Given {
                    provider_type,
                    details: req.provider_details.unwrap_or_default(),
                    mapping: req.attribute_mapping.unwrap_or_default(),
                    identifiers: req.idp_identifiers.unwrap_or_default(),
                    mappable,
                    providers,
                },
                None,
            )
            .await?;
        let now = self.now_ms();
        let record = PoolDocRecord {
            pool_id: pool_id.clone(),
            kind: PROVIDER_KIND.into(),
            name: name.clone(),
            doc: serde_json::to_string(&doc).map_err(internal)?,
            created_ms: now,
            updated_ms: now,
        };
        match self.store.insert_pool_doc(&record).await {
            Err(StoreError::Conflict(_)) => {
                return Err(IdpError::DuplicateProvider(format!(
                    "A provider with the name {name} already exists in this user pool."
                )));
            }
            other => other?,
        }
        let provider = Provider { pool_id, name, doc, created_ms: now, updated_ms: now };
        Ok(CreateIdentityProviderResponse { identity_provider: Some(self.view(&provider)?) })
    }

    pub async fn describe_identity_provider(
        &self,
        req: DescribeIdentityProviderRequest,
    ) -> IdpResult<DescribeIdentityProviderResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.idp.mappable_attributes(&pool_id).await?;
        let p = self.load_provider(&pool_id, req.provider_name.as_deref().unwrap_or_default()).await?;
        Ok(DescribeIdentityProviderResponse { identity_provider: Some(self.view(&p)?) })
    }

    pub async fn update_identity_provider(
        &self,
        req: UpdateIdentityProviderRequest,
    ) -> IdpResult<UpdateIdentityProviderResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let mappable = self.idp.mappable_attributes(&pool_id).await?;
        let old = self.load_provider(&pool_id, req.provider_name.as_deref().unwrap_or_default()).await?;
        let mut details = old.doc.details.clone();
        if let Some(given) = req.provider_details {
            details = given;
        }
        let doc = self
            .build_doc(
                &pool_id,
                &old.name,
                Given {
                    provider_type: old.doc.provider_type.clone(),
                    details,
                    mapping: req.attribute_mapping.unwrap_or_else(|| old.doc.attribute_mapping.clone()),
                    identifiers: req.idp_identifiers.unwrap_or_else(|| old.doc.idp_identifiers.clone()),
                    mappable,
                    providers: self.all_providers(&pool_id).await?,
                },
                Some(&old),
            )
            .await?;
        let now = self.now_ms();
        let record = PoolDocRecord {
            pool_id: pool_id.clone(),
            kind: PROVIDER_KIND.into(),
            name: old.name.clone(),
            doc: serde_json::to_string(&doc).map_err(internal)?,
            created_ms: old.created_ms,
            updated_ms: now,
        };
        self.store.put_pool_doc(&record).await?;
        let provider = Provider { pool_id, name: old.name, doc, created_ms: old.created_ms, updated_ms: now };
        Ok(UpdateIdentityProviderResponse { identity_provider: Some(self.view(&provider)?) })
    }

    pub async fn delete_identity_provider(
        &self,
        req: DeleteIdentityProviderRequest,
    ) -> IdpResult<DeleteIdentityProviderResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.idp.mappable_attributes(&pool_id).await?;
        let name = req.provider_name.unwrap_or_default();
        if !self.store.delete_pool_doc(&pool_id, PROVIDER_KIND, &name).await? {
            return Err(not_found(&name));
        }
        Ok(DeleteIdentityProviderResponse {})
    }

    pub async fn list_identity_providers(
        &self,
        req: ListIdentityProvidersRequest,
    ) -> IdpResult<ListIdentityProvidersResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.idp.mappable_attributes(&pool_id).await?;
        let size = match req.max_results {
            Some(n) if n > 0 => u32::try_from(n.min(60)).unwrap_or(60),
            _ => 60,
        };
        let after = cognate_idp::page::decode(req.next_token.as_deref())?;
        let mut rows = self.store.list_pool_docs(&pool_id, PROVIDER_KIND, after.as_deref(), size + 1).await?;
        let more = rows.len() > size as usize;
        rows.truncate(size as usize);
        let next_token = more.then(|| rows.last().map(|r| cognate_idp::page::encode(&r.name))).flatten();
        let providers = rows
            .into_iter()
            .map(|r| {
                let p = Provider::from_record(r)?;
                Ok(ProviderDescription {
                    provider_name: Some(p.name.clone()),
                    provider_type: Some(p.doc.provider_type.clone()),
                    last_modified_date: Some(p.updated_ms as f64 / 1000.0),
                    creation_date: Some(p.created_ms as f64 / 1000.0),
                })
            })
            .collect::<IdpResult<Vec<_>>>()?;
        Ok(ListIdentityProvidersResponse { providers: Some(providers), next_token })
    }

    pub async fn get_identity_provider_by_identifier(
        &self,
        req: GetIdentityProviderByIdentifierRequest,
    ) -> IdpResult<GetIdentityProviderByIdentifierResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.idp.mappable_attributes(&pool_id).await?;
        let identifier = req.idp_identifier.unwrap_or_default();
        let found = self.provider_by_identifier(&pool_id, &identifier).await?;
        let p = found.ok_or_else(|| {
            IdpError::ResourceNotFound(format!("Identity provider with identifier {identifier} does not exist."))
        })?;
        Ok(GetIdentityProviderByIdentifierResponse { identity_provider: Some(self.view(&p)?) })
    }

    /// The provider that claims `identifier` (case-insensitively).
    pub(crate) async fn provider_by_identifier(&self, pool_id: &str, identifier: &str) -> IdpResult<Option<Provider>> {
        Ok(self
            .all_providers(pool_id)
            .await?
            .into_iter()
            .find(|p| p.doc.idp_identifiers.iter().any(|i| i.eq_ignore_ascii_case(identifier))))
    }
}
