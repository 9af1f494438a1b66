//! App clients: settings with Cognito's defaults and validation, and client secrets sealed
//! under the master key (at most two per client, for rotation).

use crate::pools::Pool;
use crate::{Idp, IdpError, IdpResult, error::internal, error::invalid, page, schema};
use cognate_store::{ClientRecord, StoreError};
use cognate_wire::idp::types::*;
use serde::{Deserialize, Serialize};

const MAX_SECRETS: usize = 2;
const STANDARD_SCOPES: &[&str] = &["openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"];
const LEGACY_FLOWS: &[&str] = &["ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"];

/// What is stored for a client: its settings (without secret values) and its sealed secrets.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ClientDoc {
    pub client: UserPoolClientType,
    #[serde(default)]
    pub secrets: Vec<SealedSecret>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SealedSecret {
    pub id: String,
    pub sealed: String,
    pub created_ms: i64,
}

fn secret_purpose(client_id: &str, secret_id: &str) -> String {
    format!("client-secret:{client_id}:{secret_id}")
}

impl Idp {
    async fn load_client(&self, pool_id: &str, client_id: &str) -> IdpResult<(ClientRecord, ClientDoc)> {
        let record = self
            .store
            .get_client(client_id)
            .await?
            .filter(|c| c.pool_id == pool_id)
            .ok_or_else(|| IdpError::ClientNotFound(client_id.into()))?;
        let doc = serde_json::from_str(&record.config).map_err(internal)?;
        Ok((record, doc))
    }

    /// The client's secret values, opened from their sealed form, oldest first.
    pub(crate) fn client_secrets(&self, record: &ClientRecord, doc: &ClientDoc) -> IdpResult<Vec<String>> {
        doc.secrets
            .iter()
            .map(|s| {
                let plain =
                    self.master_key.open(&secret_purpose(&record.client_id, &s.id), &s.sealed).map_err(internal)?;
                String::from_utf8(plain).map_err(internal)
            })
            .collect()
    }

    fn seal_secret(&self, client_id: &str, value: &str, now_ms: i64) -> SealedSecret {
        let id = format!("{client_id}--{}", now_ms);
        SealedSecret {
            sealed: self.master_key.seal(&secret_purpose(client_id, &id), value.as_bytes()),
            id,
            created_ms: now_ms,
        }
    }

    fn client_view(&self, record: &ClientRecord, doc: &ClientDoc) -> IdpResult<UserPoolClientType> {
        let mut out = doc.client.clone();
        out.user_pool_id = Some(record.pool_id.clone());
        out.client_id = Some(record.client_id.clone());
        out.client_name = Some(record.name.clone());
        out.creation_date = Some(record.created_ms as f64 / 1000.0);
        out.last_modified_date = Some(record.updated_ms as f64 / 1000.0);
        out.client_secret = self.client_secrets(record, doc)?.into_iter().next();
        Ok(out)
    }

