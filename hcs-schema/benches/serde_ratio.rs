//! The typed / `serde_json::Value` ratios of issue 11, measured so that a busy machine disturbs
//! them as little as possible: `cargo bench -p hcs-schema --bench serde_ratio`.
//!
//! Criterion measures one benchmark after another, so a neighbour that starts working between
//! the typed round trip and the `Value` round trip moves their ratio (on the shared 2-core
//! machine of BENCHMARKS.md the `Value` round trip of the same build read 7.7 µs and 13 µs ten
//! minutes apart). Here the four operations of a document (typed round trip, `Value` round trip,
//! typed serialize, `Value` serialize) run in alternating short batches, and each keeps its
//! fastest batch and its median batch: a disturbance hits all four alike, and the minimum is the
//! figure a disturbance can only make worse. Plain `std::time::Instant`, no harness: Criterion
//! has no interleaved mode.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hcs_schema::{ComputeSystem, Properties};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[path = "support/documents.rs"]
mod documents;

/// Rounds of the four batches; each batch runs for about `BATCH`.
const ROUNDS: usize = 2000;
const BATCH: Duration = Duration::from_micros(200);

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too, briefly.
    let quick = !std::env::args().any(|arg| arg == "--bench");
    let rounds = if quick { 3 } else { ROUNDS };
    println!(
        "| document | typed round trip | `Value` round trip | **round trip / `Value`** | typed serialize | `Value` serialize | **serialize / `Value`** |"
    );
    println!("|---|---|---|---|---|---|---|");
    measure::<ComputeSystem>("lcow_uvm_1_3k", documents::lcow_uvm(), rounds);
    measure::<ComputeSystem>(
        "compute_system_large",
        documents::large_compute_system(),
        rounds,
    );
    measure::<Properties>(
        "properties_response",
        documents::properties_response(),
        rounds,
    );
    println!(
        "\nEach cell: fastest batch / median batch, per operation; ratios of the fastest, then of the medians."
    );
}

/// The fastest and the median per-operation time of one operation's batches.
struct Timings(Vec<f64>);

impl Timings {
    fn min(&self) -> f64 {
        self.0.iter().copied().fold(f64::INFINITY, f64::min)
    }

    fn median(&self) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    }
}

fn measure<T: DeserializeOwned + Serialize>(name: &str, document: Value, rounds: usize) {
    let text = serde_json::to_string(&document).unwrap();
    let typed: T = hcs_schema::json::from_str(&text).expect("the benchmark document is valid");
    // The document survives unchanged, so both paths do the same work.
    assert_eq!(serde_json::to_value(&typed).unwrap(), document);
    let mut typed_out = Vec::with_capacity(text.len() * 2);
    let mut value_out = Vec::with_capacity(text.len() * 2);

    // In the order of the table's columns: typed round trip, `Value` round trip, typed
    // serialize, `Value` serialize.
    let mut operations: [Box<dyn FnMut()>; 4] = [
        Box::new(|| {
            let typed: T = hcs_schema::json::from_str(black_box(&text)).unwrap();
            black_box(hcs_schema::json::to_string(&typed).unwrap());
        }),
        Box::new(|| {
            let value: Value = serde_json::from_str(black_box(&text)).unwrap();
            black_box(serde_json::to_string(&value).unwrap());
        }),
        Box::new(|| {
            typed_out.clear();
            hcs_schema::json::append(&mut typed_out, black_box(&typed)).unwrap();
        }),
        Box::new(|| {
            value_out.clear();
            serde_json::to_writer(&mut value_out, black_box(&document)).unwrap();
        }),
    ];
    // Iterations per batch, from one warm-up run of each operation.
    let per_batch: Vec<u32> = operations
        .iter_mut()
        .map(|run| {
            let start = Instant::now();
            let mut n = 0u32;
            while start.elapsed() < BATCH {
                run();
                n += 1;
            }
            n.max(1)
        })
        .collect();
    let mut timings: Vec<Timings> = (0..4).map(|_| Timings(Vec::new())).collect();
    for round in 0..rounds {
        // A different operation starts each round, so none always follows the same one.
        for k in 0..4 {
            let i = (round + k) % 4;
            let run = &mut operations[i];
            let start = Instant::now();
            for _ in 0..per_batch[i] {
                run();
            }
            timings[i]
                .0
                .push(start.elapsed().as_secs_f64() / f64::from(per_batch[i]));
        }
    }
    let cell = |t: &Timings| format!("{} / {}", micros(t.min()), micros(t.median()));
    let ratio = |a: &Timings, b: &Timings| {
        format!("{:.2} / {:.2}", a.min() / b.min(), a.median() / b.median())
    };
    println!(
        "| `{name}` | {} | {} | {} | {} | {} | {} |",
        cell(&timings[0]),
        cell(&timings[1]),
        ratio(&timings[0], &timings[1]),
        cell(&timings[2]),
        cell(&timings[3]),
        ratio(&timings[2], &timings[3]),
    );
}

fn micros(seconds: f64) -> String {
    format!("{:.2} µs", seconds * 1e6)
}
