//! Improvement — its web screens: the improvement register; customer satisfaction (the
//! answer forms, the public survey page and the managers' list of answers with the settings);
//! nonconformities with their corrective actions and effectiveness check; internal audits
//! with their programmes and findings; management reviews with their decisions and actions.
//! ISO/IEC 20000-1 8.3.2, 9.2, 9.3, 10.1 and 10.2.

pub(crate) mod audits;
pub(crate) mod conformity;
pub(crate) mod criteria;
pub(crate) mod documents;
pub(crate) mod guided_start;
pub(crate) mod improvements;
pub(crate) mod nonconformities;
pub(crate) mod objectives;
pub(crate) mod reviews;
pub(crate) mod risks;
pub(crate) mod samples;
pub(crate) mod satisfaction;
pub(crate) mod system;
