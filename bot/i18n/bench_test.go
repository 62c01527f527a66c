package i18n

import "testing"

func BenchmarkT(b *testing.B) {
	w, _ := New(NB)
	b.ReportAllocs()
	for b.Loop() {
		_ = w.T("audit.asked", "User", "U1", "Reservation", "3f1c", "Dests", "e-post til `k***@example.com`", "Status", "Sender…")
	}
}

func BenchmarkTPlain(b *testing.B) {
	w, _ := New(NB)
	b.ReportAllocs()
	for b.Loop() {
		_ = w.T("msg.state_down")
	}
}
