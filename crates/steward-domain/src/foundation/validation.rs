//! Field-level validation errors and the small parsers every input type shares.
use serde::{Deserialize, Deserializer, Serialize};

/// One problem with one input field, named by its JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Input that failed validation; carries every offending field, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }
}

/// Collects field errors while a whole input is parsed, so a caller sees all of them at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of `result`, remembering its error if any.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }
}

/// A trimmed text of `min..=max` characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    let count = trimmed.chars().count();
    if count < min {
        return Err(if min == 1 {
            FieldError::new(field, "must not be empty")
        } else {
            FieldError::new(field, format!("must be at least {min} characters"))
        });
    }
    if count > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters (got {count})"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// An optional text: empty after trimming means "none".
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

/// A plausible e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces.
/// A mail domain (`example.org`; a leading `@` is dropped): lower case, dotted labels of
/// letters, digits and dashes.
pub fn mail_domain(field: &str, value: &str) -> Result<String, FieldError> {
    let d = value.trim().trim_start_matches('@').to_ascii_lowercase();
    let ok = d.len() <= 255
        && d.contains('.')
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(d)
    } else {
        Err(FieldError::new(
            field,
            format!("{value:?} is not a mail domain such as example.org"),
        ))
    }
}

pub fn email(field: &str, value: &str) -> Result<String, FieldError> {
    let v = text(field, value, 3, 254)?;
    let valid = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !v.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(v)
    } else {
        Err(FieldError::new(
            field,
            "must be an e-mail address like name@example.org",
        ))
    }
}

/// For PATCH bodies: tells "field absent" (`None`) from "field set to null" (`Some(None)`).
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_trims_and_bounds() {
        assert_eq!(text("f", "  ab ", 1, 5).unwrap(), "ab");
        assert!(text("f", "   ", 1, 5).is_err());
        assert!(text("f", "abcdef", 1, 5).is_err());
        assert!(text("f", "a\u{0}b", 1, 5).is_err());
        // Characters, not bytes.
        assert!(text("f", "ééééé", 1, 5).is_ok());
    }

    #[test]
    fn email_shapes() {
        assert!(email("e", "a@b.org").is_ok());
        for bad in ["a", "a@b", "@b.org", "a@.org", "a b@c.org", "a@b@c.org"] {
            assert!(email("e", bad).is_err(), "{bad} accepted");
        }
    }
}
