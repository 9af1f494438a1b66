//! Hosted-UI domains. A pool has at most one prefix domain (served as `{prefix}.{suffix}`
//! under the operator's `--hosted-ui-domain-suffix`) and one custom domain (a full host
//! name; its certificate ARN is kept and returned, never used: TLS is the operator's). Names
//! are unique across pools, and the web layer finds a request's pool by its Host.

use crate::OAuth;
use crate::settings::{internal, invalid};
use cognate_idp::{IdpError, IdpResult};
use cognate_store::{DomainRecord, StoreError};
use cognate_wire::idp::types::*;
use serde::{Deserialize, Serialize};

/// Words Cognito refuses inside a prefix, so a prefix cannot pose as the operator's own.
const RESERVED: &[&str] = &["aws", "amazon", "cognito"];

/// What is stored for a domain besides its name and kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct DomainDoc {
    managed_login_version: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    custom_domain_config: Option<CustomDomainConfigType>,
    version: String,
}

fn not_associated(domain: &str) -> IdpError {
    IdpError::ResourceNotFound(format!("Domain {domain} does not exist in this user pool."))
}

fn login_version(given: Option<i64>, current: i64) -> IdpResult<i64> {
    match given {
        None => Ok(current),
        Some(v @ (1 | 2)) => Ok(v),
        Some(v) => Err(invalid(format!("ManagedLoginVersion {v} is not supported: use 1 or 2."))),
    }
}

/// A custom domain is a host name of at least two labels, each 1-63 letters, digits or
/// inner hyphens.
fn check_custom_name(domain: &str) -> IdpResult<()> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if domain.len() > 253 || !domain.contains('.') || !domain.split('.').all(label_ok) {
        return Err(invalid(format!("{domain} is not a valid custom domain name.")));
    }
    Ok(())
}

fn check_prefix(domain: &str) -> IdpResult<()> {
    if domain.contains('.') {
        return Err(invalid("A domain prefix cannot contain dots; give CustomDomainConfig for a custom domain."));
    }
    if let Some(word) = RESERVED.iter().find(|w| domain.contains(**w)) {
        return Err(invalid(format!("Domain cannot contain reserved word: {word}")));
    }
    Ok(())
}

impl OAuth {
    /// The host a domain is served on: a custom domain's own name, a prefix under the
    /// operator's suffix, else (no suffix) the host of the public URL.
    fn served_host(&self, record: &DomainRecord) -> String {
        match (&self.settings.hosted_ui_domain_suffix, record.custom) {
            (_, true) => record.domain.clone(),
            (Some(suffix), false) => format!("{}.{suffix}", record.domain),
            (None, false) => {
                let url = &self.idp.settings().public_url;
                let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
                rest.split('/').next().unwrap_or_default().to_string()
            }
        }
    }

    fn domain_version(&self) -> String {
        self.clock.now().to_datetime().format("%Y%m%d%H%M%S").to_string()
    }

