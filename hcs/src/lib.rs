//! Safe Rust over the Windows Host Compute System (HCS) C API (placeholder).