    pub async fn create_user_pool_client(
        &self,
        req: CreateUserPoolClientRequest,
    ) -> IdpResult<CreateUserPoolClientResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let now = self.now_ms();
        let mut record = ClientRecord {
            pool_id: pool.record.id.clone(),
            client_id: String::new(),
            name: req.client_name.clone().unwrap_or_default(),
            created_ms: now,
            updated_ms: now,
            config: String::new(),
            version: 1,
        };
        let secret = match (&req.client_secret, req.generate_secret) {
            (Some(s), _) => Some(s.clone()),
            (None, Some(true)) => Some(cognate_crypto::random::client_secret()),
            _ => None,
        };
        let settings = ClientSettings::of_create(req);
        let client = settings.validated(&pool, secret.is_some())?;
        self.check_providers(&pool, &client).await?;
        self.check_scopes(&pool.record.id, &client).await?;
        loop {
            record.client_id = cognate_crypto::random::client_id();
            let doc = ClientDoc {
                client: client.clone(),
                secrets: secret.iter().map(|s| self.seal_secret(&record.client_id, s, now)).collect(),
            };
            record.config = serde_json::to_string(&doc).map_err(internal)?;
            match self.store.insert_client(&record).await {
                Err(StoreError::Conflict(_)) => continue,
                other => other?,
            }
            return Ok(CreateUserPoolClientResponse { user_pool_client: Some(self.client_view(&record, &doc)?) });
        }
    }

    pub async fn describe_user_pool_client(
        &self,
        req: DescribeUserPoolClientRequest,
    ) -> IdpResult<DescribeUserPoolClientResponse> {
        self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let (record, doc) = self
            .load_client(req.user_pool_id.as_deref().unwrap_or_default(), req.client_id.as_deref().unwrap_or_default())
            .await?;
        Ok(DescribeUserPoolClientResponse { user_pool_client: Some(self.client_view(&record, &doc)?) })
    }

    pub async fn update_user_pool_client(
        &self,
        req: UpdateUserPoolClientRequest,
    ) -> IdpResult<UpdateUserPoolClientResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let (mut record, mut doc) =
            self.load_client(&pool.record.id, req.client_id.as_deref().unwrap_or_default()).await?;
        if let Some(name) = &req.client_name {
            record.name = name.clone();
        }
        doc.client = ClientSettings::of_update(req).validated(&pool, !doc.secrets.is_empty())?;
        self.check_providers(&pool, &doc.client).await?;
        self.check_scopes(&pool.record.id, &doc.client).await?;
        record.config = serde_json::to_string(&doc).map_err(internal)?;
        record.version += 1;
        record.updated_ms = self.now_ms();
        self.store.update_client(&record).await?;
        Ok(UpdateUserPoolClientResponse { user_pool_client: Some(self.client_view(&record, &doc)?) })
    }

    pub async fn delete_user_pool_client(
        &self,
        req: DeleteUserPoolClientRequest,
    ) -> IdpResult<DeleteUserPoolClientResponse> {
        let pool_id = req.user_pool_id.as_deref().unwrap_or_default();
        self.load_pool(pool_id).await?;
        let client_id = req.client_id.as_deref().unwrap_or_default();
        if !self.store.delete_client(pool_id, client_id).await? {
            return Err(IdpError::ClientNotFound(client_id.into()));
        }
        Ok(DeleteUserPoolClientResponse {})
    }

    pub async fn list_user_pool_clients(
        &self,
        req: ListUserPoolClientsRequest,
    ) -> IdpResult<ListUserPoolClientsResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let size = page::size(req.max_results, 60);
        let after = page::decode(req.next_token.as_deref())?;
        let rows = self.store.list_clients(&pool.record.id, after.as_deref(), size + 1).await?;
        let (rows, more) = page::split(rows, size);
        let next_token = more.then(|| rows.last().map(|r| page::encode(&r.client_id))).flatten();
        let clients = rows
            .into_iter()
            .map(|r| UserPoolClientDescription {
                client_id: Some(r.client_id),
                user_pool_id: Some(r.pool_id),
                client_name: Some(r.name),
            })
            .collect();
        Ok(ListUserPoolClientsResponse { user_pool_clients: Some(clients), next_token })
    }

    pub async fn add_user_pool_client_secret(
        &self,
        req: AddUserPoolClientSecretRequest,
    ) -> IdpResult<AddUserPoolClientSecretResponse> {
        let pool_id = req.user_pool_id.as_deref().unwrap_or_default();
        self.load_pool(pool_id).await?;
        let (mut record, mut doc) = self.load_client(pool_id, req.client_id.as_deref().unwrap_or_default()).await?;
        if doc.secrets.is_empty() {
            return Err(invalid(format!(
                "Client {} is not a confidential client; it has no client secret.",
                record.client_id
            )));
        }
        if doc.secrets.len() >= MAX_SECRETS {
            return Err(IdpError::LimitExceeded(format!("A client can have at most {MAX_SECRETS} client secrets.")));
        }
        // Only a secret Cognate generated is returned: the caller already knows its own.
        let generated = req.client_secret.is_none();
        let value = req.client_secret.unwrap_or_else(cognate_crypto::random::client_secret);
        let now = self.now_ms().max(doc.secrets.iter().map(|s| s.created_ms + 1000).max().unwrap_or(0));
        let sealed = self.seal_secret(&record.client_id, &value, now);
        let descriptor = ClientSecretDescriptorType {
            client_secret_id: Some(sealed.id.clone()),
            client_secret_value: generated.then_some(value),
            client_secret_create_date: Some(now as f64 / 1000.0),
        };
        doc.secrets.push(sealed);
        self.store_client_doc(&mut record, &doc).await?;
        Ok(AddUserPoolClientSecretResponse { client_secret_descriptor: Some(descriptor) })
    }

    pub async fn list_user_pool_client_secrets(
        &self,
        req: ListUserPoolClientSecretsRequest,
    ) -> IdpResult<ListUserPoolClientSecretsResponse> {
        let pool_id = req.user_pool_id.as_deref().unwrap_or_default();
        self.load_pool(pool_id).await?;
        let (_, doc) = self.load_client(pool_id, req.client_id.as_deref().unwrap_or_default()).await?;
        let secrets = doc
            .secrets
            .iter()
            .map(|s| ClientSecretDescriptorType {
                client_secret_id: Some(s.id.clone()),
                client_secret_value: None,
                client_secret_create_date: Some(s.created_ms as f64 / 1000.0),
            })
            .collect();
        Ok(ListUserPoolClientSecretsResponse { client_secrets: Some(secrets), next_token: None })
    }

    pub async fn delete_user_pool_client_secret(
        &self,
        req: DeleteUserPoolClientSecretRequest,
    ) -> IdpResult<DeleteUserPoolClientSecretResponse> {
        let pool_id = req.user_pool_id.as_deref().unwrap_or_default();
        self.load_pool(pool_id).await?;
        let (mut record, mut doc) = self.load_client(pool_id, req.client_id.as_deref().unwrap_or_default()).await?;
        let id = req.client_secret_id.unwrap_or_default();
        let before = doc.secrets.len();
        doc.secrets.retain(|s| s.id != id);
        if doc.secrets.len() == before {
            return Err(IdpError::ResourceNotFound(format!("Client secret {id} does not exist.")));
        }
        if doc.secrets.is_empty() {
            return Err(invalid("The last client secret of a client cannot be deleted."));
        }
        self.store_client_doc(&mut record, &doc).await?;
        Ok(DeleteUserPoolClientSecretResponse {})
    }

    /// Scopes beyond the standard ones must name `{identifier}/{scope}` of one of the pool's
    /// resource servers (scope names cannot contain `/`, identifiers can).
    async fn check_scopes(&self, pool_id: &str, c: &UserPoolClientType) -> IdpResult<()> {
        for scope in c.allowed_o_auth_scopes.as_deref().unwrap_or_default() {
            if STANDARD_SCOPES.contains(&scope.as_str()) {
                continue;
            }
            let known = match scope.rsplit_once('/') {
                Some((identifier, name)) => match self.store.get_resource_server(pool_id, identifier).await? {
                    Some(server) => serde_json::from_str::<Vec<ResourceServerScopeType>>(&server.scopes)
                        .map_err(internal)?
                        .iter()
                        .any(|s| s.scope_name.as_deref() == Some(name)),
                    None => false,
                },
                None => false,
            };
            if !known {
                return Err(IdpError::ScopeDoesNotExist(format!("Invalid scope requested: {scope}")));
            }
        }
        Ok(())
    }

    async fn store_client_doc(&self, record: &mut ClientRecord, doc: &ClientDoc) -> IdpResult<()> {
        record.config = serde_json::to_string(doc).map_err(internal)?;
        record.version += 1;
        record.updated_ms = self.now_ms();
        Ok(self.store.update_client(record).await?)
    }
}

