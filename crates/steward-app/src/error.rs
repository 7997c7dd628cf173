use steward_domain::{FieldError, Invalid};
use steward_store::StoreError;
use thiserror::Error;

/// Why a use case refused or failed. The web layer turns each into a problem+json status.
#[derive(Debug, Error)]
pub enum AppError {
    /// 422: the input was well-formed but its values are not acceptable.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// 404: no such record, or one the actor may not know exists.
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// 401.
    #[error("{0}")]
    Unauthenticated(String),
    /// 403.
    #[error("{0}")]
    Forbidden(String),
    /// 409: the request conflicts with the current state.
    #[error("{message}")]
    Conflict {
        message: String,
        field: Option<String>,
    },
    /// 409: a lifecycle move the record's status does not allow; `allowed` lists those it does.
    #[error("{message}")]
    TransitionNotAllowed {
        message: String,
        allowed: Vec<&'static str>,
    },
    /// 410: the thing asked for existed but is no longer available (an expired survey link).
    #[error("{0}")]
    Gone(String),
    /// 429.
    #[error("too many failed login attempts; try again in {retry_after} seconds")]
    Throttled { retry_after: i64 },
    /// 503: too much password hashing is already running; try again after `retry_after` s.
    #[error("the server is busy checking other passwords; try again in {retry_after} seconds")]
    Busy { retry_after: i64 },
    /// 500/503: storage failed; the transaction was rolled back.
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        AppError::NotFound {
            what,
            id: id.to_string(),
        }
    }

    pub fn forbidden() -> Self {
        AppError::Forbidden("your role does not allow this".into())
    }

    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
            field: field.map(str::to_owned),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(Invalid(vec![FieldError::new(field, message)]))
    }
}

impl From<steward_domain::resolution::workflow::TransitionError> for AppError {
    fn from(e: steward_domain::resolution::workflow::TransitionError) -> Self {
        use steward_domain::resolution::workflow::TransitionError;
        let refusal = e.to_string();
        match e {
            TransitionError::Invalid(invalid) => AppError::Invalid(invalid),
            TransitionError::NotAllowed { allowed, .. } => AppError::TransitionNotAllowed {
                message: format!("{refusal}; allowed: {}", allowed_list(&allowed)),
                allowed,
            },
        }
    }
}

fn allowed_list(allowed: &[&str]) -> String {
    if allowed.is_empty() {
        "nothing, the status is final".to_owned()
    } else {
        allowed.join(", ")
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(Invalid(vec![e]))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            // Checked before writing in each command; this catches concurrent races.
            StoreError::Duplicate(what) => AppError::conflict(
                None,
                format!("a record with the same unique value already exists ({what})"),
            ),
            StoreError::DanglingReference(what) => AppError::conflict(
                None,
                format!("a referenced record does not exist or is still referenced ({what})"),
            ),
            other => AppError::Store(other),
        }
    }
}
