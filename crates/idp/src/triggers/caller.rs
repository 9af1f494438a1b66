//! Who made the current request, as trigger events report it: the SDK (from its user agent),
//! the app client and the request's ClientMetadata. The API layer sets it around each
//! operation; the domain reads it only to fill `callerContext` and `clientMetadata`.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// `aws-sdk-<name>-<version>`, or `aws-sdk-unknown-unknown`.
    pub sdk_version: String,
    pub client_id: Option<String>,
    pub client_metadata: BTreeMap<String, String>,
    /// The request carried a valid SigV4 signature of the administrator's credentials (the
    /// operations that accept a client secret instead need none).
    pub iam_authenticated: bool,
}

impl Caller {
    /// `Boto3/1.43.11 md/Botocore#1.43.11 …` → `aws-sdk-boto3-1.43.11`; SDK v3 for
    /// JavaScript sends `aws-sdk-js/3.x …` → `aws-sdk-js-3.x`.
    pub fn sdk_from_user_agent(user_agent: &str) -> String {
        let first = user_agent.split_whitespace().next().unwrap_or_default();
        match first.split_once('/') {
            Some((name, version)) if !name.is_empty() && !version.is_empty() => {
                let name = name.to_ascii_lowercase();
                let name = name.strip_prefix("aws-sdk-").unwrap_or(&name);
                format!("aws-sdk-{name}-{version}")
            }
            _ => "aws-sdk-unknown-unknown".into(),
        }
    }
}

tokio::task_local! {
    static CALLER: Caller;
}

/// Runs `f` with `caller` as the current request's caller.
pub async fn with_caller<F: Future>(caller: Caller, f: F) -> F::Output {
    CALLER.scope(caller, f).await
}

/// Whether the current request was signed with the administrator's credentials.
pub fn iam_authenticated() -> bool {
    CALLER.try_with(|c| c.iam_authenticated).unwrap_or(false)
}

pub(crate) fn current() -> Caller {
    CALLER
        .try_with(Clone::clone)
        .unwrap_or_else(|_| Caller { sdk_version: "aws-sdk-unknown-unknown".into(), ..Default::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_versions() {
        assert_eq!(Caller::sdk_from_user_agent("Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1"), "aws-sdk-boto3-1.43.11");
        assert_eq!(Caller::sdk_from_user_agent("aws-sdk-js/3.700.0 ua/2.1"), "aws-sdk-js-3.700.0");
        assert_eq!(Caller::sdk_from_user_agent(""), "aws-sdk-unknown-unknown");
        assert_eq!(Caller::sdk_from_user_agent("curl"), "aws-sdk-unknown-unknown");
    }
}
