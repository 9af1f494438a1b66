//! Trust policies: the Principal element and identity-pool web identity trust.

use cognate_policy::{PrincipalKind, RequestPrincipal, evaluate_trust, evaluate_web_identity_trust};

use crate::*;

const POOL: &str = "us-east-1:12345678-1234-1234-1234-123456789012";

fn cognito_trust(amr: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
        "Principal":{{"Federated":"cognito-identity.amazonaws.com"}},
        "Action":"sts:AssumeRoleWithWebIdentity",
        "Condition":{{"StringEquals":{{"cognito-identity.amazonaws.com:aud":"{POOL}"}},
        "ForAnyValue:StringLike":{{"cognito-identity.amazonaws.com:amr":"{amr}"}}}}}}]}}"#
    )
}

fn amr(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

// id_roles_providers_oidc_cognito.html / role-trust-and-permissions: the trust policy names
// principal {"Federated": "cognito-identity.amazonaws.com"}, action
// sts:AssumeRoleWithWebIdentity, checks the pool in :aud and authenticated/unauthenticated in
// the multi-valued :amr with ForAnyValue:StringLike.
#[test]
fn identity_pool_trust() {
    let authed = Policy::parse(&cognito_trust("authenticated")).unwrap();
    let guest = Policy::parse(&cognito_trust("unauthenticated")).unwrap();
    let signed_in = amr(&[
        "authenticated",
        "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab",
        "cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab:CognitoSignIn:s",
    ]);
    let cases: &[(&Policy, &str, Vec<String>, Outcome)] = &[
        (&authed, POOL, signed_in.clone(), ALLOW),
        (&authed, POOL, amr(&["unauthenticated"]), IMPLICIT),
        (&authed, "us-east-1:00000000-0000-0000-0000-000000000000", signed_in.clone(), IMPLICIT),
        (&authed, POOL, amr(&[]), IMPLICIT),
        (&guest, POOL, amr(&["unauthenticated"]), ALLOW),
        (&guest, POOL, signed_in.clone(), IMPLICIT),
    ];
    for (policy, pool, values, expected) in cases {
        assert_eq!(evaluate_web_identity_trust(policy, pool, "us-east-1:id", values).outcome(), *expected);
    }
    // Another provider, action or principal kind is not trusted.
    let trust = Policy::parse(&cognito_trust("authenticated")).unwrap();
    let mut request = req(
        "sts:AssumeRoleWithWebIdentity",
        "",
        &[("cognito-identity.amazonaws.com:aud", &[POOL]), ("cognito-identity.amazonaws.com:amr", &["authenticated"])],
    );
    let mut with = |principal: Option<RequestPrincipal>, action: &str, expected: Outcome| {
        request.principal = principal;
        request.action = action.to_owned();
        assert_eq!(evaluate_trust(&trust, &request).outcome(), expected, "{action} {:?}", request.principal);
    };
    with(Some(RequestPrincipal::cognito_identity()), "sts:AssumeRoleWithWebIdentity", ALLOW);
    with(Some(RequestPrincipal::cognito_identity()), "sts:assumerolewithwebidentity", ALLOW);
    with(
        Some(RequestPrincipal::new(PrincipalKind::Federated, "Cognito-Identity.amazonaws.com")),
        "sts:AssumeRoleWithWebIdentity",
        ALLOW,
    );
    with(Some(RequestPrincipal::cognito_identity()), "sts:AssumeRole", IMPLICIT);
    with(
        Some(RequestPrincipal::new(PrincipalKind::Federated, "accounts.google.com")),
        "sts:AssumeRoleWithWebIdentity",
        IMPLICIT,
    );
    with(
        Some(RequestPrincipal::new(PrincipalKind::Service, "cognito-identity.amazonaws.com")),
        "sts:AssumeRoleWithWebIdentity",
        IMPLICIT,
    );
    with(None, "sts:AssumeRoleWithWebIdentity", IMPLICIT);
}

fn trust(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}}}"#
    )
}

