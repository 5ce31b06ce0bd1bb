//! welcome
