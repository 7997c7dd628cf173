//! Service reports in the interface: the list of reports, one report with its filter form
//! (summary figures with the trend in words, the chart, the table, exports), report
//! definitions with their snapshots, and the decisions and actions recorded against them.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::{FormSpec, ListPage as ManageList, refused_form};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, see_other, short_time, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use serde_json::Value;
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::foundation::page::PageRequest;
use steward_domain::reporting::report::schedule::{ActionInput, ActionKind, DefinitionInput};
use steward_domain::reporting::report::{Figure, Report, ReportName, ReportParams};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/reports", get(list))
        .route("/manage/reports/{name}", get(show))
        .route(
            "/manage/report-definitions",
            get(definitions).post(create_definition),
        )
        .route(
            "/manage/report-definitions/{id}",
            get(definition).post(update_definition),
        )
        .route("/manage/report-definitions/{id}/run", post(run_definition))
        .route("/manage/report-snapshots/{id}", get(snapshot))
        .route("/manage/report-snapshots/{id}/actions", post(add_action))
}

fn require_manager(ui: &Ui) -> Result<(), UiError> {
    if ui.manager() {
        Ok(())
    } else {
        Err(UiError::App(AppError::forbidden()))
    }
}

/// What a report's summary says about one figure.
pub struct FigureView {
    pub label: String,
    pub value: String,
    /// The trend in words with an arrow, so it never depends on colour.
    pub trend: String,
}

/// A report as the pages show it.
pub struct ReportView {
    pub name: String,
    pub title: String,
    pub period: String,
    pub figures: Vec<FigureView>,
    /// The chart with `role="img"`, labelled by `caption_id`.
    pub svg: Option<String>,
    pub caption_id: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub caveats: Vec<String>,
    pub notes: Vec<String>,
}

pub fn show_value(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "no value".into(),
        Some(v) => match unit {
            "percent" => format!("{v:.1} %"),
            "days" => format!("{v:.2} days"),
            "hours" => format!("{v:.1} hours"),
            _ if v.fract() == 0.0 => format!("{v:.0}"),
            _ => format!("{v:.2}"),
        },
    }
}

pub fn trend(f: &Figure) -> String {
    let before = show_value(f.previous, &f.unit);
    match f.change_percent {
        None if f.previous.is_none() => "no value for the previous period".into(),
        None => format!("previous period: {before}"),
        Some(c) if c > 0.0 => format!("▲ up {c:.1} % on the previous period ({before})"),
        Some(c) if c < 0.0 => format!("▼ down {:.1} % on the previous period ({before})", -c),
        Some(_) => format!("■ unchanged from the previous period ({before})"),
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() != 0.0 => format!("{f:.2}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn day_of(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// `key` makes the caption id unique when a page shows several reports.
pub fn view(report: &Report, key: &str) -> ReportView {
    let caption_id = format!("cap-{key}");
    // A period in which nothing was recorded is said in words, not as a chart of zeros and a
    // table of zero rows (a day-by-day month would list thirty of them).
    let nothing = report.rows.iter().all(|r| {
        r.iter()
            .skip(1)
            .all(|v| v.is_null() || v.as_f64() == Some(0.0))
    });
    let svg = (!nothing)
        .then(|| steward_reports::svg(report))
        .flatten()
        .map(|s| {
            s.replacen(
                "<svg ",
                &format!(
                    "<svg role=\"img\" aria-labelledby=\"{caption_id}\" class=\"report-chart\" "
                ),
                1,
            )
        });
    ReportView {
        name: report.name.clone(),
        title: report.title.clone(),
        // Availability is over services, for the whole period; the others over records.
        period: if report.name == "availability" {
            format!(
                "Live services, {} to {}, compared with {} to {}",
                short_time(&report.from),
                short_time(&report.to),
                day_of(&report.previous_from),
                day_of(&report.previous_to),
            )
        } else if report.name == "changes" {
            format!(
                "Changes, {} to {} (grouped by {}), compared with {} to {}",
                short_time(&report.from),
                short_time(&report.to),
                report.grouping,
                day_of(&report.previous_from),
                day_of(&report.previous_to),
            )
        } else if report.name == "satisfaction" {
            format!(
                "Surveys offered {} to {}, compared with {} to {}",
                short_time(&report.from),
                short_time(&report.to),
                day_of(&report.previous_from),
                day_of(&report.previous_to),
            )
        } else {
            format!(
                "{} records, {} to {} (grouped by {}), compared with {} to {}",
                status_label(&report.kind),
                short_time(&report.from),
                short_time(&report.to),
                report.grouping,
                day_of(&report.previous_from),
                day_of(&report.previous_to),
            )
        },
        figures: report
            .summary
            .iter()
            .map(|f| FigureView {
                label: f.label.clone(),
                value: show_value(f.value, &f.unit),
                trend: trend(f),
            })
            .collect(),
        svg,
        caption_id,
        columns: report.columns.iter().map(|c| c.label.clone()).collect(),
        rows: if nothing {
            Vec::new()
        } else {
            report
                .rows
                .iter()
                .map(|r| r.iter().map(cell).collect())
                .collect()
        },
        caveats: report.caveats.clone(),
        notes: report.notes.clone(),
    }
}

// ------------------------------------------------------------------ reports

#[derive(Template)]
#[template(path = "reports.html")]
struct ListPage {
    l: Layout,
    reports: Vec<(&'static str, &'static str)>,
}

async fn list(ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&ListPage {
        l: ui.layout("Reports", "manage"),
        reports: ReportName::ALL
            .iter()
            .map(|r| (r.as_str(), r.title()))
            .collect(),
    }))
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    l: Layout,
    name: String,
    title: String,
    report: Option<ReportView>,
    values: FormData,
    errors: FieldErrors,
    services: Vec<(i64, String)>,
    orgs: Vec<(i64, String)>,
    teams: Vec<(i64, String)>,
    csv: String,
    html: String,
}

/// Filter choices every report form offers.
pub async fn choices(
    state: &AppState,
    ui: &Ui,
) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>, Vec<(i64, String)>), UiError> {
    let all = PageRequest {
        limit: 500,
        offset: 0,
    };
    let services = state
        .app
        .list_services(&ui.actor, Default::default(), all)
        .await?
        .items
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let orgs = state
        .app
        .list_organizations(&ui.actor, Default::default(), all)
        .await?
        .items
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let teams = state
        .app
        .list_teams(&ui.actor, Default::default(), all)
        .await?
        .items
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok((services, orgs, teams))
}

