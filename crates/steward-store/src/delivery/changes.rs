//! Change records (8.5.1) with their affected services and CIs, risk answers, decisions,
//! design and transition record (8.5.2) and the incidents they caused.
use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::delivery::change::{
    ApprovalStatus, Change, ChangeDraft, ChangeOutcome, ChangeRef, ChangeStatus, ChangeType,
    Decision, DecisionRecord, Design, IncidentRef, Review, RiskAnswer, ServiceChange, is_major,
    number,
};
use steward_domain::delivery::change_conflict::Conflict;
use steward_domain::delivery::change_policy::{
    ApprovalRule, ApprovalState, ImpactLevel, RiskLevel,
};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    number: String,
    change_type: String,
    template_id: Option<i64>,
    category: Option<String>,
    title: String,
    description: Option<String>,
    justification: Option<String>,
    service_change: String,
    impact: String,
    impacted_services: String,
    risk_score: i64,
    risk_level: String,
    implementation_plan: Option<String>,
    test_plan: Option<String>,
    backout_plan: Option<String>,
    planned_start: Option<i64>,
    planned_end: Option<i64>,
    status: String,
    approval: String,
    board_id: Option<i64>,
    approval_rule: Option<String>,
    approval_quorum: Option<i64>,
    outcome: Option<String>,
    pir_notes: Option<String>,
    pir_outcome: Option<String>,
    pir_at: Option<i64>,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    started_at: Option<i64>,
    completed_at: Option<i64>,
    closed_at: Option<i64>,
    planned_outage: bool,
    override_reason: Option<String>,
    overridden_conflicts: Option<String>,
    team_id: Option<i64>,
}

const COLUMNS: &str = "id, number, change_type, template_id, category, title, description,
    justification, service_change, impact, impacted_services, risk_score, risk_level,
    implementation_plan, test_plan, backout_plan, planned_start, planned_end, status, approval,
    board_id, approval_rule, approval_quorum, outcome, pir_notes, pir_outcome, pir_at,
    created_by, created_at, updated_at, started_at, completed_at, closed_at, planned_outage,
    override_reason, overridden_conflicts, team_id";

/// What the app computes for a change before saving it.
#[derive(Debug, Clone)]
pub struct Assessed {
    pub impact: ImpactLevel,
    pub impacted_services: Vec<i64>,
    pub risk_score: i64,
    pub risk_level: RiskLevel,
}

/// The related rows a change is read with.
#[derive(Default)]
struct Parts {
    service_ids: Vec<i64>,
    ci_ids: Vec<i64>,
    answers: Vec<RiskAnswer>,
    decisions: Vec<DecisionRecord>,
    design: Option<Design>,
    incidents: Vec<IncidentRef>,
    outages: Vec<i64>,
}

impl Row {
    fn into_change(self, p: Parts) -> Change {
        // The CHECK constraints and the app admit only known values.
        let status = ChangeStatus::parse(&self.status).unwrap_or(ChangeStatus::Draft);
        let service_change =
            ServiceChange::parse(&self.service_change).unwrap_or(ServiceChange::None);
        let impact = ImpactLevel::parse(&self.impact).unwrap_or(ImpactLevel::Low);
        let review = match (self.pir_notes, self.pir_outcome, self.pir_at) {
            (Some(notes), Some(outcome), Some(at)) => Some(Review {
                notes,
                outcome,
                at: rfc3339_micros(at),
            }),
            _ => None,
        };
        Change {
            id: self.id,
            number: self.number,
            change_type: ChangeType::parse(&self.change_type).unwrap_or(ChangeType::Normal),
            template_id: self.template_id,
            category: self.category,
            title: self.title,
            description: self.description,
            justification: self.justification,
            service_change,
            service_ids: p.service_ids,
            ci_ids: p.ci_ids,
            impact,
            impacted_service_ids: serde_json::from_str(&self.impacted_services).unwrap_or_default(),
            major: is_major(service_change, impact),
            risk_answers: p.answers,
            risk_score: self.risk_score,
            risk_level: RiskLevel::parse(&self.risk_level).unwrap_or(RiskLevel::Low),
            implementation_plan: self.implementation_plan,
            test_plan: self.test_plan,
            backout_plan: self.backout_plan,
            planned_start: self.planned_start.map(rfc3339_micros),
            planned_end: self.planned_end.map(rfc3339_micros),
            status,
            allowed_next: status.allowed_next().to_vec(),
            approval: ApprovalStatus {
                state: ApprovalState::parse(&self.approval).unwrap_or(ApprovalState::Pending),
                board_id: self.board_id,
                rule: self.approval_rule.as_deref().and_then(ApprovalRule::parse),
                quorum: self.approval_quorum,
                decisions: p.decisions,
            },
            design: p.design,
            outcome: self.outcome.as_deref().and_then(ChangeOutcome::parse),
            review,
            caused_incident_ids: p.incidents.iter().map(|i| i.id).collect(),
            caused_incidents: p.incidents,
            planned_outage: self.planned_outage,
            outage_ids: p.outages,
            team_id: self.team_id,
            created_by: self.created_by,
            created_at: rfc3339_micros(self.created_at),
            updated_at: rfc3339_micros(self.updated_at),
            started_at: self.started_at.map(rfc3339_micros),
            completed_at: self.completed_at.map(rfc3339_micros),
            closed_at: self.closed_at.map(rfc3339_micros),
            conflicts: None,
            override_reason: self.override_reason,
            overridden_conflicts: self
                .overridden_conflicts
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default(),
        }
    }
}

