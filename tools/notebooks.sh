#!/usr/bin/env bash
# Notebooks: generated from notebooks/src/*.md (jupytext), committed without outputs.
#   tools/notebooks.sh sync      regenerate notebooks/*.ipynb from their sources
#   tools/notebooks.sh check     fail if a committed notebook differs from its source
#   tools/notebooks.sh execute   run every notebook in the evcxr kernel; fail on a panic
#   tools/notebooks.sh execute --changed
#                                run only the notebooks whose inputs changed since their
#                                last green run (notebooks/executed.json), and SMOKE
# Each green run is recorded in notebooks/executed.json (commit it with your change).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/tools-venv
# The notebook every run executes, to test the kernel itself: the quickest one.
SMOKE=destroying-and-generating
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
    # Every notebook starts with the crate dependency, then the fail-fast and version cell:
    # without them a panic would not stop the kernel, or a stale crate would run.
    python3 - notebooks/src/*.md <<'PY' || stale=1
import re, sys
bad = 0
for path in sys.argv[1:]:
    cells = re.findall(r"```rust\n(.*?)```", open(path, encoding="utf-8").read(), re.S)
    first = cells[0] if cells else ""
    second = cells[1] if len(cells) > 1 else ""
    if not first.strip().startswith(":dep destroy_then_generate"):
        print(f"{path}: the first code cell must be the `:dep destroy_then_generate` cell"); bad = 1
    if "notebook::fail_fast()" not in second or "VERSION" not in second:
        print(f"{path}: the second code cell must call notebook::fail_fast() and assert the VERSION"); bad = 1
    # evcxr prints an Err propagated by `?` and runs on, so a cell must unwrap instead.
    for cell in cells:
        code = re.sub(r'"(?:\\.|[^"\\])*"', '""', cell)
        if re.search(r"[\w)\]]\?(?=[\s;.)]|$)", code):
            print(f"{path}: a cell uses `?`; an Err would not stop the notebook (use .unwrap())"); bad = 1
            break
sys.exit(bad)
PY
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
    # Kept build and cache folders make every run after the first fast. The compiled
    # dependencies are cached where evcxr keeps them for every user of the kernel
    # ($XDG_CACHE_HOME/evcxr, by default ~/.cache/evcxr; at most 2 GB), so a fresh clone
    # compiles only this crate.
    export EVCXR_TMPDIR="$PWD/target/evcxr-tmp"
    export EVCXR_CONFIG_DIR="$PWD/target/evcxr-config"
    mkdir -p "$EVCXR_TMPDIR" "$EVCXR_CONFIG_DIR" target/nb-out
    echo ":cache 2000" > "$EVCXR_CONFIG_DIR/init.evcxr"
    passed=0 failed=0 green=()
    if [[ "${2:-}" == "--changed" ]]; then
        stale=$(cargo run --profile test --quiet -- notebooks --stale)
        selected=$(printf '%s\n' $SMOKE $stale | sort -u)
        echo "notebooks whose inputs changed: $(echo ${stale:-none}); also run: $SMOKE"
    else
        selected=$(basename -s .ipynb notebooks/*.ipynb)
    fi
    for stem in $selected; do
        nb="notebooks/$stem.ipynb"
        name=$(basename "$nb")
        log="target/nb-out/${name%.ipynb}.log"
        echo "executing $nb (log: $log)"
        # evcxr reports a panic without failing the cell; fail_fast() aborts the kernel
        # instead, and the output scan below is a second guard.
        if "$VENV/bin/jupyter" execute --kernel_name=rust --timeout=900 --startup_timeout=300 \
                --output="$PWD/target/nb-out/$name" "$nb" >"$log" 2>&1 \
            && ! grep -q "panicked at" "target/nb-out/$name" \
            && ! "$VENV/bin/python" - "target/nb-out/$name" <<'PY'; then
import sys, nbformat
# A cell whose value is an Err is displayed, not raised: treat it as a failure.
nb = nbformat.read(sys.argv[1], as_version=4)
errors = [o for c in nb.cells for o in c.get("outputs", [])
          if o.get("output_type") == "execute_result"
          and str(o.get("data", {}).get("text/plain", "")).startswith("Err(")]
for o in errors:
    print("a cell returned", o["data"]["text/plain"][:200])
sys.exit(0 if errors else 1)
PY
            passed=$((passed + 1))
            green+=("$stem")
        else
            failed=$((failed + 1))
            echo "FAILED: $nb"; tail -20 "$log"
        fi
    done
    if ((${#green[@]} > 0)); then
        cargo run --profile test --quiet -- notebooks --ran-green "${green[@]}"
    fi
    echo "notebooks: $passed passed, $failed failed"
    [[ $failed == 0 ]]
    ;;
*)
    echo "usage: tools/notebooks.sh sync|check|execute" >&2
    exit 2
    ;;
esac
