package torch

// #include "shim.h"
import "C"

// init tunes glibc's allocator for tensor workloads (see mg_tune_allocator
// in shim.cc) unless the user set malloc tunables in the environment.
func init() { C.mg_tune_allocator() }

// SetNumThreads sets libtorch's intra-op thread count for the process: the
// shim applies it on every OS thread that calls into libtorch (with the
// OpenMP backend the count is per thread, and goroutines move between
// threads), and sets OpenBLAS's process-wide pool to the same size. On
// 2-core machines one thread per process was often fastest.
func SetNumThreads(n int) {
	if n < 1 {
		panic("torch: SetNumThreads with n < 1")
	}
	C.mg_set_num_threads(C.int(n))
}

// NumThreads returns libtorch's intra-op thread count.
func NumThreads() int { return int(C.mg_get_num_threads()) }

// ManualSeed seeds libtorch's global generators (Randn, Rand, dropout).
func ManualSeed(seed uint64) { C.mg_manual_seed(C.uint64_t(seed)) }

// CUDADeviceCount is the number of usable GPUs (0 on a CPU-only libtorch).
func CUDADeviceCount() int { return int(C.mg_cuda_device_count()) }

// Version is the version of the libtorch the binding was compiled against.
func Version() string { return C.GoString(C.mg_version()) }
