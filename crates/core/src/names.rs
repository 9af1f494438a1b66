//! Resource names and identifiers in Cognito's formats (pool ids, ARNs, SRP pool names).

/// `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`.
pub fn user_pool_arn(region: &str, account: &str, pool_id: &str) -> String {
    format!("arn:aws:cognito-idp:{region}:{account}:userpool/{pool_id}")
}

/// Parses a user-pool ARN back into its pool id.
pub fn pool_id_from_arn(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws:cognito-idp:")?;
    let (_, id) = rest.split_once(":userpool/")?;
    (!id.is_empty()).then_some(id)
}

/// The region a pool id names: the text before the first `_`.
pub fn region_of_pool(pool_id: &str) -> Option<&str> {
    pool_id.split_once('_').map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_round_trip() {
        let arn = user_pool_arn("us-east-1", "123456789012", "us-east-1_AbC");
        assert_eq!(arn, "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC");
        assert_eq!(pool_id_from_arn(&arn), Some("us-east-1_AbC"));
        assert_eq!(pool_id_from_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(region_of_pool("eu-west-1_x"), Some("eu-west-1"));
    }
}
