//! Observability: the one place HCS calls, events and schema findings are
//! recorded through `tracing` (the optional `tracing` feature).
//!
//! Every HCS function the runtime calls goes through a [`Call`]: begun with
//! the function's name and its [`Subject`] (the compute system id and process
//! id where known), given the documents it sends, the operation id it uses,
//! and ended with its outcome. With the feature off every type here is empty
//! and every method an empty `#[inline(always)]` function, so the runtime
//! compiles to what it was without it.
//!
//! With the feature on, a call is a `hcs_call` span (target `hcs`, level
//! `DEBUG`) with the fields `function`, `system`, `process` and `operation`,
//! and one event inside it when it ends:
//!
//! * success: `DEBUG` "ok", with `hresult` and `elapsed`;
//! * failure: `ERROR` (or `WARN` for the codes [`failure_level`] names),
//!   "failed", with `function`, the ids, `hresult`, `elapsed`, the
//!   `ResultError`'s `error_message` and `attribution`, so the line stands on
//!   its own when the span is filtered out;
//! * documents sent and received: `TRACE` only, redacted ([`crate::redact`]).
//!
//! After the event the span also records `hresult` and `elapsed`, so span
//! consumers (OpenTelemetry and the like) get them as attributes while the
//! formatted line does not repeat them.

#[cfg(feature = "tracing")]
pub(crate) use on::*;

#[cfg(not(feature = "tracing"))]
pub(crate) use off::*;

/// What the tracing target is called.
#[cfg(feature = "tracing")]
const TARGET: &str = "hcs";

#[cfg(feature = "tracing")]
mod on {
    use std::sync::Arc;
    use std::time::Instant;

    use tracing::field::{Empty, debug, display};
    use tracing::{Level, Span};

    use super::TARGET;
    use crate::error::Error;
    use crate::ffi::{Api, HCS_OPERATION, HRESULT};
    use crate::hresult::HResult;
    use crate::redact::redact_document;
    use crate::strings::WideString;
    use crate::types::EventType;

    /// What a call acts on: the compute system id and the process id, where
    /// the runtime knows them.
    #[derive(Clone, Default, Debug)]
    pub(crate) struct Subject {
        system: Option<Arc<str>>,
        process: Option<u32>,
    }

    impl Subject {
        /// No compute system or process (service, layer and operation calls).
        pub(crate) const NONE: Subject = Subject {
            system: None,
            process: None,
        };

        /// The compute system with this id.
        pub(crate) fn system(id: &str) -> Subject {
            Subject {
                system: Some(Arc::from(id)),
                process: None,
            }
        }

        /// A process (by id) of this subject's compute system.
        pub(crate) fn process(&self, process_id: u32) -> Subject {
            Subject {
                system: self.system.clone(),
                process: Some(process_id),
            }
        }

        fn system_field(&self) -> Option<tracing::field::DisplayValue<&str>> {
            self.system.as_deref().map(display)
        }
    }

    /// One HCS call being recorded (see the module documentation).
    pub(crate) struct Call {
        span: Span,
        function: &'static str,
        subject: Subject,
        operation: Option<u64>,
        start: Instant,
        ended: bool,
    }

    impl Call {
        /// Starts recording a call of `function` on `subject`.
        #[inline]
        pub(crate) fn begin(function: &'static str, subject: &Subject) -> Call {
            let span = tracing::debug_span!(
                target: TARGET,
                "hcs_call",
                function = %function,
                system = subject.system_field(),
                process = subject.process,
                operation = Empty,
                hresult = Empty,
                elapsed = Empty,
            );
            Call {
                span,
                function,
                subject: subject.clone(),
                operation: None,
                start: Instant::now(),
                ended: false,
            }
        }

        /// A document the call sends (logged at `TRACE`, redacted).
        #[inline]
        pub(crate) fn sends(&self, document: Option<&WideString>) {
            if let Some(document) = document {
                tracing::trace!(
                    target: TARGET,
                    parent: &self.span,
                    document = %redact_document(&document.to_string_lossy()),
                    "sent",
                );
            }
        }

        /// Records the id of the HCS operation the call uses
        /// (`HcsGetOperationId`, only asked when it can be recorded).
        #[inline]
        pub(crate) fn operation(&mut self, api: &Api, operation: HCS_OPERATION) {
            // One more FFI call: only when something can record the id (the
            // span, or a failure event).
            if self.span.is_disabled() && !tracing::enabled!(target: TARGET, Level::WARN) {
                return;
            }
            if let Ok(get) = api.HcsGetOperationId() {
                // SAFETY: a valid operation handle, owned by the caller.
                let id = unsafe { get(operation) };
                self.operation = Some(id);
                self.span.record("operation", id);
            }
        }

