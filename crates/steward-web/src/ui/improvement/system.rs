//! The management system's screens: the landing page linking its records, and the SMS scope
//! and service management policy — the newest version's form, the approval, and every
//! version below it.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input, fill};
use crate::ui::foundation::form_page::FormPage;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, opt, parse_form, require_manager, saved,
};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, see_other, status_label};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_app::AppError;
use steward_app::improvement::system_documents::Edit;
use steward_domain::FieldError;
use steward_domain::improvement::system_document::{
    DocumentInput, DocumentKind, DocumentStatus, DocumentVersion,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/system", get(landing))
        .route("/manage/system/scope", get(scope).post(save_scope))
        .route(
            "/manage/system/scope/approve",
            get(approve_scope_page).post(approve_scope),
        )
        .route("/manage/system/policy", get(policy).post(save_policy))
        .route(
            "/manage/system/policy/approve",
            get(approve_policy_page).post(approve_policy),
        )
}

/// The landing page: a plain list of links, one per management-system record.
#[derive(Template)]
#[template(path = "manage_system.html")]
struct Landing {
    l: Layout,
    section: &'static str,
}

async fn landing(ui: Ui) -> UiResult {
    if !ui.actor.can(steward_domain::Permission::ReadSystem) {
        return Err(UiError::App(AppError::forbidden()));
    }
    Ok(ui.page(&Landing {
        l: ui.layout("Management system", "manage"),
        section: "system",
    }))
}

/// The statement's name inside a sentence ("the SMS scope", "the service management policy").
fn noun(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Scope => "SMS scope",
        DocumentKind::Policy => "service management policy",
    }
}

fn base(kind: DocumentKind) -> String {
    format!("/manage/system/{}", kind.as_str())
}

fn name_of(list: &[(i64, String)], id: i64) -> String {
    list.iter()
        .find(|(i, _)| *i == id)
        .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
}

