//! `HResult`: an HRESULT with names and messages for every `HCS_E_*` code.

use std::fmt;

/// A Windows `HRESULT`: negative means failure.
///
/// Every `HCS_E_*` code has a constant in its documented `0x8037xxxx` form and
/// one in the `0xC037xxxx` form (suffix `_C037`) that the legacy
/// `vmcompute.dll` API and the guest bridge use for the same condition.
/// [`HResult::name`] and [`HResult::message`] know both forms, and
/// [`HResult::is`] compares two codes across forms.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HResult(pub i32);

macro_rules! hcs_codes {
    ($( $name:ident / $legacy:ident = $low:literal, $text:literal; )*) => {
        impl HResult {
            $(
                #[doc = concat!("`", stringify!($name), "` (`0x8037", stringify!($low), "`): ", $text, ".")]
                pub const $name: HResult = HResult((0x8037_0000u32 | $low) as i32);
                #[doc = concat!("`", stringify!($name), "` in the `0xC037` form used by legacy `vmcompute.dll` and the guest bridge.")]
                pub const $legacy: HResult = HResult((0xC037_0000u32 | $low) as i32);
            )*

            /// Every named `HCS_E_*` code in its `0x8037xxxx` form.
            pub const ALL_HCS_CODES: &'static [HResult] = &[ $( HResult::$name, )* ];

            fn hcs_entry(low: u32) -> Option<(&'static str, &'static str)> {
                match low {
                    $( $low => Some((stringify!($name), $text)), )*
                    _ => None,
                }
            }
        }
    };
}

hcs_codes! {
    HCS_E_TERMINATED_DURING_START / HCS_E_TERMINATED_DURING_START_C037 = 0x0100, "The virtual machine or container exited unexpectedly while starting";
    HCS_E_IMAGE_MISMATCH / HCS_E_IMAGE_MISMATCH_C037 = 0x0101, "The container operating system does not match the host operating system";
    HCS_E_HYPERV_NOT_INSTALLED / HCS_E_HYPERV_NOT_INSTALLED_C037 = 0x0102, "The virtual machine could not be started because a required feature is not installed";
    HCS_E_INVALID_STATE / HCS_E_INVALID_STATE_C037 = 0x0105, "The requested virtual machine or container operation is not valid in the current state";
    HCS_E_UNEXPECTED_EXIT / HCS_E_UNEXPECTED_EXIT_C037 = 0x0106, "The virtual machine or container exited unexpectedly";
    HCS_E_TERMINATED / HCS_E_TERMINATED_C037 = 0x0107, "The virtual machine or container was forcefully exited";
    HCS_E_CONNECT_FAILED / HCS_E_CONNECT_FAILED_C037 = 0x0108, "A connection could not be established with the container or virtual machine";
    HCS_E_CONNECTION_TIMEOUT / HCS_E_CONNECTION_TIMEOUT_C037 = 0x0109, "The operation timed out because a response was not received from the virtual machine or container";
    HCS_E_CONNECTION_CLOSED / HCS_E_CONNECTION_CLOSED_C037 = 0x010A, "The connection with the virtual machine or container was closed";
    HCS_E_UNKNOWN_MESSAGE / HCS_E_UNKNOWN_MESSAGE_C037 = 0x010B, "An unknown internal message was received by the virtual machine or container";
    HCS_E_UNSUPPORTED_PROTOCOL_VERSION / HCS_E_UNSUPPORTED_PROTOCOL_VERSION_C037 = 0x010C, "The virtual machine or container does not support an available version of the communication protocol with the host";
    HCS_E_INVALID_JSON / HCS_E_INVALID_JSON_C037 = 0x010D, "The virtual machine or container JSON document is invalid";
    HCS_E_SYSTEM_NOT_FOUND / HCS_E_SYSTEM_NOT_FOUND_C037 = 0x010E, "A virtual machine or container with the specified identifier does not exist";
    HCS_E_SYSTEM_ALREADY_EXISTS / HCS_E_SYSTEM_ALREADY_EXISTS_C037 = 0x010F, "A virtual machine or container with the specified identifier already exists";
    HCS_E_SYSTEM_ALREADY_STOPPED / HCS_E_SYSTEM_ALREADY_STOPPED_C037 = 0x0110, "The virtual machine or container with the specified identifier is not running";
    HCS_E_PROTOCOL_ERROR / HCS_E_PROTOCOL_ERROR_C037 = 0x0111, "A communication protocol error has occurred between the virtual machine or container and the host";
    HCS_E_INVALID_LAYER / HCS_E_INVALID_LAYER_C037 = 0x0112, "The container image contains a layer with an unrecognized format";
    HCS_E_WINDOWS_INSIDER_REQUIRED / HCS_E_WINDOWS_INSIDER_REQUIRED_C037 = 0x0113, "To use this container image, you must join the Windows Insider Program";
    HCS_E_SERVICE_NOT_AVAILABLE / HCS_E_SERVICE_NOT_AVAILABLE_C037 = 0x0114, "The operation could not be started because a required feature is not installed";
    HCS_E_OPERATION_NOT_STARTED / HCS_E_OPERATION_NOT_STARTED_C037 = 0x0115, "The operation has not started";
    HCS_E_OPERATION_ALREADY_STARTED / HCS_E_OPERATION_ALREADY_STARTED_C037 = 0x0116, "The operation is already running";
    HCS_E_OPERATION_PENDING / HCS_E_OPERATION_PENDING_C037 = 0x0117, "The operation is still running";
    HCS_E_OPERATION_TIMEOUT / HCS_E_OPERATION_TIMEOUT_C037 = 0x0118, "The operation did not complete in time";
    HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET / HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET_C037 = 0x0119, "An event callback has already been registered on this handle";
    HCS_E_OPERATION_RESULT_ALLOCATION_FAILED / HCS_E_OPERATION_RESULT_ALLOCATION_FAILED_C037 = 0x011A, "Not enough memory available to return the result of the operation";
    HCS_E_ACCESS_DENIED / HCS_E_ACCESS_DENIED_C037 = 0x011B, "Insufficient privileges. Only administrators or users that are members of the Hyper-V Administrators user group are permitted to access virtual machines or containers";
    HCS_E_GUEST_CRITICAL_ERROR / HCS_E_GUEST_CRITICAL_ERROR_C037 = 0x011C, "The virtual machine or container reported a critical error and was stopped or restarted";
    HCS_E_PROCESS_INFO_NOT_AVAILABLE / HCS_E_PROCESS_INFO_NOT_AVAILABLE_C037 = 0x011D, "The process information is not available";
    HCS_E_SERVICE_DISCONNECT / HCS_E_SERVICE_DISCONNECT_C037 = 0x011E, "The host compute system service has disconnected unexpectedly";
    HCS_E_PROCESS_ALREADY_STOPPED / HCS_E_PROCESS_ALREADY_STOPPED_C037 = 0x011F, "The process has already exited";
    HCS_E_SYSTEM_NOT_CONFIGURED_FOR_OPERATION / HCS_E_SYSTEM_NOT_CONFIGURED_FOR_OPERATION_C037 = 0x0120, "The virtual machine or container is not configured to perform the operation";
    HCS_E_OPERATION_ALREADY_CANCELLED / HCS_E_OPERATION_ALREADY_CANCELLED_C037 = 0x0121, "The operation has already been cancelled";
}

