//! A service's outages and maintenance windows, with its availability over the last 30 days
//! and this calendar month against its target. Times are entered and shown in the person's
//! time zone (My settings), else in UTC.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input, fill, read};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_page, id_of, invalid, opt, refused_edit, refused_form, require_manager,
};
use crate::ui::{FormData, Ui, UiError, UiResult, human_duration, now, see_other, status_label};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::Value;
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::assurance::availability::AvailabilityReport;
use steward_domain::assurance::outage::{Outage, OutageInput, OutageKind, OutagePatch};
use steward_domain::foundation::page::PageRequest;
use steward_domain::resolution::ticket::{TicketKind, TicketSort};
use steward_store::resolution::tickets::Filter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/services/{id}/outages", get(list).post(create))
        .route(
            "/manage/services/{id}/outages/{outage}",
            get(edit).post(update),
        )
}

fn groups(ui: &Ui, incidents: Vec<(i64, String)>, creating: bool) -> Vec<Group> {
    let when = format!(
        "A date and time in {}, for example 2026-03-02 14:30.",
        ui.zone_name()
    );
    let mut fields = vec![
        Field::new(
            "kind",
            "Kind",
            Input::Choice(
                OutageKind::ALL
                    .iter()
                    .map(|k| {
                        (
                            k.as_str().to_owned(),
                            match k {
                                OutageKind::Unplanned => "Unplanned outage".into(),
                                OutageKind::Planned => "Planned maintenance".into(),
                            },
                        )
                    })
                    .collect(),
            ),
        )
        .hint("Maintenance is agreed time without service; it can be entered ahead."),
        Field::text("start", "Start").required().hint(when.clone()),
        Field::text("end", "End").hint(format!("{when} Leave it blank while the outage lasts.")),
        Field::new("incident_id", "Incident", Input::Pick(incidents, "None"))
            .hint("The incident that records this outage: the service's 100 newest."),
        Field::new("note", "Note", Input::Long),
    ];
    if creating {
        fields.push(Field::text("repeat_weekly_until", "Repeat weekly until").hint(
            "For planned maintenance with an end: a date, YYYY-MM-DD. Each week's window keeps the same local time of the service hours' time zone, across daylight saving changes.",
        ));
    }
    vec![Group::plain(fields)]
}

fn period_text(ui: &Ui, a: &AvailabilityReport) -> String {
    let share = match a.figures.availability_percent {
        Some(p) => format!("{p} %"),
        None => format!(
            "not measurable ({})",
            a.figures.reason.as_deref().unwrap_or("no agreed time")
        ),
    };
    let target = match (a.figures.target_percent, a.figures.met) {
        (Some(t), Some(true)) => format!(" against a target of {t} %: met"),
        (Some(t), Some(false)) => format!(" against a target of {t} %: missed"),
        (Some(t), None) => format!(" (target {t} %)"),
        (None, _) => " (no target set)".into(),
    };
    format!(
        "{} to {}: availability {share}{target}; {} outage{} costing {} of {} agreed time.",
        ui.local(&a.measured_from),
        ui.local(&a.to),
        a.figures.outage_count,
        if a.figures.outage_count == 1 { "" } else { "s" },
        human_duration(a.figures.downtime_seconds),
        human_duration(a.figures.agreed_seconds),
    )
}

