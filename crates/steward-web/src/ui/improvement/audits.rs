//! Internal audits (9.2): the audit programmes with a form to add one; the audits with a form
//! to plan one (refusing an auditor who is not independent, next to the auditor field); and
//! each audit's page — scope, criteria, its findings with links to the nonconformities they
//! raised, a form for the assigned auditor to record a finding, and one to move or complete
//! the audit.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input, fill, label_of, read};
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::{
    FormSpec, LinkColumn, ListPage, id_of, input, invalid, refused_form, require_manager,
};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, see_other, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde_json::Value;
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::foundation::page::PageRequest;
use steward_domain::improvement::audit::{
    AuditDetail, AuditInput, AuditPatch, AuditStatus, Finding, FindingInput, FindingKind,
    ProgrammeInput,
};
use steward_domain::{Permission, Role};

const BASE: &str = "/manage/audits";
const PROGRAMMES: &str = "/manage/audits/programmes";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(PROGRAMMES, get(programmes).post(create_programme))
        .route(&format!("{BASE}/{{id}}"), get(show).post(update))
        .route(&format!("{BASE}/{{id}}/findings"), post(record_finding))
}

fn name_of(list: &[(i64, String)], id: i64) -> String {
    list.iter()
        .find(|(p, _)| *p == id)
        .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
}

/// Staff who may audit: agents, managers, administrators and auditors.
async fn auditors(state: &AppState, ui: &Ui) -> Vec<(i64, String)> {
    let all = PageRequest {
        limit: 500,
        offset: 0,
    };
    let page = state
        .app
        .list_users(&ui.actor, Default::default(), all)
        .await;
    let mut people: Vec<(i64, String)> = page
        .map(|p| {
            p.items
                .into_iter()
                .filter(|u| u.active && u.role != Role::Customer)
                .map(|u| {
                    let label = if u.role == Role::Auditor {
                        format!("{} (auditor)", u.display_name)
                    } else {
                        u.display_name
                    };
                    (u.id, label)
                })
                .collect()
        })
        .unwrap_or_default();
    people.sort_by(|a, b| a.1.cmp(&b.1));
    people
}

async fn programmes_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    may_read(ui)?;
    let mut page = ListPage::new(ui, "Audit programmes", "audits");
    page.base = PROGRAMMES.into();
    page.intro = Some(
        "An audit programme covers a period: its objectives, and the internal audits planned in it (ISO/IEC 20000-1 9.2). Plan the audits themselves on the audits page."
            .into(),
    );
    page.related = vec![(BASE.into(), "Internal audits".into())];
    page.headers = vec!["Programme", "From", "To", "Objectives", "Audits"];
    let audits = state.app.list_audits(&ui.actor, None, None).await?;
    for p in state.app.list_audit_programmes(&ui.actor).await? {
        let count = audits.iter().filter(|a| a.programme_id == p.id).count();
        page.rows.push(vec![
            p.title,
            p.period_from,
            p.period_to,
            p.objectives.unwrap_or_else(|| "—".into()),
            count.to_string(),
        ]);
    }
    if !ui.actor.can(Permission::ManageConformity) {
        return Ok(page);
    }
    page.form = Some(FormSpec::new(
        "audit programme",
        vec![Group::plain(vec![
            Field::text("title", "Title")
                .required()
                .hint("For example: Internal audits 2026."),
            Field::text("period_from", "Period from")
                .required()
                .hint("YYYY-MM-DD, the first day."),
            Field::text("period_to", "Period to")
                .required()
                .hint("YYYY-MM-DD, the last day."),
            Field::new("objectives", "Objectives", Input::Long).hint(
                "What the programme sets out to show, for example: every clause of 8 audited once.",
            ),
        ])],
    ));
    Ok(page)
}

async fn programmes(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&programmes_page(&state, &ui).await?))
}

