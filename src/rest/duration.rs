//! The wire layer's durations are the crate's one ISO-8601 module, [`crate::duration`].

pub(crate) use crate::duration::*;
