package pipeline

import "fmt"

// DebugOutput describes the output buffer's state, for test failures.
func (s *Session) DebugOutput() string {
	o := s.out
	o.mu.Lock()
	defer o.mu.Unlock()
	return fmt.Sprintf("r=%d w=%d keep=%d turn=%d paused=%v ended=%v started=%v segs=%d marks=%d waiting=%v pending=%v",
		o.r, o.w, o.keep, o.turn, o.paused, o.ended, o.started, o.segs.n, o.marks.n, o.waiting, o.pending.Load())
}
