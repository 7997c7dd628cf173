//! Screens of the register of documented information (7.5) and the service management plan
//! (6.3): the register with its create form, a document's page (the version in force shown
//! escaped or as its file, the version history, approve, review, withdraw, a new version as
//! text or a file), its edit form, and the plan's shortcut.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input, fill};
use crate::ui::foundation::form_page::FormPage;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::{
    FormSpec, LinkColumn, ListPage, id_of, opt, parse_form, require_manager,
};
use crate::ui::foundation::multipart;
use crate::ui::{FormData, Layout, REFUSAL, Ui, UiError, UiResult, see_other, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use steward_app::AppError;
use steward_domain::improvement::document::{
    DocumentDetail, DocumentInput, DocumentKind, DocumentVersion, ReviewInput, TextVersionInput,
    WithdrawInput,
};

const BASE: &str = "/manage/system/documents";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(&format!("{BASE}/{{id}}"), get(show))
        .route(&format!("{BASE}/{{id}}/edit"), get(edit).post(update))
        .route(&format!("{BASE}/{{id}}/versions"), post(add_version))
        .route(
            &format!("{BASE}/{{id}}/versions/{{version}}/approve"),
            post(approve),
        )
        .route(&format!("{BASE}/{{id}}/review"), post(review))
        .route(&format!("{BASE}/{{id}}/withdraw"), post(withdraw))
        .route("/manage/system/plan", get(plan).post(create_plan))
}

fn kinds() -> Vec<(String, String)> {
    DocumentKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), kind_label(*k)))
        .collect()
}

fn kind_label(k: DocumentKind) -> String {
    match k {
        DocumentKind::SmsScope => "SMS scope".into(),
        DocumentKind::Sla => "SLA".into(),
        other => status_label(other.as_str()),
    }
}

fn groups(staff: Vec<(i64, String)>, with_kind: bool) -> Vec<Group> {
    let mut fields = vec![Field::text("title", "Title").required()];
    if with_kind {
        fields.push(Field::new("kind", "Kind", Input::Choice(kinds())).required());
    }
    fields.extend([
        Field::new("owner_id", "Owner", Input::Pick(staff, "Choose…")).required(),
        Field::text("clause", "Clause").hint("The clause it serves, like 8.5.1.1 (optional)."),
        Field::new(
            "review_interval_months",
            "Review every (months)",
            Input::Number,
        )
        .hint("1 to 60; 12 when blank."),
        Field::text("review_due_on", "Next review due")
            .hint("YYYY-MM-DD; one interval from today when blank."),
    ]);
    vec![Group::plain(fields)]
}

async fn list_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    require_manager(ui)?;
    let staff = choices::staff(state, ui).await;
    let mut page = ListPage::new(ui, "Documented information", "system/documents");
    page.intro = Some("The register of documented information of the management system (7.5): each document's kind, owner, the version in force and when its next review is due. A placeholder is waiting for its first version.".into());
    page.related = vec![
        (
            "/manage/system/plan".into(),
            "The service management plan".into(),
        ),
        (
            "/manage/system/competence".into(),
            "Competence matrix".into(),
        ),
    ];
    page.headers = vec!["Title", "Kind", "Owner", "Clause", "Status", "In force"];
    let mut due = LinkColumn::new("Review due");
    for d in state.app.list_documents(&ui.actor, None, None).await? {
        let owner = d
            .owner_id
            .and_then(|id| staff.iter().find(|(s, _)| *s == id))
            .map(|(_, n)| n.clone());
        let status = if d.placeholder {
            "Placeholder".to_owned()
        } else {
            status_label(d.status.as_str())
        };
        let href = format!("{BASE}/{}", d.id);
        due.push(
            href.clone(),
            d.review_due_on.clone().unwrap_or_else(|| "—".into()),
            d.review_overdue.then(|| "Overdue".to_owned()),
        );
        page.row_links.push(href);
        page.rows.push(vec![
            d.title.clone(),
            kind_label(d.kind),
            opt(owner),
            opt(d.clause.clone()),
            status,
            d.current_version
                .clone()
                .unwrap_or_else(|| "Not approved".into()),
        ]);
    }
    page.link_label = "Open";
    page.link_columns.push(due);
    page.form = Some(FormSpec::new("document", groups(staff, true)));
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&list_page(&state, &ui).await?))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let page = list_page(&state, &ui).await?;
    let result = match parse_form::<DocumentInput>(&page, &form) {
        Ok(i) => state.app.create_document(&ui.actor, i).await,
        Err(e) => Err(e),
    };
    answer(&ui, page, form, result)
}

