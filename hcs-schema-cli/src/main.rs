//! `hcs-schema`: validate HCS JSON documents against the generated types, diff schema releases,
//! print JSON Schemas and the release table.
//!
//! Exit status: 0 success (document valid), 1 the document is invalid (or, with
//! `diff --fail-on-breaking`, a breaking change), 2 usage or input/output error.

mod position;
mod registry;
mod validate;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hcs_schema::{Evidence, EvidenceKind, ObservedSource, Release, SchemaVersion};
use hcs_schema_gen::diff::{self, Snapshot};
use hcs_schema_gen::model::Model;

/// The merged model the binary was built with: `model.json` of this package, the copy of the
/// workspace's `schema-json/model.json` that `cargo xtask codegen` keeps identical to it.
const MODEL_JSON: &str = include_str!("../model.json");

/// Validate HCS documents, compare schema releases, print JSON Schemas and the release table.
///
/// Exit status: 0 success (the document is valid), 1 the document is invalid (or `diff
/// --fail-on-breaking` found a breaking change), 2 usage or input/output error.
#[derive(Parser)]
#[command(name = "hcs-schema", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a JSON document against a schema type: parse errors (errors), what a host of
    /// --target is known to reject (errors), observed items not known for it, items the newest
    /// published schema lacks, unknown properties and values (warnings; errors with --strict),
    /// and the schema version it needs.
    Validate(ValidateArgs),
    /// Show what changed between two releases, a release and an observed source, two schema files
    /// or two model files.
    Diff(DiffArgs),
    /// Print the JSON Schema of a schema type.
    JsonSchema(JsonSchemaArgs),
    /// Print the published releases, the schema versions they introduced, and the observed
    /// sources with their evidence.
    Versions(FormatArgs),
    /// List the schema types (the names --type and json-schema accept), published or observed.
    Types(FormatArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Readable text.
    Text,
    /// JSON (one document on stdout).
    Json,
}

#[derive(Args)]
struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Same as --format json.
    #[arg(long)]
    json: bool,
}

impl FormatArgs {
    fn json(&self) -> bool {
        self.json || self.format == Format::Json
    }
}

#[derive(Args)]
struct ValidateArgs {
    /// The document; `-` reads standard input.
    file: PathBuf,
    /// The schema type: schema name (`System_PropertyQuery`), Rust name (`SystemPropertyQuery`)
    /// or former name (`PropertyQuery_2`).
    #[arg(
        long = "type",
        short = 't',
        value_name = "TYPE",
        default_value = "ComputeSystem"
    )]
    type_name: String,
    /// Check for a host of this schema version (`2.5`, its highest supported one) or of this
    /// release (`2104`: its newest schema version and its build): what it is known to reject is an
    /// error.
    #[arg(long, value_name = "VERSION|RELEASE", value_parser = parse_target)]
    target: Option<Target>,
    /// The host's Windows build (`26100`), for evidence that names builds.
    #[arg(long, value_name = "BUILD")]
    build: Option<u32>,
    /// Every warning is an error: observed items not known for the target, items the newest
    /// published schema lacks, properties and values no source has.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    format: FormatArgs,
}

#[derive(Args)]
struct DiffArgs {
    /// The old side: a release id (`2004`), an observed source (`hcsshim-7c9ff7f`), or a schema
    /// or model file.
    old: String,
    /// The new side: a release id (`2104`), an observed source, or a schema or model file.
    new: String,
    /// The model whose releases (and renames) to use instead of the built-in one.
    #[arg(long, value_name = "MODEL.json")]
    model: Option<PathBuf>,
    /// Exit with status 1 when a change is breaking.
    #[arg(long)]
    fail_on_breaking: bool,
    #[command(flatten)]
    format: FormatArgs,
}

#[derive(Args)]
struct JsonSchemaArgs {
    /// The schema type (schema, Rust or former name).
    #[arg(value_name = "TYPE")]
    type_name: String,
}