async fn create_programme(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let page = programmes_page(&state, &ui).await?;
    let result =
        match read(&form, page.groups()).and_then(|j| input::<ProgrammeInput>(Value::Object(j))) {
            Ok(i) => state.app.create_audit_programme(&ui.actor, i).await,
            Err(e) => Err(invalid(e)),
        };
    match result {
        Ok(p) => Ok(see_other(
            BASE,
            &format!(
                "The programme {} was created; plan its audits here.",
                p.title
            ),
        )),
        Err(AppError::Invalid(i)) => refused_form(&ui, page, form, &i.0),
        Err(e) => Err(e.into()),
    }
}

/// Scope and criteria fields, shared by planning and editing.
fn scope_fields(services: Vec<(i64, String)>, teams: Vec<(i64, String)>) -> Vec<Field> {
    vec![
        Field::new(
            "scope_service_ids",
            "Services in scope",
            Input::Many(services),
        ),
        Field::new("scope_team_ids", "Teams in scope", Input::Many(teams)),
        Field::new("scope_text", "Scope in words", Input::Long).hint(
            "Processes, sites or anything else audited; needed when no service or team is chosen.",
        ),
        Field::text("criteria", "Criteria").required().hint(
            "Clauses of ISO/IEC 20000-1 audited against, separated by commas, like 8.7.1, 9.2.",
        ),
    ]
}

/// The form's comma-separated clauses as the API's list.
fn criteria_list(json: &mut serde_json::Map<String, Value>) {
    if let Some(Value::String(s)) = json.get("criteria") {
        let list: Vec<Value> = s
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(Value::from)
            .collect();
        json.insert("criteria".into(), Value::Array(list));
    }
}

/// Staff and auditors read audits; managers and admins plan them.
fn may_read(ui: &Ui) -> Result<(), UiError> {
    if ui.actor.can(Permission::ReadConformity) {
        Ok(())
    } else {
        Err(UiError::App(AppError::forbidden()))
    }
}

async fn list_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    may_read(ui)?;
    let mut page = ListPage::new(ui, "Internal audits", "audits");
    page.intro = Some(
        "Internal audits check the service management system against ISO/IEC 20000-1 and your own requirements (9.2). An auditor may not audit an area they are responsible for: a service they own or a team they belong to. A nonconformity found raises a nonconformity record."
            .into(),
    );
    page.related = vec![
        (PROGRAMMES.into(), "Audit programmes".into()),
        ("/manage/nonconformities".into(), "Nonconformities".into()),
    ];
    page.headers = vec![
        "Audit",
        "Programme",
        "Planned on",
        "Auditor",
        "Criteria",
        "Status",
    ];
    let programmes = state.app.list_audit_programmes(&ui.actor).await?;
    let people = auditors(state, ui).await;
    let mut open = LinkColumn::new("Details");
    for a in state.app.list_audits(&ui.actor, None, None).await? {
        open.push(format!("{BASE}/{}", a.id), "Details", None);
        page.rows.push(vec![
            a.title.clone(),
            programmes
                .iter()
                .find(|p| p.id == a.programme_id)
                .map_or_else(String::new, |p| p.title.clone()),
            a.planned_on.clone(),
            name_of(&people, a.auditor_id),
            a.criteria.join(", "),
            status_label(a.status.as_str()),
        ]);
    }
    page.link_columns = vec![open];
    let choices: Vec<(i64, String)> = programmes
        .iter()
        .map(|p| {
            (
                p.id,
                format!("{} ({} to {})", p.title, p.period_from, p.period_to),
            )
        })
        .collect();
    let mut fields = vec![
        Field::new("programme_id", "Programme", Input::Pick(choices, "Choose…"))
            .required()
            .hint("Add a programme on the audit programmes page first."),
        Field::text("title", "Title").required(),
        Field::text("planned_on", "Planned on")
            .required()
            .hint("YYYY-MM-DD, within the programme's period."),
        Field::new("auditor_id", "Auditor", Input::Pick(people, "Choose…"))
            .required()
            .hint("Not the owner of a service in scope, nor a member of a team in scope."),
    ];
    fields.extend(scope_fields(
        choices::services(state, ui).await,
        choices::teams(state, ui).await,
    ));
    if ui.actor.can(Permission::ManageConformity) {
        page.form = Some(FormSpec::new("audit", vec![Group::plain(fields)]));
    }
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&list_page(&state, &ui).await?))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let page = list_page(&state, &ui).await?;
    let result = match read(&form, page.groups()).and_then(|mut j| {
        criteria_list(&mut j);
        input::<AuditInput>(Value::Object(j))
    }) {
        Ok(i) => state.app.create_audit(&ui.actor, i).await,
        Err(e) => Err(invalid(e)),
    };
    match result {
        Ok(a) => Ok(see_other(
            &format!("{BASE}/{}", a.audit.id),
            &format!("The audit {} was planned.", a.audit.title),
        )),
        Err(AppError::Invalid(i)) => refused_form(&ui, page, form, &i.0),
        Err(e) => Err(e.into()),
    }
}

