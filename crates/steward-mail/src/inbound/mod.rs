//! Messages in: parsing RFC 5322 into what the desk needs, recognising automatic mail,
//! fetching from IMAP mailboxes, and handing each message to the intake use case.

pub mod automatic;
pub mod deliver;
pub mod imap;
pub mod parse;
pub mod poll;
mod tls;

pub use deliver::deliver;
pub use parse::{ParseError, parse};
