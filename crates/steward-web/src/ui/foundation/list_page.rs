//! The configuration screen every managed record type shares: a table of the records, an
//! optional preview per row, and one create-or-edit form refused field by field, with the
//! helpers that read such a form the way the API reads its JSON.
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::{FormData, Layout, Ui, UiError, UiResult};
use askama::Template;
use serde_json::Value;
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::foundation::role::Role;

pub(crate) fn id_of(raw: &str) -> Result<i64, UiError> {
    raw.parse().map_err(|_| UiError::NotFound)
}

pub(crate) fn pairs(list: &[(&str, String)]) -> FormData {
    FormData(
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

pub(crate) fn require_manager(ui: &Ui) -> Result<(), UiError> {
    if ui.manager() {
        Ok(())
    } else {
        Err(UiError::App(AppError::forbidden()))
    }
}

/// A configuration screen: a table, optional charts per row and an optional create form.
#[derive(Template)]
#[template(path = "manage_list.html")]
pub(crate) struct ListPage {
    pub(crate) l: Layout,
    pub(crate) heading: &'static str,
    pub(crate) section: &'static str,
    pub(crate) headers: Vec<&'static str>,
    pub(crate) rows: Vec<Vec<String>>,
    pub(crate) previews: Vec<(String, String)>,
    pub(crate) form: Option<&'static str>,
    pub(crate) values: FormData,
    pub(crate) errors: FieldErrors,
    pub(crate) roles: Vec<&'static str>,
    pub(crate) orgs: Vec<(i64, String)>,
    pub(crate) services: Vec<(i64, String)>,
    pub(crate) calendars: Vec<(i64, String)>,
    pub(crate) priorities: Vec<&'static str>,
    pub(crate) days: Vec<(&'static str, &'static str)>,
    /// One id per row, for its Edit link (empty: the rows are not editable here).
    pub(crate) row_ids: Vec<i64>,
    /// Set when the form edits this record instead of creating one.
    pub(crate) edit: Option<i64>,
}

impl ListPage {
    /// Askama hands the loop index by reference.
    fn row_id(&self, index: &usize) -> Option<i64> {
        self.row_ids.get(*index).copied()
    }

    pub(crate) fn new(ui: &Ui, heading: &'static str, section: &'static str) -> Self {
        ListPage {
            l: ui.layout(heading, "manage"),
            heading,
            section,
            headers: Vec::new(),
            rows: Vec::new(),
            previews: Vec::new(),
            form: None,
            values: FormData::default(),
            errors: FieldErrors::default(),
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            orgs: Vec::new(),
            services: Vec::new(),
            calendars: Vec::new(),
            priorities: vec!["P1", "P2", "P3", "P4", "P5"],
            days: DAYS.to_vec(),
            row_ids: Vec::new(),
            edit: None,
        }
    }
}

pub(crate) fn opt(v: Option<impl ToString>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "—".into())
}

/// Re-renders a configuration screen with the refused input and its messages.
pub(crate) fn refused_form(
    ui: &Ui,
    mut page: ListPage,
    form: FormData,
    errors: &[FieldError],
) -> UiResult {
    page.errors = FieldErrors::from_list(errors);
    page.values = form;
    let mut response = ui.page(&page);
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// Builds a use case's input from JSON the way the API would parse it, so that the form and
/// the API refuse the same things with the same field names.
pub(crate) fn input<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, Vec<FieldError>> {
    serde_json::from_value(value).map_err(|e| {
        let message = e.to_string();
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .unwrap_or("form")
            .to_owned();
        vec![FieldError::new(field, message)]
    })
}

/// An optional decimal form field; a non-number names the field.
pub(crate) fn number(form: &FormData, name: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let v = form.text(name)?;
    match v.replace(',', ".").parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            errors.push(FieldError::new(name, "must be a number"));
            None
        }
    }
}

pub(crate) const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// Renders a configuration screen with its form editing record `id`, or the refusal.
pub(crate) fn edit_page(ui: &Ui, mut page: ListPage, id: i64, values: FormData) -> UiResult {
    page.edit = Some(id);
    page.values = values;
    Ok(ui.page(&page))
}

pub(crate) fn refused_edit(
    ui: &Ui,
    mut page: ListPage,
    id: i64,
    form: FormData,
    errors: &[FieldError],
) -> UiResult {
    page.edit = Some(id);
    refused_form(ui, page, form, errors)
}
