package torch

// Flags every build needs, whatever libtorch it links.

// #cgo CXXFLAGS: -std=c++17 -O2 -Wno-deprecated-declarations -Wno-unused-parameter
// #cgo LDFLAGS: -lstdc++
import "C"
