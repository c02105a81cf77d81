//! The `tracing` feature against the emulator: a capturing subscriber layer
//! records every span and event, and the tests check fields, levels and
//! redaction for a create/start/stop cycle, failing calls, an event and a
//! schema-check finding. Without the feature the same cycle must record
//! nothing at all.
//!
//! `cargo test -p hcs --features tracing --test tracing` runs the first set;
//! `cargo test -p hcs --test tracing` the second (CI runs both).

// Without the feature only the "nothing is recorded" test uses the capture.
#![cfg_attr(not(feature = "tracing"), allow(dead_code))]

mod common;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, OnceLock};

use hcs::schema::{ComputeSystem, ProcessParameters};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A secret put in every kind of document the tests send.
const SECRET: &str = "s3cr3t-value";

#[derive(Debug, Clone)]
struct SpanRecord {
    id: u64,
    name: &'static str,
    level: Level,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct EventRecord {
    level: Level,
    target: String,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
}

impl EventRecord {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
    fn message(&self) -> &str {
        self.field("message").unwrap_or_default()
    }
}

#[derive(Default)]
struct Captured {
    spans: Vec<SpanRecord>,
    events: Vec<EventRecord>,
}

/// Every field as text (`Display` for strings, `Debug` otherwise).
struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// The capturing layer: spans with their attributes and later records,
/// events with their level, fields and parent span.
struct Capture;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        captured().spans.push(SpanRecord {
            id: id.into_u64(),
            name: attrs.metadata().name(),
            level: *attrs.metadata().level(),
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut captured = captured();
        if let Some(span) = captured
            .spans
            .iter_mut()
            .rev()
            .find(|s| s.id == id.into_u64())
        {
            values.record(&mut Fields(&mut span.fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let parent = event
            .parent()
            .cloned()
            .or_else(|| ctx.current_span().id().cloned())
            .map(|id| id.into_u64());
        captured().events.push(EventRecord {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            parent,
            fields,
        });
    }
}

fn captured() -> MutexGuard<'static, Captured> {
    static CAPTURED: OnceLock<Mutex<Captured>> = OnceLock::new();
    CAPTURED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Installs the layer as the global subscriber (callbacks arrive on emulator
/// threads, so a thread-local one would miss them) and serializes the tests:
/// injected failures are global to the emulator.
fn setup() -> MutexGuard<'static, ()> {
    static ONCE: OnceLock<()> = OnceLock::new();
    static SERIAL: Mutex<()> = Mutex::new(());
    ONCE.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(Capture);
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
    });
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A VM document with a secret registry value in it.
fn vm_with_secret() -> ComputeSystem {
    let mut document = common::vm_json();
    document["VirtualMachine"]["RegistryChanges"] = json!({
        "AddValues": [{
            "Key": { "Hive": "System", "Name": "Software\\HcsTests" },
            "Name": "Password", "Type": "String", "StringValue": SECRET
        }]
    });
    common::doc(document)
}

fn process_with_secret(command_line: &str) -> ProcessParameters {
    common::doc(json!({
        "CommandLine": command_line,
        "Environment": { "API_TOKEN": SECRET, "PATH": "C:\\Windows" }
    }))
}

/// The spans and events that name `system`, and the events inside those spans.
fn records_of(system: &str) -> (Vec<SpanRecord>, Vec<EventRecord>) {
    let captured = captured();
    let spans: Vec<SpanRecord> = captured
        .spans
        .iter()
        .filter(|s| s.fields.get("system").map(String::as_str) == Some(system))
        .cloned()
        .collect();
    let events = captured
        .events
        .iter()
        .filter(|e| {
            e.field("system") == Some(system)
                || e.parent.is_some_and(|p| spans.iter().any(|s| s.id == p))
        })
        .cloned()
        .collect();
    (spans, events)
}

fn no_secret_anywhere() {
    let captured = captured();
    for span in &captured.spans {
        assert!(
            !span.fields.values().any(|v| v.contains(SECRET)),
            "a span leaks the secret: {span:?}"
        );
    }
    for event in &captured.events {
        assert!(
            !event.fields.values().any(|v| v.contains(SECRET)),
            "an event leaks the secret: {event:?}"
        );
    }
}

#[cfg(feature = "tracing")]
mod on {
    use std::time::Duration;

    use hcs::{EventOptions, EventType, HResult, SchemaCheck};

    use super::*;

    fn span<'a>(spans: &'a [SpanRecord], function: &str) -> &'a SpanRecord {
        spans
            .iter()
            .find(|s| s.fields.get("function").map(String::as_str) == Some(function))
            .unwrap_or_else(|| panic!("no span for {function} in {spans:#?}"))
    }

    fn inside<'a>(events: &'a [EventRecord], span: &SpanRecord) -> Vec<&'a EventRecord> {
        events
            .iter()
            .filter(|e| e.parent == Some(span.id))
            .collect()
    }

    #[test]
    fn a_create_start_stop_cycle_is_one_span_per_call() {
        let _serial = setup();
        let hcs = common::hcs();
        let id = common::unique_id("traced");
        {
            let system = hcs
                .create_compute_system(&id, &vm_with_secret())
                .expect("create");
            system.start().expect("start");
            let process = system
                .create_process(&process_with_secret("exit 0"))
                .expect("create process");
            process.wait_for_exit(common::LONG).expect("wait");
            system.terminate().expect("terminate");
        }
        let (spans, events) = records_of(&id);

        for function in [
            "HcsCreateComputeSystem",
            "HcsCreateProcess",
            "HcsStartComputeSystem",
            "HcsTerminateComputeSystem",
        ] {
            let span = span(&spans, function);
            assert_eq!(span.name, "hcs_call");
            assert_eq!(span.level, Level::DEBUG);
            assert_eq!(span.fields["hresult"], "S_OK", "{span:?}");
            let operation: u64 = span.fields["operation"].parse().expect("an operation id");
            assert!(operation > 0, "{span:?}");
            assert!(span.fields.contains_key("elapsed"), "{span:?}");
            let done = inside(&events, span);
            let ok = done
                .iter()
                .find(|e| e.message() == "ok")
                .unwrap_or_else(|| panic!("no outcome event for {function}: {done:#?}"));
            assert_eq!(ok.level, Level::DEBUG);
            assert_eq!(ok.target, "hcs");
            assert_eq!(ok.field("hresult"), Some("S_OK"));
            assert!(
                ok.field("elapsed").is_some_and(|e| e.ends_with('s')),
                "{ok:?}"
            );
        }
        let operations: Vec<&str> = ["HcsCreateComputeSystem", "HcsStartComputeSystem"]
            .iter()
            .map(|f| span(&spans, f).fields["operation"].as_str())
            .collect();
        assert_ne!(
            operations[0], operations[1],
            "each call has its own operation"
        );

        // The process's own calls name the system and the process id.
        let wait = span(&spans, "HcsWaitForProcessExit");
        assert!(wait.fields["process"].parse::<u32>().is_ok(), "{wait:?}");
        assert!(!wait.fields.contains_key("operation"), "{wait:?}");
        let close = span(&spans, "HcsCloseComputeSystem");
        assert!(inside(&events, close).iter().any(|e| e.message() == "ok"));

        // Documents only at TRACE, redacted on the JSON structure.
        let create = span(&spans, "HcsCreateComputeSystem");
        let sent: Vec<_> = inside(&events, create)
            .into_iter()
            .filter(|e| e.message() == "sent")
            .collect();
        assert_eq!(sent.len(), 1, "{sent:#?}");
        assert_eq!(sent[0].level, Level::TRACE);
        let document: serde_json::Value =
            serde_json::from_str(sent[0].field("document").unwrap()).expect("JSON");
        let value = &document["VirtualMachine"]["RegistryChanges"]["AddValues"][0];
        assert_eq!(value["StringValue"], hcs::redact::REDACTED);
        assert_eq!(value["Name"], "Password");
        assert_eq!(document["Owner"], "hcs-tests");
        let process = span(&spans, "HcsCreateProcess");
        let sent = inside(&events, process)
            .into_iter()
            .find(|e| e.message() == "sent")
            .expect("the parameters");
        let parameters: serde_json::Value =
            serde_json::from_str(sent.field("document").unwrap()).unwrap();
        assert_eq!(
            parameters["Environment"],
            json!({ "API_TOKEN": hcs::redact::REDACTED, "PATH": hcs::redact::REDACTED })
        );
        assert_eq!(parameters["CommandLine"], "exit 0");
        let received = inside(&events, wait)
            .into_iter()
            .find(|e| e.message() == "received")
            .expect("the ProcessStatus document");
        assert_eq!(received.level, Level::TRACE);
        for event in &events {
            if event.field("document").is_some() {
                assert_eq!(event.level, Level::TRACE, "{event:?}");
            }
        }
        no_secret_anywhere();
    }

    #[test]
    fn a_failing_call_is_an_error_with_the_result_error() {
        let _serial = setup();
        let hcs = common::hcs();
        let control = common::control();
        let id = common::unique_id("traced-fail");
        let system = hcs
            .create_compute_system(&id, &common::vm_document())
            .expect("create");
        let code = HResult::HCS_E_INVALID_STATE;
        control
            .configure(
                &json!({ "InjectFailures": [
                    { "Function": "HcsStartComputeSystem", "Error": code.0, "Count": 1 }
                ]})
                .to_string(),
            )
            .expect("inject");
        let error = system.start().expect_err("the injected failure");
        control.configure_defaults().expect("reset");
        let message = error
            .hcs_error()
            .and_then(|e| e.result.as_ref())
            .and_then(|r| r.error_message.clone())
            .expect("the emulator's ResultError");

        let (spans, events) = records_of(&id);
        let start = span(&spans, "HcsStartComputeSystem");
        assert_eq!(start.fields["hresult"], "HCS_E_INVALID_STATE(0x80370105)");
        let failed = inside(&events, start)
            .into_iter()
            .find(|e| e.message() == "failed")
            .expect("a failure event");
        assert_eq!(failed.level, Level::ERROR);
        // The event stands on its own when the span is filtered out.
        assert_eq!(failed.field("function"), Some("HcsStartComputeSystem"));
        assert_eq!(failed.field("system"), Some(id.as_str()));
        assert_eq!(
            failed.field("operation"),
            start.fields.get("operation").map(String::as_str)
        );
        assert_eq!(
            failed.field("hresult"),
            Some("HCS_E_INVALID_STATE(0x80370105)")
        );
        assert_eq!(failed.field("error_message"), Some(message.as_str()));
        assert!(failed.field("elapsed").is_some());
        assert!(
            failed.field("error").is_some_and(|e| e.contains(&message)),
            "{failed:?}"
        );

        // A wait that runs out of time is a warning, not an error.
        system.start().expect("start");
        let process = system
            .create_process(&process_with_secret("sleep-forever"))
            .expect("create process");
        let timeout = process
            .wait_for_exit(Some(Duration::from_millis(1)))
            .expect_err("a timeout");
        assert!(timeout.is_timeout(), "{timeout}");
        let (spans, events) = records_of(&id);
        let wait = span(&spans, "HcsWaitForProcessExit");
        let failed = inside(&events, wait)
            .into_iter()
            .find(|e| e.message() == "failed")
            .expect("a failure event");
        assert_eq!(failed.level, Level::WARN);
        assert!(
            failed
                .field("hresult")
                .unwrap()
                .starts_with("HCS_E_OPERATION_TIMEOUT"),
            "{failed:?}"
        );
        drop(process);
        drop(system);
        no_secret_anywhere();
    }

    #[test]
    fn events_are_debug_records_with_their_type() {
        let _serial = setup();
        let hcs = common::hcs();
        let id = common::unique_id("traced-events");
        let system = hcs
            .create_compute_system(&id, &common::vm_document())
            .expect("create");
        let events = system.events(EventOptions::NONE).expect("events");
        system.start().expect("start");
        system.terminate().expect("terminate");
        let exited = events
            .recv_timeout(Duration::from_secs(30))
            .expect("the exit event");
        assert_eq!(exited.event_type, EventType::SYSTEM_EXITED);

        let (spans, records) = records_of(&id);
        span(&spans, "HcsSetComputeSystemCallback");
        let event = records
            .iter()
            .find(|e| e.message() == "event")
            .unwrap_or_else(|| panic!("no event record in {records:#?}"));
        assert_eq!(event.level, Level::DEBUG);
        assert_eq!(event.target, "hcs");
        assert_eq!(event.field("event_type"), Some("SYSTEM_EXITED"));
        assert_eq!(event.field("system"), Some(id.as_str()));
        let data = records
            .iter()
            .find(|e| e.message() == "event data")
            .expect("the event's document");
        assert_eq!(data.level, Level::TRACE);
        let document: serde_json::Value =
            serde_json::from_str(data.field("document").unwrap()).expect("JSON");
        assert_eq!(
            Some(document),
            exited
                .data
                .as_deref()
                .map(|d| serde_json::from_str::<serde_json::Value>(d).unwrap())
        );
    }

    /// Waits (a few seconds at most) for a record to arrive from an HCS thread.
    fn eventually(what: &str, found: impl Fn(&Captured) -> bool) {
        for _ in 0..500 {
            if found(&captured()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("never recorded: {what}");
    }

    #[test]
    fn calls_nobody_waits_for_any_more_are_recorded_when_they_complete() {
        let _serial = setup();
        let hcs = common::hcs();
        let control = common::control();
        let delay = |ms: u64| {
            control
                .configure(&json!({ "CompletionDelayMs": ms }).to_string())
                .expect("configure")
        };

        // A blocking create that runs out of time: WARN at once, then the
        // real outcome when HCS completes it.
        let id = common::unique_id("traced-late");
        delay(300);
        let error = hcs
            .with_timeout(Some(Duration::from_millis(20)))
            .create_compute_system(&id, &common::vm_document())
            .expect_err("a timeout");
        assert!(error.is_timeout(), "{error}");
        let (spans, events) = records_of(&id);
        let create = span(&spans, "HcsCreateComputeSystem");
        let failed = inside(&events, create)
            .into_iter()
            .find(|e| e.message() == "failed")
            .expect("the timeout");
        assert_eq!(failed.level, Level::WARN);
        let late = |captured: &Captured| {
            captured.events.iter().any(|e| {
                e.field("system") == Some(id.as_str())
                    && e.message() == "completed after its caller stopped waiting"
                    && e.level == Level::DEBUG
                    && e.field("function") == Some("HcsCreateComputeSystem")
                    && e.field("operation") == create.fields.get("operation").map(String::as_str)
            })
        };
        eventually("the late create", late);
        delay(0);

        // A dropped future: its call is still recorded with its outcome.
        let id = common::unique_id("traced-dropped");
        delay(300);
        let mut future = hcs.create_compute_system_async(&id, &common::vm_document());
        assert!(common::poll_once(&mut future).is_pending());
        drop(future);
        let ended = |captured: &Captured| {
            let Some(span) = captured.spans.iter().find(|s| {
                s.fields.get("system").map(String::as_str) == Some(id.as_str())
                    && s.fields.get("function").map(String::as_str)
                        == Some("HcsCreateComputeSystem")
            }) else {
                return false;
            };
            captured
                .events
                .iter()
                .any(|e| e.parent == Some(span.id) && e.message() == "ok")
        };
        eventually("the dropped future's create", ended);
        delay(0);
    }

    #[test]
    fn schema_check_findings_are_warnings_naming_the_path() {
        let _serial = setup();
        let hcs =
            common::hcs().with_schema_check(SchemaCheck::Version(hcs::schema::SchemaVersion::V2_1));
        let id = common::unique_id("traced-schema");
        let mut document = common::vm_json();
        document["VirtualMachine"]["Chipset"]["Uefi"]["ApplySecureBootTemplate"] = json!("Apply");
        let error = hcs
            .create_compute_system(&id, &common::doc(document))
            .expect_err("2.1 has no ApplySecureBootTemplate");
        assert!(matches!(error, hcs::Error::SchemaVersion(_)), "{error}");
        let path = "VirtualMachine.Chipset.Uefi.ApplySecureBootTemplate";
        let recorded = captured();
        let finding = recorded
            .events
            .iter()
            .find(|e| e.field("path") == Some(path))
            .expect("a finding record");
        assert_eq!(finding.level, Level::WARN);
        assert_eq!(finding.field("function"), Some("HcsCreateComputeSystem"));
        assert_eq!(finding.field("schema"), Some("2.1"));
        assert_eq!(finding.field("severity"), Some("error"));
        assert!(
            finding.message().contains("needs schema 2.3"),
            "{finding:?}"
        );
        drop(recorded);

        // A warning (an observed property no source gives a version for) is recorded too, at
        // the same level, and the document is sent.
        let id = common::unique_id("traced-schema-warning");
        let mut document = common::vm_json();
        document["VirtualMachine"]["ResourcePartitionId"] = json!("partition-1");
        let system = hcs
            .create_compute_system(&id, &common::doc(document))
            .expect("a warning does not refuse the document");
        system.terminate().expect("terminate");
        let path = "VirtualMachine.ResourcePartitionId";
        let recorded = captured();
        let warning = recorded
            .events
            .iter()
            .find(|e| e.field("path") == Some(path))
            .expect("a warning record");
        assert_eq!(warning.level, Level::WARN);
        assert_eq!(warning.field("severity"), Some("warning"));
        assert_eq!(warning.field("function"), Some("HcsCreateComputeSystem"));
        assert_eq!(warning.field("schema"), Some("2.1"));
        assert!(warning.message().contains("version unknown"), "{warning:?}");
    }
}

/// Without the feature the runtime records nothing, even with a subscriber
/// that wants everything.
#[cfg(not(feature = "tracing"))]
#[test]
fn without_the_feature_nothing_is_recorded() {
    let _serial = setup();
    let hcs = common::hcs();
    let id = common::unique_id("untraced");
    {
        let system = hcs
            .create_compute_system(&id, &vm_with_secret())
            .expect("create");
        system.start().expect("start");
        let process = system
            .create_process(&process_with_secret("exit 0"))
            .expect("create process");
        process.wait_for_exit(common::LONG).expect("wait");
        system.terminate().expect("terminate");
        assert!(system.start().is_err());
    }
    // The subscriber works: a record of our own is captured.
    tracing::info!(target: "hcs-tests", "probe");
    let captured = captured();
    assert!(
        captured.events.iter().any(|e| e.target == "hcs-tests"),
        "the capturing layer is installed"
    );
    assert!(
        captured.spans.is_empty() && captured.events.iter().all(|e| e.target == "hcs-tests"),
        "recorded without the feature: {:#?} {:#?}",
        captured.spans,
        captured.events
    );
    drop(captured);
    no_secret_anywhere();
}
