//! Where identity pools, identities and IAM entities live: the store's pool documents, under
//! namespaces no user pool id can take (user pool ids are `region_xxx`, identity pool ids
//! `region:uuid`).
//!
//! | pool_id              | kind       | name                    | doc                         |
//! |----------------------|------------|-------------------------|-----------------------------|
//! | `cognito-identity`   | `pool`     | identity pool id        | [`crate::pools::PoolDoc`]   |
//! | `cognito-identity`   | `identity` | identity id             | the identity's pool id      |
//! | identity pool id     | `identity` | identity id             | [`crate::identities::IdentityDoc`] |
//! | identity pool id     | `login`    | `provider` `\n` subject | identity id                 |
//! | `iam`                | `role`     | role name               | [`crate::iam::RoleDoc`]     |
//! | `iam`                | `policy`   | policy ARN              | [`crate::iam::PolicyDoc`]   |

use crate::Identity;
use crate::error::{IdentityResult, internal};
use cognate_store::{PoolDocRecord, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) const NAMESPACE: &str = "cognito-identity";
pub(crate) const IAM: &str = "iam";

/// A document to write: where, and its JSON.
pub(crate) fn record(
    pool_id: &str,
    kind: &str,
    name: &str,
    doc: &impl Serialize,
    now_ms: i64,
) -> IdentityResult<PoolDocRecord> {
    Ok(PoolDocRecord {
        pool_id: pool_id.to_owned(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        doc: serde_json::to_string(doc).map_err(internal)?,
        created_ms: now_ms,
        updated_ms: now_ms,
    })
}

impl Identity {
    pub(crate) async fn get_doc<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        kind: &str,
        name: &str,
    ) -> IdentityResult<Option<T>> {
        match self.store.get_pool_doc(pool_id, kind, name).await? {
            Some(r) => Ok(Some(serde_json::from_str(&r.doc).map_err(internal)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn put_doc(
        &self,
        pool_id: &str,
        kind: &str,
        name: &str,
        doc: &impl Serialize,
    ) -> IdentityResult<()> {
        Ok(self.store.put_pool_doc(&record(pool_id, kind, name, doc, self.now_ms())?).await?)
    }

    /// Inserts a new document; false when one of that name exists.
    pub(crate) async fn insert_doc(
        &self,
        pool_id: &str,
        kind: &str,
        name: &str,
        doc: &impl Serialize,
    ) -> IdentityResult<bool> {
        match self.store.insert_pool_doc(&record(pool_id, kind, name, doc, self.now_ms())?).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// A page of documents of one kind, decoded, with the name of each.
    pub(crate) async fn list_docs<T: DeserializeOwned>(
        &self,
        pool_id: &str,
        kind: &str,
        after: Option<&str>,
        limit: u32,
    ) -> IdentityResult<Vec<(String, T)>> {
        self.store
            .list_pool_docs(pool_id, kind, after, limit)
            .await?
            .into_iter()
            .map(|r| Ok((r.name, serde_json::from_str(&r.doc).map_err(internal)?)))
            .collect()
    }
}

/// Pagination tokens are the last name of the previous page, base64url so they are opaque
/// and safe in any client.
pub(crate) fn next_token(last: Option<&str>) -> Option<String> {
    use base64::Engine as _;
    last.map(|name| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(name))
}

pub(crate) fn after_token(token: Option<&str>) -> IdentityResult<Option<String>> {
    use base64::Engine as _;
    let Some(token) = token else { return Ok(None) };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(Some)
        .ok_or_else(|| crate::IdentityError::InvalidParameter("Invalid pagination token".into()))
}
