//! `cargo xtask bench-verdict`: issue 11's serialization targets, read from what the last run of
//! `cargo bench -p hcs-schema --bench serde` saved.
//!
//! Criterion prints one estimate per benchmark: the slope of its samples' times against their
//! iteration counts (the mean when it sampled flat). On a shared machine a few samples disturbed
//! by the neighbours move that slope by tens of per cent (the typed `lcow_uvm_1_3k` round trip
//! has printed 5.37 µs against a median of 3.85 µs in the same run), and the ratios of two such
//! estimates say more about the neighbours than about the code. Criterion also saves its median
//! estimate and every sample (`<group>/<function>/<parameter>/new/estimates.json` and
//! `sample.json`). This command reads them and prints the ratios with three estimators (median,
//! fastest sample, the printed one) and the targets' verdicts by the first two, so that a verdict
//! states which one it used and shows when the run was disturbed.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;

/// The documents of the benchmark, in its order (`hcs-schema/benches/support/suite.rs`).
const DOCUMENTS: [&str; 3] = [
    "lcow_uvm_1_3k",
    "compute_system_large",
    "properties_response",
];

/// Issue 11: typed round trip at most this times the `serde_json::Value` round trip.
const ROUND_TRIP_RATIO: f64 = 0.5;
/// Issue 11: typed serialize at most this times the `Value` serialize.
const SERIALIZE_RATIO: f64 = 0.8;
/// Issue 11: the round trip of this document ...
const ABSOLUTE_DOCUMENT: &str = "lcow_uvm_1_3k";
/// ... in at most this many nanoseconds.
const ABSOLUTE_ROUND_TRIP_NS: f64 = 3_000.0;

/// How far apart two estimators of one benchmark may be before it counts as disturbed: on a
/// quiet machine the median is within a few per cent of the fastest sample, and the printed
/// estimate of the median.
const DISTURBED: f64 = 1.10;

/// Benchmarks saved further apart than this were not saved by one run (the whole
/// `--bench serde` run takes about three minutes).
const ONE_RUN: Duration = Duration::from_secs(10 * 60);

/// The four benchmarks of a document that the targets compare.
#[derive(Clone, Copy)]
enum Bench {
    RoundTrip,
    ValueRoundTrip,
    Serialize,
    ValueSerialize,
}

impl Bench {
    const ALL: [Bench; 4] = [
        Bench::RoundTrip,
        Bench::ValueRoundTrip,
        Bench::Serialize,
        Bench::ValueSerialize,
    ];

    /// The benchmark's function name in `benches/support/suite.rs`.
    fn function(self) -> &'static str {
        match self {
            Bench::RoundTrip => "round_trip",
            Bench::ValueRoundTrip => "floor_value_round_trip",
            Bench::Serialize => "serialize",
            Bench::ValueSerialize => "floor_value_serialize",
        }
    }
}

/// What Criterion saved for one benchmark, in nanoseconds per iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Estimate {
    median: f64,
    fastest: f64,
    /// What Criterion prints: the slope, or the mean when it sampled flat.
    printed: f64,
}

/// The three ways to read a run, in the order they are printed.
#[derive(Clone, Copy)]
enum Estimator {
    Median,
    Fastest,
    Printed,
}

impl Estimator {
    const ALL: [Estimator; 3] = [Estimator::Median, Estimator::Fastest, Estimator::Printed];

    fn label(self) -> &'static str {
        match self {
            Estimator::Median => "median estimate",
            Estimator::Fastest => "fastest sample",
            Estimator::Printed => "printed (slope)",
        }
    }

    fn of(self, estimate: &Estimate) -> f64 {
        match self {
            Estimator::Median => estimate.median,
            Estimator::Fastest => estimate.fastest,
            Estimator::Printed => estimate.printed,
        }
    }
}

/// One benchmark as read: its estimates, and when its samples were written (when the file
/// system says).
#[derive(Clone, Copy)]
struct Measured {
    estimate: Estimate,
    written: Option<SystemTime>,
}

