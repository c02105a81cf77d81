#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

use std::fmt;

/// A Windows `HRESULT`: negative means failure.
///
/// Every `HCS_E_*` code has a constant in its documented `0x8037xxxx` form and one in the
/// `0xC037xxxx` form (suffix `_C037`) that the legacy `vmcompute.dll` API and the guest bridge
/// use for the same condition (hcsshim `internal/hcs/errors.go`). [`HResult::name`] and
/// [`HResult::message`] know both forms, and [`HResult::is`] compares two codes across forms.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HResult(pub i32);

/// `HRESULT_FROM_WIN32`: a Win32 error code as an `HRESULT` (`0x8007xxxx`; 0 stays 0).
pub const fn from_win32(code: u32) -> i32 {
    if code == 0 {
        0
    } else {
        ((code & 0x0000_FFFF) | 0x8007_0000) as i32
    }
}

macro_rules! table {
    (
        hcs { $( $name:ident / $legacy:ident = $low:literal, $text:literal; )* }
        windows { $( $wname:ident = $wvalue:literal, $wtext:literal; )* }
        win32 { $( $hname:ident = $error:ident ($errno:literal), $htext:literal; )* }
        legacy { $( $lname:ident = $lvalue:literal, $ltext:literal, $lsource:literal; )* }
    ) => {
        impl HResult {
            $(
                #[doc = concat!("`", stringify!($name), "` (`0x8037", stringify!($low), "`): ", $text, ".")]
                pub const $name: HResult = HResult((0x8037_0000u32 | $low) as i32);
                #[doc = concat!("`", stringify!($name), "` in the `0xC037` form used by legacy `vmcompute.dll` and the guest bridge.")]
                pub const $legacy: HResult = HResult((0xC037_0000u32 | $low) as i32);
            )*
            $(
                #[doc = concat!("`", stringify!($wname), "` (`", stringify!($wvalue), "`): ", $wtext, ".")]
                pub const $wname: HResult = HResult($wvalue as u32 as i32);
            )*
            $(
                #[doc = concat!("`HRESULT_FROM_WIN32(", stringify!($error), ")` (Win32 error ", stringify!($errno), "): ", $htext, ".")]
                pub const $hname: HResult = HResult(from_win32($errno));
            )*
            $(
                #[doc = concat!("`", stringify!($lvalue), "`: ", $ltext, " (", $lsource, ").")]
                pub const $lname: HResult = HResult($lvalue as u32 as i32);
            )*

            /// Every named `HCS_E_*` code in its `0x8037xxxx` form.
            pub const ALL_HCS_CODES: &'static [HResult] = &[ $( HResult::$name, )* ];

            /// Every code of the table with its name and message (the `0xC037xxxx` forms of the
            /// `HCS_E_*` codes go by the name of their `0x8037xxxx` form).
            pub const TABLE: &'static [(HResult, &'static str, &'static str)] = &[
                $( (HResult::$name, stringify!($name), $text), )*
                $( (HResult::$wname, stringify!($wname), $wtext), )*
                $( (HResult::$hname, stringify!($hname), $htext), )*
                $( (HResult::$lname, stringify!($lname), $ltext), )*
            ];
        }

        /// The table's values as plain `i32` constants (the C ABI's `HRESULT`).
        #[allow(missing_docs)]
        pub mod codes {
            use super::HResult;
            $( pub const $name: i32 = HResult::$name.0; pub const $legacy: i32 = HResult::$legacy.0; )*
            $( pub const $wname: i32 = HResult::$wname.0; )*
            $( pub const $hname: i32 = HResult::$hname.0; )*
            $( pub const $lname: i32 = HResult::$lname.0; )*
        }

        // The values windows-sys declares must agree with it (checked when the tests build).
        #[cfg(test)]
        const _: () = {
            use windows_sys::Win32::Foundation as ws;
            $( assert!(HResult::$name.0 == ws::$name); )*
            $( assert!(HResult::$wname.0 == ws::$wname); )*
            $( assert!(ws::$error == $errno && HResult::$hname.0 == from_win32(ws::$error)); )*
        };
    };
}

