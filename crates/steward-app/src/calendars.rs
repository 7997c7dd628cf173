//! Business calendars as stored: their JSON definition, parsed into the domain's calendar.
use crate::{AppError, Result};
use steward_domain::clock::AlwaysOn;

/// The calendar a stored definition describes.
pub(crate) fn parse_stored(definition: &str) -> Result<AlwaysOn> {
    Err(AppError::Internal(format!(
        "stored calendars are not readable yet ({} bytes)",
        definition.len()
    )))
}
