//! Queries behind the web interface's console.
use crate::app::require;
use crate::{App, Result};
use jiff::SignedDuration;
use steward_domain::foundation::actor::Scope;
use steward_domain::{Actor, Permission};
use steward_store::service_level::ui_queries;

/// The most records the "breaching soon" queue lists.
pub const BREACHING_MAX: i64 = 500;

impl App {
    /// Ids of records whose SLA clock is running past its warning point, or due within
    /// `horizon`, most urgent first. Staff only: the queue spans every organization.
    pub async fn breaching_soon(&self, actor: &Actor, horizon: SignedDuration) -> Result<Vec<i64>> {
        require(actor, Permission::WorkTickets)?;
        if actor.scope() != Scope::All {
            return Ok(Vec::new());
        }
        let now = self.now();
        let horizon = i64::try_from(horizon.as_micros()).unwrap_or(i64::MAX);
        let mut conn = self.db.read().await?;
        Ok(
            ui_queries::breaching(conn.ex(), now, now.saturating_add(horizon), BREACHING_MAX)
                .await?,
        )
    }
}