async fn page(
    state: &AppState,
    ui: &Ui,
    service: i64,
    creating: bool,
) -> Result<ListPage, UiError> {
    require_manager(ui)?;
    let s = state.app.get_service(&ui.actor, service).await?;
    let mut page = ListPage::new(ui, "Outages and availability", "services");
    page.l.title = format!("{}: outages and availability", s.name);
    page.base = format!("/manage/services/{service}/outages");
    let at = now(state);
    let day = jiff::SignedDuration::from_hours(24);
    let month_start = at
        .to_zoned_datetime(ui.zone())
        .first_of_month()
        .and_then(|d| d.start_of_day())
        .map(|z| z.timestamp())
        .unwrap_or(at);
    let mut lines = vec![format!("Service {}.", s.name)];
    for (from, label) in [(at - day * 30, "Last 30 days"), (month_start, "This month")] {
        if from >= at {
            continue;
        }
        let report = state
            .app
            .service_availability(
                &ui.actor,
                service,
                from.as_microsecond(),
                at.as_microsecond(),
            )
            .await?;
        lines.push(format!("{label}, {}", period_text(ui, &report)));
    }
    page.intro = Some(lines.join(" "));
    page.related = vec![
        (
            format!("/manage/services/{service}/probes"),
            "Health probes".into(),
        ),
        (
            format!("/manage/services/{service}/investigations"),
            "Investigations of months that missed the target".into(),
        ),
    ];
    page.headers = vec!["Kind", "Start", "End", "Incident", "Note"];
    let incidents: Vec<(i64, String)> = state
        .app
        .list_tickets(
            &ui.actor,
            TicketKind::Incident,
            Filter {
                service: Some(service),
                ..Default::default()
            },
            TicketSort::default(),
            PageRequest {
                limit: 100,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|t| (t.id, format!("{}: {}", t.number, t.title)))
        .collect();
    let outages = state
        .app
        .list_outages(&ui.actor, service, None, None)
        .await?;
    for o in outages.iter().rev() {
        page.row_ids.push(o.id);
        page.rows.push(vec![
            match o.series_id {
                Some(_) => format!("{} (weekly)", status_label(o.kind.as_str())),
                None => status_label(o.kind.as_str()),
            },
            ui.local(&o.start),
            o.end
                .as_deref()
                .map_or_else(|| "ongoing".into(), |e| ui.local(e)),
            opt(o.incident_id.map(|i| {
                incidents
                    .iter()
                    .find(|(id, _)| *id == i)
                    .map_or_else(|| format!("#{i}"), |(_, label)| label.clone())
            })),
            opt(o.note.clone()),
        ]);
    }
    page.form = Some(FormSpec::new("outage", groups(ui, incidents, creating)));
    page.values = FormData(vec![("kind".into(), "unplanned".into())]);
    Ok(page)
}

/// The form as the API's JSON, with local times turned into instants.
fn json_of(ui: &Ui, page: &ListPage, form: &FormData) -> Result<Value, Vec<FieldError>> {
    let mut json = read(form, page.groups())?;
    let errors = ui.instants_in(&mut json, &["start", "end"]);
    if errors.is_empty() {
        Ok(Value::Object(json))
    } else {
        Err(errors)
    }
}

async fn list(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    let page = page(&state, &ui, id_of(&id)?, true).await?;
    Ok(ui.page(&page))
}

async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let service = id_of(&id)?;
    let page = page(&state, &ui, service, true).await?;
    let result = match json_of(&ui, &page, &form) {
        Ok(json) => match serde_json::from_value::<OutageInput>(json) {
            Ok(input) => state.app.record_outage(&ui.actor, service, input).await,
            Err(e) => Err(invalid(vec![FieldError::new("form", e.to_string())])),
        },
        Err(e) => Err(invalid(e)),
    };
    match result {
        Ok(o) => {
            let done = match o.series_id {
                Some(_) => "The weekly maintenance windows were recorded.".to_owned(),
                None => format!("The {} was recorded.", kind_noun(&o)),
            };
            Ok(see_other(&page.base, &done))
        }
        Err(AppError::Invalid(i)) => refused_form(&ui, page, form, &i.0),
        Err(e) => Err(e.into()),
    }
}

fn kind_noun(o: &Outage) -> &'static str {
    match o.kind {
        OutageKind::Unplanned => "outage",
        OutageKind::Planned => "maintenance window",
    }
}

async fn edit(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, outage)): Path<(String, String)>,
) -> UiResult {
    let (service, outage) = (id_of(&id)?, id_of(&outage)?);
    let page = page(&state, &ui, service, false).await?;
    let o = state.app.get_outage(&ui.actor, service, outage).await?;
    let mut json = serde_json::to_value(&o).unwrap_or_default();
    for field in ["start", "end"] {
        if let Some(Value::String(t)) = json.get(field).cloned() {
            json[field] = Value::String(ui.local(&t));
        }
    }
    let values = fill(&json, page.groups());
    edit_page(&ui, page, outage, values)
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, outage)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let (service, outage) = (id_of(&id)?, id_of(&outage)?);
    let page = page(&state, &ui, service, false).await?;
    let result = match json_of(&ui, &page, &form) {
        Ok(mut json) => {
            // A blank end reopens the outage; a blank incident or note clears it.
            for field in ["end", "incident_id", "note"] {
                json.as_object_mut()
                    .map(|o| o.entry(field).or_insert(Value::Null));
            }
            match serde_json::from_value::<OutagePatch>(json) {
                Ok(patch) => {
                    state
                        .app
                        .update_outage(&ui.actor, service, outage, patch)
                        .await
                }
                Err(e) => Err(invalid(vec![FieldError::new("form", e.to_string())])),
            }
        }
        Err(e) => Err(invalid(e)),
    };
    match result {
        Ok(o) => Ok(see_other(
            &page.base,
            &format!("The {} was saved.", kind_noun(&o)),
        )),
        Err(AppError::Invalid(i)) => refused_edit(&ui, page, outage, form, &i.0),
        Err(e) => Err(e.into()),
    }
}
