//! Negotiating the schema version with the host: the runtime reads the host's supported versions
//! once, checks every typed document against them before sending it, and fails locally with the
//! offending paths when the host is known to reject them; without the check, the (emulated) host
//! rejects the same document itself. What is not known either way is sent, as a warning.
//!
//! One test function on purpose: the supported versions are cached per loaded library for the
//! whole process, so the steps must run in this order.
//!
//! Every expected verdict is written by hand from the published inputs, never computed with
//! `hcs_schema::check`: `Attachment.SupportCompressedVolumes` first appears in the published
//! `windows-10-sdk-2004.json` (schema 2.3); `VirtualMachine_Memory.SizeInMB` is 2.1 in
//! `SchemaReference.md`; `ModifySettingRequest.Priority` is in no published file.

mod common;

use hcs::schema::{
    Attachment, AttachmentType, CombinedLayers, FileSystemFilterType, FindingKind, Layer,
    ModifyRequestType, ModifyResourceType, SchemaVersion, Scsi,
};
use hcs::{Error, HResult, SchemaCheck};

fn document_needing_2_3() -> hcs::schema::ComputeSystem {
    let mut document = common::vm_document();
    let devices = document
        .virtual_machine
        .as_mut()
        .unwrap()
        .devices
        .get_or_insert_with(Default::default);
    devices.scsi = Some(
        [(
            "0".to_owned(),
            Scsi {
                attachments: Some(
                    [(
                        "0".to_owned(),
                        Attachment {
                            r#type: Some(AttachmentType::VirtualDisk),
                            path: Some(r"C:\scratch.vhdx".into()),
                            support_compressed_volumes: Some(true),
                            ..Default::default()
                        },
                    )]
                    .into(),
                ),
                ..Default::default()
            },
        )]
        .into(),
    );
    document
}

#[test]
fn documents_are_checked_against_the_host_schema_version() {
    let control = common::control();
    control
        .configure(r#"{"SupportedSchemaVersions":[{"Major":2,"Minor":1}]}"#)
        .expect("configure");
    let hcs = common::hcs();

    // The host's versions, as HcsGetServiceProperties reports them.
    let supported = hcs.supported_schema_versions().expect("service properties");
    assert_eq!(supported.highest(), SchemaVersion::V2_1);
    assert!(supported.supports(SchemaVersion::V2_0));
    assert!(!supported.supports(SchemaVersion::V2_3));

    // A document within 2.1 goes through.
    let fine = hcs
        .create_compute_system(&common::unique_id("fits"), &common::vm_document())
        .expect("create");
    drop(fine);

    // A document that needs 2.3 fails locally, naming the path and the version, and nothing is sent.
    let before = control.statistics().expect("statistics");
    let error = hcs
        .create_compute_system(&common::unique_id("too-new"), &document_needing_2_3())
        .unwrap_err();
    let Error::SchemaVersion(details) = &error else {
        panic!("expected a local schema error, got {error}")
    };
    assert_eq!(details.target, Some(SchemaVersion::V2_1));
    assert_eq!(details.findings.len(), 1, "{error}");
    assert_eq!(
        details.findings[0].path,
        r#"VirtualMachine.Devices.Scsi["0"].Attachments["0"].SupportCompressedVolumes"#
    );
    let message = error.to_string();
    assert!(
        message.starts_with("HcsCreateComputeSystem: the document does not fit schema 2.1"),
        "{message}"
    );
    assert!(
        message.contains("needs schema 2.3 (Windows 10 SDK, version 2004"),
        "{message}"
    );
    let after = control.statistics().expect("statistics");
    assert_eq!(
        before["LiveSystems"], after["LiveSystems"],
        "nothing reached the host"
    );

    // Without the check the host rejects it itself, with the opaque error the check avoids.
    let unchecked = hcs.with_schema_check(SchemaCheck::Off);
    let error = unchecked
        .create_compute_system(&common::unique_id("unchecked"), &document_needing_2_3())
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error}");

    // A fixed target is checked without asking the host: 2.3 passes locally, the host still says no.
    let targeted = hcs.with_schema_check(SchemaCheck::Version(SchemaVersion::V2_3));
    let error = targeted
        .create_compute_system(&common::unique_id("targeted"), &document_needing_2_3())
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error}");

    // The raw escape hatch is never checked.
    let raw = serde_json::to_string(&document_needing_2_3()).unwrap();
    let error = hcs
        .create_compute_system_raw(&common::unique_id("raw"), &raw)
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error}");

    // The versions are read once per process: the host changing its answer is not seen.
    control
        .configure(r#"{"SupportedSchemaVersions":[{"Major":2,"Minor":6}]}"#)
        .expect("configure");
    assert_eq!(
        hcs.supported_schema_versions().expect("cached").highest(),
        SchemaVersion::V2_1
    );

    // Modify requests are checked too. A property no source has is not known to fail: sent (the
    // emulated host, by default, accepts what is not known to fail too), and a warning of the
    // check; a strict check refuses it before HCS sees it.
    let id = common::unique_id("modify");
    let system = hcs
        .create_compute_system(&id, &common::vm_document())
        .expect("create");
    let mut request: hcs::schema::ModifySettingRequest = common::doc(serde_json::json!({
        "ResourcePath": "VirtualMachine/ComputeTopology/Memory/SizeInMB",
        "RequestType": "Update",
        "Settings": 2048,
        "Priority": "High"
    }));
    let report = hcs
        .check_document("HcsModifyComputeSystem", &request)
        .expect("only a warning");
    assert_eq!(report.target, Some(SchemaVersion::V2_1));
    assert_eq!(report.warnings.len(), 1);
    assert!(matches!(
        report.warnings[0].kind,
        FindingKind::UnknownProperty
    ));
    system.modify(&request).expect("sent with the warning");
    let strict = hcs.with_schema_check(SchemaCheck::StrictHost);
    let error = strict
        .open_compute_system(&id, hcs::Access::GENERIC_ALL)
        .expect("open")
        .modify(&request)
        .unwrap_err();
    assert!(matches!(error, Error::SchemaVersion(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains("Priority is a property of no published schema and no observed source"),
        "{error}"
    );
    request.unknown_properties.clear();
    system
        .modify(&request)
        .expect("the same request without it");

    // hcsshim#2714: `CombinedLayers.FilterType` came with schema 2.9 (an observed fact, from
    // hcsshim's own code); a 2.1 host is known to reject it. Refused locally, naming 2.9 and the
    // source; without the check, the emulated guest rejects it itself.
    let combined = CombinedLayers {
        container_root_path: Some(r"C:\c\root".into()),
        layers: Some(vec![Layer {
            path: Some(r"C:\layers\base".into()),
            ..Default::default()
        }]),
        filter_type: Some(FileSystemFilterType::Wcifs),
        ..Default::default()
    };
    let error = system
        .modify_guest(
            ModifyResourceType::CombinedLayers,
            ModifyRequestType::Add,
            &combined,
        )
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("FilterType needs schema 2.9"), "{message}");
    assert!(
        message.contains("internal/uvm/combine_layers.go:38-41"),
        "{message}"
    );
    let error = unchecked
        .open_compute_system(&id, hcs::Access::GENERIC_ALL)
        .expect("open")
        .modify_guest(
            ModifyResourceType::CombinedLayers,
            ModifyRequestType::Add,
            &combined,
        )
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error}");
    let without = CombinedLayers {
        filter_type: None,
        ..combined
    };
    system
        .modify_guest(
            ModifyResourceType::CombinedLayers,
            ModifyRequestType::Add,
            &without,
        )
        .expect("without the field");
    drop(system);

    // A fixed target older than what the document uses.
    let error = hcs
        .with_schema_check(SchemaCheck::Version(SchemaVersion::V2_0))
        .create_compute_system(&common::unique_id("old-target"), &common::vm_document())
        .unwrap_err();
    assert!(
        error.to_string().contains("SizeInMB needs schema 2.1"),
        "{error}"
    );
    control.configure_defaults().expect("defaults");
}

