//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`): admin calls verified as AWS does, plus a signer.
//!
//! Verification takes two steps so the caller can look the secret up in between: [`parse`] finds
//! the signature and checks its shape, [`verify`] checks time, scope and the HMAC. Verifier and
//! signer share one canonicalisation, which follows botocore (the reference client) byte for byte.

use std::borrow::Cow;
use std::fmt;

use aws_lc_rs::{digest, hmac};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
use subtle::ConstantTimeEq;

/// The only algorithm AWS (and so Cognate) accepts.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const TERMINATOR: &str = "aws4_request";
const CONTENT_SHA256: &str = "x-amz-content-sha256";
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
const AMZ_DATE_LEN: usize = 16;
/// AWS's allowed clock difference; it also bounds how long a captured request can be replayed.
const MAX_SKEW: TimeDelta = TimeDelta::minutes(15);
const MAX_EXPIRES_SECS: i64 = 604_800;
const SIGNATURE_LEN: usize = 32;

/// RFC 3986 unreserved characters stay literal; everything else becomes `%XX` (uppercase).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
const PATH_SAFE: &AsciiSet = &UNRESERVED.remove(b'/');

/// Hop-by-hop and proxy-rewritten headers botocore never signs; our signer skips them too.
const UNSIGNABLE_HEADERS: [&str; 11] = [
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// What the verifier needs from an HTTP request; the HTTP layer fills it.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// Raw path as received (still percent-encoded), e.g. `/`.
    pub path: &'a str,
    /// Raw query string without `?`; may be empty.
    pub query: &'a str,
    /// All headers as received: names in any case, repeats allowed, order kept.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// The parsed credential part of a signature (header form or presigned query form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub access_key_id: String,
    /// `yyyymmdd`.
    pub date: String,
    pub region: String,
    pub service: String,
}

/// A structurally valid signature, not yet checked against a secret.
#[derive(Clone)]
pub struct ParsedSignature {
    credential: Credential,
    terminator: String,
    signed_headers: String,
    signature: String,
    /// The request time in ISO 8601 basic format, as it enters the string to sign.
    amz_date: String,
    signed_at: DateTime<Utc>,
    form: Form,
    security_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Header,
    Query { expires_secs: Option<i64> },
}

impl ParsedSignature {
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// `X-Amz-Security-Token` (header or query), for callers that must reject or resolve
    /// session credentials.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    /// True when `name` (any case) is among the signed headers.
    pub fn signs_header(&self, name: &str) -> bool {
        self.signed_headers.split(';').any(|h| h.eq_ignore_ascii_case(name))
    }

    pub fn is_presigned(&self) -> bool {
        matches!(self.form, Form::Query { .. })
    }

    pub fn signed_at(&self) -> DateTime<Utc> {
        self.signed_at
    }
}

impl fmt::Debug for ParsedSignature {
    // The session token is a credential; keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedSignature")
            .field("credential", &self.credential)
            .field("signed_headers", &self.signed_headers)
            .field("amz_date", &self.amz_date)
            .field("form", &self.form)
            .field("security_token", &self.security_token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Which required signature parts are absent (AWS lists every one, in this order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MissingParts {
    pub algorithm: bool,
    pub credential: bool,
    pub signature: bool,
    pub signed_headers: bool,
    pub date: bool,
}

/// Why the credential scope is wrong; AWS reports every problem at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeMismatch {
    pub invalid_region: bool,
    /// The region given, when the server expects another.
    pub wrong_region: Option<String>,
    /// The service we expected, when the credential names another.
    pub expected_service: Option<String>,
    /// The terminator given, when it is not `aws4_request`.
    pub bad_terminator: Option<String>,
    /// The scope date given, when it differs from the request date.
    pub bad_date: Option<String>,
    /// The request time (ISO 8601 basic) the scope date was compared with.
    pub request_time: String,
}

/// Why `X-Amz-Expires` is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiresProblem {
    NotANumber,
    Negative,
    TooLong,
}

/// Every SigV4-related failure, each mapping to one AWS error type and message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigV4Error {
    /// No signature where one is required (raised by the caller: [`parse`] returns `Ok(None)`).
    MissingAuthenticationToken,
    /// Unknown access key id or session token (raised by the caller after the lookup).
    UnrecognizedClient,
    IncompleteAuthorizationHeader {
        missing: MissingParts,
        header: String,
    },
    MalformedAuthorizationPair {
        pair: String,
        header: String,
    },
    IncompleteQuery {
        missing: MissingParts,
    },
    UnsupportedAlgorithm(String),
    MalformedDate(String),
    MalformedCredential(String),
    MalformedExpires(ExpiresProblem),
    BothAuthMechanisms,
    HostNotSigned,
    /// Boxed: the report is large and rare, and every result of the verifier carries its size.
    CredentialScope(Box<ScopeMismatch>),
    SignatureExpired {
        signed_at: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    SignatureNotYetCurrent {
        signed_at: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    PresignedExpired {
        signed_at: DateTime<Utc>,
        expires_secs: i64,
        now: DateTime<Utc>,
    },
    SignatureMismatch,
}

impl SigV4Error {
    /// The AWS `__type` for this error.
    pub fn aws_type(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::IncompleteAuthorizationHeader { .. }
            | Self::MalformedAuthorizationPair { .. }
            | Self::IncompleteQuery { .. }
            | Self::UnsupportedAlgorithm(_)
            | Self::MalformedDate(_)
            | Self::MalformedCredential(_)
            | Self::MalformedExpires(_) => "IncompleteSignatureException",
            Self::BothAuthMechanisms
            | Self::HostNotSigned
            | Self::CredentialScope(_)
            | Self::SignatureExpired { .. }
            | Self::SignatureNotYetCurrent { .. }
            | Self::PresignedExpired { .. }
            | Self::SignatureMismatch => "InvalidSignatureException",
        }
    }

    /// The message AWS sends with [`Self::aws_type`].
    pub fn message(&self) -> String {
        match self {
            Self::MissingAuthenticationToken => MSG_MISSING_TOKEN.to_owned(),
            Self::UnrecognizedClient => MSG_UNRECOGNIZED_CLIENT.to_owned(),
            Self::IncompleteAuthorizationHeader { missing, header } => incomplete_header_message(missing, header),
            Self::MalformedAuthorizationPair { pair, header } => format!(
                "'{pair}' not a valid key=value pair (missing equal-sign) \
                 in Authorization header: '{header}'."
            ),
            Self::IncompleteQuery { missing } => incomplete_query_message(missing),
            Self::UnsupportedAlgorithm(alg) => {
                format!("Unsupported AWS 'algorithm': '{alg}' (only AWS4-HMAC-SHA256 for now). ")
            }
            Self::MalformedDate(date) => format!(
                "Date must be in ISO-8601 'basic format'. Got '{date}'. \
                 See http://en.wikipedia.org/wiki/ISO_8601"
            ),
            Self::MalformedCredential(cred) => format!(
                "Credential must have exactly 5 slash-delimited elements, \
                 e.g. keyid/date/region/service/term, got '{cred}'"
            ),
            Self::MalformedExpires(problem) => expires_message(*problem).to_owned(),
            Self::BothAuthMechanisms => MSG_BOTH_MECHANISMS.to_owned(),
            Self::HostNotSigned => MSG_HOST_NOT_SIGNED.to_owned(),
            Self::CredentialScope(scope) => scope_message(scope),
            Self::SignatureExpired { signed_at, now } => expired_message(*signed_at, *now, MAX_SKEW, "15 min."),
            Self::SignatureNotYetCurrent { signed_at, now } => format!(
                "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                amz(*signed_at),
                amz(*now + MAX_SKEW),
                amz(*now)
            ),
            Self::PresignedExpired { signed_at, expires_secs, now } => {
                let window = TimeDelta::seconds(*expires_secs);
                expired_message(*signed_at, *now, window, &format!("{expires_secs} sec."))
            }
            Self::SignatureMismatch => MSG_SIGNATURE_MISMATCH.to_owned(),
        }
    }
}

const MSG_MISSING_TOKEN: &str = "Missing Authentication Token";
const MSG_UNRECOGNIZED_CLIENT: &str = "The security token included in the request is invalid.";
const MSG_BOTH_MECHANISMS: &str =
    "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.";
const MSG_HOST_NOT_SIGNED: &str = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
const MSG_SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. \
     Check your AWS Secret Access Key and signing method. \
     Consult the service documentation for details.";

impl fmt::Display for SigV4Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.aws_type(), self.message())
    }
}

