//! The outgoing queue: every mail with its status, attempts and last error; opening a
//! pending or failed one offers to send it again now.
use super::related;
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, id_of, opt, pairs};
use crate::ui::{FormData, Ui, UiResult, see_other};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use steward_domain::foundation::mail_out::OutboxEntry;
use steward_domain::foundation::page::PageRequest;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/mail/queue", get(list))
        .route("/manage/mail/queue/{id}", get(show).post(retry))
}

async fn page(state: &AppState, ui: &Ui) -> Result<ListPage, crate::ui::UiError> {
    let queue = state
        .app
        .mail_queue(
            &ui.actor,
            None,
            PageRequest::parse(Some(200), None).unwrap_or_default(),
        )
        .await?;
    let mut page = ListPage::new(ui, "Outgoing mail", "mail/queue");
    page.intro = Some(format!(
        "The newest {} of {} mails. A failed send is tried again with growing pauses; open one to send it again now.",
        queue.items.len(),
        queue.total
    ));
    page.related = related();
    page.headers = vec![
        "Subject",
        "To",
        "Status",
        "Attempts",
        "Last error",
        "Queued",
    ];
    for m in &queue.items {
        page.rows.push(row(m));
        page.row_ids.push(m.id);
    }
    Ok(page)
}

fn row(m: &OutboxEntry) -> Vec<String> {
    vec![
        m.subject.clone(),
        m.to_address.clone(),
        m.status.as_str().into(),
        m.attempts.to_string(),
        opt(m.last_error.clone()),
        m.created_at.clone(),
    ]
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&page(&state, &ui).await?))
}

async fn show(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    let id = id_of(&raw)?;
    let m = state.app.mail_queue_entry(&ui.actor, id).await?;
    let mut page = page(&state, &ui).await?;
    let mut spec = FormSpec::new(
        "mail",
        vec![Group::plain(vec![
            Field::new("subject", "Subject", Input::Fixed),
            Field::new("to_address", "To", Input::Fixed),
            Field::new("status", "Status", Input::Fixed),
            Field::new("last_error", "Last error", Input::Fixed),
        ])],
    );
    spec.submit = Some("Send again now");
    page.form = Some(spec);
    page.edit = Some(id);
    page.values = pairs(&[
        ("subject", m.subject),
        ("to_address", m.to_address),
        ("status", m.status.as_str().into()),
        ("last_error", m.last_error.unwrap_or_else(|| "—".into())),
    ]);
    Ok(ui.page(&page))
}

async fn retry(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let m = state.app.retry_mail(&ui.actor, id).await?;
    Ok(see_other(
        "/manage/mail/queue",
        &format!("“{}” will be sent again now.", m.subject),
    ))
}
