//! Change records (8.5.1): raise, edit, submit, assess against the change policy, approve or
//! reject by the board, schedule, implement, review and close. Each command is one
//! transaction with its audit entry.
use crate::app::{change, page};
use crate::delivery::change_config::{may_read, may_work, policy, questionnaire};
use crate::delivery::change_conflicts::conflicts_for;
use crate::{App, AppError, Result};
use std::collections::BTreeSet;
use steward_domain::assurance::outage::{OutageDraft, OutageKind};
use steward_domain::delivery::change::{
    Change, ChangeDraft, ChangeInput, ChangeOutcome, ChangePatch, ChangeRef, ChangeStatus,
    ChangeType, CompleteInput, Decision, DecisionInput, Design, IncidentLinkInput, NotAllowed,
    OVERRIDE_MAX, ReviewInput, ScheduleInput, is_major, needs_review, transition,
};
use steward_domain::delivery::change_policy::{ApprovalState, tally};
use steward_domain::delivery::ci::IMPACT_MAX_DEPTH;
use steward_domain::delivery::release::parse_number;
use steward_domain::foundation::page::{Page, PageRequest, micros, parse_instant};
use steward_domain::foundation::validation;
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::{Actor, FieldError, Invalid};
use steward_store::assurance::outages;
use steward_store::delivery::changes::{self, Assessed};
use steward_store::resolution::tickets;
use steward_store::{Tx, delivery::change_boards, delivery::cis, delivery::services};

impl From<NotAllowed> for AppError {
    fn from(e: NotAllowed) -> Self {
        let allowed = e.allowed.clone();
        let list = if allowed.is_empty() {
            "nothing, the status is final".to_owned()
        } else {
            allowed.join(", ")
        };
        AppError::TransitionNotAllowed {
            message: format!("{e}; allowed: {list}"),
            allowed,
        }
    }
}

async fn load(tx: &mut Tx, id: i64) -> Result<Change> {
    changes::get(tx.ex(), id)
        .await?
        .ok_or_else(|| AppError::not_found("change", id))
}

/// Risk from the questionnaire's answers, impact from the affected services and the CI
/// impact analysis (each affected CI's own service and the services of every CI depending on
/// it).
async fn assess(tx: &mut Tx, d: &ChangeDraft) -> Result<Assessed> {
    let q = questionnaire(tx.ex()).await?;
    let p = policy(tx.ex()).await?;
    let mut impacted: BTreeSet<i64> = d.service_ids.iter().copied().collect();
    for ci in &d.ci_ids {
        if let Some(ci) = cis::get(tx.ex(), *ci).await?
            && let Some(s) = ci.service_id
        {
            impacted.insert(s);
        }
        for row in cis::impact(tx.ex(), *ci, IMPACT_MAX_DEPTH).await? {
            if let Some(s) = row.service_id {
                impacted.insert(s);
            }
        }
    }
    // A standard change is pre-approved: its template stands for the risk assessment.
    let risk_score = if d.change_type == ChangeType::Standard {
        0
    } else {
        q.score(&d.risk_answers)
    };
    Ok(Assessed {
        impact: p.impact(impacted.len()),
        impacted_services: impacted.into_iter().collect(),
        risk_score,
        risk_level: q.level(risk_score),
    })
}

/// Every reference must exist and every answer fit the questionnaire; all gaps at once (422).
async fn check_refs(tx: &mut Tx, d: &ChangeDraft) -> Result<()> {
    let mut errors = Vec::new();
    let found = services::existing(tx.ex(), &d.service_ids).await?;
    let absent: Vec<String> = d
        .service_ids
        .iter()
        .filter(|i| !found.contains(i))
        .map(i64::to_string)
        .collect();
    if !absent.is_empty() {
        errors.push(FieldError::new(
            "service_ids",
            format!("no such services: {}", absent.join(", ")),
        ));
    }
    let mut missing = Vec::new();
    for ci in &d.ci_ids {
        if cis::get(tx.ex(), *ci).await?.is_none() {
            missing.push(ci.to_string());
        }
    }
    if !missing.is_empty() {
        errors.push(FieldError::new(
            "ci_ids",
            format!("no such CIs: {}", missing.join(", ")),
        ));
    }
    if let Err(e) = questionnaire(tx.ex()).await?.check_answers(&d.risk_answers) {
        errors.push(e);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(Invalid(errors)))
    }
}

