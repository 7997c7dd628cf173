//! Nonconformities (10.1): the list, flagging overdue actions, with a form to raise one; and
//! each record's page — its facts, the correction and cause analysis, its corrective actions
//! (plan one, mark one done), the effectiveness check, and the status with closing, each
//! refusal shown next to the field it names.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input, fill, label_of, read};
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::{
    FormSpec, LinkColumn, ListPage, id_of, input, invalid, parse_form, refused_form,
    require_manager,
};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, now, see_other, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use serde_json::{Map, Value};
use steward_app::AppError;
use steward_domain::foundation::page::PageRequest;
use steward_domain::improvement::nonconformity::{
    ActionInput, ActionPatch, ActionStatus, CorrectiveAction, EffectivenessCheckInput, NcSource,
    NcStatus, Nonconformity, NonconformityInput, NonconformityPatch, Severity,
};
use steward_domain::{FieldError, Permission};
use steward_store::improvement::nonconformities::Filter;

const BASE: &str = "/manage/nonconformities";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(&format!("{BASE}/{{id}}"), get(show).post(update))
        .route(&format!("{BASE}/{{id}}/status"), post(move_status))
        .route(&format!("{BASE}/{{id}}/actions"), post(add_action))
        .route(
            &format!("{BASE}/{{id}}/actions/{{action}}"),
            post(action_status),
        )
        .route(&format!("{BASE}/{{id}}/check"), post(check))
}

fn options<T: Copy>(all: &[T], text: impl Fn(T) -> &'static str) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (text(*v).to_owned(), status_label(text(*v))))
        .collect()
}

fn source_label(s: NcSource) -> String {
    match s {
        NcSource::IncidentReview => "Incident review".into(),
        other => status_label(other.as_str()),
    }
}

fn name_of(people: &[(i64, String)], id: Option<i64>) -> String {
    match id {
        None => "Nobody yet".into(),
        Some(id) => people
            .iter()
            .find(|(p, _)| *p == id)
            .map_or_else(|| format!("user #{id}"), |(_, n)| n.clone()),
    }
}

fn record_fields(staff: Vec<(i64, String)>) -> Vec<Field> {
    vec![
        Field::new("description", "What was found", Input::Long).required(),
        Field::text("requirement", "Requirement not met")
            .required()
            .hint("A clause of ISO/IEC 20000-1 like 8.7.1, or your own requirement in words."),
        Field::new(
            "severity",
            "Severity",
            Input::Choice(options(Severity::ALL, Severity::as_str)),
        )
        .required(),
        Field::new("owner_id", "Owner", Input::Pick(staff, "Nobody yet")),
        Field::new("correction", "Correction", Input::Long)
            .hint("The immediate fix, done to contain the nonconformity."),
    ]
}

#[derive(serde::Deserialize)]
struct ListQuery {
    overdue: Option<String>,
    status: Option<String>,
}

/// Staff and auditors read nonconformities; managers and admins change them.
fn may_read(ui: &Ui) -> Result<(), UiError> {
    if ui.actor.can(Permission::ReadConformity) {
        Ok(())
    } else {
        Err(UiError::App(AppError::forbidden()))
    }
}

