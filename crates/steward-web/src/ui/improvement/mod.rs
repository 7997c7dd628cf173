//! Improvement — its web screens: the improvement register, and customer satisfaction (the
//! answer forms, the public survey page and the managers' list of answers with the settings).
//! ISO/IEC 20000-1 8.3.2 and 10.2.

pub(crate) mod improvements;
pub(crate) mod satisfaction;
