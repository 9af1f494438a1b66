//! The storage conformance suite: one set of checks every backend must pass. The integration
//! tests run it against SQLite and PostgreSQL. Each check works in pools of its own, so the
//! checks can share a database.

use crate::*;

type Check = (&'static str, fn(&dyn Store, String) -> futures_like::BoxFuture<'_, Result<(), String>>);

mod futures_like {
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

macro_rules! ensure {
    ($cond:expr) => {
        if !$cond {
            return Err(format!("{}:{}: {}", file!(), line!(), stringify!($cond)));
        }
    };
}

macro_rules! check {
    ($name:ident) => {
        (stringify!($name), |s, p| Box::pin($name(s, p)))
    };
}

/// Every check, by name. `prefix` makes the pool ids of this run unique.
pub const CHECKS: &[Check] = &[
    check!(settings_first_writer_wins),
    check!(pool_crud_and_versions),
    check!(pool_delete_cascades),
    check!(client_crud),
    check!(groups_and_members),
    check!(user_uniqueness),
    check!(user_updates_are_versioned),
    check!(list_users_filters_and_pages),
    check!(token_families_and_refresh_tokens),
    check!(access_check_reads_pool_client_family_and_user),
    check!(sessions_are_single_use),
    check!(user_sessions_by_user),
    check!(purge_removes_only_what_expired),
    check!(resource_servers_crud_and_pages),
    check!(domains_unique_across_pools),
    check!(brandings_one_per_client),
    check!(pool_documents_upsert),
    check!(pool_documents_insert_and_list),
    check!(pool_documents_apply_and_delete_all),
    check!(oauth_config_goes_with_pool_and_client),
];

/// Runs every check and returns the failures (empty when the backend conforms).
pub async fn run_all(store: &dyn Store, prefix: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, f) in CHECKS {
        if let Err(e) = f(store, format!("{prefix}-{name}")).await {
            failures.push(format!("{name}: {e}"));
        }
    }
    failures
}

fn err(e: StoreError) -> String {
    e.to_string()
}

fn pool(id: &str) -> PoolRecord {
    PoolRecord { id: id.into(), name: "p".into(), created_ms: 1, updated_ms: 1, config: "{}".into(), version: 1 }
}

fn user(pool_id: &str, sub: &str, username: &str) -> UserRecord {
    UserRecord {
        pool_id: pool_id.into(),
        sub: sub.into(),
        username: username.into(),
        username_key: username.to_lowercase(),
        status: "CONFIRMED".into(),
        enabled: true,
        created_ms: 1,
        updated_ms: 1,
        attributes: "{}".into(),
        data: "{}".into(),
        version: 1,
    }
}

fn insert(u: UserRecord, index: &[(&str, &str)], aliases: &[(&str, &str)]) -> UserWrite {
    UserWrite {
        user: u,
        expected_version: None,
        index: index.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        aliases: aliases.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
    }
}

async fn settings_first_writer_wins(s: &dyn Store, p: String) -> Result<(), String> {
    let key = format!("{p}-k");
    ensure!(s.get_setting(&key).await.map_err(err)?.is_none());
    ensure!(s.put_setting_if_absent(&key, "one").await.map_err(err)? == "one");
    ensure!(s.put_setting_if_absent(&key, "two").await.map_err(err)? == "one");
    ensure!(s.get_setting(&key).await.map_err(err)?.as_deref() == Some("one"));
    s.put_setting(&key, "three").await.map_err(err)?;
    ensure!(s.get_setting(&key).await.map_err(err)?.as_deref() == Some("three"));
    Ok(())
}

async fn pool_crud_and_versions(s: &dyn Store, p: String) -> Result<(), String> {
    let mut rec = pool(&format!("{p}_a"));
    s.insert_pool(&rec).await.map_err(err)?;
    ensure!(s.insert_pool(&rec).await == Err(StoreError::Conflict("pool".into())));
    ensure!(s.get_pool(&rec.id).await.map_err(err)? == Some(rec.clone()));
    ensure!(s.get_pool_version(&rec.id).await.map_err(err)? == Some((1, rec.created_ms)));
    rec.version = 2;
    rec.config = r#"{"x":1}"#.into();
    s.update_pool(&rec).await.map_err(err)?;
    ensure!(s.get_pool_version(&rec.id).await.map_err(err)? == Some((2, rec.created_ms)));
    ensure!(s.get_pool_version(&format!("{p}_none")).await.map_err(err)?.is_none());
    ensure!(s.update_pool(&rec).await == Err(StoreError::Stale));
    ensure!(s.get_pool(&rec.id).await.map_err(err)?.map(|r| r.config) == Some(rec.config.clone()));
    for i in 0..3 {
        s.insert_pool(&pool(&format!("{p}_b{i}"))).await.map_err(err)?;
    }
    let page = s.list_pools(Some(&format!("{p}_a")), 2).await.map_err(err)?;
    ensure!(page.iter().map(|r| r.id.clone()).collect::<Vec<_>>() == vec![format!("{p}_b0"), format!("{p}_b1")]);
    Ok(())
}

