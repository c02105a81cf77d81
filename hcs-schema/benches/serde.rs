//! Serialization and deserialization speed of the generated types on realistic documents, under
//! the system allocator (`benches/serde_mimalloc.rs` is the same under mimalloc).
//!
//! * `lcow_uvm_1_3k`: a Linux utility-VM `ComputeSystem` of 1,366 bytes of compact JSON, the size
//!   hcsshim's Go types take 14.5 µs (88 MB/s) to serialize + deserialize with `encoding/json`.
//! * `compute_system_large`: a busy utility VM (64 SCSI disks, 16 NICs, 32 Plan9 and 32 VSMB
//!   shares, 32 vPMEM devices, 64 HvSocket services, 64 registry values), about 43 KB.
//! * `properties_response`: a `Properties` response with statistics, memory and a 200-process
//!   list, about 52 KB.
//!
//! For each: `deserialize` (text -> typed), `serialize` (typed -> text) and `round_trip` (both)
//! through `hcs_schema::json` (the runtime's path), the same through plain serde_json
//! (`serde_json_*`), reported per document and in MB/s of compact JSON, next to the same work
//! through `serde_json::Value` (`floor_value_*`, and `floor_value_serialize_fast` through
//! `hcs_schema::json`) and a scan that builds nothing (`floor_scan_only`).
//! `cargo bench -p hcs-schema --bench serde`.

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "support/documents.rs"]
mod documents;
#[path = "support/suite.rs"]
mod suite;

fn benches(c: &mut Criterion) {
    suite::benches(c, "");
}

criterion_group!(serde_benches, benches);
criterion_main!(serde_benches);
