//go:build unix

package testkit

import (
	"net"
	"strconv"
	"syscall"
	"testing"
)

// ClosedAddr is a loopback address that refuses connections for the whole
// test: a socket is bound there but never listens, so connecting gets a
// reset at once and nothing else (another test's Redis, an outgoing
// connection's port) can take the port meanwhile, as it could one of
// FreeAddr's.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
}
