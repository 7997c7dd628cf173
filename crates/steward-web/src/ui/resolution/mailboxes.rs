//! The mailboxes screen (administrators and managers): where mail comes in, which queue it
//! feeds, the IMAP account and a connection test; and the inbound log with each original.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{
    FormSpec, LinkColumn, ListPage, id_of, opt, require_manager,
};
use crate::ui::foundation::screen::{self, Screen, no_check};
use crate::ui::{FormData, REFUSAL, Ui, UiError, UiResult, see_other};
use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::get;
use steward_domain::resolution::mail::mailbox::{
    ImapSecurity, MailQueue, Mailbox, MailboxInput, UnknownSenders,
};
use steward_store::resolution::inbound_mail::Filter;

pub fn routes() -> Router<AppState> {
    screen::routes::<Mailboxes>()
        .route("/manage/mailboxes/{id}/test", get(test))
        .route("/manage/inbound-mail", get(log))
        .route("/manage/inbound-mail/{id}/original", get(original))
}

fn choice<T: Copy>(all: &[T], text: fn(T) -> &'static str) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (text(*v).to_owned(), crate::ui::status_label(text(*v))))
        .collect()
}

async fn page(state: &AppState, ui: &Ui, editing: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Mailboxes", "mailboxes");
    page.intro = Some(
        "Mail to a mailbox opens an incident or request, or is added to the record it answers. \
         Mailboxes without an IMAP account receive mail through `steward mailgate`."
            .into(),
    );
    page.related = vec![("/manage/inbound-mail".into(), "Inbound mail log".into())];
    page.headers = vec!["Name", "Queue", "IMAP account", "Last poll", "Active"];
    let mut tests = LinkColumn::new("Connection");
    for m in state.app.mailboxes(&ui.actor).await? {
        page.row_ids.push(m.id);
        let account = match (&m.imap_user, &m.imap_host) {
            (Some(u), Some(h)) => {
                tests.push(format!("/manage/mailboxes/{}/test", m.id), "Test", None);
                format!("{u}@{h}:{}", opt(m.imap_port))
            }
            _ => {
                tests.push(
                    format!("/manage/mailboxes/{}#create-h", m.id),
                    "Add an IMAP account",
                    None,
                );
                "— (mailgate)".into()
            }
        };
        let poll = match (&m.last_error, &m.last_polled_at) {
            (Some(e), _) => format!("failed: {e}"),
            (None, Some(at)) => ui.local(at),
            (None, None) => "never".into(),
        };
        let active = if m.active { "yes" } else { "no" };
        page.rows.push(vec![
            m.name,
            crate::ui::status_label(m.queue.as_str()),
            account,
            poll,
            active.into(),
        ]);
    }
    page.link_columns.push(tests);
    let services = choices::services(state, ui).await;
    let teams = choices::teams(state, ui).await;
    page.form = Some(FormSpec::new(
        "mailbox",
        vec![
            Group::plain(vec![
                Field::text("name", "Name").required(),
                Field::new("queue", "Opens", Input::Choice(choice(MailQueue::ALL, MailQueue::as_str))).required(),
                Field::new("service_id", "Service", Input::Pick(services, "None")),
                Field::new("team_id", "Team", Input::Pick(teams, "None")),
                Field::new("internal_domains", "Internal domains", Input::Words)
                    .hint("The provider's own mail domains, separated by spaces: replies from there are internal notes."),
                Field::new(
                    "unknown_senders",
                    "Unknown senders",
                    Input::Choice(choice(UnknownSenders::ALL, UnknownSenders::as_str)),
                )
                .hint("Create contact: in the organization whose mail domain the address has."),
                Field::new("active", "Active", Input::Check),
            ]),
            Group::titled(
                "IMAP account (optional)",
                vec![
                    Field::text("imap_host", "Host"),
                    Field::new("imap_port", "Port", Input::Number),
                    Field::new(
                        "imap_security",
                        "Security",
                        Input::Choice(
                            ImapSecurity::ALL
                                .iter()
                                .map(|s| (s.as_str().to_owned(), security_label(*s).to_owned()))
                                .collect(),
                        ),
                    ),
                    Field::text("imap_user", "User"),
                    Field::new("imap_password", "Password", Input::Password)
                        .hint("When editing, leave it blank to keep the stored password."),
                    Field::text("imap_folder", "Folder").hint("Default INBOX."),
                    Field::new("imap_trusted_certificate", "Trusted certificate", Input::Long).hint(
                        "PEM. A private CA's certificate, trusted besides the public roots for TLS and STARTTLS.",
                    ),
                ],
            ),
        ],
    ));
    if editing.is_none() {
        // A new mailbox is active and speaks TLS unless the admin says otherwise (the API's
        // defaults); an unticked box would otherwise create it inactive.
        page.values = FormData(vec![
            ("active".into(), "yes".into()),
            ("imap_security".into(), ImapSecurity::Tls.as_str().into()),
        ]);
    }
    Ok(page)
}

