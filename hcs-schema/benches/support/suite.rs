//! The Criterion benchmarks of `benches/serde.rs` and `benches/serde_mimalloc.rs`: the same
//! measurements, under the system allocator and under mimalloc.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use hcs_schema::{ComputeSystem, Properties};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::documents;

/// Every document, each group named `<prefix><document>`.
pub fn benches(c: &mut Criterion, prefix: &str) {
    let documents = [
        ("lcow_uvm_1_3k", documents::lcow_uvm()),
        ("compute_system_large", documents::large_compute_system()),
    ];
    for (name, document) in documents {
        bench_document::<ComputeSystem>(c, &format!("{prefix}{name}"), document);
    }
    bench_document::<Properties>(
        c,
        &format!("{prefix}properties_response"),
        documents::properties_response(),
    );
}

fn bench_document<T>(c: &mut Criterion, name: &str, document: Value)
where
    T: DeserializeOwned + Serialize,
{
    let text = serde_json::to_string(&document).unwrap();
    let typed: T = serde_json::from_str(&text).expect("the benchmark document is valid");
    // The document survives unchanged, so both directions do the same work.
    assert_eq!(serde_json::to_value(&typed).unwrap(), document);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(text.len() as u64));
    // The typed document through `hcs_schema::json`, the path the `hcs` runtime uses.
    assert_eq!(
        hcs_schema::json::to_string(&typed).unwrap(),
        serde_json::to_string(&typed).unwrap()
    );
    group.bench_function(BenchmarkId::new("deserialize", text.len()), |b| {
        b.iter(|| hcs_schema::json::from_str::<T>(black_box(&text)).unwrap())
    });
    group.bench_function(BenchmarkId::new("serialize", text.len()), |b| {
        let mut out = Vec::with_capacity(text.len() * 2);
        b.iter(|| {
            out.clear();
            hcs_schema::json::append(&mut out, black_box(&typed)).unwrap();
        })
    });
    group.bench_function(BenchmarkId::new("round_trip", text.len()), |b| {
        b.iter(|| {
            let typed: T = hcs_schema::json::from_str(black_box(&text)).unwrap();
            hcs_schema::json::to_string(&typed).unwrap()
        })
    });
    // The same typed document through plain serde_json (what a user's own
    // `serde_json::to_string(&document)` costs).
    group.bench_function(
        BenchmarkId::new("serde_json_deserialize", text.len()),
        |b| b.iter(|| serde_json::from_str::<T>(black_box(&text)).unwrap()),
    );
    group.bench_function(BenchmarkId::new("serde_json_serialize", text.len()), |b| {
        let mut out = Vec::with_capacity(text.len() * 2);
        b.iter(|| {
            out.clear();
            serde_json::to_writer(&mut out, black_box(&typed)).unwrap();
        })
    });
    group.bench_function(BenchmarkId::new("serde_json_round_trip", text.len()), |b| {
        b.iter(|| {
            let typed: T = serde_json::from_str(black_box(&text)).unwrap();
            serde_json::to_string(&typed).unwrap()
        })
    });
    // References, to attribute the typed costs: scanning the JSON without building anything, and
    // the same work through `serde_json::Value` (every string and map allocated, no typing).
    group.bench_function(BenchmarkId::new("floor_scan_only", text.len()), |b| {
        b.iter(|| serde_json::from_str::<serde::de::IgnoredAny>(black_box(&text)).unwrap())
    });
    group.bench_function(
        BenchmarkId::new("floor_value_deserialize", text.len()),
        |b| b.iter(|| serde_json::from_str::<Value>(black_box(&text)).unwrap()),
    );
    group.bench_function(BenchmarkId::new("floor_value_serialize", text.len()), |b| {
        let mut out = Vec::with_capacity(text.len() * 2);
        b.iter(|| {
            out.clear();
            serde_json::to_writer(&mut out, black_box(&document)).unwrap();
        })
    });
    group.bench_function(
        BenchmarkId::new("floor_value_round_trip", text.len()),
        |b| {
            b.iter(|| {
                let value: Value = serde_json::from_str(black_box(&text)).unwrap();
                serde_json::to_string(&value).unwrap()
            })
        },
    );
    // The untyped document through the fast writer: how much of the typed gain is the writer.
    group.bench_function(
        BenchmarkId::new("floor_value_serialize_fast", text.len()),
        |b| {
            let mut out = Vec::with_capacity(text.len() * 2);
            b.iter(|| {
                out.clear();
                hcs_schema::json::append(&mut out, black_box(&document)).unwrap();
            })
        },
    );
    group.finish();
}
