package espeak

/*
#cgo LDFLAGS: -lespeak-ng
#include <stdlib.h>
#include <string.h>
#include <espeak-ng/espeak_ng.h>
#include "bridge.h"
*/
import "C"

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/cgo"
	"unsafe"
)

// engineLock serialises every use of espeak-ng in the process. espeak-ng
// keeps its current voice, its parameters and its synthesis buffers in C
// globals, so one clause at a time can be synthesized process-wide,
// whichever Synthesizer asks. This one-token channel is the Go side of
// that C state, not configuration, and the package's only package-level
// variable: a channel rather than a mutex so that waiting for it honours a
// request's context.
var engineLock = make(chan struct{}, 1)

// lockEngine waits for the engine, or for ctx or closing.
func lockEngine(ctx context.Context, closing <-chan struct{}) error {
	select {
	case engineLock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-closing:
		return ErrClosed
	}
}

func unlockEngine() { <-engineLock }

// nativeRate is espeak-ng's output rate for its own (non-MBROLA) voices.
const nativeRate = 22050

// initEngine initializes espeak-ng for the process with the data directory
// dir (empty for the system's), or checks that it was initialized with
// the same one.
func initEngine(dir string) error {
	if dir != "" {
		if err := checkDataPath(dir); err != nil {
			return err
		}
	}
	cdir := C.CString(dir)
	defer C.free(unsafe.Pointer(cdir))
	st := C.parley_espeak_init(cdir)
	switch {
	case st == C.PARLEY_ESPEAK_PATH_CONFLICT && sameDataPath(dir, dataPath()):
	case st == C.PARLEY_ESPEAK_PATH_CONFLICT:
		return fmt.Errorf("%w: %s in use, %s asked for; every tts.espeak.data_path in a process must be the same", ErrDataPathConflict, dataPath(), dir)
	case st != C.ENS_OK:
		where := dir
		if where == "" {
			where = "the system's default location"
		}
		return fmt.Errorf("%w in %s (%s): run `make deps` (it installs Debian's espeak-ng-data) or set tts.espeak.data_path", ErrDataNotFound, where, statusMessage(st))
	}
	if rate := int(C.espeak_ng_GetSampleRate()); rate != nativeRate {
		return fmt.Errorf("%w: espeak-ng synthesizes at %d Hz, want %d", ErrEngine, rate, nativeRate)
	}
	return nil
}

// dataPath returns the espeak-ng-data directory espeak-ng uses.
func dataPath() string {
	var p *C.char
	C.espeak_Info(&p)
	return C.GoString(p)
}

// sameDataPath reports whether the data path dir (empty for the system's)
// names the espeak-ng-data directory inUse.
func sameDataPath(dir, inUse string) bool {
	if dir == "" || inUse == "" {
		return false
	}
	inUse = filepath.Clean(inUse)
	return filepath.Clean(dir) == inUse || filepath.Join(dir, "espeak-ng-data") == inUse
}

// checkDataPath verifies that dir is, or holds, an espeak-ng-data directory.
func checkDataPath(dir string) error {
	for _, d := range []string{filepath.Join(dir, "espeak-ng-data"), dir} {
		if _, err := os.Stat(filepath.Join(d, "phontab")); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: %s holds no espeak-ng-data (no phontab file): run `make deps` (it installs Debian's espeak-ng-data) or fix tts.espeak.data_path", ErrDataNotFound, dir)
}

// statusMessage returns espeak-ng's description of a status code.
func statusMessage(st C.int) string {
	var buf [256]C.char
	C.espeak_ng_GetStatusCodeMessage(C.espeak_ng_STATUS(st), &buf[0], C.size_t(len(buf)))
	return C.GoString(&buf[0])
}

// synthesize speaks the NUL-terminated UTF-8 text with the voice whose
// espeak-ng identifier is voice, reporting audio and words to the job
// behind h. The engine lock must be held. It returns errStopped when the
// job asked to stop.
func synthesize(voice []byte, wpm, pitch int, text []byte, endPause bool, h cgo.Handle) error {
	pause := C.int(0)
	if endPause {
		pause = 1
	}
	st := C.parley_espeak_synth((*C.char)(unsafe.Pointer(&voice[0])), C.int(wpm), C.int(pitch),
		(*C.char)(unsafe.Pointer(&text[0])), pause, C.uintptr_t(h))
	switch {
	case st == C.ENS_OK:
		return nil
	case cgo.Handle(h).Value().(*job).stopped:
		return errStopped
	case st == C.ENS_VOICE_NOT_FOUND:
		return fmt.Errorf("%w: espeak-ng cannot load %s", ErrUnknownVoice, cString(voice))
	}
	return fmt.Errorf("%w: %s", ErrEngine, statusMessage(st))
}

// cString returns a NUL-terminated byte slice as a string.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// parleyEspeakAudio receives a buffer of audio and the events that belong
// to it while espeak-ng synthesizes. It returns 1 to abort the synthesis.
//
//export parleyEspeakAudio
func parleyEspeakAudio(h C.uintptr_t, wav *C.short, n C.int, ev *C.espeak_EVENT) C.int {
	j := cgo.Handle(h).Value().(*job)
	for e := ev; e != nil && e._type != C.espeakEVENT_LIST_TERMINATED; e = nextEvent(e) {
		if e._type == C.espeakEVENT_WORD {
			j.word(int(e.sample), int(e.text_position))
		}
	}
	if wav != nil && n > 0 {
		j.native = append(j.native, unsafe.Slice((*int16)(unsafe.Pointer(wav)), int(n))...)
	}
	if j.stopping() {
		j.stopped = true
		return 1
	}
	return 0
}

// nextEvent returns the event after e in espeak-ng's event array.
func nextEvent(e *C.espeak_EVENT) *C.espeak_EVENT {
	return (*C.espeak_EVENT)(unsafe.Add(unsafe.Pointer(e), unsafe.Sizeof(*e)))
}

// listVoices returns espeak-ng's voices. The engine lock must be held.
func listVoices() []voiceInfo {
	var out []voiceInfo
	list := C.espeak_ListVoices(nil)
	for p := list; p != nil && *p != nil; p = (**C.espeak_VOICE)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
		v := *p
		info := voiceInfo{
			identifier: C.GoString(v.identifier),
			display:    C.GoString(v.name),
			languages:  parseLanguages(v.languages),
		}
		switch v.gender {
		case 1:
			info.gender = "male"
		case 2:
			info.gender = "female"
		}
		out = append(out, info)
	}
	return out
}

// parseLanguages reads espeak-ng's language list: a priority byte and a
// NUL-terminated tag per language, ended by a zero byte.
func parseLanguages(p *C.char) []language {
	var out []language
	if p == nil {
		return nil
	}
	b := unsafe.Pointer(p)
	for {
		prio := *(*byte)(b)
		if prio == 0 {
			return out
		}
		b = unsafe.Add(b, 1)
		tag := C.GoString((*C.char)(b))
		out = append(out, language{tag: normTag(tag), priority: int(prio)})
		b = unsafe.Add(b, len(tag)+1)
	}
}
