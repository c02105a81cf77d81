//! `cargo xtask`: the project's development commands.
//!
//! - `cargo xtask codegen [--check]`: committed model -> `hcs-schema/src/generated/`.
//! - `cargo xtask import [DIR] [--check]`: published schema files -> `schema-json/model.json`,
//!   then codegen. `DIR` defaults to `$HCS_SHARED_DIR/schema-json` (`HCS_SHARED_DIR` defaults to
//!   `../shared` next to the workspace).

mod codegen;

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
        /// The published schema folder (default: `$HCS_SHARED_DIR/schema-json`).
        dir: Option<PathBuf>,
        /// Fail (instead of writing) when the committed model or code is stale.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen { check } => codegen::codegen(check),
        Command::Import { dir, check } => codegen::import(dir, check),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
