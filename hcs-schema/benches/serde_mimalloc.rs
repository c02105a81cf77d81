//! The benchmarks of `benches/serde.rs` with mimalloc as the global allocator, to measure the
//! allocator's share. Only this benchmark sets an allocator: the library imposes none, and a user
//! who wants mimalloc's speed sets it in their own binary.
//! `cargo bench -p hcs-schema --bench serde_mimalloc`.

use criterion::{Criterion, criterion_group, criterion_main};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/documents.rs"]
mod documents;
#[path = "support/suite.rs"]
mod suite;

fn benches(c: &mut Criterion) {
    suite::benches(c, "mimalloc_");
}

criterion_group!(serde_benches, benches);
criterion_main!(serde_benches);
