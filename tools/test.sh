#!/usr/bin/env bash
# Every test: formatting, lints, unit/oracle/chapter tests, the CUDA feature's type
# check, freshness of the generated files and notebooks, the book build (math and links
# checked), and the notebooks in the real evcxr kernel. Ends with one summary line.
#   tools/test.sh          regenerates (and compares) only the chapters whose inputs
#                          changed or that take under a minute, and runs only the
#                          notebooks whose inputs changed since their last green run
#                          (plus one, always, to test the kernel)
#   tools/test.sh --full   regenerates every chapter, re-trains every stored run of
#                          Part I, and runs every notebook (before a release, or after
#                          a dependency or toolchain update)
set -uo pipefail
cd "$(dirname "$0")/.."
full=0
case "${1:-}" in
--full) full=1 ;;
"") ;;
*) echo "usage: tools/test.sh [--full]" >&2; exit 2 ;;
esac
setup_started=$SECONDS
tools/setup.sh || { echo "setup: 0 passed, 1 failed"; exit 1; }
echo "    (setup: $((SECONDS - setup_started)) s)"

passed=0 failed=0 failures=()
stage() { # NAME COMMAND...
    local name=$1 started=$SECONDS
    shift
    echo "==> $name"
    if "$@"; then
        passed=$((passed + 1))
        echo "    ($name: $((SECONDS - started)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "FAILED: $name ($((SECONDS - started)) s)"
    fi
}

stage "rustfmt" cargo fmt --check
stage "clippy" cargo clippy --all-targets -- -D warnings
stage "unit, oracle and chapter tests" cargo test --all-targets --no-fail-fast
stage "doc tests" cargo test --doc
# A type check covers every line the feature switches on; only linking differs (see
# the book's appendix "Running on a GPU").
stage "the cuda feature type-checks (no GPU needed)" tools/cuda-env.sh cargo check --features cuda
# The freshness check runs the binary the tests built (test profile: dependencies at
# opt-level 3, this crate at 1), so no separate release build is needed; it is about as
# fast as a release binary here, and its numbers are the same.
if ((full)); then
    stage "generated files are fresh (every chapter regenerated)" \
        cargo run --profile test --quiet -- generate --scale full --check --all-chapters
else
    stage "generated files are fresh (changed and quick chapters regenerated)" \
        cargo run --profile test --quiet -- generate --scale full --check
fi
stage "notebooks match their sources" tools/notebooks.sh check
stage "book builds warning-free (math, links, includes, images)" tools/render-book.sh
stage "book pages load in a headless browser" tools/check-book-in-browser.py
if ((full)); then
    stage "every notebook executes in evcxr" tools/notebooks.sh execute
else
    stage "notebooks whose inputs changed execute in evcxr (and one always)" \
        tools/notebooks.sh execute --changed
fi

if ((failed > 0)); then
    printf 'failed stage: %s\n' "${failures[@]}"
fi
echo "stages: $passed passed, $failed failed"
((failed == 0))