/// The client settings CreateUserPoolClient and UpdateUserPoolClient share.
struct ClientSettings(UserPoolClientType);

macro_rules! client_settings_of {
    ($r:expr) => {{
        let r = $r;
        ClientSettings(UserPoolClientType {
            refresh_token_validity: r.refresh_token_validity,
            access_token_validity: r.access_token_validity,
            id_token_validity: r.id_token_validity,
            token_validity_units: r.token_validity_units,
            read_attributes: r.read_attributes,
            write_attributes: r.write_attributes,
            explicit_auth_flows: r.explicit_auth_flows,
            supported_identity_providers: r.supported_identity_providers,
            callback_ur_ls: r.callback_ur_ls,
            logout_ur_ls: r.logout_ur_ls,
            default_redirect_uri: r.default_redirect_uri,
            allowed_o_auth_flows: r.allowed_o_auth_flows,
            allowed_o_auth_scopes: r.allowed_o_auth_scopes,
            allowed_o_auth_flows_user_pool_client: r.allowed_o_auth_flows_user_pool_client,
            analytics_configuration: r.analytics_configuration,
            prevent_user_existence_errors: r.prevent_user_existence_errors,
            enable_token_revocation: r.enable_token_revocation,
            enable_propagate_additional_user_context_data: r.enable_propagate_additional_user_context_data,
            auth_session_validity: r.auth_session_validity,
            refresh_token_rotation: r.refresh_token_rotation,
            ..Default::default()
        })
    }};
}