/// A failure of the tool itself (not of the document): exit status 2.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => run_validate(&args),
        Command::Diff(args) => run_diff(&args),
        Command::JsonSchema(args) => run_json_schema(&args),
        Command::Versions(args) => run_versions(&args),
        Command::Types(args) => run_types(&args),
    };
    match result {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// A `--target`: a schema version, and the build when a release was named.
#[derive(Clone, Copy)]
struct Target {
    version: SchemaVersion,
    build: Option<u32>,
}

/// A schema version (`2.1`: any `2.x`, a host may be newer than every source) or a release id
/// (`1809`: its newest schema version and its build).
fn parse_target(text: &str) -> Result<Target, String> {
    if let Some(release) = Release::by_id(text) {
        let version = release
            .schema_versions
            .last()
            .copied()
            .ok_or_else(|| format!("release {} has no schema version", release.id))?;
        return Ok(Target {
            version,
            build: Some(release.build),
        });
    }
    let version: SchemaVersion = text.parse().map_err(|e| {
        let releases: Vec<&str> = Release::ALL.iter().map(|r| r.id).collect();
        format!("{e}, nor a release ({})", releases.join(", "))
    })?;
    if version.major != 2 {
        return Err(format!(
            "schema {version}: every known schema version is 2.x (known: {})",
            SchemaVersion::KNOWN
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(Target {
        version,
        build: None,
    })
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    emit(&text)
}

/// Writes `text` to standard output. A closed pipe (`hcs-schema diff 2004 20H2 | head`) is not an
/// error: the reader has what it wanted.
fn emit(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure(format!("cannot write to standard output: {e}"))),
    }
}

fn run_validate(args: &ValidateArgs) -> Result<ExitCode, Failure> {
    let entry = registry::find(&args.type_name).map_err(Failure)?;
    let (label, bytes) = if args.file == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure(format!("cannot read standard input: {e}")))?;
        ("<stdin>".to_owned(), bytes)
    } else {
        let bytes = std::fs::read(&args.file)
            .map_err(|e| Failure(format!("cannot read {}: {e}", args.file.display())))?;
        (args.file.display().to_string(), bytes)
    };
    let options = validate::Options {
        target: args.target.map(|t| t.version),
        build: args.build.or(args.target.and_then(|t| t.build)),
        strict: args.strict,
    };
    let report = validate::validate(&label, &bytes, entry, options);
    if args.format.json() {
        print_json(&report)?;
    } else {
        emit(&validate::render_text(&report))?;
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One side of a diff.
enum Side {
    Release(String),
    Observed(String),
    Schema(Box<hcs_schema_gen::spec::SchemaFile>),
    Model(Box<Model>),
}

fn resolve_side(arg: &str, model: &Model) -> Result<Side, Failure> {
    let looks_like_path = arg.contains(['/', '\\']) || arg.ends_with(".json");
    if !looks_like_path {
        if let Some(release) = model
            .releases
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(arg))
        {
            return Ok(Side::Release(release.id.clone()));
        }
        if let Some(source) = model
            .observed
            .sources
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(arg))
        {
            return Ok(Side::Observed(source.id.clone()));
        }
    }
    let path = Path::new(arg);
    let text = std::fs::read_to_string(path).map_err(|e| {
        if looks_like_path {
            Failure(format!("cannot read {arg}: {e}"))
        } else {
            let ids: Vec<&str> = model.releases.iter().map(|r| r.id.as_str()).collect();
            let sources: Vec<&str> = model
                .observed
                .sources
                .iter()
                .map(|s| s.id.as_str())
                .collect();
            Failure(format!(
                "`{arg}` is neither a release ({}), an observed source ({}) nor a readable file: {e}",
                ids.join(", "),
                sources.join(", ")
            ))
        }
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message);
        Failure(format!(
            "{arg} at line {}, column {}: not valid JSON: {message}",
            e.line(),
            e.column()
        ))
    })?;
    if value.get("format").is_some() && value.get("releases").is_some() {
        return Ok(Side::Model(Box::new(Model::from_json(path, &text)?)));
    }
    Ok(Side::Schema(Box::new(hcs_schema_gen::load::load_str(
        path, &text,
    )?)))
}