/// The form's query as report parameters; ids that are not numbers are named.
fn params(form: &FormData) -> Result<ReportParams, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut id = |name: &str| {
        form.id(name).unwrap_or_else(|e| {
            errors.push(e);
            None
        })
    };
    let p = ReportParams {
        from: form.text("from"),
        to: form.text("to"),
        grouping: form.text("grouping"),
        service_id: id("service_id"),
        organization_id: id("organization_id"),
        team_id: id("team_id"),
        priority: id("priority"),
        kind: form.text("kind"),
        by: form.text("by"),
        ..Default::default()
    };
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(errors)
    }
}

async fn show(
    State(state): State<AppState>,
    ui: Ui,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> UiResult {
    require_manager(&ui)?;
    let Some(report_name) = ReportName::parse(&name) else {
        return Err(UiError::NotFound);
    };
    let query = query.unwrap_or_default();
    let form = FormData::parse(query.as_bytes());
    let built = match params(&form) {
        Ok(p) => state.app.report(&ui.actor, &name, &p).await,
        Err(e) => Err(AppError::Invalid(steward_domain::Invalid(e))),
    };
    let (report, errors) = match built {
        Ok(r) => (Some(view(&r, "report")), FieldErrors::default()),
        Err(AppError::Invalid(invalid)) => (None, FieldErrors::from_list(&invalid.0)),
        Err(e) => return Err(e.into()),
    };
    // The exports take the same query; the form's own fields are all report parameters.
    let kept: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.0.iter().filter(|(_, v)| !v.trim().is_empty()))
        .finish();
    let export = |format: &str| {
        let mut href = format!("/api/v1/reports/{name}?format={format}");
        if !kept.is_empty() {
            href.push('&');
            href.push_str(&kept);
        }
        href
    };
    let (services, orgs, teams) = choices(&state, &ui).await?;
    let invalid = !errors.is_empty();
    let page = ReportPage {
        l: ui.layout(report_name.title(), "manage"),
        title: report_name.title().into(),
        csv: export("csv"),
        html: export("html"),
        name,
        report,
        values: form,
        errors,
        services,
        orgs,
        teams,
    };
    let mut response = ui.page(&page);
    if invalid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

// ------------------------------------------------------------------ definitions

/// The fields of a report definition, for the list's create form and the detail's edit form.
fn definition_groups(
    services: Vec<(i64, String)>,
    orgs: Vec<(i64, String)>,
    teams: Vec<(i64, String)>,
) -> Vec<Group> {
    let texts = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
            .collect()
    };
    vec![
        Group::plain(vec![
            Field::text("name", "Name").required(),
            Field::text("audience", "Audience (who reads it)").required(),
            Field::new(
                "reports",
                "Reports in the pack",
                Input::ManyOf(
                    ReportName::ALL
                        .iter()
                        .map(|r| (r.as_str().to_owned(), r.title().to_owned()))
                        .collect(),
                ),
            )
            .required(),
            Field::new(
                "cadence",
                "Cadence",
                Input::Choice(texts(&[
                    ("daily", "Daily"),
                    ("weekly", "Weekly"),
                    ("monthly", "Monthly"),
                ])),
            )
            .hint("Each snapshot covers the last complete day, week or month."),
            Field::new(
                "grouping",
                "Grouping",
                Input::Choice(texts(&[
                    ("", "By the cadence"),
                    ("day", "Day"),
                    ("week", "Week"),
                    ("month", "Month"),
                ])),
            ),
        ]),
        Group::titled(
            "Filters (optional)",
            vec![
                Field::new("service_id", "Service", Input::Pick(services, "All")),
                Field::new("organization_id", "Customer", Input::Pick(orgs, "All")),
                Field::new("team_id", "Team", Input::Pick(teams, "All")),
                Field::new(
                    "priority",
                    "Priority",
                    Input::Pick((1..=5).map(|p| (p, format!("P{p}"))).collect(), "All"),
                ),
            ],
        ),
    ]
}

