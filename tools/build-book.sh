#!/usr/bin/env bash
# The main job: regenerate every generated file at full scale, regenerate the notebooks
# from their sources, and render the book.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --book-only
echo "==> training the reproduction's runs (stored ones are kept; about a quarter of an hour from scratch)"
cargo run --release --quiet -- reproduce --scale full
echo "==> regenerating book/generated at full scale"
cargo run --release --quiet -- generate --scale full
if [[ -x target/tools-venv/bin/jupytext ]]; then
    echo "==> regenerating notebooks from notebooks/src"
    tools/notebooks.sh sync
fi
echo "==> rendering the book"
tools/render-book.sh
echo "The book is at target/book/html/index.html (open it in a browser; no network needed)."
