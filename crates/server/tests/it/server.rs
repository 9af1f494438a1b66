//! The assembled server over HTTP: health, request ids, SigV4 with a clock the test moves,
//! and persistence across a restart.

use crate::common::*;
use cognate_crypto::sigv4::sign_headers;
use serde_json::{Value, json};

struct Call<'a> {
    base: &'a str,
    target: &'a str,
    body: Value,
}

impl Call<'_> {
    async fn send(&self, signed_at: Option<chrono::DateTime<chrono::Utc>>) -> (u16, reqwest::header::HeaderMap, Value) {
        let body = self.body.to_string();
        let host = self.base.trim_start_matches("http://");
        let target = format!("AWSCognitoIdentityProviderService.{}", self.target);
        let base_headers =
            [("host", host), ("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target.as_str())];
        let mut req = reqwest::Client::new().post(format!("{}/", self.base)).body(body.clone());
        for (k, v) in base_headers.iter().skip(1) {
            req = req.header(*k, *v);
        }
        if let Some(t) = signed_at {
            for (k, v) in sign_headers(
                "POST",
                "/",
                "",
                &base_headers,
                body.as_bytes(),
                ADMIN_ID,
                ADMIN_SECRET,
                "us-east-1",
                "cognito-idp",
                t,
            ) {
                req = req.header(k, v);
            }
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn health_and_request_ids() {
    let dir = ScratchDir::new("health");
    let clock = manual_clock();
    let running = cognate_server::start(config(&dir), clock).await.unwrap();
    let resp = reqwest::get(format!("http://{}/health", running.addr)).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-amzn-requestid"].to_str().unwrap().len(), 36);
    running.shutdown().await.unwrap();
}

/// The server judges signature age by its own clock: moving it 16 minutes ahead makes a
/// fresh signature stale, with no sleeping.
#[tokio::test]
async fn signatures_expire_by_the_server_clock() {
    let dir = ScratchDir::new("clock");
    let clock = manual_clock();
    let running = cognate_server::start(config(&dir), clock.clone()).await.unwrap();
    let base = format!("http://{}", running.addr);
    let call = Call { base: &base, target: "ListUserPools", body: json!({"MaxResults": 10}) };
    let (status, _, body) = call.send(Some(at(&clock))).await;
    assert_eq!(status, 200, "{body}");
    let signed = at(&clock);
    clock.advance_seconds(16 * 60);
    let (status, headers, body) = call.send(Some(signed)).await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidSignatureException");
    assert!(body["message"].as_str().unwrap().starts_with("Signature expired"), "{body}");
    assert_eq!(headers["x-amzn-errortype"], "InvalidSignatureException:");
    let (_, _, body) = call.send(None).await;
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");
    running.shutdown().await.unwrap();
}

/// A restart on the same data directory keeps pools and users, and reuses the master key.
#[tokio::test]
async fn restart_keeps_everything() {
    let dir = ScratchDir::new("restart");
    let clock = manual_clock();
    let running = cognate_server::start(config(&dir), clock.clone()).await.unwrap();
    let base = format!("http://{}", running.addr);
    let create = Call { base: &base, target: "CreateUserPool", body: json!({"PoolName": "kept"}) };
    let (_, _, created) = create.send(Some(at(&clock))).await;
    let pool_id = created["UserPool"]["Id"].as_str().unwrap().to_owned();
    let user = json!({"UserPoolId": pool_id, "Username": "ann", "MessageAction": "SUPPRESS", "TemporaryPassword": "Passw0rd!"});
    let (status, _, _) = Call { base: &base, target: "AdminCreateUser", body: user }.send(Some(at(&clock))).await;
    assert_eq!(status, 200);
    running.shutdown().await.unwrap();

    let running = cognate_server::start(config(&dir), clock.clone()).await.unwrap();
    let base = format!("http://{}", running.addr);
    let get = json!({"UserPoolId": pool_id, "Username": "ann"});
    let (status, _, got) = Call { base: &base, target: "AdminGetUser", body: get }.send(Some(at(&clock))).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["UserStatus"], "FORCE_CHANGE_PASSWORD");
    running.shutdown().await.unwrap();
}

/// A different master key cannot open secrets sealed with the first one, so the server
/// refuses to start instead of failing on every secret later.
#[tokio::test]
async fn wrong_master_key_is_refused() {
    let dir = ScratchDir::new("key");
    let clock = manual_clock();
    cognate_server::start(config(&dir), clock.clone()).await.unwrap().shutdown().await.unwrap();
    std::fs::write(dir.0.join("master.key"), cognate_crypto::MasterKey::generate_base64()).unwrap();
    let err = cognate_server::start(config(&dir), clock).await.err().expect("start must fail");
    assert!(err.to_string().contains("master key does not match"), "{err}");
}

/// Expired challenge sessions, refresh tokens and token families are deleted, and nothing
/// that can still be used is: a sign-in's family and refresh token stay for their 30 days
/// and a day more (an access token may outlive its refresh token by up to a day).
#[tokio::test]
async fn expired_sessions_and_tokens_are_purged() {
    let dir = ScratchDir::new("purge");
    let clock = manual_clock();
    let running = cognate_server::start(config(&dir), clock.clone()).await.unwrap();
    let base = format!("http://{}", running.addr);
    let admin = |target, body| Call { base: &base, target, body };
    let (_, _, created) = admin("CreateUserPool", json!({"PoolName": "purge"})).send(Some(at(&clock))).await;
    let pool_id = created["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = json!({"UserPoolId": pool_id, "ClientName": "app",
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]});
    let (_, _, client) = admin("CreateUserPoolClient", client).send(Some(at(&clock))).await;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned();
    for (name, permanent) in [("ann", true), ("bob", false)] {
        let user = json!({"UserPoolId": pool_id, "Username": name, "MessageAction": "SUPPRESS"});
        let (status, _, _) = admin("AdminCreateUser", user).send(Some(at(&clock))).await;
        assert_eq!(status, 200);
        let password =
            json!({"UserPoolId": pool_id, "Username": name, "Password": "Passw0rd!", "Permanent": permanent});
        let (status, _, _) = admin("AdminSetUserPassword", password).send(Some(at(&clock))).await;
        assert_eq!(status, 200);
    }
    let sign_in = |name: &str| {
        let body = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
            "AuthParameters": {"USERNAME": name, "PASSWORD": "Passw0rd!"}});
        Call { base: &base, target: "InitiateAuth", body }
    };
    // ann gets tokens (a family and a refresh token); bob a NEW_PASSWORD_REQUIRED session.
    let (status, _, tokens) = sign_in("ann").send(None).await;
    assert_eq!(status, 200, "{tokens}");
    let (status, _, challenge) = sign_in("bob").send(None).await;
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED", "{status} {challenge}");
    assert_eq!(running.idp.purge_expired().await.unwrap(), 0);

    // The session (3 minutes by default) expires; the tokens are kept.
    clock.advance_seconds(10 * 60);
    assert_eq!(running.idp.purge_expired().await.unwrap(), 1);
    let refresh = json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client_id,
        "AuthParameters": {"REFRESH_TOKEN": tokens["AuthenticationResult"]["RefreshToken"]}});
    let (status, _, body) = Call { base: &base, target: "InitiateAuth", body: refresh.clone() }.send(None).await;
    assert_eq!(status, 200, "{body}");

    // Past the refresh token's 30 days, but within the day of grace: still kept.
    clock.advance_seconds(30 * 86_400);
    assert_eq!(running.idp.purge_expired().await.unwrap(), 0);
    clock.advance_seconds(86_400);
    assert_eq!(running.idp.purge_expired().await.unwrap(), 2, "the refresh token and its family");
    assert_eq!(running.idp.purge_expired().await.unwrap(), 0);
    let (status, _, body) = Call { base: &base, target: "InitiateAuth", body: refresh }.send(None).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("NotAuthorizedException")), "{body}");
    running.shutdown().await.unwrap();
}