async fn definition_fields(state: &AppState, ui: &Ui) -> Result<Vec<Group>, UiError> {
    let (services, orgs, teams) = choices(state, ui).await?;
    Ok(definition_groups(services, orgs, teams))
}

/// The edit form on a definition's page, drawn and read through its fields.
struct DefinitionForm {
    action: String,
    groups: Vec<Group>,
    values: FormData,
    errors: FieldErrors,
}

impl DefinitionForm {
    /// A field's label, for the list of errors above the form.
    fn label_of(&self, name: &str) -> String {
        crate::ui::foundation::fields::label_of(&self.groups, name)
    }
}

async fn definitions_page(state: &AppState, ui: &Ui) -> Result<ManageList, UiError> {
    let mut page = ManageList::new(ui, "Report definitions", "report-definitions");
    page.intro = Some(
        "A definition is a pack of reports for an audience. On its cadence a snapshot of the last complete period is generated and kept unchanged, with a SHA-256 of its content; decisions and actions are recorded against a snapshot."
            .into(),
    );
    page.headers = vec!["Name", "Audience", "Reports", "Cadence", "Next snapshot"];
    page.link_label = "Snapshots and settings";
    for d in state.app.list_report_definitions(&ui.actor).await? {
        page.row_links
            .push(format!("/manage/report-definitions/{}", d.id));
        page.rows.push(vec![
            d.name,
            d.audience,
            d.reports.join(", "),
            status_label(d.cadence.as_str()),
            short_time(&d.next_run_at),
        ]);
    }
    page.form = Some(FormSpec::new(
        "report definition",
        definition_fields(state, ui).await?,
    ));
    page.values = FormData(vec![("cadence".into(), "weekly".into())]);
    Ok(page)
}

async fn definitions(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&definitions_page(&state, &ui).await?))
}

/// The form as the API's definition body, refused where the API refuses the same JSON.
fn definition_input(groups: &[Group], form: &FormData) -> Result<DefinitionInput, Vec<FieldError>> {
    let json = crate::ui::foundation::fields::read(form, groups)?;
    crate::ui::foundation::list_page::input(Value::Object(json))
}

/// `reports[2]` is shown next to the reports field; a duplicate name next to the name.
fn refusal(e: AppError) -> Result<Vec<FieldError>, UiError> {
    let errors = match e {
        AppError::Invalid(invalid) => invalid.0,
        AppError::Conflict { field, message } => vec![FieldError::new(
            field.unwrap_or_else(|| "name".into()),
            message,
        )],
        other => return Err(other.into()),
    };
    Ok(errors
        .into_iter()
        .map(|e| {
            let field = e.field.split('[').next().unwrap_or(&e.field).to_owned();
            FieldError::new(field, e.message)
        })
        .collect())
}

