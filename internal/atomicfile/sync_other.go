//go:build !unix

package atomicfile

// Directory fsync is not available outside unix (Windows cannot open a
// directory for syncing); the rename is still atomic there.
func isUnsupportedSync(err error) bool { return true }
