//! Strict, schema-version-aware validation of the JSON documents callers pass in.
//!
//! Everything goes through one function, [`validate_document`]: it parses the text, checks the
//! value against the emulator's table of the HCS schema types it interprets (unknown
//! properties, wrong JSON types, integer ranges, GUID syntax, enum values, and properties or
//! enum values newer than the configured schema version are all rejected, as HCS does), and then
//! deserializes the checked value into `T` with `serde_path_to_error`, so type errors carry the
//! JSON path of the bad field. A failure is a [`ValidationError`] with that path; callers turn it
//! into `HCS_E_INVALID_JSON` and a `ResultError` document naming the field.
//!
//! The table below covers the documents the emulator interprets and the parts of
//! `ComputeSystem` it reads or modifies (VM memory, processors, SCSI, network adapters, shares,
//! chipset, guest state, container storage, ...). A type the table does not describe is accepted
//! as any JSON value. When `hcs-schema`'s generated checking API lands, this module is the only
//! place to change.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A schema version (`Major.Minor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaVersion {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl SchemaVersion {
    /// `Major.Minor`.
    pub const fn new(major: u32, minor: u32) -> Self {
        SchemaVersion { major, minor }
    }
}

impl fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A document that failed validation: where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationError {
    /// The JSON path of the bad value (`VirtualMachine.ComputeTopology.Memory.Backing`,
    /// `PropertyTypes[0]`; empty for the document itself).
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Validates `json` as the schema type `type_name` under schema version `max` (the highest
/// version the emulator is configured to support) and deserializes it into `T`.
pub fn validate_document<T: DeserializeOwned>(
    type_name: &str,
    json: &str,
    max: SchemaVersion,
) -> Result<T, ValidationError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    let value: Value = serde_path_to_error::deserialize(de).map_err(|e| ValidationError {
        path: String::new(),
        message: format!("not valid JSON: {}", e.inner()),
    })?;
    validate_value(type_name, &value, max)?;
    serde_path_to_error::deserialize(value).map_err(|e| ValidationError {
        path: e.path().to_string().trim_start_matches('.').to_string(),
        message: e.inner().to_string(),
    })
}

/// Validates an already parsed value as `type_name` (for payloads such as
/// `ModifySettingRequest.Settings` whose type depends on a sibling field). `path` prefixes the
/// paths in errors.
pub fn validate_value_at(
    type_name: &str,
    value: &Value,
    max: SchemaVersion,
    path: &str,
) -> Result<(), ValidationError> {
    let ty = Ty::parse(type_name);
    check(&ty, value, max, path)
}

fn validate_value(
    type_name: &str,
    value: &Value,
    max: SchemaVersion,
) -> Result<(), ValidationError> {
    validate_value_at(type_name, value, max, "")
}

/// The schema table: `struct Name Field:Type@Version ...` and `enum Name Value@Version ...`.
/// Types: `string bool u8 u16 u32 u64 i32 i64 guid datetime any`, a definition name, `[T]`
/// (array), `{T}` (map with string keys), `{u32:T}` (map with integer keys).
const TABLE: &str = r#"
struct ComputeSystem Owner:string@2.0 SchemaVersion:Version@2.0 HostingSystemId:string@2.0 HostedSystem:any@2.0 Container:Container@2.0 VirtualMachine:VirtualMachine@2.0 ShouldTerminateOnLastHandleClosed:bool@2.0
struct Version Major:u32@2.0 Minor:u32@2.0
struct VirtualMachine Version:Version@2.5 StopOnReset:bool@2.0 Chipset:Chipset@2.0 ComputeTopology:Topology@2.0 Devices:Devices@2.0 Services:Services@2.5 GuestState:GuestState@2.1 RestoreState:RestoreState@2.0 RegistryChanges:any@2.0 StorageQoS:any@2.1 GuestConnection:GuestConnection@2.1
struct Topology Memory:VirtualMachine_Memory@2.0 Processor:VirtualMachine_Processor@2.0
struct VirtualMachine_Memory SizeInMB:u64@2.1 AllowOvercommit:bool@2.1 BackingPageSize:MemoryBackingPageSize@2.2 FaultClusterSizeShift:u32@2.4 DirectMapFaultClusterSizeShift:u32@2.4 PinBackingPages:bool@2.2 ForbidSmallBackingPages:bool@2.2 EnableHotHint:bool@2.0 EnableColdHint:bool@2.0 EnableColdDiscardHint:bool@2.2 EnableDeferredCommit:bool@2.1 LowMmioGapInMB:u64@2.3 HighMmioBaseInMB:u64@2.3 HighMmioGapInMB:u64@2.3
struct VirtualMachine_Processor Count:u32@2.0 Limit:u64@2.1 Weight:u64@2.1 Reservation:u64@2.4 MaximumFrequencyMHz:u32@2.4 ExposeVirtualizationExtensions:bool@2.0 EnablePerfmonPmu:bool@2.2 EnablePerfmonArchPmu:bool@2.5 EnablePerfmonPebs:bool@2.2 EnablePerfmonLbr:bool@2.2 EnablePerfmonIpt:bool@2.2 EnablePageShattering:bool@2.5 DisableSpeculationControls:bool@2.5 ProcessorFeatureSet:any@2.5 CpuGroup:any@2.5
struct Devices ComPorts:{u32:ComPort}@2.1 VirtioSerial:any@2.2 Scsi:{Scsi}@2.0 VirtualPMem:any@2.0 NetworkAdapters:{NetworkAdapter}@2.0 VideoMonitor:any@2.0 Keyboard:any@2.0 Mouse:any@2.0 HvSocket:any@2.1 EnhancedModeVideo:any@2.1 GuestCrashReporting:any@2.0 VirtualSmb:VirtualSmb@2.0 Plan9:Plan9@2.0 Battery:any@2.0 FlexibleIov:{any}@2.1 SharedMemory:any@2.1 VirtualPci:{any}@2.3
struct Scsi Attachments:{u32:Attachment}@2.0 DisableInterruptBatching:bool@2.4
struct Attachment Type:AttachmentType@2.0 Path:string@2.0 CachingMode:CachingMode@2.1 ReadOnly:bool@2.0 SupportCompressedVolumes:bool@2.3 AlwaysAllowSparseFiles:bool@2.6 SupportEncryptedFiles:bool@2.6
struct NetworkAdapter EndpointId:guid@2.0 MacAddress:string@2.0 InstanceId:guid@2.4 DisableInterruptBatching:bool@2.4 IovSettings:any@2.4 ConnectionState:StateOverride@2.4
struct VirtualSmb Shares:[VirtualSmbShare]@2.1 DirectFileMappingInMB:i64@2.1
struct VirtualSmbShare Name:string@2.0 Path:string@2.0 AllowedFiles:[string]@2.0 Options:VirtualSmbShareOptions@2.1
struct VirtualSmbShareOptions ReadOnly:bool@2.1 ShareRead:bool@2.1 CacheIo:bool@2.1 NoOplocks:bool@2.1 TakeBackupPrivilege:bool@2.1 UseShareRootIdentity:bool@2.1 NoDirectmap:bool@2.1 NoLocks:bool@2.1 NoDirnotify:bool@2.1 VmSharedMemory:bool@2.1 RestrictFileAccess:bool@2.1 ForceLevelIIOplocks:bool@2.1 ReparseBaseLayer:bool@2.1 PseudoOplocks:bool@2.1 NonCacheIo:bool@2.1 PseudoDirnotify:bool@2.1 SingleFileMapping:bool@2.1 SupportCloudFiles:bool@2.3 FilterEncryptionAttributes:bool@2.4
struct Plan9 Shares:[Plan9Share]@2.1
struct Plan9Share Name:string@2.0 AccessName:string@2.1 Path:string@2.0 Port:u32@2.0 AllowedFiles:[string]@2.2
struct ComPort NamedPipe:string@2.1 OptimizeForDebugger:bool@2.1
struct Chipset Uefi:Uefi@2.0 IsNumLockDisabled:bool@2.0 BaseBoardSerialNumber:string@2.0 ChassisSerialNumber:string@2.0 ChassisAssetTag:string@2.0 EnableHibernation:bool@2.5 UseUtc:bool@2.1 LinuxKernelDirect:LinuxKernelDirect@2.2
struct Uefi EnableDebugger:bool@2.0 SecureBootTemplateId:guid@2.0 ApplySecureBootTemplate:ApplySecureBootTemplateType@2.3 BootThis:UefiBootEntry@2.0 Console:SerialConsole@2.0 StopOnBootFailure:bool@2.2
struct UefiBootEntry DeviceType:UefiBootDevice@2.1 DevicePath:string@2.1 DiskNumber:u16@2.1 OptionalData:string@2.1 VmbFsRootPath:string@2.1
struct LinuxKernelDirect KernelFilePath:string@2.2 InitRdPath:string@2.2 KernelCmdLine:string@2.2
struct Services Heartbeat:any@2.5 Shutdown:any@2.5 Timesync:any@2.5 KvpExchange:any@2.5
struct GuestState GuestStateFilePath:string@2.1 RuntimeStateFilePath:string@2.1 ForceTransientState:bool@2.1
struct RestoreState SaveStateFilePath:string@2.0 TemplateSystemId:string@2.1
struct GuestConnection UseVsock:bool@2.1 UseConnectedSuspend:bool@2.1 UseHostTimeZone:bool@2.4
struct Container GuestOs:GuestOs@2.0 Storage:Storage@2.0 MappedDirectories:[MappedDirectory]@2.0 MappedPipes:[any]@2.0 Memory:Container_Memory@2.0 Processor:Container_Processor@2.0 Networking:Networking@2.0 HvSocket:any@2.0 ContainerCredentialGuard:any@2.1 RegistryChanges:any@2.0 AssignedDevices:[any]@2.1 AdditionalDeviceNamespace:any@2.3
struct GuestOs HostName:string@2.0
struct Storage Layers:[Layer]@2.0 Path:string@2.0 QoS:any@2.0
struct Layer Id:guid@2.0 Path:string@2.0 PathType:PathType@2.1 Cache:CacheMode@2.0
struct MappedDirectory HostPath:string@2.0 HostPathType:PathType@2.1 ContainerPath:string@2.0 ReadOnly:bool@2.0 SupportCloudFiles:bool@2.3
struct Container_Memory SizeInMB:u64@2.1
struct Container_Processor Count:u32@2.0 Weight:i64@2.0 Maximum:i64@2.0
struct Networking AllowUnqualifiedDnsQuery:bool@2.0 DnsSearchList:string@2.0 NetworkSharedContainerName:string@2.0 Namespace:string@2.0 NetworkAdapters:[guid]@2.0
struct ProcessParameters ApplicationName:string@2.0 CommandLine:string@2.0 CommandArgs:[string]@2.0 User:string@2.0 WorkingDirectory:string@2.0 Environment:{string}@2.0 RestrictedToken:bool@2.0 EmulateConsole:bool@2.0 CreateStdInPipe:bool@2.0 CreateStdOutPipe:bool@2.0 CreateStdErrPipe:bool@2.0 ConsoleSize:[u16]@2.0 UseExistingLogin:bool@2.0 UseLegacyConsole:bool@2.0
struct ProcessModifyRequest Operation:ModifyOperation@2.0 ConsoleSize:ConsoleSize@2.0 CloseHandle:CloseHandle@2.0
struct ConsoleSize Height:u16@2.0 Width:u16@2.0
struct CloseHandle Handle:StdHandle@2.0
struct SignalProcessOptions Signal:ProcessSignal@2.1
struct System_PropertyQuery PropertyTypes:[System_PropertyType]@2.1 Queries:{any}@2.5
struct Service_PropertyQuery PropertyTypes:[GetPropertyType]@2.1 PropertyQueries:{any}@2.5
struct SystemQuery Ids:[string]@2.1 Names:[string]@2.1 Types:[SystemType]@2.1 Owners:[string]@2.1
struct ModifySettingRequest ResourcePath:string@2.1 RequestType:ModifyRequestType@2.0 Settings:any@2.0 GuestRequest:any@2.1
struct ShutdownOptions Mechanism:ShutdownMechanism@2.5 Type:ShutdownType@2.5 Force:bool@2.5 Reason:string@2.5
struct PauseOptions SuspensionLevel:PauseSuspensionLevel@2.0 HostedNotification:PauseNotification@2.1
struct PauseNotification Reason:PauseReason@2.1
struct SaveOptions SaveType:SaveType@2.1 SaveStateFilePath:string@2.1
struct CrashOptions Type:CrashType@2.3
struct ModificationRequest PropertyType:ModifyPropertyType@2.1 Settings:any@2.1
struct HostProcessorModificationRequest Operation:ModifyServiceOperation@2.1 OperationDetails:any@2.1
struct ContainerCredentialGuardOperationRequest Operation:ContainerCredentialGuardModifyOperation@2.1 OperationDetails:any@2.1
struct CrashReport SystemId:string@2.1 ActivityId:guid@2.1 WindowsCrashInfo:WindowsCrashReport@2.1 CrashParameters:[u64]@2.3 CrashLog:string@2.3 Status:i32@2.4 PreOSId:u32@2.4 CrashStackUnavailable:bool@2.4
struct WindowsCrashReport DumpFile:string@2.1 OsMajorVersion:u32@2.1 OsMinorVersion:u32@2.1 OsBuildNumber:u32@2.1 OsServicePackMajorVersion:u32@2.1 OsServicePackMinorVersion:u32@2.1 OsSuiteMask:u32@2.1 OsProductType:u32@2.1 Status:i32@2.1 FinalPhase:string@2.1
struct LayerData SchemaVersion:Version@2.1 Layers:[Layer]@2.1
struct OsLayerOptions Type:OsLayerType@2.1 DisableCiCacheOptimization:bool@2.1 SkipUpdateBcdForBoot:bool@2.5
struct ExportLayerOptions IsWritableLayer:bool@2.1
enum AttachmentType VirtualDisk@2.0 Iso@2.0 PassThru@2.0
enum CachingMode Uncached@2.1 Cached@2.1 ReadOnlyCached@2.1
enum MemoryBackingPageSize Small@2.2 Large@2.2
enum PathType AbsolutePath@2.1 VirtualSmbShareName@2.1
enum CacheMode @2.0 Unspecified@2.0 Disabled@2.0 Enabled@2.0 Private@2.0 PrivateAllowSharing@2.0
enum StateOverride Default@2.4 Disabled@2.4 Enabled@2.4
enum SerialConsole Default@2.0 Disabled@2.0 ComPort1@2.0 ComPort2@2.0
enum ApplySecureBootTemplateType Skip@2.3 Apply@2.3
enum UefiBootDevice ScsiDrive@2.0 VmbFs@2.0 Network@2.0 File@2.1
enum ModifyOperation ConsoleSize@2.0 CloseHandle@2.0
enum StdHandle StdIn@2.0 StdOut@2.0 StdErr@2.0 All@2.1
enum ProcessSignal CtrlC@2.1 CtrlBreak@2.1 CtrlClose@2.1 CtrlLogOff@2.1 CtrlShutdown@2.1
enum System_PropertyType Memory@2.1 Statistics@2.1 ProcessList@2.1 TerminateOnLastHandleClosed@2.1 SharedMemoryRegion@2.1 GuestConnection@2.1
enum GetPropertyType Basic@2.1 CpuGroup@2.1 ProcessorTopology@2.1 ContainerCredentialGuard@2.1 QoSCapabilities@2.1
enum SystemType Container@2.1 VirtualMachine@2.1
enum ModifyRequestType Add@2.0 Remove@2.0 Update@2.0
enum ShutdownMechanism GuestConnection@2.5 IntegrationService@2.5
enum ShutdownType Shutdown@2.5 Hibernate@2.5 Reboot@2.5
enum PauseSuspensionLevel Suspend@2.0 MemoryLow@2.0 MemoryMedium@2.0 MemoryHigh@2.0
enum PauseReason None@2.1 Save@2.1 Template@2.1
enum SaveType ToFile@2.1 AsTemplate@2.1
enum CrashType CrashGuest@2.3
enum ModifyPropertyType CpuGroup@2.1 ContainerCredentialGuard@2.1
enum ModifyServiceOperation CreateGroup@2.1 DeleteGroup@2.1 SetProperty@2.1
enum ContainerCredentialGuardModifyOperation AddInstance@2.1 RemoveInstance@2.1
enum OsLayerType Container@2.1 Vm@2.1
"#;

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Str,
    Bool,
    Uint(u64),
    Int(i64, i64),
    Guid,
    Any,
    Named(String),
    Array(Box<Ty>),
    Map(Box<Ty>),
    IntMap(Box<Ty>),
}

