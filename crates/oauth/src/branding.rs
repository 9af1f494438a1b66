//! Branding of the hosted pages: the classic UI customization (CSS limited to Cognito's
//! customizable classes and a logo, per pool or per app client) and managed-login branding
//! styles (a settings document and assets, one style per app client). The web layer reads
//! both through [`OAuth::ui_css`], [`OAuth::ui_logo`] and [`OAuth::branding_for_client`].

mod css;
mod managed;

pub use managed::Branding;

use crate::OAuth;
use crate::settings::{internal, invalid};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cognate_idp::IdpResult;
use cognate_store::PoolDocRecord;
use cognate_wire::idp::types::*;
use serde::{Deserialize, Serialize};

const UI_KIND: &str = "ui";
/// The pool-wide customization's name (a request's ClientId `ALL` or none).
const ALL: &str = "ALL";
/// Cognito's limit for the logo.
const MAX_LOGO_BYTES: usize = 100 * 1024;

/// A stored UI customization.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct UiDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    css: Option<String>,
    /// The logo, base64, with its content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    logo: Option<(String, String)>,
}

/// The logo's content type, from its first bytes: PNG and JPEG only.
fn logo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

fn ui_name(client_id: Option<&str>) -> &str {
    match client_id {
        None | Some(ALL) => ALL,
        Some(id) => id,
    }
}

impl OAuth {
    pub async fn set_ui_customization(&self, req: SetUICustomizationRequest) -> IdpResult<SetUICustomizationResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let name = ui_name(req.client_id.as_deref()).to_string();
        self.require_ui_target(&pool_id, &name).await?;
        if let Some(css) = &req.css {
            css::check(css)?;
        }
        let logo = match req.image_file.as_deref().filter(|f| !f.is_empty()) {
            Some(file) => {
                let bytes = B64.decode(file).map_err(|_| invalid("ImageFile is not valid base64."))?;
                if bytes.len() > MAX_LOGO_BYTES {
                    return Err(invalid("The image file exceeds the maximum size of 100 KB."));
                }
                let kind = logo_type(&bytes).ok_or_else(|| invalid("The image file must be a PNG or JPEG image."))?;
                Some((kind.to_string(), B64.encode(&bytes)))
            }
            None => None,
        };
        let doc = UiDoc { css: req.css.filter(|c| !c.is_empty()), logo };
        let now = self.now_ms();
        let created_ms = self.store.get_pool_doc(&pool_id, UI_KIND, &name).await?.map_or(now, |d| d.created_ms);
        let record = PoolDocRecord {
            pool_id,
            kind: UI_KIND.into(),
            name,
            doc: serde_json::to_string(&doc).map_err(internal)?,
            created_ms,
            updated_ms: now,
        };
        self.store.put_pool_doc(&record).await?;
        Ok(SetUICustomizationResponse { ui_customization: Some(self.ui_view(&record, &doc)) })
    }

    /// A client's customization, else the pool's (the client's wins).
    pub async fn get_ui_customization(&self, req: GetUICustomizationRequest) -> IdpResult<GetUICustomizationResponse> {
        let pool_id = req.user_pool_id.unwrap_or_default();
        let name = ui_name(req.client_id.as_deref()).to_string();
        self.require_ui_target(&pool_id, &name).await?;
        let view = match self.ui_record(&pool_id, &name).await? {
            Some(record) => {
                let doc: UiDoc = serde_json::from_str(&record.doc).map_err(internal)?;
                self.ui_view(&record, &doc)
            }
            None => UICustomizationType { user_pool_id: Some(pool_id), client_id: Some(name), ..Default::default() },
        };
        Ok(GetUICustomizationResponse { ui_customization: Some(view) })
    }

    async fn require_ui_target(&self, pool_id: &str, name: &str) -> IdpResult<()> {
        match name {
            ALL => self.require_pool(pool_id).await,
            client_id => self.require_client(pool_id, client_id).await,
        }
    }

    /// The customization that applies to `name`: its own, else the pool's.
    async fn ui_record(&self, pool_id: &str, name: &str) -> IdpResult<Option<PoolDocRecord>> {
        if name != ALL
            && let Some(own) = self.store.get_pool_doc(pool_id, UI_KIND, name).await?
        {
            return Ok(Some(own));
        }
        Ok(self.store.get_pool_doc(pool_id, UI_KIND, ALL).await?)
    }

    fn ui_view(&self, record: &PoolDocRecord, doc: &UiDoc) -> UICustomizationType {
        let public_url = &self.idp.settings().public_url;
        UICustomizationType {
            user_pool_id: Some(record.pool_id.clone()),
            client_id: Some(record.name.clone()),
            image_url: doc.logo.as_ref().map(|_| format!("{public_url}/{}/ui/logo/{}", record.pool_id, record.name)),
            css: doc.css.clone(),
            css_version: doc.css.as_ref().map(|_| record.updated_ms.to_string()),
            creation_date: Some(record.created_ms as f64 / 1000.0),
            last_modified_date: Some(record.updated_ms as f64 / 1000.0),
        }
    }

    /// The CSS the hosted pages of `client_id` (or the pool, for `None`/`ALL`) use.
    pub async fn ui_css(&self, pool_id: &str, client_id: Option<&str>) -> IdpResult<Option<String>> {
        let Some(record) = self.ui_record(pool_id, ui_name(client_id)).await? else { return Ok(None) };
        let doc: UiDoc = serde_json::from_str(&record.doc).map_err(internal)?;
        Ok(doc.css)
    }

    /// The logo (content type, bytes) served at the customization's ImageUrl; `client_id` is
    /// an app client id or `ALL`.
    pub async fn ui_logo(&self, pool_id: &str, client_id: &str) -> IdpResult<Option<(String, Vec<u8>)>> {
        let Some(record) = self.ui_record(pool_id, ui_name(Some(client_id))).await? else { return Ok(None) };
        let doc: UiDoc = serde_json::from_str(&record.doc).map_err(internal)?;
        let Some((kind, data)) = doc.logo else { return Ok(None) };
        Ok(Some((kind, B64.decode(data).map_err(internal)?)))
    }
}