impl HResult {
    /// `S_OK`.
    pub const S_OK: HResult = HResult(0);
    /// `E_FAIL`: unspecified failure.
    pub const E_FAIL: HResult = HResult(0x8000_4005u32 as i32);
    /// `E_INVALIDARG`: one or more arguments are invalid.
    pub const E_INVALIDARG: HResult = HResult(0x8007_0057u32 as i32);
    /// `E_POINTER`: an invalid pointer was passed.
    pub const E_POINTER: HResult = HResult(0x8000_4003u32 as i32);
    /// `E_HANDLE`: an invalid handle was passed.
    pub const E_HANDLE: HResult = HResult(0x8007_0006u32 as i32);
    /// `E_NOTIMPL`: not implemented.
    pub const E_NOTIMPL: HResult = HResult(0x8000_4001u32 as i32);
    /// `E_OUTOFMEMORY`.
    pub const E_OUTOFMEMORY: HResult = HResult(0x8007_000Eu32 as i32);
    /// `E_ACCESSDENIED`.
    pub const E_ACCESSDENIED: HResult = HResult(0x8007_0005u32 as i32);
    /// `0xC0370103`: "operation pending" from the legacy `vmcompute.dll` API
    /// (hcsshim's `ErrVmcomputeOperationPending`); [`HResult::normalized`]
    /// maps it to [`HResult::HCS_E_OPERATION_PENDING`].
    pub const VMCOMPUTE_E_OPERATION_PENDING: HResult = HResult(0xC037_0103u32 as i32);

    /// True when the code is a failure (negative).
    pub const fn is_err(self) -> bool {
        self.0 < 0
    }

    /// True when the code is a success (zero or positive).
    pub const fn is_ok(self) -> bool {
        self.0 >= 0
    }

    /// The code as the unsigned 32-bit number Windows documentation prints.
    pub const fn as_u32(self) -> u32 {
        self.0 as u32
    }