impl std::error::Error for SigV4Error {}

fn incomplete_header_message(missing: &MissingParts, header: &str) -> String {
    let mut msg = String::new();
    for (absent, name) in [
        (missing.credential, "Credential"),
        (missing.signature, "Signature"),
        (missing.signed_headers, "SignedHeaders"),
    ] {
        if absent {
            msg.push_str(&format!("Authorization header requires '{name}' parameter. "));
        }
    }
    if missing.date {
        msg.push_str("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
    }
    msg.push_str("Authorization=");
    msg.push_str(header);
    msg
}

fn incomplete_query_message(missing: &MissingParts) -> String {
    let mut msg = String::new();
    for (absent, name) in [
        (missing.algorithm, "X-Amz-Algorithm"),
        (missing.credential, "X-Amz-Credential"),
        (missing.signature, "X-Amz-Signature"),
        (missing.signed_headers, "X-Amz-SignedHeaders"),
        (missing.date, "X-Amz-Date"),
    ] {
        if absent {
            msg.push_str(&format!("AWS query-string parameters must include '{name}'. "));
        }
    }
    msg.push_str("Re-examine the query-string parameters.");
    msg
}

fn expires_message(problem: ExpiresProblem) -> &'static str {
    match problem {
        ExpiresProblem::NotANumber => "X-Amz-Expires should be a number",
        ExpiresProblem::Negative => "X-Amz-Expires must be non-negative",
        ExpiresProblem::TooLong => "X-Amz-Expires must be less than a week (in seconds) that is 604800",
    }
}

fn scope_message(scope: &ScopeMismatch) -> String {
    let mut msg = String::new();
    if scope.wrong_region.is_some() || scope.invalid_region {
        msg.push_str("Credential should be scoped to a valid region. ");
    }
    if let Some(service) = &scope.expected_service {
        msg.push_str(&format!("Credential should be scoped to correct service: '{service}'. "));
    }
    if let Some(term) = &scope.bad_terminator {
        msg.push_str(&format!("Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{term}'. "));
    }
    if let Some(date) = &scope.bad_date {
        let time = &scope.request_time;
        let day = time.get(..8).unwrap_or(time);
        msg.push_str(&format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
             '{date}' != '{day}', from '{time}'."
        ));
    }
    // A credential scoped to another region, and nothing else wrong, gets AWS's one sentence.
    if msg == "Credential should be scoped to a valid region. " {
        msg.pop();
    }
    msg
}

fn expired_message(signed_at: DateTime<Utc>, now: DateTime<Utc>, window: TimeDelta, label: &str) -> String {
    format!("Signature expired: {} is now earlier than {} ({} - {label})", amz(signed_at), amz(now - window), amz(now))
}

fn amz(time: DateTime<Utc>) -> String {
    time.format(AMZ_DATE_FORMAT).to_string()
}

// ---------------------------------------------------------------------------------------------
// Step 1: parse
// ---------------------------------------------------------------------------------------------

/// Finds and parses the signature. `Ok(None)` means the request carries no AWS signature at all:
/// public operations must tolerate unrelated `Authorization` schemes, so only the caller knows
/// whether that is an error.
pub fn parse(req: &SignedRequest) -> Result<Option<ParsedSignature>, SigV4Error> {
    let header = aws_authorization_header(req.headers);
    let query_alg = query_param(req.query, "X-Amz-Algorithm");
    match (header, query_alg) {
        (Some(_), Some(_)) => Err(SigV4Error::BothAuthMechanisms),
        (Some(header), None) => parse_header_form(req, header).map(Some),
        (None, Some(_)) => parse_query_form(req).map(Some),
        (None, None) => Ok(None),
    }
}

/// The first `Authorization` header, if its scheme is ours.
fn aws_authorization_header<'a>(headers: &[(&str, &'a str)]) -> Option<&'a str> {
    let value = first_header(headers, "authorization")?.trim();
    let scheme = value.split([' ', '\t', ',']).next();
    (scheme == Some(ALGORITHM)).then_some(value)
}

#[derive(Default)]
struct AuthParams<'a> {
    credential: Option<&'a str>,
    signed_headers: Option<&'a str>,
    signature: Option<&'a str>,
}

fn parse_auth_params(header: &str) -> Result<AuthParams<'_>, SigV4Error> {
    let mut params = AuthParams::default();
    let rest = header.strip_prefix(ALGORITHM).unwrap_or(header);
    for token in rest.split(|c: char| c == ',' || c.is_ascii_whitespace()).filter(|t| !t.is_empty()) {
        let Some((key, value)) = token.split_once('=') else {
            return Err(SigV4Error::MalformedAuthorizationPair { pair: token.to_owned(), header: header.to_owned() });
        };
        let value = Some(value).filter(|v| !v.is_empty());
        match key {
            "Credential" => params.credential = value,
            "SignedHeaders" => params.signed_headers = value,
            "Signature" => params.signature = value,
            _ => {}
        }
    }
    Ok(params)
}

fn parse_header_form(req: &SignedRequest, header: &str) -> Result<ParsedSignature, SigV4Error> {
    let params = parse_auth_params(header)?;
    let amz_date = first_header(req.headers, "x-amz-date");
    let http_date = first_header(req.headers, "date");
    let date = request_date(amz_date, http_date);
    let (Some(credential), Some(signature), Some(signed_headers), Some(date)) =
        (params.credential, params.signature, params.signed_headers, date)
    else {
        let missing = MissingParts {
            credential: params.credential.is_none(),
            signature: params.signature.is_none(),
            signed_headers: params.signed_headers.is_none(),
            date: amz_date.is_none() && http_date.is_none(),
            ..MissingParts::default()
        };
        return Err(SigV4Error::IncompleteAuthorizationHeader { missing, header: header.to_owned() });
    };
    let (amz_date, signed_at) = date?;
    let token = first_header(req.headers, "x-amz-security-token").map(str::to_owned);
    let parts = SignatureParts { credential, signed_headers, signature, amz_date, signed_at, token };
    assemble(parts, Form::Header)
}

/// `X-Amz-Date` wins over `Date`, as in AWS; `None` when neither is present.
fn request_date(
    amz_date: Option<&str>,
    http_date: Option<&str>,
) -> Option<Result<(String, DateTime<Utc>), SigV4Error>> {
    match (amz_date, http_date) {
        (Some(date), _) => Some(parse_amz_date(date.trim())),
        (None, Some(date)) => Some(parse_http_date(date.trim())),
        (None, None) => None,
    }
}

/// The decoded `X-Amz-*` parameters of a presigned request.
#[derive(Default)]
struct QueryAuth<'a> {
    algorithm: Option<Cow<'a, str>>,
    credential: Option<Cow<'a, str>>,
    signed_headers: Option<Cow<'a, str>>,
    signature: Option<Cow<'a, str>>,
    date: Option<Cow<'a, str>>,
    expires: Option<Cow<'a, str>>,
    token: Option<Cow<'a, str>>,
}

