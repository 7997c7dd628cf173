//! A page that is one form (raise a problem, say): its fields drawn by the shared template,
//! refused input shown again with each message next to its field.
use crate::ui::foundation::fields::Group;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::{FormData, Layout, Ui, UiResult};
use askama::Template;
use steward_domain::FieldError;

#[derive(Template)]
#[template(path = "form_page.html")]
pub(crate) struct FormPage {
    pub(crate) l: Layout,
    pub(crate) intro: Option<String>,
    pub(crate) action: String,
    pub(crate) submit: &'static str,
    pub(crate) groups: Vec<Group>,
    pub(crate) values: FormData,
    pub(crate) errors: FieldErrors,
}

impl FormPage {
    /// A field's label, for the list of errors above the form.
    fn label_of(&self, name: &str) -> String {
        crate::ui::foundation::fields::label_of(&self.groups, name)
    }

    /// The page again with the refused input and its messages, answered 422.
    pub(crate) fn refused(mut self, ui: &Ui, values: FormData, errors: &[FieldError]) -> UiResult {
        self.values = values;
        self.errors = FieldErrors::from_list(errors);
        let mut response = ui.page(&self);
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        Ok(response)
    }
}