struct FindingRow {
    f: Finding,
    /// The number of the nonconformity it raised.
    nc: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    section: &'static str,
    base: String,
    a: AuditDetail,
    programme: String,
    auditor: String,
    services: Vec<String>,
    teams: Vec<String>,
    findings: Vec<FindingRow>,
    /// The assigned auditor reads the findings form.
    may_record: bool,
    manager: bool,
    finding_groups: Vec<Group>,
    audit_groups: Vec<Group>,
    values: FormData,
    errors: FieldErrors,
    /// Which form the errors are for: `finding` or `audit`.
    refused: &'static str,
}

impl AuditPage {
    fn label_of(&self, name: &str) -> String {
        let mut all = self.finding_groups.clone();
        all.extend(self.audit_groups.clone());
        label_of(&all, name)
    }

    fn kind_label(&self, k: &FindingKind) -> String {
        status_label(k.as_str())
    }

    fn status_text(&self) -> String {
        status_label(self.a.audit.status.as_str())
    }
}

async fn audit_page(state: &AppState, ui: &Ui, id: i64) -> Result<AuditPage, UiError> {
    may_read(ui)?;
    let a = state.app.get_audit(&ui.actor, id).await?;
    let people = auditors(state, ui).await;
    let services = choices::services(state, ui).await;
    let teams = choices::teams(state, ui).await;
    let programme = state
        .app
        .get_audit_programme(&ui.actor, a.audit.programme_id)
        .await?;
    let all = PageRequest {
        limit: 500,
        offset: 0,
    };
    let ncs = state
        .app
        .list_nonconformities(
            &ui.actor,
            steward_store::improvement::nonconformities::Filter {
                audit: Some(id),
                ..Default::default()
            },
            all,
        )
        .await?
        .items;
    let findings = a
        .findings
        .iter()
        .map(|f| FindingRow {
            nc: f
                .nonconformity_id
                .and_then(|n| ncs.iter().find(|x| x.id == n))
                .map(|n| n.number.clone())
                .unwrap_or_default(),
            f: f.clone(),
        })
        .collect();
    let finding_groups = vec![Group::plain(vec![
        Field::new(
            "kind",
            "Kind",
            Input::Choice(
                FindingKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), status_label(k.as_str())))
                    .collect(),
            ),
        )
        .required()
        .hint("A minor or major nonconformity raises a nonconformity record."),
        Field::text("clause", "Clause")
            .hint("The clause concerned, like 8.7.1; needed for a nonconformity."),
        Field::new("description", "Description of the finding", Input::Long).required(),
        Field::new("evidence", "Evidence", Input::Long)
            .hint("What was seen, read or heard that supports the finding."),
    ])];
    let mut audit_fields = vec![
        Field::new(
            "status",
            "Status",
            Input::Choice(
                AuditStatus::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), status_label(s.as_str())))
                    .collect(),
            ),
        )
        .required(),
        Field::new("report_summary", "Report summary", Input::Long)
            .hint("The audit's results in brief; needed to complete it."),
        Field::new(
            "auditor_id",
            "Auditor",
            Input::Pick(people.clone(), "Choose…"),
        )
        .required(),
        Field::text("planned_on", "Planned on").required(),
    ];
    audit_fields.extend(scope_fields(services.clone(), teams.clone()));
    let audit_groups = vec![Group::plain(audit_fields)];
    let mut json = serde_json::to_value(&a.audit).unwrap_or_default();
    json["criteria"] = Value::from(a.audit.criteria.join(", "));
    let values = fill(&json, &audit_groups);
    let mut l = ui.layout(format!("Audit: {}", a.audit.title), "manage");
    l.title = format!("Audit: {}", a.audit.title);
    Ok(AuditPage {
        l,
        section: "audits",
        base: format!("{BASE}/{id}"),
        programme: format!(
            "{} ({} to {})",
            programme.title, programme.period_from, programme.period_to
        ),
        auditor: name_of(&people, a.audit.auditor_id),
        services: a
            .audit
            .scope_service_ids
            .iter()
            .map(|s| name_of(&services, *s))
            .collect(),
        teams: a
            .audit
            .scope_team_ids
            .iter()
            .map(|t| name_of(&teams, *t))
            .collect(),
        findings,
        may_record: ui.actor.user_id == Some(a.audit.auditor_id)
            && ui.actor.can(Permission::RecordAuditFindings)
            && a.audit.status != AuditStatus::Completed,
        manager: ui.actor.can(Permission::ManageConformity),
        finding_groups,
        audit_groups,
        values,
        errors: FieldErrors::default(),
        refused: "",
        a,
    })
}