async fn pool_delete_cascades(s: &dyn Store, p: String) -> Result<(), String> {
    let id = format!("{p}_d");
    s.insert_pool(&pool(&id)).await.map_err(err)?;
    s.write_users(&[insert(user(&id, &format!("{p}-s1"), "u1"), &[("email", "a@x")], &[("email", "a@x")])])
        .await
        .map_err(err)?;
    ensure!(s.delete_pool(&id).await.map_err(err)?);
    ensure!(!s.delete_pool(&id).await.map_err(err)?);
    ensure!(s.get_pool(&id).await.map_err(err)?.is_none());
    ensure!(s.count_users(&id).await.map_err(err)? == 0);
    // The alias is free again once its pool is gone.
    s.insert_pool(&pool(&id)).await.map_err(err)?;
    s.write_users(&[insert(user(&id, &format!("{p}-s2"), "u2"), &[], &[("email", "a@x")])]).await.map_err(err)?;
    Ok(())
}

async fn client_crud(s: &dyn Store, p: String) -> Result<(), String> {
    let pool_id = format!("{p}_c");
    let mut c = ClientRecord {
        pool_id: pool_id.clone(),
        client_id: format!("{p}-client1"),
        name: "web".into(),
        created_ms: 1,
        updated_ms: 1,
        config: "{}".into(),
        version: 1,
    };
    s.insert_client(&c).await.map_err(err)?;
    ensure!(s.insert_client(&c).await == Err(StoreError::Conflict("client".into())));
    ensure!(s.get_client(&c.client_id).await.map_err(err)? == Some(c.clone()));
    let pool = s.get_pool(&pool_id).await.map_err(err)?;
    ensure!(s.get_client_and_pool(&c.client_id).await.map_err(err)? == Some(c.clone()).zip(pool));
    ensure!(s.get_client_and_pool("no-such-client").await.map_err(err)?.is_none());
    c.version = 2;
    c.name = "web2".into();
    s.update_client(&c).await.map_err(err)?;
    ensure!(s.update_client(&c).await == Err(StoreError::Stale));
    ensure!(s.list_clients(&pool_id, None, 10).await.map_err(err)?.len() == 1);
    ensure!(s.delete_client(&pool_id, &c.client_id).await.map_err(err)?);
    ensure!(s.get_client(&c.client_id).await.map_err(err)?.is_none());
    Ok(())
}

async fn groups_and_members(s: &dyn Store, p: String) -> Result<(), String> {
    let pool_id = format!("{p}_g");
    s.insert_pool(&pool(&pool_id)).await.map_err(err)?;
    for name in ["admins", "readers"] {
        let g = GroupRecord {
            pool_id: pool_id.clone(),
            name: name.into(),
            description: None,
            role_arn: Some("arn:aws:iam::1:role/r".into()),
            precedence: Some(3),
            created_ms: 1,
            updated_ms: 1,
        };
        s.insert_group(&g).await.map_err(err)?;
        ensure!(s.insert_group(&g).await == Err(StoreError::Conflict("group".into())));
    }
    s.write_users(&[insert(user(&pool_id, "sub-1", "ann"), &[], &[])]).await.map_err(err)?;
    s.add_member(&pool_id, "admins", "sub-1").await.map_err(err)?;
    s.add_member(&pool_id, "admins", "sub-1").await.map_err(err)?;
    s.add_member(&pool_id, "readers", "sub-1").await.map_err(err)?;
    let groups = s.groups_of_user(&pool_id, "sub-1", None, 10).await.map_err(err)?;
    ensure!(groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>() == vec!["admins", "readers"]);
    ensure!(s.groups_of_user(&pool_id, "sub-1", Some("admins"), 10).await.map_err(err)?.len() == 1);
    ensure!(s.members(&pool_id, "admins", None, 10).await.map_err(err)?.len() == 1);
    ensure!(s.delete_group(&pool_id, "admins").await.map_err(err)?);
    ensure!(s.groups_of_user(&pool_id, "sub-1", None, 10).await.map_err(err)?.len() == 1);
    s.remove_member(&pool_id, "readers", "sub-1").await.map_err(err)?;
    ensure!(s.members(&pool_id, "readers", None, 10).await.map_err(err)?.is_empty());
    Ok(())
}

async fn user_uniqueness(s: &dyn Store, p: String) -> Result<(), String> {
    let pool_id = format!("{p}_u");
    s.write_users(&[insert(user(&pool_id, "s1", "Ann"), &[], &[("email", "ann@x")])]).await.map_err(err)?;
    let dup_name = s.write_users(&[insert(user(&pool_id, "s2", "ann"), &[], &[])]).await;
    ensure!(dup_name == Err(StoreError::Conflict("username".into())));
    let dup_alias = s.write_users(&[insert(user(&pool_id, "s3", "bob"), &[], &[("email", "ann@x")])]).await;
    ensure!(dup_alias == Err(StoreError::Conflict("alias:email".into())));
    // A failed write leaves nothing behind.
    ensure!(s.get_user(&pool_id, "s3").await.map_err(err)?.is_none());
    ensure!(s.count_users(&pool_id).await.map_err(err)? == 1);
    ensure!(s.get_user_by_username(&pool_id, "ann").await.map_err(err)?.map(|u| u.sub) == Some("s1".into()));
    ensure!(s.get_user_by_alias(&pool_id, "email", "ann@x").await.map_err(err)?.map(|u| u.sub) == Some("s1".into()));
    // The same username in another pool is fine.
    s.write_users(&[insert(user(&format!("{pool_id}2"), "s1", "ann"), &[], &[])]).await.map_err(err)?;
    Ok(())
}

