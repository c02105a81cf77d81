//! The one place the runtime calls the synchronous HCS functions (those that
//! take no operation): each call is recorded as a [`Call`], its `HRESULT`
//! becomes an [`Error`] with the result document, and returned strings are
//! freed with `LocalFree`.
//!
//! Tracked calls (those that take an `HCS_OPERATION`) go through
//! `operation::run_blocking` and `OperationFuture::start`, which record the
//! same [`Call`] from start to completion.

use crate::error::{Error, Result};
use crate::ffi::{Api, HRESULT, PWSTR};
use crate::hresult::HResult;
use crate::strings::{WideString, take_string};
use crate::trace::{Call, Subject};

/// Calls `f`, an HCS function that returns only an `HRESULT`, sending
/// `sends`.
#[inline]
pub(crate) fn call(
    function: &'static str,
    subject: &Subject,
    sends: &[Option<&WideString>],
    f: impl FnOnce() -> HRESULT,
) -> Result<()> {
    let call = begin(function, subject, sends);
    let hr = f();
    if hr < 0 {
        let error = Error::hcs(HResult(hr), function, None);
        call.failed(&error);
        return Err(error);
    }
    call.succeeded(hr, None);
    Ok(())
}

/// Calls `f`, an HCS function that returns a string through its last
/// parameter (HCS allocates it; it is freed here): the string, or the
/// failure with the string as its result document.
#[inline]
pub(crate) fn call_returning(
    api: &'static Api,
    function: &'static str,
    subject: &Subject,
    sends: &[Option<&WideString>],
    f: impl FnOnce(*mut PWSTR) -> HRESULT,
) -> Result<Option<String>> {
    let call = begin(function, subject, sends);
    let mut result: PWSTR = std::ptr::null_mut();
    let hr = f(&mut result);
    // SAFETY: HCS allocated the string (if any) for us to free with LocalFree.
    let document = unsafe { take_string(result, api) };
    if hr < 0 {
        let error = Error::hcs(HResult(hr), function, document);
        call.failed(&error);
        return Err(error);
    }
    call.succeeded(hr, document.as_deref());
    Ok(document)
}

/// Calls `f`, an HCS function that returns nothing (the `Close` functions).
#[inline]
pub(crate) fn call_void(function: &'static str, subject: &Subject, f: impl FnOnce()) {
    let call = Call::begin(function, subject);
    f();
    call.returned();
}

#[inline]
fn begin(function: &'static str, subject: &Subject, sends: &[Option<&WideString>]) -> Call {
    let call = Call::begin(function, subject);
    for document in sends {
        call.sends(*document);
    }
    call
}
