package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/bridge"
	"github.com/parley-voice/parley/bridge/rtp"
	"github.com/parley-voice/parley/pipeline/audio"
	"github.com/parley-voice/parley/pipeline/vad"
)

// callFlags are the options of `parley call`.
type callFlags struct {
	play, record, from, dtmf string
	json                     bool
	timeout, hangupAfter     time.Duration
	codecs                   []string
}

// Thresholds of the bot audio segmentation of `parley call`.
const (
	// botRMS is the frame RMS (about -40 dBFS) above which received audio
	// counts as bot audio.
	botRMS = 330
	// botHang is the silence that ends a bot audio segment.
	botHang = 300 * time.Millisecond
	// botMin is the shortest bot audio segment reported.
	botMin = 60 * time.Millisecond
)

// newCallCmd returns `parley call`: a test phone.
func newCallCmd() *cobra.Command {
	var f callFlags
	cmd := &cobra.Command{
		Use:   "call <sip-uri> [--play in.wav] [--record out.wav] [--json] [--from URI] [--timeout D] [--hangup-after D] [--dtmf DIGITS]",
		Short: "Call a SIP URI as a test phone: play a WAV file, record and time the answer",
		Long: `Call a SIP URI (sip:user@host[:port], over UDP) as a phone would: send an
INVITE with an SDP offer from a free local port on the route to the host,
play the --play WAV file (any rate, mixed to mono and resampled) as the
caller in real time once the call is answered, record everything heard to
--record (16 kHz mono WAV), and hang up --hangup-after the file ended (or when
the far end hangs up, or at --timeout). --dtmf sends keypad digits (RFC 4733,
or SIP INFO when the far end did not negotiate telephone-event) right after
the answer.

Caller speech is found in the played file by the energy voice activity
detector; bot audio is received audio above -40 dBFS, segments split by
300 ms of silence. With --json it prints one object, times in milliseconds
from the answer:

  call_id          the SIP Call-ID
  codec            the negotiated codec, "PCMU/8000"
  duration_ms      how long the call was up
  caller_speech    [{"start_ms","end_ms"}]: speech segments of the played file
  bot_audio        [{"start_ms","end_ms"}]: audio segments received
  v2v_ms           for each caller speech segment answered before the caller
                   spoke again: its end to the start of the next bot audio
                   (voice-to-voice latency)
  bargein_stop_ms  for each caller speech segment that starts while bot audio
                   plays: its start to the end of that bot audio (how fast
                   the bot stops when interrupted)`,
		Example: `  parley call sip:bot@127.0.0.1:5060 --play question.wav --record answer.wav --json
  parley call sip:ivr@pbx.example.com --dtmf 1# --hangup-after 10s`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCall(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.play, "play", "", "WAV file the caller says (default: silence)")
	fl.StringVar(&f.record, "record", "", "WAV file to record what the caller hears into")
	fl.BoolVar(&f.json, "json", false, "print one JSON object (keys above)")
	fl.StringVar(&f.from, "from", "", "caller SIP URI (default sip:parley-call@<local address>)")
	fl.DurationVar(&f.timeout, "timeout", 2*time.Minute, "longest the whole call may last, ringing included")
	fl.DurationVar(&f.hangupAfter, "hangup-after", 5*time.Second, "how long to stay on the line after the played file ended")
	fl.StringVar(&f.dtmf, "dtmf", "", "keypad digits to send once answered (0-9, *, #, A-D)")
	fl.StringSliceVar(&f.codecs, "codecs", nil, "codecs to offer, most preferred first (default PCMU,PCMA,G722,opus)")
	return cmd
}

// callSegment is one segment in the --json output.
type callSegment struct {
	StartMS int64 `json:"start_ms"`
	EndMS   int64 `json:"end_ms"`
}

// callReport is the --json output.
type callReport struct {
	CallID        string        `json:"call_id"`
	Codec         string        `json:"codec"`
	DurationMS    int64         `json:"duration_ms"`
	CallerSpeech  []callSegment `json:"caller_speech"`
	BotAudio      []callSegment `json:"bot_audio"`
	V2VMS         []int64       `json:"v2v_ms"`
	BargeInStopMS []int64       `json:"bargein_stop_ms"`
}

// runCall places the call and reports it.
func runCall(ctx context.Context, out, errOut io.Writer, target string, f callFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if f.timeout <= 0 || f.hangupAfter < 0 {
		return errors.New("call: --timeout must be positive and --hangup-after not negative")
	}
	var to sip.Uri
	if err := sip.ParseUri(target, &to); err != nil || to.Scheme != "sip" || to.Host == "" {
		return fmt.Errorf("call: %q is not a SIP URI: want sip:user@host[:port]", target)
	}
	if tr, ok := to.UriParams.Get("transport"); ok && !strings.EqualFold(tr, "udp") {
		return fmt.Errorf("call: transport %s: the test phone calls over UDP only", tr)
	}
	play, err := loadPlayback(f.play)
	if err != nil {
		return err
	}
	speech, err := vad.DetectSegments(ctx, vad.NewEnergy(), play, vad.DefaultSegmenterConfig())
	if err != nil {
		return fmt.Errorf("call: finding speech in %s: %w", f.play, err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	ph, err := newTestPhone(to, f.codecs)
	if err != nil {
		return err
	}
	defer ph.close()
	ep := newPhoneEndpoint(play, f.timeout)
	res, err := ph.dial(ctx, to, f, ep)
	if err != nil {
		return err
	}
	rep := ep.report(speech)
	rep.CallID, rep.Codec, rep.DurationMS = res.callID, res.codec, res.duration.Milliseconds()
	if f.record != "" {
		if err := writeRecording(f.record, ep.recording()); err != nil {
			return err
		}
	}
	if f.json {
		return json.NewEncoder(out).Encode(rep)
	}
	return writeCallText(out, rep, res.hangup)
}

// loadPlayback reads the WAV file to play, as 16 kHz mono (nil for none).
func loadPlayback(path string) ([]int16, error) {
	if path == "" {
		return nil, nil
	}
	w, err := audio.ReadWAVFile(path)
	if err != nil {
		return nil, fmt.Errorf("call: --play %s: %w (convert with: sox in.mp3 -r 16000 -c 1 -b 16 out.wav)", path, err)
	}
	pcm := w.Mono(nil)
	if w.Rate != audio.PipelineRate {
		if pcm, err = audio.Resample(nil, pcm, w.Rate, audio.PipelineRate); err != nil {
			return nil, fmt.Errorf("call: --play %s: %w", path, err)
		}
	}
	return pcm, nil
}

// writeRecording writes what the caller heard as a 16 kHz mono WAV file.
func writeRecording(path string, pcm []int16) error {
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("call: --record: %w", err)
	}
	if err := audio.WriteWAV(fh, audio.PipelineRate, 1, pcm); err != nil {
		_ = fh.Close()
		return fmt.Errorf("call: --record %s: %w", path, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("call: --record %s: %w", path, err)
	}
	return nil
}

// writeCallText prints the human-readable summary.
func writeCallText(out io.Writer, r callReport, hangup string) error {
	fmt.Fprintf(out, "call %s (%s): %.1fs, %s\n", r.CallID, r.Codec, float64(r.DurationMS)/1000, hangup)
	fmt.Fprintf(out, "caller speech: %d segment(s); bot audio: %d segment(s)\n", len(r.CallerSpeech), len(r.BotAudio))
	for i, v := range r.V2VMS {
		fmt.Fprintf(out, "voice-to-voice #%d: %d ms\n", i+1, v)
	}
	for i, v := range r.BargeInStopMS {
		fmt.Fprintf(out, "barge-in stop #%d: %d ms\n", i+1, v)
	}
	return nil
}

// testPhone is the SIP user agent and RTP media of one test call.
type testPhone struct {
	ua      *sipgo.UserAgent
	cli     *sipgo.Client
	pc      net.PacketConn
	served  chan struct{}
	contact sip.ContactHeader
	media   *rtp.Session
	bye     chan struct{} // closed when the far end hangs up
	byeOnce sync.Once
}

// newTestPhone binds a SIP socket and an RTP session on the local address
// that routes to the target.
func newTestPhone(to sip.Uri, codecs []string) (*testPhone, error) {
	port := to.Port
	if port == 0 {
		port = 5060
	}
	probe, err := net.Dial("udp4", net.JoinHostPort(to.Host, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("call: no route to %s: %w", to.Host, err)
	}
	local := probe.LocalAddr().(*net.UDPAddr).IP.String()
	_ = probe.Close()
	pc, err := net.ListenPacket("udp4", net.JoinHostPort(local, "0"))
	if err != nil {
		return nil, fmt.Errorf("call: %w", err)
	}
	lport := pc.LocalAddr().(*net.UDPAddr).Port
	quiet := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("parley-call"), sipgo.WithUserAgentHostname(local),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet),
			sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)))
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("call: %w", err)
	}
	p := &testPhone{ua: ua, pc: pc, served: make(chan struct{}), bye: make(chan struct{})}
	p.contact = sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "parley-call", Host: local, Port: lport}}
	if p.cli, err = sipgo.NewClient(ua, sipgo.WithClientHostname(local), sipgo.WithClientPort(lport), sipgo.WithClientLogger(quiet)); err != nil {
		p.close()
		return nil, fmt.Errorf("call: %w", err)
	}
	// A random window of ports, so that parallel test calls rarely collide.
	lo := 20000 + 2*rand.IntN(9000)
	ports, err := rtp.NewPorts(lo, lo+2000)
	if err == nil {
		p.media, err = rtp.NewSession(rtp.Config{Bind: local, Codecs: codecs}, ports)
	}
	if err != nil {
		p.close()
		return nil, fmt.Errorf("call: media: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		p.close()
		return nil, fmt.Errorf("call: %w", err)
	}
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		p.byeOnce.Do(func() { close(p.bye) })
	})
	for _, m := range []sip.RequestMethod{sip.OPTIONS, sip.INFO, sip.NOTIFY, sip.UPDATE} {
		srv.OnRequest(m, func(req *sip.Request, tx sip.ServerTransaction) {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		})
	}
	go func() {
		defer close(p.served)
		_ = srv.ServeUDP(pc)
	}()
	return p, nil
}