async fn user_updates_are_versioned(s: &dyn Store, p: String) -> Result<(), String> {
    let pool_id = format!("{p}_v");
    let mut u = user(&pool_id, "s1", "ann");
    s.write_users(&[insert(u.clone(), &[("email", "a@x")], &[("email", "a@x")])]).await.map_err(err)?;
    u.version = 2;
    u.enabled = false;
    u.attributes = r#"{"email":"b@x"}"#.into();
    let update = UserWrite {
        user: u.clone(),
        expected_version: Some(1),
        index: vec![("email".into(), "b@x".into())],
        aliases: vec![("email".into(), "b@x".into())],
    };
    s.write_users(std::slice::from_ref(&update)).await.map_err(err)?;
    ensure!(s.write_users(&[update]).await == Err(StoreError::Stale));
    let got = s.get_user(&pool_id, "s1").await.map_err(err)?.ok_or("missing")?;
    ensure!(!got.enabled && got.version == 2 && got.attributes == u.attributes);
    ensure!(s.get_user_by_alias(&pool_id, "email", "a@x").await.map_err(err)?.is_none());
    ensure!(s.get_user_by_alias(&pool_id, "email", "b@x").await.map_err(err)?.is_some());
    ensure!(s.delete_user(&pool_id, "s1").await.map_err(err)?);
    ensure!(s.get_user_by_alias(&pool_id, "email", "b@x").await.map_err(err)?.is_none());
    Ok(())
}

async fn list_users_filters_and_pages(s: &dyn Store, p: String) -> Result<(), String> {
    let pool_id = format!("{p}_l");
    let mut writes = Vec::new();
    for i in 0..7 {
        let name = format!("user{i}");
        let email = if i < 5 { format!("ann{i}@x.com") } else { format!("bob{i}@x.com") };
        writes.push(insert(
            user(&pool_id, &format!("sub{i}"), &name),
            &[("email", &email), ("given_name", "Ann")],
            &[],
        ));
    }
    s.write_users(&writes).await.map_err(err)?;
    let all = |after, limit| UserQuery { filter: None, after, limit };
    let first = s.list_users(&pool_id, &all(None, 4)).await.map_err(err)?;
    ensure!(first.len() == 4 && first[0].0.username == "user0");
    let rest = s.list_users(&pool_id, &all(Some(first[3].1.clone()), 4)).await.map_err(err)?;
    ensure!(rest.len() == 3 && rest[0].0.username == "user4");
    let prefix = |value: &str, after| UserQuery {
        filter: Some(IndexFilter { name: "email".into(), value: value.into(), prefix: true }),
        after,
        limit: 3,
    };
    let page1 = s.list_users(&pool_id, &prefix("ann", None)).await.map_err(err)?;
    ensure!(page1.len() == 3);
    let page2 = s.list_users(&pool_id, &prefix("ann", Some(page1[2].1.clone()))).await.map_err(err)?;
    ensure!(page2.iter().map(|(u, _)| u.username.as_str()).collect::<Vec<_>>() == vec!["user3", "user4"]);
    let exact = UserQuery {
        filter: Some(IndexFilter { name: "email".into(), value: "bob6@x.com".into(), prefix: false }),
        after: None,
        limit: 10,
    };
    let found = s.list_users(&pool_id, &exact).await.map_err(err)?;
    ensure!(found.len() == 1 && found[0].0.sub == "sub6");
    let none = UserQuery {
        filter: Some(IndexFilter { name: "email".into(), value: "ann".into(), prefix: false }),
        after: None,
        limit: 10,
    };
    ensure!(s.list_users(&pool_id, &none).await.map_err(err)?.is_empty());
    Ok(())
}

async fn access_check_reads_pool_client_family_and_user(s: &dyn Store, p: String) -> Result<(), String> {
    let pool_id = format!("{p}_k");
    let rec = pool(&pool_id);
    s.insert_pool(&rec).await.map_err(err)?;
    let u = user(&pool_id, &format!("{p}-s1"), "u1");
    s.write_users(&[insert(u.clone(), &[], &[])]).await.map_err(err)?;
    let jti = format!("{p}-f1");
    let family = TokenFamily {
        origin_jti: jti.clone(),
        pool_id: pool_id.clone(),
        client_id: "c".into(),
        sub: u.sub.clone(),
        revoked: false,
        expires_ms: 10,
        created_ms: 1,
        sso_session: None,
    };
    s.insert_family(&family).await.map_err(err)?;
    let client = ClientRecord {
        pool_id: pool_id.clone(),
        client_id: format!("{p}-kc"),
        name: "web".into(),
        created_ms: 1,
        updated_ms: 1,
        config: "{}".into(),
        version: 1,
    };
    s.insert_client(&client).await.map_err(err)?;
    let check = s.access_check(&pool_id, Some(&client.client_id), Some(&jti), &u.sub).await.map_err(err)?;
    ensure!(check.pool_version == Some((rec.version, rec.created_ms)));
    ensure!(check.client == Some(client.clone()));
    ensure!(check.family == Some(family.clone()));
    ensure!(check.user.as_ref().map(|r| &r.username) == Some(&u.username));
    s.revoke_family(&jti).await.map_err(err)?;
    let check = s.access_check(&pool_id, None, Some(&jti), &u.sub).await.map_err(err)?;
    ensure!(check.family.is_some_and(|f| f.revoked) && check.client.is_none());
    let check = s.access_check(&pool_id, Some("no-such-client"), None, "nobody").await.map_err(err)?;
    ensure!(check.client.is_none() && check.family.is_none() && check.user.is_none() && check.pool_version.is_some());
    let none = format!("{p}-none");
    let check = s.access_check(&format!("{p}_none"), Some(&none), Some(&none), &u.sub).await.map_err(err)?;
    ensure!(check.pool_version.is_none() && check.family.is_none() && check.user.is_none());
    Ok(())
}

