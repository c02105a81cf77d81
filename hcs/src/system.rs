//! Compute systems (`HCS_SYSTEM`).

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Event;
use crate::call::{call, call_returning, call_void};
use crate::document::{
    decode_document, encode_document, encode_optional, encode_schema, encode_typed,
};
use crate::error::{Error, Result};
use crate::events::{EventReceiver, Registrations, channel, event_callback};
use crate::ffi::{Api, HCS_OPERATION, HCS_SYSTEM, HRESULT, PCWSTR, pfn};
use crate::hresult::HResult;
use crate::library::{Hcs, timeout_ms};
use crate::operation::{
    Abandon, OperationFuture, OperationOutput, run_blocking, run_tracked, spawn_cleanup,
};
use crate::schema::{
    self, CrashOptions, ModifySettingRequest, PauseOptions, Properties, SaveOptions,
    ShutdownOptions, SystemExitStatus, SystemPropertyQuery, SystemQuery,
};
use crate::strings::{WideString, opt_ptr};
use crate::trace::Subject;
use crate::types::{Access, EventOptions, RawHandleValue};

/// An open compute system (`HCS_SYSTEM`): a virtual machine or a container.
/// Closed with `HcsCloseComputeSystem` on drop (which does not stop it,
/// unless its document says `ShouldTerminateOnLastHandleClosed`).
///
/// `Send + Sync`: HCS handles may be used from any thread at once, and the
/// handle is closed only in `Drop`.
pub struct ComputeSystem {
    hcs: Hcs,
    raw: HCS_SYSTEM,
    registrations: Registrations,
    /// The system's id for the `tracing` records (empty without the feature).
    subject: Subject,
}

// SAFETY: HCS system handles are usable from any thread; closing needs
// ownership (`Drop`), so no call can race with the close.
unsafe impl Send for ComputeSystem {}
// SAFETY: every `&self` method is a thread-safe HCS call.
unsafe impl Sync for ComputeSystem {}

type SystemOp = pfn::HcsStartComputeSystem;

macro_rules! system_ops {
    ($(
        $(#[$doc:meta])*
        $name:ident, $raw:ident, $async_:ident, $raw_async:ident
        $(, with $with:ident, $with_async:ident : $options:ty)?
        => $function:ident;
    )*) => {
        impl ComputeSystem {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\nCalls `", stringify!($function), "` without options and waits (with the [`Hcs`] timeout).")]
                pub fn $name(&self) -> Result<()> {
                    self.$raw(None)
                }

                #[doc = concat!("`", stringify!($function), "` with raw JSON options (or none), waiting.")]
                pub fn $raw(&self, options: Option<&str>) -> Result<()> {
                    let options = encode_optional(stringify!($function), options)?;
                    self.system_op(stringify!($function), Api::$function, options)
                }

                #[doc = concat!("`", stringify!($function), "` without options, as a future.")]
                pub fn $async_(&self) -> OperationFuture<()> {
                    self.$raw_async(None)
                }

                #[doc = concat!("`", stringify!($function), "` with raw JSON options (or none), as a future.")]
                pub fn $raw_async(&self, options: Option<&str>) -> OperationFuture<()> {
                    match encode_optional(stringify!($function), options) {
                        Ok(options) => self.system_op_async(stringify!($function), Api::$function, options),
                        Err(error) => OperationFuture::failed(error),
                    }
                }

                $(
                    #[doc = concat!("`", stringify!($function), "` with typed options, waiting.")]
                    pub fn $with(&self, options: &$options) -> Result<()> {
                        let options = encode_schema(&self.hcs, stringify!($function), options)?;
                        self.system_op(stringify!($function), Api::$function, Some(options))
                    }

                    #[doc = concat!("`", stringify!($function), "` with typed options, as a future.")]
                    pub fn $with_async(&self, options: &$options) -> OperationFuture<()> {
                        match encode_schema(&self.hcs, stringify!($function), options) {
                            Ok(options) => self.system_op_async(stringify!($function), Api::$function, Some(options)),
                            Err(error) => OperationFuture::failed(error),
                        }
                    }
                )?
            )*
        }
    };
}

