//! Risks and opportunities: the register filtered by level and sorted, the create form, and
//! each entry's page with the edit form.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_record, id_of, opt, parse_form, require_manager, saved,
};
use crate::ui::{FormData, Ui, UiError, UiResult, status_label};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde::Deserialize;
use steward_domain::improvement::risk::{
    Risk, RiskInput, RiskKind, RiskLevel, RiskSort, RiskStatus, Treatment,
};

const BASE: &str = "/manage/system/risks";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route("/manage/system/risks/{id}", get(detail).post(update))
}

/// The list's filter and order; a value it does not know is ignored rather than refused.
#[derive(Debug, Default, Deserialize)]
struct View {
    level: Option<String>,
    sort: Option<String>,
}

fn labelled(values: &[&'static str], blank: Option<&str>) -> Vec<(String, String)> {
    blank
        .map(|b| (String::new(), b.to_owned()))
        .into_iter()
        .chain(values.iter().map(|v| ((*v).to_owned(), status_label(v))))
        .collect()
}

async fn page(
    state: &AppState,
    ui: &Ui,
    only: Option<&Risk>,
    view: &View,
) -> Result<ListPage, UiError> {
    let staff = choices::staff(state, ui).await;
    let services = choices::services(state, ui).await;
    let level = view.level.as_deref().and_then(RiskLevel::parse);
    let sort = match view.sort.as_deref() {
        Some("newest") => RiskSort::Newest,
        Some("review") => RiskSort::Review,
        _ => RiskSort::Score,
    };
    let mut page = ListPage::new(ui, "Risks and opportunities", "system");
    page.base = BASE.into();
    page.intro = Some(format!(
        "The risks and opportunities of the service management system, scored likelihood × impact (up to 4 low, up to 9 medium, 10 and above high). Showing {}, {}.",
        level.map_or("every level".to_owned(), |l| format!("{} only", l.as_str())),
        match sort {
            RiskSort::Score => "highest score first",
            RiskSort::Newest => "newest first",
            RiskSort::Review => "earliest review first",
        }
    ));
    page.related = vec![(
        "/manage/system".into(),
        "All management-system records".into(),
    )];
    if only.is_none() {
        page.related.extend([
            (BASE.to_owned(), "Every level".to_owned()),
            (format!("{BASE}?level=high"), "High only".to_owned()),
            (format!("{BASE}?level=medium"), "Medium only".to_owned()),
            (format!("{BASE}?level=low"), "Low only".to_owned()),
            (format!("{BASE}?sort=review"), "By review date".to_owned()),
            (format!("{BASE}?sort=newest"), "Newest first".to_owned()),
        ]);
    }
    page.headers = vec![
        "Number",
        "Title",
        "Kind",
        "Likelihood",
        "Impact",
        "Score",
        "Level",
        "Treatment",
        "Owner",
        "Review due",
        "Status",
    ];
    let list = match only {
        Some(r) => vec![r.clone()],
        None => state.app.list_risks(&ui.actor, level, sort).await?,
    };
    for r in &list {
        if only.is_none() {
            page.row_links.push(format!("{BASE}/{}", r.id));
        }
        let owner = r
            .owner_id
            .and_then(|id| staff.iter().find(|(s, _)| *s == id))
            .map(|(_, n)| n.clone());
        let treatment = match (r.treatment, &r.treatment_text) {
            (Some(t), Some(text)) => format!("{}: {text}", status_label(t.as_str())),
            (Some(t), None) => status_label(t.as_str()),
            (None, _) => "none chosen".into(),
        };
        page.rows.push(vec![
            r.number.clone(),
            r.title.clone(),
            status_label(r.kind.as_str()),
            r.likelihood.to_string(),
            r.impact.to_string(),
            r.score.to_string(),
            status_label(r.level.as_str()),
            treatment,
            opt(owner),
            opt(r.review_due_on.clone()),
            status_label(r.status.as_str()),
        ]);
    }
    page.link_label = "Open";
    if ui.manager() {
        let mut first = vec![
            Field::text("title", "Title").required(),
            Field::new(
                "kind",
                "Kind",
                Input::Choice(labelled(
                    &RiskKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                    None,
                )),
            )
            .required(),
            Field::new("description", "Description", Input::Long),
            Field::new("likelihood", "Likelihood", Input::Number)
                .required()
                .hint("1 (rare) to 5 (almost certain)."),
            Field::new("impact", "Impact", Input::Number)
                .required()
                .hint("1 (negligible) to 5 (severe)."),
        ];
        if only.is_some() {
            first.push(Field::new(
                "status",
                "Status",
                Input::Choice(labelled(
                    &RiskStatus::ALL
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>(),
                    None,
                )),
            ));
        }
        page.form = Some(FormSpec::new(
            "risk or opportunity",
            vec![
                Group::plain(first),
                Group::titled(
                    "Treatment",
                    vec![
                        Field::new("treatment", "Treatment", Input::Choice(labelled(&Treatment::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(), Some("None chosen yet"))))
                            .hint("A risk is accepted, reduced, transferred or avoided; an opportunity is exploited or accepted."),
                        Field::new("treatment_text", "What is done", Input::Long),
                        Field::new("owner_id", "Owner", Input::Pick(staff, "Nobody yet")),
                        Field::text("review_due_on", "Next review due").hint("YYYY-MM-DD."),
                        Field::new("service_ids", "Services concerned", Input::Many(services)),
                    ],
                ),
            ],
        ));
    }
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui, Query(view): Query<View>) -> UiResult {
    let mut page = page(&state, &ui, None, &view).await?;
    page.values = FormData(vec![
        ("kind".into(), "risk".into()),
        ("likelihood".into(), "3".into()),
        ("impact".into(), "3".into()),
    ]);
    Ok(ui.page(&page))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let page = page(&state, &ui, None, &View::default()).await?;
    let result = match parse_form::<RiskInput>(&page, &form) {
        Ok(i) => state.app.create_risk(&ui.actor, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |r: &Risk| {
        format!("{} was recorded ({} level).", r.number, r.level.as_str())
    })
}

async fn detail_page(state: &AppState, ui: &Ui, id: i64) -> Result<(ListPage, Risk), UiError> {
    let r = state.app.get_risk(&ui.actor, id).await?;
    let mut page = page(state, ui, Some(&r), &View::default()).await?;
    page.l.title = format!("{}: {}", r.number, r.title);
    page.intro = Some(format!(
        "{} {}: likelihood {} × impact {} = {}, {} level.{}",
        status_label(r.kind.as_str()),
        r.number,
        r.likelihood,
        r.impact,
        r.score,
        r.level.as_str(),
        r.description
            .as_deref()
            .map(|d| format!(" {d}"))
            .unwrap_or_default()
    ));
    page.related
        .insert(0, (BASE.into(), "The whole register".into()));
    Ok((page, r))
}

async fn detail(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    let id = id_of(&id)?;
    let (page, r) = detail_page(&state, &ui, id).await?;
    if page.form.is_some() {
        edit_record(&ui, page, id, &r)
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
    let result = match parse_form::<RiskInput>(&page, &form) {
        Ok(i) => state.app.update_risk(&ui.actor, id, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, Some(id), form, result, |r: &Risk| {
        format!(
            "{} was saved ({} level, {}).",
            r.number,
            r.level.as_str(),
            r.status.as_str()
        )
    })
}
