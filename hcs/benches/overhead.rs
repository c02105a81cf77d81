//! The runtime's own overhead per call, measured against the HCS emulator.
//!
//! * `step/runtime`: one create → start → terminate → close step through the
//!   `hcs` API (typed document, serialization, UTF-16 conversion, FFI,
//!   operation waits, result parsing, RAII closes).
//! * `step/raw_ffi`: the same step through the bare C ABI with a
//!   pre-encoded document: the emulator's own work plus the unavoidable
//!   calls.
//! * `runtime-only/*`: the pure runtime parts of a step, without FFI.
//!
//! At the end it prints `overhead per step = runtime − raw_ffi` from an
//! interleaved measurement (target: ≤ 10 µs). With `--features tracing` it
//! prints it three times: no subscriber, a subscriber that enables every
//! level and discards every record, and a fmt layer at `DEBUG` writing to a
//! sink.

use std::ffi::c_void;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use hcs::Hcs;
use hcs::schema::ComputeSystem;

fn document() -> ComputeSystem {
    serde_json::from_value(serde_json::json!({
        "SchemaVersion": { "Major": 2, "Minor": 1 },
        "Owner": "bench",
        "ShouldTerminateOnLastHandleClosed": true,
        "VirtualMachine": {
            "Chipset": { "Uefi": {} },
            "ComputeTopology": { "Memory": { "SizeInMB": 1024 }, "Processor": { "Count": 2 } }
        }
    }))
    .expect("document")
}

