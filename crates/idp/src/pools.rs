//! User-pool operations: create, describe, update, delete, list, custom attributes, the MFA
//! configuration, the CSV import header and tags.

use crate::pool_config::{MfaDoc, PoolDoc, Settings, check_identity_settings};
use crate::{Idp, IdpError, IdpResult, error::internal, error::invalid, page, schema};
use cognate_core::names::{pool_id_from_arn, user_pool_arn};
use cognate_store::{PoolRecord, StoreError};
use cognate_wire::idp::types::*;
use std::sync::Arc;

/// A loaded pool: its row and its parsed settings, shared (cloning is cheap) until changed.
#[derive(Clone)]
pub(crate) struct Pool {
    pub record: Arc<PoolRecord>,
    pub doc: Arc<PoolDoc>,
}

impl Pool {
    /// The settings to change (copied first if another holder shares them).
    pub(crate) fn doc_mut(&mut self) -> &mut PoolDoc {
        Arc::make_mut(&mut self.doc)
    }

    pub(crate) fn record_mut(&mut self) -> &mut PoolRecord {
        Arc::make_mut(&mut self.record)
    }
}

impl Idp {
    /// The pool by id. Asks the store for the pool's version first and reuses the copy
    /// parsed at that version, so a token check does not read and parse the settings.
    pub(crate) async fn load_pool(&self, id: &str) -> IdpResult<Pool> {
        let version = self.store.get_pool_version(id).await?;
        self.pool_at(id, version).await
    }

    /// The pool at the `(version, created_ms)` the store just reported (`None`: no such pool).
    pub(crate) async fn pool_at(&self, id: &str, version: Option<(i64, i64)>) -> IdpResult<Pool> {
        let version = version.ok_or_else(|| IdpError::PoolNotFound(id.into()))?;
        if let Some(pool) = self.pools.get(id, version) {
            return Ok(pool);
        }
        let record = self.store.get_pool(id).await?.ok_or_else(|| IdpError::PoolNotFound(id.into()))?;
        self.pool_of(record)
    }

    /// The pool a stored row describes, parsed unless this process already parsed it.
    pub(crate) fn pool_of(&self, record: PoolRecord) -> IdpResult<Pool> {
        if let Some(pool) = self.pools.get(&record.id, (record.version, record.created_ms)) {
            return Ok(pool);
        }
        let doc = serde_json::from_str(&record.config).map_err(internal)?;
        let pool = Pool { record: Arc::new(record), doc: Arc::new(doc) };
        self.pools.put(&pool);
        Ok(pool)
    }

    pub(crate) async fn save_pool(&self, mut pool: Pool) -> IdpResult<Pool> {
        let config = serde_json::to_string(&*pool.doc).map_err(internal)?;
        let now = self.now_ms();
        let record = pool.record_mut();
        record.config = config;
        record.version += 1;
        record.updated_ms = now;
        self.store.update_pool(&pool.record).await?;
        self.pools.put(&pool);
        Ok(pool)
    }

    /// The DescribeUserPool shape: the stored settings plus the computed members.
    async fn describe(&self, pool: &Pool) -> IdpResult<UserPoolType> {
        let mut out = pool.doc.pool.clone();
        out.id = Some(pool.record.id.clone());
        out.name = Some(pool.record.name.clone());
        out.arn = Some(user_pool_arn(&self.settings.region, &self.settings.account_id, &pool.record.id));
        out.creation_date = Some(pool.record.created_ms as f64 / 1000.0);
        out.last_modified_date = Some(pool.record.updated_ms as f64 / 1000.0);
        out.estimated_number_of_users = Some(self.store.count_users(&pool.record.id).await?);
        for domain in self.store.domains_of_pool(&pool.record.id).await? {
            match domain.custom {
                false => out.domain = Some(domain.domain),
                true => out.custom_domain = Some(domain.domain),
            }
        }
        Ok(out)
    }

    pub async fn create_user_pool(&self, req: CreateUserPoolRequest) -> IdpResult<CreateUserPoolResponse> {
        check_identity_settings(&req)?;
        let mut doc = PoolDoc::default();
        doc.pool.schema_attributes = Some(schema::build(req.schema.as_deref().unwrap_or_default())?);
        doc.pool.username_attributes = req.username_attributes.clone();
        doc.pool.alias_attributes = req.alias_attributes.clone();
        doc.pool.username_configuration = req.username_configuration.clone();
        settings_of_create(req.clone()).apply(&mut doc.pool)?;
        self.check_trigger_targets(&doc.pool)?;
        let now = self.now_ms();
        let mut record = PoolRecord {
            id: String::new(),
            name: req.pool_name.unwrap_or_default(),
            created_ms: now,
            updated_ms: now,
            config: serde_json::to_string(&doc).map_err(internal)?,
            version: 1,
        };
        loop {
            record.id = cognate_crypto::random::user_pool_id(&self.settings.region);
            match self.store.insert_pool(&record).await {
                Err(StoreError::Conflict(_)) => continue,
                other => break other?,
            }
        }
        let pool = Pool { record: Arc::new(record), doc: Arc::new(doc) };
        Ok(CreateUserPoolResponse { user_pool: Some(self.describe(&pool).await?) })
    }