fn collect_query_auth(query: &str) -> QueryAuth<'_> {
    let mut auth = QueryAuth::default();
    for (key, value) in query_pairs(query) {
        let slot = match decode(key).as_ref() {
            "X-Amz-Algorithm" => &mut auth.algorithm,
            "X-Amz-Credential" => &mut auth.credential,
            "X-Amz-SignedHeaders" => &mut auth.signed_headers,
            "X-Amz-Signature" => &mut auth.signature,
            "X-Amz-Date" => &mut auth.date,
            "X-Amz-Expires" => &mut auth.expires,
            "X-Amz-Security-Token" => &mut auth.token,
            _ => continue,
        };
        *slot = Some(decode(value)).filter(|v| !v.is_empty());
    }
    auth
}

fn parse_query_form(req: &SignedRequest) -> Result<ParsedSignature, SigV4Error> {
    let auth = collect_query_auth(req.query);
    let missing = MissingParts {
        algorithm: auth.algorithm.is_none(),
        credential: auth.credential.is_none(),
        signature: auth.signature.is_none(),
        signed_headers: auth.signed_headers.is_none(),
        date: auth.date.is_none(),
    };
    let (Some(algorithm), Some(credential), Some(signature), Some(signed_headers), Some(date)) =
        (auth.algorithm, auth.credential, auth.signature, auth.signed_headers, auth.date)
    else {
        return Err(SigV4Error::IncompleteQuery { missing });
    };
    if algorithm != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(algorithm.into_owned()));
    }
    let (amz_date, signed_at) = parse_amz_date(&date)?;
    let expires_secs = auth.expires.as_deref().map(parse_expires).transpose()?;
    let token = auth.token.map(Cow::into_owned);
    let parts = SignatureParts {
        credential: &credential,
        signed_headers: &signed_headers,
        signature: &signature,
        amz_date,
        signed_at,
        token,
    };
    assemble(parts, Form::Query { expires_secs })
}

struct SignatureParts<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
    amz_date: String,
    signed_at: DateTime<Utc>,
    token: Option<String>,
}

/// Checks common to both forms, in AWS's order: host signed, then credential shape.
fn assemble(parts: SignatureParts, form: Form) -> Result<ParsedSignature, SigV4Error> {
    // An unsigned Host would let a request signed for one endpoint be replayed against another.
    if !parts.signed_headers.split(';').any(|h| h.eq_ignore_ascii_case("host")) {
        return Err(SigV4Error::HostNotSigned);
    }
    let (credential, terminator) = parse_credential(parts.credential)?;
    Ok(ParsedSignature {
        credential,
        terminator,
        signed_headers: parts.signed_headers.to_owned(),
        signature: parts.signature.to_owned(),
        amz_date: parts.amz_date,
        signed_at: parts.signed_at,
        form,
        security_token: parts.token,
    })
}

fn parse_credential(raw: &str) -> Result<(Credential, String), SigV4Error> {
    let mut parts = raw.trim_end_matches('/').split('/');
    let (Some(key), Some(date), Some(region), Some(service), Some(term), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SigV4Error::MalformedCredential(raw.to_owned()));
    };
    let credential = Credential {
        access_key_id: key.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
    };
    Ok((credential, term.to_owned()))
}

/// `yyyymmddThhmmssZ`, returned verbatim for the string to sign.
fn parse_amz_date(raw: &str) -> Result<(String, DateTime<Utc>), SigV4Error> {
    let bytes = raw.as_bytes();
    let shaped = bytes.len() == AMZ_DATE_LEN
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes.iter().enumerate().all(|(i, b)| i == 8 || i == 15 || b.is_ascii_digit());
    let parsed = NaiveDateTime::parse_from_str(raw, AMZ_DATE_FORMAT).ok().filter(|_| shaped);
    match parsed {
        Some(time) => Ok((raw.to_owned(), time.and_utc())),
        None => Err(SigV4Error::MalformedDate(raw.to_owned())),
    }
}

/// The `Date` header fallback: RFC 1123 as HTTP sends it, or the ISO basic form some SDKs use.
fn parse_http_date(raw: &str) -> Result<(String, DateTime<Utc>), SigV4Error> {
    match DateTime::parse_from_rfc2822(raw) {
        Ok(time) => {
            let utc = time.with_timezone(&Utc);
            Ok((amz(utc), utc))
        }
        Err(_) => parse_amz_date(raw),
    }
}

fn parse_expires(raw: &str) -> Result<i64, SigV4Error> {
    let secs: i64 = raw.parse().map_err(|_| SigV4Error::MalformedExpires(ExpiresProblem::NotANumber))?;
    if secs < 0 {
        Err(SigV4Error::MalformedExpires(ExpiresProblem::Negative))
    } else if secs > MAX_EXPIRES_SECS {
        Err(SigV4Error::MalformedExpires(ExpiresProblem::TooLong))
    } else {
        Ok(secs)
    }
}

// ---------------------------------------------------------------------------------------------
// Step 2: verify
// ---------------------------------------------------------------------------------------------

/// Verifies `sig` (from [`parse`] on the same request) with the secret the caller looked up.
/// `service` is the service the credential must be scoped to (`cognito-idp`); any region is
/// accepted.
pub fn verify(
    req: &SignedRequest,
    sig: &ParsedSignature,
    secret_access_key: &str,
    service: &str,
    now: DateTime<Utc>,
) -> Result<(), SigV4Error> {
    check_clock(sig, now, false)?;
    check_scope(sig, None, service)?;
    check_signature(req, sig, secret_access_key)
}

/// [`verify`] for a server of one region: the credential must also be scoped to `region`,
/// as an AWS endpoint refuses a signature made for another region (a signature is the
/// caller's statement of where it meant to send the request).
pub fn verify_in_region(
    req: &SignedRequest,
    sig: &ParsedSignature,
    secret_access_key: &str,
    region: &str,
    service: &str,
    now: DateTime<Utc>,
) -> Result<(), SigV4Error> {
    check_clock(sig, now, false)?;
    check_scope(sig, Some(region), service)?;
    check_signature(req, sig, secret_access_key)
}

/// [`verify_in_region`] for a request whose body the verifier does not have: `payload_hash`
/// is the payload line the signer used (the hex SHA-256 the request declared, or
/// `UNSIGNED-PAYLOAD`), taken on the word of whoever received the body. When the request
/// signed `x-amz-content-sha256`, that header must say the same. A presigned URL is good for
/// its `X-Amz-Expires`, as S3 takes it (the JSON APIs cap it at the skew window).
pub fn verify_declared_payload_in_region(
    req: &SignedRequest,
    sig: &ParsedSignature,
    secret_access_key: &str,
    region: &str,
    service: &str,
    now: DateTime<Utc>,
    payload_hash: &str,
) -> Result<(), SigV4Error> {
    check_clock(sig, now, true)?;
    check_scope(sig, Some(region), service)?;
    if signed_content_sha256(req, &sig.signed_headers).is_some_and(|declared| declared != payload_hash) {
        return Err(SigV4Error::SignatureMismatch);
    }
    check_signature_over(req, sig, secret_access_key, [Some(payload_hash.as_bytes()), None])
}

