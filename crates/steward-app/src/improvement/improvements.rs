//! The improvement register: staff propose and score opportunities; managers decide them with
//! a reason, own them against an objective and a target, and after implementation measure the
//! result with the figures the reports compute for a period before and one after.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use jiff::tz::TimeZone;
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::opportunity::{
    ImprovementSettings, Link, LinkKind, MeasureInput, Measurement, Metric, Opportunity,
    OpportunityInput, OpportunityStatus,
};
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::{Actor, Permission};
use steward_store::improvement::{complaints, improvements};
use steward_store::resolution::tickets;
use steward_store::{Ex, Tx};

pub(crate) const SETTINGS: &str = "improvement_settings";

pub(crate) async fn settings(ex: Ex<'_>) -> Result<ImprovementSettings> {
    crate::foundation::settings::read(ex, SETTINGS).await
}

/// Midnight UTC of a date, in microseconds.
pub(crate) fn day_start(d: jiff::civil::Date) -> Result<i64> {
    d.to_zoned_datetime(TimeZone::UTC)
        .map(|z| z.timestamp().as_microsecond())
        .map_err(|e| AppError::Internal(e.to_string()))
}

impl App {
    /// Checks that each linked record exists (422 naming `links` otherwise).
    async fn check_links(&self, tx: &mut Tx, links: &[Link]) -> Result<()> {
        for l in links {
            let found = match l.kind {
                LinkKind::Incident => tickets::get(tx.ex(), TicketKind::Incident, l.id)
                    .await?
                    .is_some(),
                LinkKind::Request => tickets::get(tx.ex(), TicketKind::Request, l.id)
                    .await?
                    .is_some(),
                LinkKind::Problem => tickets::get(tx.ex(), TicketKind::Problem, l.id)
                    .await?
                    .is_some(),
                LinkKind::Sla => {
                    steward_store::service_level::slas::get(tx.ex(), l.id, self.today())
                        .await?
                        .is_some()
                }
                LinkKind::Service => steward_store::delivery::services::get(tx.ex(), l.id)
                    .await?
                    .is_some(),
                LinkKind::Complaint => complaints::get(tx.ex(), l.id).await?.is_some(),
            };
            if !found {
                return Err(AppError::invalid(
                    "links",
                    format!("no {} with id {}", l.kind.as_str(), l.id),
                ));
            }
        }
        Ok(())
    }

    pub async fn propose_improvement(
        &self,
        actor: &Actor,
        input: OpportunityInput,
    ) -> Result<Opportunity> {
        require(actor, Permission::ProposeImprovements)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let settings = settings(tx.ex()).await?;
        let draft = input.apply(None, &settings)?;
        if let Some(owner) = draft.owner_id {
            require_staff_user(tx.ex(), "owner_id", owner).await?;
        }
        self.check_links(&mut tx, &draft.links).await?;
        let made = self.insert_improvement(&mut tx, actor, &draft, now).await?;
        tx.commit().await?;
        made.ok_or_else(|| AppError::Internal("the new improvement vanished".into()))
    }

    /// Inserts an opportunity with its audit entry; one already raised under the same
    /// `source_key` is left alone (None).
    pub(crate) async fn insert_improvement(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        draft: &Opportunity,
        now: i64,
    ) -> Result<Option<Opportunity>> {
        let Some(mut made) = improvements::insert(tx.ex(), draft, now).await? else {
            return Ok(None);
        };
        made.score = settings(tx.ex()).await?.score(&made.scores);
        self.audit(
            tx,
            change::<(), _>(actor, "improvement", made.id, "create", None, Some(&made)),
            now,
        )
        .await?;
        Ok(Some(made))
    }

