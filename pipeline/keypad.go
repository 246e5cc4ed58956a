package pipeline

import (
	"fmt"
	"strings"
)

// keypadQueue bounds the digits waiting for the loop: a caller cannot press
// keys faster than about ten a second, so this holds seconds of them.
const keypadQueue = 32

// maxKeypadEntry bounds one keypad entry; further digits are dropped until
// the entry ends.
const maxKeypadEntry = 64

// keypadDigits are the RFC 4733 events 0-15 as characters.
const keypadDigits = "0123456789*#ABCD"

// PushDTMF hands the session one keypad digit the caller pressed ('0'-'9',
// '*', '#', 'A'-'D'; 'a'-'d' are taken as upper case), once per key press,
// as the transport decoded it (RFC 4733, SIP INFO, a media WebSocket).
//
// A key press is a clear interruption: a bot turn in progress is cut off at
// once (history keeps what the caller heard). The digits of an entry reach
// the agent together in AgentRequest.DTMF, when the caller presses '#' (not
// included), when the entry has Hints.KeypadDigits digits, or after
// TurnConfig.KeypadTimeout without a key. It never blocks and does not
// allocate. It returns ErrBadDigit for a character that is not a keypad
// digit, ErrBusy when the loop is behind by more than 32 key presses, and
// ErrClosed after the session ended.
func (s *Session) PushDTMF(digit byte) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if 'a' <= digit && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	if strings.IndexByte(keypadDigits, digit) < 0 {
		return fmt.Errorf("%w: %q is not a keypad digit (0-9, *, #, A-D)", ErrBadDigit, digit)
	}
	if !s.keys.tryPush(digit) {
		return fmt.Errorf("%w: keypad queue full", ErrBusy)
	}
	return nil
}

// keypad is the loop's state of the caller's keypad entry.
type keypad struct {
	digits []byte
	last   int64 // session time of the last key, ns
	in     []byte
}

// drainKeys takes the digits pushed since the last wake-up.
func (s *Session) drainKeys() {
	l := &s.loop
	l.keypad.in = s.keys.popAll(l.keypad.in[:0])
	for _, d := range l.keypad.in {
		s.key(d)
	}
}

// key handles one digit: cut off the bot, publish it, add it to the entry,
// and end the entry on '#' or when it has the digits the agent asked for.
func (s *Session) key(d byte) {
	l := &s.loop
	if t := l.turn; t != nil {
		info := s.out.pause()
		if info.started && s.opts.flusher != nil {
			s.opts.flusher.Flush()
		}
		s.stats.interruptions.Add(1)
		s.bus.publish(InterruptionEvent{Turn: t.id, Heard: heardText(t.fullText(), info.heard)})
		s.finishTurn(OutcomeInterrupted)
	}
	s.bus.publish(KeyEvent{Digit: d})
	k := &l.keypad
	if d == '#' {
		s.endKeypad(true)
		return
	}
	if len(k.digits) < maxKeypadEntry {
		k.digits = append(k.digits, d)
	}
	k.last = int64(l.now)
	if n := l.hints.KeypadDigits; n > 0 && len(k.digits) >= n {
		s.endKeypad(false)
	}
}

// checkKeypad ends an entry after TurnConfig.KeypadTimeout without a key.
func (s *Session) checkKeypad() {
	l := &s.loop
	if len(l.keypad.digits) > 0 && int64(l.now)-l.keypad.last >= int64(s.cfg.Turn.KeypadTimeout) {
		s.endKeypad(false)
	}
}

// endKeypad gives the entry to the agent as a caller turn. A lone '#'
// (hash true, no digits) is an entry of its own: "#" for "press pound".
func (s *Session) endKeypad(hash bool) {
	l := &s.loop
	k := &l.keypad
	keys := string(k.digits)
	k.digits = k.digits[:0]
	if keys == "" {
		if !hash {
			return
		}
		keys = "#"
	}
	l.callerIdx = s.history.add(Message{Role: RoleCaller, DTMF: keys, Start: l.now, End: l.now})
	answer := s.botOn.Load() && s.opts.agent != nil
	turn := 0
	if answer {
		turn = l.turnSeq + 1
	}
	s.bus.publish(EndOfTurnEvent{Turn: turn, DTMF: keys, Reason: EndKeypad, Onset: l.now, SpeechEnd: l.now})
	if answer {
		s.startTurn(TriggerCaller, "", keys, "", Stamp{At: l.now, OK: true})
	}
}
