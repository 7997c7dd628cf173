//! Releases and deployments (8.5.3): plan a release, group changes in it, accept it against
//! its acceptance criteria, and deploy it environment by environment — production only once
//! accepted and with a manager's approval. Each command is one transaction with its audit
//! entry.
use crate::app::{change, page};
use crate::delivery::change_config::{may_read, may_work};
use crate::{App, AppError, Result};
use steward_domain::delivery::change::ChangeStatus;
use steward_domain::delivery::release::{
    CriterionInput, CriterionPatch, DeploymentInput, DeploymentPatch, DeploymentResult,
    Environment, EnvironmentInput, NotAllowed, Release, ReleaseChangeInput, ReleaseInput,
    ReleasePatch, ReleaseStatus, TransitionInput, criterion_text, deployment_gap, parse_number,
    transition, transition_gap,
};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::{Actor, Role};
use steward_store::Tx;
use steward_store::delivery::{changes, releases};

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

/// Managers and admins approve production deployments and keep the environments.
fn may_approve(actor: &Actor) -> Result<()> {
    if matches!(actor.role, Role::Admin | Role::Manager) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only a manager or an administrator approves a production deployment".into(),
        ))
    }
}

async fn load(tx: &mut Tx, id: i64) -> Result<Release> {
    releases::get(tx.ex(), id)
        .await?
        .ok_or_else(|| AppError::not_found("release", id))
}

async fn load_environment(tx: &mut Tx, id: i64) -> Result<Environment> {
    releases::environment(tx.ex(), id)
        .await?
        .ok_or_else(|| AppError::not_found("environment", id))
}

/// Refuses a name another environment has (names compare without case).
async fn name_free(tx: &mut Tx, name: &str, this: Option<i64>) -> Result<()> {
    match releases::environment_named(tx.ex(), name).await? {
        Some(other) if Some(other) != this => Err(AppError::conflict(
            Some("name"),
            format!("an environment is already named {name:?}"),
        )),
        _ => Ok(()),
    }
}

fn must_be_open(r: &Release, what: &str) -> Result<()> {
    if r.status.open() {
        Ok(())
    } else {
        Err(AppError::conflict(
            Some("status"),
            format!(
                "{what} until the release is deployed; this one is {}",
                r.status.as_str()
            ),
        ))
    }
}

/// Checks that a change may join this release: it exists, is not cancelled and is in no
/// other release that is not cancelled.
async fn check_change(tx: &mut Tx, release: i64, change: i64) -> Result<()> {
    let c = changes::get(tx.ex(), change)
        .await?
        .ok_or_else(|| AppError::invalid("change_id", format!("no change with id {change}")))?;
    if c.status == ChangeStatus::Cancelled {
        return Err(AppError::invalid(
            "change_id",
            format!("{} is cancelled", c.number),
        ));
    }
    let others: Vec<String> = releases::releases_of_change(tx.ex(), change)
        .await?
        .into_iter()
        .filter(|(id, _)| *id != release)
        .map(|(_, n)| n)
        .collect();
    if !others.is_empty() {
        return Err(AppError::conflict(
            Some("change_id"),
            format!("{} is already in {}", c.number, others.join(", ")),
        ));
    }
    Ok(())
}

