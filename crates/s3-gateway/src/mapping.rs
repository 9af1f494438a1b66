//! Request → (action, resource ARN, condition context) mapping for the S3 operations the gateway
//! supports (issue 16), following the Service Authorization Reference's "Actions, resources, and
//! condition keys for Amazon S3" and its "API operations defined by Amazon S3" table
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>).

use std::collections::BTreeMap;

use percent_encoding::percent_decode;

/// Case-insensitive lookup of a request header (or a POST form field) by name. The mapping reads
/// one value per name: the gateway should refuse a request repeating a header the mapping reads
/// (`x-amz-copy-source`, `x-amz-acl`, …) rather than let the mapping and the backend see
/// different values.
pub trait HeaderLookup {
    /// The value of the header `name` (ASCII case-insensitive), if present.
    fn header(&self, name: &str) -> Option<&str>;
}

fn find<'a>(pairs: &'a [(&str, &str)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
}

impl HeaderLookup for &[(&str, &str)] {
    fn header(&self, name: &str) -> Option<&str> {
        find(self, name)
    }
}

impl<const N: usize> HeaderLookup for [(&str, &str); N] {
    fn header(&self, name: &str) -> Option<&str> {
        find(self, name)
    }
}

impl HeaderLookup for Vec<(&str, &str)> {
    fn header(&self, name: &str) -> Option<&str> {
        find(self, name)
    }
}

/// An HTTP request as the gateway received it, before any decoding.
#[derive(Clone, Copy)]
pub struct S3Request<'a> {
    /// HTTP method, upper case (`GET`, `PUT`, …).
    pub method: &'a str,
    /// The `Host` header (port allowed), if any.
    pub host: Option<&'a str>,
    /// The configured base domain for virtual-hosted-style requests (`s3.example.com`): a host
    /// `bucket.s3.example.com` names the bucket; any other host means path-style.
    pub base_domain: Option<&'a str>,
    /// The raw (percent-encoded) path, starting with `/`, without the query.
    pub path: &'a str,
    /// The raw query string without the `?` (empty when none).
    pub query: &'a str,
    /// The request headers.
    pub headers: &'a dyn HeaderLookup,
}

/// The S3 operation a request was recognised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    ListBuckets,
    ListObjects,
    ListObjectsV2,
    GetObject,
    HeadObject,
    PutObject,
    CopyObject,
    DeleteObject,
    CreateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    GetObjectTagging,
    PutObjectTagging,
    DeleteObjectTagging,
    PostObject,
}

/// One authorization check: an IAM action on a resource ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub action: &'static str,
    pub resource: String,
}

/// The source of a CopyObject or UploadPartCopy (`x-amz-copy-source`), decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopySource {
    pub bucket: String,
    pub key: String,
    pub version_id: Option<String>,
}

/// What a request must be authorized for. Every check — [`Mapped::action`] on
/// [`Mapped::resource`] and each of [`Mapped::also`] — must be allowed, all with [`Mapped::context`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapped {
    pub operation: Operation,
    /// The primary IAM action, e.g. `s3:GetObject`.
    pub action: &'static str,
    /// `*`, `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key` (key decoded).
    pub resource: String,
    pub bucket: Option<String>,
    /// The decoded object key (`None` for bucket and service operations).
    pub key: Option<String>,
    /// The S3 condition keys the request supplies, each with its values.
    pub context: Vec<(String, Vec<String>)>,
    /// Further checks the operation needs (a copy's `s3:GetObject` on its source, the
    /// `s3:PutObjectAcl` of an upload setting an ACL, …).
    pub also: Vec<Check>,
    /// The decoded copy source of CopyObject / UploadPartCopy.
    pub copy_source: Option<CopySource>,
}

impl Mapped {
    /// Every check, the primary first.
    pub fn checks(&self) -> impl Iterator<Item = (&'static str, &str)> {
        std::iter::once((self.action, self.resource.as_str()))
            .chain(self.also.iter().map(|c| (c.action, c.resource.as_str())))
    }

    /// The values of condition key `key`, if the request supplies it.
    pub fn context_value(&self, key: &str) -> Option<&[String]> {
        self.context.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_slice())
    }
}

/// A browser form upload (POST object) whose target key is in the multipart form body, which
/// the mapping cannot read. Complete it with the form's fields once parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingPostObject {
    pub bucket: String,
}

impl PendingPostObject {
    /// The mapping of the upload given the form's `key` field (after `${filename}`
    /// substitution, not percent-encoded) and the other form fields (case-insensitive names).
    pub fn complete(&self, key: &str, fields: &dyn HeaderLookup) -> Result<Mapped, Unmapped> {
        validate_key(key)?;
        let mut context = Vec::new();
        push(&mut context, "s3:authType", "POST");
        if let Some(alg) = fields.header("x-amz-algorithm") {
            push(&mut context, "s3:signatureversion", alg);
        }
        for (field, ckey) in HEADER_KEYS {
            if let Some(v) = fields.header(field) {
                push(&mut context, ckey, v);
            }
        }
        let resource = object_arn(&self.bucket, key);
        let mut also = Vec::new();
        if fields.header("acl").is_some() {
            also.push(Check { action: "s3:PutObjectAcl", resource: resource.clone() });
        }
        if fields.header("tagging").is_some() {
            also.push(Check { action: "s3:PutObjectTagging", resource: resource.clone() });
        }
        Ok(Mapped {
            operation: Operation::PostObject,
            action: "s3:PutObject",
            resource,
            bucket: Some(self.bucket.clone()),
            key: Some(key.to_owned()),
            context,
            also,
            copy_source: None,
        })
    }
}

/// Why a request is not mapped; the gateway denies it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unmapped {
    /// A well-formed request for an operation the gateway does not support.
    #[error("unsupported S3 operation: {0}")]
    Unsupported(String),
    /// A request the gateway cannot interpret safely.
    #[error("malformed S3 request: {0}")]
    Malformed(String),
    /// A POST-object form upload: the key is in the form body (see [`PendingPostObject`]).
    #[error("POST object upload to bucket {}: the form's key is needed", .0.bucket)]
    NeedsFormKey(PendingPostObject),
}

fn unsupported(why: impl Into<String>) -> Unmapped {
    Unmapped::Unsupported(why.into())
}

fn malformed(why: impl Into<String>) -> Unmapped {
    Unmapped::Malformed(why.into())
}

/// Headers (lower case) / POST form fields whose value is the S3 condition key of the same name.
const HEADER_KEYS: &[(&str, &str)] = &[
    ("x-amz-acl", "s3:x-amz-acl"),
    ("x-amz-server-side-encryption", "s3:x-amz-server-side-encryption"),
    ("x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-server-side-encryption-aws-kms-key-id"),
    ("x-amz-storage-class", "s3:x-amz-storage-class"),
    ("x-amz-metadata-directive", "s3:x-amz-metadata-directive"),
    ("x-amz-grant-read", "s3:x-amz-grant-read"),
    ("x-amz-grant-write", "s3:x-amz-grant-write"),
    ("x-amz-grant-read-acp", "s3:x-amz-grant-read-acp"),
    ("x-amz-grant-write-acp", "s3:x-amz-grant-write-acp"),
    ("x-amz-grant-full-control", "s3:x-amz-grant-full-control"),
];