async fn create_definition(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let page = definitions_page(&state, &ui).await?;
    let result = match definition_input(page.groups(), &form) {
        Ok(input) => state
            .app
            .create_report_definition(&ui.actor, input)
            .await
            .map_err(refusal),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(d) => Ok(see_other(
            &format!("/manage/report-definitions/{}", d.id),
            &format!("Report definition {} was created.", d.name),
        )),
        Err(Ok(errors)) => refused_form(&ui, page, form, &errors),
        Err(Err(e)) => Err(e),
    }
}

struct SnapshotRow {
    id: i64,
    period: String,
    generated: String,
    sha: String,
}

#[derive(Template)]
#[template(path = "report_definition.html")]
struct DefinitionPage {
    l: Layout,
    id: i64,
    name: String,
    snapshots: Vec<SnapshotRow>,
    form: DefinitionForm,
}

fn id_of(raw: &str) -> Result<i64, UiError> {
    raw.parse().map_err(|_| UiError::NotFound)
}

fn period_of(from: &str, to: &str) -> String {
    format!("{} to {}", short_time(from), short_time(to))
}

async fn definition_page(
    state: &AppState,
    ui: &Ui,
    id: i64,
    values: Option<FormData>,
) -> Result<DefinitionPage, UiError> {
    let d = state.app.get_report_definition(&ui.actor, id).await?;
    let groups = definition_fields(state, ui).await?;
    let values = values.unwrap_or_else(|| {
        let mut v = vec![
            ("name".to_owned(), d.name.clone()),
            ("audience".to_owned(), d.audience.clone()),
            ("cadence".to_owned(), d.cadence.as_str().to_owned()),
            ("grouping".to_owned(), d.grouping.clone()),
        ];
        for r in &d.reports {
            v.push(("reports".into(), r.clone()));
        }
        let f = &d.filters;
        for (k, x) in [
            ("service_id", f.service_id),
            ("organization_id", f.organization_id),
            ("team_id", f.team_id),
            ("priority", f.priority),
        ] {
            if let Some(x) = x {
                v.push((k.into(), x.to_string()));
            }
        }
        FormData(v)
    });
    let snapshots = state
        .app
        .report_snapshots(&ui.actor, id)
        .await?
        .into_iter()
        .map(|s| SnapshotRow {
            id: s.id,
            period: period_of(&s.period_from, &s.period_to),
            generated: short_time(&s.generated_at),
            sha: s.content_sha256,
        })
        .collect();
    Ok(DefinitionPage {
        l: ui.layout(format!("Report definition {}", d.name), "manage"),
        id,
        form: DefinitionForm {
            action: format!("/manage/report-definitions/{id}"),
            groups,
            values,
            errors: FieldErrors::default(),
        },
        name: d.name,
        snapshots,
    })
}

async fn definition(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    Ok(ui.page(&definition_page(&state, &ui, id, None).await?))
}

