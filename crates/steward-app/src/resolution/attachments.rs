//! Attachments: stored with their ticket under a size limit, typed by their content, and
//! shown only to those who may see the ticket (customers: public ones on their own tickets).
use crate::app::{change, require};
use crate::resolution::tickets::{load, load_visible, require_kind, visible};
use crate::{App, AppError, Result};
use sha2::{Digest, Sha256};
use steward_domain::resolution::attachment::{Attachment, clean_file_name, sniff};
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::{Actor, Permission};
use steward_store::resolution::attachments::{self, NewAttachment};
use steward_store::resolution::tickets;

impl App {
    pub async fn attach(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
        name: &str,
        public: bool,
        content: &[u8],
    ) -> Result<Attachment> {
        require(actor, Permission::RaiseTickets)?;
        require_kind(actor, kind)?;
        // Bad input is refused before the database is touched.
        self.checked_upload(name, content)?;
        if !actor.role.is_staff() && !public {
            return Err(AppError::invalid(
                "public",
                "customers add public attachments",
            ));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ticket = load(&mut tx, kind, id).await?;
        if !visible(actor, &ticket) {
            return Err(AppError::not_found(kind.as_str(), id));
        }
        let attachment = self
            .attach_in(&mut tx, actor, &ticket, name, public, content, now)
            .await?;
        tx.commit().await?;
        Ok(attachment)
    }

    /// The cleaned file name of an upload that is neither empty nor over the size limit.
    fn checked_upload(&self, name: &str, content: &[u8]) -> Result<String> {
        let file_name = clean_file_name(name)?;
        if content.is_empty() {
            return Err(AppError::invalid("content", "the file is empty"));
        }
        if content.len() > self.settings.attachment_max_bytes {
            return Err(AppError::invalid(
                "content",
                format!(
                    "the file is larger than the {} byte limit",
                    self.settings.attachment_max_bytes
                ),
            ));
        }
        Ok(file_name)
    }

    /// Checks (name, size; the type is read from the content) and stores an attachment in
    /// the caller's transaction, with its timeline and audit entries.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn attach_in(
        &self,
        tx: &mut steward_store::Tx,
        actor: &Actor,
        ticket: &steward_domain::resolution::record::Ticket,
        name: &str,
        public: bool,
        content: &[u8],
        now: i64,
    ) -> Result<Attachment> {
        let (kind, id) = (ticket.kind, ticket.id);
        let file_name = self.checked_upload(name, content)?;
        let content_type = sniff(content);
        let sha256 = hex::encode(Sha256::digest(content));
        let new = NewAttachment {
            ticket_id: id,
            file_name: &file_name,
            content_type,
            sha256: &sha256,
            public,
            uploaded_by_id: actor.user_id,
            uploaded_by: &actor.name,
        };
        let aid = attachments::insert(tx.ex(), &new, content, now).await?;
        let attachment = attachments::get(tx.ex(), aid)
            .await?
            .ok_or_else(|| AppError::Internal("the new attachment vanished".into()))?;
        let detail =
            serde_json::json!({ "attachment_id": aid, "file_name": file_name, "public": public });
        tickets::add_event(
            tx.ex(),
            id,
            now,
            actor.user_id,
            &actor.name,
            "attachment",
            None,
            None,
            Some(&detail),
        )
        .await?;
        self.audit(
            tx,
            change::<(), _>(actor, kind.as_str(), id, "attach", None, Some(&attachment)),
            now,
        )
        .await?;
        Ok(attachment)
    }

    pub async fn ticket_attachments(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
    ) -> Result<Vec<Attachment>> {
        require(actor, Permission::ReadTickets)?;
        require_kind(actor, kind)?;
        let mut conn = self.db.read().await?;
        load_visible(conn.ex(), actor, kind, id).await?;
        Ok(attachments::list(conn.ex(), id, actor.role.is_staff()).await?)
    }

    /// An attachment and its content, if the actor may see both it and its ticket.
    pub async fn attachment_content(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(Attachment, Vec<u8>)> {
        require(actor, Permission::ReadTickets)?;
        let mut conn = self.db.read().await?;
        let found = attachments::get(conn.ex(), id).await?;
        let Some(attachment) = found.filter(|a| a.public || actor.role.is_staff()) else {
            return Err(AppError::not_found("attachment", id));
        };
        let ticket = tickets::get_any(conn.ex(), attachment.ticket_id).await?;
        if !ticket.is_some_and(|t| visible(actor, &t)) {
            return Err(AppError::not_found("attachment", id));
        }
        let content = attachments::content(conn.ex(), id).await?;
        Ok((attachment, content))
    }
}
