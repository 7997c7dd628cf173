//! Internal audits (9.2): programmes per period, planned audits, and their findings.
//!
//! Managers and administrators (`ManageConformity`) plan programmes and audits. An auditor
//! must be independent of the area audited: not the owner of a service in scope and not a
//! member of a team in scope, checked whenever the auditor or the scope is set. Only the
//! assigned auditor records findings (`RecordAuditFindings`); a nonconformity finding raises
//! a nonconformity in the same transaction, linked both ways.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::improvement::audit::{
    Audit, AuditDetail, AuditInput, AuditPatch, AuditProgramme, AuditStatus, Finding, FindingInput,
    FindingKind, ProgrammeInput, ProgrammePatch, auditor_or_scope_changed,
};
use steward_domain::improvement::nonconformity::{NcDraft, NcSource};
use steward_domain::{Actor, FieldError, Invalid, Permission};
use steward_store::Tx;
use steward_store::delivery::services;
use steward_store::foundation::{teams, users};
use steward_store::improvement::{audits, nonconformities};

impl App {
    pub async fn list_audit_programmes(&self, actor: &Actor) -> Result<Vec<AuditProgramme>> {
        require(actor, Permission::ReadConformity)?;
        let mut conn = self.db.read().await?;
        Ok(audits::list_programmes(conn.ex()).await?)
    }

    pub async fn get_audit_programme(&self, actor: &Actor, id: i64) -> Result<AuditProgramme> {
        require(actor, Permission::ReadConformity)?;
        let mut conn = self.db.read().await?;
        audits::get_programme(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("audit programme", id))
    }

