//! Improvement — its use cases: complaints and supplier disputes managed to closure;
//! nonconformities with corrective actions and internal audits with their findings;
//! satisfaction, the improvement register and reviews will join them.
//! ISO/IEC 20000-1 8.3.2 (complaints), 9.2, 9.3, 10.1 and 10.2.

pub mod audits;
pub mod complaints;
pub mod nonconformities;