    /// Maps an HCS code in the `0xC037xxxx` form to its `0x8037xxxx` form
    /// (and `0xC0370103` to `HCS_E_OPERATION_PENDING`); other codes are
    /// returned unchanged.
    pub const fn normalized(self) -> HResult {
        let value = self.0 as u32;
        if value == 0xC037_0103 {
            HResult::HCS_E_OPERATION_PENDING
        } else if value & 0xFFFF_0000 == 0xC037_0000 {
            HResult(((value & 0x0000_FFFF) | 0x8037_0000) as i32)
        } else {
            self
        }
    }

    /// True when both codes mean the same HCS condition (either form).
    pub const fn is(self, other: HResult) -> bool {
        self.normalized().0 == other.normalized().0
    }

    /// For `HRESULT_FROM_WIN32` codes (`0x8007xxxx`), the Win32 error code.
    pub const fn win32_code(self) -> Option<u32> {
        let value = self.0 as u32;
        if value & 0xFFFF_0000 == 0x8007_0000 {
            Some(value & 0xFFFF)
        } else {
            None
        }
    }

    /// The `HCS_E_*` (or other well-known) name of the code, if it has one.
    pub fn name(self) -> Option<&'static str> {
        match self {
            HResult::S_OK => return Some("S_OK"),
            HResult::E_FAIL => return Some("E_FAIL"),
            HResult::E_INVALIDARG => return Some("E_INVALIDARG"),
            HResult::E_POINTER => return Some("E_POINTER"),
            HResult::E_HANDLE => return Some("E_HANDLE"),
            HResult::E_NOTIMPL => return Some("E_NOTIMPL"),
            HResult::E_OUTOFMEMORY => return Some("E_OUTOFMEMORY"),
            HResult::E_ACCESSDENIED => return Some("E_ACCESSDENIED"),
            HResult::VMCOMPUTE_E_OPERATION_PENDING => return Some("VMCOMPUTE_E_OPERATION_PENDING"),
            _ => {}
        }
        let value = self.normalized().0 as u32;
        if value & 0xFFFF_0000 == 0x8037_0000 {
            HResult::hcs_entry(value & 0xFFFF).map(|(name, _)| name)
        } else {
            None
        }
    }

    /// The documented message of the code, if it is a known code.
    pub fn message(self) -> Option<&'static str> {
        match self {
            HResult::S_OK => return Some("The operation completed successfully"),
            HResult::E_FAIL => return Some("Unspecified error"),
            HResult::E_INVALIDARG => return Some("The parameter is incorrect"),
            HResult::E_POINTER => return Some("Invalid pointer"),
            HResult::E_HANDLE => return Some("The handle is invalid"),
            HResult::E_NOTIMPL => return Some("Not implemented"),
            HResult::E_OUTOFMEMORY => return Some("Not enough memory resources are available"),
            HResult::E_ACCESSDENIED => return Some("Access is denied"),
            _ => {}
        }
        let value = self.normalized().0 as u32;
        if value & 0xFFFF_0000 == 0x8037_0000 {
            HResult::hcs_entry(value & 0xFFFF).map(|(_, text)| text)
        } else {
            None
        }
    }
}

impl fmt::Debug for HResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (0x{:08X})", self.as_u32()),
            None => write!(f, "HResult(0x{:08X})", self.as_u32()),
        }
    }
}

impl fmt::Display for HResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08X}", self.as_u32())
    }
}

impl From<i32> for HResult {
    fn from(value: i32) -> Self {
        HResult(value)
    }
}

impl From<HResult> for i32 {
    fn from(value: HResult) -> Self {
        value.0
    }
}

// Pins: the constants agree with `windows-sys`.
const _: () = {
    use windows_sys::Win32::Foundation as f;
    assert!(HResult::HCS_E_TERMINATED_DURING_START.0 == f::HCS_E_TERMINATED_DURING_START);
    assert!(HResult::HCS_E_INVALID_STATE.0 == f::HCS_E_INVALID_STATE);
    assert!(HResult::HCS_E_SYSTEM_NOT_FOUND.0 == f::HCS_E_SYSTEM_NOT_FOUND);
    assert!(HResult::HCS_E_OPERATION_TIMEOUT.0 == f::HCS_E_OPERATION_TIMEOUT);
    assert!(HResult::HCS_E_PROCESS_ALREADY_STOPPED.0 == f::HCS_E_PROCESS_ALREADY_STOPPED);
    assert!(HResult::HCS_E_OPERATION_ALREADY_CANCELLED.0 == f::HCS_E_OPERATION_ALREADY_CANCELLED);
    assert!(HResult::HCS_E_ACCESS_DENIED.0 == f::HCS_E_ACCESS_DENIED);
    assert!(HResult::HCS_E_INVALID_JSON.0 == f::HCS_E_INVALID_JSON);
    assert!(HResult::E_INVALIDARG.0 == f::E_INVALIDARG);
};
