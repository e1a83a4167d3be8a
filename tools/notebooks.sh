#!/usr/bin/env bash
# Notebooks: generated from notebooks/src/*.md (jupytext), committed without outputs.
#   tools/notebooks.sh sync      regenerate notebooks/*.ipynb from their sources
#   tools/notebooks.sh check     fail if a committed notebook differs from its source
#   tools/notebooks.sh execute   run every notebook in the evcxr kernel; fail on a panic
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/tools-venv
export JUPYTER_PATH="$PWD/$VENV/share/jupyter"

to_ipynb() { # SOURCE OUTPUT
    "$VENV/bin/jupytext" --quiet --to ipynb --update-metadata '{"jupytext": null}' --output "$2" "$1"
    # jupytext gives cells random ids; number them so regenerating changes nothing.
    "$VENV/bin/python" - "$2" <<'PY'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
for i, cell in enumerate(nb.cells):
    cell["id"] = f"cell-{i:02d}"
nbformat.write(nb, sys.argv[1])
PY
}

case "${1:-}" in
sync)
    for src in notebooks/src/*.md; do
        to_ipynb "$src" "notebooks/$(basename "${src%.md}").ipynb"
    done
    ;;
check)
    mkdir -p target/nb-sync
    stale=0
    for src in notebooks/src/*.md; do
        name=$(basename "${src%.md}")
        to_ipynb "$src" "target/nb-sync/$name.ipynb"
        if ! cmp -s "target/nb-sync/$name.ipynb" "notebooks/$name.ipynb"; then
            echo "notebooks/$name.ipynb is out of date with $src (run: tools/notebooks.sh sync)"
            stale=1
        fi
    done
    exit $stale
    ;;
execute)
    # Kept build and cache folders make every run after the first fast.
    export EVCXR_TMPDIR="$PWD/target/evcxr-tmp" XDG_CACHE_HOME="$PWD/target/xdg-cache"
    export EVCXR_CONFIG_DIR="$PWD/target/evcxr-config"
    mkdir -p "$EVCXR_TMPDIR" "$EVCXR_CONFIG_DIR" target/nb-out
    echo ":cache 2000" > "$EVCXR_CONFIG_DIR/init.evcxr"
    passed=0 failed=0
    for nb in notebooks/*.ipynb; do
        name=$(basename "$nb")
        log="target/nb-out/${name%.ipynb}.log"
        echo "executing $nb (log: $log)"
        # evcxr reports a panic without failing the cell; fail_fast() aborts the kernel
        # instead, and the output scan below is a second guard.
        if "$VENV/bin/jupyter" execute --kernel_name=rust --timeout=900 --startup_timeout=180 \
                --output="$PWD/target/nb-out/$name" "$nb" >"$log" 2>&1 \
            && ! grep -q "panicked at" "target/nb-out/$name"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            echo "FAILED: $nb"; tail -20 "$log"
        fi
    done
    echo "notebooks: $passed passed, $failed failed"
    [[ $failed == 0 ]]
    ;;
*)
    echo "usage: tools/notebooks.sh sync|check|execute" >&2
    exit 2
    ;;
esac
