//! `cargo xtask`: the project's development commands.
//!
//! - `cargo xtask codegen [--check]`: committed model -> `hcs-schema/src/generated/`.
//! - `cargo xtask import [DIR | FILE...] [--check]`: published schema files -> `schema-json/model.json`,
//!   then codegen. `DIR` defaults to `$HCS_SHARED_DIR/schema-json` (`HCS_SHARED_DIR` defaults to
//!   `../shared` next to the workspace).
//! - `cargo xtask bench-verdict [--criterion-dir DIR] [--prefix mimalloc_]`: issue 11's
//!   serialization targets from the last Criterion run of `cargo bench -p hcs-schema --bench serde`.
//! - `cargo xtask test-windows`: the runtime's tests as a Windows program under Wine, against the
//!   emulator built as `computecore.dll`. Where the target, mingw or Wine cannot be had it fails
//!   under `CI`/`HCS_REQUIRE_INPUTS` and prints one `skipped: Windows tests under Wine: ...` line
//!   elsewhere.

mod bench_verdict;
mod codegen;
mod test_windows;

// Code generation builds and parses many small token trees; with glibc's allocator, malloc and
// free are a third of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Development commands for hcs-rs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate `hcs-schema/src/generated/` from the committed model `schema-json/model.json`.
    Codegen {
        /// Fail (instead of writing) when a committed file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Merge the published schema files into `schema-json/model.json`, then generate the code.
    Import {
        /// The published schema folder (default: `$HCS_SHARED_DIR/schema-json`), or every
        /// published file (each release's files and `SchemaReference.md`).
        inputs: Vec<PathBuf>,
        /// Fail (instead of writing) when the committed model or code is stale.
        #[arg(long)]
        check: bool,
        /// List every disagreement between the reference and the files, not just their number.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Run the `hcs` tests for x86_64-pc-windows-gnu under Wine against the emulator.
    TestWindows,
    /// Print issue 11's serialization targets from the last `cargo bench -p hcs-schema --bench
    /// serde`: the ratios by Criterion's median estimate, fastest sample and printed estimate
    /// (the slope), the verdicts by the first two, and the disturbed benchmarks.
    BenchVerdict {
        /// Criterion's output folder (default, as Criterion chooses it: `$CRITERION_HOME`, else
        /// `$CARGO_TARGET_DIR/criterion`, else `target/criterion` in the workspace).
        #[arg(long)]
        criterion_dir: Option<PathBuf>,
        /// The benchmark groups' prefix: `mimalloc_` for `--bench serde_mimalloc`.
        #[arg(long, default_value = "")]
        prefix: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen { check } => codegen::codegen(check),
        Command::Import {
            inputs,
            check,
            verbose,
        } => codegen::import(inputs, check, verbose),
        Command::TestWindows => test_windows::run(),
        Command::BenchVerdict {
            criterion_dir,
            prefix,
        } => bench_verdict::run(criterion_dir, &prefix),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
