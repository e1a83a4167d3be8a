#!/usr/bin/env bash
# Runs a command (e.g. `cargo build --features cuda`) where dfdx 0.13's CUDA backend
# builds and links without a GPU, a driver or a system CUDA toolkit: NVIDIA's CUDA 13.0
# compiler from PyPI, a stand-in `nvidia-smi` that reports a compute capability, and
# link stubs for the four libraries cudarc links. The result links, but runs only where
# the real driver libraries are (see the book's appendix "Running on a GPU").
# Needs python3, cc and g++ (nvcc preprocesses with `gcc -E -x c++`). Idempotent: a
# second run reuses the venv and the stubs.
#   usage: tools/cuda-env.sh cargo build --features cuda
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${CUDA_VENV:-$PWD/target/cuda-venv}"
# PTX target of dfdx's kernels (sm_XX). With CUDA 13 headers it must be at least 80
# (below, dfdx's compatibility header redefines half-precision functions that the CUDA
# headers now define). PTX is compiled forward by the driver: 80 runs on A100 and newer.
export CUDA_COMPUTE_CAP="${CUDA_COMPUTE_CAP:-80}"

# 1. The compiler. (The cu12 wheels of nvidia-cuda-nvcc ship no `nvcc` binary.)
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check \
    nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88 \
    nvidia-cuda-runtime==13.0.96 nvidia-cuda-cccl==13.0.85
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
export CUDA_ROOT="$site/nvidia/cu13" # include/cuda.h, bin/nvcc, nvvm/bin/cicc
test -f "$CUDA_ROOT/include/cuda.h" && test -x "$CUDA_ROOT/bin/nvcc"

# 2. dfdx's build script always asks `nvidia-smi` for the compute capability, even when
#    CUDA_COMPUTE_CAP is set: answer it.
mkdir -p "$venv/fakebin"
printf '#!/bin/sh\nprintf "compute_cap\\n%%s\\n" "${CUDA_COMPUTE_CAP:-80}"\n' > "$venv/fakebin/nvidia-smi"
chmod +x "$venv/fakebin/nvidia-smi"
export PATH="$venv/fakebin:$CUDA_ROOT/bin:$PATH"

# 3. cudarc links -lcuda -lnvrtc -lcublas -lcublasLt at build time; libcuda comes only
#    with a GPU driver. Stubs with the real sonames, one empty function per binding,
#    satisfy the linker (lib64/stubs is on cudarc's link path); at run time the loader
#    finds the real libraries instead.
stubs="$CUDA_ROOT/lib64/stubs"
if [ ! -f "$stubs/.done" ]; then
    cargo fetch -q
    cudarc="$(cargo metadata --format-version 1 --features cuda | python3 -c '
import json, os, sys
packages = json.load(sys.stdin)["packages"]
print(os.path.dirname(next(p for p in packages if p["name"] == "cudarc")["manifest_path"]))')"
    mkdir -p "$stubs"
    for spec in cuda:driver:libcuda.so.1 nvrtc:nvrtc:libnvrtc.so.13 \
        cublas:cublas:libcublas.so.13 cublasLt:cublaslt:libcublasLt.so.13; do
        IFS=: read -r lib dir soname <<<"$spec"
        grep -oE 'pub fn [A-Za-z0-9_]+\(' "$cudarc/src/$dir/sys.rs" |
            sed -E 's/pub fn (.*)\(/void \1(void){}/' >"$stubs/$lib.c"
        cc -shared -fPIC -Wl,-soname,"$soname" -o "$stubs/lib$lib.so" "$stubs/$lib.c"
    done
    touch "$stubs/.done"
fi

exec "$@"
