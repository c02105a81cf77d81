//! The documents embedded in the published HCS documentation, read from the project's shared
//! `samples/` folder (beside the repository) and sent to the emulator through the API each was
//! written for: the valid ones are accepted, the invalid ones rejected naming the bad field. By
//! default the emulator rejects only what is known to fail on its configured versions (the
//! policy of `hcs_schema::check`): `Memory.Backing` (in Windows Server 2022's own schema) and the
//! service property type `"Memory"` (dropped from the published files in 20H2) are accepted.

// SAFETY (every `unsafe` block in this file): the emulator exports are called with live local
// NUL-terminated UTF-16 buffers, writable out-parameters and handles the emulator returned, as
// the HCS C API requires; callback contexts point to boxes that outlive the handle they were
// registered on (closing the handle guarantees no later call).

mod common;
use common::*;
use hcs_schema_gen::workspace;
use std::path::PathBuf;

/// `$HCS_SHARED_DIR/samples` (default `../shared/samples` next to the workspace). Missing inputs
/// skip the test with a visible line, or fail it where they are required (`HCS_REQUIRE_INPUTS`,
/// `CI`: see `hcs_schema_gen::workspace::inputs_required`).
fn samples_dir() -> Option<PathBuf> {
    let dir = workspace::shared_dir(&workspace::root()).join("samples");
    if dir.join("index.json").is_file() {
        return Some(dir);
    }
    workspace::skip_missing_inputs(&dir)
}

/// (file, expected HRESULT, text the ResultError must contain)
const EXPECTED: &[(&str, i32, &str)] = &[
    ("system-property-query-memory.json", S_OK, ""),
    ("pause-options.json", S_OK, ""),
    ("save-options.json", S_OK, ""),
    ("vm-empty.json", S_OK, ""),
    ("service-property-query-memory.json", S_OK, ""),
    (
        "service-modify-cpugroup-creategroup.json",
        HCS_E_INVALID_JSON,
        "OperationDetails.GroupId",
    ),
    ("vm-tutorial.json", S_OK, ""),
    // The tutorial sends a bare number as Settings; HCS accepts it, and so does the emulator.
    ("modify-vm-memory-size.json", S_OK, ""),
    (
        "service-modify-containercredentialguard-fragment-2020.json",
        S_OK,
        "",
    ),
    // Templates: their SchemaVersion is 0.0.
    (
        "template-compute-system-vm-2020.json",
        HCS_E_INVALID_JSON,
        "SchemaVersion",
    ),
    // A template: its SchemaVersion is 0.0 (and HostedSystem and Container exclude each other).
    (
        "template-compute-system-container-2020.json",
        HCS_E_INVALID_JSON,
        "SchemaVersion",
    ),
    (
        "vm-samples-config-template-2020.json",
        HCS_E_INVALID_JSON,
        "EndpointId",
    ),
    // Valid schema, but a Windows path is not a resource path.
    (
        "modify-add-virtual-smb-share-2020.json",
        E_INVALIDARG,
        "ResourcePath",
    ),
    ("wer-crash-report-fragment-2020.json", S_OK, ""),
    ("vm-compute-system-sample-2020.json", S_OK, ""),
    (
        "template-container-creation-schema-2019.json",
        HCS_E_INVALID_JSON,
        "SchemaVersion",
    ),
    (
        "template-vm-creation-schema-2019.json",
        HCS_E_INVALID_JSON,
        "SchemaVersion",
    ),
];

#[test]
fn published_samples() {
    let Some(dir) = samples_dir() else { return };
    let (h, _g) = hcs();
    let f = &h.f;
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let index = index.as_array().unwrap();
    assert_eq!(index.len(), EXPECTED.len(), "a sample was added or removed");
    let sys = h.create("samples-host", VM);
    h.start(sys);
    for (file, expected, needle) in EXPECTED {
        let entry = index
            .iter()
            .find(|e| e["file"] == *file)
            .unwrap_or_else(|| panic!("{file} not in index"));
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let doc = w(&text);
        let mut out = std::ptr::null_mut();
        let (hr, result) = match entry["api"].as_str().unwrap() {
            "HcsCreateComputeSystem" => {
                let (hr, _, d, s) = h.try_create(&format!("sample-{file}"), &text);
                if !s.is_null() {
                    unsafe { (f.HcsCloseComputeSystem)(s) };
                }
                (hr, d)
            }
            "HcsGetComputeSystemProperties" => {
                let (hr, _, d) = h.sys_call(f.HcsGetComputeSystemProperties, sys, Some(&text));
                (hr, d)
            }
            "HcsPauseComputeSystem" => {
                let r = h.sys_call(f.HcsPauseComputeSystem, sys, Some(&text));
                assert_eq!(h.sys_call(f.HcsResumeComputeSystem, sys, None).1, S_OK);
                (r.0, r.2)
            }
            "HcsSaveComputeSystem" => {
                assert_eq!(h.sys_call(f.HcsPauseComputeSystem, sys, None).1, S_OK);
                let r = h.sys_call(f.HcsSaveComputeSystem, sys, Some(&text));
                assert_eq!(h.sys_call(f.HcsResumeComputeSystem, sys, None).1, S_OK);
                (r.0, r.2)
            }
            "HcsModifyComputeSystem" => {
                let (hr, _, d) = h.call(|op| unsafe {
                    (f.HcsModifyComputeSystem)(sys, op, doc.as_ptr(), std::ptr::null_mut())
                });
                (hr, d)
            }
            "HcsGetServiceProperties" => {
                let hr = unsafe { (f.HcsGetServiceProperties)(doc.as_ptr(), &mut out) };
                (hr, h.take(out))
            }
            "HcsModifyServiceSettings" => {
                let hr = unsafe { (f.HcsModifyServiceSettings)(doc.as_ptr(), &mut out) };
                (hr, h.take(out))
            }
            "HcsSubmitWerReport" => (unsafe { (f.HcsSubmitWerReport)(doc.as_ptr()) }, None),
            other => panic!("{file}: unexpected API {other}"),
        };
        assert_eq!(hr, *expected, "{file}: {result:?}");
        if !needle.is_empty() {
            let message = Hcs::error_of(&result)["ErrorMessage"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(message.contains(needle), "{file}: {message}");
        }
    }
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    h.finish();
}
