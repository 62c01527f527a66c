//go:build !unix

package testkit

import "testing"

// ClosedAddr is a loopback address nothing listens on (FreeAddr: where
// sockets cannot be bound without listening, another may take it).
func ClosedAddr(t testing.TB) string {
	t.Helper()
	return FreeAddr(t)
}
