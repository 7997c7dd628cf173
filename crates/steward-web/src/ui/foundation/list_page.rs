//! The configuration screen every managed record type shares: a table of the records, an
//! optional preview per row, and one create-or-edit form refused field by field, with the
//! helpers that read such a form the way the API reads its JSON.
use crate::ui::foundation::fields::Group;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::{FormData, Layout, Ui, UiError, UiResult};
use askama::Template;
use serde_json::Value;
use steward_app::AppError;
use steward_domain::FieldError;

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

/// The create-or-edit form of a configuration screen: what it makes, and its fields.
pub(crate) struct FormSpec {
    pub(crate) noun: &'static str,
    pub(crate) groups: Vec<Group>,
    /// The form edits the one record there is (settings): nothing to create.
    pub(crate) single: bool,
    /// The submit button's text, when neither "Create" nor "Save changes" says it.
    pub(crate) submit: Option<&'static str>,
}

impl FormSpec {
    /// "a" or "an", by the noun's first sound as far as its first letter tells.
    pub(crate) fn article(&self) -> &'static str {
        match self.noun.chars().next() {
            Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
            _ => "a",
        }
    }

    pub(crate) fn new(noun: &'static str, groups: Vec<Group>) -> Self {
        FormSpec {
            noun,
            groups,
            single: false,
            submit: None,
        }
    }
}

/// A column of links, one per row (a row's continuity plans, say), each with an optional flag
/// shown as a tag after it ("Test overdue").
pub(crate) struct LinkColumn {
    pub(crate) header: &'static str,
    /// Per row: (href, link text, flag).
    pub(crate) cells: Vec<(String, String, Option<String>)>,
}

impl LinkColumn {
    pub(crate) fn new(header: &'static str) -> Self {
        LinkColumn {
            header,
            cells: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, href: String, text: impl Into<String>, flag: Option<String>) {
        self.cells.push((href, text.into(), flag));
    }

    /// Askama hands the loop index by reference.
    fn cell(&self, row: &usize) -> Option<&(String, String, Option<String>)> {
        self.cells.get(*row)
    }
}

/// A configuration screen: a table, optional charts per row and an optional create form.
#[derive(Template)]
#[template(path = "manage_list.html")]
pub(crate) struct ListPage {
    pub(crate) l: Layout,
    pub(crate) heading: &'static str,
    /// Which management section the navigation marks current.
    pub(crate) section: &'static str,
    /// Where the list lives: its form posts here, and each row's edit form is `base/{id}`.
    pub(crate) base: String,
    /// A sentence under the heading saying what the list holds.
    pub(crate) intro: Option<String>,
    /// Links to related pages, shown under the intro: (href, label).
    pub(crate) related: Vec<(String, String)>,
    pub(crate) headers: Vec<&'static str>,
    pub(crate) rows: Vec<Vec<String>>,
    /// One link per row to what the row holds (an entry's items), named `link_label`.
    pub(crate) row_links: Vec<String>,
    pub(crate) link_label: &'static str,
    /// More columns of links, after the row links.
    pub(crate) link_columns: Vec<LinkColumn>,
    pub(crate) previews: Vec<(String, String)>,
    pub(crate) form: Option<FormSpec>,
    pub(crate) values: FormData,
    pub(crate) errors: FieldErrors,
    /// One id per row, for its Edit link (empty: the rows are not editable here).
    pub(crate) row_ids: Vec<i64>,
    /// Set when the form edits this record instead of creating one.
    pub(crate) edit: Option<i64>,
    /// The record being edited may be deleted: a separate form posts to `base/{id}/delete`.
    pub(crate) deletable: bool,
}

impl ListPage {
    /// Askama hands the loop index by reference.
    fn row_id(&self, index: &usize) -> Option<i64> {
        self.row_ids.get(*index).copied()
    }

    fn row_link(&self, index: &usize) -> Option<&str> {
        self.row_links.get(*index).map(String::as_str)
    }

    pub(crate) fn new(ui: &Ui, heading: &'static str, section: &'static str) -> Self {
        ListPage {
            l: ui.layout(heading, "manage"),
            heading,
            section,
            base: format!("/manage/{section}"),
            intro: None,
            related: Vec::new(),
            headers: Vec::new(),
            rows: Vec::new(),
            row_links: Vec::new(),
            link_label: "",
            link_columns: Vec::new(),
            previews: Vec::new(),
            form: None,
            values: FormData::default(),
            errors: FieldErrors::default(),
            row_ids: Vec::new(),
            edit: None,
            deletable: false,
        }
    }

    /// A field's label, for the list of errors above the form.
    fn label_of(&self, name: &str) -> String {
        crate::ui::foundation::fields::label_of(self.groups(), name)
    }

    /// The form's fields, for reading a submitted form.
    pub(crate) fn groups(&self) -> &[Group] {
        self.form.as_ref().map_or(&[], |f| &f.groups)
    }
}

pub(crate) fn opt(v: Option<impl ToString>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "—".into())
}

/// Field errors as the refusal the shared handlers show next to the fields.
pub(crate) fn invalid(errors: Vec<FieldError>) -> AppError {
    AppError::Invalid(steward_domain::Invalid(errors))
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

/// Reads a submitted form through the page's fields and parses it as the API input `T`, so
/// the form is refused exactly where the API would refuse the same JSON.
pub(crate) fn parse_form<T: serde::de::DeserializeOwned>(
    page: &ListPage,
    form: &FormData,
) -> Result<T, AppError> {
    let json = crate::ui::foundation::fields::read(form, page.groups()).map_err(invalid)?;
    input::<T>(Value::Object(json)).map_err(invalid)
}

/// Answers a create or an edit: back to the list with `done` as the flash, or the same page
/// with the refused input and each message next to its field.
pub(crate) fn saved<R>(
    ui: &Ui,
    mut page: ListPage,
    edit: Option<i64>,
    form: FormData,
    result: Result<R, AppError>,
    done: impl FnOnce(&R) -> String,
) -> UiResult {
    match result {
        Ok(r) => Ok(crate::ui::see_other(&page.base, &done(&r))),
        Err(AppError::Invalid(invalid)) => {
            page.edit = edit;
            refused_form(ui, page, form, &invalid.0)
        }
        // A conflict that names a field (a name already taken, say) is shown next to it.
        Err(AppError::Conflict {
            field: Some(field),
            message,
        }) => {
            page.edit = edit;
            refused_form(ui, page, form, &[FieldError::new(field, message)])
        }
        Err(e) => Err(e.into()),
    }
}

/// Shows the page with its form editing `record` (its JSON as the API shows it).
pub(crate) fn edit_record<R: serde::Serialize>(
    ui: &Ui,
    mut page: ListPage,
    id: i64,
    record: &R,
) -> UiResult {
    let json = serde_json::to_value(record).unwrap_or_default();
    page.values = crate::ui::foundation::fields::fill(&json, page.groups());
    page.edit = Some(id);
    Ok(ui.page(&page))
}
