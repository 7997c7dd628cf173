//! The customer portal: the organization's catalogue, request forms built from each item's
//! definition, and the organization's own requests and incidents.
use crate::AppState;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::resolution::rows::{Row, href, row};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, see_other};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::{Map, Value};
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::delivery::catalogue::{FieldType, FormField};
use steward_domain::foundation::page::PageRequest;
use steward_domain::resolution::request::RequestInput;
use steward_domain::resolution::ticket::{TicketKind, TicketSort};
use steward_store::resolution::tickets::Filter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(catalogue))
        .route("/portal/items/{id}", get(item_form).post(submit))
        .route("/portal/tickets", get(my_tickets))
}

struct ItemLink {
    href: String,
    name: String,
    description: String,
}

struct Entry {
    title: String,
    summary: String,
    items: Vec<ItemLink>,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct CataloguePage {
    l: Layout,
    entries: Vec<Entry>,
}

async fn catalogue(State(state): State<AppState>, ui: Ui) -> UiResult {
    let entries = state
        .app
        .list_catalogue(&ui.actor, None, None)
        .await?
        .into_iter()
        .map(|e| Entry {
            title: e.title,
            summary: e.summary.unwrap_or_default(),
            items: e
                .items
                .into_iter()
                .filter(|i| i.active)
                .map(|i| ItemLink {
                    href: format!("/portal/items/{}", i.id),
                    name: i.name,
                    description: i.description.unwrap_or_default(),
                })
                .collect(),
        })
        .filter(|e| !e.items.is_empty())
        .collect();
    Ok(ui.page(&CataloguePage {
        l: ui.layout("Service catalogue", "portal"),
        entries,
    }))
}

/// A form field as rendered, with what the user typed and its message.
struct Field {
    key: String,
    label: String,
    kind: &'static str,
    required: bool,
    options: Vec<(String, bool)>,
    value: String,
    checked: bool,
    min: String,
    max: String,
    max_length: String,
    help: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "portal_item.html")]
struct ItemPage {
    l: Layout,
    action: String,
    name: String,
    description: String,
    fields: Vec<Field>,
    details: String,
    errors: FieldErrors,
}

fn fields(form: &[FormField], input: &FormData, errors: &FieldErrors) -> Vec<Field> {
    form.iter()
        .map(|f| {
            let value = input.value(&format!("a_{}", f.key));
            Field {
                key: f.key.clone(),
                label: f.label.clone(),
                kind: match f.field_type {
                    FieldType::Text => "text",
                    FieldType::Number => "number",
                    FieldType::Choice => "choice",
                    FieldType::Date => "date",
                    FieldType::Boolean => "boolean",
                },
                required: f.required,
                options: f.options.iter().map(|o| (o.clone(), *o == value)).collect(),
                checked: !value.is_empty(),
                value,
                min: f.min.map(|v| v.to_string()).unwrap_or_default(),
                max: f.max.map(|v| v.to_string()).unwrap_or_default(),
                max_length: f.max_length.map(|v| v.to_string()).unwrap_or_default(),
                help: f.help.clone().unwrap_or_default(),
                error: errors.get(&f.key).map(str::to_owned),
            }
        })
        .collect()
}

async fn render_item(
    state: &AppState,
    ui: &Ui,
    id: i64,
    input: &FormData,
    errors: FieldErrors,
) -> UiResult {
    let item = state.app.get_catalogue_item(&ui.actor, id).await?;
    if !item.active {
        return Err(UiError::NotFound);
    }
    let title = if errors.is_empty() {
        format!("Request: {}", item.name)
    } else {
        format!("Request: {} (please check the input)", item.name)
    };
    let page = ItemPage {
        l: ui.layout(title, "portal"),
        action: format!("/portal/items/{id}"),
        fields: fields(&item.form, input, &errors),
        name: item.name,
        description: item.description.unwrap_or_default(),
        details: input.value("description"),
        errors,
    };
    Ok(ui.page(&page))
}

async fn item_form(State(state): State<AppState>, ui: Ui, Path(id): Path<i64>) -> UiResult {
    render_item(
        &state,
        &ui,
        id,
        &FormData::default(),
        FieldErrors::default(),
    )
    .await
}

