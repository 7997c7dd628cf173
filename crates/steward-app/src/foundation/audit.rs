//! Reading and verifying the audit trail.
use crate::{App, AppError, Result};
use steward_domain::foundation::audit::{AuditEntry, ChainBreak, ChainVerifier};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::{Actor, Permission};
use steward_store::foundation::audit::{self, Filter};

const VERIFY_BATCH: i64 = 2_000;

impl App {
    pub async fn list_audit(
        &self,
        actor: &Actor,
        filter: Filter,
        request: PageRequest,
    ) -> Result<Page<AuditEntry>> {
        if !actor.can(Permission::ReadAudit) {
            return Err(AppError::forbidden());
        }
        let mut conn = self.db.read().await?;
        let (items, total) = audit::list(conn.ex(), &filter, request).await?;
        Ok(Page {
            items,
            total,
            limit: request.limit,
            offset: request.offset,
            total_capped: false,
        })
    }

    /// Walks the whole chain in batches. `Ok(Ok(n))`: n entries intact; `Ok(Err(break))`: the
    /// first bad entry.
    pub async fn verify_audit(&self) -> Result<Result<i64, ChainBreak>> {
        let mut conn = self.db.read().await?;
        // Read the head first: entries appended while we walk only lengthen the chain.
        let (head_seq, head_hash) = audit::head(conn.ex()).await?;
        let mut verifier = ChainVerifier::new();
        let mut after = 0;
        loop {
            let batch = audit::batch(conn.ex(), after, VERIFY_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for entry in batch.iter().filter(|e| e.seq <= head_seq) {
                if let Err(b) = verifier.push(entry) {
                    return Ok(Err(b));
                }
            }
            if after >= head_seq {
                break;
            }
        }
        Ok(verifier.finish(Some((head_seq, &head_hash))))
    }
}