impl Ty {
    fn parse(s: &str) -> Ty {
        if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            return Ty::Array(Box::new(Ty::parse(inner)));
        }
        if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            return match inner.strip_prefix("u32:") {
                Some(v) => Ty::IntMap(Box::new(Ty::parse(v))),
                None => Ty::Map(Box::new(Ty::parse(inner))),
            };
        }
        match s {
            "string" | "datetime" => Ty::Str,
            "bool" => Ty::Bool,
            "u8" => Ty::Uint(u8::MAX.into()),
            "u16" => Ty::Uint(u16::MAX.into()),
            "u32" => Ty::Uint(u32::MAX.into()),
            "u64" => Ty::Uint(u64::MAX),
            "i32" => Ty::Int(i32::MIN.into(), i32::MAX.into()),
            "i64" => Ty::Int(i64::MIN, i64::MAX),
            "guid" => Ty::Guid,
            "any" => Ty::Any,
            other => Ty::Named(other.to_string()),
        }
    }
}

enum Def {
    Struct(Vec<(String, Ty, SchemaVersion)>),
    Enum(Vec<(String, SchemaVersion)>),
}

fn parse_version(s: &str) -> SchemaVersion {
    let (a, b) = s.split_once('.').unwrap_or((s, "0"));
    SchemaVersion::new(a.parse().unwrap_or(2), b.parse().unwrap_or(0))
}

