//! Management reviews: the list with the form that plans one, each review's edit form (chair,
//! minutes, freezing the input pack), and its decisions and actions with the form that records
//! one. The input pack opens as a document (HTML) or JSON.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input, fill, read};
use crate::ui::foundation::list_page::{
    FormSpec, LinkColumn, ListPage, edit_page, id_of, input, invalid, opt, require_manager, saved,
};
use crate::ui::{FormData, Ui, UiError, UiResult, status_label};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::Value;
use steward_app::AppError;
use steward_domain::improvement::review::{
    Review, ReviewInput, ReviewItem, ReviewItemInput, ReviewItemKind, ReviewItemStatus,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/reviews", get(list).post(create))
        .route("/manage/reviews/{id}", get(edit).post(update))
        .route("/manage/reviews/{id}/items", get(items).post(add_item))
        .route(
            "/manage/reviews/{id}/items/{item}",
            get(edit_item).post(update_item),
        )
}

fn name_of(staff: &[(i64, String)], id: Option<i64>) -> String {
    opt(id
        .and_then(|i| staff.iter().find(|(s, _)| *s == i))
        .map(|(_, n)| n.clone()))
}

/// Conflicts (a frozen period, a second freeze) are said next to the field, like refusals.
fn as_field_error<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    result.map_err(|e| match e {
        AppError::Conflict { field, message } => invalid(vec![steward_domain::FieldError::new(
            field.unwrap_or_else(|| "freeze".into()),
            message,
        )]),
        other => other,
    })
}

/// Staff and auditors read the reviews (the app refuses customers); only managers get the
/// forms and the edit links.
async fn page(state: &AppState, ui: &Ui, editing: bool) -> Result<ListPage, UiError> {
    let staff = choices::staff(state, ui).await;
    let mut page = ListPage::new(ui, "Management reviews", "reviews");
    page.intro = Some("Management reviews (ISO/IEC 20000-1 9.3). Each review's input pack is compiled from the live records for its period — the same figures as the reports — until it is frozen when the review is held: then it is kept as it was, with its SHA-256.".into());
    page.headers = vec!["Title", "Period", "Chair", "Pack"];
    page.link_label = "Decisions and actions";
    let mut packs = LinkColumn::new("Input pack");
    for r in state.app.list_reviews(&ui.actor).await? {
        if ui.manager() {
            page.row_ids.push(r.id);
        }
        packs.push(
            format!("/api/v1/reviews/{}/pack?format=html", r.id),
            "Input pack",
            None,
        );
        page.row_ids.push(r.id);
        page.row_links
            .push(format!("/manage/reviews/{}/items", r.id));
        page.rows.push(vec![
            r.title.clone(),
            format!("{} to {}", r.period_from, r.period_to),
            name_of(&staff, r.chair_id),
            match &r.frozen_at {
                Some(at) => format!("Frozen {}", ui.local(at)),
                None => "Live".into(),
            },
        ]);
    }
    page.link_columns = vec![packs];
    let mut fields = vec![
        Field::text("title", "Title").required(),
        Field::text("period_from", "Period from")
            .required()
            .hint("YYYY-MM-DD."),
        Field::text("period_to", "Period to")
            .required()
            .hint("YYYY-MM-DD, not included."),
        Field::new("chair_id", "Chair", Input::Pick(staff, "Nobody yet")),
    ];
    if editing {
        fields.push(Field::new("minutes", "Minutes", Input::Long));
        fields.push(
            Field::new("freeze", "Freeze the input pack now", Input::Check)
                .hint("When the review is held: the pack is kept as it is now, for good."),
        );
    }
    if ui.manager() {
        page.form = Some(FormSpec::new("review", vec![Group::plain(fields)]));
    }
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    let page = page(&state, &ui, false).await?;
    Ok(ui.page(&page))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let page = page(&state, &ui, false).await?;
    let result = match read(&form, page.groups())
        .and_then(|json| input::<ReviewInput>(Value::Object(json)))
    {
        Ok(i) => state.app.create_review(&ui.actor, i).await,
        Err(e) => Err(invalid(e)),
    };
    saved(&ui, page, None, form, result, |r: &Review| {
        format!(
            "The review {} was planned; its input pack is live.",
            r.title
        )
    })
}

async fn edit(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&id)?;
    let page = page(&state, &ui, true).await?;
    let (r, _) = state.app.get_review(&ui.actor, id).await?;
    let mut json = serde_json::to_value(&r).unwrap_or_default();
    json["freeze"] = Value::Bool(false);
    let values = fill(&json, page.groups());
    edit_page(&ui, page, id, values)
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let id = id_of(&id)?;
    let page = page(&state, &ui, true).await?;
    let result = match read(&form, page.groups()).and_then(|mut json| {
        // Unticked is "leave it", not "unfreeze".
        if json.get("freeze") == Some(&Value::Bool(false)) {
            json.remove("freeze");
        }
        json.retain(|_, v| !v.is_null());
        input::<ReviewInput>(Value::Object(json))
    }) {
        Ok(i) => as_field_error(state.app.update_review(&ui.actor, id, i).await),
        Err(e) => Err(invalid(e)),
    };
    saved(&ui, page, Some(id), form, result, |r: &Review| {
        match r.frozen_at {
            Some(_) => format!(
                "The review {} was saved; its input pack is frozen.",
                r.title
            ),
            None => format!("The review {} was saved.", r.title),
        }
    })
}