async fn token_families_and_refresh_tokens(s: &dyn Store, p: String) -> Result<(), String> {
    let pool_id = format!("{p}_t");
    let family = |jti: &str, sub: &str| TokenFamily {
        origin_jti: format!("{p}-{jti}"),
        pool_id: pool_id.clone(),
        client_id: "c".into(),
        sub: sub.into(),
        revoked: false,
        expires_ms: 10,
        created_ms: 1,
        sso_session: None,
    };
    for (jti, sub) in [("a", "s1"), ("b", "s1"), ("c", "s2")] {
        s.insert_family(&family(jti, sub)).await.map_err(err)?;
    }
    ensure!(s.insert_family(&family("a", "s1")).await.is_err());
    s.revoke_family(&format!("{p}-a")).await.map_err(err)?;
    ensure!(s.get_family(&format!("{p}-a")).await.map_err(err)?.is_some_and(|f| f.revoked));
    ensure!(s.get_family(&format!("{p}-b")).await.map_err(err)?.is_some_and(|f| !f.revoked));
    s.revoke_user_families(&pool_id, "s1").await.map_err(err)?;
    ensure!(s.get_family(&format!("{p}-b")).await.map_err(err)?.is_some_and(|f| f.revoked));
    ensure!(s.get_family(&format!("{p}-c")).await.map_err(err)?.is_some_and(|f| !f.revoked));
    let token = RefreshTokenRecord {
        token_hash: format!("{p}-h1"),
        origin_jti: format!("{p}-c"),
        pool_id: pool_id.clone(),
        created_ms: 1,
        expires_ms: 100,
        replaced_ms: None,
        data: "{}".into(),
    };
    s.insert_refresh_token(None, &token).await.map_err(err)?;
    ensure!(s.get_refresh_token(&token.token_hash).await.map_err(err)? == Some(token.clone()));
    s.mark_refresh_replaced(&token.token_hash, 50).await.map_err(err)?;
    s.mark_refresh_replaced(&token.token_hash, 60).await.map_err(err)?;
    ensure!(s.get_refresh_token(&token.token_hash).await.map_err(err)?.and_then(|t| t.replaced_ms) == Some(50));
    let mut second = token.clone();
    second.token_hash = format!("{p}-h2");
    second.origin_jti = format!("{p}-d");
    s.insert_refresh_token(Some(&family("d", "s3")), &second).await.map_err(err)?;
    ensure!(s.get_family(&format!("{p}-d")).await.map_err(err)?.is_some_and(|f| f.sub == "s3"));
    // A family that already exists makes the whole write fail, token included.
    let mut third = second.clone();
    third.token_hash = format!("{p}-h3");
    ensure!(s.insert_refresh_token(Some(&family("d", "s3")), &third).await.is_err());
    ensure!(s.get_refresh_token(&third.token_hash).await.map_err(err)?.is_none());
    s.insert_pool(&pool(&pool_id)).await.map_err(err)?;
    s.delete_pool(&pool_id).await.map_err(err)?;
    ensure!(s.get_refresh_token(&token.token_hash).await.map_err(err)?.is_none());
    ensure!(s.get_family(&format!("{p}-c")).await.map_err(err)?.is_none());
    Ok(())
}