    /// The register, best score first among those still to decide or under way (their rank),
    /// then the rest newest first.
    pub async fn list_improvements(
        &self,
        actor: &Actor,
        status: Option<OpportunityStatus>,
    ) -> Result<Vec<Opportunity>> {
        require(actor, Permission::ReadImprovements)?;
        let mut conn = self.db.read().await?;
        let settings = settings(conn.ex()).await?;
        let mut list = improvements::list(conn.ex(), status).await?;
        for o in &mut list {
            o.score = settings.score(&o.scores);
        }
        let active = |o: &Opportunity| {
            !matches!(
                o.status,
                OpportunityStatus::Rejected | OpportunityStatus::Closed
            )
        };
        list.sort_by(|a, b| {
            active(b)
                .cmp(&active(a))
                .then(b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)))
                .then(b.id.cmp(&a.id))
        });
        Ok(list)
    }

    pub async fn get_improvement(&self, actor: &Actor, id: i64) -> Result<Opportunity> {
        require(actor, Permission::ReadImprovements)?;
        let mut conn = self.db.read().await?;
        let mut o = improvements::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("improvement", id))?;
        o.score = settings(conn.ex()).await?.score(&o.scores);
        Ok(o)
    }

    /// Edits, scores, decides (approved, rejected, deferred: with a reason; managers only) or
    /// moves an opportunity on.
    pub async fn update_improvement(
        &self,
        actor: &Actor,
        id: i64,
        input: OpportunityInput,
    ) -> Result<Opportunity> {
        require(actor, Permission::ProposeImprovements)?;
        let deciding = input.status.is_some()
            || input.decision_reason.is_some()
            || input.owner_id.is_some()
            || input.target_value.is_some();
        if deciding {
            require(actor, Permission::ManageImprovements)?;
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let settings = settings(tx.ex()).await?;
        let before = improvements::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("improvement", id))?;
        let mut next = input.apply(Some(&before), &settings)?;
        if next.owner_id != before.owner_id
            && let Some(owner) = next.owner_id
        {
            require_staff_user(tx.ex(), "owner_id", owner).await?;
        }
        if next.links != before.links {
            self.check_links(&mut tx, &next.links).await?;
        }
        let decided = next.status != before.status
            && matches!(
                next.status,
                OpportunityStatus::Approved
                    | OpportunityStatus::Rejected
                    | OpportunityStatus::Deferred
            )
            && matches!(
                before.status,
                OpportunityStatus::Proposed | OpportunityStatus::Deferred
            );
        let decided_at = if decided {
            next.decided_by = actor.user_id;
            Some(now)
        } else {
            before
                .decided_at
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| t.as_microsecond())
        };
        let mut after = improvements::update(tx.ex(), &next, decided_at, now).await?;
        after.score = settings.score(&after.scores);
        let action = if decided { "decide" } else { "update" };
        self.audit(
            &mut tx,
            change(
                actor,
                "improvement",
                id,
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

    /// Measures the result of an approved or implemented improvement: the metric over the
    /// period before and the period after, against its target.
    pub async fn measure_improvement(
        &self,
        actor: &Actor,
        id: i64,
        input: MeasureInput,
    ) -> Result<Opportunity> {
        require(actor, Permission::ManageImprovements)?;
        let now = self.now();
        let current = self.get_improvement(actor, id).await?;
        if !matches!(
            current.status,
            OpportunityStatus::Approved | OpportunityStatus::Implemented
        ) {
            return Err(AppError::conflict(
                Some("status"),
                "only an approved or implemented improvement is measured",
            ));
        }
        let (metric, subject, (bf, bt), (af, at)) = input.parse(current.metric)?;
        let (bf, bt, af, at) = (
            day_start(bf)?,
            day_start(bt)?,
            day_start(af)?,
            day_start(at)?,
        );
        if at > now {
            return Err(AppError::invalid(
                "after_to",
                "the period after has not ended yet",
            ));
        }
        let before_value = self.figure(actor, metric, subject, bf, bt).await?;
        let after_value = self.figure(actor, metric, subject, af, at).await?;
        let measurement = Measurement {
            metric,
            subject_id: subject,
            before_from: rfc3339_micros(bf),
            before_to: rfc3339_micros(bt),
            before_value,
            after_from: rfc3339_micros(af),
            after_to: rfc3339_micros(at),
            after_value,
            target_value: current.target_value,
            achieved: match (after_value, current.target_value) {
                (Some(a), Some(t)) => Some(a >= t),
                _ => None,
            },
            measured_at: rfc3339_micros(now),
        };
        let mut tx = self.db.begin().await?;
        let before = improvements::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("improvement", id))?;
        let next = Opportunity {
            measurement: Some(measurement),
            metric: Some(metric),
            ..before.clone()
        };
        let decided_at = before
            .decided_at
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_microsecond());
        let mut after = improvements::update(tx.ex(), &next, decided_at, now).await?;
        after.score = settings(tx.ex()).await?.score(&after.scores);
        self.audit(
            &mut tx,
            change(
                actor,
                "improvement",
                id,
                "measure",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// One figure as the reports compute it; none when the period had nothing to measure.
    async fn figure(
        &self,
        actor: &Actor,
        metric: Metric,
        subject: i64,
        from: i64,
        to: i64,
    ) -> Result<Option<f64>> {
        match metric {
            Metric::Availability => Ok(self
                .service_availability(actor, subject, from, to)
                .await
                .map_err(|e| match e {
                    AppError::NotFound { .. } => {
                        AppError::invalid("subject_id", format!("no service with id {subject}"))
                    }
                    other => other,
                })?
                .figures
                .availability_percent),
            Metric::SlaCompliance => {
                let mut conn = self.db.read().await?;
                if steward_store::service_level::slas::get(conn.ex(), subject, self.today())
                    .await?
                    .is_none()
                {
                    return Err(AppError::invalid(
                        "subject_id",
                        format!("no SLA with id {subject}"),
                    ));
                }
                let (met, breached) =
                    improvements::sla_resolution_verdicts(conn.ex(), subject, from, to).await?;
                Ok((met + breached > 0).then(|| {
                    (met as f64 * 100.0 / (met + breached) as f64 * 10_000.0).round() / 10_000.0
                }))
            }
        }
    }

    pub async fn improvement_settings(&self, actor: &Actor) -> Result<ImprovementSettings> {
        require(actor, Permission::ReadImprovements)?;
        let mut conn = self.db.read().await?;
        settings(conn.ex()).await
    }

    pub async fn set_improvement_settings(
        &self,
        actor: &Actor,
        s: ImprovementSettings,
    ) -> Result<ImprovementSettings> {
        require(actor, Permission::ManageImprovements)?;
        s.check()?;
        self.replace_setting(actor, SETTINGS, &s).await?;
        Ok(s)
    }
}
