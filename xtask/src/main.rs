//! `cargo xtask`: development commands (placeholder).
fn main() {}
