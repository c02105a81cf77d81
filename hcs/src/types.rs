//! Native HCS enums and flags as open `#[repr(transparent)]` newtypes: any
//! value a newer `computecore.dll` sends is representable.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

use windows_sys::Win32::System::HostComputeSystem as ws;

macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$vmeta])* pub const $variant: $name = $name($value); )*

            /// The constant's name, if the value has one.
            pub fn name(self) -> Option<&'static str> {
                $( if self == $name::$variant { return Some(stringify!($variant)); } )*
                None
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{}::{}", stringify!($name), name),
                    None => write!(f, "{}({:#x})", stringify!($name), self.0),
                }
            }
        }
    };
}

macro_rules! flags_ops {
    ($name:ident) => {
        impl BitOr for $name {
            type Output = $name;
            fn bitor(self, rhs: $name) -> $name {
                $name(self.0 | rhs.0)
            }
        }
        impl BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: $name) {
                self.0 |= rhs.0;
            }
        }
        impl $name {
            /// True when every bit of `other` is set in `self`.
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }
        }
    };
}

open_enum! {
    /// `HCS_OPERATION_TYPE`: what an operation tracks.
    OperationType(i32) {
        /// No function has used the operation yet.
        NONE = ws::HcsOperationTypeNone,
        /// `HcsEnumerateComputeSystems`.
        ENUMERATE = ws::HcsOperationTypeEnumerate,
        /// `HcsCreateComputeSystem`.
        CREATE = ws::HcsOperationTypeCreate,
        /// `HcsStartComputeSystem`.
        START = ws::HcsOperationTypeStart,
        /// `HcsShutDownComputeSystem`.
        SHUTDOWN = ws::HcsOperationTypeShutdown,
        /// `HcsPauseComputeSystem`.
        PAUSE = ws::HcsOperationTypePause,
        /// `HcsResumeComputeSystem`.
        RESUME = ws::HcsOperationTypeResume,
        /// `HcsSaveComputeSystem`.
        SAVE = ws::HcsOperationTypeSave,
        /// `HcsTerminateComputeSystem`.
        TERMINATE = ws::HcsOperationTypeTerminate,
        /// `HcsModifyComputeSystem`.
        MODIFY = ws::HcsOperationTypeModify,
        /// `HcsGetComputeSystemProperties`.
        GET_PROPERTIES = ws::HcsOperationTypeGetProperties,
        /// `HcsCreateProcess`.
        CREATE_PROCESS = ws::HcsOperationTypeCreateProcess,
        /// `HcsSignalProcess`.
        SIGNAL_PROCESS = ws::HcsOperationTypeSignalProcess,
        /// `HcsGetProcessInfo`.
        GET_PROCESS_INFO = ws::HcsOperationTypeGetProcessInfo,
        /// `HcsGetProcessProperties`.
        GET_PROCESS_PROPERTIES = ws::HcsOperationTypeGetProcessProperties,
        /// `HcsModifyProcess`.
        MODIFY_PROCESS = ws::HcsOperationTypeModifyProcess,
        /// `HcsCrashComputeSystem`.
        CRASH = ws::HcsOperationTypeCrash,
        /// Live migration (newer hosts).
        LIVE_MIGRATION = 19,
    }
}

open_enum! {
    /// `HCS_EVENT_TYPE`: the kind of an [`Event`](crate::Event).
    EventType(i32) {
        /// Invalid.
        INVALID = ws::HcsEventInvalid,
        /// The system exited; data is a `SystemExitStatus` document.
        SYSTEM_EXITED = ws::HcsEventSystemExited,
        /// A guest crash started; data is a `CrashReport` document.
        SYSTEM_CRASH_INITIATED = ws::HcsEventSystemCrashInitiated,
        /// A guest crash report is available; data is a `CrashReport`.
        SYSTEM_CRASH_REPORT = ws::HcsEventSystemCrashReport,
        /// The RDP enhanced mode state changed.
        SYSTEM_RDP_ENHANCED_MODE_STATE_CHANGED = ws::HcsEventSystemRdpEnhancedModeStateChanged,
        /// A silo job object was created.
        SYSTEM_SILO_JOB_CREATED = ws::HcsEventSystemSiloJobCreated,
        /// The guest connection was closed.
        SYSTEM_GUEST_CONNECTION_CLOSED = ws::HcsEventSystemGuestConnectionClosed,
        /// A process exited; data is a `ProcessStatus` document.
        PROCESS_EXITED = ws::HcsEventProcessExited,
        /// An operation completed (with [`EventOptions::ENABLE_OPERATION_CALLBACKS`]).
        OPERATION_CALLBACK = ws::HcsEventOperationCallback,
        /// The HCS service disconnected.
        SERVICE_DISCONNECT = ws::HcsEventServiceDisconnect,
        /// Group bit: VM lifecycle events.
        GROUP_VM_LIFECYCLE = ws::HcsEventGroupVmLifecycle,
        /// Group bit: live migration events (newer hosts).
        GROUP_LIVE_MIGRATION = 0x8000_0003u32 as i32,
        /// Group bit: operation information events.
        GROUP_OPERATION_INFO = ws::HcsEventGroupOperationInfo,
    }
}

open_enum! {
    /// `HCS_EVENT_OPTIONS`: flags for event callbacks.
    EventOptions(i32) {
        /// Plain events.
        NONE = ws::HcsEventOptionNone,
        /// Also deliver `OPERATION_CALLBACK` events.
        ENABLE_OPERATION_CALLBACKS = ws::HcsEventOptionEnableOperationCallbacks,
        /// Also deliver VM lifecycle events.
        ENABLE_VM_LIFECYCLE = ws::HcsEventOptionEnableVmLifecycle,
        /// Also deliver live migration events (newer hosts).
        ENABLE_LIVE_MIGRATION_EVENTS = 4,
    }
}
flags_ops!(EventOptions);

open_enum! {
    /// `HCS_OPERATION_OPTIONS`: flags of `HcsCreateOperationWithNotifications`.
    OperationOptions(i32) {
        /// No notifications.
        NONE = ws::HcsOperationOptionNone,
        /// Progress updates.
        PROGRESS_UPDATE = ws::HcsOperationOptionProgressUpdate,
        /// Reserved (newer hosts).
        RESERVED1 = 2,
    }
}
flags_ops!(OperationOptions);

open_enum! {
    /// `HCS_RESOURCE_TYPE`: the kind of resource attached to an operation.
    ResourceType(i32) {
        /// None.
        NONE = ws::HcsResourceTypeNone,
        /// A file handle.
        FILE = ws::HcsResourceTypeFile,
        /// A job object handle.
        JOB = ws::HcsResourceTypeJob,
        /// A COM object (newer hosts).
        COM_OBJECT = 3,
        /// A socket (newer hosts).
        SOCKET = 4,
    }
}

open_enum! {
    /// The `requestedAccess` of `HcsOpenComputeSystem`/`HcsOpenProcess`
    /// (generic access rights).
    Access(u32) {
        /// `GENERIC_ALL`.
        GENERIC_ALL = 0x1000_0000,
        /// `GENERIC_EXECUTE`.
        GENERIC_EXECUTE = 0x2000_0000,
        /// `GENERIC_WRITE`.
        GENERIC_WRITE = 0x4000_0000,
        /// `GENERIC_READ`.
        GENERIC_READ = 0x8000_0000,
    }
}
flags_ops!(Access);

/// A raw HCS handle value (system, process or operation), only for comparing
/// and logging; it owns nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawHandleValue(pub usize);

impl fmt::Debug for RawHandleValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawHandleValue({:#x})", self.0)
    }
}