/// A caller that knows its host's Windows build checks with [`SchemaCheck::Policy`]: evidence that
/// names only a build then counts. The verdicts come from hcsshim's evidence
/// (`schema-json/evidence.json`, `slit-type-26100`: `VirtualMachine_Memory.SlitType` is sent on
/// build 26100, Windows Server 2025, `internal/uvm/create_lcow.go:632`), not from the check.
#[test]
fn a_known_host_build_makes_build_evidence_count() {
    use hcs::schema::Policy;
    let hcs = common::hcs();
    let mut document = common::vm_json();
    document["VirtualMachine"]["ComputeTopology"]["Memory"]["SlitType"] =
        serde_json::json!("Firmware");
    let document: hcs::schema::ComputeSystem = common::doc(document);
    let path = "VirtualMachine.ComputeTopology.Memory.SlitType";

    // Schema 2.11 alone: not known either way, so refused by a strict check.
    let error = hcs
        .with_schema_check(SchemaCheck::StrictVersion(SchemaVersion::V2_11))
        .check_document("HcsCreateComputeSystem", &document)
        .unwrap_err();
    let Error::SchemaVersion(details) = &error else {
        panic!("expected a local schema error, got {error}")
    };
    assert!(
        details.findings.iter().all(|f| f.path.starts_with(path)) && !details.findings.is_empty(),
        "{error}"
    );

    // Windows Server 2025 (2.11, build 26100): known to work, nothing to warn about, even strict.
    let ws2025 = Policy::target(SchemaVersion::V2_11).with_build(26100);
    let report = hcs
        .with_schema_check(SchemaCheck::Policy(ws2025.strict()))
        .check_document("HcsCreateComputeSystem", &document)
        .expect("known for build 26100");
    assert_eq!(report.target, Some(SchemaVersion::V2_11));
    assert!(report.warnings.is_empty(), "{report:?}");

    // An older build: not known either way, a warning (sent), as without a build.
    let report = hcs
        .with_schema_check(SchemaCheck::Policy(
            Policy::target(SchemaVersion::V2_5).with_build(20348),
        ))
        .check_document("HcsCreateComputeSystem", &document)
        .expect("a warning is not refused");
    assert!(
        !report.warnings.is_empty() && report.warnings.iter().all(|f| f.path.starts_with(path)),
        "{report:?}"
    );
}
