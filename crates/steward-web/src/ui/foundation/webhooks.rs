//! Webhook screens (administrators): the subscriptions with the shared list/create/edit
//! screen (the secret shown once, in the message after creating), and per subscription its
//! delivery log with enable/disable, secret rotation and redelivery.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, LinkColumn, ListPage, id_of, require_manager};
use crate::ui::foundation::screen::{self, Screen};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, see_other, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Serialize;
use steward_app::AppError;
use steward_domain::foundation::webhook::{Attempt, Delivery, Webhook, WebhookInput};

const BASE: &str = "/manage/webhooks";

pub fn routes() -> Router<AppState> {
    screen::routes::<Webhooks>()
        .route("/manage/webhooks/{id}/log", get(log))
        .route("/manage/webhooks/{id}/enable", post(enable))
        .route("/manage/webhooks/{id}/disable", post(disable))
        .route("/manage/webhooks/{id}/rotate", post(rotate))
        .route(
            "/manage/webhooks/{id}/deliveries/{delivery}/redeliver",
            post(redeliver),
        )
}

/// A subscription as the screen shows it; the secret only right after creating it.
#[derive(Serialize)]
pub(crate) struct View {
    #[serde(flatten)]
    webhook: Webhook,
    #[serde(skip)]
    secret: Option<String>,
}

/// The event types the form offers, with any others the subscription already names.
fn event_choices(current: &[String]) -> Vec<(String, String)> {
    let mut out = vec![("*".to_owned(), "Every event".to_owned())];
    for (record, a) in [("incident", "an"), ("request", "a"), ("problem", "a")] {
        out.push((format!("{record}.*"), format!("Any change to {a} {record}")));
        out.push((format!("{record}.created"), format!("{record} created")));
        out.push((format!("{record}.updated"), format!("{record} updated")));
        out.push((
            format!("{record}.transition"),
            format!("{record} status changed"),
        ));
    }
    for e in current {
        if !out.iter().any(|(v, _)| v == e) {
            out.push((e.clone(), e.clone()));
        }
    }
    out
}

fn state(w: &Webhook) -> String {
    match (&w.enabled, &w.disabled_reason) {
        (true, _) if w.consecutive_failures > 0 => {
            format!("Enabled ({} failed in a row)", w.consecutive_failures)
        }
        (true, _) => "Enabled".into(),
        (false, Some(r)) => format!("Disabled: {r}"),
        (false, None) => "Disabled".into(),
    }
}

async fn page(state_: &AppState, ui: &Ui, editing: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Webhooks", "webhooks");
    page.intro = Some("Each matching event is POSTed as JSON to the subscription's URL, signed with HMAC-SHA256 (header Steward-Signature: t=…,v1=…), retried with backoff, and the subscription is disabled after too many failures in a row. Only administrators set up webhooks; the address is trusted as given.".into());
    page.headers = vec!["Name", "URL", "Events", "Filter", "State"];
    let all = state_.app.list_webhooks(&ui.actor).await?;
    let mut logs = LinkColumn::new("Deliveries");
    let mut current = Vec::new();
    for w in &all {
        if editing == Some(w.id) {
            current = w.events.clone();
        }
        page.row_ids.push(w.id);
        logs.push(format!("{BASE}/{}/log", w.id), "Delivery log", None);
        page.rows.push(vec![
            w.name.clone(),
            w.url.clone(),
            w.events.join(", "),
            if w.filter.is_empty() {
                "—".into()
            } else {
                w.filter.replace('\n', "; ")
            },
            state(w),
        ]);
    }
    page.link_columns.push(logs);
    page.form = Some(FormSpec::new(
        "webhook",
        vec![Group::plain(vec![
            Field::text("name", "Name").required(),
            Field::text("url", "URL")
                .required()
                .hint("http:// or https:// address of the receiver."),
            Field::new("events", "Events", Input::ManyOf(event_choices(&current))).required(),
            Field::new("filter", "Filter", Input::Long).hint(
                "One condition a line, all must hold: field = value, value (e.g. priority = P1, P2 or service_id = 3). Blank: every event of the types.",
            ),
            Field::new("max_failures", "Disable after", Input::Number)
                .hint("Failed deliveries in a row before the webhook is disabled (default 10)."),
        ])],
    ));
    Ok(page)
}

pub(crate) struct Webhooks;

impl Screen for Webhooks {
    type Input = WebhookInput;
    type Patch = WebhookInput;
    type Record = View;
    const PATH: &'static str = BASE;