async fn list_page(state: &AppState, ui: &Ui, q: &ListQuery) -> Result<ListPage, UiError> {
    may_read(ui)?;
    let mut page = ListPage::new(ui, "Nonconformities", "nonconformities");
    let overdue = q.overdue.as_deref() == Some("yes");
    let status = q.status.as_deref().and_then(NcStatus::parse);
    page.intro = Some(
        "A nonconformity is a requirement not met, found by an audit, a complaint, an incident review or monitoring. It is corrected at once, its cause is analysed, corrective actions remove the cause, and it closes only when an effectiveness check finds them effective (ISO/IEC 20000-1 10.1). Actions open past their due date are flagged."
            .into(),
    );
    page.related = vec![
        (BASE.into(), "All".into()),
        (format!("{BASE}?overdue=yes"), "With overdue actions".into()),
        (format!("{BASE}?status=open"), "Open, no action yet".into()),
        ("/manage/audits".into(), "Internal audits".into()),
    ];
    if overdue {
        page.l.title = "Nonconformities with overdue actions".into();
    }
    page.headers = vec![
        "Number",
        "What was found",
        "Source",
        "Severity",
        "Requirement",
        "Owner",
        "Actions done",
        "Status",
    ];
    let staff = choices::staff(state, ui).await;
    let filter = Filter {
        overdue: overdue.then_some(true),
        status,
        ..Filter::default()
    };
    let all = PageRequest {
        limit: 500,
        offset: 0,
    };
    let mut open = LinkColumn::new("Details");
    for n in state
        .app
        .list_nonconformities(&ui.actor, filter, all)
        .await?
        .items
    {
        open.push(
            format!("{BASE}/{}", n.id),
            "Details",
            n.has_overdue_actions.then(|| "Overdue actions".to_owned()),
        );
        let done = n
            .actions
            .iter()
            .filter(|a| a.status == ActionStatus::Done)
            .count();
        page.rows.push(vec![
            n.number.clone(),
            short(&n.description),
            source_label(n.source),
            status_label(n.severity.as_str()),
            n.requirement.clone(),
            name_of(&staff, n.owner_id),
            format!("{done} of {}", n.actions.len()),
            status_label(n.status.as_str()),
        ]);
    }
    page.link_columns = vec![open];
    let mut fields = vec![
        Field::new(
            "source",
            "Source",
            Input::Choice(
                NcSource::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), source_label(*s)))
                    .collect(),
            ),
        )
        .required(),
        Field::new("complaint_id", "Complaint id", Input::Number)
            .hint("For source Complaint: the complaint's id, if it came from one."),
        Field::new("incident_id", "Incident id", Input::Number)
            .hint("For source Incident review: the id of the incident reviewed (the number in its address)."),
    ];
    fields.extend(record_fields(staff));
    fields.push(
        Field::new("cause_analysis", "Cause analysis", Input::Long)
            .hint("Why it happened; may be recorded later, and is needed to close."),
    );
    if ui.actor.can(Permission::ManageConformity) {
        page.form = Some(FormSpec::new("nonconformity", vec![Group::plain(fields)]));
    }
    Ok(page)
}

fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > 80 {
        format!("{}…", line.chars().take(79).collect::<String>())
    } else {
        line.to_owned()
    }
}

async fn list(State(state): State<AppState>, ui: Ui, Query(q): Query<ListQuery>) -> UiResult {
    Ok(ui.page(&list_page(&state, &ui, &q).await?))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let page = list_page(
        &state,
        &ui,
        &ListQuery {
            overdue: None,
            status: None,
        },
    )
    .await?;
    let result = match parse_form::<NonconformityInput>(&page, &form) {
        Ok(i) => state.app.create_nonconformity(&ui.actor, i).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(n) => Ok(see_other(
            &format!("{BASE}/{}", n.id),
            &format!(
                "{} was raised. Record its cause and plan corrective actions.",
                n.number
            ),
        )),
        Err(AppError::Invalid(i)) => refused_form(&ui, page, form, &i.0),
        Err(e) => Err(e.into()),
    }
}

/// One action as a table row.
struct ActionRow {
    a: CorrectiveAction,
    /// Managers, and the action's owner, mark it done or open again.
    may_change: bool,
    owner: String,
    done_at: String,
}

#[derive(Template)]
#[template(path = "nonconformity.html")]
struct NcPage {
    l: Layout,
    section: &'static str,
    base: String,
    n: Nonconformity,
    owner: String,
    source: String,
    /// (href, text) of the record it came from.
    origin: Option<(String, String)>,
    checked_by: String,
    /// When it closed, in the reader's zone.
    closed: String,
    actions: Vec<ActionRow>,
    record_groups: Vec<Group>,
    action_groups: Vec<Group>,
    check_groups: Vec<Group>,
    status_groups: Vec<Group>,
    values: FormData,
    errors: FieldErrors,
    /// Which form the errors are for: `record`, `action`, `check` or `status`.
    refused: &'static str,
    /// The reader may change the record (its forms are shown).
    manage: bool,
}

