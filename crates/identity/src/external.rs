//! Delegation to an external STS (`--external-sts-endpoint`): GetCredentialsForIdentity
//! sends the identity's OpenID token to the STS's AssumeRoleWithWebIdentity (AWS with
//! Cognate's identity issuer registered as an OIDC provider, SeaweedFS, MinIO, Ceph RGW) and
//! returns what it answers.

use crate::credentials::TemporaryCredentials;
use crate::openid::Subject;
use crate::{Identity, IdentityError, IdentityResult};
use cognate_federation::UpstreamRequest;

/// The text of the first `<name>…</name>` in an STS answer, unescaped.
fn element<'a>(xml: &'a str, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    let text = &xml[start..end];
    if !text.contains('&') {
        return Some(std::borrow::Cow::Borrowed(text));
    }
    Some(std::borrow::Cow::Owned(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    ))
}

/// `2026-12-03T20:00:00Z` (with or without fractional seconds) → epoch seconds.
fn epoch(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.timestamp())
}

impl Identity {
    pub(crate) async fn external_credentials(
        &self,
        endpoint: &str,
        subject: &Subject,
        role_arn: &str,
        guest: bool,
    ) -> IdentityResult<TemporaryCredentials> {
        let token = self.sign_identity_token(subject, 600).await?;
        let mut form: Vec<(String, String)> = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", role_arn),
            ("RoleSessionName", "CognitoIdentityCredentials"),
            ("WebIdentityToken", token.as_str()),
            ("DurationSeconds", "3600"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        if guest {
            form.push(("Policy".into(), self.settings.guest_session_policy.clone()));
        }
        let request = UpstreamRequest { post: true, url: endpoint.to_owned(), form, bearer: None };
        let response = self
            .upstream
            .send(request)
            .await
            .map_err(|e| IdentityError::ExternalService(format!("The external STS could not be reached: {e}")))?;
        if response.body.first() == Some(&b'{') {
            return json_answer(response.status, &response.body);
        }
        let body = String::from_utf8_lossy(&response.body);
        if response.status != 200 {
            let code = element(&body, "Code").unwrap_or_default();
            let message = element(&body, "Message").unwrap_or_default();
            return Err(IdentityError::ExternalService(format!(
                "The external STS refused the identity ({}): {code} {message}",
                response.status
            )));
        }
        let field = |name: &str| {
            element(&body, name)
                .map(|t| t.trim().to_owned())
                .ok_or_else(|| IdentityError::ExternalService(format!("The external STS answered without {name}.")))
        };
        Ok(TemporaryCredentials {
            access_key_id: field("AccessKeyId")?,
            secret_access_key: field("SecretAccessKey")?,
            session_token: field("SessionToken")?,
            expiration: epoch(&field("Expiration")?).ok_or_else(|| {
                IdentityError::ExternalService("The external STS answered an unreadable Expiration.".into())
            })?,
        })
    }
}

/// An STS answer in JSON (AWS answers JSON to a client that accepts it):
/// `{"AssumeRoleWithWebIdentityResponse": {"AssumeRoleWithWebIdentityResult": {"Credentials":
/// {…, "Expiration": epoch seconds}}}}`, or `{"Error": {"Code", "Message"}}`.
fn json_answer(status: u16, body: &[u8]) -> IdentityResult<TemporaryCredentials> {
    let unreadable = || IdentityError::ExternalService("The external STS answered unreadable JSON.".into());
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| unreadable())?;
    if status != 200 {
        let error = value.get("Error").or_else(|| value.pointer("/ErrorResponse/Error"));
        let text = |k: &str| error.and_then(|e| e.get(k)).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        return Err(IdentityError::ExternalService(format!(
            "The external STS refused the identity ({status}): {} {}",
            text("Code"),
            text("Message")
        )));
    }
    let c = value
        .pointer("/AssumeRoleWithWebIdentityResponse/AssumeRoleWithWebIdentityResult/Credentials")
        .ok_or_else(unreadable)?;
    let text = |k: &str| c.get(k).and_then(|v| v.as_str()).map(String::from).ok_or_else(unreadable);
    let expiration = match c.get("Expiration") {
        Some(serde_json::Value::Number(n)) => n.as_f64().map(|f| f as i64),
        Some(serde_json::Value::String(s)) => epoch(s),
        _ => None,
    }
    .ok_or_else(unreadable)?;
    Ok(TemporaryCredentials {
        access_key_id: text("AccessKeyId")?,
        secret_access_key: text("SecretAccessKey")?,
        session_token: text("SessionToken")?,
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_json_answer() {
        let ok = br#"{"AssumeRoleWithWebIdentityResponse":{"AssumeRoleWithWebIdentityResult":{"Credentials":
            {"AccessKeyId":"ASIA1","SecretAccessKey":"s","SessionToken":"t","Expiration":1.7963e9}}}}"#;
        let c = json_answer(200, ok).unwrap();
        assert_eq!((c.access_key_id.as_str(), c.expiration), ("ASIA1", 1_796_300_000));
        let refused = br#"{"Error":{"Code":"AccessDenied","Message":"no"}}"#;
        assert!(json_answer(403, refused).unwrap_err().to_string().contains("AccessDenied no"));
        assert!(json_answer(200, b"{}").is_err());
    }

    #[test]
    fn reads_an_sts_answer() {
        let xml = "<R><Credentials><AccessKeyId>AK</AccessKeyId><SessionToken>a&amp;b</SessionToken>\
                   <Expiration>2026-12-03T20:00:00.5Z</Expiration></Credentials></R>";
        assert_eq!(element(xml, "AccessKeyId").as_deref(), Some("AK"));
        assert_eq!(element(xml, "SessionToken").as_deref(), Some("a&b"));
        assert_eq!(element(xml, "Missing"), None);
        assert_eq!(epoch("2026-12-03T20:00:00.5Z"), Some(1_796_328_000));
    }
}
