//! `cargo xtask bench-verdict`: issue 11's serialization targets, read from what the last run of
//! `cargo bench -p hcs-schema --bench serde` saved.
//!
//! Criterion prints one estimate per benchmark: the slope of its samples' times against their
//! iteration counts (the mean when it sampled flat). On a shared machine a few samples disturbed
//! by the neighbours move that slope by tens of per cent (the typed `lcow_uvm_1_3k` round trip
//! has printed 5.37 µs against a median of 3.85 µs in the same run), and the ratios of two such
//! estimates say more about the neighbours than about the code. Criterion also saves its median
//! estimate and every sample (`<group>/<function>/<parameter>/new/estimates.json` and
//! `sample.json`). This command reads them and prints the targets with three estimators (median,
//! fastest sample, the printed one), so that a verdict states which one it used and shows when
//! the run was disturbed.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

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

/// A printed estimate this much above the median, or a median this much above the fastest
/// sample, marks a disturbed benchmark: on a quiet machine all three are within a few per cent.
const DISTURBED: f64 = 1.10;

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

/// One document's four benchmarks, in [`Bench::ALL`] order.
struct Document {
    name: &'static str,
    estimates: [Estimate; 4],
}

impl Document {
    fn get(&self, bench: Bench) -> &Estimate {
        &self.estimates[bench as usize]
    }
}

/// Runs the command: `dir` is Criterion's output folder (default `$CARGO_TARGET_DIR/criterion`,
/// or `target/criterion` in the workspace); `prefix` the group prefix (`mimalloc_` for
/// `--bench serde_mimalloc`).
pub fn run(dir: Option<PathBuf>, prefix: &str) -> Result<(), String> {
    let dir = dir.unwrap_or_else(default_dir);
    let documents = read_run(&dir, prefix)?;
    let written = newest_sample_age(&dir, prefix, &documents);
    println!("{}", header(&dir, written, load_average().as_deref()));
    print!("{}", report(&documents));
    Ok(())
}

fn default_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => hcs_schema_gen::workspace::root().join("target"),
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
            let mut estimates = [Estimate {
                median: 0.0,
                fastest: 0.0,
                printed: 0.0,
            }; 4];
            for bench in Bench::ALL {
                let folder = bench_folder(dir, &format!("{prefix}{name}"), bench.function())?;
                estimates[bench as usize] = read_estimate(&folder)?;
            }
            Ok(Document { name, estimates })
        })
        .collect()
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
/// folder.
fn read_estimate(folder: &Path) -> Result<Estimate, String> {
    let estimates_path = folder.join("estimates.json");
    let estimates = read_json(&estimates_path)?;
    let find = |name: &str| {
        estimates
            .pointer(&format!("/{name}/point_estimate"))
            .and_then(Value::as_f64)
    };
    let point = |name: &str| -> Result<f64, String> {
        find(name).ok_or_else(|| {
            format!(
                "{}: no number at /{name}/point_estimate",
                estimates_path.display()
            )
        })
    };
    let sample_path = folder.join("sample.json");
    let sample = read_json(&sample_path)?;
    Ok(Estimate {
        median: point("median")?,
        // `slope` is `null` when Criterion sampled flat.
        printed: match find("slope") {
            Some(slope) => slope,
            None => point("mean")?,
        },
        fastest: fastest_sample(&sample).map_err(|e| format!("{}: {e}", sample_path.display()))?,
    })
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
                n.as_f64()
                    .ok_or_else(|| format!("no number at /{name}/{i}"))
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
        .filter(|(iters, _)| **iters > 0.0)
        .map(|(iters, time)| time / iters)
        .min_by(f64::total_cmp)
        .ok_or_else(|| "no sample with iterations".to_owned())
}

/// How long ago the newest `sample.json` was written, in seconds, when the file system says.
fn newest_sample_age(dir: &Path, prefix: &str, documents: &[Document]) -> Option<u64> {
    let mut newest = None;
    for document in documents {
        for bench in Bench::ALL {
            let folder = bench_folder(dir, &format!("{prefix}{}", document.name), bench.function());
            let modified = fs::metadata(folder.ok()?.join("sample.json"))
                .and_then(|m| m.modified())
                .ok()?;
            newest = newest.max(Some(modified));
        }
    }
    SystemTime::now()
        .duration_since(newest?)
        .ok()
        .map(|age| age.as_secs())
}

/// The first three fields of `/proc/loadavg` (Linux), when there is one.
fn load_average() -> Option<String> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(" "))
}

fn header(dir: &Path, age_seconds: Option<u64>, load: Option<&str>) -> String {
    let age = match age_seconds {
        Some(seconds) if seconds < 120 => format!("{seconds} s ago"),
        Some(seconds) => format!("{} min ago", seconds / 60),
        None => "at an unknown time".to_owned(),
    };
    let load = match load {
        Some(load) => format!("load average now {load}"),
        None => "load average unknown".to_owned(),
    };
    format!(
        "Criterion run saved in {} (newest sample written {age}; {load}).\n",
        dir.display()
    )
}

