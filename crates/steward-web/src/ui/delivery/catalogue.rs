//! The service catalogue screens: entries over services (published to their customers), and
//! each entry's request items with their form, approval rule and fulfilment team.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_record, id_of, opt, require_manager, saved,
};
use crate::ui::foundation::screen::{self, no_check, screen};
use crate::ui::{FormData, Ui, UiError, UiResult};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::{Value, json};
use steward_app::AppError;
use steward_domain::delivery::catalogue::{
    ApprovalRule, CatalogueEntry, CatalogueItem, EntryInput, EntryPatch, FieldType, FormField,
    ItemInput, ItemPatch,
};
use steward_domain::foundation::role::Role;
use steward_domain::{FieldError, Invalid};

pub fn routes() -> Router<AppState> {
    screen::routes::<Entries>()
        .route(
            "/manage/catalogue/{entry}/items",
            get(items).post(create_item),
        )
        .route(
            "/manage/catalogue/{entry}/items/{id}",
            get(edit_item).post(update_item),
        )
}

// ------------------------------------------------------------------ entries

async fn entry_page(state: &AppState, ui: &Ui, editing: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Service catalogue", "catalogue");
    page.headers = vec!["Title", "Service", "Published", "Items"];
    page.link_label = "Request items";
    let services = choices::services(state, ui).await;
    for e in state.app.list_catalogue(&ui.actor, None, None).await? {
        page.row_ids.push(e.id);
        let service = services
            .iter()
            .find(|(id, _)| *id == e.service_id)
            .map(|(_, n)| n.clone());
        page.rows.push(vec![
            e.title.clone(),
            opt(service),
            if e.published { "yes" } else { "no" }.into(),
            e.items.len().to_string(),
        ]);
        page.row_links
            .push(format!("/manage/catalogue/{}/items", e.id));
    }
    let mut fields = Vec::new();
    if editing.is_none() {
        fields
            .push(Field::new("service_id", "Service", Input::Pick(services, "Choose…")).required());
    }
    fields.extend([
        Field::text("title", "Title").required(),
        Field::new("summary", "Summary", Input::Long),
        Field::new(
            "published",
            "Published to the service's customers",
            Input::Check,
        )
        .hint("Only an entry over a live service can be published."),
    ]);
    page.form = Some(FormSpec::new("catalogue entry", vec![Group::plain(fields)]));
    Ok(page)
}

screen!(
    Entries,
    "/manage/catalogue",
    entry_page,
    CatalogueEntry,
    EntryInput,
    EntryPatch,
    create_catalogue_entry,
    get_catalogue_entry,
    update_catalogue_entry,
    "Catalogue entry",
    title,
    no_check
);

// ------------------------------------------------------------------ items

/// A request form written one field a line: `key | Label | type | required | options`, where
/// type is text, number, choice, date or boolean, "required" may be left out, and options are
/// a choice's answers separated by commas or a number's bounds as `min-max`.
const FORM_HINT: &str = "One field a line: key | Label | type | required | options. Types: text, number, choice, date, boolean. Options: a choice's answers separated by commas, or a number's bounds as 1-5.";

