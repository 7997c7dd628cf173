//! Management reviews: the input pack compiled from the live records for the review's period
//! (the reports' own figures, so the pack and the reports cannot disagree), decisions and
//! actions tracked against the review, and the pack frozen once — stored with its SHA-256,
//! never changed — when the review is held.
use crate::app::{change, require, require_staff_user};
use crate::improvement::improvements::day_start;
use crate::{App, AppError, Result};
use sha2::{Digest, Sha256};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::opportunity::OpportunityStatus;
use steward_domain::improvement::review::{
    ComplaintFigures, ConformityFigures, ImprovementLine, Review, ReviewInput, ReviewItem,
    ReviewItemInput, ReviewItemStatus, ReviewPack, SupplierFigures,
};
use steward_domain::reporting::report::ReportParams;
use steward_domain::{Actor, Permission};
use steward_store::improvement::reviews;

/// The reports a pack holds, with their parameters: (name, `by`).
pub const PACK_REPORTS: [(&str, Option<&str>); 5] = [
    ("sla-compliance", Some("sla")),
    ("availability", None),
    ("satisfaction", Some("service")),
    ("workload", None),
    ("volumes", None),
];

impl App {
    pub async fn create_review(&self, actor: &Actor, input: ReviewInput) -> Result<Review> {
        require(actor, Permission::ManageImprovements)?;
        let draft = input.apply(None)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if let Some(chair) = draft.chair_id {
            require_staff_user(tx.ex(), "chair_id", chair).await?;
        }
        let id = reviews::insert(tx.ex(), &draft, now).await?;
        let made = reviews::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::Internal("the new review vanished".into()))?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "management_review", id, "create", None, Some(&made)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    pub async fn list_reviews(&self, actor: &Actor) -> Result<Vec<Review>> {
        require(actor, Permission::ReadImprovements)?;
        let mut conn = self.db.read().await?;
        Ok(reviews::list(conn.ex()).await?)
    }