async fn update_definition(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let groups = definition_fields(&state, &ui).await?;
    let result = match definition_input(&groups, &form) {
        Ok(input) => state
            .app
            .update_report_definition(&ui.actor, id, input)
            .await
            .map_err(refusal),
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(d) => Ok(see_other(
            &format!("/manage/report-definitions/{id}"),
            &format!("Report definition {} was saved.", d.name),
        )),
        Err(Ok(errors)) => {
            let mut page = definition_page(&state, &ui, id, Some(form)).await?;
            page.form.errors = FieldErrors::from_list(&errors);
            let mut response = ui.page(&page);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(Err(e)) => Err(e),
    }
}

async fn run_definition(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let (snapshot, created) = state.app.run_report_definition(&ui.actor, id).await?;
    let message = if created {
        format!(
            "A snapshot for {} was generated.",
            period_of(&snapshot.period_from, &snapshot.period_to)
        )
    } else {
        format!(
            "The snapshot for {} already existed; it is shown.",
            period_of(&snapshot.period_from, &snapshot.period_to)
        )
    };
    Ok(see_other(
        &format!("/manage/report-snapshots/{}", snapshot.id),
        &message,
    ))
}

// ------------------------------------------------------------------ snapshots

struct ActionRow {
    kind: String,
    text: String,
    owner: String,
    due: String,
    by: String,
    at: String,
}

#[derive(Template)]
#[template(path = "report_snapshot.html")]
struct SnapshotPage {
    l: Layout,
    id: i64,
    definition_id: i64,
    definition_name: String,
    period: String,
    generated: String,
    sha: String,
    reports: Vec<ReportView>,
    actions: Vec<ActionRow>,
    users: Vec<(i64, String)>,
    values: FormData,
    errors: FieldErrors,
}

async fn snapshot_page(
    state: &AppState,
    ui: &Ui,
    id: i64,
    values: FormData,
) -> Result<SnapshotPage, UiError> {
    let s = state.app.report_snapshot(&ui.actor, id).await?;
    let content = s.content.clone().unwrap_or(Value::Null);
    let definition_name = content["definition"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Stored reports are read back leniently: a report that no longer parses is skipped
    // rather than hiding the whole snapshot.
    let reports: Vec<ReportView> = content["reports"]
        .as_array()
        .map(|list| {
            list.iter()
                .enumerate()
                .filter_map(|(i, r)| stored_report(r).map(|r| view(&r, &format!("r{i}"))))
                .collect()
        })
        .unwrap_or_default();
    let users: Vec<(i64, String)> = state
        .app
        .list_users(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .filter(|u| u.active && u.role != steward_domain::foundation::role::Role::Customer)
        .map(|u| (u.id, u.display_name))
        .collect();
    let actions = state
        .app
        .report_actions(&ui.actor, id)
        .await?
        .into_iter()
        .map(|a| ActionRow {
            kind: status_label(a.kind.as_str()),
            text: a.text,
            owner: a
                .owner_id
                .map(|o| {
                    users
                        .iter()
                        .find(|u| u.0 == o)
                        .map(|u| u.1.clone())
                        .unwrap_or_else(|| format!("user {o}"))
                })
                .unwrap_or_else(|| "—".into()),
            due: a.due_date.unwrap_or_else(|| "—".into()),
            by: a.created_by,
            at: short_time(&a.created_at),
        })
        .collect();
    Ok(SnapshotPage {
        l: ui.layout(format!("Report snapshot {}", s.id), "manage"),
        id: s.id,
        definition_id: s.definition_id,
        definition_name,
        period: period_of(&s.period_from, &s.period_to),
        generated: short_time(&s.generated_at),
        sha: s.content_sha256,
        reports,
        actions,
        users,
        values,
        errors: FieldErrors::default(),
    })
}

/// A stored report's JSON back into the shape the charts draw.
fn stored_report(v: &Value) -> Option<Report> {
    use steward_domain::reporting::report::{ChartSpec, Column, Filters};
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let chart = match v["chart"]["type"].as_str() {
        Some("line") | Some("stacked_bars") => {
            let series = v["chart"]["series"]
                .as_array()?
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect();
            let unit = v["chart"]["unit"].as_str().unwrap_or_default().to_owned();
            if v["chart"]["type"] == "line" {
                Some(ChartSpec::Line { series, unit })
            } else {
                Some(ChartSpec::StackedBars { series, unit })
            }
        }
        Some("bars") => Some(ChartSpec::Bars {
            groups: v["chart"]["groups"]
                .as_array()?
                .iter()
                .map(|g| {
                    g.as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .collect(),
            unit: v["chart"]["unit"].as_str().unwrap_or_default().to_owned(),
        }),
        Some("bars_with_target") => Some(ChartSpec::BarsWithTarget {
            value: v["chart"]["value"].as_str()?.to_owned(),
            target: v["chart"]["target"].as_f64().unwrap_or(0.0),
            unit: v["chart"]["unit"].as_str().unwrap_or_default().to_owned(),
        }),
        _ => None,
    };
    Some(Report {
        name: text("name"),
        title: text("title"),
        from: text("from"),
        to: text("to"),
        previous_from: text("previous_from"),
        previous_to: text("previous_to"),
        grouping: text("grouping"),
        kind: text("kind"),
        filters: Filters {
            service_id: v["filters"]["service_id"].as_i64(),
            organization_id: v["filters"]["organization_id"].as_i64(),
            team_id: v["filters"]["team_id"].as_i64(),
            priority: v["filters"]["priority"].as_i64(),
        },
        summary: v["summary"]
            .as_array()?
            .iter()
            .map(|f| {
                let mut figure = Figure::new(
                    f["key"].as_str().unwrap_or_default(),
                    f["label"].as_str().unwrap_or_default(),
                    f["unit"].as_str().unwrap_or_default(),
                    f["value"].as_f64(),
                    f["previous"].as_f64(),
                );
                figure.change_percent = f["change_percent"].as_f64();
                figure
            })
            .collect(),
        columns: v["columns"]
            .as_array()?
            .iter()
            .map(|c| Column {
                key: c["key"].as_str().unwrap_or_default().to_owned(),
                label: c["label"].as_str().unwrap_or_default().to_owned(),
            })
            .collect(),
        rows: v["rows"]
            .as_array()?
            .iter()
            .map(|r| r.as_array().cloned().unwrap_or_default())
            .collect(),
        chart,
        caveats: texts(&v["caveats"]),
        notes: texts(&v["notes"]),
        generated_at: text("generated_at"),
    })
}

/// A stored list of texts; none when the snapshot predates the field.
fn texts(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|n| {
            n.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn snapshot(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let defaults = FormData(vec![("kind".into(), "action".into())]);
    Ok(ui.page(&snapshot_page(&state, &ui, id, defaults).await?))
}

async fn add_action(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let mut errors = Vec::new();
    let kind = ActionKind::parse(&form.value("kind"));
    if kind.is_none() {
        errors.push(FieldError::new("kind", "choose decision or action"));
    }
    let owner_id = form.id("owner_id").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let result = match kind {
        Some(kind) if errors.is_empty() => state
            .app
            .add_report_action(
                &ui.actor,
                id,
                ActionInput {
                    kind,
                    text: form.value("text"),
                    owner_id,
                    due_date: form.text("due_date"),
                },
            )
            .await
            .map_err(refusal),
        _ => Err(Ok(errors)),
    };
    match result {
        Ok(a) => Ok(see_other(
            &format!("/manage/report-snapshots/{id}#actions-h"),
            &format!("The {} was recorded.", a.kind.as_str()),
        )),
        Err(Ok(errors)) => {
            let mut page = snapshot_page(&state, &ui, id, form).await?;
            page.errors = FieldErrors::from_list(&errors);
            let mut response = ui.page(&page);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(Err(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trends_read_in_words_with_an_arrow() {
        let up = Figure::new("k", "Opened", "count", Some(12.0), Some(10.0));
        assert_eq!(trend(&up), "▲ up 20.0 % on the previous period (10)");
        let none = Figure::new("k", "Met", "percent", Some(90.0), None);
        assert_eq!(trend(&none), "no value for the previous period");
    }

    /// A snapshot stores reports as JSON; reading one back must give the same report, or
    /// the snapshot page would draw something other than what was generated.
    #[test]
    fn a_stored_report_reads_back_as_generated() {
        use steward_domain::reporting::report::{ChartSpec, Column, Filters};
        let report = Report {
            name: "sla-compliance".into(),
            title: "SLA compliance".into(),
            from: "2026-11-01T00:00:00Z".into(),
            to: "2026-11-08T00:00:00Z".into(),
            previous_from: "2026-10-25T00:00:00Z".into(),
            previous_to: "2026-11-01T00:00:00Z".into(),
            grouping: "day".into(),
            kind: "incident".into(),
            filters: Filters {
                service_id: Some(3),
                organization_id: None,
                team_id: Some(2),
                priority: None,
            },
            summary: vec![Figure::new("met", "Met", "percent", Some(97.5), Some(90.0))],
            columns: vec![
                Column {
                    key: "sla".into(),
                    label: "SLA".into(),
                },
                Column {
                    key: "met".into(),
                    label: "Met %".into(),
                },
            ],
            rows: vec![vec![serde_json::json!("Gold"), serde_json::json!(97.5)]],
            chart: Some(ChartSpec::BarsWithTarget {
                value: "met".into(),
                target: 95.0,
                unit: "%".into(),
            }),
            caveats: vec!["The first incident record was opened on 2026-10-30.".into()],
            notes: vec!["Resolved records only.".into()],
            generated_at: "2026-11-08T01:00:00Z".into(),
        };
        let stored = serde_json::to_value(&report).unwrap();
        assert_eq!(stored_report(&stored), Some(report.clone()));
        let mut stacked = report;
        stacked.chart = Some(ChartSpec::StackedBars {
            series: vec!["met".into()],
            unit: "records".into(),
        });
        let stored = serde_json::to_value(&stacked).unwrap();
        assert_eq!(stored_report(&stored), Some(stacked.clone()));
        let mut grouped = stacked;
        grouped.chart = Some(ChartSpec::Bars {
            groups: vec![vec!["met".into()], vec!["met".into(), "met".into()]],
            unit: "records".into(),
        });
        let stored = serde_json::to_value(&grouped).unwrap();
        assert_eq!(stored_report(&stored), Some(grouped));
    }
}