/// `expires_extends`: a presigned URL lives as long as its X-Amz-Expires says (S3's rule),
/// instead of no longer than the skew window (the JSON APIs').
fn check_clock(sig: &ParsedSignature, now: DateTime<Utc>, expires_extends: bool) -> Result<(), SigV4Error> {
    let signed_at = sig.signed_at;
    let extended = expires_extends && matches!(sig.form, Form::Query { expires_secs: Some(_) });
    if signed_at < now - MAX_SKEW && !extended {
        return Err(SigV4Error::SignatureExpired { signed_at, now });
    }
    if signed_at > now + MAX_SKEW {
        return Err(SigV4Error::SignatureNotYetCurrent { signed_at, now });
    }
    match sig.form {
        Form::Query { expires_secs: Some(expires_secs) } if signed_at + TimeDelta::seconds(expires_secs) < now => {
            Err(SigV4Error::PresignedExpired { signed_at, expires_secs, now })
        }
        _ => Ok(()),
    }
}

fn check_scope(sig: &ParsedSignature, region: Option<&str>, service: &str) -> Result<(), SigV4Error> {
    let cred = &sig.credential;
    let invalid_region = !is_plausible_region(&cred.region);
    let wrong_region = region.is_some_and(|r| r != cred.region);
    let wrong_service = cred.service != service;
    let bad_terminator = sig.terminator != TERMINATOR;
    let bad_date = cred.date != sig.amz_date.get(..8).unwrap_or_default();
    if !(invalid_region || wrong_region || wrong_service || bad_terminator || bad_date) {
        return Ok(());
    }
    Err(SigV4Error::CredentialScope(Box::new(ScopeMismatch {
        invalid_region,
        wrong_region: wrong_region.then(|| cred.region.clone()),
        expected_service: wrong_service.then(|| service.to_owned()),
        bad_terminator: bad_terminator.then(|| sig.terminator.clone()),
        bad_date: bad_date.then(|| cred.date.clone()),
        request_time: sig.amz_date.clone(),
    })))
}

/// Without an expected region any region name is accepted, but it must look like one.
fn is_plausible_region(region: &str) -> bool {
    !region.is_empty() && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn check_signature(req: &SignedRequest, sig: &ParsedSignature, secret: &str) -> Result<(), SigV4Error> {
    let body_hash = sha256_hex(req.body);
    let payloads = payload_candidates(req, sig, &body_hash)?;
    check_signature_over(req, sig, secret, payloads)
}

fn check_signature_over(
    req: &SignedRequest,
    sig: &ParsedSignature,
    secret: &str,
    payloads: [Option<&[u8]>; 2],
) -> Result<(), SigV4Error> {
    let mut provided = [0u8; SIGNATURE_LEN];
    hex::decode_to_slice(&sig.signature, &mut provided).map_err(|_| SigV4Error::SignatureMismatch)?;
    let scope = Scope::of(&sig.credential);
    let key = signing_key(secret, &scope);
    let mut canonical = canonical_request_head(req, &scope, &sig.signed_headers, sig.is_presigned());
    let head_len = canonical.len();
    for payload in payloads.into_iter().flatten() {
        canonical.truncate(head_len);
        canonical.extend_from_slice(payload);
        let computed = sign_canonical(&key, &sig.amz_date, &scope, &canonical);
        // Constant time, so response timing cannot be used to forge a signature byte by byte.
        if bool::from(computed.as_ref().ct_eq(&provided)) {
            return Ok(());
        }
    }
    Err(SigV4Error::SignatureMismatch)
}

/// The payload-hash lines worth trying, in order.
fn payload_candidates<'a>(
    req: &SignedRequest<'a>,
    sig: &ParsedSignature,
    body_hash: &'a [u8; 64],
) -> Result<[Option<&'a [u8]>; 2], SigV4Error> {
    if let Some(declared) = signed_content_sha256(req, &sig.signed_headers) {
        return check_declared_hash(declared, body_hash).map(|line| [Some(line), None]);
    }
    // Both forms hash the body (botocore does so when presigning non-S3 requests too): an
    // admin call whose body is not covered by the signature could be rewritten and replayed.
    let _ = sig.form;
    Ok([Some(body_hash), None])
}

/// The value of `x-amz-content-sha256`, only when it is present and signed.
fn signed_content_sha256<'a>(req: &SignedRequest<'a>, signed_headers: &str) -> Option<&'a str> {
    let signed = signed_headers.split(';').any(|h| h.eq_ignore_ascii_case(CONTENT_SHA256));
    signed.then(|| first_header(req.headers, CONTENT_SHA256)).flatten().map(str::trim)
}

fn check_declared_hash<'a>(declared: &'a str, body_hash: &[u8; 64]) -> Result<&'a [u8], SigV4Error> {
    // A signed hash that does not match the body means the body was swapped after signing;
    // UNSIGNED-PAYLOAD (meant for S3 streaming) would leave the body unauthenticated.
    if declared.as_bytes().eq_ignore_ascii_case(body_hash) {
        Ok(declared.as_bytes())
    } else {
        Err(SigV4Error::SignatureMismatch)
    }
}

// ---------------------------------------------------------------------------------------------
// Signer
// ---------------------------------------------------------------------------------------------

/// Signs a request as botocore would; returns the headers to add (`x-amz-date`, `authorization`).
/// Every given header is signed except hop-by-hop ones and `user-agent`, so `headers` must include
/// `host` (and normally `content-type` and `x-amz-target`). A given `x-amz-content-sha256` is used
/// as the payload hash.
#[must_use]
#[expect(clippy::too_many_arguments, reason = "mirrors the call shape benchmarks and tests use")]
pub fn sign_headers(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    access_key_id: &str,
    secret: &str,
    region: &str,
    service: &str,
    now: DateTime<Utc>,
) -> Vec<(String, String)> {
    let amz_date = amz(now);
    let mut all: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization") && !name.eq_ignore_ascii_case("x-amz-date"))
        .copied()
        .collect();
    all.push(("x-amz-date", &amz_date));
    let req = SignedRequest { method, path, query, headers: &all, body };
    let scope = Scope { date: amz_date.get(..8).unwrap_or_default(), region, service };
    let signed_headers = signed_header_list(&all);
    let signature = sign_request(&req, &scope, &signed_headers, &amz_date, secret);
    let authorization = format!(
        "{ALGORITHM} Credential={access_key_id}/{}/{region}/{service}/{TERMINATOR}, \
         SignedHeaders={signed_headers}, Signature={signature}",
        scope.date
    );
    vec![("x-amz-date".to_owned(), amz_date), ("authorization".to_owned(), authorization)]
}

/// The hex signature of a header-form request; a given `x-amz-content-sha256` is the payload
/// hash, as in botocore.
fn sign_request(req: &SignedRequest, scope: &Scope, signed_headers: &str, amz_date: &str, secret: &str) -> String {
    let body_hash = sha256_hex(req.body);
    let declared = first_header(req.headers, CONTENT_SHA256).map(str::trim);
    let mut canonical = canonical_request_head(req, scope, signed_headers, false);
    canonical.extend_from_slice(declared.map_or(&body_hash[..], str::as_bytes));
    let tag = sign_canonical(&signing_key(secret, scope), amz_date, scope, &canonical);
    hex::encode(tag.as_ref())
}