/// A field type as the API writes it (`choice`).
fn type_name(t: FieldType) -> String {
    match serde_json::to_value(t) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn form_lines(form: &[FormField]) -> String {
    form.iter()
        .map(|f| {
            let mut parts = vec![f.key.clone(), f.label.clone(), type_name(f.field_type)];
            if f.required {
                parts.push("required".into());
            }
            if !f.options.is_empty() {
                parts.push(f.options.join(", "));
            } else if f.min.is_some() || f.max.is_some() {
                let bound = |b: Option<f64>| b.map(|v| v.to_string()).unwrap_or_default();
                parts.push(format!("{}-{}", bound(f.min), bound(f.max)));
            }
            parts.join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the form lines; a line that cannot be read is named by its number.
fn parse_lines(text: &str) -> Result<Vec<FormField>, Vec<FieldError>> {
    let mut fields = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let refuse = |m: String| FieldError::new("form_lines", format!("line {}: {m}", n + 1));
        if parts.len() < 3 {
            errors.push(refuse("write at least key | Label | type".into()));
            continue;
        }
        let Ok(field_type) = serde_json::from_value::<FieldType>(json!(parts[2].to_lowercase()))
        else {
            errors.push(refuse(format!(
                "{:?} is not one of text, number, choice, date, boolean",
                parts[2]
            )));
            continue;
        };
        let rest = &parts[3..];
        let required = rest.iter().any(|p| p.eq_ignore_ascii_case("required"));
        let extra = rest
            .iter()
            .find(|p| !p.eq_ignore_ascii_case("required") && !p.is_empty());
        let mut field = FormField {
            key: parts[0].to_owned(),
            label: parts[1].to_owned(),
            field_type,
            required,
            options: Vec::new(),
            min: None,
            max: None,
            max_length: None,
            help: None,
        };
        match (field_type, extra) {
            (FieldType::Choice, Some(o)) => {
                field.options = o.split(',').map(|x| x.trim().to_owned()).collect();
            }
            (FieldType::Number, Some(b)) => {
                let (lo, hi) = b.split_once('-').unwrap_or((b, ""));
                let num = |s: &str| s.trim().parse::<f64>().ok();
                field.min = num(lo);
                field.max = num(hi);
            }
            (_, Some(x)) => {
                errors.push(refuse(format!(
                    "{x:?}: only choice and number fields take options"
                )));
                continue;
            }
            _ => {}
        }
        fields.push(field);
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

async fn item_page(state: &AppState, ui: &Ui, entry: i64) -> Result<ListPage, UiError> {
    let e = state.app.get_catalogue_entry(&ui.actor, entry).await?;
    let mut page = ListPage::new(ui, "Catalogue items", "catalogue");
    page.base = format!("/manage/catalogue/{entry}/items");
    page.intro = Some(format!("Request items of the catalogue entry {}.", e.title));
    page.headers = vec!["Name", "Form fields", "Approval", "Active"];
    for i in &e.items {
        page.row_ids.push(i.id);
        page.rows.push(vec![
            i.name.clone(),
            i.form.len().to_string(),
            match &i.approval {
                None => "none".into(),
                Some(ApprovalRule::Users { user_ids }) => match user_ids.len() {
                    1 => "1 named approver".to_owned(),
                    n => format!("any of {n} named approvers"),
                },
                Some(ApprovalRule::Role { role }) => format!("any {}", role.as_str()),
            },
            if i.active { "yes" } else { "no" }.into(),
        ]);
    }
    let mut roles = vec![(String::new(), "No role".to_owned())];
    roles.extend(
        [Role::Agent, Role::Manager, Role::Admin]
            .map(|r| (r.as_str().to_owned(), r.as_str().to_owned())),
    );
    page.form = Some(FormSpec::new(
        "request item",
        vec![
            Group::plain(vec![
                Field::text("name", "Name").required(),
                Field::new("description", "Description", Input::Long),
                Field::new("form_lines", "Request form", Input::Long).hint(FORM_HINT),
                Field::new(
                    "fulfilment_instructions",
                    "Fulfilment instructions",
                    Input::Long,
                ),
                Field::new(
                    "fulfilment_team_id",
                    "Fulfilment team",
                    Input::Pick(choices::teams(state, ui).await, "No team"),
                ),
                Field::new("active", "Offered (active)", Input::Check),
            ]),
            Group::titled(
                "Approval before fulfilment (leave both empty for none)",
                vec![
                    Field::new(
                        "approver_ids",
                        "Any one of these people",
                        Input::Many(choices::staff(state, ui).await),
                    ),
                    Field::new(
                        "approver_role",
                        "Or anyone with this role",
                        Input::Choice(roles),
                    ),
                ],
            ),
        ],
    ));
    Ok(page)
}

/// The item form as the API's JSON: the generic fields, the form lines and the approval rule.
fn item_json(page: &ListPage, form: &FormData) -> Result<Value, AppError> {
    let invalid = |e: Vec<FieldError>| AppError::Invalid(Invalid(e));
    let mut json = crate::ui::foundation::fields::read(form, page.groups()).map_err(invalid)?;
    let lines = form.value("form_lines");
    let fields = parse_lines(&lines).map_err(invalid)?;
    for k in ["form_lines", "approver_ids", "approver_role"] {
        json.remove(k);
    }
    json.insert("form".into(), json!(fields));
    let users: Vec<i64> = form
        .0
        .iter()
        .filter(|(k, _)| k == "approver_ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let approval = match (users.is_empty(), form.text("approver_role")) {
        (true, None) => Value::Null,
        (false, None) => json!({"by": "users", "user_ids": users}),
        (true, Some(role)) => json!({"by": "role", "role": role}),
        (false, Some(_)) => {
            return Err(invalid(vec![FieldError::new(
                "approver_role",
                "choose people or a role, not both",
            )]));
        }
    };
    json.insert("approval".into(), approval);
    Ok(Value::Object(json))
}

/// The form's messages on `form[2].key` belong to the form lines.
fn on_item_form(e: AppError) -> AppError {
    match e {
        AppError::Invalid(Invalid(errors)) => AppError::Invalid(Invalid(
            errors
                .into_iter()
                .map(|e| match e.field.strip_prefix("form[") {
                    Some(rest) => {
                        let line = rest
                            .split(']')
                            .next()
                            .and_then(|n| n.parse::<usize>().ok())
                            .map_or(0, |n| n + 1);
                        FieldError::new("form_lines", format!("field {line}: {}", e.message))
                    }
                    None if e.field.starts_with("approval") => {
                        FieldError::new("approver_ids", e.message)
                    }
                    None => e,
                })
                .collect(),
        )),
        other => other,
    }
}

async fn items(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let mut page = item_page(&state, &ui, id_of(&raw)?).await?;
    page.values = FormData(vec![("active".into(), "yes".into())]);
    Ok(ui.page(&page))
}

async fn create_item(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let entry = id_of(&raw)?;
    let page = item_page(&state, &ui, entry).await?;
    let input = item_json(&page, &form).and_then(|json| {
        serde_json::from_value::<ItemInput>(json)
            .map_err(|e| AppError::invalid("form_lines", e.to_string()))
    });
    let result = match input {
        Ok(input) => state
            .app
            .create_catalogue_item(&ui.actor, entry, input)
            .await
            .map_err(on_item_form),
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |i: &CatalogueItem| {
        format!("Request item {} was created.", i.name)
    })
}

async fn edit_item(
    State(state): State<AppState>,
    ui: Ui,
    Path((entry, id)): Path<(String, String)>,
) -> UiResult {
    require_manager(&ui)?;
    let (entry, id) = (id_of(&entry)?, id_of(&id)?);
    let item = state.app.get_catalogue_item(&ui.actor, id).await?;
    if item.entry_id != entry {
        return Err(UiError::NotFound);
    }
    let mut record = serde_json::to_value(&item).unwrap_or_default();
    record["form_lines"] = json!(form_lines(&item.form));
    match &item.approval {
        Some(ApprovalRule::Users { user_ids }) => record["approver_ids"] = json!(user_ids),
        Some(ApprovalRule::Role { role }) => record["approver_role"] = json!(role.as_str()),
        None => {}
    }
    edit_record(&ui, item_page(&state, &ui, entry).await?, id, &record)
}

async fn update_item(
    State(state): State<AppState>,
    ui: Ui,
    Path((entry, id)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let (entry, id) = (id_of(&entry)?, id_of(&id)?);
    let page = item_page(&state, &ui, entry).await?;
    let patch = item_json(&page, &form).and_then(|json| {
        serde_json::from_value::<ItemPatch>(json)
            .map_err(|e| AppError::invalid("form_lines", e.to_string()))
    });
    let result = match patch {
        Ok(patch) => state
            .app
            .update_catalogue_item(&ui.actor, id, patch)
            .await
            .map_err(on_item_form),
        Err(e) => Err(e),
    };
    saved(&ui, page, Some(id), form, result, |i: &CatalogueItem| {
        format!("Request item {} was saved.", i.name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_lines_read_and_write_back() {
        let text = "model | Model | choice | required | 13-inch, 15-inch\ncount | How many | number | required | 1-5\nnote | Note | text";
        let fields = parse_lines(text).unwrap();
        assert_eq!(fields[0].options, ["13-inch", "15-inch"]);
        assert!(fields[0].required && !fields[2].required);
        assert_eq!((fields[1].min, fields[1].max), (Some(1.0), Some(5.0)));
        assert_eq!(form_lines(&fields), text);
        let errors = parse_lines("a | A\nb | B | colour").unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors[1].message.starts_with("line 2:"));
    }
}
