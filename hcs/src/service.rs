//! Service-wide calls and VM file utilities (computecore.dll).

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::{call, call_returning};
use crate::document::{
    decode_document, encode_document, encode_optional, encode_schema, encode_typed,
};
use crate::error::Result;
use crate::ffi::PCWSTR;
use crate::library::Hcs;
use crate::schema::{CrashReport, ModificationRequest, ServiceProperties, ServicePropertyQuery};
use crate::strings::{WideString, opt_ptr};
use crate::trace::Subject;

impl Hcs {
    /// `HcsGetServiceProperties` with a typed `ServicePropertyQuery`.
    pub fn service_properties(&self, query: &ServicePropertyQuery) -> Result<ServiceProperties> {
        self.check_document("HcsGetServiceProperties", query)?;
        self.service_properties_as(query)
    }

    /// `HcsGetServiceProperties` with any query type, decoding any type.
    pub fn service_properties_as<Q: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        query: &Q,
    ) -> Result<R> {
        let query = encode_typed("HcsGetServiceProperties", query)?;
        let document = self.service_properties_encoded(Some(query))?;
        decode_document("HcsGetServiceProperties", document)
    }

    /// `HcsGetServiceProperties` with a raw JSON query (or none), returning
    /// the raw result.
    pub fn service_properties_raw(&self, query: Option<&str>) -> Result<String> {
        let query = encode_optional("HcsGetServiceProperties", query)?;
        Ok(self.service_properties_encoded(query)?.unwrap_or_default())
    }

    fn service_properties_encoded(&self, query: Option<WideString>) -> Result<Option<String>> {
        let f = self.api.HcsGetServiceProperties()?;
        let query = query.as_ref();
        call_returning(
            self.api,
            "HcsGetServiceProperties",
            &Subject::NONE,
            &[query],
            // SAFETY: the query and out-pointer outlive the call.
            |result| unsafe { f(opt_ptr(query), result) },
        )
    }

    /// `HcsModifyServiceSettings` with a typed request; returns the result
    /// document, if any.
    pub fn modify_service_settings(
        &self,
        settings: &ModificationRequest,
    ) -> Result<Option<String>> {
        let settings = encode_schema(self, "HcsModifyServiceSettings", settings)?;
        self.modify_service_encoded(settings)
    }

    /// `HcsModifyServiceSettings` with raw JSON settings.
    pub fn modify_service_settings_raw(&self, settings: &str) -> Result<Option<String>> {
        let settings = encode_document("HcsModifyServiceSettings", settings)?;
        self.modify_service_encoded(settings)
    }

    fn modify_service_encoded(&self, settings: WideString) -> Result<Option<String>> {
        let f = self.api.HcsModifyServiceSettings()?;
        call_returning(
            self.api,
            "HcsModifyServiceSettings",
            &Subject::NONE,
            &[Some(&settings)],
            // SAFETY: the settings and out-pointer outlive the call.
            |result| unsafe { f(settings.as_ptr(), result) },
        )
    }

    /// `HcsSubmitWerReport` with a typed `CrashReport`.
    pub fn submit_wer_report(&self, report: &CrashReport) -> Result<()> {
        let report = encode_schema(self, "HcsSubmitWerReport", report)?;
        self.submit_wer_encoded(report)
    }

    /// `HcsSubmitWerReport` with a raw JSON `CrashReport`.
    pub fn submit_wer_report_raw(&self, report: &str) -> Result<()> {
        let report = encode_document("HcsSubmitWerReport", report)?;
        self.submit_wer_encoded(report)
    }

    fn submit_wer_encoded(&self, report: WideString) -> Result<()> {
        let f = self.api.HcsSubmitWerReport()?;
        call(
            "HcsSubmitWerReport",
            &Subject::NONE,
            &[Some(&report)],
            || {
                // SAFETY: the report outlives the call.
                unsafe { f(report.as_ptr()) }
            },
        )
    }

    /// `HcsCreateEmptyGuestStateFile`: creates an empty VM guest state
    /// (`.vmgs`) file.
    pub fn create_empty_guest_state_file(&self, path: &Path) -> Result<()> {
        let f = self.api.HcsCreateEmptyGuestStateFile()?;
        let path = WideString::from_path(path, "guest state file path")?;
        call("HcsCreateEmptyGuestStateFile", &Subject::NONE, &[], || {
            // SAFETY: the path outlives the call.
            unsafe { f(path.as_ptr()) }
        })
    }

    /// `HcsCreateEmptyRuntimeStateFile`: creates an empty VM runtime state
    /// (`.vmrs`) file.
    pub fn create_empty_runtime_state_file(&self, path: &Path) -> Result<()> {
        let f = self.api.HcsCreateEmptyRuntimeStateFile()?;
        let path = WideString::from_path(path, "runtime state file path")?;
        call(
            "HcsCreateEmptyRuntimeStateFile",
            &Subject::NONE,
            &[],
            || {
                // SAFETY: the path outlives the call.
                unsafe { f(path.as_ptr()) }
            },
        )
    }

    /// `HcsGrantVmAccess`: lets the VM with `vm_id` use the file.
    pub fn grant_vm_access(&self, vm_id: &str, path: &Path) -> Result<()> {
        self.vm_access(vm_id, path, true)
    }

    /// `HcsRevokeVmAccess`: undoes [`Hcs::grant_vm_access`].
    pub fn revoke_vm_access(&self, vm_id: &str, path: &Path) -> Result<()> {
        self.vm_access(vm_id, path, false)
    }

    fn vm_access(&self, vm_id: &str, path: &Path, grant: bool) -> Result<()> {
        let (f, name) = if grant {
            (self.api.HcsGrantVmAccess()?, "HcsGrantVmAccess")
        } else {
            (self.api.HcsRevokeVmAccess()?, "HcsRevokeVmAccess")
        };
        let subject = Subject::system(vm_id);
        let vm_id = WideString::new(vm_id, "VM id")?;
        let path = WideString::from_path(path, "file path")?;
        call(name, &subject, &[], || {
            // SAFETY: both strings outlive the call.
            unsafe { f(vm_id.as_ptr(), path.as_ptr()) }
        })
    }

    /// `HcsGrantVmGroupAccess`: lets every VM use the file.
    pub fn grant_vm_group_access(&self, path: &Path) -> Result<()> {
        let f = self.api.HcsGrantVmGroupAccess()?;
        let path = WideString::from_path(path, "file path")?;
        call("HcsGrantVmGroupAccess", &Subject::NONE, &[], || {
            // SAFETY: the path outlives the call.
            unsafe { f(path.as_ptr()) }
        })
    }

    /// `HcsRevokeVmGroupAccess`: undoes [`Hcs::grant_vm_group_access`].
    pub fn revoke_vm_group_access(&self, path: &Path) -> Result<()> {
        let f = self.api.HcsRevokeVmGroupAccess()?;
        let path = WideString::from_path(path, "file path")?;
        call("HcsRevokeVmGroupAccess", &Subject::NONE, &[], || {
            // SAFETY: the path outlives the call.
            unsafe { f(path.as_ptr()) }
        })
    }

    /// `HcsGetProcessorCompatibilityFromSavedState`: the processor features
    /// string recorded in a saved-state (`.vmrs`) file.
    pub fn processor_compatibility_from_saved_state(
        &self,
        runtime_file: &Path,
    ) -> Result<Option<String>> {
        let f = self.api.HcsGetProcessorCompatibilityFromSavedState()?;
        let path = WideString::from_path(runtime_file, "runtime state file path")?;
        // The docs make the caller free the string with LocalFree, although
        // it is declared `PCWSTR*`.
        call_returning(
            self.api,
            "HcsGetProcessorCompatibilityFromSavedState",
            &Subject::NONE,
            &[],
            // SAFETY: the path and out-pointer outlive the call.
            |result| unsafe { f(path.as_ptr(), result.cast::<PCWSTR>()) },
        )
    }
}
