//! The SQL shared by both backends, as a macro expanded once per database type.

/// Maps a driver error to a store error; unique violations become [`StoreError::Conflict`].
macro_rules! map_err {
    ($what:expr) => {
        |e: sqlx::Error| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                cognate_store::StoreError::Conflict($what.to_string())
            }
            _ => cognate_store::StoreError::Backend(e.to_string()),
        }
    };
}

/// The record types built from a row by either driver: `$r.$get("column")?` is sqlx's
/// `try_get` or rusqlite's `get` (see [`crate::sqlite::FastReader`]).
macro_rules! pool_record {
    ($r:ident.$get:ident, $prefix:literal) => {
        PoolRecord {
            id: $r.$get(concat!($prefix, "id"))?,
            name: $r.$get(concat!($prefix, "name"))?,
            created_ms: $r.$get(concat!($prefix, "created_ms"))?,
            updated_ms: $r.$get(concat!($prefix, "updated_ms"))?,
            config: $r.$get(concat!($prefix, "config"))?,
            version: $r.$get(concat!($prefix, "version"))?,
        }
    };
}

macro_rules! client_record {
    ($r:ident.$get:ident) => {
        ClientRecord {
            pool_id: $r.$get("pool_id")?,
            client_id: $r.$get("client_id")?,
            name: $r.$get("name")?,
            created_ms: $r.$get("created_ms")?,
            updated_ms: $r.$get("updated_ms")?,
            config: $r.$get("config")?,
            version: $r.$get("version")?,
        }
    };
}

macro_rules! group_record {
    ($r:ident.$get:ident) => {
        GroupRecord {
            pool_id: $r.$get("pool_id")?,
            name: $r.$get("name")?,
            description: $r.$get("description")?,
            role_arn: $r.$get("role_arn")?,
            precedence: $r.$get("precedence")?,
            created_ms: $r.$get("created_ms")?,
            updated_ms: $r.$get("updated_ms")?,
        }
    };
}

macro_rules! user_record {
    ($r:ident.$get:ident) => {
        UserRecord {
            pool_id: $r.$get("pool_id")?,
            sub: $r.$get("sub")?,
            username: $r.$get("username")?,
            username_key: $r.$get("username_key")?,
            status: $r.$get("status")?,
            enabled: $r.$get("enabled")?,
            created_ms: $r.$get("created_ms")?,
            updated_ms: $r.$get("updated_ms")?,
            attributes: $r.$get("attributes")?,
            data: $r.$get("data")?,
            version: $r.$get("version")?,
        }
    };
}

macro_rules! family_record {
    ($r:ident.$get:ident) => {
        TokenFamily {
            origin_jti: $r.$get("origin_jti")?,
            pool_id: $r.$get("pool_id")?,
            client_id: $r.$get("client_id")?,
            sub: $r.$get("sub")?,
            revoked: $r.$get("revoked")?,
            expires_ms: $r.$get("expires_ms")?,
            created_ms: $r.$get("created_ms")?,
            sso_session: $r.$get("sso_session")?,
        }
    };
}

macro_rules! refresh_record {
    ($r:ident.$get:ident) => {
        RefreshTokenRecord {
            token_hash: $r.$get("token_hash")?,
            origin_jti: $r.$get("origin_jti")?,
            pool_id: $r.$get("pool_id")?,
            created_ms: $r.$get("created_ms")?,
            expires_ms: $r.$get("expires_ms")?,
            replaced_ms: $r.$get("replaced_ms")?,
            data: $r.$get("data")?,
        }
    };
}

macro_rules! session_record {
    ($r:ident.$get:ident) => {
        SessionRecord {
            id_hash: $r.$get("id_hash")?,
            pool_id: $r.$get("pool_id")?,
            expires_ms: $r.$get("expires_ms")?,
            data: $r.$get("data")?,
        }
    };
}

macro_rules! domain_record {
    ($r:ident.$get:ident) => {
        DomainRecord {
            domain: $r.$get("domain")?,
            pool_id: $r.$get("pool_id")?,
            custom: $r.$get("custom")?,
            config: $r.$get("config")?,
            created_ms: $r.$get("created_ms")?,
            updated_ms: $r.$get("updated_ms")?,
        }
    };
}

macro_rules! branding_record {
    ($r:ident.$get:ident) => {
        BrandingRecord {
            id: $r.$get("id")?,
            pool_id: $r.$get("pool_id")?,
            client_id: $r.$get("client_id")?,
            config: $r.$get("config")?,
            created_ms: $r.$get("created_ms")?,
            updated_ms: $r.$get("updated_ms")?,
        }
    };
}

macro_rules! pool_doc_record {
    ($r:ident.$get:ident) => {
        PoolDocRecord {
            pool_id: $r.$get("pool_id")?,
            kind: $r.$get("kind")?,
            name: $r.$get("name")?,
            doc: $r.$get("doc")?,
            created_ms: $r.$get("created_ms")?,
            updated_ms: $r.$get("updated_ms")?,
        }
    };
}