system_ops! {
    /// Starts the system.
    start, start_raw, start_async, start_raw_async => HcsStartComputeSystem;
    /// Asks the guest to shut down.
    shut_down, shut_down_raw, shut_down_async, shut_down_raw_async,
        with shut_down_with, shut_down_with_async: ShutdownOptions => HcsShutDownComputeSystem;
    /// Stops the system forcefully.
    terminate, terminate_raw, terminate_async, terminate_raw_async => HcsTerminateComputeSystem;
    /// Crashes the guest.
    crash, crash_raw, crash_async, crash_raw_async,
        with crash_with, crash_with_async: CrashOptions => HcsCrashComputeSystem;
    /// Pauses the system.
    pause, pause_raw, pause_async, pause_raw_async,
        with pause_with, pause_with_async: PauseOptions => HcsPauseComputeSystem;
    /// Resumes a paused system.
    resume, resume_raw, resume_async, resume_raw_async => HcsResumeComputeSystem;
    /// Saves the system's state.
    save, save_raw, save_async, save_raw_async,
        with save_with, save_with_async: SaveOptions => HcsSaveComputeSystem;
    /// Prepares the source of a live migration (newer Windows builds).
    initialize_live_migration_on_source, initialize_live_migration_on_source_raw,
        initialize_live_migration_on_source_async, initialize_live_migration_on_source_raw_async
        => HcsInitializeLiveMigrationOnSource;
    /// Starts a live migration on the source (newer Windows builds).
    start_live_migration_on_source, start_live_migration_on_source_raw,
        start_live_migration_on_source_async, start_live_migration_on_source_raw_async
        => HcsStartLiveMigrationOnSource;
    /// Starts the transfer of a live migration (newer Windows builds).
    start_live_migration_transfer, start_live_migration_transfer_raw,
        start_live_migration_transfer_async, start_live_migration_transfer_raw_async
        => HcsStartLiveMigrationTransfer;
    /// Finalizes a live migration (newer Windows builds).
    finalize_live_migration, finalize_live_migration_raw,
        finalize_live_migration_async, finalize_live_migration_raw_async
        => HcsFinalizeLiveMigration;
    /// Cancels a live migration (newer Windows builds; bound by hcsshim, no
    /// public header).
    cancel_live_migration, cancel_live_migration_raw,
        cancel_live_migration_async, cancel_live_migration_raw_async
        => HcsCancelLiveMigration;
}

impl ComputeSystem {
    /// Creates a compute system with the [global](Hcs::global) HCS and waits:
    /// `ComputeSystem::create("vm1", &document)?.start()?`.
    pub fn create(id: &str, document: &schema::ComputeSystem) -> Result<ComputeSystem> {
        Hcs::global()?.create_compute_system(id, document)
    }

    /// Opens an existing compute system with the [global](Hcs::global) HCS.
    pub fn open(id: &str) -> Result<ComputeSystem> {
        Hcs::global()?.open_compute_system(id, Access::GENERIC_ALL)
    }

    fn system_op(
        &self,
        function: &'static str,
        get: fn(&Api) -> Result<SystemOp>,
        options: Option<WideString>,
    ) -> Result<()> {
        let f = get(self.hcs.api)?;
        let raw = self.raw;
        let options = options.as_ref();
        run_blocking(
            &self.hcs,
            function,
            &self.subject,
            &[options],
            false,
            |op| {
                // SAFETY: valid handles; the options outlive the call.
                unsafe { f(raw, op, opt_ptr(options)) }
            },
        )
        .map(drop)
    }

    fn system_op_async(
        &self,
        function: &'static str,
        get: fn(&Api) -> Result<SystemOp>,
        options: Option<WideString>,
    ) -> OperationFuture<()> {
        let f = match get(self.hcs.api) {
            Ok(f) => f,
            Err(error) => return OperationFuture::failed(error),
        };
        let raw = self.raw;
        OperationFuture::start(
            &self.hcs,
            function,
            &self.subject,
            &[options.as_ref()],
            false,
            |op| {
                // SAFETY: valid handles; the options outlive the call.
                unsafe { f(raw, op, opt_ptr(options.as_ref())) }
            },
            |_| Ok(()),
        )
    }

