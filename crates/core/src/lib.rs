//! Cognate's vocabulary shared by every layer: the clock, timestamps, resource names. No I/O.

pub mod clock;
pub mod names;

pub use clock::{Clock, ManualClock, OffsetClock, SystemClock, Timestamp};