// close releases the media, the socket and the SIP stack.
func (p *testPhone) close() {
	if p.media != nil {
		_ = p.media.Close()
	}
	_ = p.pc.Close()
	select {
	case <-p.served:
	case <-time.After(time.Second):
	}
	_ = p.ua.Close()
}

// callResult is how a call went.
type callResult struct {
	callID, codec, hangup string
	duration              time.Duration
}

// dial places the call, plays and records until the hang-up, and hangs up.
func (p *testPhone) dial(ctx context.Context, to sip.Uri, f callFlags, ep *phoneEndpoint) (callResult, error) {
	offer, err := p.media.Offer()
	if err != nil {
		return callResult{}, fmt.Errorf("call: %w", err)
	}
	hdrs := []sip.Header{sip.NewHeader("Content-Type", "application/sdp"), sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE")}
	from := sip.Uri{Scheme: "sip", User: "parley-call", Host: p.contact.Address.Host}
	if f.from != "" {
		if err := sip.ParseUri(f.from, &from); err != nil {
			return callResult{}, fmt.Errorf("call: --from %q is not a SIP URI", f.from)
		}
	}
	fh := &sip.FromHeader{Address: from, Params: sip.NewParams()}
	fh.Params.Add("tag", sip.GenerateTagN(16))
	dua := &sipgo.DialogUA{Client: p.cli, ContactHDR: p.contact}
	sess, err := dua.Invite(ctx, to, offer, append(hdrs, fh)...)
	if err != nil {
		return callResult{}, fmt.Errorf("call: INVITE to %s: %w", to.String(), err)
	}
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		var de *sipgo.ErrDialogResponse
		if errors.As(err, &de) {
			return callResult{}, fmt.Errorf("call: %s answered %d %s", to.String(), de.Res.StatusCode, de.Res.Reason)
		}
		return callResult{}, fmt.Errorf("call: %s did not answer: %w", to.String(), err)
	}
	res := callResult{callID: sess.InviteRequest.CallID().Value()}
	if err := sess.Ack(ctx); err != nil {
		return res, fmt.Errorf("call: ACK: %w", err)
	}
	if err := p.media.SetAnswer(sess.InviteResponse.Body()); err != nil {
		_ = p.hangup(sess)
		return res, fmt.Errorf("call: the answer's SDP: %w", err)
	}
	res.codec = p.media.Codec()
	ep.begin()
	if err := p.media.Start(ep); err != nil {
		_ = p.hangup(sess)
		return res, fmt.Errorf("call: media: %w", err)
	}
	if f.dtmf != "" {
		if err := p.sendDigits(ctx, sess, f.dtmf); err != nil {
			_ = p.hangup(sess)
			return res, err
		}
	}
	res.hangup = p.wait(ctx, ep, f.hangupAfter)
	res.duration = ep.elapsed()
	if res.hangup != "the far end hung up" {
		if err := p.hangup(sess); err != nil {
			res.hangup += " (BYE not answered)"
		}
	}
	_ = p.media.Close()
	return res, nil
}

