//! Identities and their logins: GetId, DescribeIdentity, ListIdentities, DeleteIdentities,
//! the developer-identity operations, UnlinkIdentity, and the linking and merging every
//! sign-in may do. An identity is stable per (provider, subject): each linked login is a
//! unique document naming its identity.

use crate::docs::{NAMESPACE, after_token, next_token, record};
use crate::logins::{COGNITO_IDENTITY, VerifiedLogin};
use crate::pools::PoolDoc;
use crate::{Identity, IdentityError, IdentityResult};
use cognate_store::{DocExpect, DocWrites, StoreError};
use cognate_wire::identity::types::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Logins one identity may have linked.
const MAX_LOGINS: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LinkedLogin {
    pub provider: String,
    pub subject: String,
}

impl LinkedLogin {
    fn key(&self) -> String {
        login_key(&self.provider, &self.subject)
    }
}

fn login_key(provider: &str, subject: &str) -> String {
    format!("{provider}\n{subject}")
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct IdentityDoc {
    pub logins: Vec<LinkedLogin>,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Its last login was unlinked: nobody can use it any more.
    #[serde(default)]
    pub disabled: bool,
}

impl IdentityDoc {
    pub fn authenticated(&self) -> bool {
        !self.logins.is_empty()
    }

    fn description(&self, id: &str) -> IdentityDescription {
        let mut providers: Vec<String> = self.logins.iter().map(|l| l.provider.clone()).collect();
        providers.dedup();
        IdentityDescription {
            identity_id: Some(id.to_owned()),
            logins: Some(providers),
            creation_date: Some(self.created_ms as f64 / 1000.0),
            last_modified_date: Some(self.modified_ms as f64 / 1000.0),
        }
    }
}

/// An identity with its pool.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub id: String,
    pub pool: PoolDoc,
    pub doc: IdentityDoc,
    /// The identity's document as read: a write back must find it unchanged.
    raw: String,
}

impl Loaded {
    /// The condition under which a write of this identity may go through: nobody changed
    /// (or deleted) it since it was read.
    fn unchanged(&self) -> DocExpect {
        DocExpect {
            pool_id: self.pool.id().to_owned(),
            kind: "identity".into(),
            name: self.id.clone(),
            doc: Some(self.raw.clone()),
        }
    }
}

/// Another writer changed an identity while it was being changed here.
fn concurrent() -> IdentityError {
    IdentityError::ConcurrentModification("The identity was changed at the same time; try again.".into())
}

/// Whether `login` may join `logins`: one login per provider, except a developer provider's
/// user identifiers, of which an identity may have several.
fn may_add(logins: &[LinkedLogin], login: &LinkedLogin, pool: &PoolDoc) -> bool {
    pool.developer_provider() == Some(login.provider.as_str()) || !logins.iter().any(|l| l.provider == login.provider)
}

fn one_login_per_provider(provider: &str) -> IdentityError {
    IdentityError::Conflict(format!("A login from {provider} is already linked to this identity."))
}

fn not_found(id: &str) -> IdentityError {
    IdentityError::NotFound(format!("Identity '{id}' not found."))
}

pub(crate) fn forbidden(id: &str) -> IdentityError {
    IdentityError::NotAuthorized(format!("Access to Identity '{id}' is forbidden."))
}

fn logins_dont_match() -> IdentityError {
    IdentityError::NotAuthorized(
        "Logins don't match. Please include at least one valid login for this identity or identity pool.".into(),
    )
}

/// The identity pool's own token stands alone in a `Logins` map.
pub(crate) fn only_login(logins: &BTreeMap<String, String>) -> IdentityResult<()> {
    if logins.len() > 1 {
        return Err(IdentityError::NotAuthorized(
            "Invalid login token. The cognito-identity.amazonaws.com token must be the only login.".into(),
        ));
    }
    Ok(())
}

pub(crate) fn guests_refused() -> IdentityError {
    IdentityError::NotAuthorized("Unauthenticated access is not supported for this identity pool.".into())
}

impl Identity {
    fn new_identity_id(&self) -> String {
        format!("{}:{}", self.settings.region, cognate_crypto::random::uuid_v4())
    }