/// How an IMAP connection is secured, as an admin reads it.
fn security_label(s: ImapSecurity) -> &'static str {
    match s {
        ImapSecurity::Tls => "TLS from the start (usually port 993)",
        ImapSecurity::Starttls => "STARTTLS (usually port 143)",
        ImapSecurity::Plain => "None: plain text (only on a trusted network)",
    }
}

screen::screen!(
    Mailboxes,
    "/manage/mailboxes",
    page,
    Mailbox,
    MailboxInput,
    MailboxInput,
    create_mailbox,
    get_mailbox,
    update_mailbox,
    "Mailbox",
    name,
    no_check
);

/// The connection test: back to the mailboxes with what it found as the flash (a failure as
/// a refusal, so it is announced).
async fn test(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let mailbox = state.app.get_mailbox(&ui.actor, id).await?;
    let found = crate::routes::resolution::mailboxes::test_connection(&state, &ui.actor, id)
        .await
        .map_err(|p| UiError::BadForm(p.detail.clone()))?;
    let flash = if found.ok {
        format!("{}: connected. {}", mailbox.name, found.message)
    } else {
        format!(
            "{REFUSAL}{}: the connection failed: {}",
            mailbox.name, found.message
        )
    };
    Ok(see_other(Mailboxes::PATH, &flash))
}

/// The inbound log: each received message, what became of it and why.
async fn log(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    let mut page = ListPage::new(&ui, "Inbound mail", "mailboxes");
    page.intro = Some(
        "Every message received, newest first: the record it opened or was added to, or why it \
         was ignored (automatic mail) or rejected. The original is kept."
            .into(),
    );
    page.related = vec![("/manage/mailboxes".into(), "Mailboxes".into())];
    page.headers = vec!["Received", "From", "Subject", "Status", "Record", "Reason"];
    let mut originals = LinkColumn::new("Original");
    let entries = state
        .app
        .inbound_messages(&ui.actor, &Filter::default(), Default::default())
        .await?;
    for m in entries.items {
        originals.push(
            format!("/manage/inbound-mail/{}/original", m.id),
            format!("{} bytes", m.size_bytes),
            m.truncated.then(|| "truncated".to_owned()),
        );
        let status = match m.action {
            Some(a) => format!(
                "{} ({})",
                crate::ui::status_label(m.status.as_str()),
                crate::ui::status_label(a.as_str())
            ),
            None => crate::ui::status_label(m.status.as_str()),
        };
        page.rows.push(vec![
            ui.local(&m.received_at),
            opt(m.sender),
            opt(m.subject),
            status,
            opt(m.ticket_number),
            opt(m.reason),
        ]);
    }
    page.link_columns = vec![originals];
    Ok(ui.page(&page))
}

/// The original message, as a download (never rendered).
async fn original(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
) -> Result<axum::response::Response, UiError> {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let bytes = state.app.inbound_message_raw(&ui.actor, id).await?;
    use axum::http::header;
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"message-{id}.eml\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
