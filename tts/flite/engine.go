package flite

/*
#cgo LDFLAGS: -lflite_cmu_us_slt -lflite_cmu_us_rms -lflite_cmu_us_awb -lflite_cmu_us_kal -lflite_cmu_us_kal16 -lflite_cmulex -lflite_usenglish -lflite -lm -lpthread
#include <stdint.h>
#include "bridge.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// initEngine registers flite's voices. flite keeps them in process-wide C
// state that must be built exactly once before any synthesis; the C side
// does that under pthread_once, so this is safe to call from every New and
// holds no Go state.
func initEngine() { C.parley_flite_init() }

// nativeRate returns the sample rate voice v synthesizes at, in Hz.
func nativeRate(v voiceID) int { return int(C.parley_flite_voice_rate(C.int(v))) }

// Results of synthClause.
const (
	synthOK      = C.PARLEY_FLITE_OK
	synthStopped = C.PARLEY_FLITE_STOPPED
)

// synthClause speaks the NUL-terminated ASCII text with voice v on the
// calling thread, reporting groups and audio to the job behind h as they
// are produced (see parleyFliteGroups and parleyFliteAudio). It returns
// synthOK, synthStopped when the job asked to stop, or a negative flite
// failure.
func synthClause(v voiceID, text []byte, stretch, pitch float64, minBuffer int, h cgo.Handle) int {
	return int(C.parley_flite_synth(C.int(v), (*C.char)(unsafe.Pointer(&text[0])),
		C.float(stretch), C.float(pitch), C.int(minBuffer), C.uintptr_t(h)))
}

// parleyFliteGroups receives a clause's groups from C, once per clause,
// before its audio. It returns non-zero to stop the synthesis.
//
//export parleyFliteGroups
func parleyFliteGroups(h C.uintptr_t, g *C.parley_flite_group, n, rate C.int) C.int {
	j := cgo.Handle(h).Value().(*job)
	var groups []C.parley_flite_group
	if n > 0 {
		groups = unsafe.Slice(g, int(n))
	}
	j.setGroups(int(rate), len(groups), func(i int) (end, start, stop int) {
		return int(groups[i].end), int(groups[i].start), int(groups[i].stop)
	})
	if j.stopping() {
		return 1
	}
	return 0
}

// parleyFliteAudio receives a block of a clause's audio from C as the
// vocoder produces it; last marks the final block. It returns non-zero to
// stop the synthesis.
//
//export parleyFliteAudio
func parleyFliteAudio(h C.uintptr_t, s *C.short, n, last C.int) C.int {
	j := cgo.Handle(h).Value().(*job)
	var samples []int16
	if n > 0 {
		samples = unsafe.Slice((*int16)(unsafe.Pointer(s)), int(n))
	}
	if !j.addAudio(samples) {
		return 1
	}
	return 0
}