        /// Ends the call with a success `HRESULT` and the document HCS
        /// returned, if any (logged at `TRACE`, redacted).
        pub(crate) fn succeeded(mut self, hr: HRESULT, received: Option<&str>) {
            self.ended = true;
            let elapsed = self.start.elapsed();
            if let Some(document) = received {
                tracing::trace!(
                    target: TARGET,
                    parent: &self.span,
                    document = %redact_document(document),
                    "received",
                );
            }
            let hresult = HResultField(HResult(hr));
            tracing::debug!(
                target: TARGET,
                parent: &self.span,
                hresult = %hresult,
                elapsed = ?elapsed,
                "ok",
            );
            self.span.record("hresult", display(hresult));
            self.span.record("elapsed", debug(elapsed));
        }

        /// Ends the call with its result: [`Call::succeeded`] (`S_OK`, with
        /// `received`) or [`Call::failed`].
        pub(crate) fn finish<T>(self, result: &Result<T, Error>, received: Option<&str>) {
            match result {
                Ok(_) => self.succeeded(0, received),
                Err(error) => self.failed(error),
            }
        }

        /// Ends the call with a failure.
        pub(crate) fn failed(mut self, error: &Error) {
            self.ended = true;
            let elapsed = self.start.elapsed();
            let hcs = error.hcs_error();
            let hresult = hcs.map(|e| HResultField(e.code));
            if let Some(document) = hcs.and_then(|e| e.raw_result.as_deref()) {
                tracing::trace!(
                    target: TARGET,
                    parent: &self.span,
                    document = %redact_document(document),
                    "received",
                );
            }
            let result = hcs.and_then(|e| e.result.as_ref());
            let error_message = result.and_then(|r| r.error_message.as_deref());
            let attribution = result
                .and_then(|r| r.attribution.as_ref())
                .filter(|a| !a.is_empty())
                .and_then(|a| serde_json::to_string(a).ok())
                .map(|json| redact_document(&json));
            // One macro call per level: `tracing`'s level is part of each
            // call site's static metadata.
            macro_rules! failure {
                ($level:expr) => {
                    tracing::event!(
                        target: TARGET,
                        parent: &self.span,
                        $level,
                        function = %self.function,
                        system = self.subject.system_field(),
                        process = self.subject.process,
                        operation = self.operation,
                        hresult = hresult.map(display),
                        elapsed = ?elapsed,
                        error_message = error_message,
                        attribution = attribution.as_deref().map(display),
                        error = %error,
                        "failed",
                    )
                };
            }
            match failure_level(error) {
                Level::WARN => failure!(Level::WARN),
                _ => failure!(Level::ERROR),
            }
            if let Some(hresult) = hresult {
                self.span.record("hresult", display(hresult));
            }
            self.span.record("elapsed", debug(elapsed));
        }

        /// Ends a call that returns nothing (the `Close` functions).
        pub(crate) fn returned(mut self) {
            self.ended = true;
            let elapsed = self.start.elapsed();
            tracing::debug!(target: TARGET, parent: &self.span, elapsed = ?elapsed, "ok");
            self.span.record("elapsed", debug(elapsed));
        }
    }

    impl Drop for Call {
        fn drop(&mut self) {
            if !self.ended {
                // An async call whose future was dropped: it was cancelled.
                tracing::debug!(
                    target: TARGET,
                    parent: &self.span,
                    elapsed = ?self.start.elapsed(),
                    "abandoned before it completed (the future was dropped)",
                );
            }
        }
    }

    /// What is needed to record the outcome of a call whose caller stopped
    /// waiting (a timeout): it arrives later, on an HCS thread.
    pub(crate) struct Late {
        function: &'static str,
        subject: Subject,
        operation: Option<u64>,
        start: Instant,
    }

    impl Call {
        /// For the outcome that arrives after this call was recorded as timed out.
        pub(crate) fn late(&self) -> Late {
            Late {
                function: self.function,
                subject: self.subject.clone(),
                operation: self.operation,
                start: self.start,
            }
        }
    }

    impl Late {
        /// Records the real outcome: `DEBUG` when the call succeeded after
        /// all, `WARN` when it failed (nobody sees that failure otherwise).
        pub(crate) fn record<T>(self, outcome: &Result<T, Error>) {
            let elapsed = self.start.elapsed();
            match outcome {
                Ok(_) => tracing::debug!(
                    target: TARGET,
                    function = %self.function,
                    system = self.subject.system_field(),
                    process = self.subject.process,
                    operation = self.operation,
                    elapsed = ?elapsed,
                    "completed after its caller stopped waiting",
                ),
                Err(error) => tracing::warn!(
                    target: TARGET,
                    function = %self.function,
                    system = self.subject.system_field(),
                    process = self.subject.process,
                    operation = self.operation,
                    hresult = error.code().map(|code| display(HResultField(code))),
                    elapsed = ?elapsed,
                    error = %error,
                    "failed after its caller stopped waiting",
                ),
            }
        }
    }

