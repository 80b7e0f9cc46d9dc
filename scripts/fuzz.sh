#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (docs/fuzzing.md).
#
#   scripts/fuzz.sh [decoder|json|all] [SECONDS | -runs=N | -libfuzzer_flag=...]...
#   scripts/fuzz.sh merge decoder|json      # add coverage-increasing finds to Fuzz/corpus/<target>
#   scripts/fuzz.sh build                   # build only
#
# A bare number is a time limit (-max_total_time); default 60 seconds each. Other arguments
# starting with '-' go to libFuzzer as they are (e.g. -runs=10000000, -jobs=2 -workers=2,
# -seed=1). New inputs go to .build-fuzz/corpus/<target> (the committed seeds in
# Fuzz/corpus/<target> are only read); a crash, leak or hang writes its input to
# .build-fuzz/artifacts/ and makes this script fail. Reproduce one with
#   .build-fuzz/release/fuzz-<target> <file>
# and run that line under the same SWIFT_BACKTRACE setting as below.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build-fuzz
bin=$scratch/release

build() {
    # The fuzz package pins what the root pins, when the root has resolved.
    if [ -f Package.resolved ] && [ ! -f Fuzz/Package.resolved ]; then cp Package.resolved Fuzz/Package.resolved; fi
    for t in "$@"; do
        # -parse-as-library: libFuzzer provides main; -enable-testing: the targets use
        # @testable import for a few internal entry points.
        swift build --package-path Fuzz --scratch-path "$scratch" -c release --product "fuzz-$t" \
            -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing
    done
}

options_for() {
    case "$1" in
        # Whole multi-line streams; the demo seeds are ~20 KB.
        decoder) echo "-max_len=65536 -dict=Fuzz/decoder.dict" ;;
        json) echo "-max_len=8192 -dict=Fuzz/json.dict" ;;
    esac
}

# Swift's own crash backtracer reads the crashed thread's stack, which AddressSanitizer
# reports as a second error and hides the real one; libFuzzer prints the stack itself.
export SWIFT_BACKTRACE=enable=no

case "${1:-all}" in
    build)
        build decoder json
        exit 0
        ;;
    merge)
        t=${2:?usage: scripts/fuzz.sh merge decoder|json}
        build "$t"
        mkdir -p "$scratch/corpus/$t"
        # Minimises into the committed corpus: only inputs that add coverage are copied.
        # shellcheck disable=SC2046
        "$bin/fuzz-$t" -merge=1 $(options_for "$t") "Fuzz/corpus/$t" "$scratch/corpus/$t"
        exit 0
        ;;
    decoder | json) targets=("$1"); shift ;;
    all) targets=(decoder json); shift ;;
    -* | [0-9]*) targets=(decoder json) ;;
    *) echo "usage: scripts/fuzz.sh [decoder|json|all|build|merge] [SECONDS|-flag=value ...]" >&2; exit 2 ;;
esac

limit=(-max_total_time=60)
extra=()
for a in "$@"; do
    case "$a" in
        [0-9]*) limit=("-max_total_time=$a") ;;
        -runs=* | -max_total_time=*) limit=("$a") ;;
        -*) extra+=("$a") ;;
        *) echo "fuzz.sh: unexpected argument '$a'" >&2; exit 2 ;;
    esac
done

build "${targets[@]}"
for t in "${targets[@]}"; do
    mkdir -p "$scratch/corpus/$t" "$scratch/artifacts"
    echo "fuzz.sh: fuzz-$t ${limit[*]} ${extra[*]}"
    # -timeout: an input taking 10 s is a hang; -rss_limit_mb: 2 GB is a memory blow-up
    # (the fuzzer itself, with ASan's quarantine and the corpus, sits near 0.5 GB).
    # shellcheck disable=SC2046
    "$bin/fuzz-$t" $(options_for "$t") -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$scratch/artifacts/$t-" "${limit[@]}" "${extra[@]}" \
        "$scratch/corpus/$t" "Fuzz/corpus/$t"
done
