//! Objectives: the list with each tied figure's value now, the create form, and each
//! objective's page with its reading and the edit form.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_record, id_of, opt, parse_form, require_manager, saved,
};
use crate::ui::{FormData, Ui, UiError, UiResult, status_label};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use steward_domain::improvement::objective::{
    Direction, Objective, ObjectiveInput, ObjectiveStatus, SystemFigure,
};

const BASE: &str = "/manage/system/objectives";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route("/manage/system/objectives/{id}", get(detail).post(update))
}

fn choice<T: Copy>(
    all: &[T],
    text: impl Fn(T) -> String,
    value: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    std::iter::once((String::new(), "None".to_owned()))
        .chain(all.iter().map(|v| (value(*v).to_owned(), text(*v))))
        .collect()
}

fn target(o: &Objective) -> String {
    match (o.direction, o.target_value) {
        (Some(d), Some(t)) => format!(
            "{} {t}{}",
            match d {
                Direction::AtLeast => "at least",
                Direction::AtMost => "at most",
            },
            o.target_unit
                .as_deref()
                .map(|u| format!(" {u}"))
                .unwrap_or_default()
        ),
        _ => "—".into(),
    }
}

/// The table (all objectives, or only `only`) and, for managers, the form.
async fn page(state: &AppState, ui: &Ui, only: Option<&Objective>) -> Result<ListPage, UiError> {
    let staff = choices::staff(state, ui).await;
    let services = choices::services(state, ui).await;
    let mut page = ListPage::new(ui, "Objectives", "system");
    page.base = BASE.into();
    page.intro = Some("Service management objectives with their target. One tied to a report figure shows the figure over the last 30 days and whether it meets the target.".into());
    page.related = vec![(
        "/manage/system".into(),
        "All management-system records".into(),
    )];
    page.headers = vec![
        "Number",
        "Title",
        "Owner",
        "Measure",
        "Target",
        "Target date",
        "Status",
        "Figure now",
    ];
    let list = match only {
        Some(o) => vec![o.clone()],
        None => state.app.list_objectives(&ui.actor, None).await?,
    };
    for o in &list {
        if only.is_none() {
            page.row_links.push(format!("{BASE}/{}", o.id));
        }
        let owner = o
            .owner_id
            .and_then(|id| staff.iter().find(|(s, _)| *s == id))
            .map(|(_, n)| n.clone());
        page.rows.push(vec![
            o.number.clone(),
            o.title.clone(),
            opt(owner),
            opt(o.measure.clone()),
            target(o),
            opt(o.target_date.clone()),
            status_label(o.status.as_str()),
            o.current.as_ref().map_or_else(
                || "not tied to a figure".into(),
                |c| format!("{}: {}", c.figure.label(), c.summary),
            ),
        ]);
    }
    page.link_label = "Open";
    if ui.manager() {
        let mut first = vec![
            Field::text("title", "Title").required(),
            Field::new("description", "Description", Input::Long),
            Field::new("owner_id", "Owner", Input::Pick(staff, "Nobody yet")),
            Field::new("measure", "Measure", Input::Long)
                .hint("How progress is measured, in words."),
        ];
        if only.is_some() {
            first.push(Field::new(
                "status",
                "Status",
                Input::Choice(
                    ObjectiveStatus::ALL
                        .iter()
                        .map(|s| (s.as_str().to_owned(), status_label(s.as_str())))
                        .collect(),
                ),
            ));
        }
        page.form = Some(FormSpec::new(
            "objective",
            vec![
                Group::plain(first),
                Group::titled(
                    "Target",
                    vec![
                        Field::new("direction", "Met when the value is", Input::Choice(choice(Direction::ALL, |d| status_label(d.as_str()), Direction::as_str))),
                        Field::new("target_value", "Target value", Input::Number),
                        Field::text("target_unit", "Unit").hint("%, hours, rating… Blank for the figure's own."),
                        Field::text("target_date", "Target date").hint("YYYY-MM-DD."),
                    ],
                ),
                Group::titled(
                    "Read from a report figure (optional)",
                    vec![
                        Field::new("figure", "Figure", Input::Choice(choice(SystemFigure::ALL, |f| f.label().to_owned(), SystemFigure::as_str)))
                            .hint("Read over the last 30 days from the report that computes it."),
                        Field::new("service_id", "Of the service", Input::Pick(services, "All services"))
                            .hint("Availability is read of one service; the others of all services unless one is chosen."),
                    ],
                ),
            ],
        ));
    }
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    let mut page = page(&state, &ui, None).await?;
    page.values = FormData(vec![("direction".into(), "at_least".into())]);
    Ok(ui.page(&page))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let page = page(&state, &ui, None).await?;
    let result = match parse_form::<ObjectiveInput>(&page, &form) {
        Ok(i) => state.app.create_objective(&ui.actor, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |o: &Objective| {
        format!("Objective {} was set.", o.number)
    })
}

/// One objective: its row with the figure read now, and the edit form for managers.
async fn detail_page(state: &AppState, ui: &Ui, id: i64) -> Result<(ListPage, Objective), UiError> {
    let o = state.app.get_objective(&ui.actor, id).await?;
    let mut page = page(state, ui, Some(&o)).await?;
    page.l.title = format!("{}: {}", o.number, o.title);
    page.intro = Some(match &o.current {
        Some(c) => format!("{} over the last 30 days: {}.", c.figure.label(), c.summary),
        None => "Not tied to a report figure: its progress is judged by its measure.".into(),
    });
    page.related
        .insert(0, (BASE.into(), "All objectives".into()));
    Ok((page, o))
}

async fn detail(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    let id = id_of(&id)?;
    let (page, o) = detail_page(&state, &ui, id).await?;
    if page.form.is_some() {
        edit_record(&ui, page, id, &o)
    } else {
        Ok(ui.page(&page))
    }
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
    let (page, _) = detail_page(&state, &ui, id).await?;
    let result = match parse_form::<ObjectiveInput>(&page, &form) {
        Ok(i) => state.app.update_objective(&ui.actor, id, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, Some(id), form, result, |o: &Objective| {
        format!(
            "Objective {} was saved ({}).",
            o.number,
            status_label(o.status.as_str())
        )
    })
}
