#!/usr/bin/env bash
# Every test: formatting, lints, unit/oracle/chapter tests, the CUDA feature's build,
# freshness of the generated files and notebooks, the book build (math and links checked), and every notebook run
# in the real evcxr kernel. Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
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
stage "the cuda feature builds (no GPU needed)" tools/cuda-env.sh cargo build --features cuda
stage "generated files are fresh" cargo run --release --quiet -- generate --scale full --check
stage "notebooks match their sources" tools/notebooks.sh check
stage "book builds warning-free (math, links, includes, images)" tools/render-book.sh
stage "book pages load in a headless browser" tools/check-book-in-browser.py
stage "notebooks execute in evcxr" tools/notebooks.sh execute

if ((failed > 0)); then
    printf 'failed stage: %s\n' "${failures[@]}"
fi
echo "stages: $passed passed, $failed failed"
((failed == 0))
