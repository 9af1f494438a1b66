//! Cognito's wire vocabulary: serde types for every request and response (generated from
//! botocore's model), the model itself, and the validator that enforces its constraints. No I/O.

pub mod idp {
    //! The `cognito-idp` (user pools) API.
    pub mod types;

    /// Compact botocore model of the user-pool API (see tools/gen-wire.py).
    pub const MODEL_JSON: &str = include_str!("../model/cognito-idp.json");
}

pub mod identity {
    //! The `cognito-identity` (identity pools) API.
    pub mod types;

    /// Compact botocore model of the identity-pool API (see tools/gen-wire.py).
    pub const MODEL_JSON: &str = include_str!("../model/cognito-identity.json");
}

pub mod model;
pub mod validate;

pub use model::{Model, Operation};
pub use validate::{ValidationError, validate_input};
