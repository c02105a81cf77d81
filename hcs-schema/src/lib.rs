//! Typed Rust for the Windows Host Compute System (HCS) JSON schema (placeholder until codegen lands).
