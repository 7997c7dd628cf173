//! Service continuity (8.7.2): continuity plans in versions, their approval, their tests, and
//! which plans are overdue for a test. Staff who work records draft plans and record tests;
//! only managers and administrators (who manage services) approve a version.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use jiff::Timestamp;
use jiff::civil::Date;
use steward_domain::assurance::continuity::{
    ContinuityPlan, ContinuityPlanDetail, ContinuityPlanInput, ContinuityPlanPatch, ContinuityTest,
    ContinuityTestInput, PlanExport, PlanStatus, next_test_due, test_overdue, utc_minutes,
};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::{Actor, Permission};
use steward_store::Ex;
use steward_store::assurance::continuity::{self as store, PlanRecord};

impl App {
    fn timestamp_now(&self) -> Timestamp {
        Timestamp::from_microsecond(self.now()).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// A stored plan with its test schedule worked out for today (UTC).
    fn plan_of(&self, r: PlanRecord) -> ContinuityPlan {
        let today = self
            .timestamp_now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        let due = r.approved_interval.and_then(|days| {
            next_test_due(
                r.last_tested_on
                    .as_deref()
                    .and_then(|d| d.parse::<Date>().ok()),
                r.first_approved_at
                    .and_then(|t| Timestamp::from_microsecond(t).ok()),
                days,
            )
        });
        ContinuityPlan {
            id: r.id,
            service_id: r.service_id,
            service_name: r.service_name,
            latest: r.latest,
            approved_version: r.approved_version,
            last_tested_on: r.last_tested_on,
            next_test_due: due.map(|d| d.to_string()),
            test_overdue: test_overdue(due, today),
        }
    }

    async fn plan_in(&self, ex: Ex<'_>, service: i64, plan: i64) -> Result<ContinuityPlan> {
        store::plans(ex, Some(service), Some(plan))
            .await?
            .into_iter()
            .next()
            .map(|r| self.plan_of(r))
            .ok_or_else(|| AppError::not_found("continuity plan", plan))
    }

    async fn plan_detail(
        &self,
        mut ex: Ex<'_>,
        service: i64,
        plan: i64,
    ) -> Result<ContinuityPlanDetail> {
        let p = self.plan_in(ex.by_ref(), service, plan).await?;
        let versions = store::versions(ex.by_ref(), plan).await?;
        let tests = store::tests(ex, plan, None).await?;
        Ok(ContinuityPlanDetail {
            plan: p,
            versions,
            tests,
        })
    }

    async fn require_service(&self, ex: Ex<'_>, service: i64) -> Result<()> {
        steward_store::delivery::services::get(ex, service)
            .await?
            .map(|_| ())
            .ok_or_else(|| AppError::not_found("service", service))
    }

    /// A service's plans, oldest first.
    pub async fn list_continuity_plans(
        &self,
        actor: &Actor,
        service: i64,
    ) -> Result<Vec<ContinuityPlan>> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        self.require_service(conn.ex(), service).await?;
        let plans = store::plans(conn.ex(), Some(service), None).await?;
        Ok(plans.into_iter().map(|r| self.plan_of(r)).collect())
    }