    /// `WARN` for failures that report a race or a wait rather than a broken
    /// system (the caller usually handles them); `ERROR` for the rest.
    pub(crate) fn failure_level(error: &Error) -> Level {
        const WARN: [HResult; 5] = [
            HResult::HCS_E_OPERATION_TIMEOUT,
            HResult::HCS_E_OPERATION_PENDING,
            HResult::HCS_E_OPERATION_ALREADY_CANCELLED,
            HResult::HCS_E_SYSTEM_ALREADY_STOPPED,
            HResult::HCS_E_PROCESS_ALREADY_STOPPED,
        ];
        match error.code() {
            Some(code) if WARN.iter().any(|warn| code.is(*warn)) => Level::WARN,
            _ => Level::ERROR,
        }
    }

    /// An `HRESULT` as a field: its name when it has one, with the number
    /// for failures (`S_OK`, `HCS_E_INVALID_STATE(0x80370105)`, `0x8007001F`).
    #[derive(Clone, Copy)]
    pub(crate) struct HResultField(pub(crate) HResult);

    impl std::fmt::Display for HResultField {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match (self.0.name(), self.0.is_ok()) {
                (Some(name), true) => f.write_str(name),
                (Some(name), false) => write!(f, "{name}({:#010X})", self.0.as_u32()),
                (None, _) => write!(f, "{:#010X}", self.0.as_u32()),
            }
        }
    }

    /// Wraps an event callback so every event is recorded at `DEBUG` (type)
    /// and `TRACE` (its redacted document) before it is delivered.
    pub(crate) fn traced_events(
        subject: &Subject,
        callback: Arc<crate::events::EventCallback>,
    ) -> Arc<crate::events::EventCallback> {
        let subject = subject.clone();
        Arc::new(move |event: crate::Event| {
            tracing::debug!(
                target: TARGET,
                system = subject.system_field(),
                process = subject.process,
                event_type = %EventTypeField(event.event_type),
                "event",
            );
            if let Some(data) = event.data.as_deref() {
                tracing::trace!(
                    target: TARGET,
                    system = subject.system_field(),
                    process = subject.process,
                    event_type = %EventTypeField(event.event_type),
                    document = %redact_document(data),
                    "event data",
                );
            }
            callback(event);
        })
    }

    struct EventTypeField(EventType);

    impl std::fmt::Display for EventTypeField {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self.0.name() {
                Some(name) => f.write_str(name),
                None => write!(f, "{:#x}", self.0.0),
            }
        }
    }

    /// Records the findings of a schema check, one `WARN` each, naming the
    /// JSON path and the policy's severity (`error` refuses the call,
    /// `warning` lets it through); `schema` is the target version, or
    /// `unknown` when the host's versions could not be had (the fallback).
    pub(crate) fn schema_findings(
        function: &'static str,
        target: Option<hcs_schema::SchemaVersion>,
        findings: &[hcs_schema::Finding],
    ) {
        for finding in findings {
            let severity = match finding.severity {
                hcs_schema::Severity::Error => "error",
                hcs_schema::Severity::Warning => "warning",
            };
            tracing::warn!(
                target: TARGET,
                function = %function,
                path = %finding.path,
                severity = severity,
                schema = %TargetField(target),
                "schema check: {finding}",
            );
        }
    }

    struct TargetField(Option<hcs_schema::SchemaVersion>);

    impl std::fmt::Display for TargetField {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self.0 {
                Some(version) => version.fmt(f),
                None => f.write_str("unknown"),
            }
        }
    }
}

#[cfg(not(feature = "tracing"))]
mod off {
    //! The feature is off: nothing is recorded, nothing is stored.

    use crate::error::Error;
    use crate::ffi::{Api, HCS_OPERATION, HRESULT};
    use crate::strings::WideString;

    /// Empty: the ids are not kept when nothing is recorded.
    #[derive(Clone, Default, Debug)]
    pub(crate) struct Subject;

    impl Subject {
        pub(crate) const NONE: Subject = Subject;

        #[inline(always)]
        pub(crate) fn system(_id: &str) -> Subject {
            Subject
        }

        #[inline(always)]
        pub(crate) fn process(&self, _process_id: u32) -> Subject {
            Subject
        }
    }

    /// Empty: nothing is recorded.
    pub(crate) struct Call;

