//! The register of documented information (7.5) and the service management plan (6.3):
//! managers create documents, add versions as text or files, approve them, record reviews and
//! withdraw documents; staff and auditors read. Each command is one transaction with its audit
//! entry.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use sha2::{Digest, Sha256};
use steward_domain::improvement::document::{
    DEFAULT_REVIEW_MONTHS, Document, DocumentDetail, DocumentFigures, DocumentInput, DocumentKind,
    DocumentStatus, DocumentVersion, ReviewInput, TextVersionInput, VersionStatus, WithdrawInput,
    add_months, change_note, next_label,
};
use steward_domain::resolution::attachment::{clean_file_name, sniff};
use steward_domain::{Actor, Permission};
use steward_store::improvement::documents::{self, Content, NewVersion};
use steward_store::{Ex, StoreError, Tx};

async fn load(ex: Ex<'_>, id: i64) -> Result<Document> {
    documents::get(ex, id)
        .await?
        .ok_or_else(|| AppError::not_found("document", id))
}

fn active(d: &Document) -> Result<()> {
    if d.status == DocumentStatus::Withdrawn {
        Err(AppError::conflict(
            Some("status"),
            "the document is withdrawn; it changes no more",
        ))
    } else {
        Ok(())
    }
}

/// A unique rule broken on saving: the kind and title, or the one active plan.
fn duplicate(e: StoreError, d: &Document) -> AppError {
    match e {
        StoreError::Duplicate(_) if d.kind == DocumentKind::ServiceManagementPlan => plan_exists(),
        StoreError::Duplicate(_) => AppError::conflict(
            Some("title"),
            format!(
                "a document of kind {} titled {:?} exists already",
                d.kind.as_str(),
                d.title
            ),
        ),
        other => other.into(),
    }
}

fn plan_exists() -> AppError {
    AppError::conflict(
        Some("kind"),
        "there is already an active service management plan; withdraw it first",
    )
}

impl App {
    fn today_text(&self) -> String {
        self.today().to_string()
    }

    async fn detail(&self, ex: &mut Ex<'_>, d: Document) -> Result<DocumentDetail> {
        let versions = documents::versions(ex.by_ref(), d.id).await?;
        let current = versions
            .iter()
            .find(|v| v.status == VersionStatus::Approved)
            .cloned();
        Ok(DocumentDetail {
            document: d.with_today(&self.today_text()),
            current,
            versions,
        })
    }

