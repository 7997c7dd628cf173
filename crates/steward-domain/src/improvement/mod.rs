//! Improvement — its rules (no I/O): complaints and supplier disputes managed to closure,
//! customer satisfaction, the improvement register, nonconformities with corrective actions,
//! internal audits with their findings, and management reviews.
//! ISO/IEC 20000-1 8.3.2 (complaints), 9.2, 9.3, 10.1 and 10.2.

pub mod audit;
pub mod complaint;
pub mod document;
pub mod evidence;
pub mod nonconformity;
pub mod objective;
pub mod opportunity;
pub mod review;
pub mod risk;
pub mod sample;
pub mod satisfaction;
pub mod system_document;