/// Query parameters of GetObject / HeadObject that select no other operation.
const GET_OBJECT_PARAMS: &[&str] = &[
    "versionId",
    "partNumber",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
];

const MAX_KEY_BYTES: usize = 1024;

struct Query {
    /// Operation-selecting parameters by exact name, decoded.
    params: BTreeMap<String, String>,
    /// `x-amz-*` parameters (presigned auth and hoisted headers) by lower-case name.
    amz: BTreeMap<String, String>,
}

impl Query {
    fn parse(raw: &str) -> Result<Self, Unmapped> {
        let mut params = BTreeMap::new();
        let mut amz = BTreeMap::new();
        for piece in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let name = decode(name, true)?;
            let value = decode(value, true)?;
            if name.is_empty() {
                return Err(malformed("empty query parameter name"));
            }
            let lower = name.to_ascii_lowercase();
            let duplicate = if lower.starts_with("x-amz-") {
                amz.insert(lower, value).is_some()
            } else {
                params.insert(name.clone(), value).is_some()
            };
            if duplicate {
                return Err(malformed(format!("query parameter {name} given twice")));
            }
        }
        Ok(Self { params, amz })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    fn has(&self, name: &str) -> bool {
        self.params.contains_key(name)
    }

    /// Refuses any operation-selecting parameter outside `allowed` (and the SDKs' `x-id`).
    fn only(&self, allowed: &[&str], operation: &str) -> Result<(), Unmapped> {
        match self.params.keys().find(|k| *k != "x-id" && !allowed.contains(&k.as_str())) {
            Some(extra) => Err(unsupported(format!("{operation} with query parameter {extra}"))),
            None => Ok(()),
        }
    }
}

/// Strict percent-decoding to UTF-8; `plus_is_space` for query components.
fn decode(raw: &str, plus_is_space: bool) -> Result<String, Unmapped> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return Err(malformed(format!("bad percent-encoding in {raw:?}")));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    let replaced;
    let source = if plus_is_space && raw.contains('+') {
        replaced = raw.replace('+', " ");
        replaced.as_str()
    } else {
        raw
    };
    percent_decode(source.as_bytes())
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| malformed(format!("percent-encoding of {raw:?} is not UTF-8")))
}

fn validate_bucket(bucket: &str) -> Result<(), Unmapped> {
    let ok = !bucket.is_empty()
        && bucket.len() <= 255
        && bucket.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && bucket.bytes().any(|b| b != b'.');
    if ok { Ok(()) } else { Err(malformed(format!("invalid bucket name {bucket:?}"))) }
}

fn validate_key(key: &str) -> Result<(), Unmapped> {
    if key.is_empty() {
        Err(malformed("empty object key"))
    } else if key.len() > MAX_KEY_BYTES {
        Err(malformed("object key longer than 1024 bytes"))
    } else {
        Ok(())
    }
}

fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

fn push(context: &mut Vec<(String, Vec<String>)>, key: &str, value: &str) {
    context.push((key.to_owned(), vec![value.to_owned()]));
}

/// The host without its port, lower case.
fn host_name(host: &str) -> String {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split_once(']').map_or(host, |(h, _)| h)
    } else {
        match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        }
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// (bucket, key) addressed by the request: `(None, None)` for the service, `(Some, None)` for a
/// bucket, `(Some, Some)` for an object.
fn target(req: &S3Request<'_>) -> Result<(Option<String>, Option<String>), Unmapped> {
    let Some(path) = req.path.strip_prefix('/') else {
        return Err(malformed("path does not start with /"));
    };
    let virtual_bucket = match (req.host, req.base_domain) {
        (Some(host), Some(base)) => {
            let host = host_name(host);
            let base = base.trim_end_matches('.').to_ascii_lowercase();
            host.strip_suffix(base.as_str()).and_then(|h| h.strip_suffix('.')).map(str::to_owned)
        }
        _ => None,
    };
    let (bucket, raw_key) = match virtual_bucket {
        Some(bucket) => (bucket, path),
        None if path.is_empty() => return Ok((None, None)),
        None => {
            let (raw_bucket, raw_key) = path.split_once('/').unwrap_or((path, ""));
            (decode(raw_bucket, false)?, raw_key)
        }
    };
    validate_bucket(&bucket)?;
    if raw_key.is_empty() {
        return Ok((Some(bucket), None));
    }
    let key = decode(raw_key, false)?;
    validate_key(&key)?;
    Ok((Some(bucket), Some(key)))
}

/// The header `name`, or for presigned URLs the same `x-amz-*` header hoisted into the query.
fn header<'a>(req: &S3Request<'a>, query: &'a Query, name: &str) -> Result<Option<&'a str>, Unmapped> {
    let from_header = req.headers.header(name);
    let from_query = query.amz.get(name).map(String::as_str);
    match (from_header, from_query) {
        (Some(h), Some(q)) if h != q => Err(malformed(format!("{name} differs between header and query"))),
        (Some(v), _) | (None, Some(v)) => Ok(Some(v)),
        (None, None) => Ok(None),
    }
}

fn auth_context(req: &S3Request<'_>, query: &Query, context: &mut Vec<(String, Vec<String>)>) -> Result<(), Unmapped> {
    let authorization = req.headers.header("authorization");
    let presigned =
        ["x-amz-algorithm", "x-amz-credential", "x-amz-signature"].iter().any(|p| query.amz.contains_key(*p));
    match (authorization, presigned) {
        (Some(_), true) => return Err(malformed("both an Authorization header and a presigned query")),
        (Some(auth), false) => {
            push(context, "s3:authType", "REST-HEADER");
            match auth.split(' ').next() {
                Some("AWS4-HMAC-SHA256") => push(context, "s3:signatureversion", "AWS4-HMAC-SHA256"),
                Some("AWS") => push(context, "s3:signatureversion", "AWS"),
                _ => {}
            }
        }
        (None, true) => {
            push(context, "s3:authType", "REST-QUERY-STRING");
            if let Some(alg) = query.amz.get("x-amz-algorithm") {
                push(context, "s3:signatureversion", alg);
            }
        }
        (None, false) => {}
    }
    // Header only: "this condition key doesn't support x-amz-content-sha256 as a query string
    // parameter" (Amazon S3 Signature Version 4 Authentication Specific Policy Keys).
    if let Some(sha) = req.headers.header("x-amz-content-sha256") {
        push(context, "s3:x-amz-content-sha256", sha);
    }
    Ok(())
}

fn parse_copy_source(raw: &str) -> Result<CopySource, Unmapped> {
    if raw.starts_with("arn:") || raw.starts_with("/arn:") {
        return Err(unsupported("copy from an access point ARN"));
    }
    let (path, version_id) = match raw.split_once('?') {
        None => (raw, None),
        Some((path, q)) => match q.strip_prefix("versionId=") {
            Some(v) if !v.is_empty() && !v.contains('&') => (path, Some(decode(v, true)?)),
            _ => return Err(malformed("x-amz-copy-source query other than versionId")),
        },
    };
    let path = path.strip_prefix('/').unwrap_or(path);
    let Some((raw_bucket, raw_key)) = path.split_once('/') else {
        return Err(malformed("x-amz-copy-source without an object key"));
    };
    let bucket = decode(raw_bucket, false)?;
    validate_bucket(&bucket)?;
    let key = decode(raw_key, false)?;
    validate_key(&key)?;
    Ok(CopySource { bucket, key, version_id })
}

