//! HCS schema generator (placeholder).
