//! The documented fallback when the host's schema versions cannot be had: `HcsGetServiceProperties`
//! fails, or answers without `SupportedSchemaVersions`. Typed calls are not refused for it: the
//! default check runs without a target (nothing is an error by version; warnings are returned with
//! the reason), the strict check refuses only warnings.
//!
//! One test function on purpose: the host's answer (or failure) is cached per loaded library for
//! the whole process, so the steps must run in this order, in their own test binary.

mod common;

use hcs::schema::{
    CombinedLayers, FileSystemFilterType, FindingKind, Layer, ModifyRequestType,
    ModifyResourceType, VirtualMachineMemory,
};
use hcs::{Error, SchemaCheck};

#[test]
fn without_the_hosts_versions_typed_calls_still_go_through() {
    let control = common::control();
    // The host answers, but without versions.
    control
        .configure(r#"{"ReportSchemaVersions":false}"#)
        .expect("configure");
    let hcs = common::hcs();
    let error = hcs.supported_schema_versions().unwrap_err();
    assert!(
        error.to_string().contains("no SupportedSchemaVersions"),
        "{error}"
    );

    // A plain document is created as usual.
    let id = common::unique_id("fallback");
    let system = hcs
        .create_compute_system(&id, &common::vm_document())
        .expect("created without knowing the host's versions");

    // The check says why it had no target; an item of a known version is not an error without
    // one, and an observed item whose version no source gives is a warning.
    let report = hcs
        .check_document("HcsCreateComputeSystem", &common::vm_document())
        .expect("checked");
    assert_eq!(report.target, None);
    assert!(
        report
            .host_unknown
            .as_deref()
            .is_some_and(|why| why.contains("no SupportedSchemaVersions")),
        "{report:?}"
    );
    assert!(report.warnings.is_empty(), "{report:?}");
    let mut with_backing = common::vm_document();
    with_backing
        .virtual_machine
        .as_mut()
        .unwrap()
        .compute_topology
        .as_mut()
        .unwrap()
        .memory = Some(VirtualMachineMemory {
        size_in_mb: Some(1024),
        backing: Some("Physical".into()),
        ..Default::default()
    });
    let report = hcs
        .check_document("HcsCreateComputeSystem", &with_backing)
        .expect("a warning at most");
    // `Backing` is in Windows Server 2022's own schema (schema 2.5): a version is known, so no
    // warning even without a target. `Hybrid`, one of its values, has no version anywhere.
    assert!(report.warnings.is_empty(), "{report:?}");
    with_backing
        .virtual_machine
        .as_mut()
        .unwrap()
        .compute_topology
        .as_mut()
        .unwrap()
        .memory
        .as_mut()
        .unwrap()
        .backing = Some("Hybrid".into());
    let report = hcs
        .check_document("HcsCreateComputeSystem", &with_backing)
        .expect("a warning at most");
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    assert!(matches!(
        report.warnings[0].kind,
        FindingKind::Observed { .. }
    ));
    hcs.create_compute_system(&common::unique_id("fallback-hybrid"), &with_backing)
        .expect("sent with the warning");

    // Without the host's version, FilterType (schema 2.9) cannot be known to fail: it is sent.
    let combined = CombinedLayers {
        layers: Some(vec![Layer {
            path: Some(r"C:\layers\base".into()),
            ..Default::default()
        }]),
        container_root_path: Some(r"C:\c\root".into()),
        filter_type: Some(FileSystemFilterType::Wcifs),
        ..Default::default()
    };
    let report = hcs
        .check_document("HcsModifyComputeSystem", &combined)
        .expect("no target, no version error");
    assert!(report.warnings.is_empty(), "{report:?}");

    // The strict check refuses the warning, and says the host's version is unknown.
    let strict = hcs.with_schema_check(SchemaCheck::StrictHost);
    let error = strict
        .create_compute_system(&common::unique_id("fallback-strict"), &with_backing)
        .unwrap_err();
    let Error::SchemaVersion(details) = &error else {
        panic!("expected a local schema error, got {error}")
    };
    assert_eq!(details.target, None);
    assert!(
        error.to_string().contains("its schema version is unknown"),
        "{error}"
    );

    // A fixed target needs no host: FilterType to a 2.5 guest is refused, naming 2.9.
    let error = hcs
        .with_schema_check(SchemaCheck::Version(hcs::schema::SchemaVersion::V2_5))
        .open_compute_system(&id, hcs::Access::GENERIC_ALL)
        .expect("open")
        .modify_guest(
            ModifyResourceType::CombinedLayers,
            ModifyRequestType::Add,
            &combined,
        )
        .unwrap_err();
    assert!(
        error.to_string().contains("FilterType needs schema 2.9"),
        "{error}"
    );

    // The answer is cached: the host reporting versions later is not seen.
    control
        .configure(r#"{"ReportSchemaVersions":true}"#)
        .expect("configure");
    assert!(hcs.supported_schema_versions().is_err());
    drop(system);
    control.configure_defaults().expect("defaults");
}

/// `HcsGetServiceProperties` failing is the same fallback. A copy of the emulator under another
/// name is another loaded library, with its own state and its own cache entry.
#[test]
fn a_failing_service_query_is_the_same_fallback() {
    let dir = std::env::temp_dir().join(format!("hcs-fallback-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let original = common::emulator_path();
    let copy = dir.join(format!(
        "failing-{}",
        original.file_name().unwrap().to_string_lossy()
    ));
    std::fs::copy(&original, &copy).expect("copy the emulator");
    let control = hcs_emulator::Emulator::load(&copy).expect("load the copy's controls");
    control
        .configure(
            r#"{"InjectFailures":[{"Function":"HcsGetServiceProperties","Error":-2147467259,"Count":1}]}"#,
        )
        .expect("configure");
    let hcs = hcs::Hcs::load_from(&copy).expect("load the copy");
    let error = hcs.supported_schema_versions().unwrap_err();
    assert!(
        error.to_string().contains("HcsGetServiceProperties"),
        "{error}"
    );
    // Typed calls go through, checked without a target.
    let report = hcs
        .check_document("HcsCreateComputeSystem", &common::vm_document())
        .expect("checked");
    assert_eq!(report.target, None);
    assert!(report.host_unknown.is_some());
    hcs.create_compute_system(&common::unique_id("after-failure"), &common::vm_document())
        .expect("typed calls still work");
    // The failure is cached: the next query is not made (it would succeed now).
    assert!(hcs.supported_schema_versions().is_err());
}