/// Maps a request to the IAM checks AWS S3 would make for it; anything else is [`Unmapped`].
pub fn map_request(req: &S3Request<'_>) -> Result<Mapped, Unmapped> {
    let query = Query::parse(req.query)?;
    let (bucket, key) = target(req)?;
    let mut context = Vec::new();
    auth_context(req, &query, &mut context)?;
    for (name, ckey) in HEADER_KEYS {
        if let Some(v) = header(req, &query, name)? {
            push(&mut context, ckey, v);
        }
    }
    let version_id = query.get("versionId").map(str::to_owned);
    if let Some(v) = &version_id {
        push(&mut context, "s3:versionid", v);
    }
    let method = req.method;
    let mut mapped = Mapped {
        operation: Operation::ListBuckets,
        action: "s3:ListAllMyBuckets",
        resource: "*".to_owned(),
        bucket: bucket.clone(),
        key: key.clone(),
        context,
        also: Vec::new(),
        copy_source: None,
    };
    let (Some(bucket), key) = (bucket, key) else {
        // ListBuckets: GET on the service.
        if method != "GET" {
            return Err(unsupported(format!("{method} on the service")));
        }
        query.only(&["max-buckets", "continuation-token", "prefix", "bucket-region"], "ListBuckets")?;
        return Ok(mapped);
    };
    let Some(key) = key else {
        return map_bucket(req, &query, bucket, mapped);
    };
    let resource = object_arn(&bucket, &key);
    mapped.resource = resource.clone();
    let versioned = version_id.is_some();
    let (operation, action) = match method {
        "GET" | "HEAD" if query.has("tagging") => {
            if method == "HEAD" {
                return Err(unsupported("HEAD ?tagging"));
            }
            query.only(&["tagging", "versionId"], "GetObjectTagging")?;
            let action = if versioned { "s3:GetObjectVersionTagging" } else { "s3:GetObjectTagging" };
            (Operation::GetObjectTagging, action)
        }
        "GET" if query.has("uploadId") => {
            query.only(&["uploadId", "max-parts", "part-number-marker", "encoding-type"], "ListParts")?;
            (Operation::ListParts, "s3:ListMultipartUploadParts")
        }
        "GET" | "HEAD" => {
            query.only(GET_OBJECT_PARAMS, "GetObject")?;
            let operation = if method == "GET" { Operation::GetObject } else { Operation::HeadObject };
            (operation, if versioned { "s3:GetObjectVersion" } else { "s3:GetObject" })
        }
        "PUT" if query.has("tagging") => {
            query.only(&["tagging", "versionId"], "PutObjectTagging")?;
            let action = if versioned { "s3:PutObjectVersionTagging" } else { "s3:PutObjectTagging" };
            (Operation::PutObjectTagging, action)
        }
        "PUT" if query.has("uploadId") || query.has("partNumber") => {
            query.only(&["uploadId", "partNumber"], "UploadPart")?;
            if !(query.has("uploadId") && query.has("partNumber")) {
                return Err(malformed("UploadPart needs both partNumber and uploadId"));
            }
            let copy = header(req, &query, "x-amz-copy-source")?;
            (if copy.is_some() { Operation::UploadPartCopy } else { Operation::UploadPart }, "s3:PutObject")
        }
        "PUT" => {
            query.only(&[], "PutObject")?;
            let copy = header(req, &query, "x-amz-copy-source")?;
            (if copy.is_some() { Operation::CopyObject } else { Operation::PutObject }, "s3:PutObject")
        }
        "POST" if query.has("uploads") => {
            query.only(&["uploads"], "CreateMultipartUpload")?;
            (Operation::CreateMultipartUpload, "s3:PutObject")
        }
        "POST" if query.has("uploadId") => {
            query.only(&["uploadId"], "CompleteMultipartUpload")?;
            (Operation::CompleteMultipartUpload, "s3:PutObject")
        }
        "DELETE" if query.has("tagging") => {
            query.only(&["tagging", "versionId"], "DeleteObjectTagging")?;
            let action = if versioned { "s3:DeleteObjectVersionTagging" } else { "s3:DeleteObjectTagging" };
            (Operation::DeleteObjectTagging, action)
        }
        "DELETE" if query.has("uploadId") => {
            query.only(&["uploadId"], "AbortMultipartUpload")?;
            (Operation::AbortMultipartUpload, "s3:AbortMultipartUpload")
        }
        "DELETE" => {
            query.only(&["versionId"], "DeleteObject")?;
            (Operation::DeleteObject, if versioned { "s3:DeleteObjectVersion" } else { "s3:DeleteObject" })
        }
        _ => {
            let params: Vec<&str> = query.params.keys().map(String::as_str).collect();
            return Err(unsupported(format!("{method} on an object with query {params:?}")));
        }
    };
    mapped.operation = operation;
    mapped.action = action;
    if matches!(operation, Operation::CopyObject | Operation::UploadPartCopy) {
        let raw = header(req, &query, "x-amz-copy-source")?.unwrap_or_default();
        let source = parse_copy_source(raw)?;
        push(&mut mapped.context, "s3:x-amz-copy-source", &format!("{}/{}", source.bucket, source.key));
        let read = if source.version_id.is_some() { "s3:GetObjectVersion" } else { "s3:GetObject" };
        mapped.also.push(Check { action: read, resource: object_arn(&source.bucket, &source.key) });
        mapped.copy_source = Some(source);
    }
    // Headers that need permissions beyond s3:PutObject (API reference, PutObject "Permissions").
    if matches!(operation, Operation::PutObject | Operation::CopyObject | Operation::CreateMultipartUpload) {
        let mut extra = |action: &'static str| mapped.also.push(Check { action, resource: resource.clone() });
        let acl = header(req, &query, "x-amz-acl")?.is_some()
            || HEADER_KEYS.iter().any(|(h, _)| h.starts_with("x-amz-grant-") && req.headers.header(h).is_some())
            || query.amz.keys().any(|k| k.starts_with("x-amz-grant-"));
        if acl {
            extra("s3:PutObjectAcl");
        }
        if header(req, &query, "x-amz-tagging")?.is_some() {
            extra("s3:PutObjectTagging");
        }
        if header(req, &query, "x-amz-object-lock-mode")?.is_some()
            || header(req, &query, "x-amz-object-lock-retain-until-date")?.is_some()
        {
            extra("s3:PutObjectRetention");
        }
        if header(req, &query, "x-amz-object-lock-legal-hold")?.is_some() {
            extra("s3:PutObjectLegalHold");
        }
    }
    if operation == Operation::DeleteObject && header(req, &query, "x-amz-bypass-governance-retention")?.is_some() {
        mapped.also.push(Check { action: "s3:BypassGovernanceRetention", resource });
    }
    Ok(mapped)
}