impl ClientSettings {
    fn of_create(r: CreateUserPoolClientRequest) -> Self {
        client_settings_of!(r)
    }

    fn of_update(r: UpdateUserPoolClientRequest) -> Self {
        client_settings_of!(r)
    }

    /// Fills Cognito's defaults and checks the cross-field rules.
    fn validated(self, pool: &Pool, has_secret: bool) -> IdpResult<UserPoolClientType> {
        let mut c = self.0;
        c.explicit_auth_flows = Some(auth_flows(c.explicit_auth_flows.take())?);
        check_validity(&mut c)?;
        check_attributes(pool, c.read_attributes.as_deref(), "read")?;
        check_attributes(pool, c.write_attributes.as_deref(), "write")?;
        check_oauth(&c, has_secret)?;
        c.allowed_o_auth_flows_user_pool_client = Some(c.allowed_o_auth_flows_user_pool_client.unwrap_or(false));
        c.prevent_user_existence_errors = Some(c.prevent_user_existence_errors.unwrap_or_else(|| "LEGACY".into()));
        c.enable_token_revocation = Some(c.enable_token_revocation.unwrap_or(true));
        c.enable_propagate_additional_user_context_data =
            Some(c.enable_propagate_additional_user_context_data.unwrap_or(false));
        c.auth_session_validity = Some(c.auth_session_validity.unwrap_or(3));
        Ok(c)
    }
}

fn auth_flows(given: Option<Vec<String>>) -> IdpResult<Vec<String>> {
    let flows = given.unwrap_or_else(|| {
        ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"].map(String::from).to_vec()
    });
    let legacy = flows.iter().any(|f| LEGACY_FLOWS.contains(&f.as_str()));
    let modern = flows.iter().any(|f| f.starts_with("ALLOW_"));
    if legacy && modern {
        return Err(invalid("ExplicitAuthFlows cannot mix legacy values with ALLOW_ values."));
    }
    Ok(flows)
}

/// Token lifetimes: access and ID 5 minutes to 1 day, refresh 1 hour to 10 years.
fn check_validity(c: &mut UserPoolClientType) -> IdpResult<()> {
    let mut units = c.token_validity_units.take().unwrap_or_default();
    units.access_token = units.access_token.or_else(|| Some("hours".into()));
    units.id_token = units.id_token.or_else(|| Some("hours".into()));
    units.refresh_token = units.refresh_token.or_else(|| Some("days".into()));
    if c.refresh_token_validity.unwrap_or(0) == 0 {
        c.refresh_token_validity = Some(30);
    }
    let seconds = |v: i64, unit: &Option<String>| v.saturating_mul(unit_seconds(unit.as_deref()));
    let in_range = |v: Option<i64>, unit: &Option<String>, lo: i64, hi: i64| {
        v.is_none_or(|v| (lo..=hi).contains(&seconds(v, unit)))
    };
    if !in_range(c.access_token_validity, &units.access_token, 300, 86_400)
        || !in_range(c.id_token_validity, &units.id_token, 300, 86_400)
        || !in_range(c.refresh_token_validity, &units.refresh_token, 3_600, 315_360_000)
    {
        return Err(invalid("Invalid range for token validity."));
    }
    c.token_validity_units = Some(units);
    Ok(())
}

pub(crate) fn unit_seconds(unit: Option<&str>) -> i64 {
    match unit {
        Some("seconds") => 1,
        Some("minutes") => 60,
        Some("hours") => 3_600,
        _ => 86_400,
    }
}