impl NcPage {
    fn label_of(&self, name: &str) -> String {
        match name {
            "actions" => "Corrective actions".into(),
            "effectiveness_check" => "Effectiveness check".into(),
            _ => {
                let mut all = self.record_groups.clone();
                all.extend(self.action_groups.clone());
                all.extend(self.check_groups.clone());
                all.extend(self.status_groups.clone());
                label_of(&all, name)
            }
        }
    }

    /// Where a refusal's field is on the page.
    fn anchor(&self, name: &str) -> String {
        match name {
            "actions" => "actions-h".into(),
            "effectiveness_check" => "check-h".into(),
            other => format!("c-{other}"),
        }
    }

    fn closed(&self) -> bool {
        self.n.status == NcStatus::Closed
    }

    fn status_text(&self) -> String {
        status_label(self.n.status.as_str())
    }
}

async fn nc_page(state: &AppState, ui: &Ui, id: i64) -> Result<NcPage, UiError> {
    may_read(ui)?;
    let manage = ui.actor.can(Permission::ManageConformity);
    let n = state.app.get_nonconformity(&ui.actor, id).await?;
    let staff = choices::staff(state, ui).await;
    let origin = match (n.audit_id, n.complaint_id, n.incident_id) {
        (Some(a), _, _) => {
            let title = state.app.get_audit(&ui.actor, a).await?.audit.title;
            Some((
                format!("/manage/audits/{a}"),
                match n.finding_id {
                    Some(f) => format!("the audit {title}, finding #{f}"),
                    None => format!("the audit {title}"),
                },
            ))
        }
        // Complaints have no screen yet: named, not linked.
        (_, Some(c), _) => Some((String::new(), format!("complaint #{c}"))),
        (_, _, Some(i)) => Some((format!("/incidents/{i}"), format!("incident #{i}"))),
        _ => None,
    };
    let actions = n
        .actions
        .iter()
        .map(|a| ActionRow {
            may_change: manage || ui.actor.user_id == Some(a.owner_id),
            owner: name_of(&staff, Some(a.owner_id)),
            done_at: a
                .done_at
                .as_deref()
                .map(|d| ui.local(d))
                .unwrap_or_default(),
            a: a.clone(),
        })
        .collect();
    let mut record = record_fields(staff.clone());
    record.push(
        Field::new("cause_analysis", "Cause analysis", Input::Long)
            .hint("Why it happened: the cause the corrective actions remove. Needed to close."),
    );
    let record_groups = vec![Group::plain(record)];
    let action_groups = vec![Group::plain(vec![
        Field::new("action_description", "Action", Input::Long)
            .required()
            .hint("What is done to remove the cause."),
        Field::new(
            "action_owner_id",
            "Action owner",
            Input::Pick(staff.clone(), "Choose…"),
        )
        .required(),
        Field::text("due_on", "Due date")
            .required()
            .hint("YYYY-MM-DD. Past this date, an action not done is flagged overdue."),
    ])];
    let check_groups = vec![Group::plain(vec![
        Field::new("text", "What the check found", Input::Long)
            .required()
            .hint("For example: no recurrence in four weeks of monitoring."),
        Field::new(
            "effective",
            "Were the actions effective?",
            Input::Choice(vec![
                ("yes".into(), "Yes: the cause is removed".into()),
                ("no".into(), "No: new actions are needed".into()),
            ]),
        )
        .required(),
        Field::new("checked_by", "Checked by", Input::Pick(staff.clone(), "Me")),
        Field::text("checked_on", "Checked on")
            .required()
            .hint("YYYY-MM-DD, not in the future."),
    ])];
    let status_groups = vec![Group::plain(vec![
        Field::new(
            "status",
            "New status",
            Input::Choice(
                NcStatus::ALL
                    .iter()
                    .filter(|s| **s != n.status)
                    .map(|s| (s.as_str().to_owned(), status_label(s.as_str())))
                    .collect(),
            ),
        )
        .required(),
    ])];
    let mut values = fill(
        &serde_json::to_value(&n).unwrap_or_default(),
        &record_groups,
    );
    let today = now(state).to_zoned_datetime(ui.zone()).date();
    values.0.push(("checked_on".into(), today.to_string()));
    let next = match n.status {
        NcStatus::Open => NcStatus::ActionPlanned,
        NcStatus::ActionPlanned => NcStatus::Verifying,
        _ => NcStatus::Closed,
    };
    values.0.push(("status".into(), next.as_str().into()));
    if let Some(c) = &n.effectiveness_check {
        values.0.push(("text".into(), c.text.clone()));
        values.0.push((
            "effective".into(),
            if c.effective { "yes" } else { "no" }.into(),
        ));
    }
    let checked_by = n
        .effectiveness_check
        .as_ref()
        .map(|c| name_of(&staff, Some(c.checked_by)))
        .unwrap_or_default();
    let mut l = ui.layout(format!("{}: nonconformity", n.number), "manage");
    l.title = format!("{} — {}", n.number, short(&n.description));
    Ok(NcPage {
        l,
        section: "nonconformities",
        base: format!("{BASE}/{id}"),
        owner: name_of(&staff, n.owner_id),
        source: source_label(n.source),
        origin,
        checked_by,
        closed: n
            .closed_at
            .as_deref()
            .map(|c| ui.local(c))
            .unwrap_or_default(),
        actions,
        record_groups,
        action_groups,
        check_groups,
        status_groups,
        values,
        errors: FieldErrors::default(),
        refused: "",
        manage,
        n,
    })
}