// sendDigits sends keypad digits as RFC 4733 events, or as SIP INFO.
func (p *testPhone) sendDigits(ctx context.Context, sess *sipgo.DialogClientSession, digits string) error {
	err := p.media.SendDTMF(digits)
	if !errors.Is(err, bridge.ErrUnsupported) {
		if err != nil {
			return fmt.Errorf("call: --dtmf: %w", err)
		}
		return nil
	}
	for _, d := range digits {
		req := sip.NewRequest(sip.INFO, sess.InviteResponse.Contact().Address)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
		req.SetBody([]byte("Signal=" + string(d) + "\r\nDuration=160\r\n"))
		res, err := sess.Do(ctx, req)
		if err != nil || !res.IsSuccess() {
			return fmt.Errorf("call: --dtmf by SIP INFO: %v %v", err, res)
		}
	}
	return nil
}

// wait keeps the call up until the played file ended plus the tail, the
// far end hangs up, the media times out or ctx ends; it says which.
func (p *testPhone) wait(ctx context.Context, ep *phoneEndpoint, tail time.Duration) string {
	var tailC <-chan time.Time
	played := ep.played
	for {
		select {
		case <-played:
			t := time.NewTimer(tail)
			defer t.Stop()
			tailC, played = t.C, nil
		case <-tailC:
			return "hung up after the file ended"
		case <-p.bye:
			return "the far end hung up"
		case <-p.media.Done():
			return "media ended: " + fmt.Sprint(p.media.Err())
		case <-ctx.Done():
			return "hung up at --timeout"
		}
	}
}