fn check_attributes(pool: &Pool, names: Option<&[String]>, kind: &str) -> IdpResult<()> {
    let Some(names) = names else { return Ok(()) };
    let unknown = names.iter().any(|n| schema::find(pool.doc.schema(), n).is_none() || n == "sub" && kind == "write");
    if unknown {
        return Err(invalid(format!("Invalid {kind} attributes specified while creating a client")));
    }
    Ok(())
}

fn check_oauth(c: &UserPoolClientType, has_secret: bool) -> IdpResult<()> {
    let flows = c.allowed_o_auth_flows.as_deref().unwrap_or_default();
    if flows.iter().any(|f| f == "client_credentials") {
        if flows.len() > 1 {
            return Err(IdpError::InvalidOAuthFlow(
                "client_credentials flow can not be selected along with code flow or implicit flow.".into(),
            ));
        }
        if !has_secret {
            return Err(IdpError::InvalidOAuthFlow(
                "client_credentials flow can not be selected if client does not have a client secret.".into(),
            ));
        }
    }
    let callbacks = c.callback_ur_ls.as_deref().unwrap_or_default();
    for url in callbacks.iter().chain(c.logout_ur_ls.as_deref().unwrap_or_default()) {
        check_redirect_url(url)?;
    }
    if let Some(d) = &c.default_redirect_uri
        && !callbacks.contains(d)
    {
        return Err(invalid("DefaultRedirectURI must be one of the CallbackURLs."));
    }
    let scopes = c.allowed_o_auth_scopes.as_deref().unwrap_or_default();
    if c.allowed_o_auth_flows_user_pool_client == Some(true) {
        if flows.is_empty() || scopes.is_empty() {
            return Err(invalid(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ));
        }
        if flows.iter().any(|f| f != "client_credentials") && callbacks.is_empty() {
            return Err(IdpError::InvalidOAuthFlow(
                "CallbackUrls can not be empty when code flow or implicit flow is selected".into(),
            ));
        }
    } else if !flows.is_empty() || !scopes.is_empty() {
        // Without the switch the client cannot use OAuth at all, so flows or scopes set
        // anyway are a mistake worth reporting rather than settings silently unused.
        return Err(invalid(
            "AllowedOAuthFlowsUserPoolClient must be true to set AllowedOAuthFlows or AllowedOAuthScopes.",
        ));
    }
    Ok(())
}

/// Redirect targets must be absolute, without a fragment, and HTTPS unless they point at
/// this machine: an open `http://` redirect would leak authorization codes on the network.
fn check_redirect_url(url: &str) -> IdpResult<()> {
    let bad = || invalid(format!("Invalid redirect URL: {url}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    if url.contains('#') || rest.is_empty() {
        return Err(bad());
    }
    if scheme.eq_ignore_ascii_case("http") {
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        let host = host
            .rsplit_once(':')
            .map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host });
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(invalid(format!("{url}: HTTPS is required over HTTP except for http://localhost")));
        }
    }
    Ok(())
}

impl Idp {
    /// SupportedIdentityProviders may name COGNITO and the pool's identity providers.
    async fn check_providers(&self, pool: &Pool, c: &UserPoolClientType) -> IdpResult<()> {
        for name in c.supported_identity_providers.as_deref().unwrap_or_default() {
            if name != "COGNITO"
                && self.store.get_pool_doc(&pool.record.id, crate::federated::PROVIDER_KIND, name).await?.is_none()
            {
                return Err(invalid(format!("The provider {name} does not exist for User Pool.")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_rules() {
        assert!(check_redirect_url("https://example.com/cb").is_ok());
        assert!(check_redirect_url("http://localhost:3000/cb").is_ok());
        assert!(check_redirect_url("myapp://callback").is_ok());
        assert!(check_redirect_url("http://example.com/cb").is_err());
        assert!(check_redirect_url("https://example.com/cb#x").is_err());
        assert!(check_redirect_url("nope").is_err());
    }

    #[test]
    fn flows_default_and_mixing() {
        assert_eq!(auth_flows(None).unwrap().len(), 3);
        assert!(auth_flows(Some(vec!["USER_PASSWORD_AUTH".into(), "ALLOW_USER_SRP_AUTH".into()])).is_err());
        assert!(auth_flows(Some(vec!["ADMIN_NO_SRP_AUTH".into()])).is_ok());
    }
}
