//! Improvement — its web screens: the improvement register.
//! ISO/IEC 20000-1 10.2.

pub(crate) mod improvements;