/// One document's four benchmarks, in [`Bench::ALL`] order.
struct Document {
    name: &'static str,
    benches: [Measured; 4],
}

impl Document {
    fn get(&self, bench: Bench) -> &Estimate {
        &self.benches[bench as usize].estimate
    }
}

/// Runs the command: `dir` is Criterion's output folder (by default where Criterion writes it,
/// [`default_dir`]); `prefix` the group prefix (`mimalloc_` for `--bench serde_mimalloc`).
pub fn run(dir: Option<PathBuf>, prefix: &str) -> Result<(), String> {
    let dir = dir.unwrap_or_else(default_dir);
    let documents = read_run(&dir, prefix)?;
    println!(
        "{}",
        header(
            &dir,
            written_span(&documents, SystemTime::now()),
            load_average().as_deref()
        )
    );
    print!("{}", report(&documents));
    Ok(())
}

/// Where Criterion writes: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the
/// workspace's `target/criterion`.
fn default_dir() -> PathBuf {
    let set = |name| std::env::var_os(name).filter(|dir| !dir.is_empty());
    if let Some(home) = set("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = match set("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => hcs_schema_gen::workspace::root().join("target"),
    };
    target.join("criterion")
}

/// Reads the four benchmarks of every document.
fn read_run(dir: &Path, prefix: &str) -> Result<Vec<Document>, String> {
    if !dir.is_dir() {
        return Err(format!(
            "no Criterion output at {}: run `cargo bench -p hcs-schema --bench serde` first, or \
             pass --criterion-dir",
            dir.display()
        ));
    }
    DOCUMENTS
        .iter()
        .map(|&name| {
            let group = format!("{prefix}{name}");
            let [a, b, c, d] = Bench::ALL.map(|bench| read_measured(dir, &group, bench));
            Ok(Document {
                name,
                benches: [a?, b?, c?, d?],
            })
        })
        .collect()
}

/// One benchmark of a group: its estimates, and when its samples were written.
fn read_measured(dir: &Path, group: &str, bench: Bench) -> Result<Measured, String> {
    let folder = bench_folder(dir, group, bench.function())?;
    Ok(Measured {
        estimate: read_estimate(&folder)?,
        written: fs::metadata(folder.join("sample.json"))
            .and_then(|m| m.modified())
            .ok(),
    })
}

