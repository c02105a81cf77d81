//! Compute-system and process events: delivered from an `extern "system"`
//! trampoline through a registry key, as a callback, a blocking iterator or
//! an async [`Stream`](futures_core::Stream).

use std::collections::VecDeque;
use std::ffi::c_void;
use std::fmt;
use std::pin::Pin;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::call::call;
use crate::document::decode_document;
use crate::error::Result;
use crate::ffi::HCS_EVENT;
use crate::registry::{Registry, guard};
use crate::strings::copy_pcwstr;
use crate::trace::{Subject, traced_events};
use crate::types::{EventType, RawHandleValue};

/// One event HCS delivered for a compute system or process (`HCS_EVENT`,
/// copied out of the callback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What happened.
    pub event_type: EventType,
    /// The event's JSON document (for example `SystemExitStatus` for
    /// [`EventType::SYSTEM_EXITED`], `ProcessStatus` for
    /// [`EventType::PROCESS_EXITED`]), if any.
    pub data: Option<String>,
    /// The operation an [`EventType::OPERATION_CALLBACK`] event is about
    /// (valid only as an identifier).
    pub operation: Option<RawHandleValue>,
}

impl Event {
    /// Decodes [`Event::data`] as `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        decode_document("HCS_EVENT", self.data.clone())
    }
}

pub(crate) type EventCallback = dyn Fn(Event) + Send + Sync + 'static;

pub(crate) static EVENTS: Registry<EventCallback> = Registry::new();

/// How many event callbacks are registered right now (for leak checks; 0
/// when every handle with a callback is closed).
pub fn live_event_callbacks() -> usize {
    EVENTS.len()
}

/// The `HCS_EVENT_CALLBACK` trampoline. The context is a registry key.
pub(crate) unsafe extern "system" fn event_callback(
    event: *const HCS_EVENT,
    context: *const c_void,
) {
    guard("event", || {
        if event.is_null() {
            return;
        }
        // SAFETY: HCS passes a valid event for the duration of the call;
        // its data is copied, never freed.
        let event = unsafe {
            let raw = &*event;
            Event {
                event_type: EventType(raw.Type),
                data: copy_pcwstr(raw.EventData),
                operation: (!raw.Operation.is_null())
                    .then_some(RawHandleValue(raw.Operation as usize)),
            }
        };
        if let Some(callback) = EVENTS.get(context as usize) {
            callback(event);
        }
    });
}

/// The registrations a handle made; removed when the handle closes, so a
/// late callback finds nothing.
#[derive(Default)]
pub(crate) struct Registrations(Mutex<Vec<usize>>);

impl Registrations {
    pub(crate) fn add(&self, key: usize) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(key);
    }

    /// Registers `callback` under a new context key and hands the key to `set`, the HCS call
    /// that installs [`event_callback`] with it; unregisters it again when that call fails.
    pub(crate) fn register(
        &self,
        function: &'static str,
        subject: &Subject,
        callback: Arc<EventCallback>,
        set: impl FnOnce(*const c_void) -> i32,
    ) -> Result<()> {
        let key = EVENTS.insert(traced_events(subject, callback));
        if let Err(error) = call(function, subject, &[], || set(key as *const c_void)) {
            EVENTS.remove(key);
            return Err(error);
        }
        self.add(key);
        Ok(())
    }

    pub(crate) fn clear(&self) {
        let keys = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        for key in keys {
            EVENTS.remove(key);
        }
    }
}

struct ChannelState {
    queue: VecDeque<Event>,
    closed: bool,
    waker: Option<Waker>,
}

struct Channel {
    state: Mutex<ChannelState>,
    ready: Condvar,
}

impl Channel {
    fn lock(&self) -> std::sync::MutexGuard<'_, ChannelState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sending half, owned by the registered callback; dropping it (when the
/// handle closes) ends the receiver.
pub(crate) struct EventSender(Arc<Channel>);

impl EventSender {
    pub(crate) fn send(&self, event: Event) {
        let waker = {
            let mut state = self.0.lock();
            state.queue.push_back(event);
            state.waker.take()
        };
        self.0.ready.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Drop for EventSender {
    fn drop(&mut self) {
        let waker = {
            let mut state = self.0.lock();
            state.closed = true;
            state.waker.take()
        };
        self.0.ready.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The events of one compute system or process, in order. A blocking
/// [`Iterator`] and an async [`Stream`](futures_core::Stream); both end when
/// the handle is closed and the queued events are read.
pub struct EventReceiver(Arc<Channel>);

pub(crate) fn channel() -> (EventSender, EventReceiver) {
    let channel = Arc::new(Channel {
        state: Mutex::new(ChannelState {
            queue: VecDeque::new(),
            closed: false,
            waker: None,
        }),
        ready: Condvar::new(),
    });
    (EventSender(channel.clone()), EventReceiver(channel))
}

impl EventReceiver {
    /// The next event, blocking; `None` once the handle is closed and every
    /// queued event was read.
    pub fn recv(&self) -> Option<Event> {
        let mut state = self.0.lock();
        loop {
            if let Some(event) = state.queue.pop_front() {
                return Some(event);
            }
            if state.closed {
                return None;
            }
            state = self.0.ready.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The next event, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> std::result::Result<Event, RecvTimeoutError> {
        let deadline = Instant::now() + timeout;
        let mut state = self.0.lock();
        loop {
            if let Some(event) = state.queue.pop_front() {
                return Ok(event);
            }
            if state.closed {
                return Err(RecvTimeoutError::Disconnected);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(RecvTimeoutError::Timeout);
            }
            state = self
                .0
                .ready
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// The next event if one is queued.
    pub fn try_recv(&self) -> Option<Event> {
        self.0.lock().queue.pop_front()
    }
}

impl Iterator for EventReceiver {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        self.recv()
    }
}

impl futures_core::Stream for EventReceiver {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let mut state = self.0.lock();
        if let Some(event) = state.queue.pop_front() {
            return Poll::Ready(Some(event));
        }
        if state.closed {
            return Poll::Ready(None);
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl fmt::Debug for EventReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.0.lock();
        f.debug_struct("EventReceiver")
            .field("queued", &state.queue.len())
            .field("closed", &state.closed)
            .finish()
    }
}
