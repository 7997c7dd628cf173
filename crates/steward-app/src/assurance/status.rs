//! The public status page: no actor, because nobody signs in to read it; only live services
//! marked for it, and only what the domain's status entry carries.
use crate::assurance::outages::{records_begin_of, service_calendar, spans};
use crate::{App, AppError, Result};
use jiff::{SignedDuration, Timestamp};
use steward_domain::assurance::status::{DAYS, StatusPage, entry};
use steward_domain::delivery::service::ServiceStatus;
use steward_domain::foundation::page::PageRequest;
use steward_store::assurance::outages;
use steward_store::delivery::services;
use steward_store::resolution::tickets;

/// The most services the page lists.
const MAX_SERVICES: u32 = 500;

impl App {
    pub async fn status_page(&self) -> Result<StatusPage> {
        let now = Timestamp::from_microsecond(self.now())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let since = now - SignedDuration::from_hours(24 * (DAYS + 1));
        let mut conn = self.db.read().await?;
        let filter = services::Filter {
            status: Some(ServiceStatus::Live),
            ..Default::default()
        };
        let page = PageRequest {
            limit: MAX_SERVICES,
            offset: 0,
        };
        let (list, _) = services::list(conn.ex(), &filter, page).await?;
        let mut entries = Vec::new();
        for s in list.iter().filter(|s| s.on_status_page) {
            let calendar = service_calendar(conn.ex(), s).await?;
            let found =
                outages::overlapping(conn.ex(), s.id, Some(since.as_microsecond()), None).await?;
            let major = tickets::open_major_on_service(conn.ex(), s.id).await?;
            let spans = spans(&found)?;
            let since = Timestamp::from_microsecond(records_begin_of(conn.ex(), s).await?)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            entries.push(
                entry(&s.name, since, calendar.as_ref(), &spans, major, now)
                    .map_err(|e| AppError::Internal(format!("business time failed: {e}")))?,
            );
        }
        entries.sort_by_key(|e| e.name.to_lowercase());
        Ok(StatusPage {
            generated_at: now.to_string(),
            services: entries,
        })
    }
}
