//! The S3 gateway of Cognate (issue 16): a front for any S3-compatible store that checks every
//! request against the caller's identity-pool policies before forwarding it.
//!
//! This crate currently holds the gateway's pure first step, [`map_request`]: turning an HTTP
//! request as received (method, host, raw path, raw query, headers) into the IAM checks AWS S3
//! would make for it — the action (`s3:GetObject`, …), the resource ARN
//! (`arn:aws:s3:::bucket/key`, the key percent-decoded), the S3 condition keys the request
//! supplies, and any further checks the operation needs (a copy's read of its source, an upload's
//! ACL or tags). No I/O, no clock and no signature verification: authentication happens before,
//! policy evaluation (`cognate-policy`) after.
//!
//! Fail-closed by construction: every operation not explicitly mapped, every unknown query
//! parameter and every malformed request yields [`Unmapped`], which the gateway denies. A browser
//! form upload (POST object) is [`Unmapped::NeedsFormKey`] until the gateway has read the form's
//! `key` field and completed it with [`PendingPostObject::complete`].
//!
//! ```
//! use cognate_s3_gateway::{map_request, S3Request};
//!
//! let headers = [("authorization", "AWS4-HMAC-SHA256 Credential=…")];
//! let req = S3Request { method: "GET", host: Some("photos.s3.example.com"), base_domain: Some("s3.example.com"),
//!     path: "/alice/my%20cat.jpg", query: "", headers: &headers };
//! let mapped = map_request(&req).unwrap();
//! assert_eq!(mapped.action, "s3:GetObject");
//! assert_eq!(mapped.resource, "arn:aws:s3:::photos/alice/my cat.jpg");
//! ```

mod mapping;

pub use mapping::{
    Check, CopySource, HeaderLookup, Mapped, Operation, PendingPostObject, S3Request, Unmapped, map_request,
};