table! {
    hcs {
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
    windows {
        S_OK = 0x0000_0000, "The operation completed successfully";
        E_FAIL = 0x8000_4005, "Unspecified error";
        E_NOTIMPL = 0x8000_4001, "Not implemented";
        E_POINTER = 0x8000_4003, "Invalid pointer";
        E_INVALIDARG = 0x8007_0057, "The parameter is incorrect";
        E_HANDLE = 0x8007_0006, "The handle is invalid";
        E_ACCESSDENIED = 0x8007_0005, "Access is denied";
        E_OUTOFMEMORY = 0x8007_000E, "Not enough memory resources are available";
    }
    win32 {
        HR_FILE_NOT_FOUND = ERROR_FILE_NOT_FOUND (2), "The system cannot find the file specified";
        HR_PATH_NOT_FOUND = ERROR_PATH_NOT_FOUND (3), "The system cannot find the path specified";
        HR_ALREADY_EXISTS = ERROR_ALREADY_EXISTS (183), "Cannot create a file when that file already exists";
        HR_NOT_FOUND = ERROR_NOT_FOUND (1168), "Element not found";
        HR_CANCELLED = ERROR_CANCELLED (1223), "The operation was canceled by the user";
    }
    legacy {
        VMCOMPUTE_E_OPERATION_PENDING = 0xC037_0103, "The operation is still running (legacy vmcompute.dll API)", "hcsshim ErrVmcomputeOperationPending";
    }
}

impl HResult {
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

    /// Maps an HCS code in the `0xC037xxxx` form to its `0x8037xxxx` form (and `0xC0370103` to
    /// `HCS_E_OPERATION_PENDING`); other codes are returned unchanged.
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

    fn entry(self) -> Option<&'static (HResult, &'static str, &'static str)> {
        HResult::TABLE.iter().find(|(code, _, _)| *code == self)
    }

    fn known(self) -> Option<&'static (HResult, &'static str, &'static str)> {
        self.entry().or_else(|| self.normalized().entry())
    }

    /// The name of the code in the table (`HCS_E_INVALID_STATE` for both of its forms,
    /// `E_NOTIMPL`, `HR_NOT_FOUND`, ...), if it has one.
    pub fn name(self) -> Option<&'static str> {
        self.known().map(|(_, name, _)| *name)
    }

    /// The documented message of the code, if it is in the table (the same text for both forms
    /// of an `HCS_E_*` code).
    pub fn message(self) -> Option<&'static str> {
        self.known().map(|(_, _, text)| *text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_messages_cover_both_forms() {
        assert_eq!(HResult::HCS_E_INVALID_STATE.as_u32(), 0x8037_0105);
        assert_eq!(HResult::HCS_E_INVALID_STATE_C037.as_u32(), 0xC037_0105);
        assert_eq!(
            HResult::HCS_E_INVALID_STATE_C037.name(),
            Some("HCS_E_INVALID_STATE")
        );
        assert_eq!(
            HResult::VMCOMPUTE_E_OPERATION_PENDING.name(),
            Some("VMCOMPUTE_E_OPERATION_PENDING")
        );
        assert_eq!(
            HResult::HCS_E_INVALID_STATE_C037.message(),
            HResult::HCS_E_INVALID_STATE.message()
        );
        assert!(HResult::HCS_E_INVALID_STATE_C037.is(HResult::HCS_E_INVALID_STATE));
        assert!(HResult::VMCOMPUTE_E_OPERATION_PENDING.is(HResult::HCS_E_OPERATION_PENDING));
        assert_eq!(HResult::HR_NOT_FOUND.as_u32(), 0x8007_0490);
        assert_eq!(HResult::HR_NOT_FOUND.win32_code(), Some(1168));
        assert_eq!(HResult(0x1234).name(), None);
        assert_eq!(
            format!("{:?}", HResult::E_NOTIMPL),
            "E_NOTIMPL (0x80004001)"
        );
        assert_eq!(HResult::ALL_HCS_CODES.len(), 32);
        assert_eq!(codes::HCS_E_OPERATION_TIMEOUT, 0x8037_0118u32 as i32);
    }

    #[test]
    fn every_name_is_unique_and_every_value_has_one_name() {
        let mut names: Vec<_> = HResult::TABLE.iter().map(|(_, n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), HResult::TABLE.len());
        let mut values: Vec<_> = HResult::TABLE.iter().map(|(v, _, _)| v.0).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), HResult::TABLE.len());
    }
}