/// The page again with a form's refused input, answered 422.
fn refused(
    ui: &Ui,
    mut page: NcPage,
    which: &'static str,
    form: FormData,
    errors: &[FieldError],
) -> UiResult {
    let groups = match which {
        "record" => &page.record_groups,
        "action" => &page.action_groups,
        "check" => &page.check_groups,
        _ => &page.status_groups,
    };
    let names: Vec<String> = groups
        .iter()
        .flat_map(|g| g.fields.iter().map(|f| f.name.clone()))
        .collect();
    page.values.0.retain(|(k, _)| !names.contains(k));
    page.values
        .0
        .extend(form.0.into_iter().filter(|(k, _)| names.contains(k)));
    // The action form's fields are named apart from the record's; so are its refusals.
    let errors: Vec<FieldError> = errors
        .iter()
        .map(|e| match (which, e.field.as_str()) {
            ("action", "description") => FieldError::new("action_description", &e.message),
            ("action", "owner_id") => FieldError::new("action_owner_id", &e.message),
            _ => e.clone(),
        })
        .collect();
    page.errors = FieldErrors::from_list(&errors);
    page.refused = which;
    let mut response = ui.page(&page);
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// Back to the record (at `#anchor`) with the message `done` gives, or the refused `which`
/// form again with its errors beside the fields.
fn answer<R>(
    ui: &Ui,
    page: NcPage,
    which: &'static str,
    form: FormData,
    result: Result<R, AppError>,
    done: impl FnOnce(R) -> (&'static str, String),
) -> UiResult {
    match result {
        Ok(r) => {
            let (anchor, message) = done(r);
            Ok(see_other(&format!("{}#{anchor}", page.base), &message))
        }
        Err(AppError::Invalid(i)) => refused(ui, page, which, form, &i.0),
        Err(e) => Err(e.into()),
    }
}

/// A form read through `groups` as JSON, keys renamed by `rename`.
fn json_of(
    groups: &[Group],
    form: &FormData,
    rename: &[(&str, &str)],
) -> Result<Map<String, Value>, AppError> {
    let mut json = read(form, groups).map_err(invalid)?;
    for (from, to) in rename {
        if let Some(v) = json.remove(*from) {
            json.insert((*to).to_owned(), v);
        }
    }
    Ok(json)
}

async fn show(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    Ok(ui.page(&nc_page(&state, &ui, id_of(&id)?).await?))
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&id)?;
    let page = nc_page(&state, &ui, id).await?;
    let result = match json_of(&page.record_groups, &form, &[])
        .and_then(|j| input::<NonconformityPatch>(Value::Object(j)).map_err(invalid))
    {
        Ok(p) => state.app.update_nonconformity(&ui.actor, id, p).await,
        Err(e) => Err(e),
    };
    answer(&ui, page, "record", form, result, |n| {
        ("", format!("{} was saved.", n.number))
    })
}

async fn move_status(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&id)?;
    let page = nc_page(&state, &ui, id).await?;
    let result = match json_of(&page.status_groups, &form, &[])
        .and_then(|j| input::<NonconformityPatch>(Value::Object(j)).map_err(invalid))
    {
        Ok(p) => state.app.update_nonconformity(&ui.actor, id, p).await,
        Err(e) => Err(e),
    };
    answer(&ui, page, "status", form, result, |n| {
        let message = if n.status == NcStatus::Closed {
            format!("{} is closed.", n.number)
        } else {
            format!(
                "{} is now {}.",
                n.number,
                status_label(n.status.as_str()).to_lowercase()
            )
        };
        ("", message)
    })
}

