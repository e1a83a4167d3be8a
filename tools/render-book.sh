#!/usr/bin/env bash
# Renders the book and fails on any warning. mdbook-katex reports a malformed formula
# as a WARN and keeps the raw TeX (exit 0), so warnings must be treated as errors here.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
# Before the build: control characters, includes and images that do not resolve (mdBook
# renders a missing include anchor as nothing, without a warning).
python3 tools/check-book.py sources || { echo "the book's sources have the problems above"; exit 1; }
log=target/mdbook-build.log
mdbook build >"$log" 2>&1
status=$?
if [[ $status != 0 ]] || grep -Eq "WARN|ERROR|error" "$log"; then
    # Strip colour codes so the reason reads cleanly in CI logs.
    sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "WARN|ERROR|error" | head -20
    echo "the book build is not clean (full log: $log)"
    exit 1
fi
# After the build: what the reader gets (raw math, unexpanded includes, broken images,
# links to missing anchors).
python3 tools/check-book.py html || { echo "the rendered book has the problems above"; exit 1; }
echo "book rendered to target/book/html without warnings"
