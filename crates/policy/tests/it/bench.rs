//! Throughput of the per-user-folder identity-pool policy (ignored by default; run with
//! `cargo test -p cognate-policy --release -- --ignored --nocapture decisions_per_second`).

use std::time::Instant;

use crate::*;

const PER_USER_FOLDER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::my-bucket/${cognito-identity.amazonaws.com:sub}/*"]},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::my-bucket","Condition":{"StringLike":{"s3:prefix":["${cognito-identity.amazonaws.com:sub}/*"]}}}]}"#;

#[test]
#[ignore = "benchmark; run in release with --ignored"]
fn decisions_per_second() {
    let policy = [Policy::parse(PER_USER_FOLDER).unwrap()];
    let sub = "us-east-1:5f1c2b9e-0d4a-4c1e-9f7a-2b6d8e3c1a90";
    let context: &[(&str, &[&str])] = &[("cognito-identity.amazonaws.com:sub", &[sub])];
    let requests = [
        (req("s3:GetObject", &format!("arn:aws:s3:::my-bucket/{sub}/photos/cat.jpg"), context), ALLOW),
        (req("s3:PutObject", "arn:aws:s3:::my-bucket/us-east-1:someone-else/x", context), IMPLICIT),
        (
            req("s3:ListBucket", "arn:aws:s3:::my-bucket", &[context[0], ("s3:prefix", &[&format!("{sub}/photos/")])]),
            ALLOW,
        ),
        (req("s3:DeleteObject", &format!("arn:aws:s3:::my-bucket/{sub}/x"), context), IMPLICIT),
    ];
    let rounds = 250_000;
    let start = Instant::now();
    for _ in 0..rounds {
        for (request, expected) in &requests {
            assert_eq!(evaluate(&policy, None, std::hint::black_box(request)).outcome(), *expected);
        }
    }
    let decisions = rounds * requests.len();
    let per_second = decisions as f64 / start.elapsed().as_secs_f64();
    println!("{decisions} decisions in {:?}: {per_second:.0} decisions/s", start.elapsed());
}
