//! Notification templates: the shipped default for each kind of event until an admin saves
//! one. A template is rendered against the sample record before it is saved, so one that
//! cannot render is refused with the error on its field.
use crate::app::{change, require};
use crate::{App, AppError, Result};
use serde_json::Value;
use steward_domain::foundation::mail_out::{
    MailPreview, MailTemplateInput, MailTemplateView, TestMailResult,
};
use steward_domain::{Actor, Permission};
use steward_mail::outbound::{self, EventKind, Rendered, Template};
use steward_store::Ex;
use steward_store::foundation::settings;

fn key(kind: EventKind) -> String {
    format!("mail_template:{}", kind.as_str())
}

fn kind_of(name: &str) -> Result<EventKind> {
    EventKind::parse(name).ok_or_else(|| AppError::not_found("mail template", name))
}

/// The template in force for `kind`, and whether an admin changed it.
pub(crate) async fn effective(ex: Ex<'_>, kind: EventKind) -> Result<(Template, bool)> {
    let saved: Option<Template> = crate::foundation::settings::read(ex, &key(kind)).await?;
    Ok(match saved {
        Some(t) => (t, true),
        None => (outbound::default_template(kind), false),
    })
}

/// Renders the template in force; a saved one that fails on a real event (it rendered
/// against the sample) falls back to the default, so the mail still goes out.
pub(crate) async fn render(ex: Ex<'_>, kind: EventKind, ctx: &Value) -> Result<Option<Rendered>> {
    let (template, _) = effective(ex, kind).await?;
    match outbound::render(&template, ctx) {
        Ok(r) => Ok(Some(r)),
        Err(e) => {
            tracing::warn!(kind = kind.as_str(), error = %e, "mail template failed; using the default");
            Ok(outbound::render(&outbound::default_template(kind), ctx).ok())
        }
    }
}

fn view(kind: EventKind, (t, customized): (Template, bool)) -> MailTemplateView {
    MailTemplateView {
        kind: kind.as_str().into(),
        label: kind.label().into(),
        subject: t.subject,
        body: t.body,
        customized,
    }
}

fn checked(kind: EventKind, input: MailTemplateInput) -> Result<(Template, Rendered)> {
    if input.subject.trim().is_empty() {
        return Err(AppError::invalid("subject", "must not be empty"));
    }
    if input.subject.len() > 1000 || input.body.len() > 100_000 {
        return Err(AppError::invalid("body", "is too long"));
    }
    let template = Template {
        subject: input.subject,
        body: input.body,
    };
    let rendered = outbound::render(&template, &outbound::sample_context(kind))
        .map_err(|e| AppError::invalid(e.field, e.message))?;
    Ok((template, rendered))
}

impl App {
    pub async fn mail_templates(&self, actor: &Actor) -> Result<Vec<MailTemplateView>> {
        require(actor, Permission::ManageSystem)?;
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for kind in EventKind::ALL {
            out.push(view(*kind, effective(conn.ex(), *kind).await?));
        }
        Ok(out)
    }

    pub async fn mail_template(&self, actor: &Actor, kind: &str) -> Result<MailTemplateView> {
        require(actor, Permission::ManageSystem)?;
        let kind = kind_of(kind)?;
        let mut conn = self.db.read().await?;
        Ok(view(kind, effective(conn.ex(), kind).await?))
    }

    /// Saves a template after rendering it against the sample record.
    pub async fn set_mail_template(
        &self,
        actor: &Actor,
        kind: &str,
        input: MailTemplateInput,
    ) -> Result<MailTemplateView> {
        require(actor, Permission::ManageSystem)?;
        let kind = kind_of(kind)?;
        let (template, _) = checked(kind, input)?;
        self.store_template(actor, kind, Some(template)).await
    }

    /// Goes back to the shipped default.
    pub async fn reset_mail_template(&self, actor: &Actor, kind: &str) -> Result<MailTemplateView> {
        require(actor, Permission::ManageSystem)?;
        let kind = kind_of(kind)?;
        self.store_template(actor, kind, None).await
    }

    async fn store_template(
        &self,
        actor: &Actor,
        kind: EventKind,
        template: Option<Template>,
    ) -> Result<MailTemplateView> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = view(kind, effective(tx.ex(), kind).await?);
        let json =
            serde_json::to_string(&template).map_err(|e| AppError::Internal(e.to_string()))?;
        settings::put_setting(tx.ex(), &key(kind), &json, now).await?;
        let after = view(kind, effective(tx.ex(), kind).await?);
        let action = if template.is_some() {
            "update"
        } else {
            "reset"
        };
        self.audit(
            &mut tx,
            change(
                actor,
                "mail_template",
                kind.as_str(),
                action,
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Renders a (perhaps unsaved) template against the sample record.
    pub async fn preview_mail_template(
        &self,
        actor: &Actor,
        kind: &str,
        input: MailTemplateInput,
    ) -> Result<MailPreview> {
        require(actor, Permission::ManageSystem)?;
        let (_, r) = checked(kind_of(kind)?, input)?;
        Ok(MailPreview {
            subject: r.subject,
            body: r.body,
        })
    }

    /// Sends the saved template, rendered against the sample record, to `to`.
    pub async fn test_mail_template(
        &self,
        actor: &Actor,
        kind: &str,
        to: &str,
    ) -> Result<TestMailResult> {
        require(actor, Permission::ManageSystem)?;
        let kind = kind_of(kind)?;
        let template = {
            let mut conn = self.db.read().await?;
            effective(conn.ex(), kind).await?.0
        };
        let r = outbound::render(&template, &outbound::sample_context(kind))
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        self.test_send(actor, to, r.subject, r.body).await
    }
}