impl App {
    pub async fn list_releases(
        &self,
        actor: &Actor,
        filter: releases::Filter,
        request: PageRequest,
    ) -> Result<Page<Release>> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        Ok(page(
            releases::list(conn.ex(), &filter, request).await?,
            request,
        ))
    }

    pub async fn get_release(&self, actor: &Actor, id: i64) -> Result<Release> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        releases::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("release", id))
    }

    /// Plans a release (status `planning`), optionally with its changes and criteria.
    pub async fn create_release(&self, actor: &Actor, input: ReleaseInput) -> Result<Release> {
        may_work(actor)?;
        let (draft, change_ids, criteria) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let number = releases::next_number(tx.ex()).await?;
        let id = releases::insert(tx.ex(), &number, &draft, actor.user_id, now).await?;
        for c in change_ids {
            check_change(&mut tx, id, c).await?;
            releases::add_change(tx.ex(), id, c).await?;
        }
        for text in &criteria {
            releases::add_criterion(tx.ex(), id, text).await?;
        }
        let created = load(&mut tx, id).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "release", id, "create", None, Some(&created)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Edits the title, description, type or planned date of a release not yet closed.
    pub async fn update_release(
        &self,
        actor: &Actor,
        id: i64,
        patch: ReleasePatch,
    ) -> Result<Release> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        if matches!(
            current.status,
            ReleaseStatus::Closed | ReleaseStatus::Cancelled
        ) {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "a release that is {} is no longer edited",
                    current.status.as_str()
                ),
            ));
        }
        let draft = patch.apply(&current)?;
        releases::update(tx.ex(), id, &draft, now).await?;
        self.finish_release(tx, actor, current, "update", now).await
    }

    /// One lifecycle move; 409 with the allowed moves otherwise. Accepting needs every
    /// acceptance criterion met, and `deployed` a successful production deployment (409 naming
    /// `acceptance_criteria` or `deployments`).
    pub async fn transition_release(
        &self,
        actor: &Actor,
        id: i64,
        input: TransitionInput,
    ) -> Result<Release> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let to = transition(current.status, input.to)?;
        if let Some((field, why)) = transition_gap(&current, to) {
            return Err(AppError::conflict(Some(field), why));
        }
        releases::set_status(tx.ex(), id, to, now).await?;
        self.finish_release(tx, actor, current, to.as_str(), now)
            .await
    }

    /// Groups a change (by id or `CHG-…` number) in a release not yet deployed.
    pub async fn add_release_change(
        &self,
        actor: &Actor,
        id: i64,
        input: ReleaseChangeInput,
    ) -> Result<Release> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        must_be_open(&current, "changes are added")?;
        let change_id = match (input.change_id, input.change_number.as_deref()) {
            (Some(c), None) => c,
            (None, Some(n)) => {
                let seq = parse_number("CHG-", n).ok_or_else(|| {
                    AppError::invalid("change_number", "write a change number, CHG-000001")
                })?;
                let number = steward_domain::delivery::change::number(seq);
                changes::id_of_number(tx.ex(), &number)
                    .await?
                    .ok_or_else(|| {
                        AppError::invalid("change_number", format!("no change {number}"))
                    })?
            }
            _ => {
                return Err(AppError::invalid(
                    "change_id",
                    "name the change by change_id or change_number, one of them",
                ));
            }
        };
        if current.changes.iter().any(|c| c.id == change_id) {
            return Err(AppError::conflict(
                Some("change_id"),
                "the change is already in this release",
            ));
        }
        check_change(&mut tx, id, change_id).await?;
        releases::add_change(tx.ex(), id, change_id).await?;
        self.finish_release(tx, actor, current, "add_change", now)
            .await
    }

    pub async fn remove_release_change(
        &self,
        actor: &Actor,
        id: i64,
        change_id: i64,
    ) -> Result<Release> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        must_be_open(&current, "changes are removed")?;
        if !releases::remove_change(tx.ex(), id, change_id).await? {
            return Err(AppError::not_found("change in this release", change_id));
        }
        self.finish_release(tx, actor, current, "remove_change", now)
            .await
    }

    pub async fn add_release_criterion(
        &self,
        actor: &Actor,
        id: i64,
        input: CriterionInput,
    ) -> Result<Release> {
        may_work(actor)?;
        let text = criterion_text("text", &input.text)
            .map_err(|e| AppError::Invalid(steward_domain::Invalid(vec![e])))?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        must_be_open(&current, "acceptance criteria are written")?;
        if current.status == ReleaseStatus::Accepted {
            return Err(AppError::conflict(
                Some("status"),
                "an accepted release takes no new criteria; move it back to testing first",
            ));
        }
        releases::add_criterion(tx.ex(), id, &text).await?;
        self.finish_release(tx, actor, current, "add_criterion", now)
            .await
    }

    /// Marks a criterion met or not met (recorded with who and when), or rewords it.
    pub async fn update_release_criterion(
        &self,
        actor: &Actor,
        id: i64,
        criterion: i64,
        patch: CriterionPatch,
    ) -> Result<Release> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let c = current
            .acceptance_criteria
            .iter()
            .find(|c| c.id == criterion)
            .ok_or_else(|| AppError::not_found("acceptance criterion", criterion))?;
        must_be_open(&current, "acceptance criteria are decided")?;
        let text = match patch.text.as_deref() {
            Some(t) => criterion_text("text", t)
                .map_err(|e| AppError::Invalid(steward_domain::Invalid(vec![e])))?,
            None => c.text.clone(),
        };
        let met = patch.met.unwrap_or(c.met);
        if current.status == ReleaseStatus::Accepted && !met {
            return Err(AppError::conflict(
                Some("met"),
                "an accepted release has every criterion met; move it back to testing first",
            ));
        }
        releases::set_criterion(tx.ex(), id, criterion, &text, met, actor.user_id, now).await?;
        self.finish_release(tx, actor, current, "decide_criterion", now)
            .await
    }

    /// Plans the deployment to one environment (one per environment).
    pub async fn add_deployment(
        &self,
        actor: &Actor,
        id: i64,
        input: DeploymentInput,
    ) -> Result<Release> {
        may_work(actor)?;
        let (environment, fields) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        must_be_open(&current, "deployments are planned")?;
        let environments = releases::environments(tx.ex()).await?;
        let Some(env) = environments.iter().find(|e| e.id == environment) else {
            return Err(AppError::invalid(
                "environment_id",
                format!("no environment with id {environment}"),
            ));
        };
        if releases::deployment_of_environment(tx.ex(), id, environment)
            .await?
            .is_some()
        {
            return Err(AppError::conflict(
                Some("environment_id"),
                format!(
                    "the release already has its deployment to {}; record its result there",
                    env.name
                ),
            ));
        }
        releases::insert_deployment(tx.ex(), id, environment, &fields, actor.user_id, now).await?;
        self.finish_release(tx, actor, current, "plan_deployment", now)
            .await
    }

    /// Records a deployment's times, notes and result. A production result needs the release
    /// accepted and the deployment approved first (409 naming `status` or `approval`); a
    /// successful production deployment moves an accepted release to `deployed`.
    pub async fn update_deployment(
        &self,
        actor: &Actor,
        id: i64,
        deployment: i64,
        patch: DeploymentPatch,
    ) -> Result<Release> {
        may_work(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let (fields, production, approved) = releases::deployment_fields(tx.ex(), id, deployment)
            .await?
            .ok_or_else(|| AppError::not_found("deployment", deployment))?;
        if matches!(
            current.status,
            ReleaseStatus::Closed | ReleaseStatus::Cancelled
        ) {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "the deployments of a {} release are no longer changed",
                    current.status.as_str()
                ),
            ));
        }
        let recording = patch.result.is_some();
        let next = patch.apply(&fields, now)?;
        if recording
            && let Some((field, why)) =
                deployment_gap(production, current.status, &current.changes, approved)
        {
            return Err(AppError::conflict(Some(field), why));
        }
        releases::update_deployment(tx.ex(), deployment, &next, now).await?;
        if production
            && next.result == Some(DeploymentResult::Successful)
            && current.status == ReleaseStatus::Accepted
        {
            releases::set_status(tx.ex(), id, ReleaseStatus::Deployed, now).await?;
        }
        self.finish_release(tx, actor, current, "record_deployment", now)
            .await
    }

    /// A manager or administrator approves a deployment (required before a production
    /// deployment's result is recorded); approving needs the release accepted when the
    /// environment is production.
    pub async fn approve_deployment(
        &self,
        actor: &Actor,
        id: i64,
        deployment: i64,
    ) -> Result<Release> {
        may_approve(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let (_, production, approved) = releases::deployment_fields(tx.ex(), id, deployment)
            .await?
            .ok_or_else(|| AppError::not_found("deployment", deployment))?;
        if approved {
            return Err(AppError::conflict(
                Some("approval"),
                "the deployment is already approved",
            ));
        }
        if production
            && let Some((field, why)) = deployment_gap(true, current.status, &current.changes, true)
        {
            return Err(AppError::conflict(Some(field), why));
        }
        releases::approve_deployment(tx.ex(), deployment, actor.user_id, now).await?;
        self.finish_release(tx, actor, current, "approve_deployment", now)
            .await
    }

    pub async fn release_environments(&self, actor: &Actor) -> Result<Vec<Environment>> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        Ok(releases::environments(conn.ex()).await?)
    }

    /// Adds an environment (managers and admins); names are unique, case aside.
    pub async fn create_release_environment(
        &self,
        actor: &Actor,
        input: EnvironmentInput,
    ) -> Result<Environment> {
        may_approve(actor)?;
        let (name, production, position) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        name_free(&mut tx, &name, None).await?;
        let id = releases::insert_environment(tx.ex(), &name, production, position, now).await?;
        let env = load_environment(&mut tx, id).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "release_environment", id, "create", None, Some(&env)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(env)
    }

    pub async fn release_environment(&self, actor: &Actor, id: i64) -> Result<Environment> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        releases::environment(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("environment", id))
    }

    /// Renames, reorders or (un)marks an environment as production (managers and admins);
    /// an absent `position` keeps the order. Deployments already recorded keep their result.
    pub async fn update_release_environment(
        &self,
        actor: &Actor,
        id: i64,
        input: EnvironmentInput,
    ) -> Result<Environment> {
        may_approve(actor)?;
        let (name, production, position) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = load_environment(&mut tx, id).await?;
        name_free(&mut tx, &name, Some(id)).await?;
        releases::update_environment(tx.ex(), id, &name, production, position).await?;
        let after = load_environment(&mut tx, id).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "release_environment",
                id,
                "update",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Marks the release modified, reads it after the command, writes the audit entry and
    /// commits.
    async fn finish_release(
        &self,
        mut tx: Tx,
        actor: &Actor,
        before: Release,
        action: &str,
        now: i64,
    ) -> Result<Release> {
        // Every command changes the release, so its modification time moves here, once.
        releases::touch(tx.ex(), before.id, now).await?;
        let after = load(&mut tx, before.id).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "release",
                before.id,
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
}