async fn sessions_are_single_use(s: &dyn Store, p: String) -> Result<(), String> {
    let session =
        SessionRecord { id_hash: format!("{p}-s"), pool_id: format!("{p}_s"), expires_ms: 5, data: "{}".into() };
    s.insert_session(&session).await.map_err(err)?;
    ensure!(s.get_session(&session.id_hash).await.map_err(err)? == Some(session.clone()));
    ensure!(s.take_session(&session.id_hash).await.map_err(err)? == Some(session.clone()));
    ensure!(s.take_session(&session.id_hash).await.map_err(err)?.is_none());
    ensure!(s.get_session(&session.id_hash).await.map_err(err)?.is_none());
    // Redeeming (an authorization code): the family, its token and the marker are stored
    // only by the one redemption that finds the session, and then all together.
    let pool_id = format!("{p}_r");
    let family = |n: &str| TokenFamily {
        origin_jti: format!("{p}-r{n}"),
        pool_id: pool_id.clone(),
        client_id: "c".into(),
        sub: "s".into(),
        revoked: false,
        expires_ms: 10,
        created_ms: 1,
        sso_session: None,
    };
    let token = |n: &str| RefreshTokenRecord {
        token_hash: format!("{p}-rh{n}"),
        origin_jti: format!("{p}-r{n}"),
        pool_id: pool_id.clone(),
        created_ms: 1,
        expires_ms: 100,
        replaced_ms: None,
        data: "{}".into(),
    };
    let marker = SessionRecord { id_hash: format!("{p}-m"), data: "{\"m\":1}".into(), ..session.clone() };
    s.insert_session(&session).await.map_err(err)?;
    ensure!(s.insert_family_redeeming(&family("1"), &token("1"), &session.id_hash, &marker).await.map_err(err)?);
    ensure!(s.get_session(&session.id_hash).await.map_err(err)?.is_none());
    ensure!(s.get_session(&marker.id_hash).await.map_err(err)? == Some(marker.clone()));
    ensure!(s.get_family(&family("1").origin_jti).await.map_err(err)? == Some(family("1")));
    ensure!(s.get_refresh_token(&token("1").token_hash).await.map_err(err)? == Some(token("1")));
    let other = SessionRecord { id_hash: format!("{p}-m2"), ..marker.clone() };
    ensure!(!s.insert_family_redeeming(&family("2"), &token("2"), &session.id_hash, &other).await.map_err(err)?);
    ensure!(s.get_family(&family("2").origin_jti).await.map_err(err)?.is_none());
    ensure!(s.get_refresh_token(&token("2").token_hash).await.map_err(err)?.is_none());
    ensure!(s.get_session(&other.id_hash).await.map_err(err)?.is_none());
    Ok(())
}

/// A user's token sessions (unrevoked, unexpired families, newest first) and hosted-UI
/// sessions (unexpired, stored with their user), each apart from other users' and pools'.
async fn user_sessions_by_user(s: &dyn Store, p: String) -> Result<(), String> {
    let pool_id = format!("{p}_u");
    let family = |n: &str, sub: &str, created_ms, expires_ms| TokenFamily {
        origin_jti: format!("{p}-{n}"),
        pool_id: pool_id.clone(),
        client_id: "c".into(),
        sub: sub.into(),
        revoked: false,
        expires_ms,
        created_ms,
        sso_session: (n == "b").then(|| "sso1".to_owned()),
    };
    let (a, b) = (family("a", "s1", 10, 900), family("b", "s1", 20, 900));
    for f in [&a, &b, &family("c", "s1", 30, 400), &family("d", "s2", 40, 900), &family("e", "s1", 50, 900)] {
        s.insert_family(f).await.map_err(err)?;
    }
    s.revoke_family(&format!("{p}-e")).await.map_err(err)?;
    ensure!(s.active_families(&pool_id, "s1", 500).await.map_err(err)? == vec![b.clone(), a.clone()]);
    ensure!(s.active_families(&pool_id, "s3", 500).await.map_err(err)?.is_empty());
    let session = |n: &str, expires_ms| SessionRecord {
        id_hash: format!("{p}-{n}"),
        pool_id: pool_id.clone(),
        expires_ms,
        data: "{}".into(),
    };
    let (x, y) = (session("x", 800), session("y", 900));
    s.insert_user_session(&x, "s1").await.map_err(err)?;
    s.insert_user_session(&y, "s1").await.map_err(err)?;
    s.insert_user_session(&session("z", 400), "s1").await.map_err(err)?;
    s.insert_user_session(&session("w", 900), "s2").await.map_err(err)?;
    s.insert_session(&session("v", 900)).await.map_err(err)?;
    ensure!(s.user_sessions(&pool_id, "s1", 500).await.map_err(err)? == vec![y.clone(), x.clone()]);
    ensure!(s.get_session(&x.id_hash).await.map_err(err)? == Some(x.clone()));
    ensure!(s.take_session(&x.id_hash).await.map_err(err)? == Some(x.clone()));
    ensure!(s.user_sessions(&pool_id, "s1", 500).await.map_err(err)? == vec![y]);
    ensure!(s.user_sessions(&format!("{p}_other"), "s1", 500).await.map_err(err)?.is_empty());
    Ok(())
}

