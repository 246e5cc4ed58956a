package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/parley-voice/parley/pipeline/audio"
)

// botTurn is one bot response: the agent's answer streamed as sentences to
// the speech goroutine, which synthesizes them into the output.
type botTurn struct {
	id          int
	trigger     string
	ctx         context.Context
	cancel      context.CancelCauseFunc
	agentCancel context.CancelCauseFunc // nil for Say
	items       chan speechItem         // agent -> speech, closed by the agent side

	metrics  TurnMetrics // loop-owned
	timedOut bool        // loop-owned

	firstText, firstAudio atomic.Int64 // session time + 1 ns; 0 = not yet

	mu     sync.Mutex
	text   string   // every sentence queued for speech, joined by spaces
	failed [][2]int // byte ranges of text whose synthesis failed
	hints  *Hints   // new hints for the loop
}

// speechItem is a sentence to speak, an after-speech action, or both.
type speechItem struct {
	text   string
	action Action
}

// sentenceQueue bounds the sentences an agent may run ahead of speech.
const sentenceQueue = 8

// addSentence appends a sentence to the turn's text and returns its offset.
func (t *botTurn) addSentence(s string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.text != "" {
		t.text += " "
	}
	base := len(t.text)
	t.text += s
	return base
}

func (t *botTurn) fail(base, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed = append(t.failed, [2]int{base, base + n})
}

func (t *botTurn) fullText() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.text
}

// spokenText returns the turn's text without the sentences that failed.
func (t *botTurn) spokenText() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.failed) == 0 {
		return t.text
	}
	var b strings.Builder
	last := 0
	for _, f := range t.failed {
		b.WriteString(t.text[last:f[0]])
		last = f[1]
	}
	b.WriteString(t.text[last:])
	return strings.Join(strings.Fields(b.String()), " ")
}

func (t *botTurn) setHints(h Hints) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hints = &h
}

func (t *botTurn) takeHints() (Hints, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hints == nil {
		return Hints{}, false
	}
	h := *t.hints
	t.hints = nil
	return h, true
}

// stamp records the session time in v (as nanoseconds + 1) unless v is set.
func (s *Session) stamp(v *atomic.Int64) {
	if v.Load() == 0 {
		v.CompareAndSwap(0, int64(s.since())+1)
	}
}

// startTurn begins a bot turn on the loop: fixed text for Say, otherwise the
// agent's answer to callerText.
func (s *Session) startTurn(trigger, callerText, keys, fixed string, speechEnd Stamp) {
	l := &s.loop
	l.turnSeq++
	ctx, cancel := context.WithCancelCause(s.ctx)
	t := &botTurn{id: l.turnSeq, trigger: trigger, ctx: ctx, cancel: cancel, items: make(chan speechItem, sentenceQueue)}
	t.metrics = TurnMetrics{Turn: t.id, Trigger: trigger, SpeechEnd: speechEnd, Start: Stamp{At: l.now, OK: true}}
	s.out.begin(t.id)
	l.turn = t
	l.td.BotStarted(l.now)
	s.stats.turns.Add(1)
	if trigger == TriggerSay {
		t.items <- speechItem{text: strings.TrimSpace(fixed)}
		close(t.items)
	} else {
		agentCtx, agentCancel := context.WithCancelCause(ctx)
		t.agentCancel = agentCancel
		req := AgentRequest{CallID: s.callID, Turn: t.id, Language: s.cfg.Language, Text: callerText, DTMF: keys,
			History: s.history.snapshot()}
		// The agent goroutine starts the speech goroutine. The Go
		// scheduler runs a goroutine made runnable by the running one
		// next, ahead of its queue of call loops; started in this order,
		// the agent runs as soon as the loop waits, and synthesis as soon
		// as the agent has queued its first sentence and waits.
		s.goroutine("agent", func() {
			s.goroutine("speech", func() { s.runSpeech(t) })
			s.runAgent(t, agentCtx, req)
		})
		return
	}
	s.goroutine("speech", func() { s.runSpeech(t) })
}

// finishTurn ends the current turn on the loop: history, events, metrics.
func (s *Session) finishTurn(outcome string) {
	l := &s.loop
	t := l.turn
	if t == nil {
		return
	}
	l.turn = nil
	s.applyHints(t)
	interrupted := outcome != OutcomeCompleted
	var heard string
	if interrupted {
		heard = heardText(t.fullText(), s.out.pause().heard)
	}
	first, last, started := s.out.playedSpan()
	t.cancel(ErrTurnEnded)
	if t.agentCancel != nil {
		t.agentCancel(ErrTurnEnded)
	}
	if interrupted {
		if n := s.out.drop(); n > 0 {
			s.log.Info("after-speech actions dropped with the bot turn", "turn", t.id, "actions", n, "outcome", outcome)
		}
		if started && outcome != OutcomeInterrupted && s.opts.flusher != nil {
			s.opts.flusher.Flush()
		}
	} else {
		s.out.finish(t.id)
		heard = t.spokenText()
	}
	if heard != "" {
		s.history.add(Message{Role: RoleBot, Text: heard, Interrupted: interrupted, Start: first, End: last})
	}
	if started {
		s.bus.publish(BotSpeechStoppedEvent{Turn: t.id, Interrupted: interrupted, Heard: heard})
	}
	l.td.BotFinished(l.now)
	m := t.metrics
	m.Outcome = outcome
	m.FirstText, m.FirstAudio = stampOf(t.firstText.Load()), stampOf(t.firstAudio.Load())
	m.FirstFrame, m.LastFrame = Stamp{At: first, OK: started}, Stamp{At: last, OK: started}
	s.bus.publish(TurnMetricsEvent{Metrics: m})
	if s.opts.metrics != nil {
		s.opts.metrics(m)
	}
}

