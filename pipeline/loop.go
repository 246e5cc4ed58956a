package pipeline

import (
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// loopState is owned by the session's loop goroutine.
type loopState struct {
	td        *TurnDetector
	now       time.Duration // latest time seen: frame arrivals and ticks
	lastFrame time.Duration
	frame     []int16
	decisions []Decision
	results   []result
	cmds      []command
	marks     []outMark
	turn      *botTurn
	turnSeq   int
	callerIdx int // history index of the caller turn being answered
	hints     Hints
	reopenAt  time.Duration
	vadFailed bool
	keypad    keypad
}

func (l *loopState) init(td *TurnDetector) {
	l.td = td
	l.frame = make([]int16, maxFrameSamples)
	l.decisions = make([]Decision, 0, 8)
	l.results = make([]result, 0, 16)
	l.marks = make([]outMark, 0, 8)
	l.callerIdx = -1
	l.keypad.digits = make([]byte, 0, maxKeypadEntry)
	l.keypad.in = make([]byte, 0, keypadQueue)
}

// command is a request from another goroutine to the loop.
type command struct {
	kind cmdKind
	text string
}

type cmdKind int

const (
	cmdSay cmdKind = iota + 1
	cmdReply
	cmdDisable
)

// run is the session's loop: it waits for frames, recognition results,
// output progress, hints, commands and ticks, and handles them in order.
func (s *Session) run() {
	tk := s.clock.NewTicker(s.opts.tick)
	defer tk.Stop()
	for {
		select {
		case <-s.ctx.Done():
			if s.loop.turn != nil {
				s.finishTurn(OutcomeClosed)
			}
			return
		case <-s.wake.ch:
			s.handle(s.wake.take())
		case t := <-tk.C():
			s.drainFrames()
			s.tick(t.Sub(s.start))
		}
	}
}

// handle does the work other goroutines woke the loop for: what the
// output reported first (a turn's first frame played, an end mark reached),
// then commands, hints, recognition results, and caller frames.
func (s *Session) handle(r wakeReason) {
	if r&wakeOutput != 0 {
		s.pollOutput()
	}
	if r&wakeCommands != 0 {
		s.drainCommands()
	}
	if r&wakeHints != 0 {
		s.applyHints(s.loop.turn)
	}
	if r&wakeKeys != 0 {
		s.drainKeys()
	}
	if r&wakeResults != 0 {
		s.drainResults()
	}
	if r&wakeFrames != 0 {
		s.drainFrames()
	}
}

func (s *Session) drainFrames() {
	l := &s.loop
	for s.ctx.Err() == nil {
		n, stamp, ok := s.in.pop(l.frame)
		if !ok {
			return
		}
		l.now = max(l.now, stamp)
		l.lastFrame = l.now
		s.pollOutput()
		if err := s.inTap.WriteAudio(audio.Frame{Rate: audio.PipelineRate, Samples: l.frame[:n]}); err != nil {
			s.stats.interceptorErrors.Add(1)
		}
		s.stats.processed.Add(1)
	}
}

// consume is the end of the inbound chain: voice activity, recognition and
// turn-taking for one frame.
func (s *Session) consume(f audio.Frame) error {
	l := &s.loop
	prob, err := s.opts.detector.Process(f)
	if err != nil {
		s.stats.vadErrors.Add(1)
		if !l.vadFailed {
			l.vadFailed = true
			s.log.Warn("voice activity detector failed; treating frames as silence", "err", err)
			s.bus.publish(ErrorEvent{Stage: "vad", Err: err})
		}
		prob = 0
	}
	l.decisions = l.td.Audio(l.decisions[:0], l.now, f.Duration(), prob)
	s.writeStream(f, Voice{Prob: prob, Speaking: l.td.Speaking(), Pad: l.td.cfg.VAD.SpeechPad})
	s.apply()
	s.drainResults()
	s.checkAgentTimeout()
	return nil
}

// writeStream feeds the recognizer, reopening a failed stream after the
// back-off.
func (s *Session) writeStream(f audio.Frame, v Voice) {
	l := &s.loop
	if s.stream == nil {
		if l.now < l.reopenAt {
			return
		}
		if err := s.openStream(); err != nil {
			s.recognizerFailed(err)
			return
		}
	}
	var err error
	if s.voiceStream != nil {
		err = s.voiceStream.WriteVoice(f, v)
	} else {
		err = s.stream.Write(f)
	}
	if err != nil {
		s.recognizerFailed(err)
		if cerr := s.stream.Close(); cerr != nil {
			s.log.Debug("closing failed recognition stream", "err", cerr)
		}
		s.stream, s.voiceStream = nil, nil
	}
}

func (s *Session) recognizerFailed(err error) {
	l := &s.loop
	s.stats.recognizerErrors.Add(1)
	l.reopenAt = l.now + s.cfg.RecognizerRetry
	s.log.Warn("recognition stream failed; reopening after back-off", "err", err, "retry", s.cfg.RecognizerRetry)
	s.bus.publish(ErrorEvent{Stage: "recognizer", Err: err})
}

func (s *Session) drainResults() {
	l := &s.loop
	l.results = s.results.popAll(l.results[:0])
	for i := range l.results {
		r := l.results[i]
		if r.gen != s.gen {
			continue
		}
		s.bus.publish(TranscriptEvent{Transcript: r.tr})
		l.decisions = l.td.Transcript(l.decisions[:0], l.now, r.tr)
		s.apply()
	}
	clear(l.results)
}

// tick lets time pass. The detector only gets a Tick when frames stopped
// coming (silence suppression); otherwise frames carry the time.
func (s *Session) tick(now time.Duration) {
	l := &s.loop
	l.now = max(l.now, now)
	s.pollOutput()
	s.checkAgentTimeout()
	s.checkKeypad()
	if l.now-l.lastFrame >= 2*audio.FrameDuration {
		l.decisions = l.td.Tick(l.decisions[:0], l.now)
		s.apply()
	}
}

// pollOutput handles what the output reported: the turn's first frame
// played, after-speech actions due, the end of the turn reached.
func (s *Session) pollOutput() {
	if !s.out.pending.Swap(false) {
		return
	}
	l := &s.loop
	news := s.out.poll(l.marks[:0])
	l.marks = news.marks
	defer clear(l.marks)
	t := l.turn
	if t == nil {
		return
	}
	if news.started {
		t.metrics.FirstFrame = Stamp{At: news.firstAt, OK: true}
		l.td.BotAudible(l.now)
		s.bus.publish(BotSpeechStartedEvent{Turn: t.id})
	}
	for _, m := range news.marks {
		if m.action != nil {
			s.bus.publish(ActionEvent{Turn: t.id, Action: m.action})
		}
		if m.end {
			s.finishTurn(OutcomeCompleted)
			return
		}
	}
}

func (s *Session) checkAgentTimeout() {
	t := s.loop.turn
	if t == nil || t.agentCancel == nil || t.timedOut || s.cfg.AgentTimeout < 0 || t.firstText.Load() != 0 {
		return
	}
	if s.loop.now-t.metrics.Start.At >= s.cfg.AgentTimeout {
		t.timedOut = true
		t.agentCancel(ErrAgentTimeout)
	}
}

func (s *Session) drainCommands() {
	l := &s.loop
	l.cmds = s.cmds.popAll(l.cmds[:0])
	for _, c := range l.cmds {
		switch c.kind {
		case cmdSay, cmdReply:
			if !s.botOn.Load() {
				continue
			}
			if l.turn != nil {
				s.finishTurn(OutcomeReplaced)
			}
			if c.kind == cmdSay {
				s.startTurn(TriggerSay, "", "", c.text, Stamp{})
			} else {
				s.startTurn(TriggerReply, "", "", "", Stamp{})
			}
		case cmdDisable:
			if l.turn != nil {
				s.finishTurn(OutcomeReplaced)
			}
		}
	}
	clear(l.cmds)
}

// apply carries out the detector's decisions.
func (s *Session) apply() {
	l := &s.loop
	for i := range l.decisions {
		d := l.decisions[i]
		switch d.Kind {
		case DecisionSpeechStarted:
			s.bus.publish(SpeechStartedEvent{Onset: d.Onset})
		case DecisionSpeechStopped:
			s.bus.publish(SpeechStoppedEvent{Onset: d.Onset, End: d.SpeechEnd})
		case DecisionEndOfTurn:
			s.endOfTurn(d)
		case DecisionBargeIn:
			s.bargeIn(d)
		case DecisionInterrupt:
			s.interrupt(d)
		case DecisionResume:
			s.resume(d)
		}
	}
}

func (s *Session) endOfTurn(d Decision) {
	l := &s.loop
	if d.Replaces {
		s.history.setText(l.callerIdx, d.Text)
		if l.turn != nil {
			s.finishTurn(OutcomeReplaced)
		}
	} else {
		l.callerIdx = s.history.add(Message{Role: RoleCaller, Text: d.Text, Start: d.Onset, End: d.SpeechEnd})
	}
	answer := s.botOn.Load() && s.opts.agent != nil
	turn := 0
	if answer {
		turn = l.turnSeq + 1
	}
	s.bus.publish(EndOfTurnEvent{Turn: turn, Text: d.Text, Reason: d.EndReason, Replaces: d.Replaces,
		Onset: d.Onset, SpeechEnd: d.SpeechEnd, Silence: d.At - d.SpeechEnd})
	if answer {
		s.startTurn(TriggerCaller, d.Text, "", "", Stamp{At: d.SpeechEnd, OK: true})
	}
}

func (s *Session) bargeIn(d Decision) {
	t := s.loop.turn
	if t == nil {
		return
	}
	info := s.out.pause()
	if info.started && s.opts.flusher != nil {
		s.opts.flusher.Flush()
	}
	m := &t.metrics
	m.BargeIns++
	m.BargeInOnset = Stamp{At: d.Onset, OK: true}
	m.BargeInDecision = Stamp{At: d.At, OK: true}
	m.BargeInLastFrame = Stamp{At: info.lastAt, OK: info.started}
	s.stats.bargeIns.Add(1)
	s.bus.publish(BargeInEvent{Turn: t.id, Onset: d.Onset, Heard: heardText(t.fullText(), info.heard)})
}

func (s *Session) interrupt(d Decision) {
	l := &s.loop
	t := l.turn
	if t == nil {
		return
	}
	heard := heardText(t.fullText(), s.out.pause().heard)
	merged := false
	if !hasWords(heard) && t.trigger == TriggerCaller {
		if m, ok := s.history.removeLast(l.callerIdx); ok {
			l.td.Reopen(m.Text, m.Start)
			l.callerIdx, merged = -1, true
		}
	}
	s.stats.interruptions.Add(1)
	s.bus.publish(InterruptionEvent{Turn: t.id, Text: d.Text, Heard: heard, Merged: merged})
	s.finishTurn(OutcomeInterrupted)
}

func (s *Session) resume(d Decision) {
	t := s.loop.turn
	if t == nil {
		return
	}
	heard := s.out.resume()
	if d.ResumeReason == ResumeBackchannel {
		s.stats.backchannels.Add(1)
	} else {
		s.stats.falseInts.Add(1)
	}
	s.bus.publish(ResumeEvent{Turn: t.id, Reason: d.ResumeReason, Text: d.Text, From: heardText(t.fullText(), heard)})
}
