//! The improvement register: the opportunities ranked by score with the create form, each
//! one's edit form (scores on the criteria, decision with its reason, owner, objective,
//! target, links), and the measured result.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input, fill, read};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_page, id_of, input, invalid, opt, pairs, require_manager, saved,
};
use crate::ui::{FormData, Ui, UiError, UiResult, status_label};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::{Map, Value, json};
use steward_app::AppError;
use steward_domain::improvement::opportunity::{
    ImprovementSettings, LinkKind, MeasureInput, Metric, Opportunity, OpportunityInput,
    OpportunitySource, OpportunityStatus,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/improvements", get(list).post(create))
        .route("/manage/improvements/{id}", get(edit).post(update))
        .route(
            "/manage/improvements/{id}/measure",
            get(measure_page).post(measure),
        )
}

fn labelled<T: Copy>(all: &[T], text: impl Fn(T) -> &'static str) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (text(*v).to_owned(), status_label(text(*v))))
        .collect()
}

struct Choices {
    staff: Vec<(i64, String)>,
    services: Vec<(i64, String)>,
    slas: Vec<(i64, String)>,
    settings: ImprovementSettings,
}

async fn choices(state: &AppState, ui: &Ui) -> Result<Choices, UiError> {
    Ok(Choices {
        staff: choices::staff(state, ui).await,
        services: choices::services(state, ui).await,
        slas: state
            .app
            .list_slas(&ui.actor, None)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect(),
        settings: state.app.improvement_settings(&ui.actor).await?,
    })
}

fn groups(c: &Choices, editing: bool) -> Vec<Group> {
    let mut first = vec![
        Field::text("title", "Title").required(),
        Field::new(
            "source",
            "Source",
            Input::Choice(labelled(OpportunitySource::ALL, OpportunitySource::as_str)),
        )
        .required(),
        Field::new("description", "Description", Input::Long),
    ];
    if editing {
        first.push(
            Field::new(
                "status",
                "Status",
                Input::Choice(labelled(OpportunityStatus::ALL, OpportunityStatus::as_str)),
            )
            .hint("Approving, rejecting or deferring is a decision: give its reason."),
        );
        first.push(Field::new(
            "decision_reason",
            "Reason for the decision",
            Input::Long,
        ));
    }
    let scores = c
        .settings
        .criteria
        .iter()
        .map(|k| {
            Field::new(format!("score_{}", k.key), k.label.clone(), Input::Number)
                .hint(format!("1 (poor) to 5 (good); weight {}.", k.weight))
        })
        .collect();
    vec![
        Group::plain(first),
        Group::titled("Evaluation", scores),
        Group::titled(
            "Plan",
            vec![
                Field::new(
                    "owner_id",
                    "Owner",
                    Input::Pick(c.staff.clone(), "Nobody yet"),
                ),
                Field::new("objective", "Objective", Input::Long),
                Field::new(
                    "metric",
                    "Measured by",
                    Input::Choice(vec![
                        ("availability".into(), "A service's availability (%)".into()),
                        (
                            "sla_compliance".into(),
                            "An SLA's resolution compliance (%)".into(),
                        ),
                    ]),
                ),
                Field::new("target_value", "Target (%)", Input::Number),
                Field::text("due_date", "Due date").hint("YYYY-MM-DD."),
            ],
        ),
        Group::titled(
            "Linked records",
            vec![
                Field::new("link_services", "Services", Input::Many(c.services.clone())),
                Field::new("link_slas", "SLAs", Input::Many(c.slas.clone())),
            ],
        ),
    ]
}

/// Staff and auditors read the register (the app refuses customers); only managers get the
/// forms and the edit and measure links.
async fn page(state: &AppState, ui: &Ui, editing: bool) -> Result<(ListPage, Choices), UiError> {
    let c = choices(state, ui).await?;
    let manager = ui.manager();
    let mut page = ListPage::new(ui, "Improvements", "improvements");
    page.intro = Some(
        "The improvement register: opportunities still to decide or under way, best score first (their rank), then the decided and closed ones. Missed availability targets and breached SLAs raise one themselves each month.".into(),
    );
    if manager {
        page.related = vec![(
            "/manage/improvements/criteria".into(),
            "Evaluation criteria and their weights".into(),
        )];
    }
    page.headers = vec![
        "Number", "Title", "Source", "Status", "Score", "Owner", "Due", "Result",
    ];
    for o in state.app.list_improvements(&ui.actor, None).await? {
        if manager {
            page.row_ids.push(o.id);
            page.row_links
                .push(format!("/manage/improvements/{}/measure", o.id));
        }
        let owner = o
            .owner_id
            .and_then(|id| c.staff.iter().find(|(s, _)| *s == id))
            .map(|(_, n)| n.clone());
        let result = o.measurement.as_ref().map(|m| {
            let v = |x: Option<f64>| x.map_or_else(|| "—".to_owned(), |x| format!("{x} %"));
            format!(
                "{} → {}{}",
                v(m.before_value),
                v(m.after_value),
                match m.achieved {
                    Some(true) => ", target reached",
                    Some(false) => ", target missed",
                    None => "",
                }
            )
        });
        page.rows.push(vec![
            o.number.clone(),
            o.title.clone(),
            status_label(o.source.as_str()),
            status_label(o.status.as_str()),
            opt(o.score),
            opt(owner),
            opt(o.due_date.clone()),
            opt(result),
        ]);
    }
    page.link_label = "Measure";
    if manager {
        page.form = Some(FormSpec::new("improvement", groups(&c, editing)));
    }
    Ok((page, c))
}

