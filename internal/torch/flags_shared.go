//go:build torchshared

package torch

// With -tags torchshared the C++ shim is not compiled into the package but
// linked as a shared library, libmgshim.so, built separately by
// scripts/build-shim.sh against any libtorch (e.g. a CUDA PyTorch wheel on a
// GPU machine that has no Go toolchain). The shim's C interface (shim.h) is
// plain C, so one Go build runs against shims built for different libtorch
// versions. Point the linker at the library with CGO_LDFLAGS=-L<dir> and the
// loader with LD_LIBRARY_PATH.

// #cgo LDFLAGS: -lmgshim
import "C"
