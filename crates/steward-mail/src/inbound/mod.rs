//! Messages in: parsing RFC 5322 into what the desk needs, recognising automatic mail,
//! and talking to IMAP servers (the use case that polls and stores is in steward-app).

pub mod automatic;
pub mod imap;
pub mod parse;
mod tls;

pub use parse::{ParseError, parse};