// applyHints passes a turn's new recognition hints to the stream.
func (s *Session) applyHints(t *botTurn) {
	if t == nil {
		return
	}
	h, ok := t.takeHints()
	if !ok {
		return
	}
	s.loop.hints = h
	if s.stream == nil {
		return
	}
	if err := s.stream.SetHints(h); err != nil {
		s.log.Warn("recognizer rejected hints", "err", err)
		s.bus.publish(ErrorEvent{Stage: "recognizer", Err: fmt.Errorf("set hints: %w", err)})
	}
}

// runAgent asks the agent for the turn's answer and closes the sentence
// queue when it is done.
func (s *Session) runAgent(t *botTurn, ctx context.Context, req AgentRequest) {
	defer close(t.items)
	r := &responder{s: s, t: t, ctx: ctx}
	err := s.opts.agent.Respond(ctx, req, r)
	if t.ctx.Err() != nil {
		return // the turn is over; nothing more to say
	}
	if err == nil && ctx.Err() == nil {
		return
	}
	if cause := context.Cause(ctx); errors.Is(cause, ErrAgentTimeout) && !errors.Is(err, ErrAgentTimeout) {
		err = fmt.Errorf("%w after %v: %w", ErrAgentTimeout, s.cfg.AgentTimeout, err)
	}
	if err == nil {
		err = context.Cause(ctx)
	}
	s.log.Warn("agent failed", "turn", t.id, "err", err)
	s.bus.publish(ErrorEvent{Stage: "agent", Err: err})
	if !r.spoke && s.cfg.ErrorPrompt != "" {
		select {
		case t.items <- speechItem{text: s.cfg.ErrorPrompt}:
		case <-t.ctx.Done():
		}
	}
}

// responder is the ResponseWriter an agent writes its answer to.
type responder struct {
	s     *Session
	t     *botTurn
	ctx   context.Context
	spoke bool
}

// WriteResponse queues r for speech, blocking while the sentence queue is
// full.
func (p *responder) WriteResponse(r Response) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	text := strings.TrimSpace(r.Text)
	if text != "" {
		p.s.stamp(&p.t.firstText)
	}
	if r.Hints != nil {
		p.t.setHints(*r.Hints)
		p.s.wake.raise(wakeHints)
	}
	if r.Action != nil && !r.AfterSpeech {
		p.s.bus.publish(ActionEvent{Turn: p.t.id, Action: r.Action})
	}
	it := speechItem{text: text}
	if r.AfterSpeech {
		it.action = r.Action
	}
	if it.text == "" && it.action == nil {
		return nil
	}
	p.spoke = p.spoke || text != ""
	select {
	case p.t.items <- it:
		return nil
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
}

// runSpeech synthesizes the turn's sentences in order into the output, then
// marks the end of the turn.
func (s *Session) runSpeech(t *botTurn) {
	for {
		select {
		case <-t.ctx.Done():
			return
		case it, ok := <-t.items:
			if !ok {
				_ = s.out.mark(t.ctx, t.id, nil, true) // fails only once the turn is over
				return
			}
			if it.text != "" {
				s.speak(t, it.text)
			}
			if it.action != nil {
				_ = s.out.mark(t.ctx, t.id, it.action, false)
			}
		}
	}
}

func (s *Session) speak(t *botTurn, text string) {
	base := t.addSentence(text)
	s.bus.publish(BotTextEvent{Turn: t.id, Text: text})
	w := &speechWriter{s: s, t: t, base: base, text: text}
	req := SpeechRequest{Text: text, Rate: audio.PipelineRate, Language: s.cfg.Language, Voice: s.cfg.Voice}
	if err := s.opts.synth.Synthesize(t.ctx, req, w); err != nil && t.ctx.Err() == nil {
		t.fail(base, len(text))
		s.log.Warn("synthesis failed; skipping the sentence", "turn", t.id, "err", err)
		s.bus.publish(ErrorEvent{Stage: "synthesizer", Err: err})
	}
}

// speechWriter is the SpeechWriter for one sentence.
type speechWriter struct {
	s    *Session
	t    *botTurn
	base int
	text string
	prev int // end offset of the previous chunk
}

// WriteSpeech validates c and copies its audio into the output.
func (w *speechWriter) WriteSpeech(c SpeechChunk) error {
	if c.Audio.Rate != audio.PipelineRate {
		return fmt.Errorf("%w: audio at %d Hz, want %d Hz", ErrBadChunk, c.Audio.Rate, audio.PipelineRate)
	}
	if c.TextStart < 0 || c.TextEnd < c.TextStart || c.TextEnd > len(w.text) || c.TextEnd < w.prev {
		return fmt.Errorf("%w: text range [%d, %d) in a %d-byte sentence after [.., %d)", ErrBadChunk,
			c.TextStart, c.TextEnd, len(w.text), w.prev)
	}
	start := max(c.TextStart, w.prev)
	w.prev = c.TextEnd
	if len(c.Audio.Samples) == 0 {
		return nil
	}
	w.s.stamp(&w.t.firstAudio)
	return w.s.out.write(w.t.ctx, w.t.id, c.Audio.Samples, w.base+start, w.text[start:c.TextEnd])
}
