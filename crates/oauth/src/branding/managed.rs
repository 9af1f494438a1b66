//! Managed-login branding styles: one per app client, a settings document stored as given
//! plus image assets, or Cognate's defaults when UseCognitoProvidedValues is set.

use crate::OAuth;
use crate::settings::{internal, invalid};
use cognate_idp::{IdpError, IdpResult};
use cognate_store::{BrandingRecord, StoreError};
use cognate_wire::idp::types::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashSet;

/// What the pages use where a style says nothing: Cognate's default look.
fn default_settings() -> Value {
    json!({
        "categories": {
            "global": {
                "colorSchemeMode": "LIGHT",
                "pageHeader": { "enabled": false },
                "pageFooter": { "enabled": false }
            },
            "form": {
                "displayGraphics": true,
                "location": { "horizontal": "CENTER", "vertical": "CENTER" },
                "sessionTimerDisplay": "NONE"
            },
            "auth": {
                "authMethodOrder": [[{ "display": "BUTTON", "type": "FEDERATED" }, { "display": "INPUT", "type": "USERNAME_PASSWORD" }]],
                "federation": { "interfaceStyle": "BUTTON_LIST", "order": [] }
            }
        },
        "componentClasses": {
            "buttons": { "borderRadius": 8.0 },
            "input": { "borderRadius": 8.0 }
        },
        "components": {
            "primaryButton": {
                "lightMode": { "defaults": { "backgroundColor": "0972d3ff", "textColor": "ffffffff" } },
                "darkMode": { "defaults": { "backgroundColor": "539fe5ff", "textColor": "000716ff" } }
            },
            "pageBackground": {
                "lightMode": { "color": "ffffffff" },
                "darkMode": { "color": "0f1b2aff" }
            }
        }
    })
}

/// `over` laid onto `base`: objects merge key by key, anything else replaces.
fn merged(mut base: Value, over: &Value) -> Value {
    match (&mut base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                let slot = b.remove(k).unwrap_or(Value::Null);
                b.insert(k.clone(), merged(slot, v));
            }
            base
        }
        _ => over.clone(),
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct BrandingDoc {
    use_cognito_provided_values: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    settings: Option<Value>,
    #[serde(default)]
    assets: Vec<AssetType>,
}

/// A client's branding as the page renderer needs it: the effective settings (the style's
/// over Cognate's defaults) and the assets (`Bytes` base64, or a `ResourceId`).
#[derive(Debug, Clone, PartialEq)]
pub struct Branding {
    pub id: String,
    pub settings: Value,
    pub assets: Vec<AssetType>,
}

fn not_found(id: &str) -> IdpError {
    IdpError::ResourceNotFound(format!("Managed login branding {id} does not exist."))
}

/// The style's content from a request, checked: defaults exclude settings and assets;
/// settings are a JSON object; each asset has bytes or a resource id and is unique per
/// (category, color mode).
fn doc_of(use_defaults: bool, settings: Option<Value>, assets: Option<Vec<AssetType>>) -> IdpResult<BrandingDoc> {
    if use_defaults && (settings.is_some() || assets.as_ref().is_some_and(|a| !a.is_empty())) {
        return Err(invalid("Settings and Assets cannot be given when UseCognitoProvidedValues is true."));
    }
    if settings.as_ref().is_some_and(|s| !s.is_object()) {
        return Err(invalid("Settings must be a JSON object."));
    }
    let assets = assets.unwrap_or_default();
    let mut seen = HashSet::new();
    for a in &assets {
        if a.bytes.is_none() == a.resource_id.is_none() {
            return Err(invalid("Each asset needs either Bytes or ResourceId."));
        }
        if !seen.insert((a.category.clone(), a.color_mode.clone())) {
            return Err(invalid(format!(
                "Duplicate asset for category {} and color mode {}.",
                a.category.as_deref().unwrap_or_default(),
                a.color_mode.as_deref().unwrap_or_default()
            )));
        }
    }
    Ok(BrandingDoc { use_cognito_provided_values: use_defaults, settings, assets })
}

fn view(record: &BrandingRecord, merge: bool) -> IdpResult<ManagedLoginBrandingType> {
    let doc: BrandingDoc = serde_json::from_str(&record.config).map_err(internal)?;
    let settings = match (merge, doc.settings) {
        (true, Some(s)) => Some(merged(default_settings(), &s)),
        (true, None) => Some(default_settings()),
        (false, s) => s,
    };
    Ok(ManagedLoginBrandingType {
        managed_login_branding_id: Some(record.id.clone()),
        user_pool_id: Some(record.pool_id.clone()),
        use_cognito_provided_values: Some(doc.use_cognito_provided_values),
        settings,
        assets: Some(doc.assets),
        creation_date: Some(record.created_ms as f64 / 1000.0),
        last_modified_date: Some(record.updated_ms as f64 / 1000.0),
    })
}