/// Expiry times here are in 1970, so the purge may also take rows other checks left with tiny
/// expiry times; those checks ran before this one and are done with them.
async fn purge_removes_only_what_expired(s: &dyn Store, p: String) -> Result<(), String> {
    let pool_id = format!("{p}_x");
    let family = |n: &str, expires_ms| TokenFamily {
        origin_jti: format!("{p}-{n}"),
        pool_id: pool_id.clone(),
        client_id: "c".into(),
        sub: "s".into(),
        revoked: false,
        expires_ms,
        created_ms: 1,
        sso_session: None,
    };
    let token = |n: &str, family: &TokenFamily, expires_ms| RefreshTokenRecord {
        token_hash: format!("{p}-{n}"),
        origin_jti: family.origin_jti.clone(),
        pool_id: pool_id.clone(),
        created_ms: 1,
        expires_ms,
        replaced_ms: None,
        data: "{}".into(),
    };
    // A family whose only token expired; one whose first token expired but a rotated one
    // has not; one still current.
    let (gone, rotated, current) = (family("f1", 1_000), family("f2", 1_000), family("f3", 9_000));
    let (t1, t2a, t2b, t3) = (
        token("t1", &gone, 1_000),
        token("t2a", &rotated, 1_000),
        token("t2b", &rotated, 9_000),
        token("t3", &current, 9_000),
    );
    s.insert_refresh_token(Some(&gone), &t1).await.map_err(err)?;
    s.insert_refresh_token(Some(&rotated), &t2a).await.map_err(err)?;
    s.insert_refresh_token(None, &t2b).await.map_err(err)?;
    s.insert_refresh_token(Some(&current), &t3).await.map_err(err)?;
    let mut purged = 0;
    loop {
        let n = s.purge_expired_tokens(5_000, 1).await.map_err(err)?;
        purged += n;
        if n == 0 {
            break;
        }
    }
    ensure!(purged >= 3);
    ensure!(s.get_refresh_token(&t1.token_hash).await.map_err(err)?.is_none());
    ensure!(s.get_refresh_token(&t2a.token_hash).await.map_err(err)?.is_none());
    ensure!(s.get_family(&gone.origin_jti).await.map_err(err)?.is_none());
    ensure!(s.get_family(&rotated.origin_jti).await.map_err(err)? == Some(rotated.clone()));
    ensure!(s.get_refresh_token(&t2b.token_hash).await.map_err(err)? == Some(t2b.clone()));
    ensure!(s.get_family(&current.origin_jti).await.map_err(err)? == Some(current.clone()));
    ensure!(s.get_refresh_token(&t3.token_hash).await.map_err(err)? == Some(t3.clone()));

    let session = |n: &str, expires_ms| SessionRecord {
        id_hash: format!("{p}-{n}"),
        pool_id: pool_id.clone(),
        expires_ms,
        data: "{}".into(),
    };
    let (old, live) = (session("s1", 1_000), session("s2", 9_000));
    s.insert_session(&old).await.map_err(err)?;
    s.insert_session(&live).await.map_err(err)?;
    while s.purge_expired_sessions(5_000, 1).await.map_err(err)? > 0 {}
    ensure!(s.take_session(&old.id_hash).await.map_err(err)?.is_none());
    ensure!(s.take_session(&live.id_hash).await.map_err(err)? == Some(live));
    Ok(())
}

fn resource_server(pool_id: &str, identifier: &str) -> ResourceServerRecord {
    ResourceServerRecord {
        pool_id: pool_id.into(),
        identifier: identifier.into(),
        name: "api".into(),
        scopes: "[]".into(),
        created_ms: 1,
        updated_ms: 1,
    }
}

fn domain(pool_id: &str, name: &str, custom: bool) -> DomainRecord {
    DomainRecord {
        domain: name.into(),
        pool_id: pool_id.into(),
        custom,
        config: "{}".into(),
        created_ms: 1,
        updated_ms: 1,
    }
}

fn branding(pool_id: &str, id: &str, client_id: &str) -> BrandingRecord {
    BrandingRecord {
        id: id.into(),
        pool_id: pool_id.into(),
        client_id: client_id.into(),
        config: "{}".into(),
        created_ms: 1,
        updated_ms: 1,
    }
}

fn pool_doc(pool_id: &str, kind: &str, name: &str, doc: &str, at: i64) -> PoolDocRecord {
    PoolDocRecord {
        pool_id: pool_id.into(),
        kind: kind.into(),
        name: name.into(),
        doc: doc.into(),
        created_ms: at,
        updated_ms: at,
    }
}

async fn resource_servers_crud_and_pages(s: &dyn Store, p: String) -> Result<(), String> {
    let id = format!("{p}_rs");
    for name in ["https://b", "https://a", "https://c"] {
        s.insert_resource_server(&resource_server(&id, name)).await.map_err(err)?;
    }
    let dup = s.insert_resource_server(&resource_server(&id, "https://a")).await;
    ensure!(dup == Err(StoreError::Conflict("resource_server".into())));
    // The same identifier in another pool is another server.
    s.insert_resource_server(&resource_server(&format!("{p}_rs2"), "https://a")).await.map_err(err)?;
    let first = s.list_resource_servers(&id, None, 2).await.map_err(err)?;
    ensure!(first.iter().map(|r| r.identifier.as_str()).collect::<Vec<_>>() == ["https://a", "https://b"]);
    let rest = s.list_resource_servers(&id, Some("https://b"), 2).await.map_err(err)?;
    ensure!(rest.len() == 1 && rest[0].identifier == "https://c");
    let mut changed = resource_server(&id, "https://a");
    changed.name = "renamed".into();
    changed.scopes = r#"[{"ScopeName":"read","ScopeDescription":"r"}]"#.into();
    changed.updated_ms = 2;
    ensure!(s.update_resource_server(&changed).await.map_err(err)?);
    ensure!(s.get_resource_server(&id, "https://a").await.map_err(err)? == Some(changed.clone()));
    ensure!(!s.update_resource_server(&resource_server(&id, "https://none")).await.map_err(err)?);
    ensure!(s.delete_resource_server(&id, "https://a").await.map_err(err)?);
    ensure!(!s.delete_resource_server(&id, "https://a").await.map_err(err)?);
    ensure!(s.get_resource_server(&id, "https://a").await.map_err(err)?.is_none());
    Ok(())
}

