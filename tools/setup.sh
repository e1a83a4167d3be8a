#!/usr/bin/env bash
# Installs the pinned tools this project needs, idempotently: a tool already at its
# pinned version is skipped. Needs only rustup and python3 on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# 0.5.3, the version mdbook-katex 0.10.0 is built against: with 0.5.4 it prints a
# version-mismatch warning on every build, and the build must be warning-free.
MDBOOK_VERSION=0.5.3
MDBOOK_KATEX_VERSION=0.10.0
MDBOOK_LINKCHECK2_VERSION=0.13.0
EVCXR_VERSION=0.22.0

say() { printf '==> %s\n' "$*"; }

# install_tool BINARY VERSION CRATE [cargo-install flags...]
install_tool() {
    local bin=$1 version=$2 crate=$3
    shift 3
    # `cargo install --list` knows every tool's version (evcxr_jupyter has no --version).
    if command -v "$bin" >/dev/null 2>&1 && cargo install --list | grep -qx "$crate v$version:"; then
        say "$bin $version already installed"
    else
        say "installing $crate $version (cargo install --locked; this can take minutes)"
        cargo install --locked "$crate" --version "$version" "$@"
    fi
}

want_notebooks=1
[[ "${1:-}" == "--book-only" ]] && want_notebooks=0

say "Rust toolchain (pinned in rust-toolchain.toml)"
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
rustc --version

install_tool mdbook "$MDBOOK_VERSION" mdbook --no-default-features --features search
install_tool mdbook-katex "$MDBOOK_KATEX_VERSION" mdbook-katex
install_tool mdbook-linkcheck2 "$MDBOOK_LINKCHECK2_VERSION" mdbook-linkcheck2

if [[ $want_notebooks == 1 ]]; then
    install_tool evcxr_jupyter "$EVCXR_VERSION" evcxr_jupyter

    VENV=target/tools-venv
    if [[ ! -x $VENV/bin/python ]] || ! cmp -s tools/requirements.txt "$VENV/requirements.txt"; then
        say "creating the Python venv for Jupyter ($VENV)"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check -r tools/requirements.txt
        cp tools/requirements.txt "$VENV/requirements.txt"
    else
        say "Python venv up to date ($VENV)"
    fi
    # Quick and idempotent: (re)writes the "rust" kernel spec for this evcxr_jupyter.
    say "registering the evcxr kernel (name: rust) with Jupyter"
    JUPYTER_PATH="$PWD/$VENV/share/jupyter" evcxr_jupyter --install >/dev/null
fi
say "tools ready"