    pub async fn list_documents(
        &self,
        actor: &Actor,
        kind: Option<DocumentKind>,
        status: Option<DocumentStatus>,
    ) -> Result<Vec<Document>> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        let today = self.today_text();
        Ok(documents::list(conn.ex(), kind, status)
            .await?
            .into_iter()
            .map(|d| d.with_today(&today))
            .collect())
    }

    pub async fn get_document(&self, actor: &Actor, id: i64) -> Result<DocumentDetail> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        let mut ex = conn.ex();
        let d = load(ex.by_ref(), id).await?;
        self.detail(&mut ex, d).await
    }

    /// The active service management plan with its versions, if there is one.
    pub async fn service_management_plan(&self, actor: &Actor) -> Result<Option<DocumentDetail>> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        let mut ex = conn.ex();
        match documents::active_plan(ex.by_ref()).await? {
            Some(d) => Ok(Some(self.detail(&mut ex, d).await?)),
            None => Ok(None),
        }
    }

    pub async fn create_document(
        &self,
        actor: &Actor,
        input: DocumentInput,
    ) -> Result<DocumentDetail> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let draft = input.apply(None, self.today())?;
        let mut tx = self.db.begin().await?;
        if let Some(owner) = draft.owner_id {
            require_staff_user(tx.ex(), "owner_id", owner).await?;
        }
        if draft.kind == DocumentKind::ServiceManagementPlan
            && documents::active_plan(tx.ex()).await?.is_some()
        {
            return Err(plan_exists());
        }
        let made = documents::insert(tx.ex(), &draft, now)
            .await
            .map_err(|e| duplicate(e, &draft))?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "document", made.id, "create", None, Some(&made)),
            now,
        )
        .await?;
        let detail = self.detail(&mut tx.ex(), made).await?;
        tx.commit().await?;
        Ok(detail)
    }

    pub async fn update_document(
        &self,
        actor: &Actor,
        id: i64,
        input: DocumentInput,
    ) -> Result<DocumentDetail> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = load(tx.ex(), id).await?;
        active(&before)?;
        let next = input.apply(Some(&before), self.today())?;
        if next.owner_id != before.owner_id
            && let Some(owner) = next.owner_id
        {
            require_staff_user(tx.ex(), "owner_id", owner).await?;
        }
        if next.kind == DocumentKind::ServiceManagementPlan
            && before.kind != next.kind
            && documents::active_plan(tx.ex()).await?.is_some()
        {
            return Err(plan_exists());
        }
        let after = self.save_document(&mut tx, &next, now).await?;
        self.audit(
            &mut tx,
            change(actor, "document", id, "update", Some(&before), Some(&after)),
            now,
        )
        .await?;
        let detail = self.detail(&mut tx.ex(), after).await?;
        tx.commit().await?;
        Ok(detail)
    }

    async fn save_document(&self, tx: &mut Tx, d: &Document, now: i64) -> Result<Document> {
        let withdrawn_at = d
            .withdrawn_at
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_microsecond());
        documents::update(tx.ex(), d, withdrawn_at, now)
            .await
            .map_err(|e| duplicate(e, d))
    }

    /// Adds a draft version with this text.
    pub async fn add_document_text(
        &self,
        actor: &Actor,
        id: i64,
        input: TextVersionInput,
    ) -> Result<DocumentVersion> {
        require(actor, Permission::ManageSystem)?;
        let (text, format, note) = input.check()?;
        self.add_version(actor, id, Content::Text(&text, format), note, input.major)
            .await
    }

    /// Adds a draft version that is an uploaded file, under the attachment size limit.
    pub async fn add_document_file(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        note: Option<&str>,
        major: bool,
        bytes: &[u8],
    ) -> Result<DocumentVersion> {
        require(actor, Permission::ManageSystem)?;
        let file_name = clean_file_name(name)?;
        let note = change_note(note)?;
        if bytes.is_empty() {
            return Err(AppError::invalid("content", "the file is empty"));
        }
        let max = self.settings.attachment_max_bytes;
        if bytes.len() > max {
            return Err(AppError::invalid(
                "content",
                format!("the file is larger than the {max} byte limit"),
            ));
        }
        let sha256 = hex::encode(Sha256::digest(bytes));
        let content = Content::File {
            name: &file_name,
            content_type: sniff(bytes),
            sha256: &sha256,
            bytes,
        };
        self.add_version(actor, id, content, note, major).await
    }

    async fn add_version(
        &self,
        actor: &Actor,
        id: i64,
        content: Content<'_>,
        note: Option<String>,
        major: bool,
    ) -> Result<DocumentVersion> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let doc = load(tx.ex(), id).await?;
        active(&doc)?;
        let label = next_label(doc.latest_version.as_deref(), major);
        let new = NewVersion {
            document_id: id,
            label: &label,
            content,
            change_note: note.as_deref(),
            created_by: actor.user_id,
            created_by_name: &actor.name,
        };
        let v = documents::insert_version(tx.ex(), &new, now).await?;
        documents::touch(tx.ex(), id, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "document", id, "add_version", None, Some(&v)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Approves a draft version; it is then in force and never changes. A draft older than
    /// the version in force is not approved (409).
    pub async fn approve_document_version(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
    ) -> Result<DocumentVersion> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let doc = load(tx.ex(), id).await?;
        active(&doc)?;
        let versions = documents::versions(tx.ex(), id).await?;
        let Some(before) = versions.iter().find(|v| v.id == version).cloned() else {
            return Err(AppError::not_found("document version", version));
        };
        if before.status == VersionStatus::Approved {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "version {} is approved already and cannot change",
                    before.label
                ),
            ));
        }
        if let Some(later) = versions
            .iter()
            .find(|v| v.status == VersionStatus::Approved && v.id > version)
        {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "version {} is in force already; approve a newer version instead",
                    later.label
                ),
            ));
        }
        let after =
            documents::approve_version(tx.ex(), id, version, actor.user_id, &actor.name, now)
                .await?
                .ok_or_else(|| {
                    AppError::conflict(Some("status"), "the version was approved meanwhile")
                })?;
        documents::touch(tx.ex(), id, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "document",
                id,
                "approve_version",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records a review: the date, and the next one an interval later.
    pub async fn review_document(
        &self,
        actor: &Actor,
        id: i64,
        input: ReviewInput,
    ) -> Result<DocumentDetail> {
        require(actor, Permission::ManageSystem)?;
        let on = input.date(self.today())?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = load(tx.ex(), id).await?;
        active(&before)?;
        let next = Document {
            last_reviewed_on: Some(on.to_string()),
            review_due_on: Some(add_months(on, before.review_interval_months).to_string()),
            ..before.clone()
        };
        let after = self.save_document(&mut tx, &next, now).await?;
        self.audit(
            &mut tx,
            change(actor, "document", id, "review", Some(&before), Some(&after)),
            now,
        )
        .await?;
        let detail = self.detail(&mut tx.ex(), after).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Withdraws a document: it stays in the register, read-only, and no longer counts.
    pub async fn withdraw_document(
        &self,
        actor: &Actor,
        id: i64,
        input: WithdrawInput,
    ) -> Result<DocumentDetail> {
        require(actor, Permission::ManageSystem)?;
        let reason = steward_domain::foundation::validation::optional_text(
            "reason",
            input.reason.as_deref(),
            2000,
        )?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = load(tx.ex(), id).await?;
        active(&before)?;
        let next = Document {
            status: DocumentStatus::Withdrawn,
            withdrawn_at: Some(steward_domain::foundation::page::rfc3339_micros(now)),
            withdrawn_reason: reason,
            ..before.clone()
        };
        let after = self.save_document(&mut tx, &next, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "document",
                id,
                "withdraw",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        let detail = self.detail(&mut tx.ex(), after).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// A file version with its bytes (404 for a text version).
    pub async fn document_file(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
    ) -> Result<(DocumentVersion, Vec<u8>)> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        let v = documents::version_of(conn.ex(), id, version)
            .await?
            .filter(|v| v.file_name.is_some())
            .ok_or_else(|| AppError::not_found("document file", version))?;
        let bytes = documents::version_content(conn.ex(), id, version)
            .await?
            .ok_or_else(|| AppError::not_found("document file", version))?;
        Ok((v, bytes))
    }

    /// Creates a placeholder document of this kind and title unless one exists (then None):
    /// what `steward init --template iso20000` seeds for each 7.5.4 document.
    pub async fn ensure_document_placeholder(
        &self,
        actor: &Actor,
        kind: DocumentKind,
        title: &str,
        clause: Option<&str>,
    ) -> Result<Option<Document>> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let made =
            documents::ensure_placeholder(tx.ex(), kind, title, clause, DEFAULT_REVIEW_MONTHS, now)
                .await?;
        if let Some(d) = &made {
            self.audit(
                &mut tx,
                change::<(), _>(actor, "document", d.id, "create_placeholder", None, Some(d)),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(made)
    }

    /// Documents, the plan and competence as of today, for the evidence map.
    pub async fn document_figures(&self, actor: &Actor) -> Result<DocumentFigures> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        Ok(documents::conformity_figures(conn.ex(), &self.today_text()).await?)
    }
}
