//! Secrets (the temporary password, a TAP, tokens): owned by credential/ (see its helper notes).