/// The form as the API's input: scores from their fields, links from the pickers (keeping
/// links of other kinds the record has).
fn to_input(
    page: &ListPage,
    form: &FormData,
    current: Option<&Opportunity>,
) -> Result<OpportunityInput, AppError> {
    let json = read(form, page.groups()).map_err(invalid)?;
    let mut out = Map::new();
    let mut scores = Map::new();
    let mut links: Vec<Value> = current
        .map(|c| {
            c.links
                .iter()
                .filter(|l| !matches!(l.kind, LinkKind::Service | LinkKind::Sla))
                .map(|l| json!({"kind": l.kind.as_str(), "id": l.id}))
                .collect()
        })
        .unwrap_or_default();
    for (key, value) in json {
        if let Some(criterion) = key.strip_prefix("score_") {
            if !value.is_null() {
                scores.insert(criterion.to_owned(), value);
            }
        } else if let Some(kind) = key.strip_prefix("link_") {
            let kind = if kind == "services" { "service" } else { "sla" };
            for id in value.as_array().into_iter().flatten() {
                links.push(json!({"kind": kind, "id": id}));
            }
        } else if key == "due_date" && value.is_null() {
            out.insert(key, Value::from(""));
        } else if !value.is_null() {
            out.insert(key, value);
        }
    }
    out.insert("scores".into(), Value::Object(scores));
    out.insert("links".into(), Value::Array(links));
    input::<OpportunityInput>(Value::Object(out)).map_err(invalid)
}

/// The API's field names as the form's: a criterion's score, the linked services.
fn form_fields<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    result.map_err(|e| match e {
        AppError::Invalid(mut i) => {
            for f in &mut i.0 {
                if let Some(key) = f.field.strip_prefix("scores.") {
                    f.field = format!("score_{key}");
                } else if f.field == "links" {
                    f.field = "link_services".into();
                }
            }
            AppError::Invalid(i)
        }
        other => other,
    })
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    let (mut page, _) = page(&state, &ui, false).await?;
    page.values = pairs(&[("source", "staff_suggestion".into())]);
    Ok(ui.page(&page))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let (page, _) = page(&state, &ui, false).await?;
    let result = match form_fields(to_input(&page, &form, None)) {
        Ok(i) => form_fields(state.app.propose_improvement(&ui.actor, i).await),
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |o: &Opportunity| {
        format!("{} was proposed.", o.number)
    })
}

fn values(o: &Opportunity, page: &ListPage) -> FormData {
    let mut json = serde_json::to_value(o).unwrap_or_default();
    for (key, score) in &o.scores {
        json[format!("score_{key}")] = json!(score);
    }
    let ids = |kind: LinkKind| {
        o.links
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.id)
            .collect::<Vec<_>>()
    };
    json["link_services"] = json!(ids(LinkKind::Service));
    json["link_slas"] = json!(ids(LinkKind::Sla));
    fill(&json, page.groups())
}

async fn edit(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    let id = id_of(&id)?;
    require_manager(&ui)?;
    let (page, _) = page(&state, &ui, true).await?;
    let o = state.app.get_improvement(&ui.actor, id).await?;
    let v = values(&o, &page);
    edit_page(&ui, page, id, v)
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&id)?;
    require_manager(&ui)?;
    let (page, _) = page(&state, &ui, true).await?;
    let current = state.app.get_improvement(&ui.actor, id).await?;
    let result = match form_fields(to_input(&page, &form, Some(&current))) {
        Ok(i) => form_fields(state.app.update_improvement(&ui.actor, id, i).await),
        Err(e) => Err(e),
    };
    saved(&ui, page, Some(id), form, result, |o: &Opportunity| {
        format!(
            "{} was saved ({}).",
            o.number,
            status_label(o.status.as_str())
        )
    })
}

