//! Keeping the daily counts behind the volume and rate reports compact: triggers add a delta
//! row per counted change, and this job folds each day's deltas into one row, one node at a
//! time under a lease. Reports are exact whether or not it has run; it keeps them fast.
use crate::{App, Result};
use steward_store::foundation::leases;
use steward_store::reporting::report_days;

const JOB: &str = "report-days";
/// Rows replaced in one run above which the table's space is given back: a bulk load's
/// deltas, far more than a busy desk's ten seconds of changes.
const RECLAIM_AFTER: u64 = 100_000;

impl App {
    /// Folds the deltas of the daily report counts, a batch of days per transaction; returns
    /// how many days it folded, or `None` when another node holds the job's lease.
    pub async fn compact_report_days(&self, node: &str) -> Result<Option<u64>> {
        let (mut folded, mut deleted) = (0, 0);
        loop {
            let now = self.now();
            let mut tx = self.db.begin().await?;
            if !leases::try_acquire(tx.ex(), JOB, node, now, now + 60_000_000).await? {
                tx.commit().await?;
                return Ok(None);
            }
            let run = report_days::compact(tx.ex()).await?;
            tx.commit().await?;
            folded += run.days;
            deleted += run.deleted;
            if run.done {
                if deleted >= RECLAIM_AFTER {
                    // Outside a transaction, which VACUUM needs.
                    let mut conn = self.db.read().await?;
                    report_days::reclaim(conn.ex()).await?;
                }
                return Ok(Some(folded));
            }
        }
    }
}