    impl Call {
        #[inline(always)]
        pub(crate) fn begin(_function: &'static str, _subject: &Subject) -> Call {
            Call
        }

        #[inline(always)]
        pub(crate) fn sends(&self, _document: Option<&WideString>) {}

        #[inline(always)]
        pub(crate) fn operation(&mut self, _api: &Api, _operation: HCS_OPERATION) {}

        #[inline(always)]
        pub(crate) fn succeeded(self, _hr: HRESULT, _received: Option<&str>) {}

        #[inline(always)]
        pub(crate) fn finish<T>(self, _result: &Result<T, Error>, _received: Option<&str>) {}

        #[inline(always)]
        pub(crate) fn failed(self, _error: &Error) {}

        #[inline(always)]
        pub(crate) fn returned(self) {}

        #[inline(always)]
        pub(crate) fn late(&self) -> Late {
            Late
        }
    }

    /// Empty: nothing is recorded.
    pub(crate) struct Late;

    impl Late {
        #[inline(always)]
        pub(crate) fn record<T>(self, _outcome: &Result<T, Error>) {}
    }

    #[inline(always)]
    pub(crate) fn traced_events(
        _subject: &Subject,
        callback: std::sync::Arc<crate::events::EventCallback>,
    ) -> std::sync::Arc<crate::events::EventCallback> {
        callback
    }

    #[inline(always)]
    pub(crate) fn schema_findings(
        _function: &'static str,
        _target: Option<hcs_schema::SchemaVersion>,
        _findings: &[hcs_schema::Finding],
    ) {
    }
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use tracing::Level;

    use super::*;
    use crate::error::Error;
    use crate::hresult::HResult;

    /// The formatted output of `f`'s records (fmt layer, no colours).
    fn formatted(f: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_failure_names_the_result_errors_message_and_attribution() {
        let document = r#"{"Error":-2143878906,"ErrorMessage":"The virtual machine or container exited unexpectedly","Attribution":[{"SystemExit":{"Detail":"Crashed","Initiator":"Guest"}}],"ErrorEvents":[{"Message":"x","Data":[{"Type":"String","StringValue":"secret"}]}]}"#;
        let error = Error::hcs(
            HResult::HCS_E_UNEXPECTED_EXIT,
            "HcsStartComputeSystem",
            Some(document.to_owned()),
        );
        let out = formatted(|| {
            Call::begin("HcsStartComputeSystem", &Subject::system("vm-7").process(4)).failed(&error)
        });
        let line = out
            .lines()
            .find(|l| l.contains("failed"))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(line.starts_with("ERROR"), "{line}");
        for expected in [
            "function=HcsStartComputeSystem",
            "system=vm-7",
            "process=4",
            "hresult=HCS_E_UNEXPECTED_EXIT(0x80370106)",
            r#"error_message="The virtual machine or container exited unexpectedly""#,
            r#"attribution=[{"SystemExit":{"Detail":"Crashed","Initiator":"Guest"}}]"#,
        ] {
            assert!(line.contains(expected), "{expected} not in {line}");
        }
        // The result document itself only at TRACE, redacted.
        let received = out.lines().find(|l| l.contains("received")).unwrap();
        assert!(received.starts_with("TRACE"), "{received}");
        assert!(!out.contains("secret"), "{out}");
    }

    #[test]
    fn races_and_waits_are_warnings() {
        let error = |code| Error::hcs(code, "f", None);
        assert_eq!(
            failure_level(&error(HResult::HCS_E_OPERATION_TIMEOUT)),
            Level::WARN
        );
        assert_eq!(
            failure_level(&error(HResult::HCS_E_PROCESS_ALREADY_STOPPED_C037)),
            Level::WARN
        );
        assert_eq!(
            failure_level(&error(HResult::HCS_E_INVALID_JSON)),
            Level::ERROR
        );
        assert_eq!(
            failure_level(&Error::NotSupported { function: "f" }),
            Level::ERROR
        );
        let out = formatted(|| {
            Call::begin("HcsWaitForProcessExit", &Subject::NONE)
                .failed(&error(HResult::HCS_E_OPERATION_TIMEOUT))
        });
        assert!(out.trim_start().starts_with("WARN"), "{out}");
    }

    #[test]
    fn hresults_read_as_names() {
        assert_eq!(HResultField(HResult::S_OK).to_string(), "S_OK");
        assert_eq!(
            HResultField(HResult::HCS_E_INVALID_STATE).to_string(),
            "HCS_E_INVALID_STATE(0x80370105)"
        );
        assert_eq!(
            HResultField(HResult(0x8007_001F_u32 as i32)).to_string(),
            "0x8007001F"
        );
    }
}
