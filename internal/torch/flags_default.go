//go:build !customtorch && !torchshared

package torch

// Default build: Debian bookworm's libtorch-dev 1.13.1 (CPU only), whose C++
// API headers live outside the default include path. Build with
// `-tags customtorch` and CGO_CXXFLAGS/CGO_LDFLAGS to use another libtorch
// (see README.md, "GPU build").

// #cgo CXXFLAGS: -I/usr/include/torch/csrc/api/include
// #cgo LDFLAGS: -ltorch -ltorch_cpu -lc10
import "C"
