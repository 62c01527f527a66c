package redistest

import "testing"

// A server whose port another test's Redis took between probing and
// binding it does not start: what answers there is not it.
func TestStartRefusesAPortAnotherRedisHolds(t *testing.T) {
	_, taken := Start(t)
	s := &Server{t: t, bin: taken.bin, dir: t.TempDir(), port: taken.port}
	if err := s.start(); err == nil {
		s.Stop()
		t.Fatalf("started on %s, which another redis-server holds", taken.Addr())
	}
}