    /// `HcsGetComputeSystemProperties` with a typed query (`System_PropertyQuery`),
    /// decoding the `Properties` document.
    pub fn properties(&self, query: &SystemPropertyQuery) -> Result<Properties> {
        self.hcs
            .check_document("HcsGetComputeSystemProperties", query)?;
        self.properties_as(query)
    }

    /// `HcsGetComputeSystemProperties` with any query type, decoding the
    /// result as any type.
    pub fn properties_as<Q: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        query: &Q,
    ) -> Result<R> {
        let query = encode_typed("HcsGetComputeSystemProperties", query)?;
        let document = self.properties_encoded(Some(query))?;
        decode_document("HcsGetComputeSystemProperties", document)
    }

    /// `HcsGetComputeSystemProperties` with a raw JSON query (or none),
    /// returning the raw JSON result.
    pub fn properties_raw(&self, query: Option<&str>) -> Result<String> {
        let query = encode_optional("HcsGetComputeSystemProperties", query)?;
        Ok(self.properties_encoded(query)?.unwrap_or_default())
    }

    fn properties_encoded(&self, query: Option<WideString>) -> Result<Option<String>> {
        let f = self.hcs.api.HcsGetComputeSystemProperties()?;
        let raw = self.raw;
        let query = query.as_ref();
        run_blocking(
            &self.hcs,
            "HcsGetComputeSystemProperties",
            &self.subject,
            &[query],
            false,
            |op| {
                // SAFETY: valid handles; the query outlives the call.
                unsafe { f(raw, op, opt_ptr(query)) }
            },
        )
        .map(|output| output.document)
    }

    /// `HcsGetComputeSystemProperties` as a future.
    pub fn properties_async(&self, query: &SystemPropertyQuery) -> OperationFuture<Properties> {
        let f = match self.hcs.api.HcsGetComputeSystemProperties() {
            Ok(f) => f,
            Err(error) => return OperationFuture::failed(error),
        };
        let query = match encode_schema(&self.hcs, "HcsGetComputeSystemProperties", query) {
            Ok(query) => query,
            Err(error) => return OperationFuture::failed(error),
        };
        let raw = self.raw;
        OperationFuture::start(
            &self.hcs,
            "HcsGetComputeSystemProperties",
            &self.subject,
            &[Some(&query)],
            false,
            |op| {
                // SAFETY: valid handles; the query outlives the call.
                unsafe { f(raw, op, query.as_ptr()) }
            },
            |output| decode_document("HcsGetComputeSystemProperties", output.document),
        )
    }

    /// `HcsModifyComputeSystem` with a typed request.
    pub fn modify(&self, request: &ModifySettingRequest) -> Result<()> {
        let request = encode_schema(&self.hcs, "HcsModifyComputeSystem", request)?;
        self.modify_encoded(request)
    }

    /// `HcsModifyComputeSystem` with a request for the guest (`GuestRequest`, free-form in the
    /// schema): `settings` is checked against the host as a typed document first, so a field the
    /// guest is known not to accept fails here (hcsshim#2714: `CombinedLayers.FilterType`, schema
    /// 2.9, sent to a Windows Server 2022 guest), then sent as a `GuestModifySettingRequest`.
    pub fn modify_guest<T: Serialize + hcs_schema::Walk>(
        &self,
        resource_type: schema::ModifyResourceType,
        request_type: schema::ModifyRequestType,
        settings: &T,
    ) -> Result<()> {
        const FUNCTION: &str = "HcsModifyComputeSystem";
        self.hcs.check_document(FUNCTION, settings)?;
        let settings = serde_json::to_value(settings).map_err(|e| Error::Document {
            operation: FUNCTION,
            message: format!("cannot serialize the guest settings: {e}"),
            text: None,
        })?;
        let guest = schema::GuestModifySettingRequest {
            resource_type: Some(resource_type),
            request_type: Some(request_type),
            settings: Some(settings),
            ..Default::default()
        };
        let request = ModifySettingRequest {
            guest_request: Some(serde_json::to_value(&guest).map_err(|e| Error::Document {
                operation: FUNCTION,
                message: format!("cannot serialize the guest request: {e}"),
                text: None,
            })?),
            ..Default::default()
        };
        self.modify(&request)
    }

    /// `HcsModifyComputeSystem` with a raw JSON request.
    pub fn modify_raw(&self, request: &str) -> Result<()> {
        let request = encode_document("HcsModifyComputeSystem", request)?;
        self.modify_encoded(request)
    }

    /// `HcsModifyComputeSystem` with an identity: the access token HCS uses
    /// when applying the settings.
    ///
    /// # Safety
    /// `identity` must be a valid token handle (or NULL) for the duration of
    /// the call.
    pub unsafe fn modify_with_identity(
        &self,
        request: &ModifySettingRequest,
        identity: crate::ffi::HANDLE,
    ) -> Result<()> {
        let request = encode_schema(&self.hcs, "HcsModifyComputeSystem", request)?;
        self.modify_encoded_with(request, identity)
    }

    fn modify_encoded(&self, request: WideString) -> Result<()> {
        self.modify_encoded_with(request, std::ptr::null_mut())
    }

    fn modify_encoded_with(&self, request: WideString, identity: crate::ffi::HANDLE) -> Result<()> {
        let f = self.hcs.api.HcsModifyComputeSystem()?;
        let raw = self.raw;
        run_blocking(
            &self.hcs,
            "HcsModifyComputeSystem",
            &self.subject,
            &[Some(&request)],
            false,
            |op| {
                // SAFETY: valid handles; the request outlives the call; the
                // caller vouches for the identity.
                unsafe { f(raw, op, request.as_ptr(), identity) }
            },
        )
        .map(drop)
    }

    /// `HcsModifyComputeSystem` as a future.
    pub fn modify_async(&self, request: &ModifySettingRequest) -> OperationFuture<()> {
        let f = match self.hcs.api.HcsModifyComputeSystem() {
            Ok(f) => f,
            Err(error) => return OperationFuture::failed(error),
        };
        let request = match encode_schema(&self.hcs, "HcsModifyComputeSystem", request) {
            Ok(request) => request,
            Err(error) => return OperationFuture::failed(error),
        };
        let raw = self.raw;
        OperationFuture::start(
            &self.hcs,
            "HcsModifyComputeSystem",
            &self.subject,
            &[Some(&request)],
            false,
            |op| {
                // SAFETY: valid handles; the request outlives the call.
                unsafe { f(raw, op, request.as_ptr(), std::ptr::null_mut()) }
            },
            |_| Ok(()),
        )
    }

    /// `HcsWaitForComputeSystemExit`: waits at most `timeout` (`None`:
    /// forever) for the system to exit and decodes its `SystemExitStatus`.
    pub fn wait_for_exit(&self, timeout: Option<Duration>) -> Result<SystemExitStatus> {
        let document = self.wait_for_exit_raw(timeout)?;
        decode_document("HcsWaitForComputeSystemExit", document)
    }

    /// `HcsWaitForComputeSystemExit`, returning the raw result document.
    pub fn wait_for_exit_raw(&self, timeout: Option<Duration>) -> Result<Option<String>> {
        let f = self.hcs.api.HcsWaitForComputeSystemExit()?;
        call_returning(
            self.hcs.api,
            "HcsWaitForComputeSystemExit",
            &self.subject,
            &[],
            // SAFETY: valid handle and out-pointer.
            |result| unsafe { f(self.raw, timeout_ms(timeout), result) },
        )
    }

    /// `HcsSetComputeSystemCallback`: calls `callback` on an HCS thread for
    /// every event. Panics in it are caught; it is unregistered when the
    /// handle closes (a late event then finds nothing). HCS allows one
    /// callback per handle.
    pub fn set_event_callback<F>(&self, options: EventOptions, callback: F) -> Result<()>
    where
        F: Fn(Event) + Send + Sync + 'static,
    {
        let f = self.hcs.api.HcsSetComputeSystemCallback()?;
        let raw = self.raw;
        self.registrations.register(
            "HcsSetComputeSystemCallback",
            &self.subject,
            std::sync::Arc::new(callback),
            |context| {
                // SAFETY: valid handle; the context is an integer key, not a pointer.
                unsafe { f(raw, options.0, context, Some(event_callback)) }
            },
        )
    }

    /// The system's events as a blocking iterator and async stream (built on
    /// [`ComputeSystem::set_event_callback`]). It ends when this handle is
    /// closed.
    pub fn events(&self, options: EventOptions) -> Result<EventReceiver> {
        let (sender, receiver) = channel();
        self.set_event_callback(options, move |event| sender.send(event))?;
        Ok(receiver)
    }

    /// The [`Hcs`] this handle calls.
    pub fn hcs(&self) -> &Hcs {
        &self.hcs
    }

    /// The raw `HCS_SYSTEM`, still owned by `self`.
    pub fn as_raw(&self) -> HCS_SYSTEM {
        self.raw
    }

    /// The raw handle value, for comparing and logging.
    pub fn raw_value(&self) -> RawHandleValue {
        RawHandleValue(self.raw as usize)
    }

    /// Gives up ownership of the handle without closing it. Event callbacks
    /// registered through this value are unregistered.
    #[must_use]
    pub fn into_raw(self) -> HCS_SYSTEM {
        self.registrations.clear();
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    /// Takes ownership of a system handle.
    ///
    /// # Safety
    /// `raw` must be a valid, open `HCS_SYSTEM` of the library `hcs` wraps,
    /// owned by nobody else.
    pub unsafe fn from_raw(hcs: &Hcs, raw: HCS_SYSTEM) -> ComputeSystem {
        ComputeSystem::new(hcs, raw, Subject::NONE)
    }

    fn new(hcs: &Hcs, raw: HCS_SYSTEM, subject: Subject) -> ComputeSystem {
        ComputeSystem {
            hcs: *hcs,
            raw,
            registrations: Registrations::default(),
            subject,
        }
    }

    /// What the `tracing` records of this system's calls name.
    pub(crate) fn subject(&self) -> &Subject {
        &self.subject
    }

    /// Owns a handle HCS just wrote (`None` for NULL).
    fn adopt(hcs: Hcs, raw: HCS_SYSTEM, subject: Subject) -> Option<ComputeSystem> {
        (!raw.is_null()).then(|| ComputeSystem::new(&hcs, raw, subject))
    }
}