fn names(list: &[(i64, String)], ids: &[i64]) -> String {
    if ids.is_empty() {
        return "—".into();
    }
    ids.iter()
        .map(|i| name_of(list, *i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the history says of where the statement stands.
fn standing(kind: DocumentKind, versions: &[DocumentVersion]) -> String {
    let in_force = versions
        .iter()
        .find(|v| v.status == DocumentStatus::Approved);
    let draft = versions
        .first()
        .filter(|v| v.status == DocumentStatus::Draft);
    let mut s = match in_force {
        Some(v) => format!(
            "Version {} is in force, approved {}.",
            v.version,
            v.approved_at.as_deref().map_or("", |t| &t[..10])
        ),
        None => format!("No version of the {} is approved yet.", noun(kind)),
    };
    if let Some(d) = draft {
        s.push_str(&format!(
            " Draft version {} is being worked on; approve it to put it in force.",
            d.version
        ));
    } else if in_force.is_some() {
        s.push_str(
            " Saving the form below starts a new draft version; the approved one stays as it is.",
        );
    }
    s
}

async fn doc_page(
    state: &AppState,
    ui: &Ui,
    kind: DocumentKind,
) -> Result<(ListPage, Option<DocumentVersion>), UiError> {
    let versions = state.app.system_document_versions(&ui.actor, kind).await?;
    let staff = choices::staff(state, ui).await;
    let services = choices::services(state, ui).await;
    let orgs = choices::organizations(state, ui).await;
    let scope = kind == DocumentKind::Scope;
    let mut page = ListPage::new(ui, kind.title(), "system");
    page.base = base(kind);
    page.intro = Some(standing(kind, &versions));
    page.related = vec![(
        "/manage/system".into(),
        "All management-system records".into(),
    )];
    let newest = versions.first().cloned();
    if ui.manager()
        && let Some(d) = newest
            .as_ref()
            .filter(|v| v.status == DocumentStatus::Draft)
    {
        page.related.insert(
            0,
            (
                format!("{}/approve", base(kind)),
                format!("Approve draft version {}", d.version),
            ),
        );
    }
    page.headers = if scope {
        vec![
            "Version",
            "Status",
            "Statement",
            "Services",
            "Customers",
            "Exclusions",
            "Owner",
            "Review due",
            "Approved",
        ]
    } else {
        vec![
            "Version",
            "Status",
            "Statement",
            "Owner",
            "Review due",
            "Approved",
        ]
    };
    for v in &versions {
        let mut row = vec![
            format!("Version {}", v.version),
            status_label(v.status.as_str()),
            v.text.clone(),
        ];
        if scope {
            row.push(names(&services, &v.service_ids));
            row.push(names(&orgs, &v.organization_ids));
            row.push(opt(v.exclusions.clone()));
        }
        row.push(opt(v.owner_id.map(|o| name_of(&staff, o))));
        row.push(opt(v.review_due_on.clone()));
        row.push(opt(v.approved_at.as_deref().map(|t| {
            format!(
                "{} by {}",
                &t[..10],
                v.approved_by
                    .map_or_else(|| "the operator".into(), |b| name_of(&staff, b))
            )
        })));
        page.rows.push(row);
    }
    if ui.manager() {
        let mut fields = vec![Field::new("text", "Statement", Input::Long).required().hint(match kind {
            DocumentKind::Scope => "What the service management system covers: the organization, its locations, the services and the customers.",
            DocumentKind::Policy => "The organization's commitment: meeting service requirements, continual improvement, and the framework for objectives.",
        })];
        if scope {
            fields.push(Field::new(
                "service_ids",
                "Services covered",
                Input::Many(services.clone()),
            ));
            fields.push(Field::new(
                "organization_ids",
                "Customers covered",
                Input::Many(orgs.clone()),
            ));
            fields.push(
                Field::new("exclusions", "Exclusions", Input::Long)
                    .hint("What is left out, and why."),
            );
        }
        fields.push(Field::new(
            "owner_id",
            "Owner",
            Input::Pick(staff, "Nobody yet"),
        ));
        fields.push(
            Field::text("review_due_on", "Next review due")
                .hint("YYYY-MM-DD. Approval needs an owner and this date."),
        );
        let mut spec = FormSpec::new(
            match (kind, newest.as_ref().map(|v| v.status)) {
                (DocumentKind::Scope, Some(DocumentStatus::Draft)) => "draft scope",
                (DocumentKind::Scope, _) => "new draft of the scope",
                (DocumentKind::Policy, Some(DocumentStatus::Draft)) => "draft policy",
                (DocumentKind::Policy, _) => "new draft of the policy",
            },
            vec![Group::plain(fields)],
        );
        spec.single = true;
        page.form = Some(spec);
        if let Some(v) = &newest {
            page.values = fill(&serde_json::to_value(v).unwrap_or_default(), page.groups());
        }
    }
    Ok((page, newest))
}

async fn show(state: &AppState, ui: &Ui, kind: DocumentKind) -> UiResult {
    Ok(ui.page(&doc_page(state, ui, kind).await?.0))
}

async fn save(state: &AppState, ui: &Ui, kind: DocumentKind, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(ui)?;
    let (page, _) = doc_page(state, ui, kind).await?;
    // The form shows every field, so it replaces the statement as a whole.
    let result = match parse_form::<DocumentInput>(&page, &form) {
        Ok(input) => {
            state
                .app
                .edit_system_document(&ui.actor, kind, Edit::Replace, input)
                .await
        }
        Err(e) => Err(e),
    };
    saved(ui, page, None, form, result, |v: &DocumentVersion| {
        format!(
            "{} version {} was saved as a draft.",
            kind.title(),
            v.version
        )
    })
}

fn approve_form(ui: &Ui, kind: DocumentKind, draft: &DocumentVersion) -> FormPage {
    FormPage {
        l: ui.layout(format!("Approve the {}", noun(kind)), "manage"),
        intro: Some(format!(
            "Approve draft version {} of the {}? Once approved it is the version in force and cannot change; a later edit starts a new draft. Statement: {}",
            draft.version,
            noun(kind),
            draft.text
        )),
        action: format!("{}/approve", base(kind)),
        submit: "Approve",
        groups: Vec::new(),
        values: FormData::default(),
        errors: FieldErrors::default(),
    }
}

async fn approve_page(state: &AppState, ui: &Ui, kind: DocumentKind) -> UiResult {
    require_manager(ui)?;
    let newest = state.app.system_document(&ui.actor, kind).await?;
    if newest.status != DocumentStatus::Draft {
        return Ok(see_other(&base(kind), "There is no draft to approve."));
    }
    Ok(ui.page(&approve_form(ui, kind, &newest)))
}

async fn approve(state: &AppState, ui: &Ui, kind: DocumentKind, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_manager(ui)?;
    match state.app.approve_system_document(&ui.actor, kind).await {
        Ok(v) => Ok(see_other(
            &base(kind),
            &format!("{} version {} was approved.", kind.title(), v.version),
        )),
        Err(AppError::Invalid(invalid)) => {
            let draft = state.app.system_document(&ui.actor, kind).await?;
            // The missing pieces are fields of the statement's form: say so, and link there.
            let errors: Vec<FieldError> = invalid
                .0
                .into_iter()
                .map(|e| {
                    FieldError::new(
                        e.field,
                        format!("{} — set it in the form of the {}", e.message, noun(kind)),
                    )
                })
                .collect();
            approve_form(ui, kind, &draft).refused(ui, form, &errors)
        }
        Err(AppError::Conflict { message, .. }) => Ok(see_other(&base(kind), &message)),
        Err(e) => Err(e.into()),
    }
}

async fn scope(State(state): State<AppState>, ui: Ui) -> UiResult {
    show(&state, &ui, DocumentKind::Scope).await
}

async fn save_scope(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    save(&state, &ui, DocumentKind::Scope, form).await
}

async fn approve_scope_page(State(state): State<AppState>, ui: Ui) -> UiResult {
    approve_page(&state, &ui, DocumentKind::Scope).await
}

async fn approve_scope(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    approve(&state, &ui, DocumentKind::Scope, form).await
}

async fn policy(State(state): State<AppState>, ui: Ui) -> UiResult {
    show(&state, &ui, DocumentKind::Policy).await
}

async fn save_policy(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    save(&state, &ui, DocumentKind::Policy, form).await
}

async fn approve_policy_page(State(state): State<AppState>, ui: Ui) -> UiResult {
    approve_page(&state, &ui, DocumentKind::Policy).await
}

async fn approve_policy(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    approve(&state, &ui, DocumentKind::Policy, form).await
}
