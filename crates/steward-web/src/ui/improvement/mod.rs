//! Improvement — its web screens: nonconformities with their corrective actions and
//! effectiveness check, and internal audits with their programmes and findings.
//! ISO/IEC 20000-1 9.2 and 10.1.

pub(crate) mod audits;
pub(crate) mod nonconformities;