impl Drop for ComputeSystem {
    fn drop(&mut self) {
        if let Ok(close) = self.hcs.api.HcsCloseComputeSystem() {
            // SAFETY: we own the handle; it is closed exactly once.
            call_void("HcsCloseComputeSystem", &self.subject, || unsafe {
                close(self.raw)
            });
        }
        // After the close no new callback starts for this handle; one in
        // flight holds its own reference to the closure.
        self.registrations.clear();
    }
}

impl fmt::Debug for ComputeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComputeSystem")
            .field("raw", &self.raw_value())
            .finish()
    }
}

/// The create call shared by the blocking and async forms: the handle HCS
/// writes at once is ours from then on, even if the creation then fails.
fn create_start(
    hcs: Hcs,
    subject: Subject,
    f: pfn::HcsCreateComputeSystem,
    id: &WideString,
    document: &WideString,
) -> impl FnOnce(HCS_OPERATION) -> (HRESULT, Option<ComputeSystem>) + use<> {
    let (id, document): (PCWSTR, PCWSTR) = (id.as_ptr(), document.as_ptr());
    move |op| {
        let mut raw: HCS_SYSTEM = std::ptr::null_mut();
        // SAFETY: the strings outlive the call (the closure runs before they
        // are dropped); no security descriptor.
        let hr = unsafe { f(id, document, op, std::ptr::null(), &mut raw) };
        (hr, ComputeSystem::adopt(hcs, raw, subject))
    }
}

