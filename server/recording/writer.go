package recording

import (
	"fmt"
	"time"

	"github.com/parley-voice/parley/pipeline/audio"
)

// mixer is the writer goroutine's state: each side's audio from the
// written position on, and the file.
type mixer struct {
	r       *Recording
	caller  []int16 // caller audio from position pos on
	bot     []int16 // bot audio from position pos on
	pos     int64   // timeline position written, at the pipeline rate
	maxLag  int     // samples one side may run ahead of the other before the lagging side is padded
	down    [2]*audio.Resampler
	left    []int16
	right   []int16
	wav     *audio.WAVWriter
	file    File
	flushed time.Time
	failed  bool
}

// run is the writer goroutine.
func (r *Recording) run() {
	defer close(r.done)
	buffered := int(r.cfg.Buffer / audio.FrameDuration * slotSamples)
	m := &mixer{r: r, maxLag: buffered / 2, caller: make([]int16, 0, 2*buffered), bot: make([]int16, 0, 2*buffered)}
	m.open()
	tick := r.o.clock.NewTicker(r.o.wake)
	defer tick.Stop()
	for {
		select {
		case <-r.wake:
		case <-tick.C():
		case <-r.stop:
			m.drain(true)
			m.close()
			return
		}
		m.drain(false)
	}
}

// open creates the file and writes the header.
func (m *mixer) open() {
	r := m.r
	f, err := r.o.create(r.path)
	if err != nil {
		m.failed = true
		r.fail(err)
		return
	}
	w, err := audio.NewWAVWriter(f, r.cfg.Rate, 2)
	if err != nil {
		f.Close()
		m.failed = true
		r.fail(err)
		return
	}
	m.file, m.wav, m.flushed = f, w, r.o.clock.Now()
	if r.cfg.Rate != audio.PipelineRate {
		for i := range m.down {
			if m.down[i], err = audio.NewResampler(audio.PipelineRate, r.cfg.Rate); err != nil {
				m.failed = true
				r.fail(err)
				return
			}
		}
	}
}

// drain moves the rings' audio to the file: both channels up to where both
// have audio, or further when one runs more than maxLag ahead (the other
// is padded with silence), or everything when final. It works in pieces of
// at most the pending buffers' capacity, so it never allocates.
func (m *mixer) drain(final bool) {
	r := m.r
	for {
		m.caller = r.caller.popTo(m.caller, m.pos, cap(m.caller))
		m.bot = r.bot.popTo(m.bot, m.pos, cap(m.bot))
		more := r.caller.queued() || r.bot.queued()
		lc, lb := len(m.caller), len(m.bot)
		n := min(lc, lb)
		if hi := max(lc, lb); hi-n > m.maxLag {
			n = hi - m.maxLag
		}
		if final && !more {
			n = max(lc, lb)
			for _, sd := range [...]*side{r.caller, r.bot} {
				if end, ok := sd.end(); ok { // dropped frames at the very end
					n = max(n, min(int(end-m.pos), cap(m.caller)))
				}
			}
		}
		if n <= 0 {
			break
		}
		m.caller = padTo(m.caller, n)
		m.bot = padTo(m.bot, n)
		m.write(m.caller[:n], m.bot[:n])
		m.caller = shift(m.caller, n)
		m.bot = shift(m.bot, n)
		m.pos += int64(n)
		if !more && (!final || n < cap(m.caller)) {
			break
		}
	}
	if !final && !m.failed && m.wav != nil && r.o.clock.Now().Sub(m.flushed) >= r.cfg.FlushInterval {
		m.flushed = r.o.clock.Now()
		if err := m.wav.Flush(); err != nil {
			m.failed = true
			r.fail(err)
		}
	}
}

// write appends the two channels (equal lengths) to the file, resampled
// to the file's rate.
func (m *mixer) write(left, right []int16) {
	if m.failed {
		return
	}
	if m.down[0] != nil {
		m.left = m.down[0].Process(m.left[:0], left)
		m.right = m.down[1].Process(m.right[:0], right)
		k := min(len(m.left), len(m.right))
		left, right = m.left[:k], m.right[:k]
	}
	if err := m.wav.WriteStereo(left, right); err != nil {
		m.failed = true
		m.r.writeFails.Add(1)
		m.r.fail(err)
		return
	}
	m.r.written.Add(int64(len(left)))
}

// close patches the header and closes the file.
func (m *mixer) close() {
	if m.file == nil {
		return
	}
	if m.down[0] != nil && !m.failed { // the resamplers' filter delay
		m.left = m.down[0].Flush(m.left[:0])
		m.right = m.down[1].Flush(m.right[:0])
		k := min(len(m.left), len(m.right))
		if err := m.wav.WriteStereo(m.left[:k], m.right[:k]); err != nil {
			m.failed = true
			m.r.fail(err)
		} else {
			m.r.written.Add(int64(k))
		}
	}
	if m.wav != nil && !m.failed {
		if err := m.wav.Close(); err != nil {
			m.r.fail(err)
		}
	}
	if err := m.file.Close(); err != nil {
		m.r.fail(fmt.Errorf("closing: %w", err))
	}
}

// padTo extends p with silence to n samples.
func padTo(p []int16, n int) []int16 {
	if len(p) >= n {
		return p
	}
	return appendSilence(p, n-len(p))
}

// shift drops the first n samples of p, keeping its array.
func shift(p []int16, n int) []int16 {
	k := copy(p, p[n:])
	return p[:k]
}