    pub async fn create_audit_programme(
        &self,
        actor: &Actor,
        input: ProgrammeInput,
    ) -> Result<AuditProgramme> {
        require(actor, Permission::ManageConformity)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let made = audits::insert_programme(tx.ex(), &draft, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(
                actor,
                "audit_programme",
                made.id,
                "create",
                None,
                Some(&made),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    pub async fn update_audit_programme(
        &self,
        actor: &Actor,
        id: i64,
        patch: ProgrammePatch,
    ) -> Result<AuditProgramme> {
        require(actor, Permission::ManageConformity)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = audits::get_programme(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("audit programme", id))?;
        let next = patch.apply(&current)?;
        let after = audits::update_programme(tx.ex(), &next, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "audit_programme",
                id,
                "update",
                Some(&current),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Audits by planned date, of one programme or all, optionally in one status.
    pub async fn list_audits(
        &self,
        actor: &Actor,
        programme: Option<i64>,
        status: Option<AuditStatus>,
    ) -> Result<Vec<Audit>> {
        require(actor, Permission::ReadConformity)?;
        let mut conn = self.db.read().await?;
        Ok(audits::list_audits(conn.ex(), programme, status).await?)
    }

    /// One audit with its findings.
    pub async fn get_audit(&self, actor: &Actor, id: i64) -> Result<AuditDetail> {
        require(actor, Permission::ReadConformity)?;
        let mut conn = self.db.read().await?;
        let audit = audits::get_audit(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("audit", id))?;
        let findings = audits::findings(conn.ex(), id).await?;
        Ok(AuditDetail { audit, findings })
    }

    pub async fn create_audit(&self, actor: &Actor, input: AuditInput) -> Result<AuditDetail> {
        require(actor, Permission::ManageConformity)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_audit(&mut tx, &draft).await?;
        let id = audits::insert_audit(tx.ex(), &draft, now).await?;
        let made = audit_in(&mut tx, id).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "audit", id, "create", None, Some(&made)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(AuditDetail {
            audit: made,
            findings: Vec::new(),
        })
    }

    /// Edits, starts or completes an audit; a new auditor or scope is checked for
    /// independence again.
    pub async fn update_audit(
        &self,
        actor: &Actor,
        id: i64,
        patch: AuditPatch,
    ) -> Result<AuditDetail> {
        require(actor, Permission::ManageConformity)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = audit_in(&mut tx, id).await?;
        let next = patch.apply(&current)?;
        if auditor_or_scope_changed(&current, &next) || next.planned_on != current.planned_on {
            check_audit(&mut tx, &next).await?;
        }
        audits::update_audit(tx.ex(), &next, now).await?;
        let after = audit_in(&mut tx, id).await?;
        self.audit(
            &mut tx,
            change(actor, "audit", id, "update", Some(&current), Some(&after)),
            now,
        )
        .await?;
        let findings = audits::findings(tx.ex(), id).await?;
        tx.commit().await?;
        Ok(AuditDetail {
            audit: after,
            findings,
        })
    }

    /// Records a finding of an audit (its assigned auditor only, while it is not completed;
    /// the first finding starts a planned audit). A minor or major nonconformity raises a
    /// nonconformity (source `audit`, the severity from the kind) linked both ways; an
    /// opportunity goes to [`App::opportunity_found`].
    /// Refuses (403) unless the actor may record findings on this audit: it holds the
    /// permission and is the audit's assigned auditor. Checked before a finding's body is
    /// read, so an auditor of another audit is refused whatever they send.
    pub async fn may_record_findings(&self, actor: &Actor, audit_id: i64) -> Result<()> {
        require(actor, Permission::RecordAuditFindings)?;
        let mut conn = self.db.read().await?;
        let audit = audits::get_audit(conn.ex(), audit_id)
            .await?
            .ok_or_else(|| AppError::not_found("audit", audit_id))?;
        if actor.user_id != Some(audit.auditor_id) {
            return Err(AppError::Forbidden(
                "only the audit's assigned auditor records its findings".into(),
            ));
        }
        Ok(())
    }

    pub async fn record_finding(
        &self,
        actor: &Actor,
        audit_id: i64,
        input: FindingInput,
    ) -> Result<Finding> {
        require(actor, Permission::RecordAuditFindings)?;
        let (kind, clause, description, evidence) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let audit = audit_in(&mut tx, audit_id).await?;
        if actor.user_id != Some(audit.auditor_id) {
            return Err(AppError::Forbidden(
                "only the audit's assigned auditor records its findings".into(),
            ));
        }
        if audit.status == AuditStatus::Completed {
            return Err(AppError::conflict(
                Some("status"),
                "the audit is completed: its findings no longer change",
            ));
        }
        let raised = match kind.severity() {
            Some(severity) => {
                let draft = NcDraft {
                    source: NcSource::Audit,
                    audit_id: Some(audit_id),
                    finding_id: None,
                    complaint_id: None,
                    incident_id: None,
                    description: description.clone(),
                    requirement: clause.clone().unwrap_or_default(),
                    severity,
                    owner_id: None,
                    correction: None,
                    cause_analysis: None,
                };
                Some(
                    self.raise_nonconformity(&mut tx, actor, &draft, now)
                        .await?,
                )
            }
            None => None,
        };
        let draft = Finding {
            id: 0,
            audit_id,
            kind,
            clause,
            description,
            evidence,
            nonconformity_id: raised.as_ref().map(|n| n.id),
            recorded_by: actor.user_id,
            created_at: String::new(),
        };
        let made = audits::insert_finding(tx.ex(), &draft, now).await?;
        if let Some(nc) = &raised {
            nonconformities::link_finding(tx.ex(), nc.id, audit_id, made.id).await?;
        }
        if audit.status == AuditStatus::Planned {
            audits::set_status(tx.ex(), audit_id, AuditStatus::InProgress, now).await?;
        }
        self.audit(
            &mut tx,
            change::<(), _>(actor, "audit_finding", made.id, "create", None, Some(&made)),
            now,
        )
        .await?;
        if kind == FindingKind::Opportunity {
            self.opportunity_found(&mut tx, &audit, &made).await?;
        }
        tx.commit().await?;
        Ok(made)
    }

    /// An `opportunity` finding raises an improvement opportunity (source "audit finding"),
    /// linked to the audited services, once per finding, in the finding's transaction.
    pub(crate) async fn opportunity_found(
        &self,
        tx: &mut Tx,
        audit: &Audit,
        finding: &Finding,
    ) -> Result<()> {
        use steward_domain::improvement::opportunity::{Link, LinkKind, OpportunitySource};
        let links = audit
            .scope_service_ids
            .iter()
            .map(|id| Link {
                kind: LinkKind::Service,
                id: *id,
            })
            .collect();
        let title: String = finding.description.chars().take(120).collect();
        let opportunity = crate::improvement::raise::raised_opportunity(
            format!("Audit finding: {title}"),
            format!(
                "Found in the audit \"{}\"{}: {}{}",
                audit.title,
                finding
                    .clause
                    .as_deref()
                    .map(|c| format!(" against clause {c}"))
                    .unwrap_or_default(),
                finding.description,
                finding
                    .evidence
                    .as_deref()
                    .map(|e| format!(" Evidence: {e}"))
                    .unwrap_or_default()
            ),
            OpportunitySource::AuditFinding,
            format!("audit-finding:{}", finding.id),
            links,
        );
        let now = self.now();
        self.insert_improvement(tx, &Actor::system("audit"), &opportunity, now)
            .await?;
        Ok(())
    }
}

async fn audit_in(tx: &mut Tx, id: i64) -> Result<Audit> {
    audits::get_audit(tx.ex(), id)
        .await?
        .ok_or_else(|| AppError::not_found("audit", id))
}

/// The programme, the scope's services and teams and the auditor must exist, the date must
/// fall in the programme's period, and the auditor must be independent of the scope.
async fn check_audit(tx: &mut Tx, a: &Audit) -> Result<()> {
    let mut errors = Vec::new();
    match audits::get_programme(tx.ex(), a.programme_id).await? {
        None => errors.push(FieldError::new(
            "programme_id",
            format!("no audit programme with id {}", a.programme_id),
        )),
        Some(p) if a.planned_on < p.period_from || a.planned_on > p.period_to => {
            errors.push(FieldError::new(
                "planned_on",
                format!(
                    "must fall in the programme's period, {} to {}",
                    p.period_from, p.period_to
                ),
            ))
        }
        Some(_) => {}
    }
    match require_staff_user(tx.ex(), "auditor_id", a.auditor_id).await {
        Ok(()) => {}
        Err(AppError::Invalid(mut e)) => {
            errors.append(&mut e.0);
            return Err(AppError::Invalid(Invalid(errors)));
        }
        Err(other) => return Err(other),
    }
    let auditor = users::get(tx.ex(), a.auditor_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let mut conflicts = Vec::new();
    for &s in &a.scope_service_ids {
        match services::get(tx.ex(), s).await? {
            None => errors.push(FieldError::new(
                "scope_service_ids",
                format!("no service with id {s}"),
            )),
            Some(service) if service.owner_id == Some(a.auditor_id) => conflicts.push(format!(
                "{auditor} owns the service {} in this audit's scope",
                service.name
            )),
            Some(_) => {}
        }
    }
    for &t in &a.scope_team_ids {
        match teams::get(tx.ex(), t).await? {
            None => errors.push(FieldError::new(
                "scope_team_ids",
                format!("no team with id {t}"),
            )),
            Some(team) if team.member_ids.contains(&a.auditor_id) => conflicts.push(format!(
                "{auditor} is a member of the team {} in scope",
                team.name
            )),
            Some(_) => {}
        }
    }
    if !conflicts.is_empty() {
        errors.push(FieldError::new(
            "auditor_id",
            format!(
                "the auditor must be independent of the area audited: {}",
                conflicts.join("; ")
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(Invalid(errors)))
    }
}