/// A point read: served by the backend's inline reader when it has one (SQLite's
/// [`crate::sqlite::FastReader`]), else by sqlx on the reader pool.
/// `$fast_sql`, when given, is the inline reader's own spelling of the query (SQLite-only
/// syntax such as `INDEXED BY`).
macro_rules! point_read {
    ($self:ident, $sql:expr, [$($param:expr),*], $fast:path, $slow:ident) => {
        point_read!($self, $sql, $sql, [$($param),*], $fast, $slow)
    };
    ($self:ident, $sql:expr, $fast_sql:expr, [$($param:expr),*], $fast:path, $slow:ident) => {{
        if let Some(fast) = $self.fast_reader() {
            return fast.one($fast_sql, &[$(&$param as &dyn rusqlite::ToSql),*], $fast);
        }
        let row = sqlx::query($sql)$(.bind($param))*.fetch_optional($self.reader()).await.map_err(backend)?;
        row.as_ref().map($slow).transpose().map_err(backend)
    }};
}

macro_rules! sql_store {
    ($store:ident, $db:ty, $row:ty) => {
        use async_trait::async_trait;
        use cognate_store::*;
        use sqlx::Row as _;
        use $crate::sqlite::records as fast;

        const POOL_VERSION_SQL: &str = "SELECT version, created_ms FROM pools WHERE id = $1";
        const USER_SQL: &str = "SELECT * FROM users WHERE pool_id = $1 AND sub = $2";
        const FAMILY_SQL: &str = "SELECT * FROM token_families WHERE origin_jti = $1";
        const FAMILY_INSERT_SQL: &str = "INSERT INTO token_families \
            (origin_jti, pool_id, client_id, sub, revoked, expires_ms, created_ms, sso_session) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        const CLIENT_SQL: &str = "SELECT * FROM clients WHERE client_id = $1";


        fn backend(e: sqlx::Error) -> StoreError {
            StoreError::Backend(e.to_string())
        }

        fn pool_row(r: &$row) -> Result<PoolRecord, sqlx::Error> {
            Ok(pool_record!(r.try_get, ""))
        }

        fn version_row(r: &$row) -> Result<(i64, i64), sqlx::Error> {
            Ok((r.try_get("version")?, r.try_get("created_ms")?))
        }

        fn client_row(r: &$row) -> Result<ClientRecord, sqlx::Error> {
            Ok(client_record!(r.try_get))
        }

        fn client_and_pool_row(r: &$row) -> Result<(ClientRecord, PoolRecord), sqlx::Error> {
            Ok((client_record!(r.try_get), pool_record!(r.try_get, "p_")))
        }

        fn group_row(r: &$row) -> Result<GroupRecord, sqlx::Error> {
            Ok(group_record!(r.try_get))
        }

        fn user_row(r: &$row) -> Result<UserRecord, sqlx::Error> {
            Ok(user_record!(r.try_get))
        }

        fn family_row(r: &$row) -> Result<TokenFamily, sqlx::Error> {
            Ok(family_record!(r.try_get))
        }

        fn refresh_row(r: &$row) -> Result<RefreshTokenRecord, sqlx::Error> {
            Ok(refresh_record!(r.try_get))
        }

        fn resource_server_row(r: &$row) -> Result<ResourceServerRecord, sqlx::Error> {
            Ok(ResourceServerRecord {
                pool_id: r.try_get("pool_id")?,
                identifier: r.try_get("identifier")?,
                name: r.try_get("name")?,
                scopes: r.try_get("scopes")?,
                created_ms: r.try_get("created_ms")?,
                updated_ms: r.try_get("updated_ms")?,
            })
        }

        fn domain_row(r: &$row) -> Result<DomainRecord, sqlx::Error> {
            Ok(domain_record!(r.try_get))
        }

        fn branding_row(r: &$row) -> Result<BrandingRecord, sqlx::Error> {
            Ok(branding_record!(r.try_get))
        }

        fn pool_doc_row(r: &$row) -> Result<PoolDocRecord, sqlx::Error> {
            Ok(pool_doc_record!(r.try_get))
        }

        async fn one<'e, T>(
            query: sqlx::query::Query<'e, $db, <$db as sqlx::Database>::Arguments>,
            pool: &sqlx::Pool<$db>,
            f: fn(&$row) -> Result<T, sqlx::Error>,
        ) -> StoreResult<Option<T>> {
            let row = query.fetch_optional(pool).await.map_err(backend)?;
            row.as_ref().map(f).transpose().map_err(backend)
        }

        fn session_row(r: &$row) -> Result<SessionRecord, sqlx::Error> {
            Ok(session_record!(r.try_get))
        }

        fn rows<T>(rows: Vec<$row>, f: fn(&$row) -> Result<T, sqlx::Error>) -> StoreResult<Vec<T>> {
            rows.iter().map(f).collect::<Result<_, _>>().map_err(backend)
        }

        #[async_trait]
        impl SettingStore for $store {
            async fn get_setting(&self, key: &str) -> StoreResult<Option<String>> {
                let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(self.reader())
                    .await
                    .map_err(backend)?;
                row.map(|r| r.try_get("value")).transpose().map_err(backend)
            }

            async fn put_setting_if_absent(&self, key: &str, value: &str) -> StoreResult<String> {
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(key)
                    .bind(value)
                    .execute(self.writer())
                    .await
                    .map_err(backend)?;
                let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_one(self.writer())
                    .await
                    .map_err(backend)?;
                row.try_get("value").map_err(backend)
            }

            async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(value)
                .execute(self.writer())
                .await
                .map_err(backend)?;
                Ok(())
            }
        }

        #[async_trait]
        impl PoolStore for $store {
            async fn insert_pool(&self, p: &PoolRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO pools (id, name, created_ms, updated_ms, config, version) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&p.id).bind(&p.name).bind(p.created_ms).bind(p.updated_ms).bind(&p.config).bind(p.version)
                    .execute(self.writer())
                    .await
                    .map_err(map_err!("pool"))?;
                Ok(())
            }

            async fn get_pool(&self, id: &str) -> StoreResult<Option<PoolRecord>> {
                point_read!(self, "SELECT * FROM pools WHERE id = $1", [id], fast::pool, pool_row)
            }

            async fn get_pool_version(&self, id: &str) -> StoreResult<Option<(i64, i64)>> {
                point_read!(self, POOL_VERSION_SQL, fast::POOL_VERSION_SQL, [id], fast::version, version_row)
            }

            async fn update_pool(&self, p: &PoolRecord) -> StoreResult<()> {
                let done = sqlx::query("UPDATE pools SET name = $1, updated_ms = $2, config = $3, version = $4 WHERE id = $5 AND version = $6")
                    .bind(&p.name).bind(p.updated_ms).bind(&p.config).bind(p.version).bind(&p.id).bind(p.version - 1)
                    .execute(self.writer())
                    .await
                    .map_err(backend)?;
                if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Stale) }
            }

            async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await.map_err(backend)?;
                for sql in [
                    "DELETE FROM auth_sessions WHERE pool_id = $1",
                    "DELETE FROM refresh_tokens WHERE pool_id = $1",
                    "DELETE FROM token_families WHERE pool_id = $1",
                    "DELETE FROM group_members WHERE pool_id = $1",
                    "DELETE FROM user_aliases WHERE pool_id = $1",
                    "DELETE FROM user_index WHERE pool_id = $1",
                    "DELETE FROM users WHERE pool_id = $1",
                    "DELETE FROM user_groups WHERE pool_id = $1",
                    "DELETE FROM clients WHERE pool_id = $1",
                    "DELETE FROM resource_servers WHERE pool_id = $1",
                    "DELETE FROM domains WHERE pool_id = $1",
                    "DELETE FROM brandings WHERE pool_id = $1",
                    "DELETE FROM pool_documents WHERE pool_id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await.map_err(backend)?;
                }
                let done = sqlx::query("DELETE FROM pools WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<PoolRecord>> {
                let r = sqlx::query("SELECT * FROM pools WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after.unwrap_or("")).bind(i64::from(limit))
                    .fetch_all(self.reader()).await.map_err(backend)?;
                rows(r, pool_row)
            }
        }

        #[async_trait]
        impl ClientStore for $store {
            async fn insert_client(&self, c: &ClientRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO clients (client_id, pool_id, name, created_ms, updated_ms, config, version) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&c.client_id).bind(&c.pool_id).bind(&c.name).bind(c.created_ms).bind(c.updated_ms).bind(&c.config).bind(c.version)
                    .execute(self.writer())
                    .await
                    .map_err(map_err!("client"))?;
                Ok(())
            }

            async fn get_client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
                point_read!(self, CLIENT_SQL, [client_id], fast::client, client_row)
            }

            async fn get_client_and_pool(&self, client_id: &str) -> StoreResult<Option<(ClientRecord, PoolRecord)>> {
                point_read!(
                    self,
                    "SELECT c.client_id, c.pool_id, c.name, c.created_ms, c.updated_ms, c.config, c.version, \
                     p.id AS p_id, p.name AS p_name, p.created_ms AS p_created_ms, p.updated_ms AS p_updated_ms, \
                     p.config AS p_config, p.version AS p_version \
                     FROM clients c JOIN pools p ON p.id = c.pool_id WHERE c.client_id = $1",
                    [client_id],
                    fast::client_and_pool,
                    client_and_pool_row
                )
            }

            async fn update_client(&self, c: &ClientRecord) -> StoreResult<()> {
                let done = sqlx::query("UPDATE clients SET name = $1, updated_ms = $2, config = $3, version = $4 WHERE client_id = $5 AND pool_id = $6 AND version = $7")
                    .bind(&c.name).bind(c.updated_ms).bind(&c.config).bind(c.version).bind(&c.client_id).bind(&c.pool_id).bind(c.version - 1)
                    .execute(self.writer())
                    .await
                    .map_err(backend)?;
                if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::Stale) }
            }

            async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await.map_err(backend)?;
                // Pool documents of a client are named by its id (pool-wide ones are not;
                // identity providers, kind `idp`, are named by the operator and never a client's).
                for sql in [
                    "DELETE FROM brandings WHERE pool_id = $1 AND client_id = $2",
                    "DELETE FROM pool_documents WHERE pool_id = $1 AND name = $2 AND kind <> 'idp'",
                ] {
                    sqlx::query(sql).bind(pool_id).bind(client_id).execute(&mut *tx).await.map_err(backend)?;
                }
                let done = sqlx::query("DELETE FROM clients WHERE pool_id = $1 AND client_id = $2")
                    .bind(pool_id).bind(client_id).execute(&mut *tx).await.map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<ClientRecord>> {
                let r = sqlx::query("SELECT * FROM clients WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3")
                    .bind(pool_id).bind(after.unwrap_or("")).bind(i64::from(limit))
                    .fetch_all(self.reader()).await.map_err(backend)?;
                rows(r, client_row)
            }
        }

        #[async_trait]
        impl GroupStore for $store {
            async fn insert_group(&self, g: &GroupRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO user_groups (pool_id, name, description, role_arn, precedence, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&g.pool_id).bind(&g.name).bind(&g.description).bind(&g.role_arn).bind(g.precedence).bind(g.created_ms).bind(g.updated_ms)
                    .execute(self.writer())
                    .await
                    .map_err(map_err!("group"))?;
                Ok(())
            }

            async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<GroupRecord>> {
                point_read!(
                    self,
                    "SELECT * FROM user_groups WHERE pool_id = $1 AND name = $2",
                    [pool_id, name],
                    fast::group,
                    group_row
                )
            }

            async fn update_group(&self, g: &GroupRecord) -> StoreResult<()> {
                let done = sqlx::query("UPDATE user_groups SET description = $1, role_arn = $2, precedence = $3, updated_ms = $4 WHERE pool_id = $5 AND name = $6")
                    .bind(&g.description).bind(&g.role_arn).bind(g.precedence).bind(g.updated_ms).bind(&g.pool_id).bind(&g.name)
                    .execute(self.writer()).await.map_err(backend)?;
                if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
            }

            async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await.map_err(backend)?;
                sqlx::query("DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2").bind(pool_id).bind(name).execute(&mut *tx).await.map_err(backend)?;
                let done = sqlx::query("DELETE FROM user_groups WHERE pool_id = $1 AND name = $2").bind(pool_id).bind(name).execute(&mut *tx).await.map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<GroupRecord>> {
                let r = sqlx::query("SELECT * FROM user_groups WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3")
                    .bind(pool_id).bind(after.unwrap_or("")).bind(i64::from(limit))
                    .fetch_all(self.reader()).await.map_err(backend)?;
                rows(r, group_row)
            }

            async fn add_member(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
                sqlx::query("INSERT INTO group_members (pool_id, group_name, sub) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(pool_id).bind(group).bind(sub).execute(self.writer()).await.map_err(backend)?;
                Ok(())
            }

            async fn remove_member(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND sub = $3")
                    .bind(pool_id).bind(group).bind(sub).execute(self.writer()).await.map_err(backend)?;
                Ok(())
            }

            async fn groups_of_user(&self, pool_id: &str, sub: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<GroupRecord>> {
                const SQL: &str = "SELECT g.* FROM group_members m JOIN user_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name WHERE m.pool_id = $1 AND m.sub = $2 AND m.group_name > $3 ORDER BY m.group_name LIMIT $4";
                let (after, limit) = (after.unwrap_or(""), i64::from(limit));
                if let Some(fast) = self.fast_reader() {
                    return fast.all(SQL, &[&pool_id, &sub, &after, &limit], fast::group);
                }
                let r = sqlx::query(SQL).bind(pool_id).bind(sub).bind(after).bind(limit).fetch_all(self.reader()).await.map_err(backend)?;
                rows(r, group_row)
            }

            async fn members(&self, pool_id: &str, group: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserRecord>> {
                let r = sqlx::query("SELECT u.* FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub WHERE m.pool_id = $1 AND m.group_name = $2 AND m.sub > $3 ORDER BY m.sub LIMIT $4")
                    .bind(pool_id).bind(group).bind(after.unwrap_or("")).bind(i64::from(limit))
                    .fetch_all(self.reader()).await.map_err(backend)?;
                rows(r, user_row)
            }
        }

        impl $store {
            async fn write_user(tx: &mut sqlx::Transaction<'static, $db>, w: &UserWrite) -> StoreResult<()> {
                let u = &w.user;
                match w.expected_version {
                    None => {
                        sqlx::query("INSERT INTO users (pool_id, sub, username, username_key, status, enabled, created_ms, updated_ms, attributes, data, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                            .bind(&u.pool_id).bind(&u.sub).bind(&u.username).bind(&u.username_key).bind(&u.status).bind(u.enabled)
                            .bind(u.created_ms).bind(u.updated_ms).bind(&u.attributes).bind(&u.data).bind(u.version)
                            .execute(&mut **tx).await.map_err(map_err!("username"))?;
                    }
                    Some(expected) => {
                        let done = sqlx::query("UPDATE users SET status = $1, enabled = $2, updated_ms = $3, attributes = $4, data = $5, version = $6 WHERE pool_id = $7 AND sub = $8 AND version = $9")
                            .bind(&u.status).bind(u.enabled).bind(u.updated_ms).bind(&u.attributes).bind(&u.data).bind(u.version)
                            .bind(&u.pool_id).bind(&u.sub).bind(expected)
                            .execute(&mut **tx).await.map_err(backend)?;
                        if done.rows_affected() != 1 {
                            return Err(StoreError::Stale);
                        }
                        sqlx::query("DELETE FROM user_index WHERE pool_id = $1 AND sub = $2").bind(&u.pool_id).bind(&u.sub).execute(&mut **tx).await.map_err(backend)?;
                        sqlx::query("DELETE FROM user_aliases WHERE pool_id = $1 AND sub = $2").bind(&u.pool_id).bind(&u.sub).execute(&mut **tx).await.map_err(backend)?;
                    }
                }
                for (name, value) in &w.index {
                    sqlx::query("INSERT INTO user_index (pool_id, name, value, sub) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                        .bind(&u.pool_id).bind(name).bind(value).bind(&u.sub).execute(&mut **tx).await.map_err(backend)?;
                }
                for (kind, key) in &w.aliases {
                    sqlx::query("INSERT INTO user_aliases (pool_id, kind, key, sub) VALUES ($1, $2, $3, $4)")
                        .bind(&u.pool_id).bind(kind).bind(key).bind(&u.sub)
                        .execute(&mut **tx).await.map_err(map_err!(format!("alias:{kind}")))?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl UserStore for $store {
            async fn write_users(&self, writes: &[UserWrite]) -> StoreResult<()> {
                let mut tx = self.writer().begin().await.map_err(backend)?;
                for w in writes {
                    Self::write_user(&mut tx, w).await?;
                }
                tx.commit().await.map_err(backend)
            }

            async fn get_user(&self, pool_id: &str, sub: &str) -> StoreResult<Option<UserRecord>> {
                point_read!(self, USER_SQL, [pool_id, sub], fast::user, user_row)
            }

            async fn get_user_by_username(&self, pool_id: &str, key: &str) -> StoreResult<Option<UserRecord>> {
                point_read!(
                    self,
                    "SELECT * FROM users WHERE pool_id = $1 AND username_key = $2",
                    [pool_id, key],
                    fast::user,
                    user_row
                )
            }

            async fn get_user_by_alias(&self, pool_id: &str, kind: &str, key: &str) -> StoreResult<Option<UserRecord>> {
                point_read!(
                    self,
                    "SELECT u.* FROM user_aliases a JOIN users u ON u.pool_id = a.pool_id AND u.sub = a.sub WHERE a.pool_id = $1 AND a.kind = $2 AND a.key = $3",
                    [pool_id, kind, key],
                    fast::user,
                    user_row
                )
            }

            async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await.map_err(backend)?;
                for sql in [
                    "DELETE FROM group_members WHERE pool_id = $1 AND sub = $2",
                    "DELETE FROM user_aliases WHERE pool_id = $1 AND sub = $2",
                    "DELETE FROM user_index WHERE pool_id = $1 AND sub = $2",
                ] {
                    sqlx::query(sql).bind(pool_id).bind(sub).execute(&mut *tx).await.map_err(backend)?;
                }
                let done = sqlx::query("DELETE FROM users WHERE pool_id = $1 AND sub = $2").bind(pool_id).bind(sub).execute(&mut *tx).await.map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn list_users(&self, pool_id: &str, q: &UserQuery) -> StoreResult<Vec<(UserRecord, UserCursor)>> {
                let limit = i64::from(q.limit);
                match &q.filter {
                    None => {
                        let after = match &q.after { Some(UserCursor::Username(k)) => k.as_str(), _ => "" };
                        let r = sqlx::query("SELECT * FROM users WHERE pool_id = $1 AND username_key > $2 ORDER BY username_key LIMIT $3")
                            .bind(pool_id).bind(after).bind(limit)
                            .fetch_all(self.reader()).await.map_err(backend)?;
                        let users = rows(r, user_row)?;
                        Ok(users.into_iter().map(|u| { let c = UserCursor::Username(u.username_key.clone()); (u, c) }).collect())
                    }
                    Some(f) => {
                        let hi = if f.prefix { crate::prefix_end(&f.value) } else { f.value.clone() };
                        let (cv, cs) = match &q.after {
                            Some(UserCursor::Indexed { value, sub }) => (value.as_str(), sub.as_str()),
                            _ => ("", ""),
                        };
                        let r = sqlx::query("SELECT u.*, i.value AS index_value FROM user_index i JOIN users u ON u.pool_id = i.pool_id AND u.sub = i.sub WHERE i.pool_id = $1 AND i.name = $2 AND i.value >= $3 AND i.value <= $4 AND (i.value, i.sub) > ($5, $6) ORDER BY i.value, i.sub LIMIT $7")
                            .bind(pool_id).bind(&f.name).bind(&f.value).bind(&hi).bind(cv).bind(cs).bind(limit)
                            .fetch_all(self.reader()).await.map_err(backend)?;
                        r.iter().map(|row| {
                            let u = user_row(row)?;
                            let value: String = row.try_get("index_value")?;
                            let c = UserCursor::Indexed { value, sub: u.sub.clone() };
                            Ok((u, c))
                        }).collect::<Result<_, sqlx::Error>>().map_err(backend)
                    }
                }
            }

            async fn count_users(&self, pool_id: &str) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE pool_id = $1").bind(pool_id).fetch_one(self.reader()).await.map_err(backend)?;
                row.try_get("n").map_err(backend)
            }
        }

        #[async_trait]
        impl TokenStore for $store {
            async fn insert_family(&self, f: &TokenFamily) -> StoreResult<()> {
                sqlx::query(FAMILY_INSERT_SQL)
                    .bind(&f.origin_jti).bind(&f.pool_id).bind(&f.client_id).bind(&f.sub).bind(f.revoked).bind(f.expires_ms)
                    .bind(f.created_ms).bind(&f.sso_session)
                    .execute(self.writer()).await.map_err(map_err!("family"))?;
                Ok(())
            }

            async fn get_family(&self, origin_jti: &str) -> StoreResult<Option<TokenFamily>> {
                point_read!(self, FAMILY_SQL, [origin_jti], fast::family, family_row)
            }

            async fn access_check(
                &self,
                pool_id: &str,
                client_id: Option<&str>,
                origin_jti: Option<&str>,
                sub: &str,
            ) -> StoreResult<AccessCheck> {
                if let Some(fast) = self.fast_reader() {
                    return fast.transaction(|r| {
                        Ok(AccessCheck {
                            pool_version: r.one(fast::POOL_VERSION_SQL, &[&pool_id], fast::version)?,
                            client: client_id.map(|id| r.one(CLIENT_SQL, &[&id], fast::client)).transpose()?.flatten(),
                            family: origin_jti.map(|jti| r.one(FAMILY_SQL, &[&jti], fast::family)).transpose()?.flatten(),
                            user: r.one(USER_SQL, &[&pool_id, &sub], fast::user)?,
                        })
                    });
                }
                Ok(AccessCheck {
                    pool_version: self.get_pool_version(pool_id).await?,
                    client: match client_id {
                        Some(id) => self.get_client(id).await?,
                        None => None,
                    },
                    family: match origin_jti {
                        Some(jti) => self.get_family(jti).await?,
                        None => None,
                    },
                    user: self.get_user(pool_id, sub).await?,
                })
            }

            async fn revoke_family(&self, origin_jti: &str) -> StoreResult<()> {
                sqlx::query("UPDATE token_families SET revoked = $1 WHERE origin_jti = $2")
                    .bind(true).bind(origin_jti).execute(self.writer()).await.map_err(backend)?;
                Ok(())
            }

            async fn revoke_user_families(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
                sqlx::query("UPDATE token_families SET revoked = $1 WHERE pool_id = $2 AND sub = $3")
                    .bind(true).bind(pool_id).bind(sub).execute(self.writer()).await.map_err(backend)?;
                Ok(())
            }

            async fn active_families(&self, pool_id: &str, sub: &str, now_ms: i64) -> StoreResult<Vec<TokenFamily>> {
                let found = sqlx::query(
                    "SELECT * FROM token_families WHERE pool_id = $1 AND sub = $2 AND revoked = $3 AND expires_ms > $4 \
                     ORDER BY created_ms DESC, origin_jti",
                )
                .bind(pool_id).bind(sub).bind(false).bind(now_ms).fetch_all(self.reader()).await.map_err(backend)?;
                rows(found, family_row)
            }

            async fn insert_refresh_token(&self, family: Option<&TokenFamily>, t: &RefreshTokenRecord) -> StoreResult<()> {
                let mut tx = self.writer().begin().await.map_err(backend)?;
                if let Some(f) = family {
                    sqlx::query(FAMILY_INSERT_SQL)
                        .bind(&f.origin_jti).bind(&f.pool_id).bind(&f.client_id).bind(&f.sub).bind(f.revoked).bind(f.expires_ms)
                        .bind(f.created_ms).bind(&f.sso_session)
                        .execute(&mut *tx).await.map_err(map_err!("family"))?;
                }
                sqlx::query("INSERT INTO refresh_tokens (token_hash, origin_jti, pool_id, created_ms, expires_ms, replaced_ms, data) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&t.token_hash).bind(&t.origin_jti).bind(&t.pool_id).bind(t.created_ms).bind(t.expires_ms).bind(t.replaced_ms).bind(&t.data)
                    .execute(&mut *tx).await.map_err(map_err!("refresh_token"))?;
                tx.commit().await.map_err(backend)
            }

            async fn insert_family_redeeming(
                &self,
                f: &TokenFamily,
                t: &RefreshTokenRecord,
                take: &str,
                m: &SessionRecord,
            ) -> StoreResult<bool> {
                let mut tx = self.writer().begin().await.map_err(backend)?;
                let taken = sqlx::query("DELETE FROM auth_sessions WHERE id_hash = $1")
                    .bind(take).execute(&mut *tx).await.map_err(backend)?.rows_affected();
                if taken == 0 {
                    tx.rollback().await.map_err(backend)?;
                    return Ok(false);
                }
                sqlx::query("INSERT INTO auth_sessions (id_hash, pool_id, expires_ms, data) VALUES ($1, $2, $3, $4)")
                    .bind(&m.id_hash).bind(&m.pool_id).bind(m.expires_ms).bind(&m.data)
                    .execute(&mut *tx).await.map_err(map_err!("session"))?;
                sqlx::query(FAMILY_INSERT_SQL)
                    .bind(&f.origin_jti).bind(&f.pool_id).bind(&f.client_id).bind(&f.sub).bind(f.revoked).bind(f.expires_ms)
                    .bind(f.created_ms).bind(&f.sso_session)
                    .execute(&mut *tx).await.map_err(map_err!("family"))?;
                sqlx::query("INSERT INTO refresh_tokens (token_hash, origin_jti, pool_id, created_ms, expires_ms, replaced_ms, data) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&t.token_hash).bind(&t.origin_jti).bind(&t.pool_id).bind(t.created_ms).bind(t.expires_ms).bind(t.replaced_ms).bind(&t.data)
                    .execute(&mut *tx).await.map_err(map_err!("refresh_token"))?;
                tx.commit().await.map_err(backend)?;
                Ok(true)
            }

            async fn get_refresh_token(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRecord>> {
                point_read!(
                    self,
                    "SELECT * FROM refresh_tokens WHERE token_hash = $1",
                    [token_hash],
                    fast::refresh,
                    refresh_row
                )
            }

            async fn mark_refresh_replaced(&self, token_hash: &str, at_ms: i64) -> StoreResult<()> {
                sqlx::query("UPDATE refresh_tokens SET replaced_ms = $1 WHERE token_hash = $2 AND replaced_ms IS NULL")
                    .bind(at_ms).bind(token_hash).execute(self.writer()).await.map_err(backend)?;
                Ok(())
            }

            async fn purge_expired_tokens(&self, before_ms: i64, limit: i64) -> StoreResult<u64> {
                // Batches keep each write transaction short: SQLite has one writer.
                let tokens = sqlx::query(
                    "DELETE FROM refresh_tokens WHERE token_hash IN \
                     (SELECT token_hash FROM refresh_tokens WHERE expires_ms < $1 LIMIT $2)",
                )
                .bind(before_ms).bind(limit).execute(self.writer()).await.map_err(backend)?;
                let families = sqlx::query(
                    "DELETE FROM token_families WHERE origin_jti IN \
                     (SELECT f.origin_jti FROM token_families f WHERE f.expires_ms < $1 \
                      AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.origin_jti = f.origin_jti) LIMIT $2)",
                )
                .bind(before_ms).bind(limit).execute(self.writer()).await.map_err(backend)?;
                Ok(tokens.rows_affected() + families.rows_affected())
            }
        }

        #[async_trait]
        impl SessionStore for $store {
            async fn insert_session(&self, s: &SessionRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO auth_sessions (id_hash, pool_id, expires_ms, data) VALUES ($1, $2, $3, $4)")
                    .bind(&s.id_hash).bind(&s.pool_id).bind(s.expires_ms).bind(&s.data)
                    .execute(self.writer()).await.map_err(map_err!("session"))?;
                Ok(())
            }

            async fn take_session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
                // DELETE … RETURNING makes taking atomic: two concurrent takers cannot both win.
                let row = sqlx::query("DELETE FROM auth_sessions WHERE id_hash = $1 RETURNING *")
                    .bind(id_hash).fetch_optional(self.writer()).await.map_err(backend)?;
                row.as_ref().map(session_row).transpose().map_err(backend)
            }

            async fn get_session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
                point_read!(self, "SELECT * FROM auth_sessions WHERE id_hash = $1", [id_hash], fast::session, session_row)
            }

            async fn insert_user_session(&self, s: &SessionRecord, sub: &str) -> StoreResult<()> {
                sqlx::query("INSERT INTO auth_sessions (id_hash, pool_id, expires_ms, data, sub) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&s.id_hash).bind(&s.pool_id).bind(s.expires_ms).bind(&s.data).bind(sub)
                    .execute(self.writer()).await.map_err(map_err!("session"))?;
                Ok(())
            }

            async fn user_sessions(&self, pool_id: &str, sub: &str, now_ms: i64) -> StoreResult<Vec<SessionRecord>> {
                let found = sqlx::query(
                    "SELECT * FROM auth_sessions WHERE pool_id = $1 AND sub = $2 AND expires_ms > $3 \
                     ORDER BY expires_ms DESC, id_hash",
                )
                .bind(pool_id).bind(sub).bind(now_ms).fetch_all(self.reader()).await.map_err(backend)?;
                rows(found, session_row)
            }

            async fn purge_expired_sessions(&self, before_ms: i64, limit: i64) -> StoreResult<u64> {
                let done = sqlx::query(
                    "DELETE FROM auth_sessions WHERE id_hash IN \
                     (SELECT id_hash FROM auth_sessions WHERE expires_ms < $1 LIMIT $2)",
                )
                .bind(before_ms).bind(limit).execute(self.writer()).await.map_err(backend)?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait]
        impl OAuthConfigStore for $store {
            async fn insert_resource_server(&self, r: &ResourceServerRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO resource_servers (pool_id, identifier, name, scopes, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&r.pool_id).bind(&r.identifier).bind(&r.name).bind(&r.scopes).bind(r.created_ms).bind(r.updated_ms)
                    .execute(self.writer()).await.map_err(map_err!("resource_server"))?;
                Ok(())
            }

            async fn get_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<Option<ResourceServerRecord>> {
                let q = sqlx::query("SELECT * FROM resource_servers WHERE pool_id = $1 AND identifier = $2").bind(pool_id).bind(identifier);
                one(q, self.reader(), resource_server_row).await
            }

            async fn update_resource_server(&self, r: &ResourceServerRecord) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE resource_servers SET name = $1, scopes = $2, updated_ms = $3 WHERE pool_id = $4 AND identifier = $5")
                    .bind(&r.name).bind(&r.scopes).bind(r.updated_ms).bind(&r.pool_id).bind(&r.identifier)
                    .execute(self.writer()).await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2")
                    .bind(pool_id).bind(identifier).execute(self.writer()).await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn list_resource_servers(&self, pool_id: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<ResourceServerRecord>> {
                let r = sqlx::query("SELECT * FROM resource_servers WHERE pool_id = $1 AND identifier > $2 ORDER BY identifier LIMIT $3")
                    .bind(pool_id).bind(after.unwrap_or("")).bind(i64::from(limit))
                    .fetch_all(self.reader()).await.map_err(backend)?;
                rows(r, resource_server_row)
            }

            async fn insert_domain(&self, d: &DomainRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO domains (domain, pool_id, custom, config, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&d.domain).bind(&d.pool_id).bind(d.custom).bind(&d.config).bind(d.created_ms).bind(d.updated_ms)
                    .execute(self.writer()).await.map_err(map_err!("domain"))?;
                Ok(())
            }

            async fn get_domain(&self, domain: &str) -> StoreResult<Option<DomainRecord>> {
                point_read!(self, "SELECT * FROM domains WHERE domain = $1", [domain], fast::domain, domain_row)
            }

            async fn domains_of_pool(&self, pool_id: &str) -> StoreResult<Vec<DomainRecord>> {
                let r = sqlx::query("SELECT * FROM domains WHERE pool_id = $1 ORDER BY custom")
                    .bind(pool_id).fetch_all(self.reader()).await.map_err(backend)?;
                rows(r, domain_row)
            }

            async fn update_domain(&self, d: &DomainRecord) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE domains SET config = $1, updated_ms = $2 WHERE domain = $3 AND pool_id = $4")
                    .bind(&d.config).bind(d.updated_ms).bind(&d.domain).bind(&d.pool_id)
                    .execute(self.writer()).await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_domain(&self, pool_id: &str, domain: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM domains WHERE pool_id = $1 AND domain = $2")
                    .bind(pool_id).bind(domain).execute(self.writer()).await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_branding(&self, b: &BrandingRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO brandings (id, pool_id, client_id, config, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&b.id).bind(&b.pool_id).bind(&b.client_id).bind(&b.config).bind(b.created_ms).bind(b.updated_ms)
                    .execute(self.writer()).await.map_err(map_err!("branding"))?;
                Ok(())
            }

            async fn get_branding(&self, pool_id: &str, id: &str) -> StoreResult<Option<BrandingRecord>> {
                point_read!(self, "SELECT * FROM brandings WHERE pool_id = $1 AND id = $2", [pool_id, id], fast::branding, branding_row)
            }

            async fn get_branding_by_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<BrandingRecord>> {
                const SQL: &str = "SELECT * FROM brandings WHERE pool_id = $1 AND client_id = $2";
                point_read!(self, SQL, [pool_id, client_id], fast::branding, branding_row)
            }

            async fn update_branding(&self, b: &BrandingRecord) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE brandings SET config = $1, updated_ms = $2 WHERE pool_id = $3 AND id = $4")
                    .bind(&b.config).bind(b.updated_ms).bind(&b.pool_id).bind(&b.id)
                    .execute(self.writer()).await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_branding(&self, pool_id: &str, id: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM brandings WHERE pool_id = $1 AND id = $2")
                    .bind(pool_id).bind(id).execute(self.writer()).await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn get_pool_doc(&self, pool_id: &str, kind: &str, name: &str) -> StoreResult<Option<PoolDocRecord>> {
                const SQL: &str = "SELECT * FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND name = $3";
                point_read!(self, SQL, [pool_id, kind, name], fast::pool_doc, pool_doc_row)
            }

            async fn put_pool_doc(&self, d: &PoolDocRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO pool_documents (pool_id, kind, name, doc, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6) \
                             ON CONFLICT (pool_id, kind, name) DO UPDATE SET doc = excluded.doc, updated_ms = excluded.updated_ms")
                    .bind(&d.pool_id).bind(&d.kind).bind(&d.name).bind(&d.doc).bind(d.created_ms).bind(d.updated_ms)
                    .execute(self.writer()).await.map_err(backend)?;
                Ok(())
            }

            async fn delete_pool_doc(&self, pool_id: &str, kind: &str, name: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND name = $3")
                    .bind(pool_id).bind(kind).bind(name).execute(self.writer()).await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_pool_doc(&self, d: &PoolDocRecord) -> StoreResult<()> {
                sqlx::query("INSERT INTO pool_documents (pool_id, kind, name, doc, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&d.pool_id).bind(&d.kind).bind(&d.name).bind(&d.doc).bind(d.created_ms).bind(d.updated_ms)
                    .execute(self.writer()).await.map_err(map_err!("pool_doc"))?;
                Ok(())
            }

            async fn write_pool_docs(&self, w: &DocWrites<'_>) -> StoreResult<()> {
                let mut tx = self.writer().begin().await.map_err(backend)?;
                for e in &w.expect {
                    let found: Option<String> = sqlx::query_scalar("SELECT doc FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND name = $3")
                        .bind(&e.pool_id).bind(&e.kind).bind(&e.name).fetch_optional(&mut *tx).await.map_err(backend)?;
                    if found != e.doc {
                        return Err(StoreError::Conflict("stale".into()));
                    }
                }
                for (pool_id, kind, name) in &w.deletes {
                    sqlx::query("DELETE FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND name = $3")
                        .bind(*pool_id).bind(*kind).bind(*name).execute(&mut *tx).await.map_err(backend)?;
                }
                for d in &w.inserts {
                    sqlx::query("INSERT INTO pool_documents (pool_id, kind, name, doc, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&d.pool_id).bind(&d.kind).bind(&d.name).bind(&d.doc).bind(d.created_ms).bind(d.updated_ms)
                        .execute(&mut *tx).await.map_err(map_err!("pool_doc"))?;
                }
                for d in &w.puts {
                    sqlx::query("INSERT INTO pool_documents (pool_id, kind, name, doc, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6) \
                                 ON CONFLICT (pool_id, kind, name) DO UPDATE SET doc = excluded.doc, updated_ms = excluded.updated_ms")
                        .bind(&d.pool_id).bind(&d.kind).bind(&d.name).bind(&d.doc).bind(d.created_ms).bind(d.updated_ms)
                        .execute(&mut *tx).await.map_err(backend)?;
                }
                tx.commit().await.map_err(backend)
            }

            async fn delete_all_pool_docs(&self, pool_id: &str) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM pool_documents WHERE pool_id = $1")
                    .bind(pool_id).execute(self.writer()).await.map_err(backend)?;
                Ok(done.rows_affected())
            }

            async fn list_pool_docs(&self, pool_id: &str, kind: &str, after: Option<&str>, limit: u32) -> StoreResult<Vec<PoolDocRecord>> {
                let r = sqlx::query("SELECT * FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND name > $3 ORDER BY name LIMIT $4")
                    .bind(pool_id).bind(kind).bind(after.unwrap_or("")).bind(i64::from(limit))
                    .fetch_all(self.reader()).await.map_err(backend)?;
                rows(r, pool_doc_row)
            }
        }
    };
}