fn table() -> &'static HashMap<String, Def> {
    static T: OnceLock<HashMap<String, Def>> = OnceLock::new();
    T.get_or_init(|| {
        let mut map = HashMap::new();
        for line in TABLE.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let mut words = line.split_whitespace();
            let (Some(kind), Some(name)) = (words.next(), words.next()) else {
                continue;
            };
            let def = if kind == "struct" {
                Def::Struct(
                    words
                        .filter_map(|w| {
                            let (field, rest) = w.split_once(':')?;
                            let (ty, ver) = rest.rsplit_once('@')?;
                            Some((field.to_string(), Ty::parse(ty), parse_version(ver)))
                        })
                        .collect(),
                )
            } else {
                Def::Enum(
                    words
                        .filter_map(|w| {
                            let (v, ver) = w.rsplit_once('@')?;
                            Some((v.to_string(), parse_version(ver)))
                        })
                        .collect(),
                )
            };
            map.insert(name.to_string(), def);
        }
        map
    })
}

fn err(path: &str, message: impl Into<String>) -> ValidationError {
    ValidationError {
        path: path.to_string(),
        message: message.into(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether `s` is a GUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, optionally in braces).
pub fn is_guid(s: &str) -> bool {
    let s = s
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(s);
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn too_new(since: SchemaVersion, max: SchemaVersion) -> bool {
    since.major != max.major || since.minor > max.minor
}

fn check(ty: &Ty, v: &Value, max: SchemaVersion, path: &str) -> Result<(), ValidationError> {
    let expect = |what: &str| err(path, format!("expected {what}, found {}", json_kind(v)));
    match ty {
        Ty::Any => Ok(()),
        Ty::Str => v
            .is_string()
            .then_some(())
            .ok_or_else(|| expect("a string")),
        Ty::Bool => v
            .is_boolean()
            .then_some(())
            .ok_or_else(|| expect("a boolean")),
        Ty::Uint(hi) => match v.as_u64() {
            Some(n) if n <= *hi => Ok(()),
            Some(n) => Err(err(path, format!("{n} is out of range (0..={hi})"))),
            None => Err(expect("an unsigned integer")),
        },
        Ty::Int(lo, hi) => match v.as_i64() {
            Some(n) if (*lo..=*hi).contains(&n) => Ok(()),
            Some(n) => Err(err(path, format!("{n} is out of range ({lo}..={hi})"))),
            None => Err(expect("an integer")),
        },
        Ty::Guid => match v.as_str() {
            Some(s) if is_guid(s) => Ok(()),
            Some(s) => Err(err(path, format!("{s:?} is not a GUID"))),
            None => Err(expect("a GUID string")),
        },
        Ty::Array(inner) => {
            let items = v.as_array().ok_or_else(|| expect("an array"))?;
            for (i, item) in items.iter().enumerate() {
                check(inner, item, max, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Ty::Map(inner) | Ty::IntMap(inner) => {
            let obj = v.as_object().ok_or_else(|| expect("an object"))?;
            for (k, item) in obj {
                let p = join(path, k);
                if matches!(ty, Ty::IntMap(_)) && k.parse::<u32>().is_err() {
                    return Err(err(&p, format!("map key {k:?} is not an unsigned integer")));
                }
                check(inner, item, max, &p)?;
            }
            Ok(())
        }
        Ty::Named(name) => match table().get(name.as_str()) {
            None => Ok(()),
            Some(Def::Enum(variants)) => {
                let s = v
                    .as_str()
                    .ok_or_else(|| expect(&format!("a {name} string")))?;
                match variants.iter().find(|(n, _)| n == s) {
                    Some((_, since)) if too_new(*since, max) => Err(err(
                        path,
                        format!(
                            "{name} value {s:?} needs schema version {since}, supported: {max}"
                        ),
                    )),
                    Some(_) => Ok(()),
                    None => Err(err(
                        path,
                        format!(
                            "{s:?} is not a {name} value (expected one of {})",
                            variants
                                .iter()
                                .map(|(n, _)| format!("{n:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )),
                }
            }
            Some(Def::Struct(fields)) => {
                let obj = v
                    .as_object()
                    .ok_or_else(|| expect(&format!("a {name} object")))?;
                for (k, item) in obj {
                    let p = join(path, k);
                    let Some((_, fty, since)) = fields.iter().find(|(f, _, _)| f == k) else {
                        return Err(err(&p, format!("unknown property {k:?} of {name}")));
                    };
                    if too_new(*since, max) {
                        return Err(err(
                            &p,
                            format!(
                                "property {k:?} of {name} needs schema version {since}, supported: {max}"
                            ),
                        ));
                    }
                    if item.is_null() {
                        continue;
                    }
                    check(fty, item, max, &p)?;
                }
                if name == "Version" {
                    let major = obj.get("Major").and_then(Value::as_u64).unwrap_or(0);
                    let minor = obj.get("Minor").and_then(Value::as_u64).unwrap_or(0);
                    let v = SchemaVersion::new(major as u32, minor as u32);
                    if too_new(v, max) {
                        return Err(err(
                            path,
                            format!("schema version {v} is not supported (supported: {max})"),
                        ));
                    }
                }
                Ok(())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V26: SchemaVersion = SchemaVersion::new(2, 6);

    #[test]
    fn unknown_property_is_named() {
        let e = validate_document::<Value>(
            "ComputeSystem",
            r#"{"VirtualMachine":{"ComputeTopology":{"Memory":{"Backing":"Physical"}}}}"#,
            V26,
        )
        .unwrap_err();
        assert_eq!(e.path, "VirtualMachine.ComputeTopology.Memory.Backing");
    }

    #[test]
    fn version_limits_fields_and_values() {
        let doc = r#"{"Mechanism":"GuestConnection"}"#;
        assert!(validate_document::<Value>("ShutdownOptions", doc, V26).is_ok());
        let e = validate_document::<Value>("ShutdownOptions", doc, SchemaVersion::new(2, 4))
            .unwrap_err();
        assert_eq!(e.path, "Mechanism");
        let e = validate_document::<Value>(
            "ComputeSystem",
            r#"{"SchemaVersion":{"Major":2,"Minor":5}}"#,
            SchemaVersion::new(2, 1),
        )
        .unwrap_err();
        assert_eq!(e.path, "SchemaVersion");
    }

    #[test]
    fn types_and_enums() {
        let e = validate_document::<Value>(
            "Service_PropertyQuery",
            r#"{"PropertyTypes":["Memory"]}"#,
            V26,
        )
        .unwrap_err();
        assert_eq!(e.path, "PropertyTypes[0]");
        let e = validate_document::<Value>("ConsoleSize", r#"{"Height":70000}"#, V26).unwrap_err();
        assert_eq!(e.path, "Height");
        let e = validate_document::<Value>("ProcessParameters", "{", V26).unwrap_err();
        assert!(e.message.contains("not valid JSON"));
        assert!(is_guid("{12345678-1234-1234-1234-123456789abc}"));
        assert!(!is_guid("%ws"));
    }
}