/// Takes the next CHG number from the shared counter table; the row stays locked until the
/// transaction ends, so numbers are gap-free across nodes.
pub async fn next_number(ex: Ex<'_>) -> Result<String> {
    let seq: i64 = on!(ex, c => sqlx::query_scalar(
        "UPDATE ticket_counters SET last = last + 1 WHERE kind = 'change' RETURNING last")
        .fetch_one(c).await)?;
    Ok(number(seq))
}

pub async fn insert(
    mut ex: Ex<'_>,
    number: &str,
    d: &ChangeDraft,
    a: &Assessed,
    created_by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let impacted = serde_json::to_string(&a.impacted_services).unwrap_or_default();
    let id: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO changes (number, change_type, template_id, category, title, description,
           justification, service_change, impact, impacted_services, risk_score, risk_level,
           implementation_plan, test_plan, backout_plan, planned_start, planned_end, status,
           approval, created_by, created_at, updated_at, planned_outage)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
           'draft', 'pending', $18, $19, $19, $20)
         RETURNING id")
        .bind(number).bind(d.change_type.as_str()).bind(d.template_id).bind(&d.category)
        .bind(&d.title).bind(&d.description).bind(&d.justification)
        .bind(d.service_change.as_str()).bind(a.impact.as_str()).bind(impacted)
        .bind(a.risk_score).bind(a.risk_level.as_str()).bind(&d.implementation_plan)
        .bind(&d.test_plan).bind(&d.backout_plan).bind(d.planned_start).bind(d.planned_end)
        .bind(created_by).bind(now).bind(d.planned_outage)
        .fetch_one(c).await)?;
    write_links(ex, id, d).await?;
    Ok(id)
}

