//! Tidy checks that keep the architecture honest: every module says what it holds, crate
//! dependencies point one way, SQL and HTTP stay in their crates, unsafe code stays in its one
//! module, and both stores carry the same migrations.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_opens_with_a_doc_line() {
    let mut files = Vec::new();
    for krate in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let dir = krate.unwrap().path();
        for sub in ["src", "tests"] {
            if dir.join(sub).exists() {
                rust_files(&dir.join(sub), &mut files);
            }
        }
    }
    let missing: Vec<_> = files
        .iter()
        .filter(|f| !std::fs::read_to_string(f).unwrap().trim_start().starts_with("//!"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(missing.is_empty(), "modules without a `//!` line:\n{}", missing.join("\n"));
}

/// The workspace denies `unsafe`; only the aws-lc exponentiation wrapper may allow it.
#[test]
fn unsafe_code_stays_in_one_module() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    let allowed = workspace().join("crates/crypto/src/bn.rs");
    let offenders: Vec<_> = files
        .iter()
        .filter(|f| **f != allowed && std::fs::read_to_string(f).unwrap().contains(concat!("allow(", "unsafe_code)")))
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "unsafe code outside crates/crypto/src/bn.rs:
{}",
        offenders.join("\n")
    );
}

/// `[dependencies]` of a crate manifest (not dev-dependencies), by package name.
fn dependencies(krate: &str) -> Vec<String> {
    let text = std::fs::read_to_string(workspace().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut deps = Vec::new();
    for line in text.lines() {
        if line.starts_with('[') {
            in_deps = line.trim() == "[dependencies]";
        } else if in_deps && let Some((name, _)) = line.split_once(['.', '=']) {
            deps.push(name.trim().to_owned());
        }
    }
    deps
}

#[test]
fn dependencies_point_one_way() {
    let allowed: &[(&str, &[&str])] = &[
        ("core", &[]),
        ("wire", &[]),
        ("policy", &[]),
        ("s3-gateway", &[]),
        ("crypto", &["cognate-core"]),
        ("store", &["cognate-core"]),
        ("store-sql", &["cognate-core", "cognate-store"]),
        ("idp", &["cognate-core", "cognate-wire", "cognate-crypto", "cognate-store"]),
        ("federation", &["cognate-core", "cognate-wire", "cognate-crypto", "cognate-store", "cognate-idp"]),
        ("saml", &["cognate-federation"]),
        (
            "identity",
            &[
                "cognate-core",
                "cognate-wire",
                "cognate-crypto",
                "cognate-store",
                "cognate-idp",
                "cognate-policy",
                "cognate-federation",
            ],
        ),
        (
            "oauth",
            &["cognate-core", "cognate-wire", "cognate-crypto", "cognate-store", "cognate-idp", "cognate-federation"],
        ),
        (
            "api",
            &[
                "cognate-core",
                "cognate-wire",
                "cognate-crypto",
                "cognate-idp",
                "cognate-oauth",
                "cognate-federation",
                "cognate-identity",
            ],
        ),
        ("web", &["cognate-core", "cognate-crypto", "cognate-idp", "cognate-oauth"]),
        ("delivery", &["cognate-core", "cognate-crypto", "cognate-idp", "cognate-federation"]),
    ];
    for (krate, ok) in allowed {
        for dep in dependencies(krate).iter().filter(|d| d.starts_with("cognate")) {
            assert!(ok.contains(&dep.as_str()), "cognate-{krate} must not depend on {dep}");
        }
    }
}

#[test]
fn sql_and_http_stay_in_their_crates() {
    for krate in [
        "core",
        "wire",
        "crypto",
        "policy",
        "store",
        "idp",
        "federation",
        "saml",
        "identity",
        "s3-gateway",
        "oauth",
        "api",
        "web",
    ] {
        assert!(
            !dependencies(krate).contains(&"sqlx".to_owned()),
            "only store-sql knows SQL, but {krate} depends on sqlx"
        );
    }
    for krate in [
        "core",
        "wire",
        "crypto",
        "policy",
        "store",
        "store-sql",
        "idp",
        "federation",
        "saml",
        "identity",
        "s3-gateway",
        "oauth",
    ] {
        let deps = dependencies(krate);
        for http in ["axum", "tower-http", "http", "reqwest"] {
            assert!(
                !deps.contains(&http.to_owned()),
                "only api, web and server know HTTP, but {krate} depends on {http}"
            );
        }
    }
}

#[test]
fn both_stores_have_the_same_migrations() {
    let names = |backend: &str| {
        let mut v: Vec<String> = std::fs::read_dir(workspace().join("crates/store-sql/migrations").join(backend))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}