async fn domains_unique_across_pools(s: &dyn Store, p: String) -> Result<(), String> {
    let (a, b) = (format!("{p}_da"), format!("{p}_db"));
    let prefix = format!("{}-prefix", p.to_lowercase());
    let host = format!("auth.{}.example.com", p.to_lowercase());
    s.insert_domain(&domain(&a, &prefix, false)).await.map_err(err)?;
    ensure!(s.insert_domain(&domain(&b, &prefix, false)).await == Err(StoreError::Conflict("domain".into())));
    // One prefix and one custom domain per pool.
    let second = format!("{prefix}-2");
    ensure!(s.insert_domain(&domain(&a, &second, false)).await == Err(StoreError::Conflict("domain".into())));
    s.insert_domain(&domain(&a, &host, true)).await.map_err(err)?;
    let of_pool = s.domains_of_pool(&a).await.map_err(err)?;
    ensure!(of_pool.iter().map(|d| d.custom).collect::<Vec<_>>() == [false, true]);
    let mut changed = domain(&a, &host, true);
    changed.config = r#"{"v":2}"#.into();
    ensure!(s.update_domain(&changed).await.map_err(err)?);
    ensure!(s.get_domain(&host).await.map_err(err)? == Some(changed));
    // Only the owning pool can delete or change it.
    ensure!(!s.delete_domain(&b, &prefix).await.map_err(err)?);
    ensure!(!s.update_domain(&domain(&b, &prefix, false)).await.map_err(err)?);
    ensure!(s.delete_domain(&a, &prefix).await.map_err(err)?);
    s.insert_domain(&domain(&b, &prefix, false)).await.map_err(err)?;
    ensure!(s.get_domain(&prefix).await.map_err(err)?.map(|d| d.pool_id) == Some(b));
    Ok(())
}

async fn brandings_one_per_client(s: &dyn Store, p: String) -> Result<(), String> {
    let id = format!("{p}_br");
    s.insert_branding(&branding(&id, &format!("{p}-b1"), "c1")).await.map_err(err)?;
    let second = s.insert_branding(&branding(&id, &format!("{p}-b2"), "c1")).await;
    ensure!(second == Err(StoreError::Conflict("branding".into())));
    s.insert_branding(&branding(&id, &format!("{p}-b2"), "c2")).await.map_err(err)?;
    ensure!(s.get_branding_by_client(&id, "c2").await.map_err(err)?.map(|b| b.id) == Some(format!("{p}-b2")));
    ensure!(s.get_branding(&format!("{p}_other"), &format!("{p}-b1")).await.map_err(err)?.is_none());
    let mut changed = branding(&id, &format!("{p}-b1"), "c1");
    changed.config = r#"{"x":1}"#.into();
    ensure!(s.update_branding(&changed).await.map_err(err)?);
    ensure!(s.get_branding(&id, &changed.id).await.map_err(err)? == Some(changed.clone()));
    ensure!(s.delete_branding(&id, &changed.id).await.map_err(err)?);
    ensure!(!s.update_branding(&changed).await.map_err(err)?);
    ensure!(s.get_branding_by_client(&id, "c1").await.map_err(err)?.is_none());
    Ok(())
}