/// The table of every document and estimator, then the verdicts.
fn report(documents: &[Document]) -> String {
    let mut out = String::new();
    out.push_str(
        "| document | estimator | typed round trip | `Value` round trip | round trip / `Value` \
         (<= 0.5) | typed serialize | `Value` serialize | serialize / `Value` (<= 0.8) |\n\
         |---|---|---|---|---|---|---|---|\n",
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
    let disturbed = disturbed(documents);
    if disturbed.is_empty() {
        out.push_str(
            "\nNo benchmark was disturbed: every median is within 10 % of the fastest sample, \
             every printed estimate within 10 % of the median.\n",
        );
    } else {
        let _ = writeln!(
            out,
            "\nDisturbed (median more than 10 % above the fastest sample, or printed estimate \
             more than 10 % above the median): {}.",
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
/// printed estimate is more than that times their median; with both excesses in per cent.
fn disturbed(documents: &[Document]) -> Vec<String> {
    let mut names = Vec::new();
    for document in documents {
        for bench in Bench::ALL {
            let estimate = document.get(bench);
            let spread = estimate.median / estimate.fastest;
            let skew = estimate.printed / estimate.median;
            if spread > DISTURBED || skew > DISTURBED {
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

/// A time in nanoseconds, as Criterion prints it: three significant digits in µs (all the
/// benchmarked operations take between one and a thousand microseconds).
fn time(ns: f64) -> String {
    let us = ns / 1_000.0;
    if us < 10.0 {
        format!("{us:.2} µs")
    } else if us < 100.0 {
        format!("{us:.1} µs")
    } else {
        format!("{us:.0} µs")
    }
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

        /// Saves one benchmark as Criterion does: median and slope estimates, and samples
        /// given as (iterations, total time in ns).
        fn save(
            &self,
            group: &str,
            function: &str,
            median: f64,
            slope: f64,
            samples: &[(u64, f64)],
        ) {
            let new = self.0.join(group).join(function).join("1366").join("new");
            fs::create_dir_all(&new).unwrap();
            let estimate = |point: f64| {
                serde_json::json!({
                    "confidence_interval": {"confidence_level": 0.95, "lower_bound": point, "upper_bound": point},
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

        /// Saves all four benchmarks of every document, each with the given time (ns) as median
        /// and slope, and as its fastest sample.
        fn save_all(&self, prefix: &str, times: [[f64; 4]; 3]) {
            for (document, times) in DOCUMENTS.iter().zip(times) {
                for (bench, ns) in Bench::ALL.iter().zip(times) {
                    // Two samples: 10 iterations at `ns` each, and 20 at 1.5 times that.
                    let samples = [(10, ns * 10.0), (20, ns * 1.5 * 20.0)];
                    self.save(
                        &format!("{prefix}{document}"),
                        bench.function(),
                        ns,
                        ns,
                        &samples,
                    );
                }
            }
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
            &[(4, 12_000.0), (5, 14_000.0), (3, 9_000.0)],
        );
        let new = bench_folder(&folder.0, "lcow_uvm_1_3k", "round_trip").unwrap();
        assert_eq!(
            read_estimate(&new).unwrap(),
            Estimate {
                median: 3_850.0,
                fastest: 2_800.0,
                printed: 5_370.0
            }
        );
        // Sampled flat: no slope, and Criterion prints the mean.
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
        let text = report(&documents);
        assert!(
            text.contains(
                "| `lcow_uvm_1_3k` | median estimate | 3.60 µs | 7.80 µs | 0.46 | 0.90 µs"
            ),
            "{text}"
        );
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
        // One benchmark whose printed estimate is 20 % above its median, one whose median is
        // 25 % above its fastest sample.
        folder.save(
            "mimalloc_properties_response",
            "serialize",
            21_000.0,
            25_200.0,
            &[(10, 210_000.0)],
        );
        folder.save(
            "mimalloc_compute_system_large",
            "floor_value_round_trip",
            270_000.0,
            270_000.0,
            &[(10, 2_160_000.0), (10, 2_700_000.0)],
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
                "`compute_system_large/floor_value_round_trip` (median +25 %, printed +0 %)",
                "`properties_response/serialize` (median +0 %, printed +20 %)",
            ]
        );
    }

    #[test]
    fn missing_or_malformed_output_is_an_error_naming_the_file() {
        let folder = Folder::new("errors");
        let error = read_run(&folder.0.join("absent"), "").err().unwrap();
        assert!(error.contains("no Criterion output at"), "{error}");
        let error = read_run(&folder.0, "").err().unwrap();
        assert!(error.contains("lcow_uvm_1_3k/round_trip"), "{error}");

        folder.save("lcow_uvm_1_3k", "round_trip", 1.0, 1.0, &[(1, 1.0)]);
        let new = bench_folder(&folder.0, "lcow_uvm_1_3k", "round_trip").unwrap();
        fs::write(
            new.join("sample.json"),
            r#"{"iters": [1, 2], "times": [1.0]}"#,
        )
        .unwrap();
        let error = read_estimate(&new).err().unwrap();
        assert!(
            error.contains("sample.json: 2 iteration counts but 1 times"),
            "{error}"
        );
        fs::write(new.join("estimates.json"), "{").unwrap();
        let error = read_estimate(&new).err().unwrap();
        assert!(error.contains("estimates.json: EOF"), "{error}");
    }
}