pub async fn update(
    mut ex: Ex<'_>,
    id: i64,
    d: &ChangeDraft,
    a: &Assessed,
    now: i64,
) -> Result<()> {
    let impacted = serde_json::to_string(&a.impacted_services).unwrap_or_default();
    on!(ex.by_ref(), c => sqlx::query(
        "UPDATE changes SET category = $2, title = $3, description = $4, justification = $5,
           service_change = $6, impact = $7, impacted_services = $8, risk_score = $9,
           risk_level = $10, implementation_plan = $11, test_plan = $12, backout_plan = $13,
           planned_start = $14, planned_end = $15, updated_at = $16, planned_outage = $17
         WHERE id = $1")
        .bind(id).bind(&d.category).bind(&d.title).bind(&d.description).bind(&d.justification)
        .bind(d.service_change.as_str()).bind(a.impact.as_str()).bind(impacted)
        .bind(a.risk_score).bind(a.risk_level.as_str()).bind(&d.implementation_plan)
        .bind(&d.test_plan).bind(&d.backout_plan).bind(d.planned_start).bind(d.planned_end)
        .bind(now).bind(d.planned_outage)
        .execute(c).await.map(|_| ()))?;
    on!(ex.by_ref(), c => sqlx::query("DELETE FROM change_services WHERE change_id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    on!(ex.by_ref(), c => sqlx::query("DELETE FROM change_cis WHERE change_id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    on!(ex.by_ref(), c => sqlx::query("DELETE FROM change_risk_answers WHERE change_id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    write_links(ex, id, d).await
}

async fn write_links(mut ex: Ex<'_>, id: i64, d: &ChangeDraft) -> Result<()> {
    for s in &d.service_ids {
        on!(ex.by_ref(), c => sqlx::query(
            "INSERT INTO change_services (change_id, service_id) VALUES ($1, $2)")
            .bind(id).bind(*s).execute(c).await.map(|_| ()))?;
    }
    for ci in &d.ci_ids {
        on!(ex.by_ref(), c => sqlx::query(
            "INSERT INTO change_cis (change_id, ci_id) VALUES ($1, $2)")
            .bind(id).bind(*ci).execute(c).await.map(|_| ()))?;
    }
    for (key, answer) in &d.risk_answers {
        on!(ex.by_ref(), c => sqlx::query(
            "INSERT INTO change_risk_answers (change_id, question_key, answer) VALUES ($1, $2, $3)")
            .bind(id).bind(key).bind(*answer).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Moves the status, stamping the instant that goes with it.
pub async fn set_status(ex: Ex<'_>, id: i64, status: ChangeStatus, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE changes SET status = $2, updated_at = $3,
           started_at = CASE WHEN $2 = 'implementing' THEN $3 ELSE started_at END,
           completed_at = CASE WHEN $2 = 'review' THEN $3 ELSE completed_at END,
           closed_at = CASE WHEN $2 IN ('closed', 'cancelled') THEN $3 ELSE closed_at END
         WHERE id = $1")
        .bind(id).bind(status.as_str()).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_approval(
    ex: Ex<'_>,
    id: i64,
    state: ApprovalState,
    board: Option<(i64, ApprovalRule, Option<i64>)>,
    now: i64,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE changes SET approval = $2, board_id = $3, approval_rule = $4,
           approval_quorum = $5, updated_at = $6 WHERE id = $1")
        .bind(id).bind(state.as_str()).bind(board.map(|b| b.0))
        .bind(board.map(|b| b.1.as_str())).bind(board.and_then(|b| b.2)).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Only the approval state (decisions keep the board and rule).
pub async fn set_approval_state(ex: Ex<'_>, id: i64, state: ApprovalState, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE changes SET approval = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(state.as_str()).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_window(ex: Ex<'_>, id: i64, start: i64, end: i64, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE changes SET planned_start = $2, planned_end = $3, updated_at = $4 WHERE id = $1")
        .bind(id).bind(start).bind(end).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Records the reason a change was scheduled over its conflicts, and those conflicts (or
/// clears both when it was scheduled without any).
pub async fn set_override(
    ex: Ex<'_>,
    id: i64,
    reason: Option<&str>,
    conflicts: &[Conflict],
) -> Result<()> {
    let json =
        (!conflicts.is_empty()).then(|| serde_json::to_string(conflicts).unwrap_or_default());
    on!(ex, c => sqlx::query(
        "UPDATE changes SET override_reason = $2, overridden_conflicts = $3 WHERE id = $1")
        .bind(id).bind(reason).bind(json)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_outcome(ex: Ex<'_>, id: i64, outcome: ChangeOutcome, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE changes SET outcome = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(outcome.as_str()).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_review(ex: Ex<'_>, id: i64, notes: &str, outcome: &str, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE changes SET pir_notes = $2, pir_outcome = $3, pir_at = $4, updated_at = $4
         WHERE id = $1")
        .bind(id).bind(notes).bind(outcome).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn insert_decision(
    ex: Ex<'_>,
    change: i64,
    board: i64,
    user: i64,
    decision: Decision,
    comment: Option<&str>,
    now: i64,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO change_decisions (change_id, board_id, user_id, decision, comment, at)
         VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(change).bind(board).bind(user).bind(decision.as_str()).bind(comment).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Forgets earlier decisions when a change is assessed again.
pub async fn clear_decisions(ex: Ex<'_>, change: i64) -> Result<()> {
    on!(ex, c => sqlx::query("DELETE FROM change_decisions WHERE change_id = $1")
        .bind(change).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn put_design(
    ex: Ex<'_>,
    change: i64,
    d: &Design,
    by: Option<i64>,
    now: i64,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO change_designs (change_id, requirements, design, acceptance_criteria,
           transition_plan, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (change_id) DO UPDATE SET requirements = excluded.requirements,
           design = excluded.design, acceptance_criteria = excluded.acceptance_criteria,
           transition_plan = excluded.transition_plan, updated_by = excluded.updated_by,
           updated_at = excluded.updated_at")
        .bind(change).bind(&d.requirements).bind(&d.design).bind(&d.acceptance_criteria)
        .bind(&d.transition_plan).bind(by).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Records that an incident was caused by a change (one change per incident; a new link
/// replaces the old).
pub async fn link_incident(ex: Ex<'_>, change: i64, ticket: i64, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO change_incidents (ticket_id, change_id, linked_at) VALUES ($1, $2, $3)
         ON CONFLICT (ticket_id) DO UPDATE SET change_id = excluded.change_id,
           linked_at = excluded.linked_at")
        .bind(ticket).bind(change).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The change an incident is recorded as caused by.
pub async fn change_of_incident(ex: Ex<'_>, ticket: i64) -> Result<Option<ChangeRef>> {
    let row: Option<(i64, String, String, String)> = on!(ex, c => sqlx::query_as(
        "SELECT ch.id, ch.number, ch.title, ch.status FROM change_incidents ci
         JOIN changes ch ON ch.id = ci.change_id WHERE ci.ticket_id = $1")
        .bind(ticket).fetch_optional(c).await)?;
    Ok(row.map(|(id, number, title, status)| ChangeRef {
        id,
        number,
        title,
        // The CHECK-free status column holds only what the app wrote.
        status: ChangeStatus::parse(&status).unwrap_or(ChangeStatus::Draft),
    }))
}

/// Records that the change opened this planned outage.
pub async fn link_outage(ex: Ex<'_>, change: i64, outage: i64) -> Result<()> {
    on!(ex, c => sqlx::query("INSERT INTO change_outages (outage_id, change_id) VALUES ($1, $2)")
        .bind(outage).bind(change).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The change an outage was opened by, if any.
pub async fn change_of_outage(ex: Ex<'_>, outage: i64) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT change_id FROM change_outages WHERE outage_id = $1")
        .bind(outage).fetch_optional(c).await)?)
}

/// A change completed in a report's period: its outcome, type, when it was raised and
/// completed, and how many incidents it caused.
#[derive(Debug, Clone)]
pub struct Completed {
    pub outcome: ChangeOutcome,
    pub change_type: ChangeType,
    pub created_at: i64,
    pub completed_at: i64,
    pub incidents: i64,
}

/// What the changes report reads over `[from, to)`, optionally only changes affecting one
/// service directly: the changes completed in it, and (type, created) of those raised in it.
pub async fn report_rows(
    mut ex: Ex<'_>,
    from: i64,
    to: i64,
    service: Option<i64>,
) -> Result<(Vec<Completed>, Vec<(ChangeType, i64)>)> {
    let scope =
        "($3 IS NULL OR id IN (SELECT change_id FROM change_services WHERE service_id = $3))";
    let completed: Vec<(String, String, i64, i64, i64)> = on!(ex.by_ref(), c => sqlx::query_as(
        sqlx::AssertSqlSafe(format!(
        "SELECT outcome, change_type, created_at, completed_at,
           (SELECT COUNT(*) FROM change_incidents ci WHERE ci.change_id = changes.id)
         FROM changes WHERE completed_at >= $1 AND completed_at < $2 AND outcome IS NOT NULL
           AND {scope}")))
        .bind(from).bind(to).bind(service).fetch_all(c).await)?;
    let raised: Vec<(String, i64)> = on!(ex, c => sqlx::query_as(
        sqlx::AssertSqlSafe(format!(
        "SELECT change_type, created_at FROM changes
         WHERE created_at >= $1 AND created_at < $2 AND {scope}")))
        .bind(from).bind(to).bind(service).fetch_all(c).await)?;
    let completed = completed
        .into_iter()
        .filter_map(|(outcome, kind, created_at, completed_at, incidents)| {
            Some(Completed {
                outcome: ChangeOutcome::parse(&outcome)?,
                change_type: ChangeType::parse(&kind)?,
                created_at,
                completed_at,
                incidents,
            })
        })
        .collect();
    let raised = raised
        .into_iter()
        .filter_map(|(kind, at)| Some((ChangeType::parse(&kind)?, at)))
        .collect();
    Ok((completed, raised))
}

pub async fn get(mut ex: Ex<'_>, id: i64) -> Result<Option<Change>> {
    let sql = format!("SELECT {COLUMNS} FROM changes WHERE id = $1");
    let row: Option<Row> = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    let Some(row) = row else { return Ok(None) };
    let parts = parts(ex, id).await?;
    Ok(Some(row.into_change(parts)))
}

async fn parts(mut ex: Ex<'_>, id: i64) -> Result<Parts> {
    let service_ids: Vec<i64> = on!(ex.by_ref(), c => sqlx::query_scalar(
        "SELECT service_id FROM change_services WHERE change_id = $1 ORDER BY service_id")
        .bind(id).fetch_all(c).await)?;
    let ci_ids: Vec<i64> = on!(ex.by_ref(), c => sqlx::query_scalar(
        "SELECT ci_id FROM change_cis WHERE change_id = $1 ORDER BY ci_id")
        .bind(id).fetch_all(c).await)?;
    let answers: Vec<(String, i64)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT question_key, answer FROM change_risk_answers WHERE change_id = $1
         ORDER BY question_key")
        .bind(id).fetch_all(c).await)?;
    let decisions: Vec<(i64, String, Option<String>, i64)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT user_id, decision, comment, at FROM change_decisions WHERE change_id = $1
         ORDER BY id")
        .bind(id).fetch_all(c).await)?;
    let design: Option<(String, String, String, String)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT requirements, design, acceptance_criteria, transition_plan FROM change_designs
         WHERE change_id = $1")
        .bind(id).fetch_optional(c).await)?;
    let incidents: Vec<(i64, String, String, String)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT t.id, t.number, t.title, t.status FROM change_incidents ci
         JOIN tickets t ON t.id = ci.ticket_id WHERE ci.change_id = $1 ORDER BY t.id")
        .bind(id).fetch_all(c).await)?;
    let outages: Vec<i64> = on!(ex, c => sqlx::query_scalar(
        "SELECT outage_id FROM change_outages WHERE change_id = $1 ORDER BY outage_id")
        .bind(id).fetch_all(c).await)?;
    Ok(Parts {
        service_ids,
        ci_ids,
        answers: answers
            .into_iter()
            .map(|(question, answer)| RiskAnswer { question, answer })
            .collect(),
        decisions: decisions
            .into_iter()
            .map(|(user_id, decision, comment, at)| DecisionRecord {
                user_id,
                decision: Decision::parse(&decision).unwrap_or(Decision::Reject),
                comment,
                at: rfc3339_micros(at),
            })
            .collect(),
        design: design.map(
            |(requirements, design, acceptance_criteria, transition_plan)| Design {
                requirements,
                design,
                acceptance_criteria,
                transition_plan,
            },
        ),
        incidents: incidents
            .into_iter()
            .map(|(id, number, title, status)| IncidentRef {
                id,
                number,
                title,
                status,
            })
            .collect(),
        outages,
    })
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<ChangeStatus>,
    pub change_type: Option<ChangeType>,
    pub risk_level: Option<RiskLevel>,
    pub service: Option<i64>,
    pub q: Option<String>,
}

/// A page of changes, newest first, each read with its parts.
pub async fn list(mut ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<Change>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("status =", f.status.map(|s| s.as_str()));
    filter.and_opt("change_type =", f.change_type.map(|s| s.as_str()));
    filter.and_opt("risk_level =", f.risk_level.map(|s| s.as_str()));
    filter.and_opt(
        "id IN (SELECT change_id FROM change_services WHERE service_id =",
        f.service,
    );
    if f.service.is_some() {
        filter.push(")");
    }
    filter.and_contains("title", f.q.as_deref());
    let select = format!("SELECT {COLUMNS} FROM changes");
    let listing = Listing::new(&select, "FROM changes", filter, "id DESC", page);
    let (rows, total) = fetch_listing!(ex.by_ref(), listing, Row)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let p = parts(ex.by_ref(), row.id).await?;
        out.push(row.into_change(p));
    }
    Ok((out, total))
}

/// The id of the change with this number.
pub async fn id_of_number(ex: Ex<'_>, number: &str) -> Result<Option<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT id FROM changes WHERE number = $1")
        .bind(number).fetch_optional(c).await)?,
    )
}

/// The outages a change opened that are still open: (outage, service).
pub async fn open_outages(ex: Ex<'_>, change: i64) -> Result<Vec<(i64, i64)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT o.id, o.service_id FROM change_outages co JOIN outages o ON o.id = co.outage_id
         WHERE co.change_id = $1 AND o.end_at IS NULL ORDER BY o.id")
        .bind(change).fetch_all(c).await)?)
}
