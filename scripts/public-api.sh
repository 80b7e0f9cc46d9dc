#!/usr/bin/env bash
# Counts the public declarations of each library module, from the compiler's own symbol
# graphs (docs/architecture.md, "Public API").
#
#   scripts/public-api.sh                 a count per module
#   scripts/public-api.sh --list MODULE   MODULE's public declarations, one a line, by file
#   scripts/public-api.sh --undocumented  public declarations in our sources without a doc
#                                         comment (exits 1 if there are any)
#   scripts/public-api.sh --no-build ...  use the symbol graphs already in .build
#
# What counts: every symbol the symbol graph gives at access level public or open — each type,
# protocol, case, initializer, property, method, subscript and operator, including the ones the
# compiler writes for a public declaration (a raw-value enum's init(rawValue:), a task-local's
# `$` projection) and members added to other modules' types (`Module@Other.symbols.json`).
# Protocol default implementations are not counted again on each conforming type
# (--skip-synthesized-members). `package`, internal and @_spi declarations are not public.
#
# The graphs come from `swift package dump-symbol-graph`, which builds the package (debug)
# first; `swift-symbolgraph-extract` alone would need every C module's include path by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
list=""
undocumented=0
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0; shift ;;
        --list) list=${2:?usage: scripts/public-api.sh --list MODULE}; shift 2 ;;
        --undocumented) undocumented=1; shift ;;
        *) echo "usage: scripts/public-api.sh [--no-build] [--list MODULE | --undocumented]" >&2; exit 2 ;;
    esac
done

graphs=".build/$(uname -m)-unknown-linux-gnu/symbolgraph"
[ "$(uname -s)" = Darwin ] && graphs=".build/$(uname -m)-apple-macosx/symbolgraph"
if [ "$build" = 1 ]; then
    rm -rf "$graphs"
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    # The build's progress only matters when it fails.
    if ! swift package dump-symbol-graph --minimum-access-level public --skip-synthesized-members >"$log" 2>&1; then
        cat "$log" >&2
        exit 1
    fi
fi
[ -d "$graphs" ] || { echo "public-api.sh: no symbol graphs in $graphs (run without --no-build)" >&2; exit 1; }

# The library modules: every regular Swift target but the test support one (executables, tests
# and C modules have no Swift API for others). Products are marked: only they can be imported from
# another package.
swift package dump-package >"$graphs/package.json"

exec python3 - "$graphs" "$list" "$undocumented" <<'PY'
import glob, json, os, sys

graphs, wanted, undocumented = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
package = json.load(open(os.path.join(graphs, "package.json")))
products = {t for p in package["products"] if "library" in p["type"] for t in p["targets"]}
def is_swift(t):
    root = t.get("path") or os.path.join("Sources", t["name"])
    return any(f.endswith(".swift") for _, _, fs in os.walk(root) for f in fs)

modules = [t["name"] for t in package["targets"]
           if t["type"] == "regular" and t["name"] != "CharmTestSupport" and is_swift(t)
           and os.path.exists(os.path.join(graphs, t["name"] + ".symbols.json"))]

def symbols(module):
    out = []
    files = [os.path.join(graphs, module + ".symbols.json")] + glob.glob(os.path.join(graphs, module + "@*.symbols.json"))
    for f in files:
        for s in json.load(open(f))["symbols"]:
            if s["accessLevel"] not in ("public", "open"):
                continue
            uri = s.get("location", {}).get("uri", "")
            where = uri.split("/Sources/", 1)[1] if "/Sources/" in uri else "(written by the compiler)"
            # A requirement's implementation without a comment of its own shows its
            # protocol's (another module's): that documents it. The compiler's own members
            # (no location) cannot carry one.
            documented = bool(s.get("docComment")) or not uri
            out.append((where, ".".join(s["pathComponents"]), s["kind"]["identifier"].removeprefix("swift."), documented))
    return sorted(out)

if undocumented:
    missing = [(m, w, p, k) for m in modules for (w, p, k, d) in symbols(m) if not d]
    for m, where, path, kind in missing:
        print(f"{where:52} {kind:14} {path}")
    print(f"{len(missing)} public declarations without a doc comment", file=sys.stderr)
    sys.exit(1 if missing else 0)

if wanted:
    if wanted not in modules:
        sys.exit(f"public-api.sh: no library module {wanted} (have: {', '.join(modules)})")
    for where, path, kind, _ in symbols(wanted):
        print(f"{where:52} {kind:14} {path}")
    sys.exit(0)

total = 0
print(f"{'module':20} {'public':>6}")
for m in sorted(modules):
    n = len(symbols(m))
    total += n
    print(f"{m:20} {n:6}{'' if m in products else '   (not a product)'}")
print(f"{'all':20} {total:6}")
PY