    pub async fn get_review(&self, actor: &Actor, id: i64) -> Result<(Review, Vec<ReviewItem>)> {
        require(actor, Permission::ReadImprovements)?;
        let mut conn = self.db.read().await?;
        let r = reviews::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("review", id))?;
        let items = reviews::items(conn.ex(), id).await?;
        Ok((r, items))
    }

    /// Changes a review; `freeze` compiles its pack now and stores it for good. A frozen
    /// review's period can no longer change (409), its minutes still can.
    pub async fn update_review(
        &self,
        actor: &Actor,
        id: i64,
        input: ReviewInput,
    ) -> Result<Review> {
        require(actor, Permission::ManageImprovements)?;
        let (before, _) = self.get_review(actor, id).await?;
        let next = input.apply(Some(&before))?;
        let frozen = before.frozen_at.is_some();
        if frozen && (next.period_from != before.period_from || next.period_to != before.period_to)
        {
            return Err(AppError::conflict(
                Some("period_from"),
                "the pack of this review is frozen: its period cannot change",
            ));
        }
        let freeze = input.freeze == Some(true);
        if freeze && frozen {
            return Err(AppError::conflict(
                Some("freeze"),
                "the pack of this review is already frozen",
            ));
        }
        // Compiled before the transaction: it reads through the reports' own use cases.
        let pack = if freeze {
            Some(self.compile_pack(actor, &next).await?)
        } else {
            None
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if next.chair_id != before.chair_id
            && let Some(chair) = next.chair_id
        {
            require_staff_user(tx.ex(), "chair_id", chair).await?;
        }
        reviews::update(tx.ex(), &next, now).await?;
        if let Some(pack) = pack {
            let content =
                serde_json::to_string(&pack).map_err(|e| AppError::Internal(e.to_string()))?;
            let sha = hex::encode(Sha256::digest(content.as_bytes()));
            reviews::freeze(tx.ex(), id, &content, &sha, now).await?;
        }
        let after = reviews::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("review", id))?;
        let action = if freeze { "freeze" } else { "update" };
        self.audit(
            &mut tx,
            change(
                actor,
                "management_review",
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

    /// The review's input pack: the frozen one, checked against its hash, or compiled now.
    pub async fn review_pack(&self, actor: &Actor, id: i64) -> Result<ReviewPack> {
        let (review, _) = self.get_review(actor, id).await?;
        if review.frozen_at.is_some() {
            let mut conn = self.db.read().await?;
            let (content, sha) = reviews::pack(conn.ex(), id)
                .await?
                .ok_or_else(|| AppError::Internal(format!("review {id}: its pack is missing")))?;
            if hex::encode(Sha256::digest(content.as_bytes())) != sha {
                return Err(AppError::Internal(format!(
                    "review {id}: the frozen pack does not match its SHA-256"
                )));
            }
            return serde_json::from_str(&content)
                .map_err(|e| AppError::Internal(format!("review {id}: {e}")));
        }
        self.compile_pack(actor, &review).await
    }

    async fn compile_pack(&self, actor: &Actor, review: &Review) -> Result<ReviewPack> {
        require(actor, Permission::ReadReports)?;
        let mut reports = Vec::new();
        for (name, by) in PACK_REPORTS {
            let params = ReportParams {
                from: Some(review.period_from.clone()),
                to: Some(review.period_to.clone()),
                by: by.map(str::to_owned),
                ..Default::default()
            };
            reports.push(self.report(actor, name, &params).await?);
        }
        let from = day_start(
            review
                .period_from
                .parse()
                .map_err(|_| AppError::invalid("period_from", "a date"))?,
        )?;
        let to = day_start(
            review
                .period_to
                .parse()
                .map_err(|_| AppError::invalid("period_to", "a date"))?,
        )?;
        let mut conn = self.db.read().await?;
        let previous_actions =
            reviews::earlier_items(conn.ex(), review.id, &review.period_from).await?;
        let (opened, closed, open_now) = reviews::complaint_counts(conn.ex(), from, to).await?;
        let [
            ola_breaches,
            contract_breaches,
            disputes_opened,
            disputes_open,
        ] = reviews::supplier_counts(conn.ex(), from, to).await?;
        let today = self.today().to_string();
        let [planned, completed, findings, open_ncs, overdue] = reviews::conformity_counts(
            conn.ex(),
            (&review.period_from, &review.period_to),
            (from, to),
            &today,
        )
        .await?;
        drop(conn);
        let improvements = self
            .list_improvements(actor, None)
            .await?
            .into_iter()
            .filter(|o| o.status != OpportunityStatus::Rejected)
            .map(|o| ImprovementLine {
                number: o.number,
                title: o.title,
                status: o.status.as_str().to_owned(),
                score: o.score,
                result: o.measurement.map(|m| {
                    let v = |x: Option<f64>| x.map_or_else(|| "—".to_owned(), |x| format!("{x} %"));
                    format!(
                        "{} {} → {}{}",
                        m.metric.as_str(),
                        v(m.before_value),
                        v(m.after_value),
                        match m.achieved {
                            Some(true) => ", target reached",
                            Some(false) => ", target missed",
                            None => "",
                        }
                    )
                }),
            })
            .collect();
        Ok(ReviewPack {
            review_id: review.id,
            title: review.title.clone(),
            period_from: review.period_from.clone(),
            period_to: review.period_to.clone(),
            generated_at: rfc3339_micros(self.now()),
            previous_actions,
            reports,
            complaints: ComplaintFigures {
                opened_in_period: opened,
                closed_in_period: closed,
                open_now,
            },
            suppliers: SupplierFigures {
                ola_breaches,
                contract_breaches,
                disputes_opened_in_period: disputes_opened,
                disputes_open_now: disputes_open,
            },
            conformity: ConformityFigures {
                audits_planned: planned,
                audits_completed: completed,
                nonconformity_findings: findings,
                nonconformities_open: open_ncs,
                nonconformities_overdue: overdue,
            },
            improvements,
            not_included: vec![
                "Compliance percentages per OLA and underpinning contract: only their breaches are counted here.".into(),
                "Changes to the SMS and its context, and resource adequacy: for the minutes.".into(),
            ],
        })
    }

    pub async fn add_review_item(
        &self,
        actor: &Actor,
        review: i64,
        input: ReviewItemInput,
    ) -> Result<ReviewItem> {
        require(actor, Permission::ManageImprovements)?;
        let (kind, text, due) = input.parse_new()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        reviews::get(tx.ex(), review)
            .await?
            .ok_or_else(|| AppError::not_found("review", review))?;
        if let Some(owner) = input.owner_id {
            require_staff_user(tx.ex(), "owner_id", owner).await?;
        }
        let id = reviews::add_item(
            tx.ex(),
            review,
            kind,
            &text,
            input.owner_id,
            due.as_deref(),
            now,
        )
        .await?;
        let item = reviews::items(tx.ex(), review)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| AppError::Internal("the new item vanished".into()))?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "review_item", id, "create", None, Some(&item)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Marks an action done (or open again); its owner or a manager.
    pub async fn set_review_item_status(
        &self,
        actor: &Actor,
        review: i64,
        id: i64,
        status: ReviewItemStatus,
    ) -> Result<ReviewItem> {
        require(actor, Permission::ReadImprovements)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = reviews::items(tx.ex(), review)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| AppError::not_found("review item", id))?;
        if before.owner_id != actor.user_id {
            require(actor, Permission::ManageImprovements)?;
        }
        reviews::set_item_status(tx.ex(), id, status, now).await?;
        let after = reviews::items(tx.ex(), review)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| AppError::not_found("review item", id))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "review_item",
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
}
