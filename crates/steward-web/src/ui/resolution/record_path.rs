//! Reading a record's kind and id back from a page's path, and answering a refused form on a
//! record page with its reasons in the flash: what the record page and its forms share.
use crate::ui::{REFUSAL, UiError, UiResult, see_other, status_label};
use axum::http::request::Parts;
use steward_app::AppError;
use steward_domain::resolution::ticket::TicketKind;

/// The kind named by the path's first segment.
pub(crate) fn kind_of(parts: &Parts) -> Result<TicketKind, UiError> {
    match parts.uri.path().split('/').nth(1) {
        Some("incidents") => Ok(TicketKind::Incident),
        Some("requests") => Ok(TicketKind::Request),
        Some("problems") => Ok(TicketKind::Problem),
        _ => Err(UiError::NotFound),
    }
}

pub(crate) fn id_of(raw: &str) -> Result<i64, UiError> {
    raw.parse().map_err(|_| UiError::NotFound)
}

/// After a refused command the record is shown again with why.
pub(crate) fn refused(base: &str, what: &str, e: AppError) -> UiResult {
    match e {
        AppError::Invalid(invalid) => {
            let detail = invalid
                .0
                .iter()
                .map(|e| format!("{}: {}", status_label(&e.field), e.message))
                .collect::<Vec<_>>()
                .join("; ");
            Ok(see_other(
                base,
                &format!("{REFUSAL}Could not {what}. {detail}"),
            ))
        }
        AppError::Conflict { message, .. } | AppError::TransitionNotAllowed { message, .. } => Ok(
            see_other(base, &format!("{REFUSAL}Could not {what}: {message}")),
        ),
        other => Err(other.into()),
    }
}
