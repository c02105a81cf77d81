//! The `hcs-schema` types this crate's typed methods take and return.
//!
//! TEMPORARY: stand-ins with the same names and field names as the generated
//! `hcs-schema` types, until that crate lands; then this module becomes a
//! `pub use hcs_schema::{...}`.

#![allow(missing_docs)]

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub type Properties = Value;
pub type SystemPropertyQuery = Value;
pub type ServicePropertyQuery = Value;
pub type ServiceProperties = Value;
pub type ProcessParameters = Value;
pub type CrashReport = Value;
pub type LayerData = Value;
pub type OsLayerOptions = Value;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_events: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_wait_result: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SystemExitStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_type: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Vec<Value>>,
}