/// A compute system whose creation completed after its caller stopped
/// waiting (a timeout, a dropped future): terminated, then closed, so no VM
/// or container is left behind that nobody holds a handle to (see the crate
/// README). One whose creation failed is only closed.
impl Abandon for ComputeSystem {
    fn abandon(self, outcome: &Result<OperationOutput>) {
        if outcome.is_err() {
            return;
        }
        spawn_cleanup(move || {
            let mut system = self;
            system.hcs = system.hcs.with_timeout(None);
            let _ = system.terminate();
        });
    }
}

impl Hcs {
    /// `HcsCreateComputeSystem` with a typed `ComputeSystem` document,
    /// waiting for the creation to finish.
    pub fn create_compute_system(
        &self,
        id: &str,
        document: &schema::ComputeSystem,
    ) -> Result<ComputeSystem> {
        self.check_document("HcsCreateComputeSystem", document)?;
        self.create_compute_system_as(id, document)
    }

    /// `HcsCreateComputeSystem` with any serializable document.
    pub fn create_compute_system_as<T: Serialize + ?Sized>(
        &self,
        id: &str,
        document: &T,
    ) -> Result<ComputeSystem> {
        let document = encode_typed("HcsCreateComputeSystem", document)?;
        self.create_encoded(id, document)
    }