async fn items_page(
    state: &AppState,
    ui: &Ui,
    id: i64,
    editing: bool,
) -> Result<ListPage, UiError> {
    let staff = choices::staff(state, ui).await;
    let (r, items) = state.app.get_review(&ui.actor, id).await?;
    let mut page = ListPage::new(ui, "Decisions and actions", "reviews");
    page.l.title = format!("{}: decisions and actions", r.title);
    page.base = format!("/manage/reviews/{id}/items");
    page.intro = Some(format!(
        "Management review {}, {} to {}. {}",
        r.title,
        r.period_from,
        r.period_to,
        match (&r.frozen_at, &r.pack_sha256) {
            (Some(at), Some(sha)) => format!("Input pack frozen {} (SHA-256 {sha}).", ui.local(at)),
            _ => "Input pack live until frozen.".into(),
        }
    ));
    page.related = vec![
        (
            format!("/api/v1/reviews/{id}/pack?format=html"),
            "Input pack (document)".into(),
        ),
        (
            format!("/api/v1/reviews/{id}/pack"),
            "Input pack (JSON)".into(),
        ),
        (
            format!("/manage/reviews/{id}"),
            "Edit the review, freeze its pack".into(),
        ),
        ("/manage/reviews".into(), "All reviews".into()),
    ];
    page.headers = vec!["Kind", "Text", "Owner", "Due", "Status"];
    for i in &items {
        if ui.manager() {
            page.row_ids.push(i.id);
        }
        page.rows.push(vec![
            status_label(i.kind.as_str()),
            i.text.clone(),
            name_of(&staff, i.owner_id),
            opt(i.due_date.clone()),
            status_label(i.status.as_str()),
        ]);
    }
    let fields = if editing {
        vec![Field::new(
            "status",
            "Status",
            Input::Choice(
                ReviewItemStatus::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), status_label(s.as_str())))
                    .collect(),
            ),
        )]
    } else {
        vec![
            Field::new(
                "kind",
                "Kind",
                Input::Choice(
                    ReviewItemKind::ALL
                        .iter()
                        .map(|s| (s.as_str().to_owned(), status_label(s.as_str())))
                        .collect(),
                ),
            )
            .required(),
            Field::new("text", "Text", Input::Long).required(),
            Field::new("owner_id", "Owner", Input::Pick(staff, "Nobody"))
                .hint("Needed for an action."),
            Field::text("due_date", "Due date").hint("YYYY-MM-DD."),
        ]
    };
    if ui.manager() {
        page.form = Some(FormSpec::new("item", vec![Group::plain(fields)]));
    }
    Ok(page)
}

async fn items(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    let page = items_page(&state, &ui, id_of(&id)?, false).await?;
    Ok(ui.page(&page))
}

async fn add_item(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let id = id_of(&id)?;
    let page = items_page(&state, &ui, id, false).await?;
    let result = match read(&form, page.groups())
        .and_then(|json| input::<ReviewItemInput>(Value::Object(json)))
    {
        Ok(i) => state.app.add_review_item(&ui.actor, id, i).await,
        Err(e) => Err(invalid(e)),
    };
    saved(&ui, page, None, form, result, |i: &ReviewItem| {
        format!("The {} was recorded.", i.kind.as_str())
    })
}

async fn edit_item(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, item)): Path<(String, String)>,
) -> UiResult {
    require_manager(&ui)?;
    let (id, item) = (id_of(&id)?, id_of(&item)?);
    let page = items_page(&state, &ui, id, true).await?;
    let (_, items) = state.app.get_review(&ui.actor, id).await?;
    let found = items
        .iter()
        .find(|i| i.id == item)
        .ok_or(UiError::NotFound)?;
    let values = fill(
        &serde_json::to_value(found).unwrap_or_default(),
        page.groups(),
    );
    edit_page(&ui, page, item, values)
}

async fn update_item(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, item)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let (id, item) = (id_of(&id)?, id_of(&item)?);
    let page = items_page(&state, &ui, id, true).await?;
    let status = form
        .text("status")
        .and_then(|s| ReviewItemStatus::parse(&s));
    let result = match status {
        Some(s) => {
            state
                .app
                .set_review_item_status(&ui.actor, id, item, s)
                .await
        }
        None => Err(invalid(vec![steward_domain::FieldError::new(
            "status",
            "open or done",
        )])),
    };
    saved(&ui, page, Some(item), form, result, |i: &ReviewItem| {
        format!("The {} is {}.", i.kind.as_str(), i.status.as_str())
    })
}