fn signed_header_list(headers: &[(&str, &str)]) -> String {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(name, _)| name.trim().to_ascii_lowercase())
        .filter(|name| !UNSIGNABLE_HEADERS.contains(&name.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(";")
}

// ---------------------------------------------------------------------------------------------
// Canonicalisation and crypto shared by verifier and signer
// ---------------------------------------------------------------------------------------------

struct Scope<'a> {
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

impl<'a> Scope<'a> {
    fn of(cred: &'a Credential) -> Self {
        Scope { date: &cred.date, region: &cred.region, service: &cred.service }
    }
}

/// The canonical request up to, not including, the payload hash line.
fn canonical_request_head(req: &SignedRequest, scope: &Scope, signed_headers: &str, presigned: bool) -> Vec<u8> {
    let mut buf = Vec::with_capacity(512 + req.path.len() + req.query.len());
    buf.extend(req.method.bytes().map(|b| b.to_ascii_uppercase()));
    buf.push(b'\n');
    write_canonical_uri(&mut buf, req.path, scope.service);
    buf.push(b'\n');
    write_canonical_query(&mut buf, req.query, presigned);
    buf.push(b'\n');
    for name in signed_headers.split(';') {
        write_canonical_header(&mut buf, name, req.headers);
    }
    buf.push(b'\n');
    buf.extend_from_slice(signed_headers.as_bytes());
    buf.push(b'\n');
    buf
}

/// Non-S3 services sign the path with dot segments and empty segments removed, then encoded
/// once more on top of its wire encoding; S3 signs the wire path as is.
fn write_canonical_uri(buf: &mut Vec<u8>, path: &str, service: &str) {
    if service == "s3" {
        buf.extend_from_slice(if path.is_empty() { b"/" } else { path.as_bytes() });
    } else if is_normalized(path) {
        encode_into(buf, path.as_bytes(), PATH_SAFE);
    } else {
        write_normalized_uri(buf, path);
    }
}

fn is_normalized(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    let mut segments = rest.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if matches!(segment, "." | "..") || (segment.is_empty() && !last) {
            return false;
        }
    }
    true
}

/// botocore's `remove_dot_segments`, which also drops empty segments.
fn write_normalized_uri(buf: &mut Vec<u8>, path: &str) {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    if path.is_empty() || path.starts_with('/') {
        buf.push(b'/');
    }
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            buf.push(b'/');
        }
        encode_into(buf, segment.as_bytes(), PATH_SAFE);
    }
    if path.ends_with('/') && !segments.is_empty() {
        buf.push(b'/');
    }
}

/// Parameters decoded then re-encoded per RFC 3986 and sorted, so any client encoding of the
/// same parameters canonicalises alike.
fn write_canonical_query(buf: &mut Vec<u8>, query: &str, presigned: bool) {
    if query.is_empty() {
        return;
    }
    let mut pairs: Vec<(Cow<str>, Cow<str>)> = query_pairs(query)
        .map(|(key, value)| (canonical_component(key), canonical_component(value)))
        .filter(|(key, _)| !(presigned && key == "X-Amz-Signature"))
        .collect();
    pairs.sort_unstable();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            buf.push(b'&');
        }
        buf.extend_from_slice(key.as_bytes());
        buf.push(b'=');
        buf.extend_from_slice(value.as_bytes());
    }
}

fn canonical_component(raw: &str) -> Cow<'_, str> {
    match Cow::<[u8]>::from(percent_decode_str(raw)) {
        Cow::Borrowed(bytes) => Cow::from(percent_encode(bytes, UNRESERVED)),
        Cow::Owned(bytes) => Cow::Owned(percent_encode(&bytes, UNRESERVED).to_string()),
    }
}

/// `name:value1,value2\n` with each value trimmed and inner whitespace runs collapsed.
fn write_canonical_header(buf: &mut Vec<u8>, name: &str, headers: &[(&str, &str)]) {
    buf.extend(name.bytes().map(|b| b.to_ascii_lowercase()));
    buf.push(b':');
    let values = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    for (i, (_, value)) in values.enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        for (j, word) in value.split(is_header_space).filter(|w| !w.is_empty()).enumerate() {
            if j > 0 {
                buf.push(b' ');
            }
            buf.extend_from_slice(word.as_bytes());
        }
    }
    buf.push(b'\n');
}

/// Python's `str.split()` whitespace (ASCII part), which botocore uses to trim header values.
fn is_header_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

fn encode_into(buf: &mut Vec<u8>, bytes: &[u8], set: &'static AsciiSet) {
    for chunk in percent_encode(bytes, set) {
        buf.extend_from_slice(chunk.as_bytes());
    }
}

/// The per-day, per-region, per-service key: kSecret -> date -> region -> service -> terminator.
fn signing_key(secret: &str, scope: &Scope) -> hmac::Key {
    // Zeroized on drop: it is the secret itself, and freed heap is not cleared.
    let mut k_secret = zeroize::Zeroizing::new(Vec::with_capacity(4 + secret.len()));
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret.as_bytes());
    let k_date = hmac_sha256(&k_secret, scope.date.as_bytes());
    let k_region = hmac_sha256(k_date.as_ref(), scope.region.as_bytes());
    let k_service = hmac_sha256(k_region.as_ref(), scope.service.as_bytes());
    let k_signing = hmac_sha256(k_service.as_ref(), TERMINATOR.as_bytes());
    hmac::Key::new(hmac::HMAC_SHA256, k_signing.as_ref())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> hmac::Tag {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
}

/// HMAC of the string to sign, fed piecewise so it is never built as a string.
fn sign_canonical(key: &hmac::Key, amz_date: &str, scope: &Scope, canonical: &[u8]) -> hmac::Tag {
    let mut ctx = hmac::Context::with_key(key);
    for part in
        [ALGORITHM, "\n", amz_date, "\n", scope.date, "/", scope.region, "/", scope.service, "/", TERMINATOR, "\n"]
    {
        ctx.update(part.as_bytes());
    }
    ctx.update(&sha256_hex(canonical));
    ctx.sign()
}

fn sha256_hex(data: &[u8]) -> [u8; 64] {
    let digest = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest.as_ref()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

// ---------------------------------------------------------------------------------------------
// Request accessors
// ---------------------------------------------------------------------------------------------

fn first_header<'v>(headers: &[(&str, &'v str)], name: &str) -> Option<&'v str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
}

fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, "")))
}

fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query_pairs(query).find(|(key, _)| decode(key) == name).map(|(_, value)| value)
}