fn refused(
    ui: &Ui,
    mut page: AuditPage,
    which: &'static str,
    form: FormData,
    errors: &[FieldError],
) -> UiResult {
    let names: Vec<String> = match which {
        "finding" => &page.finding_groups,
        _ => &page.audit_groups,
    }
    .iter()
    .flat_map(|g| g.fields.iter().map(|f| f.name.clone()))
    .collect();
    page.values.0.retain(|(k, _)| !names.contains(k));
    page.values
        .0
        .extend(form.0.into_iter().filter(|(k, _)| names.contains(k)));
    page.errors = FieldErrors::from_list(errors);
    page.refused = which;
    let mut response = ui.page(&page);
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

async fn show(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    Ok(ui.page(&audit_page(&state, &ui, id_of(&id)?).await?))
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&id)?;
    let page = audit_page(&state, &ui, id).await?;
    let result = match read(&form, &page.audit_groups).and_then(|mut j| {
        criteria_list(&mut j);
        input::<AuditPatch>(Value::Object(j))
    }) {
        Ok(p) => state.app.update_audit(&ui.actor, id, p).await,
        Err(e) => Err(invalid(e)),
    };
    match result {
        Ok(a) => Ok(see_other(
            &format!("{}#", page.base),
            &format!(
                "The audit was saved: {}.",
                status_label(a.audit.status.as_str()).to_lowercase()
            ),
        )),
        Err(AppError::Invalid(i)) => refused(&ui, page, "audit", form, &i.0),
        Err(e) => Err(e.into()),
    }
}

async fn record_finding(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&id)?;
    let page = audit_page(&state, &ui, id).await?;
    let result = match parse::<FindingInput>(&page.finding_groups, &form) {
        Ok(f) => state.app.record_finding(&ui.actor, id, f).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(f) => {
            let done = match f.nonconformity_id {
                Some(_) => "The finding was recorded and raised a nonconformity.".to_owned(),
                None => "The finding was recorded.".to_owned(),
            };
            Ok(see_other(&format!("{}#findings-h", page.base), &done))
        }
        Err(AppError::Invalid(i)) => refused(&ui, page, "finding", form, &i.0),
        Err(e) => Err(e.into()),
    }
}

fn parse<T: serde::de::DeserializeOwned>(groups: &[Group], form: &FormData) -> Result<T, AppError> {
    let json = read(form, groups).map_err(invalid)?;
    input::<T>(Value::Object(json)).map_err(invalid)
}
