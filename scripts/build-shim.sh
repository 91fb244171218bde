#!/usr/bin/env bash
# Builds internal/torch's C++ shim as a shared library, libmgshim.so, for the
# `torchshared` build tag (see internal/torch/flags_shared.go).
#   scripts/build-shim.sh OUTDIR [TORCH_DIR]
# TORCH_DIR is a libtorch root with include/ and lib/ (e.g. a PyTorch wheel's
# torch/ directory). Without it, Debian's libtorch-dev is used.
set -euo pipefail
out=${1:?usage: build-shim.sh OUTDIR [TORCH_DIR]}
torch=${2:-}
src="$(cd "$(dirname "$0")/../internal/torch" && pwd)"
mkdir -p "$out"
if [ -n "$torch" ]; then
	abi=${TORCH_CXX11_ABI:-1}
	inc=(-I"$torch/include" -I"$torch/include/torch/csrc/api/include" -D_GLIBCXX_USE_CXX11_ABI="$abi")
	libs=(-L"$torch/lib" -Wl,-rpath,"$torch/lib" -Wl,--no-as-needed)
	[ -e "$torch/lib/libtorch_cuda.so" ] && libs+=(-ltorch_cuda)
	[ -e "$torch/lib/libc10_cuda.so" ] && libs+=(-lc10_cuda)
	libs+=(-Wl,--as-needed -ltorch -ltorch_cpu -lc10)
else
	inc=(-I/usr/include/torch/csrc/api/include)
	libs=(-ltorch -ltorch_cpu -lc10)
fi
# The Go build constraint on the first line of each .cc file is a C++ comment.
g++ -shared -fPIC -std=c++17 -O2 -Wno-deprecated-declarations "${inc[@]}" \
	-x c++ "$src/shim.cc" "$src/sparse_kernels.cc" -o "$out/libmgshim.so" "${libs[@]}"
echo "built $out/libmgshim.so"