    /// Every service's plans, in one query (the service list and the dashboard mark the
    /// overdue ones).
    pub async fn all_continuity_plans(&self, actor: &Actor) -> Result<Vec<ContinuityPlan>> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        let plans = store::plans(conn.ex(), None, None).await?;
        Ok(plans.into_iter().map(|r| self.plan_of(r)).collect())
    }

    /// The plans whose test is overdue, the longest overdue first.
    pub async fn overdue_continuity_plans(&self, actor: &Actor) -> Result<Vec<ContinuityPlan>> {
        let mut plans: Vec<ContinuityPlan> = self
            .all_continuity_plans(actor)
            .await?
            .into_iter()
            .filter(|p| p.test_overdue)
            .collect();
        plans.sort_by(|a, b| a.next_test_due.cmp(&b.next_test_due));
        Ok(plans)
    }

    pub async fn get_continuity_plan(
        &self,
        actor: &Actor,
        service: i64,
        plan: i64,
    ) -> Result<ContinuityPlanDetail> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        self.plan_detail(conn.ex(), service, plan).await
    }

    /// A new plan: its first version, a draft.
    pub async fn create_continuity_plan(
        &self,
        actor: &Actor,
        service: i64,
        input: ContinuityPlanInput,
    ) -> Result<ContinuityPlanDetail> {
        require(actor, Permission::WorkTickets)?;
        let content = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.require_service(tx.ex(), service).await?;
        require_staff_user(tx.ex(), "owner_id", content.owner_id).await?;
        let id = store::insert_plan(tx.ex(), service, now).await?;
        store::insert_version(tx.ex(), id, 1, &content, actor.user_id, now).await?;
        let made = self.plan_detail(tx.ex(), service, id).await?;
        self.audit(
            &mut tx,
            change::<(), _>(
                actor,
                "continuity_plan",
                id,
                "create",
                None,
                Some(&made.plan),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Edits the plan: its draft when the latest version is one, else a new draft version
    /// (the approved version stays in force until the new one is approved).
    pub async fn update_continuity_plan(
        &self,
        actor: &Actor,
        service: i64,
        plan: i64,
        patch: ContinuityPlanPatch,
    ) -> Result<ContinuityPlanDetail> {
        require(actor, Permission::WorkTickets)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = self.plan_in(tx.ex(), service, plan).await?.latest;
        let next = patch.apply(&current.content())?;
        if next.owner_id != current.owner_id {
            require_staff_user(tx.ex(), "owner_id", next.owner_id).await?;
        }
        let (after, action) = if current.status == PlanStatus::Draft {
            let v = store::update_draft(tx.ex(), plan, current.version, &next, now).await?;
            (v, "update")
        } else {
            let v = store::insert_version(
                tx.ex(),
                plan,
                current.version + 1,
                &next,
                actor.user_id,
                now,
            )
            .await?;
            (v, "new_version")
        };
        self.audit(
            &mut tx,
            change(
                actor,
                "continuity_plan",
                plan,
                action,
                Some(&current),
                Some(&after),
            ),
            now,
        )
        .await?;
        let detail = self.plan_detail(tx.ex(), service, plan).await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Approves the plan's latest version, a draft; the version approved before it is
    /// superseded. Managers and administrators only.
    pub async fn approve_continuity_plan(
        &self,
        actor: &Actor,
        service: i64,
        plan: i64,
    ) -> Result<ContinuityPlanDetail> {
        require(actor, Permission::ManageServices)?;
        let by = actor.user_id.ok_or_else(AppError::forbidden)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = self.plan_in(tx.ex(), service, plan).await?.latest;
        if current.status != PlanStatus::Draft {
            return Err(AppError::conflict(
                None,
                format!(
                    "version {} is already approved; edit the plan to make a new draft",
                    current.version
                ),
            ));
        }
        current.content().check_complete()?;
        if !store::approve(tx.ex(), plan, current.version, by, now).await? {
            return Err(AppError::conflict(
                None,
                format!("version {} was approved meanwhile", current.version),
            ));
        }
        let detail = self.plan_detail(tx.ex(), service, plan).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "continuity_plan",
                plan,
                "approve",
                Some(&current),
                Some(&detail.plan.latest),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(detail)
    }

    /// Records a test of a plan version (the approved one unless the input names another).
    pub async fn record_continuity_test(
        &self,
        actor: &Actor,
        service: i64,
        plan: i64,
        input: ContinuityTestInput,
    ) -> Result<ContinuityTest> {
        require(actor, Permission::WorkTickets)?;
        let draft = input.parse(self.timestamp_now())?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let p = self.plan_in(tx.ex(), service, plan).await?;
        let version = match input.version {
            Some(v) if (1..=p.latest.version).contains(&v) => v,
            Some(_) => {
                return Err(AppError::invalid(
                    "version",
                    format!("the plan has versions 1 to {}", p.latest.version),
                ));
            }
            None => p.approved_version.unwrap_or(p.latest.version),
        };
        let id = store::insert_test(tx.ex(), plan, version, &draft, actor.user_id, now).await?;
        let made = store::tests(tx.ex(), plan, Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found("continuity test", id))?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "continuity_test", id, "create", None, Some(&made)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    pub async fn list_continuity_tests(
        &self,
        actor: &Actor,
        service: i64,
        plan: i64,
    ) -> Result<Vec<ContinuityTest>> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        self.plan_in(conn.ex(), service, plan).await?;
        Ok(store::tests(conn.ex(), plan, None).await?)
    }

    /// What an off-site copy of a plan shows: the version asked for, else the approved one,
    /// else the latest draft (marked as such).
    pub async fn export_continuity_plan(
        &self,
        actor: &Actor,
        service: i64,
        plan: i64,
        version: Option<i64>,
    ) -> Result<PlanExport> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        let p = self.plan_in(conn.ex(), service, plan).await?;
        let wanted = version.or(p.approved_version).unwrap_or(p.latest.version);
        let v = store::versions(conn.ex(), plan)
            .await?
            .into_iter()
            .find(|v| v.version == wanted)
            .ok_or_else(|| AppError::not_found("continuity plan version", wanted))?;
        let mut name = async |id: Option<i64>| -> Result<Option<String>> {
            Ok(match id {
                Some(id) => steward_store::foundation::users::get(conn.ex(), id)
                    .await?
                    .map(|u| u.display_name),
                None => None,
            })
        };
        let owner = name(Some(v.owner_id))
            .await?
            .unwrap_or_else(|| format!("user #{}", v.owner_id));
        let approved_by = name(v.approved_by).await?;
        Ok(PlanExport {
            service_name: p.service_name,
            plan_id: p.id,
            approved_version: p.approved_version,
            last_tested_on: p.last_tested_on,
            next_test_due: p.next_test_due,
            exported_at: utc_minutes(&rfc3339_micros(self.now())),
            owner,
            approved_by,
            version: v,
        })
    }
}
