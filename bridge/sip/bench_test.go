package sip

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
)

// BenchmarkGuardAdmit measures the check every UDP datagram goes through
// before sipgo sees it (a parse of an OPTIONS ping).
func BenchmarkGuardAdmit(b *testing.B) {
	g := newGuardedConn(nil, "Parley", testLogger())
	msg := []byte(strings.ReplaceAll(rawRequest("OPTIONS sip:bot@127.0.0.1 SIP/2.0", okHeaders("OPTIONS"), ""), "LOCAL", "127.0.0.1:5070"))
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5070}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if !g.admit(msg, from) {
			b.Fatal("a valid request was held back")
		}
	}
}

// BenchmarkCallSetup places calls over loopback UDP one after another
// (INVITE, 100, 200, ACK, then BYE, 200) with a fake media, and reports
// the INVITE-to-200 latency percentiles; calls/s is 1e9 / ns/op.
func BenchmarkCallSetup(b *testing.B) {
	hs := startServer(b, harnessOpts{})
	ph := newPhone(b, hs)
	ctx := context.Background()
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		sess, res, err := ph.call(ctx, hs.uri("bot", "udp"), []byte(fakeOffer), sipgo.AnswerOptions{}, sdpHeaders()...)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("INVITE: %v %v", err, res)
		}
		lat = append(lat, time.Since(start))
		a := <-hs.h.Calls()
		if err := sess.Bye(ctx); err != nil {
			b.Fatal(err)
		}
		<-a.Call.Done()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "invite-200-p50-µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "invite-200-p95-µs")
}