fn decode(raw: &str) -> Cow<'_, str> {
    percent_decode_str(raw).decode_utf8_lossy()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests signed by botocore (tools/sigv4-vectors.py), with the canonical request it built.
    const VECTORS: &str = include_str!("../tests_data/sigv4_vectors.json");
    const SERVICE: &str = "cognito-idp";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    // ---- a minimal reader for the fixture, which holds only objects, arrays and strings ----

    enum Json {
        Str(String),
        Arr(Vec<Json>),
        Obj(Vec<(String, Json)>),
    }

    impl Json {
        fn get(&self, key: &str) -> &Json {
            let Json::Obj(fields) = self else { panic!("not an object") };
            &fields.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no field {key}")).1
        }
        fn str(&self) -> &str {
            let Json::Str(s) = self else { panic!("not a string") };
            s
        }
        fn arr(&self) -> &[Json] {
            let Json::Arr(items) = self else { panic!("not an array") };
            items
        }
    }

    struct Reader<'a> {
        bytes: &'a [u8],
        pos: usize,
    }

    impl Reader<'_> {
        fn peek(&mut self) -> u8 {
            while self.bytes[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            self.bytes[self.pos]
        }
        fn eat(&mut self, want: u8) {
            assert_eq!(self.peek(), want, "at byte {}", self.pos);
            self.pos += 1;
        }
        fn value(&mut self) -> Json {
            match self.peek() {
                b'"' => Json::Str(self.string()),
                b'[' => Json::Arr(self.list(b'[', b']', Self::value)),
                b'{' => Json::Obj(self.list(b'{', b'}', |r| {
                    let key = r.string();
                    r.eat(b':');
                    (key, r.value())
                })),
                other => panic!("unexpected {}", other as char),
            }
        }
        fn list<T>(&mut self, open: u8, close: u8, mut item: impl FnMut(&mut Self) -> T) -> Vec<T> {
            self.eat(open);
            let mut items = Vec::new();
            while self.peek() != close {
                if !items.is_empty() {
                    self.eat(b',');
                }
                items.push(item(self));
            }
            self.eat(close);
            items
        }
        fn string(&mut self) -> String {
            self.eat(b'"');
            let mut out = Vec::new();
            loop {
                let b = self.bytes[self.pos];
                self.pos += 1;
                match b {
                    b'"' => return String::from_utf8(out).unwrap(),
                    b'\\' => self.escape(&mut out),
                    _ => out.push(b),
                }
            }
        }
        fn escape(&mut self, out: &mut Vec<u8>) {
            let b = self.bytes[self.pos];
            self.pos += 1;
            let c = match b {
                b'n' => '\n',
                b't' => '\t',
                b'r' => '\r',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'u' => {
                    let hex = std::str::from_utf8(&self.bytes[self.pos..self.pos + 4]).unwrap();
                    self.pos += 4;
                    char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap()
                }
                other => other as char,
            };
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }

    // ---- fixtures ----

    #[derive(Clone)]
    struct Vector {
        name: String,
        service: String,
        now: DateTime<Utc>,
        method: String,
        path: String,
        query: String,
        headers: Vec<(String, String)>,
        body: String,
        canonical_request: String,
    }

    impl Vector {
        /// The same request signed by [`sign_headers`] instead of its original signer.
        fn resigned(&self, region: &str, now: DateTime<Utc>) -> Vector {
            let mut v = self.clone();
            let added_by_signer = ["authorization", "x-amz-date"];
            v.headers.retain(|(k, _)| !added_by_signer.iter().any(|a| k.eq_ignore_ascii_case(a)));
            let (method, path, query, body) = (&v.method, &v.path, &v.query, v.body.as_bytes());
            let key = "AKIDEXAMPLE";
            let (headers, service) = (v.header_refs(), &v.service);
            let added = sign_headers(method, path, query, &headers, body, key, SECRET, region, service, now);
            v.headers.extend(added);
            v.now = now;
            v
        }
        fn has(&self, name: &str) -> bool {
            self.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
        }
        fn header_refs(&self) -> Vec<(&str, &str)> {
            self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
        }
        fn set_header(&mut self, name: &str, value: &str) {
            self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            self.headers.push((name.to_owned(), value.to_owned()));
        }
        fn header(&self, name: &str) -> &str {
            &self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).unwrap().1
        }
        fn check_with(&self, secret: &str, service: &str, now: DateTime<Utc>) -> Result<(), SigV4Error> {
            let headers = self.header_refs();
            let req = self.request(&headers);
            let sig = parse(&req)?.unwrap_or_else(|| panic!("{}: no signature found", self.name));
            verify(&req, &sig, secret, service, now)
        }
        fn check(&self) -> Result<(), SigV4Error> {
            self.check_with(SECRET, &self.service, self.now)
        }
        fn request<'a>(&'a self, headers: &'a [(&'a str, &'a str)]) -> SignedRequest<'a> {
            SignedRequest {
                method: &self.method,
                path: &self.path,
                query: &self.query,
                headers,
                body: self.body.as_bytes(),
            }
        }
    }

    fn vectors() -> Vec<Vector> {
        let root = Reader { bytes: VECTORS.as_bytes(), pos: 0 }.value();
        root.get("vectors").arr().iter().map(vector_from_json).collect()
    }

    fn vector_from_json(v: &Json) -> Vector {
        assert_eq!(v.get("secret").str(), SECRET);
        let field = |k: &str| v.get(k).str().to_owned();
        Vector {
            name: field("name"),
            service: field("service"),
            now: at(v.get("now").str()),
            method: field("method"),
            path: field("path"),
            query: field("query"),
            headers: v.get("headers").arr().iter().map(|h| split_header(h.str())).collect(),
            body: field("body"),
            canonical_request: field("canonical_request"),
        }
    }

    fn split_header(line: &str) -> (String, String) {
        let (name, value) = line.split_once(':').unwrap();
        (name.to_owned(), value.to_owned())
    }

    fn vector(name: &str) -> Vector {
        vectors().into_iter().find(|v| v.name == name).unwrap()
    }

    fn at(amz_date: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(amz_date, AMZ_DATE_FORMAT).unwrap().and_utc()
    }

    /// A cognito-idp call signed by our own signer at `signed`.
    fn own_signed(signed: &str, extra: &[(&str, &str)], body: &str) -> Vector {
        let mut v = vector("cognito_admin_json");
        let extra = extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        v.headers.extend(extra);
        v.body = body.to_owned();
        v.resigned("us-east-1", at(signed))
    }

    fn with_authorization(v: &Vector, edit: impl Fn(&str) -> String) -> Vector {
        let mut v = v.clone();
        let auth = edit(v.header("authorization"));
        v.set_header("Authorization", &auth);
        v
    }

    fn err_message(result: Result<(), SigV4Error>) -> (&'static str, String) {
        let e = result.unwrap_err();
        (e.aws_type(), e.message())
    }

    const MISMATCH: &str = "The request signature we calculated does not match the signature \
        you provided. Check your AWS Secret Access Key and signing method. Consult the service \
        documentation for details.";

    // ---- known-good requests ----

    #[test]
    fn canonical_requests_match_botocore() {
        for v in vectors().into_iter().filter(|v| !v.name.contains("unsigned_payload")) {
            let headers = v.header_refs();
            let req = v.request(&headers);
            let sig = parse(&req).unwrap().unwrap();
            let body_hash = sha256_hex(req.body);
            let head =
                canonical_request_head(&req, &Scope::of(&sig.credential), &sig.signed_headers, sig.is_presigned());
            let head = String::from_utf8(head).unwrap();
            let payload = v.canonical_request.rsplit('\n').next().unwrap();
            let candidates = payload_candidates(&req, &sig, &body_hash).unwrap();
            assert!(candidates.contains(&Some(payload.as_bytes())), "{}: payload {payload}", v.name);
            assert_eq!(format!("{head}{payload}"), v.canonical_request, "{}", v.name);
        }
    }

    #[test]
    fn botocore_vectors_verify() {
        let all = vectors();
        assert_eq!(all.len(), 10);
        // UNSIGNED-PAYLOAD vectors are refused on purpose (see `unsigned_payload_is_refused`).
        for v in all.into_iter().filter(|v| !v.name.contains("unsigned_payload")) {
            assert_eq!(v.check(), Ok(()), "{}", v.name);
        }
    }

    #[test]
    fn signer_reproduces_botocore() {
        let header_form = |v: &Vector| !v.query.contains("X-Amz-Signature") && !v.has("date");
        for v in vectors().into_iter().filter(header_form) {
            let ours = v.resigned("us-east-1", v.now);
            assert_eq!(ours.header("x-amz-date"), v.header("x-amz-date"), "{}", v.name);
            assert_eq!(ours.header("authorization"), v.header("authorization"), "{}", v.name);
        }
    }

    #[test]
    fn sign_then_verify_round_trip() {
        let v = own_signed("20240101T000000Z", &[("X-Amz-Security-Token", "tok")], "{\"a\":1}");
        assert_eq!(v.check(), Ok(()));
        let headers = v.header_refs();
        let sig = parse(&v.request(&headers)).unwrap().unwrap();
        assert_eq!(sig.security_token(), Some("tok"));
        assert_eq!(sig.credential().access_key_id, "AKIDEXAMPLE");
        assert_eq!(sig.credential().region, "us-east-1");
        assert!(!sig.is_presigned());
        assert!(!format!("{sig:?}").contains("tok\""), "token must not be logged");
    }

    #[test]
    fn parsed_credentials_and_tokens() {
        let v = vector("presigned_with_token");
        let headers = v.header_refs();
        let sig = parse(&v.request(&headers)).unwrap().unwrap();
        let expected = Credential {
            access_key_id: "AKIDEXAMPLE".into(),
            date: "20240101".into(),
            region: "us-east-1".into(),
            service: SERVICE.into(),
        };
        assert_eq!(sig.credential(), &expected);
        assert!(sig.is_presigned());
        assert_eq!(sig.security_token(), Some("FwoGZXIvYXdzEXAMPLESESSIONTOKEN//////////wEaDExample+Token=="));
    }

    #[test]
    fn unsigned_extra_headers_are_ignored() {
        let mut v = vector("cognito_admin_json");
        v.headers.push(("User-Agent".into(), "aws-cli/2".into()));
        v.headers.push(("X-Forwarded-For".into(), "10.0.0.1".into()));
        assert_eq!(v.check(), Ok(()));
    }

    #[test]
    fn region_is_not_checked() {
        let base = vector("cognito_admin_json");
        for region in ["local", "eu-central-1", "Mars-1"] {
            let v = base.resigned(region, base.now);
            assert!(v.header("authorization").contains(&format!("/{region}/")));
            assert_eq!(v.check(), Ok(()), "{region}");
        }
    }

    #[test]
    fn query_encoding_variants_canonicalise_alike() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_canonical_query(&mut a, "k=%7E%41&x=a%2fb&z", false);
        write_canonical_query(&mut b, "z=&x=a%2Fb&k=~A", false);
        assert_eq!(a, b);
        assert_eq!(String::from_utf8(a).unwrap(), "k=~A&x=a%2Fb&z=");
    }

    #[test]
    fn paths_normalise_like_botocore() {
        for (path, want) in [
            ("", "/"),
            ("/", "/"),
            ("//", "/"),
            ("/a/./b/../c/", "/a/c/"),
            ("/../a", "/a"),
            ("/a b/%41", "/a%20b/%2541"),
            ("/x/..", "/"),
        ] {
            let mut buf = Vec::new();
            write_canonical_uri(&mut buf, path, SERVICE);
            assert_eq!(String::from_utf8(buf).unwrap(), want, "{path:?}");
        }
    }

    // ---- tampering ----

    #[test]
    fn wrong_secret_is_a_mismatch() {
        let v = vector("cognito_admin_json");
        let result = v.check_with("not-the-secret", SERVICE, v.now);
        assert_eq!(err_message(result), ("InvalidSignatureException", MISMATCH.to_owned()));
    }

    #[test]
    fn tampered_body_is_a_mismatch() {
        let mut v = vector("cognito_admin_json");
        v.body = v.body.replace("alice", "mallory");
        assert_eq!(v.check(), Err(SigV4Error::SignatureMismatch));
    }

    #[test]
    fn tampered_signed_header_is_a_mismatch() {
        let mut v = vector("cognito_admin_json");
        v.set_header("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminDeleteUser");
        assert_eq!(v.check(), Err(SigV4Error::SignatureMismatch));
        let mut v = vector("repeated_and_whitespace_headers");
        v.headers.retain(|(k, v)| !(k == "X-Custom" && v == "d"));
        assert_eq!(v.check(), Err(SigV4Error::SignatureMismatch));
    }

    #[test]
    fn tampered_query_and_path_are_mismatches() {
        let mut v = vector("presigned_get");
        v.query = v.query.replace("Username=alice", "Username=bob");
        assert_eq!(v.check(), Err(SigV4Error::SignatureMismatch));
        let mut v = vector("path_and_query_encoding");
        v.path = v.path.replace("my%20pool", "my%20poo1");
        assert_eq!(v.check(), Err(SigV4Error::SignatureMismatch));
    }

    #[test]
    fn signed_content_hash_must_match_the_body() {
        let zeros = "0".repeat(64);
        let v = own_signed("20240101T000000Z", &[("X-Amz-Content-Sha256", &zeros)], "{}");
        assert_eq!(v.check(), Err(SigV4Error::SignatureMismatch));
        let body_hash = String::from_utf8(sha256_hex(b"{}").to_vec()).unwrap();
        let v = own_signed("20240101T000000Z", &[("X-Amz-Content-Sha256", &body_hash)], "{}");
        assert_eq!(v.check(), Ok(()));
    }

    #[test]
    fn unsigned_payload_is_refused() {
        let v = vector("https_unsigned_payload");
        assert_eq!(v.check(), Err(SigV4Error::SignatureMismatch));
        let v = vector("presigned_unsigned_payload");
        assert_eq!(v.check(), Err(SigV4Error::SignatureMismatch));
    }

    #[test]
    fn malformed_signature_hex_is_a_mismatch() {
        let v = with_authorization(&vector("cognito_admin_json"), |a| {
            let cut = a.find("Signature=").unwrap();
            format!("{}Signature=zz", &a[..cut])
        });
        assert_eq!(v.check(), Err(SigV4Error::SignatureMismatch));
    }

    // ---- time ----

    #[test]
    fn stale_and_future_messages() {
        let v = own_signed("20240101T000000Z", &[], "{}");
        let stale = v.check_with(SECRET, SERVICE, at("20240101T002000Z"));
        let want =
            "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T002000Z - 15 min.)";
        assert_eq!(err_message(stale), ("InvalidSignatureException", want.to_owned()));
        let v = own_signed("20240101T003000Z", &[], "{}");
        let future = v.check_with(SECRET, SERVICE, at("20240101T000000Z"));
        let want = "Signature not yet current: 20240101T003000Z is still later than 20240101T001500Z (20240101T000000Z + 15 min.)";
        assert_eq!(err_message(future), ("InvalidSignatureException", want.to_owned()));
    }

    #[test]
    fn skew_boundaries() {
        let v = vector("cognito_admin_json");
        let minute = TimeDelta::minutes(1);
        assert_eq!(v.check_with(SECRET, SERVICE, v.now + MAX_SKEW), Ok(()));
        assert_eq!(v.check_with(SECRET, SERVICE, v.now - MAX_SKEW), Ok(()));
        let stale = v.check_with(SECRET, SERVICE, v.now + MAX_SKEW + minute);
        assert!(matches!(stale, Err(SigV4Error::SignatureExpired { .. })));
        let future = v.check_with(SECRET, SERVICE, v.now - MAX_SKEW - minute);
        assert!(matches!(future, Err(SigV4Error::SignatureNotYetCurrent { .. })));
    }

    #[test]
    fn presigned_expiry_is_honoured() {
        let v = vector("presigned_get");
        assert_eq!(v.check_with(SECRET, SERVICE, v.now + TimeDelta::seconds(300)), Ok(()));
        let late = v.check_with(SECRET, SERVICE, v.now + TimeDelta::seconds(301));
        let want =
            "Signature expired: 20240101T123456Z is now earlier than 20240101T123457Z (20240101T123957Z - 300 sec.)";
        assert_eq!(err_message(late), ("InvalidSignatureException", want.to_owned()));
        // X-Amz-Expires longer than the skew window does not extend it.
        let v = vector("presigned_with_token");
        let stale = v.check_with(SECRET, SERVICE, v.now + TimeDelta::seconds(901));
        assert!(matches!(stale, Err(SigV4Error::SignatureExpired { .. })));
    }

    #[test]
    fn bad_expires_values() {
        for (value, problem) in [
            ("soon", ExpiresProblem::NotANumber),
            ("-1", ExpiresProblem::Negative),
            ("604801", ExpiresProblem::TooLong),
        ] {
            let mut v = vector("presigned_get");
            v.query = v.query.replace("X-Amz-Expires=300", &format!("X-Amz-Expires={value}"));
            assert_eq!(v.check(), Err(SigV4Error::MalformedExpires(problem)), "{value}");
        }
    }

    #[test]
    fn malformed_dates() {
        let mut v = vector("cognito_admin_json");
        v.set_header("X-Amz-Date", "2024-01-01T12:34:56Z");
        let want = "Date must be in ISO-8601 'basic format'. Got '2024-01-01T12:34:56Z'. See http://en.wikipedia.org/wiki/ISO_8601";
        assert_eq!(err_message(v.check()), ("IncompleteSignatureException", want.to_owned()));
        let mut v = vector("date_header_fallback");
        v.set_header("Date", "yesterday");
        assert_eq!(v.check(), Err(SigV4Error::MalformedDate("yesterday".into())));
    }

    // ---- scope ----

    #[test]
    fn wrong_service_is_rejected() {
        let v = vector("cognito_admin_json");
        let result = v.check_with(SECRET, "dynamodb", v.now);
        let want = "Credential should be scoped to correct service: 'dynamodb'. ";
        assert_eq!(err_message(result), ("InvalidSignatureException", want.to_owned()));
    }

    #[test]
    fn another_region_is_rejected_by_a_regional_server() {
        let v = vector("cognito_admin_json");
        let headers = v.header_refs();
        let req = v.request(&headers);
        let sig = parse(&req).unwrap().unwrap();
        assert_eq!(verify_in_region(&req, &sig, SECRET, "us-east-1", "cognito-idp", v.now), Ok(()));
        let result = verify_in_region(&req, &sig, SECRET, "us-west-2", "cognito-idp", v.now);
        let want = "Credential should be scoped to a valid region.";
        assert_eq!(err_message(result), ("InvalidSignatureException", want.to_owned()));
        let both = verify_in_region(&req, &sig, SECRET, "eu-west-1", "dynamodb", v.now);
        let want = "Credential should be scoped to a valid region. \
            Credential should be scoped to correct service: 'dynamodb'. ";
        assert_eq!(err_message(both), ("InvalidSignatureException", want.to_owned()));
    }

    #[test]
    fn every_scope_problem_is_reported() {
        let v = with_authorization(&vector("cognito_admin_json"), |a| {
            a.replace(
                "AKIDEXAMPLE/20240101/us-east-1/cognito-idp/aws4_request",
                "AKIDEXAMPLE/20231231//s3/aws5_request",
            )
        });
        let want = "Credential should be scoped to a valid region. \
            Credential should be scoped to correct service: 'cognito-idp'. \
            Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. \
            Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
            '20231231' != '20240101', from '20240101T123456Z'.";
        assert_eq!(err_message(v.check()), ("InvalidSignatureException", want.to_owned()));
    }

    #[test]
    fn credential_needs_five_parts() {
        let v = with_authorization(&vector("cognito_admin_json"), |a| a.replace("/us-east-1", ""));
        let want = "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, \
            got 'AKIDEXAMPLE/20240101/cognito-idp/aws4_request'";
        assert_eq!(err_message(v.check()), ("IncompleteSignatureException", want.to_owned()));
    }

    #[test]
    fn host_must_be_signed() {
        let v = with_authorization(&vector("cognito_admin_json"), |a| a.replace(";host;", ";"));
        let want = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
        assert_eq!(err_message(v.check()), ("InvalidSignatureException", want.to_owned()));
        let mut v = vector("presigned_get");
        v.query = v.query.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-date");
        assert_eq!(v.check(), Err(SigV4Error::HostNotSigned));
    }

    // ---- malformed or absent signatures ----

    #[test]
    fn each_missing_header_part_is_named() {
        let base = vector("cognito_admin_json");
        let cases = [
            (
                "AWS4-HMAC-SHA256",
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. ",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/cognito-idp/aws4_request",
                "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. ",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/cognito-idp/aws4_request, Signature=abcd",
                "Authorization header requires 'SignedHeaders' parameter. ",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=",
                "Authorization header requires 'Signature' parameter. ",
            ),
            (
                "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abcd",
                "Authorization header requires 'Credential' parameter. ",
            ),
        ];
        for (header, clauses) in cases {
            let v = with_authorization(&base, |_| header.to_owned());
            let want = format!("{clauses}Authorization={header}");
            assert_eq!(err_message(v.check()), ("IncompleteSignatureException", want), "{header}");
        }
    }

    #[test]
    fn missing_date_is_named() {
        let mut v = vector("cognito_admin_json");
        v.headers.retain(|(k, _)| k != "X-Amz-Date");
        let header = v.header("authorization").to_owned();
        let want = format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={header}"
        );
        assert_eq!(err_message(v.check()), ("IncompleteSignatureException", want));
    }

    #[test]
    fn pair_without_equals_sign() {
        let header = "AWS4-HMAC-SHA256 FooBar, Signature=abc";
        let v = with_authorization(&vector("cognito_admin_json"), |_| header.to_owned());
        let want =
            format!("'FooBar' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'.");
        assert_eq!(err_message(v.check()), ("IncompleteSignatureException", want));
    }

    #[test]
    fn compact_header_spacing_is_accepted() {
        let v = with_authorization(&vector("cognito_admin_json"), |a| a.replace(", ", ","));
        assert_eq!(v.check(), Ok(()));
    }

    #[test]
    fn other_schemes_are_not_aws_signatures() {
        let mut v = vector("cognito_admin_json");
        for auth in [
            "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig",
            "Basic dXNlcjpwYXNz",
            "AWS4-HMAC-SHA512 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00",
            "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
            "AWS4-HMAC-SHA256Credential=x",
            "",
        ] {
            v.set_header("Authorization", auth);
            let headers = v.header_refs();
            assert!(parse(&v.request(&headers)).unwrap().is_none(), "{auth}");
        }
        v.headers.retain(|(k, _)| k != "Authorization");
        let headers = v.header_refs();
        assert!(parse(&v.request(&headers)).unwrap().is_none());
    }

    #[test]
    fn header_and_query_together_are_rejected() {
        let mut v = vector("cognito_admin_json");
        v.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256".into();
        let want = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.";
        assert_eq!(err_message(v.check()), ("InvalidSignatureException", want.to_owned()));
    }

    #[test]
    fn incomplete_query_lists_missing_parameters() {
        let mut v = vector("presigned_get");
        v.query = "Action=AdminGetUser&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T123456Z".into();
        let want = "AWS query-string parameters must include 'X-Amz-Credential'. \
            AWS query-string parameters must include 'X-Amz-Signature'. \
            AWS query-string parameters must include 'X-Amz-SignedHeaders'. \
            Re-examine the query-string parameters.";
        assert_eq!(err_message(v.check()), ("IncompleteSignatureException", want.to_owned()));
    }

    #[test]
    fn unsupported_query_algorithm() {
        let mut v = vector("presigned_get");
        v.query = v.query.replace("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA512");
        let want = "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ";
        assert_eq!(err_message(v.check()), ("IncompleteSignatureException", want.to_owned()));
    }

    #[test]
    fn caller_side_errors() {
        let missing = SigV4Error::MissingAuthenticationToken;
        assert_eq!(
            (missing.aws_type(), missing.message().as_str()),
            ("MissingAuthenticationTokenException", "Missing Authentication Token")
        );
        let unknown = SigV4Error::UnrecognizedClient;
        assert_eq!(
            (unknown.aws_type(), unknown.message().as_str()),
            ("UnrecognizedClientException", "The security token included in the request is invalid.")
        );
    }
}
