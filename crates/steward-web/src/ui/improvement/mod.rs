//! Improvement — its screens: customer satisfaction (the answer forms, the public survey page
//! and the managers' list of answers with the settings).

pub(crate) mod satisfaction;