/// The measured result of one improvement, and the form that measures it.
async fn measure_screen(
    state: &AppState,
    ui: &Ui,
    id: i64,
) -> Result<(ListPage, Opportunity), UiError> {
    require_manager(ui)?;
    let o = state.app.get_improvement(&ui.actor, id).await?;
    let c = choices(state, ui).await?;
    let mut page = ListPage::new(ui, "Measured result", "improvements");
    page.l.title = format!("{}: measured result", o.number);
    page.base = format!("/manage/improvements/{id}/measure");
    page.intro = Some(format!(
        "{} — {}. Objective: {}. Target: {}. The figure is the one the reports compute, for a period before the change and one after (dates in UTC, the end not included); only an approved or implemented improvement is measured.",
        o.number,
        o.title,
        o.objective.as_deref().unwrap_or("none set"),
        o.target_value
            .map_or_else(|| "none set".to_owned(), |t| format!("{t} %"))
    ));
    page.related = vec![
        (
            format!("/manage/improvements/{id}"),
            "Edit the improvement".into(),
        ),
        ("/manage/improvements".into(), "The register".into()),
    ];
    page.headers = vec!["Measured by", "Of", "Before", "After", "Target", "Result"];
    if let Some(m) = &o.measurement {
        let subject = match m.metric {
            Metric::Availability => c.services.iter().find(|(s, _)| *s == m.subject_id),
            Metric::SlaCompliance => c.slas.iter().find(|(s, _)| *s == m.subject_id),
        }
        .map_or_else(|| format!("#{}", m.subject_id), |(_, n)| n.clone());
        let v = |x: Option<f64>| {
            x.map_or_else(|| "nothing to measure".to_owned(), |x| format!("{x} %"))
        };
        page.rows.push(vec![
            status_label(m.metric.as_str()),
            subject,
            format!(
                "{} ({} to {})",
                v(m.before_value),
                &m.before_from[..10],
                &m.before_to[..10]
            ),
            format!(
                "{} ({} to {})",
                v(m.after_value),
                &m.after_from[..10],
                &m.after_to[..10]
            ),
            opt(m.target_value.map(|t| format!("{t} %"))),
            match m.achieved {
                Some(true) => "Target reached".into(),
                Some(false) => "Target missed".into(),
                None => "—".into(),
            },
        ]);
    }
    let mut subjects = Vec::new();
    subjects.extend(
        c.services
            .iter()
            .map(|(i, n)| (*i, format!("Service: {n}"))),
    );
    subjects.extend(c.slas.iter().map(|(i, n)| (*i, format!("SLA: {n}"))));
    let mut spec = FormSpec::new(
        "measurement",
        vec![Group::plain(vec![
            Field::new(
                "metric",
                "Measured by",
                Input::Choice(vec![
                    ("availability".into(), "A service's availability (%)".into()),
                    (
                        "sla_compliance".into(),
                        "An SLA's resolution compliance (%)".into(),
                    ),
                ]),
            )
            .required(),
            Field::new("subject_id", "Of", Input::Pick(subjects, "Choose…"))
                .required()
                .hint("A service for availability, an SLA for compliance."),
            Field::text("before_from", "Before: from")
                .required()
                .hint("YYYY-MM-DD."),
            Field::text("before_to", "Before: to")
                .required()
                .hint("YYYY-MM-DD, not included."),
            Field::text("after_from", "After: from")
                .required()
                .hint("YYYY-MM-DD."),
            Field::text("after_to", "After: to")
                .required()
                .hint("YYYY-MM-DD, not included; over already."),
        ])],
    );
    spec.single = true;
    page.form = Some(spec);
    Ok((page, o))
}

async fn measure_page(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    let (mut page, o) = measure_screen(&state, &ui, id_of(&id)?).await?;
    let metric = o.metric.unwrap_or(Metric::Availability);
    let subject = o
        .links
        .iter()
        .find(|l| match metric {
            Metric::Availability => l.kind == LinkKind::Service,
            Metric::SlaCompliance => l.kind == LinkKind::Sla,
        })
        .map(|l| l.id.to_string())
        .unwrap_or_default();
    page.values = pairs(&[("metric", metric.as_str().into()), ("subject_id", subject)]);
    Ok(ui.page(&page))
}

async fn measure(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&id)?;
    let (page, _) = measure_screen(&state, &ui, id).await?;
    let result = match read(&form, page.groups())
        .and_then(|json| input::<MeasureInput>(Value::Object(json)))
    {
        Ok(m) => match state.app.measure_improvement(&ui.actor, id, m).await {
            Err(AppError::Conflict { field, message }) => {
                Err(invalid(vec![steward_domain::FieldError::new(
                    field.unwrap_or_else(|| "metric".into()),
                    message,
                )]))
            }
            other => other,
        },
        Err(e) => Err(invalid(e)),
    };
    saved(&ui, page, None, form, result, |o: &Opportunity| {
        format!("The result of {} was measured.", o.number)
    })
}