async fn pool_documents_upsert(s: &dyn Store, p: String) -> Result<(), String> {
    let id = format!("{p}_pd");
    s.put_pool_doc(&pool_doc(&id, "ui", "ALL", "{}", 1)).await.map_err(err)?;
    s.put_pool_doc(&pool_doc(&id, "ui", "ALL", r#"{"css":"x"}"#, 5)).await.map_err(err)?;
    let got = s.get_pool_doc(&id, "ui", "ALL").await.map_err(err)?.ok_or("missing")?;
    ensure!(got.doc == r#"{"css":"x"}"# && got.created_ms == 1 && got.updated_ms == 5);
    ensure!(s.get_pool_doc(&id, "session", "ALL").await.map_err(err)?.is_none());
    ensure!(s.delete_pool_doc(&id, "ui", "ALL").await.map_err(err)?);
    ensure!(!s.delete_pool_doc(&id, "ui", "ALL").await.map_err(err)?);
    Ok(())
}

async fn pool_documents_insert_and_list(s: &dyn Store, p: String) -> Result<(), String> {
    let id = format!("{p}_pl");
    for name in ["b", "a", "c"] {
        s.insert_pool_doc(&pool_doc(&id, "idp", name, "{}", 1)).await.map_err(err)?;
    }
    s.put_pool_doc(&pool_doc(&id, "ui", "a0", "{}", 1)).await.map_err(err)?;
    match s.insert_pool_doc(&pool_doc(&id, "idp", "a", "{}", 2)).await {
        Err(StoreError::Conflict(what)) if what == "pool_doc" => {}
        other => return Err(format!("duplicate insert: {other:?}")),
    }
    let names = |docs: Vec<PoolDocRecord>| docs.into_iter().map(|d| d.name).collect::<Vec<_>>();
    ensure!(names(s.list_pool_docs(&id, "idp", None, 2).await.map_err(err)?) == ["a", "b"]);
    ensure!(names(s.list_pool_docs(&id, "idp", Some("b"), 60).await.map_err(err)?) == ["c"]);
    ensure!(s.get_pool_doc(&id, "idp", "a").await.map_err(err)?.is_some_and(|d| d.created_ms == 1));
    Ok(())
}

async fn pool_documents_apply_and_delete_all(s: &dyn Store, p: String) -> Result<(), String> {
    let id = format!("{p}_pa");
    s.insert_pool_doc(&pool_doc(&id, "login", "x", "old", 1)).await.map_err(err)?;
    s.insert_pool_doc(&pool_doc(&id, "identity", "i1", "{}", 1)).await.map_err(err)?;
    // An insert that finds its document taken writes nothing at all.
    let taken = DocWrites {
        inserts: vec![pool_doc(&id, "login", "z", "new", 2), pool_doc(&id, "login", "x", "new", 2)],
        puts: vec![pool_doc(&id, "login", "y", "new", 2)],
        deletes: vec![(&id, "identity", "i1")],
        ..Default::default()
    };
    match s.write_pool_docs(&taken).await {
        Err(StoreError::Conflict(what)) if what == "pool_doc" => {}
        other => return Err(format!("insert over an existing document: {other:?}")),
    }
    ensure!(s.get_pool_doc(&id, "login", "z").await.map_err(err)?.is_none());
    ensure!(s.get_pool_doc(&id, "login", "y").await.map_err(err)?.is_none());
    ensure!(s.get_pool_doc(&id, "identity", "i1").await.map_err(err)?.is_some());
    // A write that read a document which has changed since writes nothing.
    let expect = |doc: Option<&str>| DocExpect {
        pool_id: id.clone(),
        kind: "identity".into(),
        name: "i1".into(),
        doc: doc.map(String::from),
    };
    let stale = DocWrites {
        puts: vec![pool_doc(&id, "login", "y", "new", 2)],
        expect: vec![expect(Some("{\"changed\":1}"))],
        ..Default::default()
    };
    match s.write_pool_docs(&stale).await {
        Err(StoreError::Conflict(what)) if what == "stale" => {}
        other => return Err(format!("write over a changed document: {other:?}")),
    }
    ensure!(s.get_pool_doc(&id, "login", "y").await.map_err(err)?.is_none());
    let writes = DocWrites {
        inserts: vec![pool_doc(&id, "login", "y", "new", 2)],
        puts: vec![pool_doc(&id, "login", "x", "new", 2)],
        deletes: vec![(&id, "identity", "i1")],
        expect: vec![expect(Some("{}")), DocExpect { name: "absent".into(), doc: None, ..expect(None) }],
    };
    s.write_pool_docs(&writes).await.map_err(err)?;
    let x = s.get_pool_doc(&id, "login", "x").await.map_err(err)?.ok_or("x missing")?;
    ensure!(x.doc == "new" && x.created_ms == 1 && x.updated_ms == 2);
    ensure!(s.get_pool_doc(&id, "login", "y").await.map_err(err)?.is_some());
    ensure!(s.get_pool_doc(&id, "identity", "i1").await.map_err(err)?.is_none());
    ensure!(s.delete_all_pool_docs(&id).await.map_err(err)? == 2);
    ensure!(s.list_pool_docs(&id, "login", None, 10).await.map_err(err)?.is_empty());
    Ok(())
}

async fn oauth_config_goes_with_pool_and_client(s: &dyn Store, p: String) -> Result<(), String> {
    let id = format!("{p}_oc");
    let client_id = format!("{p}-oc-client");
    s.insert_pool(&pool(&id)).await.map_err(err)?;
    let client = ClientRecord {
        pool_id: id.clone(),
        client_id: client_id.clone(),
        name: "c".into(),
        created_ms: 1,
        updated_ms: 1,
        config: "{}".into(),
        version: 1,
    };
    s.insert_client(&client).await.map_err(err)?;
    s.insert_branding(&branding(&id, &format!("{p}-ocb"), &client_id)).await.map_err(err)?;
    s.put_pool_doc(&pool_doc(&id, "ui", &client_id, "{}", 1)).await.map_err(err)?;
    s.put_pool_doc(&pool_doc(&id, "ui", "ALL", "{}", 1)).await.map_err(err)?;
    s.insert_pool_doc(&pool_doc(&id, "idp", &client_id, "{}", 1)).await.map_err(err)?;
    ensure!(s.delete_client(&id, &client_id).await.map_err(err)?);
    ensure!(s.get_pool_doc(&id, "idp", &client_id).await.map_err(err)?.is_some());
    ensure!(s.get_branding_by_client(&id, &client_id).await.map_err(err)?.is_none());
    ensure!(s.get_pool_doc(&id, "ui", &client_id).await.map_err(err)?.is_none());
    ensure!(s.get_pool_doc(&id, "ui", "ALL").await.map_err(err)?.is_some());
    let prefix = format!("{}-oc", p.to_lowercase());
    s.insert_resource_server(&resource_server(&id, "https://api")).await.map_err(err)?;
    s.insert_domain(&domain(&id, &prefix, false)).await.map_err(err)?;
    ensure!(s.delete_pool(&id).await.map_err(err)?);
    ensure!(s.get_domain(&prefix).await.map_err(err)?.is_none());
    ensure!(s.list_resource_servers(&id, None, 10).await.map_err(err)?.is_empty());
    ensure!(s.get_pool_doc(&id, "ui", "ALL").await.map_err(err)?.is_none());
    Ok(())
}
