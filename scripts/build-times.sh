#!/usr/bin/env bash
# Cold build times of the `hcs-schema` crate, in a fresh target directory under /tmp (the
# workspace's own target/ is never touched):
#
#   with dependencies: `cargo check -p hcs-schema` / `cargo build -p hcs-schema` from an empty
#                      target directory (serde, serde_json, uuid, base64 ... included);
#   crate alone:       the same after `cargo clean -p hcs-schema` (and its incremental state), the
#                      dependencies already built: what a user pays for this crate.
#
# Each "crate alone" figure is the median of RUNS (default 3) runs.
#
# With --typify, the same "crate alone" figures for typify's output for the 21H2 schema file
# alone, the generic JSON Schema -> Rust generator we compare ourselves with: `cargo typify
# --no-builder` writes it into a crate created under the temporary directory (never committed),
# with the dependencies its output uses. Needs `cargo install cargo-typify` (0.8 measured) and the
# published file at $HCS_SHARED_DIR/schema-json/windows-11-sdk-21h2.json (default ../shared).
#
# Usage: scripts/build-times.sh [--typify] [--features schemars]   (other arguments go to cargo)
# Environment: RUNS, BUILD_TIMES_DIR (default: a new mktemp directory, removed afterwards),
#              HCS_SHARED_DIR.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${RUNS:-3}"
dir="${BUILD_TIMES_DIR:-$(mktemp -d /tmp/hcs-build-times.XXXXXX)}"
cleanup() { [ -z "${BUILD_TIMES_DIR:-}" ] && rm -rf "$dir"; }
trap cleanup EXIT
export CARGO_TARGET_DIR="$dir"
typify=false
if [ "${1:-}" = "--typify" ]; then
    typify=true
    shift
fi

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

crate_name="hcs-schema"
timed() { # timed <cargo subcommand> <args...>: prints seconds
    local start
    start="$(now)"
    cargo "$@" -p "$crate_name" --quiet >/dev/null
    printf '%.2f' "$(elapsed "$start")"
}

clean_crate() {
    cargo clean -p "$crate_name" --quiet
    rm -rf "$dir"/debug/incremental/"${crate_name//-/_}"-*
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

alone() { # alone <check|build> <args...>
    local times=()
    for _ in $(seq "$runs"); do
        clean_crate
        times+=("$(timed "$@")")
    done
    echo "$(median "${times[@]}") (runs: ${times[*]})"
}

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rustc:   $(rustc --version)"
echo "args:    ${*:-(default features)}"
echo "target:  $dir"
check_deps="$(timed check "$@")"
check_alone="$(alone check "$@")"
build_deps="$(timed build "$@")"
build_alone="$(alone build "$@")"
echo "cargo check -p hcs-schema, with dependencies, cold: ${check_deps} s"
echo "cargo check -p hcs-schema, crate alone:             ${check_alone} s"
echo "cargo build -p hcs-schema, with dependencies, cold: ${build_deps} s"
echo "cargo build -p hcs-schema, crate alone:             ${build_alone} s"

if $typify; then
    shared="${HCS_SHARED_DIR:-$root/../shared}"
    schema="$shared/schema-json/windows-11-sdk-21h2.json"
    [ -f "$schema" ] || { echo "error: $schema not found (set HCS_SHARED_DIR)" >&2; exit 1; }
    command -v cargo-typify >/dev/null ||
        { echo "error: cargo-typify not installed (cargo install cargo-typify)" >&2; exit 1; }
    crate="$dir/typify-21h2"
    mkdir -p "$crate/src"
    cargo typify --no-builder "$schema" --output "$crate/src/lib.rs" >/dev/null
    # What typify's output uses: serde, serde_json, regress for the GUID `pattern`, chrono for
    # `date-time`.
    cat >"$crate/Cargo.toml" <<'TOML'
[package]
name = "typify-21h2"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
serde = { version = "1", features = ["derive"] }
serde_json = "1"
regress = "0.10"
chrono = { version = "0.4", features = ["serde"] }

[workspace]
TOML
    cd "$crate"
    crate_name="typify-21h2"
    echo "typify:  $(cargo typify --version 2>/dev/null || echo cargo-typify), $(wc -l <"$crate/src/lib.rs") lines for $(basename "$schema")"
    timed check >/dev/null
    typify_check="$(alone check)"
    timed build >/dev/null
    typify_build="$(alone build)"
    echo "cargo check, typify output for 21H2 alone, crate alone: ${typify_check} s"
    echo "cargo build, typify output for 21H2 alone, crate alone: ${typify_build} s"
    cd "$root"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
