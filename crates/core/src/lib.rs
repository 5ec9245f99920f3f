//! The shared vocabulary of Qyzmet.
//!
//! Everything here is plain data with parse-don't-validate constructors: a
//! [`Duration`] always has a known [`Unit`], an [`Iin`] always has a valid
//! check digit. No I/O, no clock.

mod duration;
mod ident;
mod system;
mod text;

pub use duration::{Duration, ParseDurationError, Unit};
pub use ident::{Bin, IdentError, Iin};
pub use system::{Answer, System};
pub use text::{Lang, Text};