    pub async fn describe_user_pool(&self, req: DescribeUserPoolRequest) -> IdpResult<DescribeUserPoolResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        Ok(DescribeUserPoolResponse { user_pool: Some(self.describe(&pool).await?) })
    }

    pub async fn update_user_pool(&self, req: UpdateUserPoolRequest) -> IdpResult<UpdateUserPoolResponse> {
        let mut pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        if let Some(name) = &req.pool_name {
            pool.record_mut().name = name.clone();
        }
        settings_of_update(req).apply(&mut pool.doc_mut().pool)?;
        self.check_trigger_targets(&pool.doc.pool)?;
        self.save_pool(pool).await?;
        Ok(UpdateUserPoolResponse {})
    }

    pub async fn delete_user_pool(&self, req: DeleteUserPoolRequest) -> IdpResult<DeleteUserPoolResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        if pool.doc.pool.deletion_protection.as_deref() == Some("ACTIVE") {
            return Err(invalid(
                "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.",
            ));
        }
        if !self.store.domains_of_pool(&pool.record.id).await?.is_empty() {
            return Err(invalid(
                "User pool cannot be deleted. It has a domain configured that should be deleted first.",
            ));
        }
        self.store.delete_pool(&pool.record.id).await?;
        Ok(DeleteUserPoolResponse {})
    }

    pub async fn list_user_pools(&self, req: ListUserPoolsRequest) -> IdpResult<ListUserPoolsResponse> {
        let size = page::size(req.max_results, 60);
        let after = page::decode(req.next_token.as_deref())?;
        let rows = self.store.list_pools(after.as_deref(), size + 1).await?;
        let (rows, more) = page::split(rows, size);
        let next_token = more.then(|| rows.last().map(|r| page::encode(&r.id))).flatten();
        let mut pools = Vec::with_capacity(rows.len());
        for record in rows {
            let doc: PoolDoc = serde_json::from_str(&record.config).map_err(internal)?;
            pools.push(UserPoolDescriptionType {
                id: Some(record.id),
                name: Some(record.name),
                lambda_config: doc.pool.lambda_config,
                status: None,
                creation_date: Some(record.created_ms as f64 / 1000.0),
                last_modified_date: Some(record.updated_ms as f64 / 1000.0),
                ..Default::default()
            });
        }
        Ok(ListUserPoolsResponse { user_pools: Some(pools), next_token })
    }

    pub async fn add_custom_attributes(
        &self,
        req: AddCustomAttributesRequest,
    ) -> IdpResult<AddCustomAttributesResponse> {
        let mut pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let schema = pool.doc_mut().pool.schema_attributes.get_or_insert_with(Vec::new);
        schema::add_custom(schema, req.custom_attributes.as_deref().unwrap_or_default())?;
        self.save_pool(pool).await?;
        Ok(AddCustomAttributesResponse {})
    }

    pub async fn get_user_pool_mfa_config(
        &self,
        req: GetUserPoolMfaConfigRequest,
    ) -> IdpResult<GetUserPoolMfaConfigResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let mfa = pool.doc.mfa.clone().unwrap_or_default();
        Ok(GetUserPoolMfaConfigResponse {
            sms_mfa_configuration: mfa.sms,
            software_token_mfa_configuration: mfa.software_token,
            email_mfa_configuration: mfa.email,
            web_authn_configuration: mfa.web_authn,
            mfa_configuration: pool.doc.pool.mfa_configuration.clone(),
        })
    }

    pub async fn set_user_pool_mfa_config(
        &self,
        req: SetUserPoolMfaConfigRequest,
    ) -> IdpResult<SetUserPoolMfaConfigResponse> {
        let mut pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let mut mfa = pool.doc_mut().mfa.take().unwrap_or_default();
        // Like Cognito, a factor configuration omitted from the request is left as it was.
        mfa.sms = req.sms_mfa_configuration.or(mfa.sms);
        mfa.software_token = req.software_token_mfa_configuration.or(mfa.software_token);
        mfa.email = req.email_mfa_configuration.or(mfa.email);
        mfa.web_authn = req.web_authn_configuration.or(mfa.web_authn);
        let mode =
            req.mfa_configuration.or_else(|| pool.doc.pool.mfa_configuration.clone()).unwrap_or_else(|| "OFF".into());
        if mode != "OFF" && !any_factor_enabled(&mfa, &pool.doc) {
            return Err(invalid(
                "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
            ));
        }
        pool.doc_mut().pool.mfa_configuration = Some(mode.clone());
        if let Some(sms) = &mfa.sms {
            pool.doc_mut().pool.sms_authentication_message = sms.sms_authentication_message.clone();
        }
        pool.doc_mut().mfa = Some(mfa.clone());
        self.save_pool(pool).await?;
        Ok(SetUserPoolMfaConfigResponse {
            sms_mfa_configuration: mfa.sms,
            software_token_mfa_configuration: mfa.software_token,
            email_mfa_configuration: mfa.email,
            web_authn_configuration: mfa.web_authn,
            mfa_configuration: Some(mode),
        })
    }

    pub async fn get_csv_header(&self, req: GetCSVHeaderRequest) -> IdpResult<GetCSVHeaderResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let mut header: Vec<String> = pool
            .doc
            .schema()
            .iter()
            .filter_map(|a| a.name.clone())
            .filter(|n| n != "sub" && n != "identities" && !n.starts_with("dev:"))
            .collect();
        header.push("cognito:mfa_enabled".into());
        header.push("cognito:username".into());
        Ok(GetCSVHeaderResponse { user_pool_id: Some(pool.record.id.clone()), csv_header: Some(header) })
    }

    /// The pool an ARN names; an ARN of another account or region names nothing here.
    async fn pool_of_arn(&self, arn: Option<&str>) -> IdpResult<Pool> {
        let arn = arn.unwrap_or_default();
        let missing = || IdpError::ResourceNotFound(format!("Resource {arn} does not exist."));
        let id = pool_id_from_arn(arn).ok_or_else(missing)?;
        if arn != user_pool_arn(&self.settings.region, &self.settings.account_id, id) {
            return Err(missing());
        }
        match self.load_pool(id).await {
            Err(IdpError::PoolNotFound(_)) => Err(missing()),
            other => other,
        }
    }

    pub async fn tag_resource(&self, req: TagResourceRequest) -> IdpResult<TagResourceResponse> {
        let mut pool = self.pool_of_arn(req.resource_arn.as_deref()).await?;
        pool.doc_mut().tags().extend(req.tags.unwrap_or_default());
        if pool.doc_mut().tags().len() > 50 {
            return Err(invalid("A resource can have at most 50 tags."));
        }
        self.save_pool(pool).await?;
        Ok(TagResourceResponse {})
    }

    pub async fn untag_resource(&self, req: UntagResourceRequest) -> IdpResult<UntagResourceResponse> {
        let mut pool = self.pool_of_arn(req.resource_arn.as_deref()).await?;
        for key in req.tag_keys.unwrap_or_default() {
            pool.doc_mut().tags().remove(&key);
        }
        self.save_pool(pool).await?;
        Ok(UntagResourceResponse {})
    }

    pub async fn list_tags_for_resource(
        &self,
        req: ListTagsForResourceRequest,
    ) -> IdpResult<ListTagsForResourceResponse> {
        let pool = self.pool_of_arn(req.resource_arn.as_deref()).await?;
        Ok(ListTagsForResourceResponse { tags: Some(pool.doc.pool.user_pool_tags.clone().unwrap_or_default()) })
    }
}