// reference_policies_elements_principal.html: "*" is everyone; an account id and its
// arn:aws:iam::<id>:root ARN behave the same and delegate to the whole account; lists are OR'ed;
// user names in ARNs are case sensitive; NotPrincipal applies to everyone not listed.
#[test]
fn principal_element() {
    use PrincipalKind::{Aws, Federated, Service};
    let who = |kind, id: &str| Some(RequestPrincipal::new(kind, id));
    let cases: &[(&str, Option<RequestPrincipal>, Outcome)] = &[
        (r#""*""#, who(Aws, "arn:aws:iam::111122223333:user/a"), ALLOW),
        (r#""*""#, None, ALLOW),
        (r#"{"AWS":"*"}"#, who(Aws, "arn:aws:iam::111122223333:user/a"), ALLOW),
        (r#"{"AWS":"*"}"#, who(Service, "lambda.amazonaws.com"), IMPLICIT),
        (r#"{"AWS":"123456789012"}"#, who(Aws, "arn:aws:iam::123456789012:role/r"), ALLOW),
        (r#"{"AWS":"123456789012"}"#, who(Aws, "arn:aws:sts::123456789012:assumed-role/r/s"), ALLOW),
        (r#"{"AWS":"123456789012"}"#, who(Aws, "123456789012"), ALLOW),
        (r#"{"AWS":"123456789012"}"#, who(Aws, "arn:aws:iam::999999999999:role/r"), IMPLICIT),
        (r#"{"AWS":"arn:aws:iam::123456789012:root"}"#, who(Aws, "arn:aws:iam::123456789012:user/u"), ALLOW),
        (r#"{"AWS":"arn:aws:iam::123456789012:root"}"#, who(Aws, "123456789012"), ALLOW),
        (
            r#"{"AWS":["arn:aws:iam::123456789012:root","555555555555"]}"#,
            who(Aws, "arn:aws:iam::555555555555:user/u"),
            ALLOW,
        ),
        (r#"{"AWS":"arn:aws:iam::123456789012:user/Bob"}"#, who(Aws, "arn:aws:iam::123456789012:user/Bob"), ALLOW),
        (r#"{"AWS":"arn:aws:iam::123456789012:user/Bob"}"#, who(Aws, "arn:aws:iam::123456789012:user/bob"), IMPLICIT),
        (r#"{"AWS":"arn:aws:iam::123456789012:user/Bob"}"#, who(Aws, "arn:aws:iam::123456789012:user/Alice"), IMPLICIT),
        (r#"{"Service":"lambda.amazonaws.com"}"#, who(Service, "lambda.amazonaws.com"), ALLOW),
        (r#"{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]}"#, who(Service, "lambda.amazonaws.com"), ALLOW),
        (r#"{"Service":"lambda.amazonaws.com"}"#, who(Service, "ec2.amazonaws.com"), IMPLICIT),
        (r#"{"Federated":"accounts.google.com"}"#, who(Federated, "accounts.google.com"), ALLOW),
        (
            r#"{"Federated":"arn:aws:iam::123456789012:saml-provider/idp"}"#,
            who(Federated, "arn:aws:iam::123456789012:saml-provider/idp"),
            ALLOW,
        ),
        (
            r#"{"Federated":"graph.facebook.com","Service":"ec2.amazonaws.com"}"#,
            who(Service, "ec2.amazonaws.com"),
            ALLOW,
        ),
        (r#"{"AWS":"123456789012"}"#, None, IMPLICIT),
    ];
    for (principal, who, expected) in cases {
        let mut request = req("sts:AssumeRole", "", &[]);
        request.principal = who.clone();
        check(&trust(principal), &request, *expected);
    }
    let not = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},
        {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/Admin"},"Action":"s3:*","Resource":"*"}]}"#;
    let mut request = req("s3:GetObject", "arn:aws:s3:::b/k", &[]);
    request.principal = who(Aws, "arn:aws:iam::123456789012:user/Admin");
    check(not, &request, ALLOW);
    request.principal = who(Aws, "arn:aws:iam::123456789012:user/Other");
    check(not, &request, DENY);
}
