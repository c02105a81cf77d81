//! `HResult`: the one HRESULT table of the project (the `hcs-hresult` crate), re-exported.

pub use hcs_hresult::HResult;