impl OAuth {
    pub async fn create_managed_login_branding(
        &self,
        req: CreateManagedLoginBrandingRequest,
    ) -> IdpResult<CreateManagedLoginBrandingResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let client_id = req.client_id.unwrap_or_default();
        self.require_client(&pool_id, &client_id).await?;
        let doc = doc_of(req.use_cognito_provided_values.unwrap_or(false), req.settings, req.assets)?;
        let now = self.now_ms();
        let record = BrandingRecord {
            id: cognate_crypto::random::uuid_v4(),
            pool_id,
            client_id,
            config: serde_json::to_string(&doc).map_err(internal)?,
            created_ms: now,
            updated_ms: now,
        };
        match self.store.insert_branding(&record).await {
            Err(StoreError::Conflict(_)) => {
                return Err(IdpError::ManagedLoginBrandingExists(format!(
                    "A managed login branding style already exists for app client {}.",
                    record.client_id
                )));
            }
            other => other?,
        }
        Ok(CreateManagedLoginBrandingResponse { managed_login_branding: Some(view(&record, false)?) })
    }

    pub async fn describe_managed_login_branding(
        &self,
        req: DescribeManagedLoginBrandingRequest,
    ) -> IdpResult<DescribeManagedLoginBrandingResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let id = req.managed_login_branding_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let record = self.store.get_branding(&pool_id, &id).await?.ok_or_else(|| not_found(&id))?;
        let merge = req.return_merged_resources.unwrap_or(false);
        Ok(DescribeManagedLoginBrandingResponse { managed_login_branding: Some(view(&record, merge)?) })
    }

    pub async fn describe_managed_login_branding_by_client(
        &self,
        req: DescribeManagedLoginBrandingByClientRequest,
    ) -> IdpResult<DescribeManagedLoginBrandingByClientResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let client_id = req.client_id.unwrap_or_default();
        self.require_client(&pool_id, &client_id).await?;
        let record = self.store.get_branding_by_client(&pool_id, &client_id).await?.ok_or_else(|| {
            IdpError::ResourceNotFound(format!("App client {client_id} has no managed login branding style."))
        })?;
        let merge = req.return_merged_resources.unwrap_or(false);
        Ok(DescribeManagedLoginBrandingByClientResponse { managed_login_branding: Some(view(&record, merge)?) })
    }

    /// Replaces what the request gives; UseCognitoProvidedValues=true drops settings and
    /// assets.
    pub async fn update_managed_login_branding(
        &self,
        req: UpdateManagedLoginBrandingRequest,
    ) -> IdpResult<UpdateManagedLoginBrandingResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let id = req.managed_login_branding_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        let mut record = self.store.get_branding(&pool_id, &id).await?.ok_or_else(|| not_found(&id))?;
        let old: BrandingDoc = serde_json::from_str(&record.config).map_err(internal)?;
        let use_defaults = req.use_cognito_provided_values.unwrap_or(false);
        let doc = if use_defaults {
            doc_of(true, req.settings, req.assets)?
        } else {
            let settings = req.settings.or(if old.use_cognito_provided_values { None } else { old.settings });
            doc_of(false, settings, req.assets.or(Some(old.assets)))?
        };
        record.config = serde_json::to_string(&doc).map_err(internal)?;
        record.updated_ms = self.now_ms();
        if !self.store.update_branding(&record).await? {
            return Err(not_found(&id));
        }
        Ok(UpdateManagedLoginBrandingResponse { managed_login_branding: Some(view(&record, false)?) })
    }

    pub async fn delete_managed_login_branding(
        &self,
        req: DeleteManagedLoginBrandingRequest,
    ) -> IdpResult<DeleteManagedLoginBrandingResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let id = req.managed_login_branding_id.unwrap_or_default();
        self.require_pool(&pool_id).await?;
        if !self.store.delete_branding(&pool_id, &id).await? {
            return Err(not_found(&id));
        }
        Ok(DeleteManagedLoginBrandingResponse {})
    }

    /// The branding the managed-login pages of `client_id` use, if the client has a style.
    pub async fn branding_for_client(&self, pool_id: &str, client_id: &str) -> IdpResult<Option<Branding>> {
        let Some(record) = self.store.get_branding_by_client(pool_id, client_id).await? else { return Ok(None) };
        let v = view(&record, true)?;
        Ok(Some(Branding {
            id: record.id,
            settings: v.settings.unwrap_or_else(default_settings),
            assets: v.assets.unwrap_or_default(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_and_checks() {
        let m = merged(json!({"a": {"b": 1, "c": 2}, "d": 1}), &json!({"a": {"b": 5}, "e": 3}));
        assert_eq!(m, json!({"a": {"b": 5, "c": 2}, "d": 1, "e": 3}));
        assert!(doc_of(true, Some(json!({})), None).is_err());
        assert!(doc_of(false, Some(json!([1])), None).is_err());
        let asset = AssetType {
            category: Some("FAVICON_ICO".into()),
            color_mode: Some("LIGHT".into()),
            extension: Some("ICO".into()),
            bytes: Some("AAAA".into()),
            resource_id: None,
        };
        assert!(doc_of(false, None, Some(vec![asset.clone()])).is_ok());
        assert!(doc_of(false, None, Some(vec![asset.clone(), asset])).is_err());
    }
}