fn map_bucket(req: &S3Request<'_>, query: &Query, bucket: String, mut mapped: Mapped) -> Result<Mapped, Unmapped> {
    mapped.resource = format!("arn:aws:s3:::{bucket}");
    match req.method {
        "GET" => {
            let v2 = match query.get("list-type") {
                None => false,
                Some("2") => true,
                Some(other) => return Err(unsupported(format!("list-type={other}"))),
            };
            if v2 {
                let allowed = [
                    "list-type",
                    "continuation-token",
                    "delimiter",
                    "encoding-type",
                    "fetch-owner",
                    "max-keys",
                    "prefix",
                    "start-after",
                ];
                query.only(&allowed, "ListObjectsV2")?;
                mapped.operation = Operation::ListObjectsV2;
            } else {
                query.only(&["delimiter", "encoding-type", "marker", "max-keys", "prefix"], "ListObjects")?;
                mapped.operation = Operation::ListObjects;
            }
            if let Some(max) = query.get("max-keys")
                && (max.is_empty() || !max.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(malformed(format!("max-keys={max:?} is not a number")));
            }
            mapped.action = "s3:ListBucket";
            for (param, ckey) in [("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys")] {
                if let Some(v) = query.get(param) {
                    push(&mut mapped.context, ckey, v);
                }
            }
            Ok(mapped)
        }
        "POST" if query.params.keys().all(|k| k == "x-id") => {
            let form = req.headers.header("content-type").is_some_and(|ct| {
                ct.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("multipart/form-data"))
            });
            if form {
                Err(Unmapped::NeedsFormKey(PendingPostObject { bucket }))
            } else {
                Err(unsupported("POST on a bucket without multipart/form-data"))
            }
        }
        method => {
            let params: Vec<&str> = query.params.keys().map(String::as_str).collect();
            Err(unsupported(format!("{method} on a bucket with query {params:?}")))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    //! Sources cited per case:
    //! - SAR: Service Authorization Reference, "Actions, resources, and condition keys for Amazon
    //!   S3" (list_amazons3.html), incl. its "API operations defined by Amazon S3" table.
    //! - SIGV4KEYS: S3 API reference, "Amazon S3 Signature Version 4 Authentication Specific
    //!   Policy Keys" (bucket-policy-s3-sigv4-conditions.html): s3:signatureversion,
    //!   s3:authType (REST-HEADER / REST-QUERY-STRING / POST), s3:x-amz-content-sha256.
    //! - API_<Op>: the S3 API reference page of that operation (request syntax: method, URI,
    //!   query parameters and headers).
    //! - KEYS: S3 user guide, "Bucket policy examples using condition keys"
    //!   (amazon-s3-policy-keys.html): s3:x-amz-copy-source as "bucket/key", s3:prefix etc.
    use super::*;

    const BASE: &str = "s3.example.com";
    const NONE: [(&str, &str); 0] = [];

    type Extra = &'static [(&'static str, &'static str)];
    type Opt = Option<&'static str>;
    /// (method, host, path, query, extra headers, operation, action, resource).
    type Case = (&'static str, &'static str, &'static str, &'static str, Extra, Operation, &'static str, &'static str);
    const SIGV4: &str =
        "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00";

    fn map(method: &str, host: &str, path: &str, query: &str, extra: &[(&str, &str)]) -> Result<Mapped, Unmapped> {
        let mut headers: Vec<(&str, &str)> = vec![("Authorization", SIGV4)];
        headers.extend_from_slice(extra);
        let req = S3Request { method, host: Some(host), base_domain: Some(BASE), path, query, headers: &headers };
        map_request(&req)
    }

    fn ok(method: &str, host: &str, path: &str, query: &str, extra: &[(&str, &str)]) -> Mapped {
        match map(method, host, path, query, extra) {
            Ok(m) => m,
            Err(e) => panic!("{method} {host}{path}?{query}: {e}"),
        }
    }

    fn ctx<'a>(m: &'a Mapped, key: &str) -> Option<&'a str> {
        m.context_value(key).map(|v| v[0].as_str())
    }

    /// (method, host, path, query, extra headers, operation, action, resource) — SAR's
    /// "API operations defined by Amazon S3" table and each operation's API_<Op> page.
    #[test]
    fn operations_table() {
        let cases: &[Case] = &[
            // API_ListBuckets: GET / on the service; SAR: s3:ListAllMyBuckets, no resource type.
            ("GET", "s3.example.com", "/", "", &[], Operation::ListBuckets, "s3:ListAllMyBuckets", "*"),
            ("GET", "localhost:9000", "/", "", &[], Operation::ListBuckets, "s3:ListAllMyBuckets", "*"),
            (
                "GET",
                "s3.example.com",
                "/",
                "max-buckets=10&prefix=a",
                &[],
                Operation::ListBuckets,
                "s3:ListAllMyBuckets",
                "*",
            ),
            // API_ListObjectsV2: GET /?list-type=2; API_ListObjects: GET /; SAR: s3:ListBucket.
            (
                "GET",
                "b.s3.example.com",
                "/",
                "list-type=2",
                &[],
                Operation::ListObjectsV2,
                "s3:ListBucket",
                "arn:aws:s3:::b",
            ),
            (
                "GET",
                "s3.example.com",
                "/b",
                "list-type=2&prefix=x",
                &[],
                Operation::ListObjectsV2,
                "s3:ListBucket",
                "arn:aws:s3:::b",
            ),
            ("GET", "s3.example.com", "/b/", "", &[], Operation::ListObjects, "s3:ListBucket", "arn:aws:s3:::b"),
            (
                "GET",
                "b.s3.example.com",
                "/",
                "marker=m&encoding-type=url",
                &[],
                Operation::ListObjects,
                "s3:ListBucket",
                "arn:aws:s3:::b",
            ),
            // API_GetObject / API_HeadObject; SAR: both s3:GetObject.
            ("GET", "b.s3.example.com", "/k", "", &[], Operation::GetObject, "s3:GetObject", "arn:aws:s3:::b/k"),
            (
                "GET",
                "s3.example.com",
                "/b/k",
                "x-id=GetObject",
                &[],
                Operation::GetObject,
                "s3:GetObject",
                "arn:aws:s3:::b/k",
            ),
            (
                "GET",
                "s3.example.com",
                "/b/k",
                "response-content-type=text%2Fplain&partNumber=1",
                &[],
                Operation::GetObject,
                "s3:GetObject",
                "arn:aws:s3:::b/k",
            ),
            ("HEAD", "s3.example.com", "/b/k", "", &[], Operation::HeadObject, "s3:GetObject", "arn:aws:s3:::b/k"),
            // SAR: s3:GetObjectVersion / s3:DeleteObjectVersion when a versionId is given.
            (
                "GET",
                "s3.example.com",
                "/b/k",
                "versionId=v1",
                &[],
                Operation::GetObject,
                "s3:GetObjectVersion",
                "arn:aws:s3:::b/k",
            ),
            (
                "HEAD",
                "s3.example.com",
                "/b/k",
                "versionId=v1",
                &[],
                Operation::HeadObject,
                "s3:GetObjectVersion",
                "arn:aws:s3:::b/k",
            ),
            // API_PutObject / API_DeleteObject.
            ("PUT", "s3.example.com", "/b/k", "", &[], Operation::PutObject, "s3:PutObject", "arn:aws:s3:::b/k"),
            (
                "PUT",
                "s3.example.com",
                "/b/k",
                "x-id=PutObject",
                &[],
                Operation::PutObject,
                "s3:PutObject",
                "arn:aws:s3:::b/k",
            ),
            (
                "DELETE",
                "s3.example.com",
                "/b/k",
                "",
                &[],
                Operation::DeleteObject,
                "s3:DeleteObject",
                "arn:aws:s3:::b/k",
            ),
            (
                "DELETE",
                "s3.example.com",
                "/b/k",
                "versionId=v1",
                &[],
                Operation::DeleteObject,
                "s3:DeleteObjectVersion",
                "arn:aws:s3:::b/k",
            ),
            // Multipart: API_CreateMultipartUpload (POST ?uploads), API_UploadPart (PUT
            // ?partNumber&uploadId), API_CompleteMultipartUpload (POST ?uploadId) → s3:PutObject;
            // API_AbortMultipartUpload (DELETE ?uploadId) → s3:AbortMultipartUpload;
            // API_ListParts (GET ?uploadId) → s3:ListMultipartUploadParts.
            (
                "POST",
                "s3.example.com",
                "/b/k",
                "uploads",
                &[],
                Operation::CreateMultipartUpload,
                "s3:PutObject",
                "arn:aws:s3:::b/k",
            ),
            (
                "POST",
                "s3.example.com",
                "/b/k",
                "uploads=",
                &[],
                Operation::CreateMultipartUpload,
                "s3:PutObject",
                "arn:aws:s3:::b/k",
            ),
            (
                "PUT",
                "s3.example.com",
                "/b/k",
                "partNumber=1&uploadId=u",
                &[],
                Operation::UploadPart,
                "s3:PutObject",
                "arn:aws:s3:::b/k",
            ),
            (
                "PUT",
                "s3.example.com",
                "/b/k",
                "uploadId=u&partNumber=1",
                &[],
                Operation::UploadPart,
                "s3:PutObject",
                "arn:aws:s3:::b/k",
            ),
            (
                "POST",
                "s3.example.com",
                "/b/k",
                "uploadId=u",
                &[],
                Operation::CompleteMultipartUpload,
                "s3:PutObject",
                "arn:aws:s3:::b/k",
            ),
            (
                "DELETE",
                "s3.example.com",
                "/b/k",
                "uploadId=u",
                &[],
                Operation::AbortMultipartUpload,
                "s3:AbortMultipartUpload",
                "arn:aws:s3:::b/k",
            ),
            (
                "GET",
                "s3.example.com",
                "/b/k",
                "uploadId=u&max-parts=5&part-number-marker=2",
                &[],
                Operation::ListParts,
                "s3:ListMultipartUploadParts",
                "arn:aws:s3:::b/k",
            ),
            // Tagging: API_GetObjectTagging / API_PutObjectTagging / API_DeleteObjectTagging.
            (
                "GET",
                "s3.example.com",
                "/b/k",
                "tagging",
                &[],
                Operation::GetObjectTagging,
                "s3:GetObjectTagging",
                "arn:aws:s3:::b/k",
            ),
            (
                "PUT",
                "s3.example.com",
                "/b/k",
                "tagging",
                &[],
                Operation::PutObjectTagging,
                "s3:PutObjectTagging",
                "arn:aws:s3:::b/k",
            ),
            (
                "DELETE",
                "s3.example.com",
                "/b/k",
                "tagging",
                &[],
                Operation::DeleteObjectTagging,
                "s3:DeleteObjectTagging",
                "arn:aws:s3:::b/k",
            ),
            (
                "GET",
                "s3.example.com",
                "/b/k",
                "tagging&versionId=v",
                &[],
                Operation::GetObjectTagging,
                "s3:GetObjectVersionTagging",
                "arn:aws:s3:::b/k",
            ),
            (
                "PUT",
                "s3.example.com",
                "/b/k",
                "versionId=v&tagging=",
                &[],
                Operation::PutObjectTagging,
                "s3:PutObjectVersionTagging",
                "arn:aws:s3:::b/k",
            ),
            (
                "DELETE",
                "s3.example.com",
                "/b/k",
                "tagging&versionId=v",
                &[],
                Operation::DeleteObjectTagging,
                "s3:DeleteObjectVersionTagging",
                "arn:aws:s3:::b/k",
            ),
            // API_CopyObject: PUT with x-amz-copy-source → s3:PutObject on the destination.
            (
                "PUT",
                "s3.example.com",
                "/b/k",
                "",
                &[("x-amz-copy-source", "src/a")],
                Operation::CopyObject,
                "s3:PutObject",
                "arn:aws:s3:::b/k",
            ),
            // API_UploadPartCopy: s3:PutObject on the destination (and s3:GetObject on the source).
            (
                "PUT",
                "s3.example.com",
                "/b/k",
                "partNumber=2&uploadId=u",
                &[("x-amz-copy-source", "src/a")],
                Operation::UploadPartCopy,
                "s3:PutObject",
                "arn:aws:s3:::b/k",
            ),
        ];
        for (method, host, path, query, extra, operation, action, resource) in cases {
            let m = ok(method, host, path, query, extra);
            assert_eq!(
                (m.operation, m.action, m.resource.as_str()),
                (*operation, *action, *resource),
                "{method} {host}{path}?{query}"
            );
        }
    }

    /// Virtual-hosted vs path-style addressing give the same bucket and key.
    #[test]
    fn addressing_styles() {
        let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
            ("b.s3.example.com", "/photos/cat.jpg", Some("b"), Some("photos/cat.jpg")),
            ("s3.example.com", "/b/photos/cat.jpg", Some("b"), Some("photos/cat.jpg")),
            ("B.S3.Example.COM:8443", "/k", Some("b"), Some("k")),
            ("b.s3.example.com.", "/k", Some("b"), Some("k")),
            ("my.dotted.bucket.s3.example.com", "/k", Some("my.dotted.bucket"), Some("k")),
            ("127.0.0.1:9000", "/b/k", Some("b"), Some("k")),
            ("[::1]:9000", "/b/k", Some("b"), Some("k")),
            ("other.example.org", "/b/k", Some("b"), Some("k")),
            // Not a subdomain of the base domain: path-style.
            ("evils3.example.com", "/b/k", Some("b"), Some("k")),
            ("b.s3.example.com", "/", Some("b"), None),
            ("s3.example.com", "/b", Some("b"), None),
            ("s3.example.com", "/b/", Some("b"), None),
            ("s3.example.com", "/", None, None),
        ];
        for (host, path, bucket, key) in cases {
            let m = ok("GET", host, path, "", &[]);
            assert_eq!((m.bucket.as_deref(), m.key.as_deref()), (*bucket, *key), "{host}{path}");
        }
        // Without a configured base domain every request is path-style.
        let headers = NONE;
        let req = S3Request {
            method: "GET",
            host: Some("b.s3.example.com"),
            base_domain: None,
            path: "/x/y",
            query: "",
            headers: &headers,
        };
        let m = map_request(&req).unwrap();
        assert_eq!(m.resource, "arn:aws:s3:::x/y");
        let req = S3Request { host: None, base_domain: Some(BASE), ..req };
        assert_eq!(map_request(&req).unwrap().resource, "arn:aws:s3:::x/y");
    }

    /// Keys are percent-decoded into the ARN; `+` in a path is literal; `/`, `..` and trailing
    /// slashes are kept as S3 keeps them (object keys are opaque, API_PutObject "Object key").
    #[test]
    fn key_decoding() {
        let cases: &[(&str, &str)] = &[
            ("/b/my%20cat.jpg", "my cat.jpg"),
            ("/b/a+b", "a+b"),
            ("/b/a%2Bb", "a+b"),
            ("/b/%E7%8C%AB.jpg", "猫.jpg"),
            ("/b/caf%C3%A9/%F0%9F%90%88", "café/🐈"),
            ("/b/a/b/c", "a/b/c"),
            ("/b/a%2Fb", "a/b"),
            ("/b/folder/", "folder/"),
            ("/b//double", "/double"),
            ("/b/../etc/passwd", "../etc/passwd"),
            ("/b/./x", "./x"),
            ("/b/%2E%2E", ".."),
            ("/b/a%3Fb%23c", "a?b#c"),
            ("/b/%25", "%"),
            ("/b/*", "*"),
        ];
        for (path, key) in cases {
            let m = ok("GET", "s3.example.com", path, "", &[]);
            assert_eq!(m.key.as_deref(), Some(*key), "{path}");
            assert_eq!(m.resource, format!("arn:aws:s3:::b/{key}"), "{path}");
        }
        // Virtual-hosted: the whole path is the key.
        let m = ok("PUT", "b.s3.example.com", "/alice/my%20photo%2B1.jpg", "", &[]);
        assert_eq!(m.resource, "arn:aws:s3:::b/alice/my photo+1.jpg");
    }

    #[test]
    fn malformed_requests_are_refused() {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("GET", "s3.example.com", "/b/%zz", ""),
            ("GET", "s3.example.com", "/b/%4", ""),
            ("GET", "s3.example.com", "/b/%", ""),
            ("GET", "s3.example.com", "/b/%FF%FE", ""),
            ("GET", "s3.example.com", "b/k", ""),
            ("GET", "s3.example.com", "//k", ""),
            ("GET", "s3.example.com", "/a%2Fb/k", ""),
            ("GET", "s3.example.com", "/../k", ""),
            ("GET", "s3.example.com", "/bu%20cket/k", ""),
            ("GET", "s3.example.com", "/b*/k", ""),
            ("GET", "s3.example.com", "/b", "prefix=%zz"),
            ("GET", "s3.example.com", "/b", "prefix=a&prefix=b"),
            ("GET", "s3.example.com", "/b", "max-keys=ten"),
            ("GET", "s3.example.com", "/b", "max-keys="),
            ("GET", "s3.example.com", "/b", "=x"),
            ("GET", "s3.example.com", "/b/k", "X-Amz-Algorithm=AWS4-HMAC-SHA256"),
            ("PUT", "s3.example.com", "/b/k", "partNumber=1"),
            ("PUT", "s3.example.com", "/b/k", "uploadId=u"),
        ];
        for (method, host, path, query) in cases {
            match map(method, host, path, query, &[]) {
                Err(Unmapped::Malformed(_)) => {}
                other => panic!("{method} {path}?{query}: {other:?}"),
            }
        }
        let long = format!("/b/{}", "k".repeat(1025));
        assert!(matches!(map("GET", BASE, &long, "", &[]), Err(Unmapped::Malformed(_))));
        let max = format!("/b/{}", "k".repeat(1024));
        assert!(map("GET", BASE, &max, "", &[]).is_ok());
        // An empty bucket label in the virtual host is not a bucket.
        assert!(matches!(map("GET", ".s3.example.com", "/k", "", &[]), Err(Unmapped::Malformed(_))));
    }

    /// Everything outside issue 16's list is refused, naming why.
    #[test]
    fn unmapped_operations_are_refused() {
        let cases: &[(&str, &str, &str, Extra)] = &[
            ("GET", "/b/k", "acl", &[]),
            ("PUT", "/b/k", "acl", &[]),
            ("GET", "/b", "acl", &[]),
            ("GET", "/b", "policy", &[]),
            ("PUT", "/b", "policy", &[]),
            ("GET", "/b", "versioning", &[]),
            ("GET", "/b", "cors", &[]),
            ("PUT", "/b", "lifecycle", &[]),
            ("GET", "/b", "location", &[]),
            ("GET", "/b", "versions", &[]),
            ("GET", "/b", "uploads", &[]),
            ("GET", "/b", "list-type=3", &[]),
            ("GET", "/b", "list-type=2&marker=m", &[]),
            ("GET", "/b", "start-after=a", &[]),
            ("PUT", "/b", "", &[]),
            ("DELETE", "/b", "", &[]),
            ("HEAD", "/b", "", &[]),
            ("POST", "/b", "delete", &[]),
            ("POST", "/b", "", &[("content-type", "application/xml")]),
            ("POST", "/b", "", &[]),
            ("PUT", "/", "", &[]),
            ("DELETE", "/", "", &[]),
            ("GET", "/", "acl", &[]),
            ("GET", "/b/k", "attributes", &[]),
            ("GET", "/b/k", "torrent", &[]),
            ("GET", "/b/k", "retention", &[]),
            ("PUT", "/b/k", "legal-hold", &[]),
            ("POST", "/b/k", "restore", &[]),
            ("POST", "/b/k", "select&select-type=2", &[]),
            ("POST", "/b/k", "", &[]),
            ("PUT", "/b/k", "uploads", &[]),
            ("GET", "/b/k", "uploadId=u&partNumber=1", &[]),
            ("GET", "/b/k", "versionid=v", &[]),
            ("PATCH", "/b/k", "", &[]),
            ("OPTIONS", "/b/k", "", &[]),
            ("HEAD", "/b/k", "tagging", &[]),
            ("PUT", "/b/k", "", &[("x-amz-copy-source", "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/k")]),
        ];
        for (method, path, query, extra) in cases {
            match map(method, BASE, path, query, extra) {
                Err(Unmapped::Unsupported(why)) => assert!(!why.is_empty()),
                other => panic!("{method} {path}?{query}: {other:?}"),
            }
        }
        let err = map("GET", BASE, "/b/k", "acl", &[]).unwrap_err().to_string();
        assert!(err.contains("acl"), "{err}");
    }

    /// SAR: s3:ListBucket supports s3:prefix, s3:delimiter and s3:max-keys; each is in the
    /// context only when the request gives it (an empty prefix is given).
    #[test]
    fn list_condition_keys() {
        let cases: &[(&str, Opt, Opt, Opt)] = &[
            ("list-type=2", None, None, None),
            ("list-type=2&prefix=alice%2F&delimiter=%2F&max-keys=100", Some("alice/"), Some("/"), Some("100")),
            ("max-keys=100&delimiter=%2F&prefix=alice%2F&list-type=2", Some("alice/"), Some("/"), Some("100")),
            ("prefix=", Some(""), None, None),
            ("prefix", Some(""), None, None),
            ("prefix=my+photos%2F", Some("my photos/"), None, None),
            ("prefix=a%2Bb", Some("a+b"), None, None),
            ("prefix=%E7%8C%AB", Some("猫"), None, None),
            ("delimiter=%2F&marker=alice%2Fz", None, Some("/"), None),
            ("list-type=2&continuation-token=abc&fetch-owner=true&start-after=x&encoding-type=url", None, None, None),
        ];
        for (query, prefix, delimiter, max_keys) in cases {
            let m = ok("GET", "b.s3.example.com", "/", query, &[]);
            assert_eq!(m.action, "s3:ListBucket");
            assert_eq!(m.resource, "arn:aws:s3:::b");
            assert_eq!(ctx(&m, "s3:prefix"), *prefix, "{query}");
            assert_eq!(ctx(&m, "s3:delimiter"), *delimiter, "{query}");
            assert_eq!(ctx(&m, "s3:max-keys"), *max_keys, "{query}");
        }
    }

    /// SIGV4KEYS: s3:authType and s3:signatureversion from how the request is signed; presigned
    /// X-Amz-* parameters select no operation.
    #[test]
    fn auth_condition_keys() {
        let m = ok("GET", BASE, "/b/k", "", &[("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]);
        assert_eq!(ctx(&m, "s3:authType"), Some("REST-HEADER"));
        assert_eq!(ctx(&m, "s3:signatureversion"), Some("AWS4-HMAC-SHA256"));
        assert_eq!(ctx(&m, "s3:x-amz-content-sha256"), Some("UNSIGNED-PAYLOAD"));

        let presigned = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request\
            &X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok\
            &X-Amz-Signature=abcd&x-id=GetObject";
        for (method, query, operation, action) in [
            ("GET", presigned.to_owned(), Operation::GetObject, "s3:GetObject"),
            ("PUT", presigned.to_owned(), Operation::PutObject, "s3:PutObject"),
            ("GET", format!("versionId=v&{presigned}"), Operation::GetObject, "s3:GetObjectVersion"),
            ("PUT", format!("partNumber=3&{presigned}&uploadId=u"), Operation::UploadPart, "s3:PutObject"),
        ] {
            let req = S3Request {
                method,
                host: Some(BASE),
                base_domain: Some(BASE),
                path: "/b/k",
                query: &query,
                headers: &NONE,
            };
            let m = map_request(&req).unwrap();
            assert_eq!((m.operation, m.action), (operation, action), "{query}");
            assert_eq!(ctx(&m, "s3:authType"), Some("REST-QUERY-STRING"));
            assert_eq!(ctx(&m, "s3:signatureversion"), Some("AWS4-HMAC-SHA256"));
        }
        // "This condition key doesn't support x-amz-content-sha256 as a query string parameter."
        let query = format!("{presigned}&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD");
        let req = S3Request {
            method: "GET",
            host: Some(BASE),
            base_domain: Some(BASE),
            path: "/b/k",
            query: &query,
            headers: &NONE,
        };
        assert_eq!(ctx(&map_request(&req).unwrap(), "s3:x-amz-content-sha256"), None);

        // Both an Authorization header and a presigned query: refused.
        assert!(matches!(map("GET", BASE, "/b/k", presigned, &[]), Err(Unmapped::Malformed(_))));

        // Anonymous: no auth keys. Signature Version 2 header: "AWS".
        let req = S3Request {
            method: "GET",
            host: Some(BASE),
            base_domain: Some(BASE),
            path: "/b/k",
            query: "",
            headers: &NONE,
        };
        let m = map_request(&req).unwrap();
        assert_eq!((ctx(&m, "s3:authType"), ctx(&m, "s3:signatureversion")), (None, None));
        let headers = [("authorization", "AWS AKID:sig")];
        let m = map_request(&S3Request { headers: &headers, ..req }).unwrap();
        assert_eq!((ctx(&m, "s3:authType"), ctx(&m, "s3:signatureversion")), (Some("REST-HEADER"), Some("AWS")));
    }

    /// SAR condition keys of s3:PutObject from request headers; header names are
    /// case-insensitive; a presigned URL may carry them hoisted into the query.
    #[test]
    fn header_condition_keys() {
        let m = ok(
            "PUT",
            BASE,
            "/b/k",
            "",
            &[
                ("X-Amz-Acl", "private"),
                ("x-amz-server-side-encryption", "AES256"),
                ("x-amz-storage-class", "STANDARD"),
            ],
        );
        assert_eq!(ctx(&m, "s3:x-amz-acl"), Some("private"));
        assert_eq!(ctx(&m, "s3:x-amz-server-side-encryption"), Some("AES256"));
        assert_eq!(ctx(&m, "s3:x-amz-storage-class"), Some("STANDARD"));
        assert_eq!(ctx(&m, "s3:x-amz-copy-source"), None);

        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab&x-amz-acl=public-read";
        let req =
            S3Request { method: "PUT", host: Some(BASE), base_domain: Some(BASE), path: "/b/k", query, headers: &NONE };
        let m = map_request(&req).unwrap();
        assert_eq!(ctx(&m, "s3:x-amz-acl"), Some("public-read"));
        assert!(m.also.contains(&Check { action: "s3:PutObjectAcl", resource: "arn:aws:s3:::b/k".into() }));
        // The same header twice with different values (header vs hoisted) is ambiguous.
        let headers = [("x-amz-acl", "private")];
        assert!(matches!(map_request(&S3Request { headers: &headers, ..req }), Err(Unmapped::Malformed(_))));
    }

    /// API_PutObject "Permissions": setting an ACL needs s3:PutObjectAcl, tags
    /// s3:PutObjectTagging; object-lock headers s3:PutObjectRetention / s3:PutObjectLegalHold;
    /// API_DeleteObject: x-amz-bypass-governance-retention needs s3:BypassGovernanceRetention.
    #[test]
    fn extra_permissions_from_headers() {
        let cases: &[(&str, &str, Extra, &[&str])] = &[
            ("PUT", "", &[], &[]),
            ("PUT", "", &[("x-amz-acl", "public-read")], &["s3:PutObjectAcl"]),
            ("PUT", "", &[("x-amz-grant-read", "uri=x")], &["s3:PutObjectAcl"]),
            ("PUT", "", &[("x-amz-tagging", "a=b")], &["s3:PutObjectTagging"]),
            (
                "POST",
                "uploads",
                &[("x-amz-tagging", "a=b"), ("x-amz-acl", "private")],
                &["s3:PutObjectAcl", "s3:PutObjectTagging"],
            ),
            ("PUT", "", &[("x-amz-object-lock-mode", "GOVERNANCE")], &["s3:PutObjectRetention"]),
            ("PUT", "", &[("x-amz-object-lock-legal-hold", "ON")], &["s3:PutObjectLegalHold"]),
            ("DELETE", "", &[("x-amz-bypass-governance-retention", "true")], &["s3:BypassGovernanceRetention"]),
            ("PUT", "partNumber=1&uploadId=u", &[("x-amz-acl", "private")], &[]),
        ];
        for (method, query, extra, also) in cases {
            let m = ok(method, BASE, "/b/k", query, extra);
            let got: Vec<&str> = m.also.iter().map(|c| c.action).collect();
            assert_eq!(got, *also, "{method} ?{query} {extra:?}");
            assert!(m.also.iter().all(|c| c.resource == "arn:aws:s3:::b/k"));
        }
    }

    /// API_CopyObject: `x-amz-copy-source` is `bucket/key` (URL-encoded, optional leading `/`,
    /// optional `?versionId=`); SAR: CopyObject needs s3:GetObject (s3:GetObjectVersion for a
    /// version) on the source; KEYS: s3:x-amz-copy-source compared as `bucket/key`.
    #[test]
    fn copy_object() {
        let cases: &[(&str, &str, &str, &str, Option<&str>)] = &[
            ("src/photos/a.jpg", "s3:GetObject", "arn:aws:s3:::src/photos/a.jpg", "src/photos/a.jpg", None),
            ("/src/photos/a.jpg", "s3:GetObject", "arn:aws:s3:::src/photos/a.jpg", "src/photos/a.jpg", None),
            ("src/my%20cat%2B1.jpg", "s3:GetObject", "arn:aws:s3:::src/my cat+1.jpg", "src/my cat+1.jpg", None),
            ("src/%E7%8C%AB", "s3:GetObject", "arn:aws:s3:::src/猫", "src/猫", None),
            ("src/a%3FversionId%3Dx", "s3:GetObject", "arn:aws:s3:::src/a?versionId=x", "src/a?versionId=x", None),
            (
                "/src/a.jpg?versionId=3%2FL4kq",
                "s3:GetObjectVersion",
                "arn:aws:s3:::src/a.jpg",
                "src/a.jpg",
                Some("3/L4kq"),
            ),
        ];
        for (source, read, source_arn, condition, version) in cases {
            let m = ok("PUT", "dst.s3.example.com", "/alice/b.jpg", "", &[("x-amz-copy-source", source)]);
            assert_eq!(m.operation, Operation::CopyObject);
            let checks: Vec<(&str, &str)> = m.checks().collect();
            assert_eq!(
                checks,
                vec![("s3:PutObject", "arn:aws:s3:::dst/alice/b.jpg"), (*read, *source_arn)],
                "{source}"
            );
            assert_eq!(ctx(&m, "s3:x-amz-copy-source"), Some(*condition));
            assert_eq!(m.copy_source.as_ref().and_then(|c| c.version_id.as_deref()), *version);
        }
        // UploadPartCopy checks the source too.
        let m = ok("PUT", BASE, "/b/k", "partNumber=1&uploadId=u", &[("x-amz-copy-source", "src/x")]);
        assert_eq!(m.also, vec![Check { action: "s3:GetObject", resource: "arn:aws:s3:::src/x".into() }]);
        // A copy setting tags needs s3:PutObjectTagging on the destination as well.
        let m = ok("PUT", BASE, "/b/k", "", &[("x-amz-copy-source", "src/x"), ("x-amz-tagging", "a=b")]);
        let actions: Vec<&str> = m.checks().map(|(a, _)| a).collect();
        assert_eq!(actions, vec!["s3:PutObject", "s3:GetObject", "s3:PutObjectTagging"]);

        for bad in [
            "src",
            "/src",
            "src/",
            "/src/",
            "/src/a?partNumber=1",
            "src/a?versionId=",
            "src/%zz",
            "bad%2Fbucket/k",
            "/",
        ] {
            assert!(
                matches!(map("PUT", BASE, "/b/k", "", &[("x-amz-copy-source", bad)]), Err(Unmapped::Malformed(_))),
                "{bad}"
            );
        }
    }

    /// Browser form upload (API_RESTObjectPOST / "Browser-based uploads using POST"): POST on the
    /// bucket with multipart/form-data; the key is in the form, so the gateway completes the
    /// mapping; SIGV4KEYS: s3:authType POST.
    #[test]
    fn post_object() {
        for ct in ["multipart/form-data; boundary=xyz", "Multipart/Form-Data"] {
            let pending = match map("POST", "photos.s3.example.com", "/", "", &[("Content-Type", ct)]) {
                Err(Unmapped::NeedsFormKey(p)) => p,
                other => panic!("{ct}: {other:?}"),
            };
            assert_eq!(pending.bucket, "photos");
            let fields = [
                ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                ("acl", "private"),
                ("x-amz-server-side-encryption", "AES256"),
            ];
            let m = pending.complete("alice/my cat.jpg", &fields).unwrap();
            assert_eq!((m.operation, m.action), (Operation::PostObject, "s3:PutObject"));
            assert_eq!(m.resource, "arn:aws:s3:::photos/alice/my cat.jpg");
            assert_eq!(ctx(&m, "s3:authType"), Some("POST"));
            assert_eq!(ctx(&m, "s3:signatureversion"), Some("AWS4-HMAC-SHA256"));
            assert_eq!(ctx(&m, "s3:x-amz-server-side-encryption"), Some("AES256"));
            assert_eq!(m.also, vec![Check { action: "s3:PutObjectAcl", resource: m.resource.clone() }]);
            assert!(matches!(pending.complete("", &fields), Err(Unmapped::Malformed(_))));
        }
        let pending = match map("POST", BASE, "/photos", "", &[("content-type", "multipart/form-data")]) {
            Err(Unmapped::NeedsFormKey(p)) => p,
            other => panic!("{other:?}"),
        };
        assert_eq!(pending.bucket, "photos");
        assert!(Unmapped::NeedsFormKey(pending).to_string().contains("photos"));
    }

    /// Query parameter order, empty pieces and `x-amz-*` name case do not change the mapping.
    #[test]
    fn query_order_is_irrelevant() {
        let a = ok("GET", BASE, "/b", "list-type=2&prefix=p&delimiter=%2F", &[]);
        let b = ok("GET", BASE, "/b", "delimiter=%2F&&prefix=p&list-type=2&", &[]);
        let key = |m: &Mapped| {
            let mut c = m.context.clone();
            c.sort();
            (m.operation, m.action, m.resource.clone(), c)
        };
        assert_eq!(key(&a), key(&b));
        let a = ok("PUT", BASE, "/b/k", "partNumber=1&uploadId=u", &[]);
        let b = ok("PUT", BASE, "/b/k", "uploadId=u&partNumber=1", &[]);
        assert_eq!(key(&a), key(&b));
    }

    /// s3:versionid is supplied with a version (SAR: s3:GetObjectVersion's condition keys).
    #[test]
    fn version_condition_key() {
        let m = ok("GET", BASE, "/b/k", "versionId=abc%2B1", &[]);
        assert_eq!(ctx(&m, "s3:versionid"), Some("abc+1"));
        assert_eq!(ctx(&ok("GET", BASE, "/b/k", "", &[]), "s3:versionid"), None);
    }
}
