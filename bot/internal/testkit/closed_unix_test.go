//go:build unix

package testkit

import (
	"net"
	"testing"
)

// A closed address refuses connections, and nobody can listen there while
// the test holds it.
func TestClosedAddrRefusesAndCannotBeTaken(t *testing.T) {
	addr := ClosedAddr(t)
	if c, err := net.DialTimeout("tcp", addr, Wait); err == nil {
		c.Close()
		t.Fatalf("connected to %s", addr)
	}
	if l, err := net.Listen("tcp", addr); err == nil {
		l.Close()
		t.Fatalf("listened on %s while it is held", addr)
	}
}
