//! Creates and starts a utility VM, runs a process in it and reads its exit
//! code.
//!
//! On Windows it uses the real Host Compute System (run it elevated, with
//! the Hyper-V feature installed). With `HCS_EMULATOR_PATH` set to the
//! project's emulator library (`target/debug/libhcs_emulator.so`) it runs
//! anywhere: `HCS_EMULATOR_PATH=target/debug/libhcs_emulator.so cargo run -p hcs --example quickstart`.
//! The same `run` function is compiled into the tests and run against the
//! emulator (`hcs/tests/readme_example.rs`). With `--features tracing` it
//! prints one line per HCS call.

use std::path::Path;

// README-BEGIN
use hcs::schema::{
    Chipset, ComputeSystem, ProcessParameters, Topology, Uefi, Version, VirtualMachine,
    VirtualMachineMemory, VirtualMachineProcessor,
};
use hcs::{EventOptions, EventType, Hcs};

/// Creates and starts a utility VM, runs `cmd /c exit 3` in it and returns
/// the process's exit code.
pub fn run(hcs: &Hcs) -> hcs::Result<u32> {
    let document = ComputeSystem {
        owner: Some("quickstart".into()),
        schema_version: Some(Version {
            major: Some(2),
            minor: Some(1),
            ..Default::default()
        }),
        should_terminate_on_last_handle_closed: Some(true),
        virtual_machine: Some(VirtualMachine {
            chipset: Some(Chipset {
                uefi: Some(Uefi::default()),
                ..Default::default()
            }),
            compute_topology: Some(Topology {
                memory: Some(VirtualMachineMemory {
                    size_in_mb: Some(1024),
                    ..Default::default()
                }),
                processor: Some(VirtualMachineProcessor {
                    count: Some(2),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };

    // Create and start the VM (each call waits for its HCS operation).
    let system = hcs.create_compute_system("quickstart-uvm", &document)?;
    let events = system.events(EventOptions::NONE)?;
    system.start()?;

    // Run a process in it and read its exit code.
    let parameters = ProcessParameters {
        command_line: Some("cmd /c exit 3".into()),
        ..Default::default()
    };
    let process = system.create_process(&parameters)?;
    let status = process.wait_for_exit(None)?;

    // Stop the VM; its exit arrives as an event.
    system.terminate()?;
    let exited = events
        .into_iter()
        .any(|event| event.event_type == EventType::SYSTEM_EXITED);
    assert!(exited);
    Ok(status.exit_code.unwrap_or_default())
}
// README-END

fn main() -> hcs::Result<()> {
    // With `--features tracing`, one line per HCS call (`RUST_LOG=trace`
    // adds the redacted documents); without it, nothing is recorded.
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|level| level.parse().ok())
        .unwrap_or(tracing::Level::DEBUG);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let hcs = match std::env::var_os("HCS_EMULATOR_PATH") {
        Some(path) => Hcs::load_from(Path::new(&path))?,
        None => Hcs::system()?,
    };
    let exit_code = run(&hcs)?;
    println!("the process exited with code {exit_code}");
    Ok(())
}
