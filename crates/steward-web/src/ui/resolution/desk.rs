//! The desk settings screen (admin): what customers may set on their records, and whether a
//! customer's reply resumes a record pending on them.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, require_manager, saved};
use crate::ui::{FormData, Ui, UiResult};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_domain::foundation::role::Role;
use steward_domain::resolution::desk::DeskSettings;
use steward_domain::resolution::ticket::TicketField;

pub fn routes() -> Router<AppState> {
    Router::new().route("/manage/desk", get(show).post(save))
}

/// The fields a customer may be allowed to set, with their labels.
const CUSTOMER_FIELDS: [(TicketField, &str); 6] = [
    (TicketField::Urgency, "urgency"),
    (
        TicketField::Impact,
        "impact (and so, with urgency, the priority)",
    ),
    (TicketField::Title, "the title, after raising"),
    (TicketField::Description, "the description, after raising"),
    (TicketField::Service, "the service, after raising"),
    (TicketField::Category, "the category"),
];

fn page(ui: &Ui) -> ListPage {
    let mut page = ListPage::new(ui, "Desk settings", "desk");
    let may = CUSTOMER_FIELDS
        .iter()
        .map(|(f, label)| {
            Field::new(
                f.as_str(),
                format!("Customers may set {label}"),
                Input::Check,
            )
        })
        .collect();
    let mut spec = FormSpec::new(
        "how the desk treats customers",
        vec![
            Group::titled("What customers set on their own records", may),
            Group::plain(
                vec![Field::new(
                "resume_on_customer_reply",
                "A customer's reply to a record pending on the customer puts it back in progress",
                Input::Check,
            )
            .hint("The assignee (or the team) is told of every customer reply either way.")],
            ),
        ],
    );
    spec.single = true;
    page.form = Some(spec);
    page
}

fn values(s: &DeskSettings) -> FormData {
    let mut pairs: Vec<(String, String)> = s
        .customer_fields
        .iter()
        .map(|f| (f.as_str().to_owned(), "yes".to_owned()))
        .collect();
    if s.resume_on_customer_reply {
        pairs.push(("resume_on_customer_reply".into(), "yes".into()));
    }
    FormData(pairs)
}

async fn show(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    let settings = state.app.desk_settings(&ui.actor).await?;
    let mut page = page(&ui);
    page.headers = vec!["Setting", "Now"];
    let fields: Vec<&str> = settings
        .customer_fields
        .iter()
        .map(|f| f.as_str())
        .collect();
    page.rows = vec![
        vec!["Customers may set".into(), fields.join(", ")],
        vec![
            "A customer's reply resumes a record pending on them".into(),
            if settings.resume_on_customer_reply {
                "yes"
            } else {
                "no"
            }
            .into(),
        ],
    ];
    // Only an admin changes them; others see them without a form they could not submit.
    if !matches!(ui.actor.role, Role::Admin) {
        page.form = None;
        page.intro = Some("Only an administrator changes these settings.".into());
    }
    page.values = values(&settings);
    Ok(ui.page(&page))
}

async fn save(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let settings = DeskSettings {
        customer_fields: CUSTOMER_FIELDS
            .iter()
            .map(|(f, _)| *f)
            .filter(|f| form.checked(f.as_str()))
            .collect(),
        resume_on_customer_reply: form.checked("resume_on_customer_reply"),
    };
    let result = state.app.set_desk_settings(&ui.actor, settings).await;
    saved(&ui, page(&ui), None, form, result, |_: &DeskSettings| {
        "The desk settings were saved.".to_owned()
    })
}