    /// `HcsCreateComputeSystem` with a raw JSON document.
    pub fn create_compute_system_raw(&self, id: &str, document: &str) -> Result<ComputeSystem> {
        let document = encode_document("HcsCreateComputeSystem", document)?;
        self.create_encoded(id, document)
    }

    fn create_encoded(&self, id_text: &str, document: WideString) -> Result<ComputeSystem> {
        let f = self.api.HcsCreateComputeSystem()?;
        let id = WideString::new(id_text, "compute system id")?;
        let subject = Subject::system(id_text);
        let (_, system) = run_tracked(
            self,
            "HcsCreateComputeSystem",
            &subject,
            &[Some(&document)],
            false,
            create_start(*self, subject.clone(), f, &id, &document),
        )?;
        system.ok_or_else(|| Error::hcs(HResult::E_HANDLE, "HcsCreateComputeSystem", None))
    }

    /// `HcsCreateComputeSystem` as a future.
    pub fn create_compute_system_async(
        &self,
        id_text: &str,
        document: &schema::ComputeSystem,
    ) -> OperationFuture<ComputeSystem> {
        let prepared = (|| {
            let f = self.api.HcsCreateComputeSystem()?;
            let document = encode_schema(self, "HcsCreateComputeSystem", document)?;
            let id = WideString::new(id_text, "compute system id")?;
            Ok((f, id, document))
        })();
        let (f, id, document) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => return OperationFuture::failed(error),
        };
        let subject = Subject::system(id_text);
        OperationFuture::start_tracked(
            self,
            "HcsCreateComputeSystem",
            &subject,
            &[Some(&document)],
            false,
            create_start(*self, subject.clone(), f, &id, &document),
            |_, system| {
                system.ok_or_else(|| Error::hcs(HResult::E_HANDLE, "HcsCreateComputeSystem", None))
            },
        )
    }

    /// `HcsCreateComputeSystemInNamespace` (no creation options): creates a
    /// system in an id namespace, waiting.
    pub fn create_compute_system_in_namespace(
        &self,
        namespace: &str,
        id: &str,
        document: &schema::ComputeSystem,
    ) -> Result<ComputeSystem> {
        let f = self.api.HcsCreateComputeSystemInNamespace()?;
        let document = encode_schema(self, "HcsCreateComputeSystemInNamespace", document)?;
        let namespace = WideString::new(namespace, "namespace")?;
        let subject = Subject::system(id);
        let id = WideString::new(id, "compute system id")?;
        let hcs = *self;
        let (_, system) = run_tracked(
            self,
            "HcsCreateComputeSystemInNamespace",
            &subject,
            &[Some(&document)],
            false,
            |op| {
                let mut raw: HCS_SYSTEM = std::ptr::null_mut();
                // SAFETY: the strings and out-pointer outlive the call; no options.
                let hr = unsafe {
                    f(
                        namespace.as_ptr(),
                        id.as_ptr(),
                        document.as_ptr(),
                        op,
                        std::ptr::null(),
                        &mut raw,
                    )
                };
                (hr, ComputeSystem::adopt(hcs, raw, subject.clone()))
            },
        )?;
        system
            .ok_or_else(|| Error::hcs(HResult::E_HANDLE, "HcsCreateComputeSystemInNamespace", None))
    }

    /// `HcsOpenComputeSystemInNamespace`.
    pub fn open_compute_system_in_namespace(
        &self,
        namespace: &str,
        id: &str,
        access: Access,
    ) -> Result<ComputeSystem> {
        let f = self.api.HcsOpenComputeSystemInNamespace()?;
        let namespace = WideString::new(namespace, "namespace")?;
        let subject = Subject::system(id);
        let id = WideString::new(id, "compute system id")?;
        let mut raw: HCS_SYSTEM = std::ptr::null_mut();
        call("HcsOpenComputeSystemInNamespace", &subject, &[], || {
            // SAFETY: the strings and out-pointer outlive the call.
            unsafe { f(namespace.as_ptr(), id.as_ptr(), access.0, &mut raw) }
        })?;
        if raw.is_null() {
            return Err(Error::hcs(
                HResult::E_HANDLE,
                "HcsOpenComputeSystemInNamespace",
                None,
            ));
        }
        Ok(ComputeSystem::new(self, raw, subject))
    }

    /// `HcsEnumerateComputeSystemsInNamespace`.
    pub fn enumerate_compute_systems_in_namespace(
        &self,
        namespace: &str,
        query: Option<&SystemQuery>,
    ) -> Result<Vec<Properties>> {
        let f = self.api.HcsEnumerateComputeSystemsInNamespace()?;
        let query = query
            .map(|q| encode_typed("HcsEnumerateComputeSystemsInNamespace", q))
            .transpose()?;
        let namespace = WideString::new(namespace, "namespace")?;
        let query = query.as_ref();
        let document = run_blocking(
            self,
            "HcsEnumerateComputeSystemsInNamespace",
            &Subject::NONE,
            &[query],
            false,
            |op| {
                // SAFETY: the strings outlive the call.
                unsafe { f(namespace.as_ptr(), opt_ptr(query), op) }
            },
        )?
        .document;
        decode_document::<Option<Vec<Properties>>>(
            "HcsEnumerateComputeSystemsInNamespace",
            document,
        )
        .map(Option::unwrap_or_default)
    }

    /// `HcsOpenComputeSystem`.
    pub fn open_compute_system(&self, id: &str, access: Access) -> Result<ComputeSystem> {
        let f = self.api.HcsOpenComputeSystem()?;
        let subject = Subject::system(id);
        let id = WideString::new(id, "compute system id")?;
        let mut raw: HCS_SYSTEM = std::ptr::null_mut();
        call("HcsOpenComputeSystem", &subject, &[], || {
            // SAFETY: the id and out-pointer outlive the call.
            unsafe { f(id.as_ptr(), access.0, &mut raw) }
        })?;
        if raw.is_null() {
            return Err(Error::hcs(HResult::E_HANDLE, "HcsOpenComputeSystem", None));
        }
        Ok(ComputeSystem::new(self, raw, subject))
    }

    /// `HcsEnumerateComputeSystems`: the `Properties` of every system the
    /// query matches (`None`: every system).
    pub fn enumerate_compute_systems(
        &self,
        query: Option<&SystemQuery>,
    ) -> Result<Vec<Properties>> {
        let query = query
            .map(|q| encode_schema(self, "HcsEnumerateComputeSystems", q))
            .transpose()?;
        let document = self.enumerate_encoded(query)?;
        decode_document::<Option<Vec<Properties>>>("HcsEnumerateComputeSystems", document)
            .map(Option::unwrap_or_default)
    }

    /// `HcsEnumerateComputeSystems` with a raw JSON query (or none),
    /// returning the raw JSON result.
    pub fn enumerate_compute_systems_raw(&self, query: Option<&str>) -> Result<String> {
        let query = encode_optional("HcsEnumerateComputeSystems", query)?;
        Ok(self.enumerate_encoded(query)?.unwrap_or_default())
    }

    fn enumerate_encoded(&self, query: Option<WideString>) -> Result<Option<String>> {
        let f = self.api.HcsEnumerateComputeSystems()?;
        let query = query.as_ref();
        run_blocking(
            self,
            "HcsEnumerateComputeSystems",
            &Subject::NONE,
            &[query],
            false,
            |op| {
                // SAFETY: the query outlives the call.
                unsafe { f(opt_ptr(query), op) }
            },
        )
        .map(|output| output.document)
    }
}