// hangup sends the BYE.
func (p *testPhone) hangup(sess *sipgo.DialogClientSession) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return sess.Bye(ctx)
}

// phoneEndpoint is the caller's side of the media: it plays the file and
// records what it hears, with the time of each frame. It is safe for
// concurrent use.
type phoneEndpoint struct {
	start    time.Time
	played   chan struct{}
	playOnce sync.Once

	mu        sync.Mutex
	play      []int16
	pos       int
	playStart time.Duration
	rec       []int16
	maxRec    int
	heard     []heardFrame
}

// heardFrame is one received frame: when it started, and its RMS.
type heardFrame struct {
	at  time.Duration
	rms float64
}

// newPhoneEndpoint plays pcm and records up to max of audio.
func newPhoneEndpoint(pcm []int16, max time.Duration) *phoneEndpoint {
	return &phoneEndpoint{play: pcm, played: make(chan struct{}), maxRec: audio.SamplesFor(audio.PipelineRate, max)}
}

// begin marks the answer: times are measured from it.
func (e *phoneEndpoint) begin() {
	e.mu.Lock()
	e.start = time.Now()
	e.mu.Unlock()
	if len(e.play) == 0 {
		e.playOnce.Do(func() { close(e.played) })
	}
}

// elapsed returns the time since the answer.
func (e *phoneEndpoint) elapsed() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return time.Since(e.start)
}