fn run_diff(args: &DiffArgs) -> Result<ExitCode, Failure> {
    let model = match &args.model {
        Some(path) => Model::load(path)?,
        None => Model::from_json(Path::new("schema-json/model.json"), MODEL_JSON)?,
    };
    let old = resolve_side(&args.old, &model)?;
    let new = resolve_side(&args.new, &model)?;
    let breaking = match (old, new) {
        (Side::Model(old), Side::Model(new)) => {
            let changes = diff::diff_models(&old, &new);
            if args.format.json() {
                print_json(&changes)?;
            } else {
                emit(&diff::render_model_text(&changes))?;
            }
            changes.has_breaking()
        }
        (Side::Model(_), _) | (_, Side::Model(_)) => {
            return Err(Failure(
                "a model file can only be compared with another model file".to_owned(),
            ));
        }
        (old, new) => {
            let snapshot = |side: Side, arg: &str| -> Result<Snapshot, Failure> {
                Ok(match side {
                    Side::Release(id) => Snapshot::of_release(&model, &id)?,
                    Side::Observed(id) => Snapshot::of_observed_source(&model, &id)?,
                    Side::Schema(file) => Snapshot::of_schema_files(arg, &[*file], &model.renames),
                    Side::Model(_) => unreachable!("handled above"),
                })
            };
            let changes = diff::diff(&snapshot(old, &args.old)?, &snapshot(new, &args.new)?);
            if args.format.json() {
                print_json(&changes)?;
            } else {
                emit(&diff::render_text(&changes))?;
            }
            changes.has_breaking()
        }
    };
    Ok(if breaking && args.fail_on_breaking {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_json_schema(args: &JsonSchemaArgs) -> Result<ExitCode, Failure> {
    let entry = registry::find(&args.type_name).map_err(Failure)?;
    print_json(&(entry.json_schema)())?;
    Ok(ExitCode::SUCCESS)
}

fn run_versions(args: &FormatArgs) -> Result<ExitCode, Failure> {
    let versions =
        |list: &[SchemaVersion]| -> Vec<String> { list.iter().map(|v| v.to_string()).collect() };
    if args.json() {
        let releases: Vec<serde_json::Value> = Release::ALL
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "name": r.name,
                    "build": r.build,
                    "schema_versions": versions(r.schema_versions),
                })
            })
            .collect();
        let map: Vec<serde_json::Value> = hcs_schema::VERSION_MAP
            .iter()
            .map(|v| {
                serde_json::json!({
                    "version": v.version.to_string(),
                    "windows": v.windows,
                    "build": v.build,
                })
            })
            .collect();
        let sources: Vec<serde_json::Value> = ObservedSource::ALL
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id,
                    "name": s.name,
                    "description": s.description,
                })
            })
            .collect();
        let evidence: Vec<serde_json::Value> = Evidence::ALL
            .iter()
            .map(|e| {
                serde_json::json!({
                    "id": e.id,
                    "source": e.source.id,
                    "kind": evidence_kind(e),
                    "version": e.version.map(|v| v.to_string()),
                    "build": e.build,
                    "where": e.locations,
                    "says": e.says,
                })
            })
            .collect();
        print_json(&serde_json::json!({
            "releases": releases,
            "versions": map,
            "observed_sources": sources,
            "evidence": evidence,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<[String; 4]> = Release::ALL
        .iter()
        .map(|r| {
            [
                r.id.to_owned(),
                r.build.to_string(),
                versions(r.schema_versions).join(", "),
                r.name.to_owned(),
            ]
        })
        .collect();
    let mut text = table(&["RELEASE", "BUILD", "SCHEMA", "NAME"], &rows);
    text.push('\n');
    let rows: Vec<[String; 3]> = hcs_schema::VERSION_MAP
        .iter()
        .map(|v| {
            [
                v.version.to_string(),
                v.build.to_string(),
                v.windows.to_owned(),
            ]
        })
        .collect();
    text.push_str(&table(&["SCHEMA", "BUILD", "INTRODUCED BY"], &rows));
    text.push_str("\nObserved sources (evidence of what Windows accepts, not publication), in order of precedence:\n");
    let rows: Vec<[String; 2]> = ObservedSource::ALL
        .iter()
        .map(|s| [s.id.to_owned(), s.name.to_owned()])
        .collect();
    text.push_str(&table(&["SOURCE", "NAME"], &rows));
    text.push('\n');
    let rows: Vec<[String; 5]> = Evidence::ALL
        .iter()
        .map(|e| {
            [
                e.id.to_owned(),
                e.source.id.to_owned(),
                evidence_kind(e).to_owned(),
                e.version.map_or_else(|| "-".to_owned(), |v| v.to_string()),
                e.build.map_or_else(|| "-".to_owned(), |b| b.to_string()),
            ]
        })
        .collect();
    text.push_str(&table(
        &["EVIDENCE", "SOURCE", "KIND", "SCHEMA", "BUILD"],
        &rows,
    ));
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn evidence_kind(evidence: &Evidence) -> &'static str {
    match evidence.kind {
        EvidenceKind::Introduced => "introduced",
        EvidenceKind::Accepted => "accepted",
    }
}

/// `published`, or `observed` with the sources.
fn source_label(availability: &hcs_schema::Availability) -> String {
    match availability.observed() {
        None => "published".to_owned(),
        Some(observed) => {
            let ids: Vec<&str> = observed.sources.iter().map(|s| s.id).collect();
            format!("observed ({})", ids.join(", "))
        }
    }
}

/// The version column: the known `since`, or what the evidence says, or `unknown`.
fn since_label(availability: &hcs_schema::Availability) -> String {
    if let Some(since) = availability.since() {
        return since.to_string();
    }
    let Some(observed) = availability.observed() else {
        return "unknown".to_owned();
    };
    let accepted: Vec<String> = observed
        .evidence
        .iter()
        .map(|e| match (e.version, e.build) {
            (Some(v), _) => format!("<={v}"),
            (None, Some(b)) => format!("build<={b}"),
            (None, None) => "?".to_owned(),
        })
        .collect();
    if accepted.is_empty() {
        "unknown".to_owned()
    } else {
        accepted.join(", ")
    }
}

fn run_types(args: &FormatArgs) -> Result<ExitCode, Failure> {
    let mut types: Vec<&registry::TypeEntry> = registry::TYPES.iter().collect();
    types.sort_by_key(|t| t.schema_name);
    if args.json() {
        let list: Vec<serde_json::Value> = types
            .iter()
            .map(|t| {
                serde_json::json!({
                    "schema_name": t.schema_name,
                    "rust_name": t.rust_name,
                    "former_names": t.former_names,
                    "kind": if t.variants.is_empty() { "struct" } else { "enum" },
                    "published": t.availability.is_published(),
                    "since": t.availability.since().map(|v| v.to_string()),
                    "first_release": t.availability.published().map(|p| p.first_release.id),
                    "removed_in": t.availability.removed_in().map(|r| r.id),
                    "observed_in": t.availability.observed().map(|o| o.sources.iter().map(|s| s.id).collect::<Vec<_>>()),
                    "evidence": t.availability.observed().map(|o| o.evidence.iter().map(|e| e.id).collect::<Vec<_>>()),
                })
            })
            .collect();
        print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<[String; 5]> = types
        .iter()
        .map(|t| {
            let mut notes = Vec::new();
            if !t.former_names.is_empty() {
                notes.push(format!("formerly {}", t.former_names.join(", ")));
            }
            if let Some(removed) = t.availability.removed_in() {
                notes.push(format!("removed in {}", removed.id));
            }
            [
                t.schema_name.to_owned(),
                t.rust_name.to_owned(),
                since_label(&t.availability),
                source_label(&t.availability),
                notes.join("; "),
            ]
        })
        .collect();
    emit(&table(
        &["SCHEMA NAME", "RUST NAME", "SINCE", "SOURCE", "NOTES"],
        &rows,
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Left-aligned columns separated by two spaces, no trailing spaces.
fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = header.map(str::to_owned);
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                let pad = widths[i] - cell.chars().count() + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
