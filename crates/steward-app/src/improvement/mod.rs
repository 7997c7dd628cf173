//! Improvement — its use cases: complaints and supplier disputes managed to closure, customer
//! satisfaction, the improvement register with the opportunities the records raise
//! themselves, nonconformities with corrective actions, internal audits with their findings,
//! and management reviews.
//! ISO/IEC 20000-1 8.3.2 (complaints), 9.2, 9.3, 10.1 and 10.2.

pub mod audits;
pub mod complaints;
pub mod documents;
pub mod evidence;
pub mod guided_start;
pub mod improvements;
pub mod nonconformities;
pub mod objectives;
pub mod raise;
pub mod reviews;
pub mod risks;
pub mod samples;
pub mod satisfaction;
pub mod satisfaction_report;
pub mod system_documents;