async fn add_action(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&id)?;
    let page = nc_page(&state, &ui, id).await?;
    let rename = [
        ("action_description", "description"),
        ("action_owner_id", "owner_id"),
    ];
    let result = match json_of(&page.action_groups, &form, &rename)
        .and_then(|j| input::<ActionInput>(Value::Object(j)).map_err(invalid))
    {
        Ok(a) => state.app.add_corrective_action(&ui.actor, id, a).await,
        Err(e) => Err(e),
    };
    answer(&ui, page, "action", form, result, |a| {
        (
            "actions-h",
            format!("The corrective action was planned, due {}.", a.due_on),
        )
    })
}

async fn action_status(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, action)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let (id, action) = (id_of(&id)?, id_of(&action)?);
    let page = nc_page(&state, &ui, id).await?;
    let status = match form.get("status") {
        Some("done") => ActionStatus::Done,
        _ => ActionStatus::Open,
    };
    let patch = ActionPatch {
        status: Some(status),
        ..ActionPatch::default()
    };
    let result = state
        .app
        .update_corrective_action(&ui.actor, id, action, patch)
        .await;
    answer(&ui, page, "status", form, result, |a| {
        let message = if a.status == ActionStatus::Done {
            "The corrective action is done."
        } else {
            "The corrective action is open again."
        };
        ("actions-h", message.to_owned())
    })
}

async fn check(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&id)?;
    let page = nc_page(&state, &ui, id).await?;
    let result = match json_of(&page.check_groups, &form, &[]).and_then(|mut j| {
        let effective = j.get("effective").and_then(Value::as_str) == Some("yes");
        j.insert("effective".into(), Value::Bool(effective));
        input::<EffectivenessCheckInput>(Value::Object(j)).map_err(invalid)
    }) {
        Ok(c) => state.app.record_effectiveness_check(&ui.actor, id, c).await,
        Err(e) => Err(e),
    };
    answer(&ui, page, "check", form, result, |n| {
        let message = match &n.effectiveness_check {
            Some(c) if c.effective => format!(
                "The effectiveness check was recorded: effective. {} can close.",
                n.number
            ),
            _ => {
                "The effectiveness check was recorded: not effective. Plan new corrective actions."
                    .to_owned()
            }
        };
        ("", message)
    })
}
