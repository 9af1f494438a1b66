//! An upstream ID token checked as OpenID Connect Core 3.1.3.7 requires: signature by one of
//! the provider's published keys (RS256 or ES256, the algorithm fixed by the key, never by
//! the token), `iss` equal to the provider's issuer, `aud` containing our client id (and
//! `azp` equal to it when there are several audiences), `exp` in the future and `iat` not in
//! it (with a minute of skew), and `nonce` equal to the one this sign-in sent.

use crate::jwks::{Key, PublicKey};
use serde_json::{Map, Value};

const SKEW_S: i64 = 60;

pub(crate) struct Expect<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: Option<&'a str>,
    pub now_s: i64,
}

/// The token's header key id, before anything is verified (to pick the key).
pub(crate) fn kid(token: &str) -> Result<Option<String>, String> {
    Ok(cognate_crypto::jws::parse(token).map_err(|_| "the ID token is malformed".to_string())?.kid)
}

pub(crate) fn verify(token: &str, keys: &[Key], expect: &Expect<'_>) -> Result<Map<String, Value>, String> {
    if token.len() > 65_536 {
        return Err("the ID token is too large".into());
    }
    let parsed = cognate_crypto::jws::parse(token).map_err(|_| "the ID token is malformed".to_string())?;
    let signed = keys.iter().any(|k| match &k.key {
        PublicKey::Rsa { n, e } => parsed.verify_rs256_key(n, e),
        PublicKey::P256 { x, y } => parsed.verify_es256_key(x, y),
    });
    if !signed {
        return Err("the ID token's signature does not verify with the provider's keys".into());
    }
    let claims: Map<String, Value> =
        serde_json::from_slice(&parsed.payload).map_err(|_| "the ID token's claims are malformed".to_string())?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_f64).map(|f| f as i64);
    if text("iss").map(|i| i.trim_end_matches('/')) != Some(expect.issuer.trim_end_matches('/')) {
        return Err("the ID token was issued by another issuer".into());
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expect.client_id) {
        return Err("the ID token is not meant for this client".into());
    }
    if audiences.len() > 1 && text("azp") != Some(expect.client_id) {
        return Err("the ID token's authorized party is another client".into());
    }
    match number("exp") {
        Some(exp) if exp + SKEW_S > expect.now_s => {}
        _ => return Err("the ID token has expired".into()),
    }
    if number("iat").is_some_and(|iat| iat > expect.now_s + SKEW_S) {
        return Err("the ID token was issued in the future".into());
    }
    if expect.nonce.is_some() && text("nonce") != expect.nonce {
        return Err("the ID token's nonce does not match this sign-in".into());
    }
    match text("sub") {
        Some(s) if !s.is_empty() && s.len() <= 255 => Ok(claims),
        _ => Err("the ID token has no subject".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
    use cognate_crypto::jws::{SigningKey, generate_rsa_pkcs8};
    use serde_json::json;

    fn key() -> (SigningKey, Key) {
        let signer = SigningKey::from_pkcs8("k1", &generate_rsa_pkcs8().unwrap()).unwrap();
        let jwk = signer.jwk();
        let public = PublicKey::Rsa { n: B64URL.decode(&jwk.n).unwrap(), e: B64URL.decode(&jwk.e).unwrap() };
        (signer, Key { kid: Some("k1".into()), key: public })
    }

    fn claims() -> Value {
        json!({"iss": "https://idp.test", "aud": "app", "sub": "u1", "exp": 2000, "iat": 1000, "nonce": "n1"})
    }

    fn expect() -> Expect<'static> {
        Expect { issuer: "https://idp.test", client_id: "app", nonce: Some("n1"), now_s: 1500 }
    }

    #[test]
    fn accepts_only_what_oidc_core_accepts() {
        let (signer, k) = key();
        let sign = |c: &Value| signer.sign_jwt(c.to_string().as_bytes()).unwrap();
        assert_eq!(verify(&sign(&claims()), std::slice::from_ref(&k), &expect()).unwrap()["sub"], "u1");

        let (_, other) = key();
        assert!(verify(&sign(&claims()), &[other], &expect()).unwrap_err().contains("signature"));
        let cases: [(&str, Value, &str); 7] = [
            ("iss", json!("https://evil.test"), "another issuer"),
            ("aud", json!("other"), "not meant"),
            ("aud", json!(["app", "other"]), "authorized party"),
            ("exp", json!(1400), "expired"),
            ("iat", json!(1700), "future"),
            ("nonce", json!("n2"), "nonce"),
            ("sub", json!(""), "no subject"),
        ];
        for (claim, value, why) in cases {
            let mut c = claims();
            c[claim] = value;
            let err = verify(&sign(&c), std::slice::from_ref(&k), &expect()).unwrap_err();
            assert!(err.contains(why), "{claim}: {err}");
        }
        let mut with_azp = claims();
        with_azp["aud"] = json!(["app", "other"]);
        with_azp["azp"] = json!("app");
        assert!(verify(&sign(&with_azp), std::slice::from_ref(&k), &expect()).is_ok());
    }

    #[test]
    fn unsigned_and_symmetric_forgeries_fail() {
        let (_, k) = key();
        let body = B64URL.encode(claims().to_string());
        for header in [r#"{"alg":"none"}"#, r#"{"alg":"HS256","kid":"k1"}"#] {
            let token = format!("{}.{body}.", B64URL.encode(header));
            assert!(verify(&token, std::slice::from_ref(&k), &expect()).is_err(), "{header}");
        }
        assert!(verify("not.a.token", &[k], &expect()).is_err());
    }
}
