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
# Usage: scripts/build-times.sh [--features schemars]   (extra arguments go to cargo)
# Environment: RUNS, BUILD_TIMES_DIR (default: a new mktemp directory, removed afterwards).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${RUNS:-3}"
dir="${BUILD_TIMES_DIR:-$(mktemp -d /tmp/hcs-build-times.XXXXXX)}"
cleanup() { [ -z "${BUILD_TIMES_DIR:-}" ] && rm -rf "$dir"; }
trap cleanup EXIT
export CARGO_TARGET_DIR="$dir"

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

timed() { # timed <cargo subcommand> <args...>: prints seconds
    local start
    start="$(now)"
    cargo "$@" -p hcs-schema --quiet >/dev/null
    printf '%.2f' "$(elapsed "$start")"
}

clean_crate() {
    cargo clean -p hcs-schema --quiet
    rm -rf "$dir"/debug/incremental/hcs_schema-*
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
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
