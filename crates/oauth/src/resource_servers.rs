//! Resource servers: the custom scopes (`{identifier}/{scope}`) app clients may be granted.
//! Identifiers are unique per pool; each server has at most 100 scopes.

use crate::OAuth;
use crate::settings::{internal, invalid};
use cognate_idp::{IdpError, IdpResult};
use cognate_store::{ResourceServerRecord, StoreError};
use cognate_wire::idp::types::*;
use std::collections::HashSet;

/// Cognito's quota of resource servers per pool.
const MAX_SERVERS: usize = 25;
const MAX_SCOPES: usize = 100;

fn not_found(identifier: &str) -> IdpError {
    IdpError::ResourceNotFound(format!("Resource server {identifier} does not exist."))
}

fn view(r: &ResourceServerRecord) -> IdpResult<ResourceServerType> {
    let scopes: Vec<ResourceServerScopeType> = serde_json::from_str(&r.scopes).map_err(internal)?;
    Ok(ResourceServerType {
        user_pool_id: Some(r.pool_id.clone()),
        identifier: Some(r.identifier.clone()),
        name: Some(r.name.clone()),
        scopes: Some(scopes),
        ..Default::default()
    })
}

/// The scopes as stored: at most 100, names unique within the server.
fn scopes_json(scopes: Option<Vec<ResourceServerScopeType>>) -> IdpResult<String> {
    let scopes = scopes.unwrap_or_default();
    if scopes.len() > MAX_SCOPES {
        return Err(IdpError::LimitExceeded(format!("A resource server can have at most {MAX_SCOPES} scopes.")));
    }
    let mut seen = HashSet::new();
    for s in &scopes {
        let name = s.scope_name.as_deref().unwrap_or_default();
        if !seen.insert(name) {
            return Err(invalid(format!("Duplicate scope name {name} in resource server scopes.")));
        }
    }
    serde_json::to_string(&scopes).map_err(internal)
}

impl OAuth {
    pub async fn create_resource_server(
        &self,
        req: CreateResourceServerRequest,
    ) -> IdpResult<CreateResourceServerResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let existing = self.store.list_resource_servers(&pool_id, None, MAX_SERVERS as u32).await?;
        if existing.len() >= MAX_SERVERS {
            return Err(IdpError::LimitExceeded(format!(
                "A user pool can have at most {MAX_SERVERS} resource servers."
            )));
        }
        let now = self.now_ms();
        let identifier = req.identifier.unwrap_or_default();
        let record = ResourceServerRecord {
            pool_id,
            name: req.name.unwrap_or_default(),
            scopes: scopes_json(req.scopes)?,
            identifier,
            created_ms: now,
            updated_ms: now,
        };
        match self.store.insert_resource_server(&record).await {
            Err(StoreError::Conflict(_)) => Err(invalid(format!(
                "A resource server with identifier {} already exists in this user pool.",
                record.identifier
            ))),
            other => other.map_err(IdpError::from),
        }?;
        Ok(CreateResourceServerResponse { resource_server: Some(view(&record)?) })
    }

    pub async fn describe_resource_server(
        &self,
        req: DescribeResourceServerRequest,
    ) -> IdpResult<DescribeResourceServerResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let identifier = req.identifier.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let record =
            self.store.get_resource_server(&pool_id, &identifier).await?.ok_or_else(|| not_found(&identifier))?;
        Ok(DescribeResourceServerResponse { resource_server: Some(view(&record)?) })
    }

    /// Replaces the name and the whole scope list (omitted scopes mean none).
    pub async fn update_resource_server(
        &self,
        req: UpdateResourceServerRequest,
    ) -> IdpResult<UpdateResourceServerResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let identifier = req.identifier.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let mut record =
            self.store.get_resource_server(&pool_id, &identifier).await?.ok_or_else(|| not_found(&identifier))?;
        record.name = req.name.unwrap_or_default();
        record.scopes = scopes_json(req.scopes)?;
        record.updated_ms = self.now_ms();
        if !self.store.update_resource_server(&record).await? {
            return Err(not_found(&identifier));
        }
        Ok(UpdateResourceServerResponse { resource_server: Some(view(&record)?) })
    }

    pub async fn delete_resource_server(
        &self,
        req: DeleteResourceServerRequest,
    ) -> IdpResult<DeleteResourceServerResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let identifier = req.identifier.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        if !self.store.delete_resource_server(&pool_id, &identifier).await? {
            return Err(not_found(&identifier));
        }
        Ok(DeleteResourceServerResponse {})
    }

    pub async fn list_resource_servers(
        &self,
        req: ListResourceServersRequest,
    ) -> IdpResult<ListResourceServersResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let size = match req.max_results {
            Some(n) if n > 0 => u32::try_from(n.min(50)).unwrap_or(50),
            _ => 50,
        };
        let after = cognate_idp::page::decode(req.next_token.as_deref())?;
        let mut rows = self.store.list_resource_servers(&pool_id, after.as_deref(), size + 1).await?;
        let more = rows.len() > size as usize;
        rows.truncate(size as usize);
        let next_token = more.then(|| rows.last().map(|r| cognate_idp::page::encode(&r.identifier))).flatten();
        let servers = rows.iter().map(view).collect::<IdpResult<Vec<_>>>()?;
        Ok(ListResourceServersResponse { resource_servers: Some(servers), next_token })
    }
}
