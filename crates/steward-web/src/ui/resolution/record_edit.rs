//! Editing a record's details from its page: staff change title, description, impact,
//! urgency, service and category of an open incident or request (and a problem's analysis);
//! a customer changes what the desk settings allow on its own open record.
use crate::AppState;
use crate::ui::resolution::record_path::{id_of, kind_of, refused};
use crate::ui::resolution::rows::{Choice, href};
use crate::ui::{FormData, Ui, UiResult, see_other, status_label};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::routing::post;
use steward_app::AppError;
use steward_domain::resolution::problem::AnalysisInput;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::{Level, TicketField, TicketKind, TicketPatch};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents/{id}/edit", post(edit))
        .route("/requests/{id}/edit", post(edit))
        .route("/problems/{id}/edit", post(edit))
        .route("/problems/{id}/analysis", post(analysis))
        .route("/incidents/{id}/merge", post(merge))
}

/// The edit form as the record page shows it: which fields, and the choices of each.
pub struct EditForm {
    pub fields: Vec<TicketField>,
    pub impacts: Vec<Choice>,
    pub urgencies: Vec<Choice>,
    pub services: Vec<Choice>,
}

impl EditForm {
    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.as_str() == name)
    }
}

fn level_choices(current: Level) -> Vec<Choice> {
    Level::ALL
        .iter()
        .map(|l| Choice {
            value: l.as_str().into(),
            label: status_label(l.as_str()),
            selected: *l == current,
        })
        .collect()
}

/// The edit form for this actor and record, or none when there is nothing it may edit.
/// `services`: what the actor may raise records against (the page has them already).
pub async fn form(
    state: &AppState,
    ui: &Ui,
    t: &Ticket,
    services: &[(i64, String)],
) -> Option<EditForm> {
    if !t.status.is_open() {
        return None;
    }
    let fields: Vec<TicketField> = if ui.staff() {
        vec![
            TicketField::Title,
            TicketField::Description,
            TicketField::Impact,
            TicketField::Urgency,
            TicketField::Service,
            TicketField::Category,
        ]
    } else {
        let desk = state.app.desk_settings(&ui.actor).await.ok()?;
        desk.customer_fields
    };
    if fields.is_empty() {
        return None;
    }
    let mut service_choices = vec![Choice {
        value: String::new(),
        label: "No service".into(),
        selected: t.service_id.is_none(),
    }];
    if fields.contains(&TicketField::Service) {
        let mut options = services.to_vec();
        // The record's own service stays offered even when it is no longer live.
        if let Some(current) = t.service_id
            && !options.iter().any(|(id, _)| *id == current)
        {
            options.push((current, format!("service {current} (current)")));
        }
        service_choices.extend(options.into_iter().map(|(id, label)| Choice {
            value: id.to_string(),
            label,
            selected: Some(id) == t.service_id,
        }));
    }
    Some(EditForm {
        fields,
        impacts: level_choices(t.impact),
        urgencies: level_choices(t.urgency),
        services: service_choices,
    })
}

/// The patch a submitted edit form asks for: only the fields the form carried.
fn patch_of(form: &FormData) -> Result<TicketPatch, AppError> {
    let level = |name: &str| -> Result<Option<Level>, AppError> {
        match form.get(name) {
            None => Ok(None),
            Some(v) => Level::parse(v)
                .map(Some)
                .ok_or_else(|| AppError::invalid(name, "choose high, medium or low")),
        }
    };
    let service_id = match form.get("service_id") {
        None => None,
        Some(_) => Some(
            form.id("service_id")
                .map_err(|e| AppError::Invalid(steward_domain::Invalid(vec![e])))?,
        ),
    };
    Ok(TicketPatch {
        title: form.get("title").map(str::to_owned),
        description: form.get("description").map(|_| form.text("description")),
        impact: level("impact")?,
        urgency: level("urgency")?,
        service_id,
        category: form.get("category").map(|_| form.text("category")),
        ci_id: None,
    })
}

async fn edit(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let kind = kind_of(&parts)?;
    let id = id_of(&raw)?;
    let base = href(kind, id);
    let result = match patch_of(&form) {
        Ok(patch) => state.app.update_ticket(&ui.actor, kind, id, patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(t) => Ok(see_other(&base, &format!("{} was saved.", t.number))),
        Err(e) => refused(&base, "save the changes", e),
    }
}

/// A problem's root cause and workaround; a blank field clears it.
async fn analysis(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let base = href(TicketKind::Problem, id);
    let input = AnalysisInput {
        root_cause: Some(form.text("root_cause")),
        workaround: Some(form.text("workaround")),
    };
    match state.app.analyse_problem(&ui.actor, id, input).await {
        Ok(t) => Ok(see_other(
            &base,
            &format!("The analysis of {} was saved.", t.number),
        )),
        Err(e) => refused(&base, "save the analysis", e),
    }
}

/// Merges this incident into the one whose number the form names.
async fn merge(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let base = href(TicketKind::Incident, id);
    let number = form.value("into");
    let found = state
        .app
        .search_tickets(&ui.actor, &number, Default::default())
        .await?
        .items
        .into_iter()
        .find(|h| h.exact && h.kind == TicketKind::Incident.as_str());
    let Some(target) = found else {
        let e = AppError::invalid("into", format!("no incident numbered {:?}", number.trim()));
        return refused(&base, "merge", e);
    };
    match state
        .app
        .merge_incident(&ui.actor, id, target.ticket_id)
        .await
    {
        Ok(t) => Ok(see_other(
            &href(TicketKind::Incident, t.id),
            &format!("The duplicate was merged into {}.", t.number),
        )),
        Err(e) => refused(&base, "merge", e),
    }
}
