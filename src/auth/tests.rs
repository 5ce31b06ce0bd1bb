//! Native tests for the pure sign-in half.