fn next_id(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

type Handle = *mut c_void;

/// The bare C ABI of the emulator, for the baseline.
struct Raw {
    create_operation: unsafe extern "system" fn(
        *const c_void,
        Option<unsafe extern "system" fn(Handle, *const c_void)>,
    ) -> Handle,
    close_operation: unsafe extern "system" fn(Handle),
    wait: unsafe extern "system" fn(Handle, u32, *mut *mut u16) -> i32,
    create: unsafe extern "system" fn(
        *const u16,
        *const u16,
        Handle,
        *const c_void,
        *mut Handle,
    ) -> i32,
    start: unsafe extern "system" fn(Handle, Handle, *const u16) -> i32,
    terminate: unsafe extern "system" fn(Handle, Handle, *const u16) -> i32,
    close_system: unsafe extern "system" fn(Handle),
    local_free: unsafe extern "system" fn(*mut c_void) -> *mut c_void,
}

impl Raw {
    fn load(path: &std::path::Path) -> Raw {
        // SAFETY: the emulator library; every symbol below has the stated signature.
        unsafe {
            let library = libloading::Library::new(path).expect("emulator");
            let raw = Raw {
                create_operation: *library.get(b"HcsCreateOperation\0").unwrap(),
                close_operation: *library.get(b"HcsCloseOperation\0").unwrap(),
                wait: *library.get(b"HcsWaitForOperationResult\0").unwrap(),
                create: *library.get(b"HcsCreateComputeSystem\0").unwrap(),
                start: *library.get(b"HcsStartComputeSystem\0").unwrap(),
                terminate: *library.get(b"HcsTerminateComputeSystem\0").unwrap(),
                close_system: *library.get(b"HcsCloseComputeSystem\0").unwrap(),
                local_free: *library.get(b"LocalFree\0").unwrap(),
            };
            std::mem::forget(library);
            raw
        }
    }

    /// One tracked call: create an operation, start, wait, free, close.
    fn tracked(&self, start: impl FnOnce(Handle) -> i32) {
        // SAFETY: valid calls on the emulator's C ABI.
        unsafe {
            let op = (self.create_operation)(std::ptr::null(), None);
            assert!(start(op) >= 0);
            let mut document: *mut u16 = std::ptr::null_mut();
            assert!((self.wait)(op, u32::MAX, &mut document) >= 0);
            if !document.is_null() {
                (self.local_free)(document.cast());
            }
            (self.close_operation)(op);
        }
    }

    fn step(&self, id: &[u16], document: &[u16]) {
        let mut system: Handle = std::ptr::null_mut();
        // SAFETY: the strings and out-pointer outlive the calls.
        self.tracked(|op| unsafe {
            (self.create)(
                id.as_ptr(),
                document.as_ptr(),
                op,
                std::ptr::null(),
                &mut system,
            )
        });
        // SAFETY: valid handles.
        self.tracked(|op| unsafe { (self.start)(system, op, std::ptr::null()) });
        // SAFETY: valid handles.
        self.tracked(|op| unsafe { (self.terminate)(system, op, std::ptr::null()) });
        // SAFETY: closed once.
        unsafe { (self.close_system)(system) };
    }
}

fn runtime_step(hcs: &Hcs, document: &ComputeSystem) {
    let system = hcs
        .create_compute_system(&next_id("bench-rt"), document)
        .expect("create");
    system.start().expect("start");
    system.terminate().expect("terminate");
}

fn raw_step(raw: &Raw, document_json: &str) {
    // The baseline pays for its own id and a UTF-16 copy of a pre-serialized document.
    let id = wide(&next_id("bench-raw"));
    let document = wide(document_json);
    raw.step(&id, &document);
}

fn benches(c: &mut Criterion) {
    let path = hcs_emulator::cdylib_path().expect("emulator cdylib");
    let hcs = Hcs::load_from(&path).expect("load the emulator");
    let raw = Raw::load(&path);
    let document = document();
    let document_json = serde_json::to_string(&document).unwrap();

    let mut group = c.benchmark_group("step");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("runtime", |b| {
        b.iter(|| runtime_step(&hcs, black_box(&document)))
    });
    group.bench_function("raw_ffi", |b| {
        b.iter(|| raw_step(&raw, black_box(&document_json)))
    });
    group.finish();

    let mut group = c.benchmark_group("runtime-only");
    group.bench_function("serialize+utf16 ComputeSystem", |b| {
        b.iter(|| {
            let json = serde_json::to_string(black_box(&document)).unwrap();
            black_box(wide(&json))
        })
    });
    let properties = r#"{"Id":"vm1","SystemType":"VirtualMachine","State":"Running","Owner":"bench","RuntimeId":"00000000-0000-0000-0000-000000000001"}"#;
    group.bench_function("decode Properties", |b| {
        b.iter(|| serde_json::from_str::<hcs::schema::Properties>(black_box(properties)).unwrap())
    });
    group.finish();

    // Interleaved direct measurement of the difference: per round both
    // steps run back to back (alternating which goes first) and the median
    // of the paired differences is reported, which the emulator's thread
    // hand-offs (tens of microseconds of scheduling noise) do not skew. On
    // Unix the calling thread's CPU time is compared too: the waits cost no
    // CPU, so the difference is the runtime's own work.
    let label = if cfg!(feature = "tracing") {
        "tracing feature on, no subscriber"
    } else {
        "tracing feature off"
    };
    paired(label, &hcs, &raw, &document, &document_json);

    // With the feature on: a subscriber that takes every record at every
    // level (so every field is computed, documents redacted included) and
    // discards it, and a fmt layer printing the DEBUG lines into a sink.
    #[cfg(feature = "tracing")]
    {
        tracing::subscriber::with_default(Discard, || {
            paired(
                "tracing on, a subscriber enabling every level and discarding everything",
                &hcs,
                &raw,
                &document,
                &document_json,
            )
        });
        let fmt = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(fmt, || {
            paired(
                "tracing on, fmt layer at DEBUG writing to a sink",
                &hcs,
                &raw,
                &document,
                &document_json,
            )
        });
    }
}

/// Prints the median paired difference of `rounds` interleaved steps.
fn paired(label: &str, hcs: &Hcs, raw: &Raw, document: &ComputeSystem, document_json: &str) {
    let rounds = 3000;
    let mut wall = Vec::with_capacity(rounds);
    let mut cpu = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let measure = |f: &dyn Fn()| {
            let (t, c) = (Instant::now(), thread_cpu_ns());
            f();
            (t.elapsed().as_nanos() as f64, (thread_cpu_ns() - c) as f64)
        };
        let run_runtime = || runtime_step(hcs, document);
        let run_raw = || raw_step(raw, document_json);
        let (r, b) = if round % 2 == 0 {
            let r = measure(&run_runtime);
            (r, measure(&run_raw))
        } else {
            let b = measure(&run_raw);
            (measure(&run_runtime), b)
        };
        wall.push(r.0 - b.0);
        cpu.push(r.1 - b.1);
    }
    println!(
        "[{label}] create/start/terminate step, runtime minus raw C ABI: median wall-clock difference {:.1} us, median calling-thread CPU difference {} (target <= 10 us)",
        median(&mut wall) / 1000.0,
        if cfg!(unix) {
            format!("{:.1} us", median(&mut cpu) / 1000.0)
        } else {
            "n/a".to_owned()
        }
    );
}

/// A subscriber that enables everything and keeps nothing.
#[cfg(feature = "tracing")]
struct Discard;

#[cfg(feature = "tracing")]
impl tracing::Subscriber for Discard {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The calling thread's CPU time in nanoseconds (0 where not measured).
fn thread_cpu_ns() -> u64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid out-pointer.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    }
    #[cfg(not(unix))]
    {
        0
    }
}

criterion_group!(overhead, benches);

fn main() {
    overhead();
    Criterion::default().configure_from_args().final_summary();
}
