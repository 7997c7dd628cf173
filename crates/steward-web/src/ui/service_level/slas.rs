//! The SLAs screen: each SLA's service, calendar and targets, with create and edit forms.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_page, id_of, input, number, pairs, refused_edit, refused_form,
    require_manager,
};
use crate::ui::{FormData, Ui, UiError, UiResult, see_other};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::{Value, json};
use steward_app::AppError;
use steward_domain::foundation::page::PageRequest;
use steward_domain::service_level::recompute::{deadlines_status, of, saved};
use steward_domain::service_level::sla::SlaInput;
use steward_domain::{FieldError, Invalid};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/slas", get(slas).post(create_sla))
        .route("/manage/slas/{id}", get(edit_sla).post(update_sla))
}

async fn slas(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&sla_page(&state, &ui).await?))
}

async fn sla_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Service level agreements", "slas");
    page.headers = vec![
        "Name",
        "Service",
        "Calendar",
        "Targets (response / resolution)",
        "Warning at",
        "Next review",
        "Active",
        "Deadlines",
    ];
    let services = state
        .app
        .list_services(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items;
    let calendars = state.app.list_calendars(&ui.actor).await?;
    let running = state.app.running_recomputes(&ui.actor).await?;
    for s in state.app.list_slas(&ui.actor, None).await? {
        let recent = of(&running, |r| r.sla_id == s.id);
        page.row_ids.push(s.id);
        page.rows.push(vec![
            format!("{} ({})", s.name, s.level.as_str()),
            match s.service_id {
                Some(id) => services
                    .iter()
                    .find(|x| x.id == id)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| format!("service {id}")),
                None => "—".into(),
            },
            s.calendar_id
                .map(|id| {
                    calendars
                        .iter()
                        .find(|c| c.id == id)
                        .map(|c| c.calendar.name.clone())
                        .unwrap_or_else(|| format!("calendar {id}"))
                })
                .unwrap_or_else(|| "24×7".into()),
            s.targets
                .iter()
                .map(|(p, t)| {
                    format!(
                        "{p}: {} / {}",
                        crate::ui::human_duration(t.response_seconds),
                        crate::ui::human_duration(t.resolution_seconds)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            format!("{} %", s.warning_percent),
            format!(
                "{}{}",
                s.next_review_on,
                if s.review_overdue { " (overdue)" } else { "" }
            ),
            if s.active { "yes" } else { "no" }.into(),
            deadlines_status(&recent),
        ]);
    }
    let services = services.into_iter().map(|s| (s.id, s.name)).collect();
    let calendars = calendars
        .into_iter()
        .map(|c| (c.id, c.calendar.name))
        .collect();
    page.form = Some(FormSpec::new(
        "service level agreement",
        sla_form(services, calendars),
    ));
    Ok(page)
}

fn sla_form(services: Vec<(i64, String)>, calendars: Vec<(i64, String)>) -> Vec<Group> {
    let targets = ["P1", "P2", "P3", "P4", "P5"]
        .iter()
        .flat_map(|p| {
            [
                Field::new(
                    format!("{p}_response"),
                    format!("{p} response (hours)"),
                    Input::Number,
                ),
                Field::new(
                    format!("{p}_resolution"),
                    format!("{p} resolution (hours)"),
                    Input::Number,
                ),
            ]
        })
        .collect();
    vec![
        Group::plain(vec![
            Field::text("name", "Name").required(),
            Field::new("service_id", "Service", Input::Pick(services, "Choose…")).required(),
            Field::new(
                "calendar_id",
                "Business calendar",
                Input::Pick(calendars, "24×7"),
            ),
            Field::new(
                "warning_percent",
                "Warn at (percent of a target)",
                Input::Number,
            )
            .hint("80 when blank."),
            Field::new(
                "pause_customer",
                "Pause the resolution clock while waiting for the customer",
                Input::Check,
            ),
        ]),
        Group::titled(
            "Targets in business hours, by priority (give both or neither)",
            targets,
        ),
    ]
}

/// What the SLA create and edit forms share: per-priority targets in hours, the warning
/// threshold, the service and the calendar.
struct SlaFields {
    targets: serde_json::Map<String, Value>,
    warning: Option<f64>,
    service_id: Option<i64>,
    calendar_id: Option<i64>,
}

fn sla_fields(form: &FormData, errors: &mut Vec<FieldError>) -> SlaFields {
    let mut targets = serde_json::Map::new();
    for p in ["P1", "P2", "P3", "P4", "P5"] {
        let response = number(form, &format!("{p}_response"), errors);
        let resolution = number(form, &format!("{p}_resolution"), errors);
        match (response, resolution) {
            (Some(a), Some(b)) => {
                targets.insert(
                    p.to_owned(),
                    json!({"response_seconds": (a * 3600.0).round() as i64,
                           "resolution_seconds": (b * 3600.0).round() as i64}),
                );
            }
            (None, None) => {}
            _ => errors.push(FieldError::new(
                format!("{p}_resolution"),
                "give both the response and the resolution hours, or neither",
            )),
        }
    }
    let warning = number(form, "warning_percent", errors);
    let mut id = |name: &str| {
        form.id(name).unwrap_or_else(|e| {
            errors.push(e);
            None
        })
    };
    let service_id = id("service_id");
    let calendar_id = id("calendar_id");
    SlaFields {
        targets,
        warning,
        service_id,
        calendar_id,
    }
}

/// The API's field names as the SLA form shows them: `targets.P1.response_seconds` goes next
/// to P1's fields.
fn on_sla_form(invalid: Invalid) -> Vec<FieldError> {
    invalid
        .0
        .into_iter()
        .map(|e| {
            let field = match e.field.strip_prefix("targets.") {
                Some(rest) => format!("{}_resolution", rest.split('.').next().unwrap_or(rest)),
                None => e.field,
            };
            FieldError::new(field, e.message)
        })
        .collect()
}

async fn create_sla(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let mut errors = Vec::new();
    let SlaFields {
        targets,
        warning,
        service_id,
        calendar_id,
    } = sla_fields(&form, &mut errors);
    let pause = if form.checked("pause_customer") {
        json!([{"status": "pending", "reasons": ["customer"]}])
    } else {
        json!([])
    };
    let parsed = input::<SlaInput>(json!({
        "name": form.value("name"),
        "service_id": service_id.unwrap_or(0),
        "calendar_id": calendar_id,
        "targets": targets,
        "warning_percent": warning.map(|w| w.round() as i64),
        "pause": pause,
    }));
    if service_id.is_none() {
        errors.push(FieldError::new("service_id", "choose the service"));
    }
    let result = match parsed {
        Ok(i) if errors.is_empty() => state.app.create_sla(&ui.actor, i).await,
        Ok(_) => Err(AppError::Invalid(Invalid(errors))),
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(s) => Ok(see_other(
            "/manage/slas",
            &format!("SLA {} was created.", s.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            let errors = on_sla_form(invalid);
            refused_form(&ui, sla_page(&state, &ui).await?, form, &errors)
        }
        Err(e) => Err(e.into()),
    }
}

/// Hours for a target field: `1800` seconds → `0.5`.
fn hours_text(seconds: i64) -> String {
    let h = seconds as f64 / 3600.0;
    if h.fract() == 0.0 {
        format!("{h:.0}")
    } else {
        format!("{}", (h * 1000.0).round() / 1000.0)
    }
}

fn pauses_for_customer(rule: &Value) -> bool {
    rule["status"] == "pending"
        && rule["reasons"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == "customer"))
}

async fn edit_sla(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let s = state.app.get_sla(&ui.actor, id).await?;
    let mut values = vec![
        ("name", s.name.clone()),
        (
            "service_id",
            s.service_id.map(|x| x.to_string()).unwrap_or_default(),
        ),
        (
            "calendar_id",
            s.calendar_id.map(|x| x.to_string()).unwrap_or_default(),
        ),
        ("warning_percent", s.warning_percent.to_string()),
    ];
    let pause = serde_json::to_value(&s.pause).unwrap_or_default();
    if pause
        .as_array()
        .is_some_and(|p| p.iter().any(pauses_for_customer))
    {
        values.push(("pause_customer", "yes".into()));
    }
    let names: Vec<(String, String, String)> = s
        .targets
        .iter()
        .map(|(p, t)| {
            (
                p.clone(),
                hours_text(t.response_seconds),
                hours_text(t.resolution_seconds),
            )
        })
        .collect();
    let mut form = pairs(&values);
    for (p, response, resolution) in names {
        form.0.push((format!("{p}_response"), response));
        form.0.push((format!("{p}_resolution"), resolution));
    }
    edit_page(&ui, sla_page(&state, &ui).await?, id, form)
}

/// Saves the fields the form shows; everything else of the SLA (level, escalations,
/// exceptions, review interval, other pause rules) is sent back unchanged.
async fn update_sla(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let current = state.app.get_sla(&ui.actor, id).await?;
    let mut errors = Vec::new();
    let SlaFields {
        targets,
        warning,
        service_id,
        calendar_id,
    } = sla_fields(&form, &mut errors);
    let mut body = serde_json::to_value(&current).unwrap_or_default();
    let mut pause: Vec<Value> = body["pause"].as_array().cloned().unwrap_or_default();
    let had = pause.iter().any(pauses_for_customer);
    if form.checked("pause_customer") && !had {
        pause.push(json!({"status": "pending", "reasons": ["customer"]}));
    } else if !form.checked("pause_customer") {
        pause.retain(|r| !pauses_for_customer(r));
    }
    if let Some(o) = body.as_object_mut() {
        // Only the input's fields go back; the derived ones would be refused.
        for derived in [
            "id",
            "next_review_on",
            "review_overdue",
            "version",
            "created_at",
            "updated_at",
        ] {
            o.remove(derived);
        }
        o.insert("name".into(), json!(form.value("name")));
        o.insert("service_id".into(), json!(service_id));
        o.insert("calendar_id".into(), json!(calendar_id));
        o.insert("targets".into(), Value::Object(targets));
        o.insert(
            "warning_percent".into(),
            json!(warning.map(|w| w.round() as i64)),
        );
        o.insert("pause".into(), json!(pause));
    }
    let result = match input::<SlaInput>(body) {
        Ok(i) if errors.is_empty() => state.app.update_sla(&ui.actor, id, i).await,
        Ok(_) => Err(AppError::Invalid(Invalid(errors))),
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(s) => Ok(see_other(
            "/manage/slas",
            &saved(
                &format!("SLA {}", s.name),
                &state.app.sla_recomputes(&ui.actor, s.id).await?,
            ),
        )),
        Err(AppError::Invalid(invalid)) => {
            let errors = on_sla_form(invalid);
            refused_edit(&ui, sla_page(&state, &ui).await?, id, form, &errors)
        }
        Err(e) => Err(e.into()),
    }
}