// NextFrame implements bridge.Endpoint: the next 20 ms of the file.
func (e *phoneEndpoint) NextFrame(dst []int16) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pos == 0 && len(e.play) > 0 {
		e.playStart = time.Since(e.start)
	}
	n := copy(dst, e.play[e.pos:])
	clear(dst[n:])
	e.pos += n
	if e.pos >= len(e.play) {
		e.playOnce.Do(func() { close(e.played) })
	}
	return n > 0
}

// PushAudio implements bridge.Endpoint: it records the frame and its time.
func (e *phoneEndpoint) PushAudio(f audio.Frame) error {
	var sum float64
	for _, v := range f.Samples {
		sum += float64(v) * float64(v)
	}
	rms := math.Sqrt(sum / float64(max(len(f.Samples), 1)))
	dur := time.Duration(len(f.Samples)) * time.Second / time.Duration(max(f.Rate, 1))
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.rec)+len(f.Samples) <= e.maxRec {
		e.rec = append(e.rec, f.Samples...)
	}
	e.heard = append(e.heard, heardFrame{at: time.Since(e.start) - dur, rms: rms})
	return nil
}

// PushDTMF implements bridge.Endpoint; digits from the far end are ignored.
func (e *phoneEndpoint) PushDTMF(byte) error { return nil }

// recording returns what was heard.
func (e *phoneEndpoint) recording() []int16 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int16(nil), e.rec...)
}

// report computes the segments and latencies of the call.
func (e *phoneEndpoint) report(speech []vad.Segment) callReport {
	e.mu.Lock()
	defer e.mu.Unlock()
	caller := make([]callSegment, 0, len(speech))
	for _, s := range speech {
		caller = append(caller, callSegment{StartMS: (e.playStart + s.Start).Milliseconds(), EndMS: (e.playStart + s.End).Milliseconds()})
	}
	bot := botSegments(e.heard)
	v2v, barge := callLatencies(caller, bot)
	return callReport{CallerSpeech: caller, BotAudio: bot, V2VMS: v2v, BargeInStopMS: barge}
}

// botSegments groups received frames above botRMS into segments split by
// botHang of silence, dropping those shorter than botMin.
func botSegments(frames []heardFrame) []callSegment {
	out := []callSegment{}
	var cur *callSegment
	var lastLoud time.Duration
	for _, f := range frames {
		if f.rms < botRMS {
			if cur != nil && f.at-lastLoud >= botHang {
				cur = nil
			}
			continue
		}
		end := f.at + audio.FrameDuration
		if cur == nil {
			out = append(out, callSegment{StartMS: f.at.Milliseconds()})
			cur = &out[len(out)-1]
		}
		cur.EndMS, lastLoud = end.Milliseconds(), end
	}
	kept := out[:0]
	for _, s := range out {
		if time.Duration(s.EndMS-s.StartMS)*time.Millisecond >= botMin {
			kept = append(kept, s)
		}
	}
	return kept
}

// callLatencies pairs caller speech with bot audio: v2v is the end of a
// caller segment to the start of the first bot segment after it (when it
// starts before the caller speaks again); barge-in stop is the start of a
// caller segment inside a bot segment to that bot segment's end.
func callLatencies(caller, bot []callSegment) (v2v, barge []int64) {
	v2v, barge = []int64{}, []int64{}
	for i, c := range caller {
		next := int64(math.MaxInt64)
		if i+1 < len(caller) {
			next = caller[i+1].StartMS
		}
		for _, b := range bot {
			if b.StartMS >= c.EndMS && b.StartMS < next {
				v2v = append(v2v, b.StartMS-c.EndMS)
				break
			}
		}
		for _, b := range bot {
			if b.StartMS <= c.StartMS && c.StartMS < b.EndMS {
				barge = append(barge, b.EndMS-c.StartMS)
				break
			}
		}
	}
	return v2v, barge
}