fn any_factor_enabled(mfa: &MfaDoc, doc: &PoolDoc) -> bool {
    let _ = doc;
    mfa.sms.is_some() || mfa.software_token.as_ref().and_then(|t| t.enabled) == Some(true) || mfa.email.is_some()
}

/// CreateUserPool and UpdateUserPool carry the same settings members; one list maps both.
macro_rules! settings_of {
    ($r:expr) => {{
        let r = $r;
        Settings {
            policies: r.policies,
            deletion_protection: r.deletion_protection,
            lambda_config: r.lambda_config,
            auto_verified_attributes: r.auto_verified_attributes,
            sms_verification_message: r.sms_verification_message,
            email_verification_message: r.email_verification_message,
            email_verification_subject: r.email_verification_subject,
            verification_message_template: r.verification_message_template,
            sms_authentication_message: r.sms_authentication_message,
            user_attribute_update_settings: r.user_attribute_update_settings,
            mfa_configuration: r.mfa_configuration,
            device_configuration: r.device_configuration,
            email_configuration: r.email_configuration,
            sms_configuration: r.sms_configuration,
            user_pool_tags: r.user_pool_tags,
            admin_create_user_config: r.admin_create_user_config,
            user_pool_add_ons: r.user_pool_add_ons,
            account_recovery_setting: r.account_recovery_setting,
            user_pool_tier: r.user_pool_tier,
        }
    }};
}

fn settings_of_create(r: CreateUserPoolRequest) -> Settings {
    settings_of!(r)
}

fn settings_of_update(r: UpdateUserPoolRequest) -> Settings {
    settings_of!(r)
}