    async fn page(state: &AppState, ui: &Ui, editing: Option<i64>) -> Result<ListPage, UiError> {
        page(state, ui, editing).await
    }

    async fn create(state: &AppState, ui: &Ui, input: WebhookInput) -> Result<View, AppError> {
        let made = state.app.create_webhook(&ui.actor, input).await?;
        Ok(View {
            webhook: made.webhook,
            secret: Some(made.secret),
        })
    }

    async fn get(state: &AppState, ui: &Ui, id: i64) -> Result<View, AppError> {
        let webhook = state.app.get_webhook(&ui.actor, id).await?;
        Ok(View {
            webhook,
            secret: None,
        })
    }

    async fn update(
        state: &AppState,
        ui: &Ui,
        id: i64,
        patch: WebhookInput,
    ) -> Result<View, AppError> {
        let webhook = state.app.update_webhook(&ui.actor, id, patch).await?;
        Ok(View {
            webhook,
            secret: None,
        })
    }

    fn done(r: &View, verb: &str) -> String {
        match &r.secret {
            Some(s) => format!(
                "Webhook {} was {verb}. Its signing secret, shown only now: {s}",
                r.webhook.name
            ),
            None => format!("Webhook {} was {verb}.", r.webhook.name),
        }
    }
}

/// A delivery with its times and status as shown, and its attempts with theirs.
struct Row {
    delivery: Delivery,
    created: String,
    status: String,
    attempts: Vec<(String, Attempt)>,
}

#[derive(Template)]
#[template(path = "webhook_log.html")]
struct LogPage {
    l: Layout,
    section: &'static str,
    webhook: Webhook,
    state: String,
    rows: Vec<Row>,
}

async fn log(State(s): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let webhook = s.app.get_webhook(&ui.actor, id).await?;
    let mut rows = Vec::new();
    for delivery in s.app.webhook_deliveries(&ui.actor, id, 50).await? {
        let attempts = s.app.webhook_attempts(&ui.actor, id, delivery.id).await?;
        let mut status = status_label(delivery.status.as_str());
        if let Some(next) = &delivery.next_attempt_at {
            status.push_str(&format!(" (next {})", ui.local(next)));
        }
        rows.push(Row {
            created: ui.local(&delivery.created_at),
            status,
            attempts: attempts
                .into_iter()
                .map(|a| (ui.local_seconds(&a.attempted_at), a))
                .collect(),
            delivery,
        });
    }
    let page = LogPage {
        l: ui.layout(format!("{}: deliveries", webhook.name), "manage"),
        section: "webhooks",
        state: state(&webhook),
        webhook,
        rows,
    };
    Ok(ui.page(&page))
}

/// The subscription an action button names, once the form is checked.
fn act(ui: &Ui, raw: &str, form: &FormData) -> Result<i64, UiError> {
    require_manager(ui)?;
    ui.check_csrf(form)?;
    id_of(raw)
}

async fn enable(
    State(s): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    let id = act(&ui, &raw, &form)?;
    let w = s.app.set_webhook_enabled(&ui.actor, id, true).await?;
    Ok(see_other(
        &format!("{BASE}/{id}/log"),
        &format!("Webhook {} is enabled.", w.name),
    ))
}

async fn disable(
    State(s): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    let id = act(&ui, &raw, &form)?;
    let w = s.app.set_webhook_enabled(&ui.actor, id, false).await?;
    Ok(see_other(
        &format!("{BASE}/{id}/log"),
        &format!("Webhook {} is disabled.", w.name),
    ))
}

async fn rotate(
    State(s): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    let id = act(&ui, &raw, &form)?;
    let r = s.app.rotate_webhook_secret(&ui.actor, id).await?;
    Ok(see_other(
        &format!("{BASE}/{id}/log"),
        &format!(
            "New signing secret of {}, shown only now: {}",
            r.webhook.name, r.secret
        ),
    ))
}

async fn redeliver(
    State(s): State<AppState>,
    ui: Ui,
    Path((raw, delivery)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    let id = act(&ui, &raw, &form)?;
    let delivery = id_of(&delivery)?;
    let d = s.app.redeliver_webhook(&ui.actor, id, delivery).await?;
    Ok(see_other(
        &format!("{BASE}/{id}/log"),
        &format!("Event {} will be delivered again shortly.", d.event_id),
    ))
}
