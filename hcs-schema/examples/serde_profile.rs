//! Runs one operation of the serde benchmarks in a loop, for a profiler. Instruction counts under
//! callgrind do not depend on the machine's load, unlike Criterion's wall-clock figures:
//!
//! ```sh
//! cargo build --release -p hcs-schema --example serde_profile
//! valgrind --tool=callgrind target/release/examples/serde_profile lcow_uvm_1_3k round_trip 1000
//! ```
//!
//! Documents: `lcow_uvm_1_3k`, `compute_system_large`, `properties_response`. Operations:
//! `deserialize`, `serialize`, `round_trip` (the typed document through `hcs_schema::json`, the
//! runtime's path), `serde_json_deserialize`, `serde_json_serialize`, `serde_json_round_trip`
//! (the typed document through plain serde_json), `value_deserialize`, `value_serialize`,
//! `value_round_trip` (`serde_json::Value` through serde_json), `value_fast_serialize`
//! (`serde_json::Value` through `hcs_schema::json`), `scan_only`. The document is prepared once before the loop.
//! `serde_profile sizes` prints the in-memory size of the biggest types.

use std::hint::black_box;
use std::process::ExitCode;

use hcs_schema::{ComputeSystem, Properties};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[path = "../benches/support/documents.rs"]
mod documents;

fn run<T: DeserializeOwned + Serialize>(
    document: &Value,
    operation: &str,
    iterations: u64,
) -> bool {
    let text = serde_json::to_string(document).unwrap();
    let typed: T = serde_json::from_str(&text).unwrap();
    let mut out = Vec::with_capacity(text.len() * 2);
    for _ in 0..iterations {
        match operation {
            // The fast path (`hcs_schema::json`), as the runtime uses it.
            "deserialize" => drop(black_box(
                hcs_schema::json::from_str::<T>(black_box(&text)).unwrap(),
            )),
            "serialize" => {
                out.clear();
                hcs_schema::json::append(&mut out, black_box(&typed)).unwrap();
            }
            "round_trip" => {
                let typed: T = hcs_schema::json::from_str(black_box(&text)).unwrap();
                drop(black_box(hcs_schema::json::to_string(&typed).unwrap()));
            }
            // The same types through plain serde_json.
            "serde_json_deserialize" => drop(black_box(
                serde_json::from_str::<T>(black_box(&text)).unwrap(),
            )),
            "serde_json_serialize" => {
                out.clear();
                serde_json::to_writer(&mut out, black_box(&typed)).unwrap();
            }
            "serde_json_round_trip" => {
                let typed: T = serde_json::from_str(black_box(&text)).unwrap();
                drop(black_box(serde_json::to_string(&typed).unwrap()));
            }
            "value_fast_serialize" => {
                out.clear();
                hcs_schema::json::append(&mut out, black_box(document)).unwrap();
            }
            "value_deserialize" => drop(black_box(
                serde_json::from_str::<Value>(black_box(&text)).unwrap(),
            )),
            "value_serialize" => {
                out.clear();
                serde_json::to_writer(&mut out, black_box(document)).unwrap();
            }
            "value_round_trip" => {
                let value: Value = serde_json::from_str(black_box(&text)).unwrap();
                drop(black_box(serde_json::to_string(&value).unwrap()));
            }
            "scan_only" => {
                serde_json::from_str::<serde::de::IgnoredAny>(black_box(&text)).unwrap();
            }
            _ => return false,
        }
    }
    true
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("sizes") {
        // What deserialization builds and moves: the in-memory size of the biggest types.
        use hcs_schema::*;
        println!("ComputeSystem {}", size_of::<ComputeSystem>());
        println!("VirtualMachine {}", size_of::<VirtualMachine>());
        println!("Devices {}", size_of::<Devices>());
        println!("Container {}", size_of::<Container>());
        println!("Properties {}", size_of::<Properties>());
        println!("Attachment {}", size_of::<Attachment>());
        println!("Scsi {}", size_of::<Scsi>());
        println!("NetworkAdapter {}", size_of::<NetworkAdapter>());
        println!("ProcessDetails {}", size_of::<ProcessDetails>());
        return ExitCode::SUCCESS;
    }
    let usage = "usage: serde_profile <lcow_uvm_1_3k|compute_system_large|properties_response> \
                 <deserialize|serialize|round_trip|serde_json_deserialize|serde_json_serialize|serde_json_round_trip|value_deserialize|value_serialize|value_round_trip|value_fast_serialize|scan_only> \
                 [iterations]";
    let (Some(document), Some(operation)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        return ExitCode::FAILURE;
    };
    let iterations = match args.get(2).map(|n| n.parse::<u64>()) {
        None => 1000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("{usage}");
            return ExitCode::FAILURE;
        }
    };
    let ok = match document.as_str() {
        "lcow_uvm_1_3k" => run::<ComputeSystem>(&documents::lcow_uvm(), operation, iterations),
        "compute_system_large" => {
            run::<ComputeSystem>(&documents::large_compute_system(), operation, iterations)
        }
        "properties_response" => {
            run::<Properties>(&documents::properties_response(), operation, iterations)
        }
        _ => false,
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("{usage}");
        ExitCode::FAILURE
    }
}
