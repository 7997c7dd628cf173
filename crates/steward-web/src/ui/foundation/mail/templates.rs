//! The notification templates: every kind with the template in force; editing one shows it
//! rendered against the sample record, and a template that does not render is refused with
//! the error next to its field.
use super::related;
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, id_of, pairs, saved};
use crate::ui::{FormData, Ui, UiError, UiResult};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use steward_domain::foundation::mail_out::{MailTemplateInput, MailTemplateView};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/mail/templates", get(list))
        .route("/manage/mail/templates/{id}", get(edit).post(save))
}

async fn page(
    state: &AppState,
    ui: &Ui,
    editing: Option<usize>,
) -> Result<(ListPage, Vec<MailTemplateView>), UiError> {
    let templates = state.app.mail_templates(&ui.actor).await?;
    let mut page = ListPage::new(ui, "Mail templates", "mail/templates");
    page.intro = Some(
        "Each notification's subject and body, in minijinja: {{ record.number }}, {{ record.title }}, {{ record.status }}, {{ record.url }}, {{ recipient.name }}, {{ actor }}, {{ detail }}, {{ satisfaction_url }}."
            .into(),
    );
    page.related = related();
    page.headers = vec!["Notification", "Subject", "Changed"];
    for (i, t) in templates.iter().enumerate() {
        page.rows.push(vec![
            t.label.clone(),
            t.subject.clone(),
            if t.customized {
                "yes".into()
            } else {
                "no (shipped)".into()
            },
        ]);
        page.row_ids.push(i as i64);
    }
    if let Some(i) = editing {
        let t = templates.get(i).ok_or(UiError::NotFound)?;
        page.form = Some(FormSpec::new(
            "template",
            vec![Group::plain(vec![
                Field::new("subject", format!("Subject of “{}”", t.label), Input::Text).required(),
                Field::new("body", "Body", Input::Long).required(),
            ])],
        ));
        page.edit = Some(i as i64);
    }
    Ok((page, templates))
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&page(&state, &ui, None).await?.0))
}

async fn edit(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    let i = id_of(&raw)? as usize;
    let (mut page, templates) = page(&state, &ui, Some(i)).await?;
    let t = &templates[i];
    let input = MailTemplateInput {
        subject: t.subject.clone(),
        body: t.body.clone(),
    };
    if let Ok(p) = state
        .app
        .preview_mail_template(&ui.actor, &t.kind, input)
        .await
    {
        page.intro = Some(format!(
            "Rendered against a sample record — subject: “{}”; body: “{}”",
            p.subject,
            p.body.trim()
        ));
    }
    page.values = pairs(&[("subject", t.subject.clone()), ("body", t.body.clone())]);
    Ok(ui.page(&page))
}

async fn save(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let i = id_of(&raw)? as usize;
    let (page, templates) = page(&state, &ui, Some(i)).await?;
    let kind = templates[i].kind.clone();
    let input = MailTemplateInput {
        subject: form.text("subject").unwrap_or_default(),
        body: form
            .0
            .iter()
            .find(|(k, _)| k == "body")
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
    };
    let result = state.app.set_mail_template(&ui.actor, &kind, input).await;
    saved(&ui, page, Some(i as i64), form, result, |t| {
        format!("The template “{}” was saved.", t.label)
    })
}
