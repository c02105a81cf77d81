//! A process-isolated Windows container (what Docker creates with `--isolation=process`), built in
//! typed Rust and printed as JSON.

use hcs_schema::{
    ComputeSystem, Container, ContainerMemory, ContainerProcessor, Guid, Layer, MappedDirectory,
    Networking, Storage, Version,
};

fn main() {
    let layer = |id: &str, path: &str| Layer {
        id: Some(Guid::parse(id).expect("a GUID")),
        path: Some(path.into()),
        ..Default::default()
    };
    let container = ComputeSystem {
        owner: Some("my-engine".into()),
        schema_version: Some(Version {
            major: Some(2),
            minor: Some(1),
            ..Default::default()
        }),
        container: Some(Container {
            storage: Some(Storage {
                layers: Some(vec![
                    layer(
                        "dcd3e8ab-4b2c-5f7a-9c53-6c4e7e1c1f11",
                        r"C:\ProgramData\docker\windowsfilter\app",
                    ),
                    layer(
                        "8d0c1b5e-0a5a-4e2b-9b2f-6c7a2e6e1e1a",
                        r"C:\ProgramData\docker\windowsfilter\base",
                    ),
                ]),
                path: Some(r"\\?\Volume{7d4e0c41-8f0a-4a47-9f0e-3c5c2f9b6a10}\".into()),
                ..Default::default()
            }),
            mapped_directories: Some(vec![MappedDirectory {
                host_path: Some(r"C:\data".into()),
                container_path: Some(r"C:\data".into()),
                read_only: Some(true),
                ..Default::default()
            }]),
            memory: Some(ContainerMemory {
                size_in_mb: Some(2048),
                ..Default::default()
            }),
            processor: Some(ContainerProcessor {
                count: Some(2),
                ..Default::default()
            }),
            networking: Some(Networking {
                allow_unqualified_dns_query: Some(true),
                network_adapters: Some(vec![
                    Guid::parse("2a37a0c8-a6a1-4b4b-8a3b-7c7d4e3e9b01").expect("a GUID"),
                ]),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&container).expect("serializes")
    );
}