/// The form's answers typed as the item's definition wants them; blanks are left out so that
/// the domain's check reports required fields.
fn answers(form: &[FormField], input: &FormData) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for f in form {
        let name = format!("a_{}", f.key);
        if f.field_type == FieldType::Boolean {
            out.insert(f.key.clone(), Value::Bool(input.checked(&name)));
            continue;
        }
        let Some(v) = input.text(&name) else {
            continue;
        };
        let value = match f.field_type {
            FieldType::Number => match v.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
            {
                Some(n) => Value::Number(
                    // Whole numbers go as integers, as an API client would send them.
                    if n.as_f64()
                        .is_some_and(|x| x.fract() == 0.0 && x.abs() < 9e15)
                    {
                        serde_json::Number::from(n.as_f64().unwrap_or_default() as i64)
                    } else {
                        n
                    },
                ),
                None => {
                    errors.push(FieldError::new(f.key.clone(), "must be a number"));
                    continue;
                }
            },
            _ => Value::String(v),
        };
        out.insert(f.key.clone(), value);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

async fn submit(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<i64>,
    input: FormData,
) -> UiResult {
    ui.check_csrf(&input)?;
    let item = state.app.get_catalogue_item(&ui.actor, id).await?;
    let answers = match answers(&item.form, &input) {
        Ok(a) => a,
        Err(errors) => {
            let mut response =
                render_item(&state, &ui, id, &input, FieldErrors::from_list(&errors)).await?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let request = RequestInput {
        catalogue_item_id: id,
        answers,
        title: None,
        description: input.text("description"),
        impact: None,
        urgency: None,
        organization_id: None,
        requester_id: None,
        channel: None,
    };
    match state.app.create_request(&ui.actor, request).await {
        Ok(t) => Ok(see_other(
            &href(t.kind, t.id),
            &format!("Your request {} was submitted.", t.number),
        )),
        Err(AppError::Invalid(invalid)) => {
            let mut response =
                render_item(&state, &ui, id, &input, FieldErrors::from_list(&invalid.0)).await?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal_tickets.html")]
struct MinePage {
    l: Layout,
    requests: Vec<Row>,
    incidents: Vec<Row>,
}

async fn my_tickets(State(state): State<AppState>, ui: Ui) -> UiResult {
    let mut lists = Vec::new();
    for kind in [TicketKind::Request, TicketKind::Incident] {
        // The app limits customers to their own organization's records.
        let page = state
            .app
            .list_tickets(
                &ui.actor,
                kind,
                Filter::default(),
                TicketSort::default(),
                PageRequest {
                    limit: 200,
                    offset: 0,
                },
            )
            .await?;
        let names = Default::default();
        lists.push(
            page.items
                .iter()
                .map(|t| row(t, &names))
                .collect::<Vec<_>>(),
        );
    }
    let incidents = lists.pop().unwrap_or_default();
    let requests = lists.pop().unwrap_or_default();
    Ok(ui.page(&MinePage {
        l: ui.layout("My requests and incidents", "mine"),
        requests,
        incidents,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, t: FieldType) -> FormField {
        FormField {
            key: key.into(),
            label: key.into(),
            field_type: t,
            required: false,
            options: vec![],
            min: None,
            max: None,
            max_length: None,
            help: None,
        }
    }

    #[test]
    fn answers_are_typed_by_the_item_definition() {
        let form = [
            field("count", FieldType::Number),
            field("model", FieldType::Choice),
            field("rush", FieldType::Boolean),
            field("note", FieldType::Text),
        ];
        let a = answers(
            &form,
            &FormData::parse(b"a_count=3&a_model=15-inch&a_note="),
        )
        .unwrap();
        assert_eq!(a["count"], serde_json::json!(3));
        assert_eq!(a["model"], "15-inch");
        assert_eq!(a["rush"], false);
        assert!(!a.contains_key("note"));
        let e = answers(&form, &FormData::parse(b"a_count=many")).unwrap_err();
        assert_eq!(e[0].field, "count");
    }
}
