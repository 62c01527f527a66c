package fakeslack

import (
	"log"
	"os"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"
)

func TestTmpPingDebug(t *testing.T) {
	s := New(t, WithPingInterval(100*time.Millisecond))
	startClient(t, s, socketmode.OptionPingInterval(400*time.Millisecond), socketmode.OptionDebug(true), socketmode.OptionLog(log.New(os.Stderr, "SM ", log.Lmicroseconds)))
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if snap := s.Snapshot(); snap.SocketsOpened != 1 || snap.OpenSockets != 1 {
		t.Fatalf("reconnected although pinged: %s", snap.summary())
	}
}