/// `<dir>/<group>/<function>/<parameter>/new`: the benchmarks are named with one parameter,
/// the document's size in bytes, which the caller does not know.
fn bench_folder(dir: &Path, group: &str, function: &str) -> Result<PathBuf, String> {
    let parent = dir.join(group).join(function);
    let entries = fs::read_dir(&parent)
        .map_err(|e| format!("{}: {e} (was the benchmark run?)", parent.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", parent.display()))?;
        let new = entry.path().join("new");
        if new.join("estimates.json").is_file() {
            found.push(new);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!(
            "{}: no <parameter>/new/estimates.json (was the benchmark run?)",
            parent.display()
        )),
        _ => {
            found.sort();
            Err(format!(
                "{}: more than one parameter ({}); remove the stale ones",
                parent.display(),
                found
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
}

/// Reads `estimates.json` (median, slope or mean) and `sample.json` (the fastest sample) of a
/// folder. Every time must be a positive number: a ratio of anything else means nothing.
fn read_estimate(folder: &Path) -> Result<Estimate, String> {
    let estimates_path = folder.join("estimates.json");
    let estimates = read_json(&estimates_path)?;
    let point = |name: &str| {
        let pointer = format!("/{name}/point_estimate");
        positive(estimates.pointer(&pointer)).ok_or_else(|| {
            format!(
                "{}: {pointer} is not a positive number",
                estimates_path.display()
            )
        })
    };
    // Criterion writes `"slope": null` when it sampled flat, and prints the mean then.
    let printed = match estimates.get("slope") {
        None | Some(Value::Null) => point("mean")?,
        Some(_) => point("slope")?,
    };
    let sample_path = folder.join("sample.json");
    let sample = read_json(&sample_path)?;
    Ok(Estimate {
        median: point("median")?,
        printed,
        fastest: fastest_sample(&sample).map_err(|e| format!("{}: {e}", sample_path.display()))?,
    })
}

/// The value as a finite number above zero.
fn positive(value: Option<&Value>) -> Option<f64> {
    value
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite() && *n > 0.0)
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The fastest time per iteration among Criterion's samples: `times[i] / iters[i]`.
fn fastest_sample(sample: &Value) -> Result<f64, String> {
    let numbers = |name: &str| -> Result<Vec<f64>, String> {
        sample
            .get(name)
            .and_then(Value::as_array)
            .ok_or_else(|| format!("no array at /{name}"))?
            .iter()
            .enumerate()
            .map(|(i, n)| {
                positive(Some(n)).ok_or_else(|| format!("/{name}/{i} is not a positive number"))
            })
            .collect()
    };
    let (iters, times) = (numbers("iters")?, numbers("times")?);
    if iters.len() != times.len() {
        return Err(format!(
            "{} iteration counts but {} times",
            iters.len(),
            times.len()
        ));
    }
    iters
        .iter()
        .zip(&times)
        .map(|(iters, time)| time / iters)
        .min_by(f64::total_cmp)
        .ok_or_else(|| "no samples".to_owned())
}

/// When the samples were written: how long before `now` the oldest and the newest were, when
/// the file system says for all of them.
fn written_span(documents: &[Document], now: SystemTime) -> Option<(Duration, Duration)> {
    let mut times = Vec::new();
    for document in documents {
        for measured in &document.benches {
            times.push(measured.written?);
        }
    }
    let age = |time: &SystemTime| now.duration_since(*time).unwrap_or_default();
    Some((age(times.iter().min()?), age(times.iter().max()?)))
}

/// The first three fields of `/proc/loadavg` (Linux), when there is one.
fn load_average() -> Option<String> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(" "))
}

fn header(dir: &Path, written: Option<(Duration, Duration)>, load: Option<&str>) -> String {
    let ago = |age: Duration| match age.as_secs() {
        seconds @ 0..120 => format!("{seconds} s ago"),
        seconds => format!("{} min ago", seconds / 60),
    };
    let written = match written {
        Some((oldest, newest)) if oldest - newest > ONE_RUN => format!(
            "samples written {} to {}: NOT ONE RUN, the table mixes runs; run the whole \
             benchmark again",
            ago(oldest),
            ago(newest)
        ),
        Some((oldest, newest)) => format!("samples written {} to {}", ago(oldest), ago(newest)),
        None => "samples written at unknown times".to_owned(),
    };
    let load = match load {
        Some(load) => format!("load average now {load}"),
        None => "load average unknown".to_owned(),
    };
    format!(
        "Criterion run saved in {} ({written}; {load}).\n",
        dir.display()
    )
}

/// The table of every document and estimator, then the verdicts.
fn report(documents: &[Document]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| document | estimator | typed round trip | `Value` round trip | round trip / `Value` \
         (<= {ROUND_TRIP_RATIO}) | typed serialize | `Value` serialize | serialize / `Value` \
         (<= {SERIALIZE_RATIO}) |\n|---|---|---|---|---|---|---|---|"
    );
    for document in documents {
        for estimator in Estimator::ALL {
            let at = |bench| estimator.of(document.get(bench));
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {:.2} | {} | {} | {:.2} |",
                document.name,
                estimator.label(),
                time(at(Bench::RoundTrip)),
                time(at(Bench::ValueRoundTrip)),
                at(Bench::RoundTrip) / at(Bench::ValueRoundTrip),
                time(at(Bench::Serialize)),
                time(at(Bench::ValueSerialize)),
                at(Bench::Serialize) / at(Bench::ValueSerialize),
            );
        }
    }
    out.push('\n');
    for estimator in [Estimator::Median, Estimator::Fastest] {
        let _ = writeln!(out, "Verdicts by {}:", estimator.label());
        for line in verdicts(documents, estimator) {
            let _ = writeln!(out, "- {line}");
        }
    }
    let percent = (DISTURBED - 1.0) * 100.0;
    let disturbed = disturbed(documents);
    if disturbed.is_empty() {
        let _ = writeln!(
            out,
            "\nNo benchmark was disturbed: every median is within {percent:.0} % of the fastest \
             sample, every printed estimate within {percent:.0} % of the median."
        );
    } else {
        let _ = writeln!(
            out,
            "\nDisturbed (median more than {percent:.0} % above the fastest sample, or printed \
             estimate more than {percent:.0} % off the median): {}.",
            disturbed.join(", ")
        );
    }
    out
}

/// The three targets of issue 11, each met or missed, by one estimator.
fn verdicts(documents: &[Document], estimator: Estimator) -> Vec<String> {
    let ratio_target = |label: &str, typed: Bench, value: Bench, limit: f64| {
        let missed: Vec<String> = documents
            .iter()
            .filter_map(|d| {
                let ratio = estimator.of(d.get(typed)) / estimator.of(d.get(value));
                (ratio > limit).then(|| format!("`{}` {ratio:.2}", d.name))
            })
            .collect();
        if missed.is_empty() {
            format!("{label} <= {limit}x `Value`: met on every document")
        } else {
            format!(
                "{label} <= {limit}x `Value`: missed on {}",
                missed.join(", ")
            )
        }
    };
    let mut lines = vec![
        ratio_target(
            "round trip",
            Bench::RoundTrip,
            Bench::ValueRoundTrip,
            ROUND_TRIP_RATIO,
        ),
        ratio_target(
            "serialize",
            Bench::Serialize,
            Bench::ValueSerialize,
            SERIALIZE_RATIO,
        ),
    ];
    if let Some(document) = documents.iter().find(|d| d.name == ABSOLUTE_DOCUMENT) {
        let round_trip = estimator.of(document.get(Bench::RoundTrip));
        let verdict = if round_trip <= ABSOLUTE_ROUND_TRIP_NS {
            "met"
        } else {
            "missed"
        };
        lines.push(format!(
            "`{ABSOLUTE_DOCUMENT}` round trip <= {}: {verdict} ({})",
            time(ABSOLUTE_ROUND_TRIP_NS),
            time(round_trip)
        ));
    }
    lines
}

/// The benchmarks whose median is more than [`DISTURBED`] times their fastest sample, or whose
/// printed estimate is more than that above or below their median; with both differences in
/// per cent.
fn disturbed(documents: &[Document]) -> Vec<String> {
    let mut names = Vec::new();
    for document in documents {
        for bench in Bench::ALL {
            let estimate = document.get(bench);
            let spread = estimate.median / estimate.fastest;
            let skew = estimate.printed / estimate.median;
            if spread > DISTURBED || !(1.0 / DISTURBED..=DISTURBED).contains(&skew) {
                names.push(format!(
                    "`{}/{}` (median {:+.0} %, printed {:+.0} %)",
                    document.name,
                    bench.function(),
                    (spread - 1.0) * 100.0,
                    (skew - 1.0) * 100.0
                ));
            }
        }
    }
    names
}

/// A time in nanoseconds with three significant digits, in ns, µs or ms.
fn time(ns: f64) -> String {
    let (value, unit) = match ns {
        ..1_000.0 => (ns, "ns"),
        ..1_000_000.0 => (ns / 1_000.0, "µs"),
        _ => (ns / 1_000_000.0, "ms"),
    };
    let decimals = match value {
        ..10.0 => 2,
        ..100.0 => 1,
        _ => 0,
    };
    format!("{value:.decimals$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Criterion output folder under the system's temporary folder, removed when dropped.
    struct Folder(PathBuf);

    impl Folder {
        fn new(name: &str) -> Folder {
            let path = std::env::temp_dir().join(format!(
                "hcs-xtask-bench-verdict-{name}-{}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).unwrap();
            Folder(path)
        }

        /// Saves one benchmark as Criterion does: median and slope estimates (the mean twice
        /// the slope, to tell them apart), and samples given as (iterations, total time in ns),
        /// iteration counts written as floats like Criterion's.
        fn save(
            &self,
            group: &str,
            function: &str,
            median: f64,
            slope: f64,
            samples: &[(f64, f64)],
        ) {
            let new = self.0.join(group).join(function).join("1366").join("new");
            fs::create_dir_all(&new).unwrap();
            let estimate = |point: f64| {
                serde_json::json!({
                    "confidence_interval": {
                        "confidence_level": 0.95, "lower_bound": point, "upper_bound": point
                    },
                    "point_estimate": point,
                    "standard_error": 1.0
                })
            };
            let estimates = serde_json::json!({
                "mean": estimate(slope * 2.0),
                "median": estimate(median),
                "median_abs_dev": estimate(1.0),
                "slope": estimate(slope),
                "std_dev": estimate(1.0)
            });
            let sample = serde_json::json!({
                "sampling_mode": "Linear",
                "iters": samples.iter().map(|s| s.0).collect::<Vec<_>>(),
                "times": samples.iter().map(|s| s.1).collect::<Vec<_>>(),
            });
            fs::write(new.join("estimates.json"), estimates.to_string()).unwrap();
            fs::write(new.join("sample.json"), sample.to_string()).unwrap();
        }

        /// Saves all four benchmarks of every document, each with the given time (ns) as its
        /// median, a fastest sample of 0.92 times that and a slope of 1.05 times that (neither
        /// far enough from the median to count as disturbed).
        fn save_all(&self, prefix: &str, times: [[f64; 4]; 3]) {
            for (document, times) in DOCUMENTS.iter().zip(times) {
                for (bench, ns) in Bench::ALL.iter().zip(times) {
                    // 10 iterations at 0.92 times `ns` each, and 20 at `ns`.
                    let samples = [(10.0, ns * 0.92 * 10.0), (20.0, ns * 20.0)];
                    let group = format!("{prefix}{document}");
                    self.save(&group, bench.function(), ns, ns * 1.05, &samples);
                }
            }
        }

        /// The new/ folder of one benchmark saved with [`Folder::save`].
        fn new_of(&self, group: &str, function: &str) -> PathBuf {
            bench_folder(&self.0, group, function).unwrap()
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn reads_median_slope_and_the_fastest_sample() {
        let folder = Folder::new("read");
        // Samples 12,000 ns / 4 = 3,000; 14,000 / 5 = 2,800 (the fastest); 9,000 / 3 = 3,000.
        folder.save(
            "lcow_uvm_1_3k",
            "round_trip",
            3_850.0,
            5_370.0,
            &[(4.0, 12_000.0), (5.0, 14_000.0), (3.0, 9_000.0)],
        );
        let new = folder.new_of("lcow_uvm_1_3k", "round_trip");
        assert_eq!(
            read_estimate(&new).unwrap(),
            Estimate {
                median: 3_850.0,
                fastest: 2_800.0,
                printed: 5_370.0
            }
        );
        // Sampled flat: `"slope": null`, and Criterion prints the mean.
        let estimates = new.join("estimates.json");
        let mut flat: Value =
            serde_json::from_str(&fs::read_to_string(&estimates).unwrap()).unwrap();
        flat["slope"] = Value::Null;
        fs::write(&estimates, flat.to_string()).unwrap();
        assert_eq!(read_estimate(&new).unwrap().printed, 5_370.0 * 2.0);
    }

    #[test]
    fn verdicts_follow_the_issue_targets() {
        let folder = Folder::new("verdicts");
        // [round trip, Value round trip, serialize, Value serialize] per document, in ns.
        // lcow: 3,600 / 7,800 = 0.46 (met), 900 / 1,700 = 0.53 (met), 3.6 µs > 3 µs (missed).
        // large: 140,000 / 270,000 = 0.52 (missed); 40,000 / 50,000 = 0.80 (met: at the limit).
        // properties: 90,000 / 250,000 = 0.36; 45,000 / 55,000 = 0.82 (missed).
        // The fastest samples are 0.92 times these: the same ratios, lcow's round trip 3.31 µs.
        folder.save_all(
            "",
            [
                [3_600.0, 7_800.0, 900.0, 1_700.0],
                [140_000.0, 270_000.0, 40_000.0, 50_000.0],
                [90_000.0, 250_000.0, 45_000.0, 55_000.0],
            ],
        );
        let documents = read_run(&folder.0, "").unwrap();
        assert_eq!(
            verdicts(&documents, Estimator::Median),
            [
                "round trip <= 0.5x `Value`: missed on `compute_system_large` 0.52",
                "serialize <= 0.8x `Value`: missed on `properties_response` 0.82",
                "`lcow_uvm_1_3k` round trip <= 3.00 µs: missed (3.60 µs)",
            ]
        );
        assert_eq!(
            verdicts(&documents, Estimator::Fastest)[2],
            "`lcow_uvm_1_3k` round trip <= 3.00 µs: missed (3.31 µs)"
        );
        let text = report(&documents);
        for row in [
            "| `lcow_uvm_1_3k` | median estimate | 3.60 µs | 7.80 µs | 0.46 | 900 ns | 1.70 µs | 0.53 |",
            "| `lcow_uvm_1_3k` | fastest sample | 3.31 µs | 7.18 µs | 0.46 | 828 ns | 1.56 µs | 0.53 |",
            "| `compute_system_large` | printed (slope) | 147 µs | 284 µs | 0.52 | 42.0 µs | 52.5 µs | 0.80 |",
            "No benchmark was disturbed",
        ] {
            assert!(text.contains(row), "{row}\n{text}");
        }
    }

    #[test]
    fn a_fast_enough_run_meets_every_target_and_flags_disturbed_benchmarks() {
        let folder = Folder::new("met");
        folder.save_all(
            "mimalloc_",
            [
                [2_900.0, 7_000.0, 800.0, 1_700.0],
                [120_000.0, 270_000.0, 25_000.0, 50_000.0],
                [90_000.0, 250_000.0, 21_000.0, 55_000.0],
            ],
        );
        // A printed estimate 20 % above its median, one 20 % below, and a median 25 % above
        // its fastest sample.
        folder.save(
            "mimalloc_properties_response",
            "serialize",
            21_000.0,
            25_200.0,
            &[(10.0, 210_000.0)],
        );
        folder.save(
            "mimalloc_lcow_uvm_1_3k",
            "floor_value_serialize",
            1_700.0,
            1_360.0,
            &[(10.0, 17_000.0)],
        );
        folder.save(
            "mimalloc_compute_system_large",
            "floor_value_round_trip",
            270_000.0,
            270_000.0,
            &[(10.0, 2_160_000.0), (10.0, 2_700_000.0)],
        );
        let documents = read_run(&folder.0, "mimalloc_").unwrap();
        assert_eq!(
            verdicts(&documents, Estimator::Median),
            [
                "round trip <= 0.5x `Value`: met on every document",
                "serialize <= 0.8x `Value`: met on every document",
                "`lcow_uvm_1_3k` round trip <= 3.00 µs: met (2.90 µs)",
            ]
        );
        assert_eq!(
            disturbed(&documents),
            [
                "`lcow_uvm_1_3k/floor_value_serialize` (median +0 %, printed -20 %)",
                "`compute_system_large/floor_value_round_trip` (median +25 %, printed +0 %)",
                "`properties_response/serialize` (median +0 %, printed +20 %)",
            ]
        );
    }

    #[test]
    fn benchmarks_saved_far_apart_are_not_one_run() {
        let now = SystemTime::now();
        let minutes = |m| Duration::from_secs(m * 60);
        let estimate = Estimate {
            median: 1.0,
            fastest: 1.0,
            printed: 1.0,
        };
        let document = |ages: [u64; 4]| Document {
            name: "lcow_uvm_1_3k",
            benches: ages.map(|age| Measured {
                estimate,
                written: Some(now - minutes(age)),
            }),
        };
        let span = written_span(&[document([3, 2, 2, 1])], now);
        assert_eq!(span, Some((minutes(3), minutes(1))));
        let header_of = |span| header(Path::new("c"), span, Some("0.5 0.6 0.7"));
        assert_eq!(
            header_of(span),
            "Criterion run saved in c (samples written 3 min ago to 60 s ago; load average now \
             0.5 0.6 0.7).\n"
        );
        let span = written_span(&[document([3, 2, 2, 1]), document([40, 2, 2, 2])], now);
        assert!(
            header_of(span).contains("NOT ONE RUN"),
            "{}",
            header_of(span)
        );
    }

    #[test]
    fn missing_or_malformed_output_is_an_error_naming_the_file() {
        let folder = Folder::new("errors");
        let error = read_run(&folder.0.join("absent"), "").err().unwrap();
        assert!(error.contains("no Criterion output at"), "{error}");
        let error = read_run(&folder.0, "").err().unwrap();
        assert!(error.contains("lcow_uvm_1_3k/round_trip"), "{error}");

        folder.save("lcow_uvm_1_3k", "round_trip", 1.0, 1.0, &[(1.0, 1.0)]);
        let new = folder.new_of("lcow_uvm_1_3k", "round_trip");
        let estimates = new.join("estimates.json");
        let sample = new.join("sample.json");

        fs::write(&sample, r#"{"iters": [1.0, 2.0], "times": [1.0]}"#).unwrap();
        let error = read_estimate(&new).err().unwrap();
        assert!(
            error.ends_with("sample.json: 2 iteration counts but 1 times"),
            "{error}"
        );
        fs::write(&sample, r#"{"iters": [1.0, 0.0], "times": [1.0, 1.0]}"#).unwrap();
        let error = read_estimate(&new).err().unwrap();
        assert!(
            error.ends_with("sample.json: /iters/1 is not a positive number"),
            "{error}"
        );
        fs::write(&sample, r#"{"iters": [], "times": []}"#).unwrap();
        let error = read_estimate(&new).err().unwrap();
        assert!(error.ends_with("sample.json: no samples"), "{error}");

        fs::write(
            &estimates,
            r#"{"mean": {"point_estimate": 1.0}, "slope": null}"#,
        )
        .unwrap();
        let error = read_estimate(&new).err().unwrap();
        assert!(
            error.ends_with("estimates.json: /median/point_estimate is not a positive number"),
            "{error}"
        );
        fs::write(
            &estimates,
            r#"{"median": {"point_estimate": 1.0}, "slope": {"point_estimate": "x"}}"#,
        )
        .unwrap();
        let error = read_estimate(&new).err().unwrap();
        assert!(
            error.ends_with("estimates.json: /slope/point_estimate is not a positive number"),
            "{error}"
        );
        fs::write(&estimates, "{").unwrap();
        let error = read_estimate(&new).err().unwrap();
        assert!(error.contains("estimates.json: EOF"), "{error}");

        // A second parameter folder: the benchmark was renamed, stale output is left.
        let stale = folder.0.join("lcow_uvm_1_3k/round_trip/1400/new");
        fs::create_dir_all(&stale).unwrap();
        fs::copy(&estimates, stale.join("estimates.json")).unwrap();
        let error = bench_folder(&folder.0, "lcow_uvm_1_3k", "round_trip")
            .err()
            .unwrap();
        assert!(error.contains("more than one parameter"), "{error}");
    }
}
