//! The SMS scope and the service management policy: managers write the draft and approve
//! it; staff and auditors read every version. Editing after approval starts a new draft, so
//! the approved text an auditor saw stays as it was.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::improvement::system_document::{
    DocumentInput, DocumentKind, DocumentStatus, DocumentVersion, check_approvable,
};
use steward_domain::{Actor, Permission};
use steward_store::Tx;
use steward_store::improvement::system_documents as docs;

/// How an edit is given: the whole statement (PUT) or only what changes (PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Replace,
    Merge,
}

impl App {
    /// The newest version (the draft, or the approved one in force); 404 before the first.
    pub async fn system_document(
        &self,
        actor: &Actor,
        kind: DocumentKind,
    ) -> Result<DocumentVersion> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        docs::newest(conn.ex(), kind)
            .await?
            .ok_or_else(|| AppError::not_found(kind.record_type(), kind.as_str()))
    }

    /// Every version, newest first.
    pub async fn system_document_versions(
        &self,
        actor: &Actor,
        kind: DocumentKind,
    ) -> Result<Vec<DocumentVersion>> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        Ok(docs::versions(conn.ex(), kind).await?)
    }

    /// Writes the draft: rewrites the newest version while it is a draft, else starts the
    /// next version from the approved one.
    pub async fn edit_system_document(
        &self,
        actor: &Actor,
        kind: DocumentKind,
        edit: Edit,
        input: DocumentInput,
    ) -> Result<DocumentVersion> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let newest = docs::newest(tx.ex(), kind).await?;
        let base = match edit {
            Edit::Replace => None,
            Edit::Merge => newest.as_ref(),
        };
        let mut next = input.apply(kind, base)?;
        self.check_document(&mut tx, &next, newest.as_ref()).await?;
        let (after, action) = match &newest {
            Some(draft) if draft.status == DocumentStatus::Draft => {
                next.id = draft.id;
                let saved = docs::update_draft(tx.ex(), &next, now)
                    .await?
                    .ok_or_else(|| AppError::conflict(None, "the draft was approved meanwhile"))?;
                (saved, "update")
            }
            _ => {
                next.version = newest.as_ref().map_or(1, |v| v.version + 1);
                (docs::insert(tx.ex(), &next, now).await?, "create_version")
            }
        };
        let before = newest.filter(|v| v.id == after.id);
        self.audit(
            &mut tx,
            change(
                actor,
                kind.record_type(),
                after.id,
                action,
                before.as_ref(),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The owner must be active staff, and the services and organizations must exist; only
    /// what changed is looked up.
    async fn check_document(
        &self,
        tx: &mut Tx,
        next: &DocumentVersion,
        before: Option<&DocumentVersion>,
    ) -> Result<()> {
        if let Some(owner) = next.owner_id
            && before.is_none_or(|b| b.owner_id != Some(owner))
        {
            require_staff_user(tx.ex(), "owner_id", owner).await?;
        }
        for id in &next.service_ids {
            if steward_store::delivery::services::get(tx.ex(), *id)
                .await?
                .is_none()
            {
                return Err(AppError::invalid(
                    "service_ids",
                    format!("no service with id {id}"),
                ));
            }
        }
        for id in &next.organization_ids {
            if steward_store::foundation::orgs::get(tx.ex(), *id)
                .await?
                .is_none()
            {
                return Err(AppError::invalid(
                    "organization_ids",
                    format!("no organization with id {id}"),
                ));
            }
        }
        Ok(())
    }

    /// Approves the draft, which then is the version in force; 409 when there is no draft.
    pub async fn approve_system_document(
        &self,
        actor: &Actor,
        kind: DocumentKind,
    ) -> Result<DocumentVersion> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let draft = docs::newest(tx.ex(), kind)
            .await?
            .filter(|v| v.status == DocumentStatus::Draft)
            .ok_or_else(|| {
                AppError::conflict(
                    Some("status"),
                    format!("there is no draft of the {} to approve", kind.title()),
                )
            })?;
        check_approvable(&draft)?;
        let after = docs::approve(tx.ex(), draft.id, actor.user_id, now)
            .await?
            .ok_or_else(|| {
                AppError::conflict(Some("status"), "the draft was approved meanwhile")
            })?;
        self.audit(
            &mut tx,
            change(
                actor,
                kind.record_type(),
                after.id,
                "approve",
                Some(&draft),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}