/// To the new document's page, or the form again with each message next to its field (a
/// conflict named by its field too).
fn answer(
    ui: &Ui,
    page: ListPage,
    form: FormData,
    result: Result<DocumentDetail, AppError>,
) -> UiResult {
    match result {
        Ok(d) => Ok(see_other(
            &format!("{BASE}/{}", d.document.id),
            &format!("{} was created.", d.document.title),
        )),
        Err(AppError::Invalid(i)) => {
            crate::ui::foundation::list_page::refused_form(ui, page, form, &i.0)
        }
        Err(AppError::Conflict { field, message }) => {
            crate::ui::foundation::list_page::refused_form(
                ui,
                page,
                form,
                &[steward_domain::FieldError::new(
                    field.unwrap_or_else(|| "title".into()),
                    message,
                )],
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    l: Layout,
    section: &'static str,
    base: String,
    d: DocumentDetail,
    kind: String,
    owner: String,
    /// Each version with its creation and approval time in the reader's zone.
    versions: Vec<(DocumentVersion, String, String)>,
    manager: bool,
    /// A refused form on this page: its fields' errors and what was typed, shown again.
    refused: Vec<steward_domain::FieldError>,
    typed: FormData,
}

impl DocumentPage {
    /// The message for `field` of a refused form, shown next to it.
    fn error(&self, field: &str) -> Option<&str> {
        self.refused
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    fn typed(&self, field: &str) -> &str {
        self.typed.get(field).unwrap_or_default()
    }
}

async fn show(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    render(&state, &ui, id, Vec::new(), FormData::default()).await
}

/// The document's page; with `refused`, the form that was refused shows its errors next to
/// the fields and keeps what was typed (answered 422).
async fn render(
    state: &AppState,
    ui: &Ui,
    id: i64,
    refused: Vec<steward_domain::FieldError>,
    typed: FormData,
) -> UiResult {
    let d = state.app.get_document(&ui.actor, id).await?;
    let staff = choices::staff(state, ui).await;
    let owner = d
        .document
        .owner_id
        .map(|o| {
            staff
                .iter()
                .find(|(s, _)| *s == o)
                .map_or_else(|| format!("user #{o}"), |(_, n)| n.clone())
        })
        .unwrap_or_else(|| "Nobody yet".into());
    let versions = d
        .versions
        .iter()
        .map(|v| {
            (
                v.clone(),
                ui.local(&v.created_at),
                v.approved_at
                    .as_deref()
                    .map(|a| ui.local(a))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let page = DocumentPage {
        l: ui.layout(d.document.title.clone(), "manage"),
        section: "system/documents",
        base: format!("{BASE}/{id}"),
        kind: kind_label(d.document.kind),
        owner,
        versions,
        manager: ui.manager(),
        d,
        refused,
        typed,
    };
    let status = if page.refused.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, ui.page(&page)).into_response())
}

fn edit_form(ui: &Ui, state_staff: Vec<(i64, String)>, id: i64, title: &str) -> FormPage {
    FormPage {
        l: ui.layout(format!("Edit {title}"), "manage"),
        intro: None,
        action: format!("{BASE}/{id}/edit"),
        submit: "Save changes",
        groups: groups(state_staff, true),
        values: FormData::default(),
        errors: FieldErrors::default(),
    }
}

async fn edit(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let d = state.app.get_document(&ui.actor, id).await?;
    let mut page = edit_form(
        &ui,
        choices::staff(&state, &ui).await,
        id,
        &d.document.title,
    );
    page.values = fill(
        &serde_json::to_value(&d.document).unwrap_or_default(),
        &page.groups,
    );
    Ok(ui.page(&page))
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let d = state.app.get_document(&ui.actor, id).await?;
    let page = edit_form(
        &ui,
        choices::staff(&state, &ui).await,
        id,
        &d.document.title,
    );
    let json = crate::ui::foundation::fields::read(&form, &page.groups);
    let result = match json {
        Ok(json) => {
            match serde_json::from_value::<DocumentInput>(serde_json::Value::Object(json)) {
                Ok(i) => state.app.update_document(&ui.actor, id, i).await,
                Err(e) => Err(AppError::invalid("form", e.to_string())),
            }
        }
        Err(e) => Err(AppError::Invalid(steward_domain::Invalid(e))),
    };
    match result {
        Ok(d) => Ok(see_other(
            &format!("{BASE}/{id}"),
            &format!("{} was saved.", d.document.title),
        )),
        Err(AppError::Invalid(i)) => page.refused(&ui, form, &i.0),
        Err(AppError::Conflict { field, message }) => page.refused(
            &ui,
            form,
            &[steward_domain::FieldError::new(
                field.unwrap_or_else(|| "title".into()),
                message,
            )],
        ),
        Err(e) => Err(e.into()),
    }
}

/// Back to the document's page with the outcome in the flash.
fn outcome<T>(
    base: &str,
    anchor: &str,
    result: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
) -> UiResult {
    match result {
        Ok(v) => Ok(see_other(&format!("{base}#"), &done(v))),
        Err(AppError::Invalid(i)) => Ok(see_other(
            &format!("{base}#{anchor}"),
            &format!(
                "{REFUSAL}{}",
                i.0.iter()
                    .map(|f| format!("{}: {}", status_label(&f.field), f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )),
        Err(AppError::Conflict { message, .. }) => Ok(see_other(
            &format!("{base}#{anchor}"),
            &format!("{REFUSAL}{message}"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// A new version from the form: the uploaded file when one is chosen, else the text.
async fn add_version(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    body: axum::body::Body,
) -> UiResult {
    let id = id_of(&raw)?;
    let max = state.app.settings().attachment_max_bytes + 64 * 1024;
    let body = axum::body::to_bytes(body, max).await.map_err(|_| {
        UiError::BadForm(format!(
            "the file is larger than the limit of {} bytes",
            state.app.settings().attachment_max_bytes
        ))
    })?;
    let form = multipart::parse(&parts.headers, &body).map_err(UiError::BadForm)?;
    if form.field("csrf") != Some(ui.csrf.as_str()) {
        return Err(UiError::Csrf);
    }
    let note = form.field("change_note").filter(|n| !n.trim().is_empty());
    let major = form.field("major") == Some("yes");
    let result = if let Some(file) = form.file("file") {
        state
            .app
            .add_document_file(&ui.actor, id, &file.name, note, major, &file.content)
            .await
    } else {
        let input = TextVersionInput {
            text: form.field("text").unwrap_or_default().to_owned(),
            format: form
                .field("format")
                .and_then(steward_domain::improvement::document::TextFormat::parse),
            change_note: note.map(str::to_owned),
            major,
        };
        state.app.add_document_text(&ui.actor, id, input).await
    };
    if let Err(AppError::Invalid(i)) = result {
        let mut typed = FormData::default();
        for field in ["text", "change_note"] {
            if let Some(v) = form.field(field) {
                typed.0.push((field.to_owned(), v.to_owned()));
            }
        }
        return render(&state, &ui, id, i.0, typed).await;
    }
    outcome(&format!("{BASE}/{id}"), "new-version-h", result, |v| {
        format!("Draft version {} was added.", v.label)
    })
}

async fn approve(
    State(state): State<AppState>,
    ui: Ui,
    Path((raw, version)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let (id, version) = (id_of(&raw)?, id_of(&version)?);
    let result = state
        .app
        .approve_document_version(&ui.actor, id, version)
        .await;
    outcome(&format!("{BASE}/{id}"), "versions-h", result, |v| {
        format!("Version {} was approved and is now in force.", v.label)
    })
}

async fn review(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let input = ReviewInput {
        reviewed_on: form.text("reviewed_on"),
    };
    let result = state.app.review_document(&ui.actor, id, input).await;
    if let Err(AppError::Invalid(i)) = result {
        return render(&state, &ui, id, i.0, form).await;
    }
    outcome(&format!("{BASE}/{id}"), "review-h", result, |d| {
        format!(
            "The review was recorded; the next one is due {}.",
            d.document.review_due_on.unwrap_or_default()
        )
    })
}

async fn withdraw(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let input = WithdrawInput {
        reason: form.text("reason"),
    };
    let result = state.app.withdraw_document(&ui.actor, id, input).await;
    outcome(&format!("{BASE}/{id}"), "withdraw-h", result, |d| {
        format!("{} was withdrawn.", d.document.title)
    })
}

fn plan_form(ui: &Ui, staff: Vec<(i64, String)>) -> FormPage {
    FormPage {
        l: ui.layout("Service management plan", "manage"),
        intro: Some("There is no service management plan yet (6.3). Create it here; it is a document of the register, versioned and approved like the others.".into()),
        action: "/manage/system/plan".into(),
        submit: "Create the plan",
        groups: groups(staff, false),
        values: FormData(vec![("title".into(), "Service management plan".into())]),
        errors: FieldErrors::default(),
    }
}

/// The plan's page when it exists, else the form that creates it.
async fn plan(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    if let Some(d) = state.app.service_management_plan(&ui.actor).await? {
        return Ok(Redirect::to(&format!("{BASE}/{}", d.document.id)).into_response());
    }
    Ok(ui.page(&plan_form(&ui, choices::staff(&state, &ui).await)))
}

async fn create_plan(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(&ui)?;
    let page = plan_form(&ui, choices::staff(&state, &ui).await);
    let result = match crate::ui::foundation::fields::read(&form, &page.groups) {
        Ok(mut json) => {
            json.insert("kind".into(), "service_management_plan".into());
            match serde_json::from_value::<DocumentInput>(serde_json::Value::Object(json)) {
                Ok(i) => state.app.create_document(&ui.actor, i).await,
                Err(e) => Err(AppError::invalid("form", e.to_string())),
            }
        }
        Err(e) => Err(AppError::Invalid(steward_domain::Invalid(e))),
    };
    match result {
        Ok(d) => Ok(see_other(
            &format!("{BASE}/{}", d.document.id),
            "The service management plan was created. Add its first version below.",
        )),
        Err(AppError::Invalid(i)) => page.refused(&ui, form, &i.0),
        Err(AppError::Conflict { field, message }) => page.refused(
            &ui,
            form,
            &[steward_domain::FieldError::new(
                field.unwrap_or_else(|| "title".into()),
                message,
            )],
        ),
        Err(e) => Err(e.into()),
    }
}