    pub async fn create_user_pool_domain(
        &self,
        req: CreateUserPoolDomainRequest,
    ) -> IdpResult<CreateUserPoolDomainResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let domain = req.domain.unwrap_or_default().to_ascii_lowercase();
        let custom = req.custom_domain_config.is_some();
        if custom {
            check_custom_name(&domain)?
        } else {
            check_prefix(&domain)?
        }
        let doc = DomainDoc {
            managed_login_version: login_version(req.managed_login_version, 1)?,
            custom_domain_config: req.custom_domain_config,
            version: self.domain_version(),
        };
        let now = self.now_ms();
        let record = DomainRecord {
            domain,
            pool_id,
            custom,
            config: serde_json::to_string(&doc).map_err(internal)?,
            created_ms: now,
            updated_ms: now,
        };
        match self.store.insert_domain(&record).await {
            Err(StoreError::Conflict(_)) => return Err(self.domain_conflict(&record).await),
            other => other?,
        }
        Ok(CreateUserPoolDomainResponse {
            managed_login_version: Some(doc.managed_login_version),
            cloud_front_domain: Some(self.served_host(&record)),
            routing: None,
        })
    }

    /// Why a domain could not be inserted: the name is taken, or the pool has one already.
    async fn domain_conflict(&self, record: &DomainRecord) -> IdpError {
        match self.store.get_domain(&record.domain).await {
            Ok(Some(taken)) if taken.pool_id != record.pool_id => {
                invalid("Domain already associated with another user pool.")
            }
            Ok(_) => invalid("User pool already has a domain configured."),
            Err(e) => e.into(),
        }
    }

    pub async fn describe_user_pool_domain(
        &self,
        req: DescribeUserPoolDomainRequest,
    ) -> IdpResult<DescribeUserPoolDomainResponse> {
        let domain = req.domain.unwrap_or_default().to_ascii_lowercase();
        // An unknown domain is not an error: Cognito answers an empty description.
        let Some(record) = self.store.get_domain(&domain).await? else {
            return Ok(DescribeUserPoolDomainResponse { domain_description: Some(Default::default()) });
        };
        let doc: DomainDoc = serde_json::from_str(&record.config).map_err(internal)?;
        let description = DomainDescriptionType {
            user_pool_id: Some(record.pool_id.clone()),
            aws_account_id: Some(self.idp.settings().account_id.clone()),
            cloud_front_distribution: Some(self.served_host(&record)),
            version: Some(doc.version),
            status: Some("ACTIVE".into()),
            custom_domain_config: doc.custom_domain_config,
            managed_login_version: Some(doc.managed_login_version),
            domain: Some(record.domain),
            ..Default::default()
        };
        Ok(DescribeUserPoolDomainResponse { domain_description: Some(description) })
    }

    /// Changes the managed-login version and, for a custom domain, its certificate.
    pub async fn update_user_pool_domain(
        &self,
        req: UpdateUserPoolDomainRequest,
    ) -> IdpResult<UpdateUserPoolDomainResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let domain = req.domain.unwrap_or_default().to_ascii_lowercase();
        let mut record = self
            .store
            .get_domain(&domain)
            .await?
            .filter(|d| d.pool_id == pool_id)
            .ok_or_else(|| not_associated(&domain))?;
        let mut doc: DomainDoc = serde_json::from_str(&record.config).map_err(internal)?;
        doc.managed_login_version = login_version(req.managed_login_version, doc.managed_login_version)?;
        match (req.custom_domain_config, record.custom) {
            (Some(config), true) => doc.custom_domain_config = Some(config),
            (Some(_), false) => return Err(invalid("CustomDomainConfig applies only to a custom domain.")),
            (None, _) => {}
        }
        doc.version = self.domain_version();
        record.config = serde_json::to_string(&doc).map_err(internal)?;
        record.updated_ms = self.now_ms();
        if !self.store.update_domain(&record).await? {
            return Err(not_associated(&domain));
        }
        Ok(UpdateUserPoolDomainResponse {
            managed_login_version: Some(doc.managed_login_version),
            cloud_front_domain: Some(self.served_host(&record)),
            routing: None,
        })
    }

    pub async fn delete_user_pool_domain(
        &self,
        req: DeleteUserPoolDomainRequest,
    ) -> IdpResult<DeleteUserPoolDomainResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let domain = req.domain.unwrap_or_default().to_ascii_lowercase();
        if !self.store.delete_domain(&pool_id, &domain).await? {
            return Err(not_associated(&domain));
        }
        Ok(DeleteUserPoolDomainResponse {})
    }

    /// The pool whose hosted UI answers on `host` (a Host header: the port is ignored, case
    /// is not significant). A custom domain matches its own name; a prefix domain matches
    /// `{prefix}.{suffix}` only when the operator set a suffix.
    pub async fn pool_for_host(&self, host: &str) -> IdpResult<Option<String>> {
        let host = host_without_port(host).trim_end_matches('.').to_ascii_lowercase();
        if let Some(d) = self.store.get_domain(&host).await?.filter(|d| d.custom) {
            return Ok(Some(d.pool_id));
        }
        let Some(suffix) = &self.settings.hosted_ui_domain_suffix else { return Ok(None) };
        let suffix = suffix.to_ascii_lowercase();
        let Some(prefix) = host.strip_suffix(suffix.as_str()).and_then(|p| p.strip_suffix('.')) else {
            return Ok(None);
        };
        if prefix.is_empty() || prefix.contains('.') {
            return Ok(None);
        }
        Ok(self.store.get_domain(prefix).await?.filter(|d| !d.custom).map(|d| d.pool_id))
    }

    /// The host the pool's hosted UI is served on (its custom domain first), if it has a
    /// domain.
    pub async fn domain_of(&self, pool_id: &str) -> IdpResult<Option<String>> {
        let domains = self.store.domains_of_pool(pool_id).await?;
        let best = domains.iter().find(|d| d.custom).or_else(|| domains.first());
        Ok(best.map(|d| self.served_host(d)))
    }
}

/// `host[:port]` or `[v6]:port` without the port.
fn host_without_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map_or(host, |(h, _)| &host[..h.len() + 1]);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_prefix("my-app").is_ok());
        assert!(check_prefix("my-cognito-app").is_err());
        assert!(check_prefix("awsome").is_err());
        assert!(check_custom_name("auth.example.com").is_ok());
        assert!(check_custom_name("localhost").is_err());
        assert!(check_custom_name("-a.example.com").is_err());
        assert_eq!(host_without_port("Auth.Example.com:8443"), "Auth.Example.com");
        assert_eq!(host_without_port("[::1]:443"), "[::1]");
        assert_eq!(login_version(None, 1).ok(), Some(1));
        assert!(login_version(Some(3), 1).is_err());
    }
}
