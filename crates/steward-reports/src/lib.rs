//! Presentation of reports: the same `Report` as CSV, as an SVG chart and as a standalone
//! HTML page. Pure functions of the report; no I/O.
#![forbid(unsafe_code)]

mod chart;
pub mod eventlog;
mod html;
mod review;
mod table;

pub use chart::svg;
pub use html::page;
pub use review::review_page;
pub use table::csv;