impl App {
    pub async fn list_changes(
        &self,
        actor: &Actor,
        filter: changes::Filter,
        request: PageRequest,
    ) -> Result<Page<Change>> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        Ok(page(
            changes::list(conn.ex(), &filter, request).await?,
            request,
        ))
    }

    pub async fn get_change(&self, actor: &Actor, id: i64) -> Result<Change> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        let mut c = changes::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("change", id))?;
        c.conflicts = Some(conflicts_for(conn.ex(), id).await?);
        Ok(c)
    }

    /// Raises a change in `draft`. A standard change takes its category and plans from its
    /// template where the input leaves them out.
    pub async fn create_change(&self, actor: &Actor, input: ChangeInput) -> Result<Change> {
        may_work(actor)?;
        let mut draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if let Some(t) = draft.template_id {
            let template = change_boards::get_template(tx.ex(), t)
                .await?
                .filter(|t| t.active)
                .ok_or_else(|| {
                    AppError::invalid("template_id", format!("no active template with id {t}"))
                })?;
            draft.category = draft.category.or(template.category);
            draft.description = draft.description.or(template.description);
            draft.implementation_plan = draft
                .implementation_plan
                .or(Some(template.implementation_plan));
            draft.test_plan = draft.test_plan.or(Some(template.test_plan));
            draft.backout_plan = draft.backout_plan.or(Some(template.backout_plan));
        }
        check_refs(&mut tx, &draft).await?;
        let assessed = assess(&mut tx, &draft).await?;
        let number = changes::next_number(tx.ex()).await?;
        let id = changes::insert(tx.ex(), &number, &draft, &assessed, actor.user_id, now).await?;
        let mut created = load(&mut tx, id).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "change", id, "create", None, Some(&created)),
            now,
        )
        .await?;
        created.conflicts = Some(conflicts_for(tx.ex(), id).await?);
        tx.commit().await?;
        Ok(created)
    }

    /// Edits a draft, or a change in assessment (which then needs assessing again).
    pub async fn update_change(
        &self,
        actor: &Actor,
        id: i64,
        patch: ChangePatch,
    ) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        if !matches!(
            current.status,
            ChangeStatus::Draft | ChangeStatus::Assessment
        ) {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "a change that is {} can no longer be edited",
                    current.status.as_str()
                ),
            ));
        }
        let draft = patch.apply(&current)?;
        check_refs(&mut tx, &draft).await?;
        let assessed = assess(&mut tx, &draft).await?;
        changes::update(tx.ex(), id, &draft, &assessed, now).await?;
        if current.approval.state != ApprovalState::Pending {
            changes::clear_decisions(tx.ex(), id).await?;
            changes::set_approval(tx.ex(), id, ApprovalState::Pending, None, now).await?;
        }
        self.finish(tx, actor, current, "update", now).await
    }

    /// Draft → assessment, once the plans, window and risk answers are there (422 naming each
    /// gap).
    pub async fn submit_change(&self, actor: &Actor, id: i64) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let to = transition(current.status, ChangeStatus::Assessment)?;
        let draft = ChangeDraft::from(&current);
        let unanswered = questionnaire(tx.ex())
            .await?
            .unanswered(&draft.risk_answers);
        draft.check_submittable(&unanswered)?;
        changes::set_status(tx.ex(), id, to, now).await?;
        self.finish(tx, actor, current, "submit", now).await
    }

    /// Assesses risk and impact again and applies the change policy: no approval needed
    /// authorizes at once; otherwise the board of the policy is asked. A major change needs
    /// its service design and transition record first (409 naming `design`).
    pub async fn assess_change(&self, actor: &Actor, id: i64) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        if current.status != ChangeStatus::Assessment {
            transition(current.status, ChangeStatus::Authorized)?;
            return Err(AppError::conflict(
                Some("status"),
                "only a change in assessment is assessed",
            ));
        }
        let draft = ChangeDraft::from(&current);
        let assessed = assess(&mut tx, &draft).await?;
        changes::update(tx.ex(), id, &draft, &assessed, now).await?;
        if is_major(draft.service_change, assessed.impact) && current.design.is_none() {
            return Err(AppError::conflict(
                Some("design"),
                "a major change (a new or removed service, or major impact) needs its service \
                 design and transition record (PUT /api/v1/changes/{id}/design: requirements, \
                 design, acceptance criteria, transition plan) before authorization",
            ));
        }
        let p = policy(tx.ex()).await?;
        let board = match draft.change_type {
            ChangeType::Standard => None,
            ChangeType::Normal => p
                .normal
                .iter()
                .find(|n| n.risk_level == assessed.risk_level)
                .map(|n| (n.board_id, n.rule, n.quorum)),
            ChangeType::Emergency => {
                let b = change_boards::emergency_board(tx.ex())
                    .await?
                    .ok_or_else(|| {
                        AppError::conflict(
                            Some("change_type"),
                            "an emergency change needs the emergency board, and no board is \
                         flagged emergency",
                        )
                    })?;
                Some((b, p.emergency.rule, p.emergency.quorum))
            }
        };
        changes::clear_decisions(tx.ex(), id).await?;
        match board {
            None => {
                changes::set_approval(tx.ex(), id, ApprovalState::NotRequired, None, now).await?;
                changes::set_status(tx.ex(), id, ChangeStatus::Authorized, now).await?;
            }
            Some(b) => {
                if change_boards::get_board(tx.ex(), b.0).await?.is_none() {
                    return Err(AppError::conflict(
                        Some("board_id"),
                        format!(
                            "the change policy names board {}, which does not exist",
                            b.0
                        ),
                    ));
                }
                changes::set_approval(tx.ex(), id, ApprovalState::Requested, Some(b), now).await?;
            }
        }
        self.finish(tx, actor, current, "assess", now).await
    }

    /// A board member approves or rejects. A rejection rejects (the change is cancelled);
    /// reaching the board's rule authorizes.
    pub async fn decide_change(
        &self,
        actor: &Actor,
        id: i64,
        input: DecisionInput,
    ) -> Result<Change> {
        // Auditors stay read-only even when a board lists them.
        may_work(actor)?;
        let (decision, comment) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let (Some(board), Some(rule)) = (current.approval.board_id, current.approval.rule) else {
            return Err(AppError::conflict(
                Some("status"),
                "the change is not waiting for a board's approval",
            ));
        };
        if current.status != ChangeStatus::Assessment
            || current.approval.state != ApprovalState::Requested
        {
            return Err(AppError::conflict(
                Some("status"),
                "the change is not waiting for a board's approval",
            ));
        }
        let members = change_boards::members(tx.ex(), board).await?;
        let Some(user) = actor.user_id.filter(|u| members.contains(u)) else {
            return Err(AppError::Forbidden(
                "only members of the change's advisory board decide on it".into(),
            ));
        };
        if current.approval.decisions.iter().any(|d| d.user_id == user) {
            return Err(AppError::conflict(
                Some("decision"),
                "you have already decided on this change",
            ));
        }
        changes::insert_decision(tx.ex(), id, board, user, decision, comment.as_deref(), now)
            .await?;
        let approvals = current
            .approval
            .decisions
            .iter()
            .filter(|d| d.decision == Decision::Approve)
            .count()
            + usize::from(decision == Decision::Approve);
        let rejections = usize::from(decision == Decision::Reject);
        let state = tally(
            rule,
            current.approval.quorum,
            members.len(),
            approvals,
            rejections,
        );
        match state {
            ApprovalState::Approved => {
                changes::set_status(tx.ex(), id, ChangeStatus::Authorized, now).await?
            }
            ApprovalState::Rejected => {
                changes::set_status(tx.ex(), id, ChangeStatus::Cancelled, now).await?
            }
            _ => {}
        }
        changes::set_approval_state(tx.ex(), id, state, now).await?;
        self.finish(tx, actor, current, decision.as_str(), now)
            .await
    }

    /// Authorized → scheduled, optionally moving the planned window (end after start). A
    /// change with conflicts in its window needs an override reason (422 naming
    /// `override_reason` and listing them); the reason and the conflicts overridden are
    /// stored with the change and audited.
    pub async fn schedule_change(
        &self,
        actor: &Actor,
        id: i64,
        input: ScheduleInput,
    ) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let to = transition(current.status, ChangeStatus::Scheduled)?;
        let draft = ChangeDraft::from(&current);
        let mut e = validation::Errors::new();
        let mut at = |field: &str, given: Option<&str>, recorded: Option<i64>| match given {
            Some(v) => e.take(parse_instant(field, v)).map(micros),
            None => recorded,
        };
        let start = at(
            "planned_start",
            input.planned_start.as_deref(),
            draft.planned_start,
        );
        let end = at(
            "planned_end",
            input.planned_end.as_deref(),
            draft.planned_end,
        );
        let reason = e
            .take(validation::optional_text(
                "override_reason",
                input.override_reason.as_deref(),
                OVERRIDE_MAX,
            ))
            .flatten();
        e.finish()?;
        let (Some(start), Some(end)) = (start, end) else {
            return Err(AppError::invalid(
                "planned_start",
                "a change is scheduled with a planned start and end",
            ));
        };
        if end <= start {
            return Err(AppError::invalid(
                "planned_end",
                "must be after planned_start",
            ));
        }
        changes::set_window(tx.ex(), id, start, end, now).await?;
        changes::set_status(tx.ex(), id, to, now).await?;
        let found = conflicts_for(tx.ex(), id).await?;
        if !found.is_empty() && reason.is_none() {
            let list: Vec<&str> = found.iter().map(|c| c.description.as_str()).collect();
            return Err(AppError::invalid(
                "override_reason",
                format!(
                    "the change has {} conflict(s) in this window; scheduling over them needs \
                     an override reason: {}",
                    found.len(),
                    list.join("; ")
                ),
            ));
        }
        let reason = if found.is_empty() { None } else { reason };
        changes::set_override(tx.ex(), id, reason.as_deref(), &found).await?;
        self.finish(tx, actor, current, "schedule", now).await
    }

    /// Scheduled → implementing. A change with `planned_outage` opens a planned outage on
    /// each service it affects directly, starting now, in the same transaction (each outage
    /// audited too).
    pub async fn start_change(&self, actor: &Actor, id: i64) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let to = transition(current.status, ChangeStatus::Implementing)?;
        changes::set_status(tx.ex(), id, to, now).await?;
        if current.planned_outage {
            for service in &current.service_ids {
                let draft = OutageDraft {
                    kind: OutageKind::Planned,
                    start: now,
                    end: None,
                    incident_id: None,
                    note: Some(format!(
                        "Opened by change {}: {}",
                        current.number, current.title
                    )),
                };
                let outage = outages::insert(tx.ex(), *service, &draft, now).await?;
                changes::link_outage(tx.ex(), id, outage.id).await?;
                self.audit(
                    &mut tx,
                    change::<(), _>(actor, "outage", outage.id, "create", None, Some(&outage)),
                    now,
                )
                .await?;
            }
        }
        self.finish(tx, actor, current, "start", now).await
    }

    pub async fn cancel_change(&self, actor: &Actor, id: i64) -> Result<Change> {
        self.move_change(actor, id, ChangeStatus::Cancelled, "cancel")
            .await
    }

    /// Implementing → review, with the outcome.
    pub async fn complete_change(
        &self,
        actor: &Actor,
        id: i64,
        input: CompleteInput,
    ) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let to = transition(current.status, ChangeStatus::Review)?;
        changes::set_outcome(tx.ex(), id, input.outcome, now).await?;
        changes::set_status(tx.ex(), id, to, now).await?;
        // The planned outages the change opened end with it, whatever its outcome.
        for (outage, service) in changes::open_outages(tx.ex(), id).await? {
            let Some((before, mut draft)) = outages::get(tx.ex(), service, outage).await? else {
                continue;
            };
            draft.end = Some(now.max(draft.start));
            let after = outages::update(tx.ex(), outage, &draft, now).await?;
            self.audit(
                &mut tx,
                change(
                    actor,
                    "outage",
                    outage,
                    "update",
                    Some(&before),
                    Some(&after),
                ),
                now,
            )
            .await?;
        }
        self.finish(tx, actor, current, "complete", now).await
    }

    /// Records the post-implementation review of a change in review.
    pub async fn review_change(
        &self,
        actor: &Actor,
        id: i64,
        input: ReviewInput,
    ) -> Result<Change> {
        may_work(actor)?;
        let (notes, outcome) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        if current.status != ChangeStatus::Review {
            return Err(AppError::conflict(
                Some("status"),
                "a post-implementation review is recorded once the change is in review",
            ));
        }
        changes::set_review(tx.ex(), id, &notes, &outcome, now).await?;
        self.finish(tx, actor, current, "review", now).await
    }

    /// Review → closed; failed, backed-out and emergency changes need their review first.
    pub async fn close_change(&self, actor: &Actor, id: i64) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let to = transition(current.status, ChangeStatus::Closed)?;
        if needs_review(current.change_type, current.outcome) && current.review.is_none() {
            let why = match current.outcome {
                Some(ChangeOutcome::Failed) => "a failed change",
                Some(ChangeOutcome::BackedOut) => "a backed-out change",
                _ => "an emergency change",
            };
            return Err(AppError::conflict(
                Some("review"),
                format!(
                    "{why} needs its post-implementation review \
                     (POST /api/v1/changes/{id}/review) before closure"
                ),
            ));
        }
        changes::set_status(tx.ex(), id, to, now).await?;
        self.finish(tx, actor, current, "close", now).await
    }

    /// Writes the service design and transition record (8.5.2) of a change not yet
    /// authorized.
    pub async fn put_change_design(&self, actor: &Actor, id: i64, input: Design) -> Result<Change> {
        may_work(actor)?;
        let design = input.validate()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        if !matches!(
            current.status,
            ChangeStatus::Draft | ChangeStatus::Assessment
        ) {
            return Err(AppError::conflict(
                Some("status"),
                "the design and transition record is written before authorization",
            ));
        }
        changes::put_design(tx.ex(), id, &design, actor.user_id, now).await?;
        self.finish(tx, actor, current, "design", now).await
    }

    /// Records that an incident was caused by this change.
    pub async fn link_change_incident(
        &self,
        actor: &Actor,
        id: i64,
        input: IncidentLinkInput,
    ) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let incident = match (input.incident_id, input.incident_number.as_deref()) {
            (Some(i), None) => {
                tickets::get(tx.ex(), TicketKind::Incident, i)
                    .await?
                    .ok_or_else(|| {
                        AppError::invalid("incident_id", format!("no incident with id {i}"))
                    })?
                    .id
            }
            (None, Some(n)) => {
                let number = parse_number("INC-", n)
                    .map(|seq| TicketKind::Incident.number(seq))
                    .ok_or_else(|| {
                        AppError::invalid(
                            "incident_number",
                            "write an incident number, for example INC-000001",
                        )
                    })?;
                tickets::by_numbers(tx.ex(), std::slice::from_ref(&number))
                    .await?
                    .into_iter()
                    .find(|t| t.kind == TicketKind::Incident && t.number == number)
                    .ok_or_else(|| {
                        AppError::invalid("incident_number", format!("no incident {number}"))
                    })?
                    .id
            }
            _ => {
                return Err(AppError::invalid(
                    "incident_number",
                    "name the incident by its number (or incident_id), one of them",
                ));
            }
        };
        changes::link_incident(tx.ex(), id, incident, now).await?;
        self.finish(tx, actor, current, "link_incident", now).await
    }

    /// The change an incident is recorded as caused by, if any.
    pub async fn change_of_incident(
        &self,
        actor: &Actor,
        incident: i64,
    ) -> Result<Option<ChangeRef>> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        Ok(changes::change_of_incident(conn.ex(), incident).await?)
    }

    /// A plain lifecycle move.
    async fn move_change(
        &self,
        actor: &Actor,
        id: i64,
        to: ChangeStatus,
        action: &str,
    ) -> Result<Change> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let to = transition(current.status, to)?;
        changes::set_status(tx.ex(), id, to, now).await?;
        self.finish(tx, actor, current, action, now).await
    }

    /// Reads the change after a command, writes the audit entry and commits; the answer
    /// carries the change's conflicts as they are now.
    async fn finish(
        &self,
        mut tx: Tx,
        actor: &Actor,
        before: Change,
        action: &str,
        now: i64,
    ) -> Result<Change> {
        let mut after = load(&mut tx, before.id).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "change",
                before.id,
                action,
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        after.conflicts = Some(conflicts_for(tx.ex(), before.id).await?);
        tx.commit().await?;
        Ok(after)
    }
}
