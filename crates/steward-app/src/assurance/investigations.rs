//! Investigations of unplanned non-availability: opened for a month in which a service missed
//! its target (checked here against the measured figure), once per service and month.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use jiff::ToSpan;
use jiff::tz::TimeZone;
use steward_domain::assurance::investigation::{
    Investigation, InvestigationInput, InvestigationPatch, InvestigationStatus,
};
use steward_domain::{Actor, Permission};
use steward_store::assurance::investigations;

impl App {
    pub async fn open_investigation(
        &self,
        actor: &Actor,
        service_id: i64,
        input: InvestigationInput,
    ) -> Result<Investigation> {
        require(actor, Permission::WorkTickets)?;
        let (month, findings, actions) = input.parse()?;
        let start = month
            .to_zoned_datetime(TimeZone::UTC)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let end = start
            .checked_add(1.month())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let (from, to) = (
            start.timestamp().as_microsecond(),
            end.timestamp().as_microsecond().min(self.now()),
        );
        if from >= self.now() {
            return Err(AppError::invalid("month", "has not begun yet"));
        }
        let label = month.strftime("%Y-%m").to_string();
        // Only a missed target is investigated; the figure says whether it was.
        let measured = self
            .service_availability(actor, service_id, from, to)
            .await?;
        match (measured.figures.met, measured.figures.availability_percent) {
            (Some(false), _) => {}
            (Some(true), Some(p)) => {
                return Err(AppError::invalid(
                    "month",
                    format!(
                        "the service met its target in {label} ({p} %): there is nothing to investigate"
                    ),
                ));
            }
            _ => {
                return Err(AppError::invalid(
                    "month",
                    format!("the service has no availability target or no agreed time in {label}"),
                ));
            }
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        require_staff_user(tx.ex(), "owner_id", input.owner_id).await?;
        if investigations::list(tx.ex(), service_id)
            .await?
            .iter()
            .any(|i| i.month == label)
        {
            return Err(AppError::conflict(
                Some("month"),
                format!("{label} is already under investigation for this service"),
            ));
        }
        let draft = Investigation {
            id: 0,
            service_id,
            month: label,
            owner_id: input.owner_id,
            findings,
            actions,
            status: InvestigationStatus::Open,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let made = investigations::insert(tx.ex(), &draft, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(
                actor,
                "availability_investigation",
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

    pub async fn list_investigations(
        &self,
        actor: &Actor,
        service_id: i64,
    ) -> Result<Vec<Investigation>> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        Ok(investigations::list(conn.ex(), service_id).await?)
    }

    pub async fn get_investigation(
        &self,
        actor: &Actor,
        service_id: i64,
        id: i64,
    ) -> Result<Investigation> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        investigations::get(conn.ex(), service_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("investigation", id))
    }

    /// Records findings and actions, hands the investigation on, or closes it.
    pub async fn update_investigation(
        &self,
        actor: &Actor,
        service_id: i64,
        id: i64,
        patch: InvestigationPatch,
    ) -> Result<Investigation> {
        require(actor, Permission::WorkTickets)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = investigations::get(tx.ex(), service_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("investigation", id))?;
        let next = patch.apply(&current)?;
        if next.owner_id != current.owner_id {
            require_staff_user(tx.ex(), "owner_id", next.owner_id).await?;
        }
        let after = investigations::update(tx.ex(), &next, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "availability_investigation",
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
}