    /// The identity and its pool; ResourceNotFoundException when either is gone.
    pub(crate) async fn load_identity(&self, id: &str) -> IdentityResult<Loaded> {
        let pool_id: String = self.get_doc(NAMESPACE, "identity", id).await?.ok_or_else(|| not_found(id))?;
        let pool = self.load_pool(&pool_id).await.map_err(|_| not_found(id))?;
        let raw = self.store.get_pool_doc(&pool_id, "identity", id).await?.ok_or_else(|| not_found(id))?.doc;
        let doc: IdentityDoc = serde_json::from_str(&raw).map_err(crate::error::internal)?;
        Ok(Loaded { id: id.to_owned(), pool, doc, raw })
    }

    /// The identity a login is linked to, if any.
    async fn identity_of_login(&self, pool_id: &str, provider: &str, subject: &str) -> IdentityResult<Option<String>> {
        self.get_doc::<String>(pool_id, "login", &login_key(provider, subject)).await
    }

    /// A new identity with `logins` linked, written in one transaction that claims each
    /// login (a unique document): of two concurrent first sign-ins, one writes and the
    /// other finds its identity. `Ok(None)`: a login was claimed meanwhile.
    async fn create_identity(&self, pool: &PoolDoc, logins: &[VerifiedLogin]) -> IdentityResult<Option<String>> {
        let id = self.new_identity_id();
        let now = self.now_ms();
        let mut doc = IdentityDoc { logins: Vec::new(), created_ms: now, modified_ms: now, disabled: false };
        let mut writes = DocWrites::default();
        for login in logins {
            let linked = LinkedLogin { provider: login.provider.clone(), subject: login.subject.clone() };
            if !may_add(&doc.logins, &linked, pool) {
                return Err(one_login_per_provider(&linked.provider));
            }
            writes.inserts.push(record(pool.id(), "login", &linked.key(), &id, now)?);
            doc.logins.push(linked);
        }
        writes.inserts.push(record(NAMESPACE, "identity", &id, &pool.id(), now)?);
        writes.inserts.push(record(pool.id(), "identity", &id, &doc, now)?);
        match self.store.write_pool_docs(&writes).await {
            Ok(()) => Ok(Some(id)),
            Err(StoreError::Conflict(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Links `logins` to the identity (a user-pool or social provider once, developer
    /// identifiers any number of times; at most 20 logins), each claimed with the identity's
    /// new document in one transaction. A login another identity holds is refused.
    async fn link_logins(&self, identity: &mut Loaded, logins: &[VerifiedLogin]) -> IdentityResult<()> {
        for login in logins {
            let linked = LinkedLogin { provider: login.provider.clone(), subject: login.subject.clone() };
            // A concurrent change of the identity (another login linked) sends us round again.
            for attempt in 0.. {
                if identity.doc.logins.contains(&linked) {
                    break;
                }
                if !may_add(&identity.doc.logins, &linked, &identity.pool) {
                    return Err(one_login_per_provider(&linked.provider));
                }
                if identity.doc.logins.len() >= MAX_LOGINS {
                    return Err(IdentityError::LimitExceeded("An identity can have at most 20 linked logins.".into()));
                }
                let mut doc = identity.doc.clone();
                doc.logins.push(linked.clone());
                doc.modified_ms = self.now_ms();
                doc.disabled = false;
                let pool_id = identity.pool.id();
                let updated = record(pool_id, "identity", &identity.id, &doc, self.now_ms())?;
                let writes = DocWrites {
                    inserts: vec![record(pool_id, "login", &linked.key(), &identity.id, self.now_ms())?],
                    puts: vec![updated.clone()],
                    expect: vec![identity.unchanged()],
                    ..Default::default()
                };
                match self.store.write_pool_docs(&writes).await {
                    Ok(()) => {
                        identity.doc = doc;
                        identity.raw = updated.doc;
                        break;
                    }
                    Err(StoreError::Conflict(what)) if what == "stale" && attempt < 3 => {
                        *identity = self.load_identity(&identity.id).await?;
                    }
                    Err(StoreError::Conflict(what)) if what == "stale" => return Err(concurrent()),
                    Err(StoreError::Conflict(_)) => {
                        match self.identity_of_login(identity.pool.id(), &linked.provider, &linked.subject).await? {
                            Some(owner) if owner == identity.id && attempt < 3 => {
                                *identity = self.load_identity(&identity.id).await?;
                            }
                            _ => return Err(logins_dont_match()),
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }

    /// Moves every login of `from` to `into` and deletes `from`, in one transaction.
    async fn merge_into(&self, pool_id: &str, into: &mut Loaded, from: &Loaded) -> IdentityResult<()> {
        let mut merged = into.doc.clone();
        for login in &from.doc.logins {
            if merged.logins.contains(login) {
                continue;
            }
            if !may_add(&merged.logins, login, &into.pool) {
                return Err(IdentityError::Conflict(format!(
                    "Both identities have a login from {}; they cannot be merged.",
                    login.provider
                )));
            }
            merged.logins.push(login.clone());
        }
        if merged.logins.len() > MAX_LOGINS {
            return Err(IdentityError::LimitExceeded("An identity can have at most 20 linked logins.".into()));
        }
        let now = self.now_ms();
        merged.modified_ms = now;
        let mut writes = DocWrites::default();
        for login in &from.doc.logins {
            writes.puts.push(record(pool_id, "login", &login.key(), &into.id, now)?);
        }
        let updated = record(pool_id, "identity", &into.id, &merged, now)?;
        writes.puts.push(updated.clone());
        writes.deletes = vec![(NAMESPACE, "identity", from.id.as_str()), (pool_id, "identity", from.id.as_str())];
        writes.expect = vec![into.unchanged(), from.unchanged()];
        match self.store.write_pool_docs(&writes).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => return Err(concurrent()),
            Err(e) => return Err(e.into()),
        }
        into.doc = merged;
        into.raw = updated.doc;
        Ok(())
    }

    /// The identity `logins` belong to in `pool`, created or linked as GetId does: no
    /// logins gives a new guest identity (if the pool allows guests); logins on no identity
    /// give a new one; logins on several identities merge them into the first.
    pub(crate) async fn identity_for_logins(&self, pool: &PoolDoc, logins: &[VerifiedLogin]) -> IdentityResult<String> {
        if logins.is_empty() {
            if !pool.allows_guests() {
                return Err(guests_refused());
            }
            return self
                .create_identity(pool, &[])
                .await?
                .ok_or_else(|| IdentityError::Internal("id collision".into()));
        }
        let mut found: Vec<String> = Vec::new();
        // A first sign-in that loses the race to create the identity reads the winner's.
        for _ in 0..3 {
            found.clear();
            for login in logins {
                if let Some(id) = self.identity_of_login(pool.id(), &login.provider, &login.subject).await?
                    && !found.contains(&id)
                {
                    found.push(id);
                }
            }
            if !found.is_empty() {
                break;
            }
            if let Some(id) = self.create_identity(pool, logins).await? {
                return Ok(id);
            }
        }
        let Some(first) = found.first() else {
            return Err(IdentityError::ConcurrentModification("The identity is being created; try again.".into()));
        };
        let mut survivor = self.load_identity(first).await?;
        for other in &found[1..] {
            let other = self.load_identity(other).await?;
            self.merge_into(pool.id(), &mut survivor, &other).await?;
        }
        self.link_logins(&mut survivor, logins).await?;
        Ok(survivor.id)
    }

    /// An existing identity used with `logins` (GetCredentialsForIdentity, GetOpenIdToken):
    /// an authenticated identity needs at least one of its own logins; new logins are
    /// linked (a guest identity becomes authenticated); a login of another identity is refused.
    pub(crate) async fn identity_with_logins(
        &self,
        mut identity: Loaded,
        logins: &[VerifiedLogin],
    ) -> IdentityResult<Loaded> {
        if identity.doc.disabled {
            return Err(forbidden(&identity.id));
        }
        let own =
            |l: &VerifiedLogin| identity.doc.logins.iter().any(|x| x.provider == l.provider && x.subject == l.subject);
        if identity.doc.authenticated() && !logins.iter().any(own) {
            return Err(logins_dont_match());
        }
        if !identity.doc.authenticated() && logins.is_empty() && !identity.pool.allows_guests() {
            return Err(guests_refused());
        }
        for login in logins {
            if let Some(other) = self.identity_of_login(identity.pool.id(), &login.provider, &login.subject).await?
                && other != identity.id
            {
                return Err(logins_dont_match());
            }
        }
        self.link_logins(&mut identity, logins).await?;
        Ok(identity)
    }

    pub async fn get_id(&self, req: GetIdInput) -> IdentityResult<GetIdResponse> {
        let pool = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        let logins = req.logins.unwrap_or_default();
        if let Some(token) = logins.get(COGNITO_IDENTITY) {
            only_login(&logins)?;
            let claims = self.verify_pool_token(&pool, token).await?;
            let sub = claims.get("sub").and_then(serde_json::Value::as_str).unwrap_or_default();
            let identity = self.load_identity(sub).await?;
            if identity.doc.disabled {
                return Err(forbidden(sub));
            }
            return Ok(GetIdResponse { identity_id: Some(identity.id) });
        }
        let verified = self.verify_logins(&pool, &logins).await?;
        Ok(GetIdResponse { identity_id: Some(self.identity_for_logins(&pool, &verified).await?) })
    }

    pub async fn describe_identity(&self, req: DescribeIdentityInput) -> IdentityResult<IdentityDescription> {
        let id = req.identity_id.unwrap_or_default();
        let identity = self.load_identity(&id).await?;
        Ok(identity.doc.description(&id))
    }

    pub async fn list_identities(&self, req: ListIdentitiesInput) -> IdentityResult<ListIdentitiesResponse> {
        let pool = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        let limit = req.max_results.unwrap_or(60).clamp(1, 60) as usize;
        let mut after = after_token(req.next_token.as_deref())?;
        let hide_disabled = req.hide_disabled.unwrap_or(false);
        let mut identities = Vec::new();
        let mut more = false;
        // Hidden identities do not count toward a page: read on until it is full.
        'pages: loop {
            let page = self.list_docs::<IdentityDoc>(pool.id(), "identity", after.as_deref(), limit as u32 + 1).await?;
            let exhausted = page.len() <= limit;
            for (id, doc) in page {
                if identities.len() == limit {
                    more = true;
                    break 'pages;
                }
                after = Some(id.clone());
                if !(hide_disabled && doc.disabled) {
                    identities.push(doc.description(&id));
                }
            }
            if exhausted {
                break;
            }
        }
        let next = if more { next_token(after.as_deref()) } else { None };
        Ok(ListIdentitiesResponse {
            identity_pool_id: pool.pool.identity_pool_id,
            identities: Some(identities),
            next_token: next,
        })
    }

    pub async fn delete_identities(&self, req: DeleteIdentitiesInput) -> IdentityResult<DeleteIdentitiesResponse> {
        let mut unprocessed = Vec::new();
        for id in req.identity_ids_to_delete.unwrap_or_default() {
            let mut deleted = false;
            for _ in 0..3 {
                let identity = match self.load_identity(&id).await {
                    Ok(identity) => identity,
                    Err(IdentityError::NotFound(_)) => {
                        deleted = true;
                        break;
                    }
                    Err(e) => return Err(e),
                };
                let pool_id = identity.pool.id();
                let keys: Vec<String> = identity.doc.logins.iter().map(LinkedLogin::key).collect();
                let mut deletes = vec![(NAMESPACE, "identity", id.as_str()), (pool_id, "identity", id.as_str())];
                deletes.extend(keys.iter().map(|k| (pool_id, "login", k.as_str())));
                let writes = DocWrites { deletes, expect: vec![identity.unchanged()], ..Default::default() };
                match self.store.write_pool_docs(&writes).await {
                    Ok(()) => {
                        deleted = true;
                        break;
                    }
                    Err(StoreError::Conflict(_)) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            if !deleted {
                unprocessed.push(UnprocessedIdentityId {
                    identity_id: Some(id),
                    error_code: Some("InternalServerError".into()),
                });
            }
        }
        Ok(DeleteIdentitiesResponse { unprocessed_identity_ids: Some(unprocessed) })
    }

    /// The developer provider of the pool, which the request must name when it names one.
    fn developer_provider<'a>(&self, pool: &'a PoolDoc, named: Option<&str>) -> IdentityResult<&'a str> {
        let dev = pool
            .developer_provider()
            .ok_or_else(|| IdentityError::InvalidParameter("This identity pool has no developer provider.".into()))?;
        if named.is_some_and(|n| n != dev) {
            return Err(IdentityError::InvalidParameter(format!(
                "Developer provider name does not match the one configured for the identity pool ({dev})."
            )));
        }
        Ok(dev)
    }

    /// A developer login: the developer provider's user identifier, trusted because the
    /// backend that calls with it signed the request with IAM credentials.
    pub(crate) fn developer_login(&self, pool: &PoolDoc, provider: &str, user: &str) -> VerifiedLogin {
        VerifiedLogin {
            provider: provider.to_owned(),
            subject: user.to_owned(),
            claims: Default::default(),
            mapping_key: provider.to_owned(),
            amr: vec![provider.to_owned(), format!("{provider}:{}:{user}", pool.id())],
        }
    }

    /// GetOpenIdTokenForDeveloperIdentity's identity: the one its logins (the developer
    /// login among them) are linked to, or `IdentityId` with the logins linked to it.
    pub(crate) async fn developer_identity(
        &self,
        pool: &PoolDoc,
        identity_id: Option<&str>,
        logins: &BTreeMap<String, String>,
    ) -> IdentityResult<(String, Vec<VerifiedLogin>)> {
        let dev = pool.developer_provider();
        let mut others = logins.clone();
        let mut verified = Vec::new();
        if let Some(dev) = dev
            && let Some(user) = others.remove(dev)
        {
            verified.push(self.developer_login(pool, dev, &user));
        }
        verified.extend(self.verify_logins(pool, &others).await?);
        if verified.is_empty() {
            return Err(IdentityError::InvalidParameter("Logins must contain the developer provider.".into()));
        }
        let Some(id) = identity_id else { return Ok((self.identity_for_logins(pool, &verified).await?, verified)) };
        let mut identity = self.load_identity(id).await?;
        if identity.pool.id() != pool.id() {
            return Err(not_found(id));
        }
        for login in &verified {
            if let Some(other) = self.identity_of_login(pool.id(), &login.provider, &login.subject).await?
                && other != identity.id
            {
                if dev == Some(login.provider.as_str()) {
                    return Err(IdentityError::DeveloperUserAlreadyRegistered(
                        "The provided developer user identifier is already registered with Cognito under a different identity ID."
                            .into(),
                    ));
                }
                let other = self.load_identity(&other).await?;
                self.merge_into(pool.id(), &mut identity, &other).await?;
            }
        }
        self.link_logins(&mut identity, &verified).await?;
        Ok((identity.id, verified))
    }

    pub async fn lookup_developer_identity(
        &self,
        req: LookupDeveloperIdentityInput,
    ) -> IdentityResult<LookupDeveloperIdentityResponse> {
        let pool = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        let dev = self.developer_provider(&pool, None)?.to_owned();
        let id = match (req.identity_id, req.developer_user_identifier) {
            (_, Some(user)) => self
                .identity_of_login(pool.id(), &dev, &user)
                .await?
                .ok_or_else(|| IdentityError::NotFound(format!("Developer user identifier '{user}' not found.")))?,
            (Some(id), None) => id,
            (None, None) => {
                return Err(IdentityError::InvalidParameter(
                    "Either IdentityId or DeveloperUserIdentifier must be specified.".into(),
                ));
            }
        };
        let identity = self.load_identity(&id).await?;
        if identity.pool.id() != pool.id() {
            return Err(not_found(&id));
        }
        let mut users: Vec<String> =
            identity.doc.logins.iter().filter(|l| l.provider == dev).map(|l| l.subject.clone()).collect();
        users.sort();
        let limit = req.max_results.unwrap_or(60).clamp(1, 60) as usize;
        let start = match after_token(req.next_token.as_deref())? {
            Some(after) => users.iter().position(|u| *u > after).unwrap_or(users.len()),
            None => 0,
        };
        let page: Vec<String> = users.iter().skip(start).take(limit).cloned().collect();
        let next = (start + page.len() < users.len()).then(|| next_token(page.last().map(String::as_str))).flatten();
        Ok(LookupDeveloperIdentityResponse {
            identity_id: Some(id),
            developer_user_identifier_list: Some(page),
            next_token: next,
        })
    }

    pub async fn merge_developer_identities(
        &self,
        req: MergeDeveloperIdentitiesInput,
    ) -> IdentityResult<MergeDeveloperIdentitiesResponse> {
        let pool = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        let dev = self.developer_provider(&pool, req.developer_provider_name.as_deref())?.to_owned();
        let find = |user: Option<String>| {
            let (this, dev, pool_id) = (self, dev.clone(), pool.id().to_owned());
            async move {
                let user = user.unwrap_or_default();
                this.identity_of_login(&pool_id, &dev, &user)
                    .await?
                    .ok_or_else(|| IdentityError::NotFound(format!("Developer user identifier '{user}' not found.")))
            }
        };
        let source = find(req.source_user_identifier).await?;
        let destination = find(req.destination_user_identifier).await?;
        if source != destination {
            let mut into = self.load_identity(&destination).await?;
            let from = self.load_identity(&source).await?;
            self.merge_into(pool.id(), &mut into, &from).await?;
        }
        Ok(MergeDeveloperIdentitiesResponse { identity_id: Some(destination) })
    }

    pub async fn unlink_developer_identity(
        &self,
        req: UnlinkDeveloperIdentityInput,
    ) -> IdentityResult<UnlinkDeveloperIdentityResponse> {
        let pool = self.load_pool(req.identity_pool_id.as_deref().unwrap_or_default()).await?;
        let dev = self.developer_provider(&pool, req.developer_provider_name.as_deref())?.to_owned();
        let id = req.identity_id.unwrap_or_default();
        let user = req.developer_user_identifier.unwrap_or_default();
        let mut identity = self.load_identity(&id).await?;
        if identity.pool.id() != pool.id() {
            return Err(not_found(&id));
        }
        let before = identity.doc.logins.len();
        identity.doc.logins.retain(|l| !(l.provider == dev && l.subject == user));
        if identity.doc.logins.len() == before {
            return Err(IdentityError::NotFound(format!(
                "Developer user identifier '{user}' is not linked to identity '{id}'."
            )));
        }
        self.save_unlinked(&mut identity, &[login_key(&dev, &user)]).await?;
        Ok(UnlinkDeveloperIdentityResponse {})
    }

    /// UnlinkIdentity (no IAM credentials): the caller proves the identity with its logins,
    /// then names the providers to unlink.
    pub async fn unlink_identity(&self, req: UnlinkIdentityInput) -> IdentityResult<UnlinkIdentityResponse> {
        let id = req.identity_id.unwrap_or_default();
        let identity = self.load_identity(&id).await?;
        let logins = req.logins.unwrap_or_default();
        // Only an authenticated identity has logins to unlink, and only with one of them.
        if logins.is_empty() {
            return Err(logins_dont_match());
        }
        let verified = self.verify_logins(&identity.pool, &logins).await?;
        let mut identity = self.identity_with_logins(identity, &verified).await?;
        let remove = req.logins_to_remove.unwrap_or_default();
        let keys: Vec<String> =
            identity.doc.logins.iter().filter(|l| remove.contains(&l.provider)).map(LinkedLogin::key).collect();
        if keys.is_empty() {
            return Ok(UnlinkIdentityResponse {});
        }
        identity.doc.logins.retain(|l| !remove.contains(&l.provider));
        self.save_unlinked(&mut identity, &keys).await?;
        Ok(UnlinkIdentityResponse {})
    }

    /// Saves an identity whose logins `removed` were unlinked; one left without logins is
    /// disabled.
    async fn save_unlinked(&self, identity: &mut Loaded, removed: &[String]) -> IdentityResult<()> {
        let pool_id = identity.pool.id().to_owned();
        identity.doc.modified_ms = self.now_ms();
        identity.doc.disabled = identity.doc.logins.is_empty();
        let puts = vec![record(&pool_id, "identity", &identity.id, &identity.doc, self.now_ms())?];
        let deletes = removed.iter().map(|k| (pool_id.as_str(), "login", k.as_str())).collect();
        let writes = DocWrites { puts, deletes, expect: vec![identity.unchanged()], ..Default::default() };
        match self.store.write_pool_docs(&writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(_)) => Err(concurrent()),
            Err(e) => Err(e.into()),
        }
    }
}
