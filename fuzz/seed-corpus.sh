#!/usr/bin/env bash
# Builds the fuzzers' seed corpora from real inputs, in the folder given as the only argument
# (default: fuzz/corpus/, gitignored), one subfolder per target:
#   schema_loader  <- every published schema file ($HCS_SHARED_DIR/schema-json/**.json), whole
#                     and split into one file per definition
#   reference      <- SchemaReference.md, whole and split at every `## ` heading
#   documents      <- the published samples ($HCS_SHARED_DIR/samples/*.json), the golden
#                     documents (tests/golden/*.json) and every object/array inside them
# The published files are input data: they are copied into the gitignored corpus at run time,
# never committed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
shared="${HCS_SHARED_DIR:-$root/../shared}"
if [ ! -d "$shared/schema-json" ] || [ ! -d "$shared/samples" ]; then
    echo "inputs not found at $shared (set HCS_SHARED_DIR)" >&2
    exit 1
fi
corpus="${1:-$here/corpus}"
mkdir -p "$corpus/schema_loader" "$corpus/reference" "$corpus/documents"

python3 - "$shared" "$root" "$corpus" <<'PY'
import hashlib, json, pathlib, re, sys

shared, root, corpus = map(pathlib.Path, sys.argv[1:])

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    name = hashlib.sha1(data).hexdigest()
    (corpus / target / name).write_bytes(data)

# Schema files: whole; each definition with the definitions it refers to (so that it loads);
# and pairs (oldest release's closure NUL newest's) so the merge across releases is seeded.
def refs(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "$ref" and isinstance(inner, str):
                yield inner.rsplit("/", 1)[-1]
            else:
                yield from refs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from refs(inner)

def closure(definitions, name):
    seen, todo = {}, [name]
    while todo:
        n = todo.pop()
        if n in seen or n not in definitions:
            continue
        seen[n] = definitions[n]
        todo.extend(refs(definitions[n]))
    return {"definitions": seen}

files = sorted((shared / "schema-json").rglob("*.json"))
closures = {}
for path in files:
    text = path.read_text()
    put("schema_loader", text)
    definitions = json.loads(text).get("definitions", {})
    for name in definitions:
        part = json.dumps(closure(definitions, name), indent=1)
        put("schema_loader", part)
        closures.setdefault(name, []).append(part)
for name, parts in closures.items():
    if len(parts) > 1 and parts[0] != parts[-1]:
        put("schema_loader", parts[0] + "\0" + parts[-1])

# The reference: whole, and each section.
reference = (shared / "schema-json" / "SchemaReference.md").read_text()
put("reference", reference)
for section in re.split(r"(?m)^(?=## )", reference):
    put("reference", section)

# Documents: samples and golden files, and every nested object or array.
def walk(value):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)

sources = sorted((shared / "samples").glob("*.json")) + sorted((root / "tests" / "golden").glob("*.json"))
for path in sources:
    if path.name == "index.json":
        continue
    text = path.read_text()
    put("documents", text)
    for value in walk(json.loads(text)):
        if isinstance(value, (dict, list)) and value:
            put("documents", json.dumps(value))
PY
for target in schema_loader reference documents; do
    echo "$target: $(ls "$corpus/$target" | wc -l) seeds"
done
