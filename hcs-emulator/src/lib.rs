//! HCS emulator (placeholder).
