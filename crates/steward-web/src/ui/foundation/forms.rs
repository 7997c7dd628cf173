//! Plain HTML form bodies, and validation errors kept by field for re-rendering a form.
use crate::ui::UiError;
use axum::extract::{FromRequest, Request};
use bytes::Bytes;
use std::collections::BTreeMap;
use steward_domain::FieldError;

/// An `application/x-www-form-urlencoded` body as its name/value pairs, in order.
#[derive(Debug, Default, Clone)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        FormData(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field's value, trimmed; absent when missing or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// A field's value as typed, or empty.
    pub fn value(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// Whether a repeated field (checkboxes) carries this value.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && v == value)
    }

    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// An optional id field (`""` means none); a non-number names the field.
    pub fn id(&self, name: &str) -> Result<Option<i64>, FieldError> {
        match self.text(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| FieldError::new(name, "must be chosen from the list")),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, UiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| UiError::BadForm(e.body_text()))?;
        Ok(FormData::parse(&bytes))
    }
}

/// Validation messages by field name, shown next to each field.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn from_list(errors: &[FieldError]) -> Self {
        let mut map = BTreeMap::new();
        for e in errors {
            // The first message for a field is the one shown.
            map.entry(top_field(&e.field))
                .or_insert_with(|| e.message.clone());
        }
        FieldErrors(map)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every message, for the summary at the top of a form.
    pub fn all(&self) -> Vec<(String, String)> {
        self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// `answers.count` → `count`: form fields are named by the last path segment.
fn top_field(path: &str) -> String {
    path.rsplit('.').next().unwrap_or(path).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_body_reads_by_name_with_blanks_as_absent() {
        let f = FormData::parse(b"title=Mail+down&team_id=&n=%C3%BC&team_id=3");
        assert_eq!(f.text("title").as_deref(), Some("Mail down"));
        assert_eq!(f.id("team_id").unwrap(), None);
        assert_eq!(f.value("n"), "ü");
        assert!(FormData::parse(b"x=abc").id("x").is_err());
    }

    #[test]
    fn nested_fields_are_shown_by_their_own_name() {
        let e = FieldErrors::from_list(&[
            FieldError::new("answers.count", "too many"),
            FieldError::new("answers.count", "second"),
        ]);
        assert_eq!(e.get("count"), Some("too many"));
    }
}
