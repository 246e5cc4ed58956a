package vad

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A minimal, ABI-compatible view of the ONNX Runtime C API (OrtApi in
// onnxruntime_c_api.h, MIT licence, Microsoft). OrtApi is a table of function
// pointers that only ever grows at its end, so the first entries have the same
// position in every release since 1.14; entries this package does not call
// are padding. The static assertions below pin the positions.

typedef struct OrtStatus OrtStatus;
typedef struct OrtEnv OrtEnv;
typedef struct OrtSession OrtSession;
typedef struct OrtSessionOptions OrtSessionOptions;
typedef struct OrtRunOptions OrtRunOptions;
typedef struct OrtValue OrtValue;
typedef struct OrtMemoryInfo OrtMemoryInfo;
typedef struct OrtAllocator OrtAllocator;

enum {
	PARLEY_ORT_LOGGING_LEVEL_ERROR = 3,
	PARLEY_ORT_ENABLE_ALL = 99,
	PARLEY_ORT_DEVICE_ALLOCATOR = 0,
	PARLEY_ORT_MEM_TYPE_DEFAULT = 0,
	PARLEY_ONNX_FLOAT = 1,
	PARLEY_ONNX_INT64 = 7,
	PARLEY_ORT_MIN_API = 14,
};

typedef struct {
	void *CreateStatus;                                                     // 0
	int (*GetErrorCode)(const OrtStatus *);                                 // 1
	const char *(*GetErrorMessage)(const OrtStatus *);                      // 2
	OrtStatus *(*CreateEnv)(int, const char *, OrtEnv **);                  // 3
	void *unused4to6[3];                                                    // 4-6
	OrtStatus *(*CreateSession)(const OrtEnv *, const char *, const OrtSessionOptions *, OrtSession **); // 7
	OrtStatus *(*CreateSessionFromArray)(const OrtEnv *, const void *, size_t, const OrtSessionOptions *, OrtSession **); // 8
	OrtStatus *(*Run)(OrtSession *, const OrtRunOptions *, const char *const *, const OrtValue *const *, size_t,
	                  const char *const *, size_t, OrtValue **);          // 9
	OrtStatus *(*CreateSessionOptions)(OrtSessionOptions **);               // 10
	void *unused11to22[12];                                                 // 11-22
	OrtStatus *(*SetSessionGraphOptimizationLevel)(OrtSessionOptions *, int); // 23
	OrtStatus *(*SetIntraOpNumThreads)(OrtSessionOptions *, int);           // 24
	OrtStatus *(*SetInterOpNumThreads)(OrtSessionOptions *, int);           // 25
	void *unused26to29[4];                                                  // 26-29
	OrtStatus *(*SessionGetInputCount)(const OrtSession *, size_t *);       // 30
	OrtStatus *(*SessionGetOutputCount)(const OrtSession *, size_t *);      // 31
	void *unused32to35[4];                                                  // 32-35
	OrtStatus *(*SessionGetInputName)(const OrtSession *, size_t, OrtAllocator *, char **);  // 36
	OrtStatus *(*SessionGetOutputName)(const OrtSession *, size_t, OrtAllocator *, char **); // 37
	void *unused38to48[11];                                                 // 38-48
	OrtStatus *(*CreateTensorWithDataAsOrtValue)(const OrtMemoryInfo *, void *, size_t, const int64_t *, size_t,
	                                             int, OrtValue **);        // 49
	void *unused50to68[19];                                                 // 50-68
	OrtStatus *(*CreateCpuMemoryInfo)(int, int, OrtMemoryInfo **);          // 69
	void *unused70to75[6];                                                  // 70-75
	OrtStatus *(*AllocatorFree)(OrtAllocator *, void *);                    // 76
	void *unused77;                                                         // 77
	OrtStatus *(*GetAllocatorWithDefaultOptions)(OrtAllocator **);          // 78
	void *unused79to91[13];                                                 // 79-91
	void (*ReleaseEnv)(OrtEnv *);                                           // 92
	void (*ReleaseStatus)(OrtStatus *);                                     // 93
	void (*ReleaseMemoryInfo)(OrtMemoryInfo *);                             // 94
	void (*ReleaseSession)(OrtSession *);                                   // 95
	void (*ReleaseValue)(OrtValue *);                                       // 96
	void *unused97to99[3];                                                  // 97-99
	void (*ReleaseSessionOptions)(OrtSessionOptions *);                     // 100
} parley_ort_api;

_Static_assert(offsetof(parley_ort_api, Run) == 9 * sizeof(void *), "OrtApi.Run position");
_Static_assert(offsetof(parley_ort_api, SetInterOpNumThreads) == 25 * sizeof(void *), "OrtApi.SetInterOpNumThreads position");
_Static_assert(offsetof(parley_ort_api, SessionGetOutputName) == 37 * sizeof(void *), "OrtApi.SessionGetOutputName position");
_Static_assert(offsetof(parley_ort_api, CreateTensorWithDataAsOrtValue) == 49 * sizeof(void *), "OrtApi.CreateTensorWithDataAsOrtValue position");
_Static_assert(offsetof(parley_ort_api, CreateCpuMemoryInfo) == 69 * sizeof(void *), "OrtApi.CreateCpuMemoryInfo position");
_Static_assert(offsetof(parley_ort_api, GetAllocatorWithDefaultOptions) == 78 * sizeof(void *), "OrtApi.GetAllocatorWithDefaultOptions position");
_Static_assert(offsetof(parley_ort_api, ReleaseEnv) == 92 * sizeof(void *), "OrtApi.ReleaseEnv position");
_Static_assert(offsetof(parley_ort_api, ReleaseSessionOptions) == 100 * sizeof(void *), "OrtApi.ReleaseSessionOptions position");

typedef struct {
	const void *(*GetApi)(uint32_t);
	const char *(*GetVersionString)(void);
} parley_ort_api_base;

// parley_ort_load finds OrtGetApiBase: first among the libraries already
// loaded (the sherpa-onnx module links libonnxruntime into the binary), then
// by opening lib. It returns NULL and fills err on failure.
static const parley_ort_api *parley_ort_load(const char *lib, const char **version, char *err, size_t errlen) {
	typedef const parley_ort_api_base *(*base_fn)(void);
	base_fn f = (base_fn)dlsym(RTLD_DEFAULT, "OrtGetApiBase");
	if (f == NULL && lib != NULL && lib[0] != 0) {
		void *h = dlopen(lib, RTLD_NOW | RTLD_GLOBAL);
		if (h == NULL) {
			const char *e = dlerror();
			snprintf(err, errlen, "%s", e ? e : "dlopen failed");
			return NULL;
		}
		f = (base_fn)dlsym(h, "OrtGetApiBase");
	}
	if (f == NULL) {
		snprintf(err, errlen, "symbol OrtGetApiBase not found");
		return NULL;
	}
	const parley_ort_api_base *b = f();
	if (b == NULL) {
		snprintf(err, errlen, "OrtGetApiBase returned NULL");
		return NULL;
	}
	*version = b->GetVersionString();
	const parley_ort_api *api = (const parley_ort_api *)b->GetApi(PARLEY_ORT_MIN_API);
	if (api == NULL) {
		snprintf(err, errlen, "ONNX Runtime %s does not offer C API version %d", *version, PARLEY_ORT_MIN_API);
	}
	return api;
}

// parley_ort_error copies a status message into err, releases the status and
// reports whether there was an error.
static int parley_ort_error(const parley_ort_api *api, OrtStatus *st, char *err, size_t errlen) {
	if (st == NULL) {
		return 0;
	}
	snprintf(err, errlen, "%s", api->GetErrorMessage(st));
	api->ReleaseStatus(st);
	return 1;
}

typedef struct {
	const parley_ort_api *api;
	OrtEnv *env;
	OrtMemoryInfo *mem;
	OrtSession *session;
} parley_ort_model;

static void parley_ort_model_free(parley_ort_model *m) {
	if (m->session) m->api->ReleaseSession(m->session);
	if (m->mem) m->api->ReleaseMemoryInfo(m->mem);
	if (m->env) m->api->ReleaseEnv(m->env);
	m->session = NULL;
	m->mem = NULL;
	m->env = NULL;
}

// parley_ort_model_open creates one session for the model bytes: sequential
// execution on the calling thread (no thread pools), all graph optimisations.
static int parley_ort_model_open(parley_ort_model *m, const void *data, size_t len, char *err, size_t errlen) {
	const parley_ort_api *api = m->api;
	OrtSessionOptions *opts = NULL;
	if (parley_ort_error(api, api->CreateEnv(PARLEY_ORT_LOGGING_LEVEL_ERROR, "parley-vad", &m->env), err, errlen) ||
	    parley_ort_error(api, api->CreateCpuMemoryInfo(PARLEY_ORT_DEVICE_ALLOCATOR, PARLEY_ORT_MEM_TYPE_DEFAULT, &m->mem), err, errlen) ||
	    parley_ort_error(api, api->CreateSessionOptions(&opts), err, errlen)) {
		parley_ort_model_free(m);
		return 1;
	}
	int failed = parley_ort_error(api, api->SetIntraOpNumThreads(opts, 1), err, errlen) ||
	             parley_ort_error(api, api->SetInterOpNumThreads(opts, 1), err, errlen) ||
	             parley_ort_error(api, api->SetSessionGraphOptimizationLevel(opts, PARLEY_ORT_ENABLE_ALL), err, errlen) ||
	             parley_ort_error(api, api->CreateSessionFromArray(m->env, data, len, opts, &m->session), err, errlen);
	api->ReleaseSessionOptions(opts);
	if (failed) {
		parley_ort_model_free(m);
	}
	return failed;
}

// parley_ort_io_names writes the model's input (dir 0) or output (dir 1)
// names, separated by commas, into buf.
static int parley_ort_io_names(parley_ort_model *m, int dir, char *buf, size_t buflen, char *err, size_t errlen) {
	const parley_ort_api *api = m->api;
	OrtAllocator *alloc = NULL;
	size_t n = 0;
	if (parley_ort_error(api, api->GetAllocatorWithDefaultOptions(&alloc), err, errlen) ||
	    parley_ort_error(api, dir == 0 ? api->SessionGetInputCount(m->session, &n) : api->SessionGetOutputCount(m->session, &n), err, errlen)) {
		return 1;
	}
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char *name = NULL;
		OrtStatus *st = dir == 0 ? api->SessionGetInputName(m->session, i, alloc, &name)
		                         : api->SessionGetOutputName(m->session, i, alloc, &name);
		if (parley_ort_error(api, st, err, errlen)) {
			return 1;
		}
		size_t used = strlen(buf);
		snprintf(buf + used, buflen - used, "%s%s", i ? "," : "", name);
		parley_ort_error(api, api->AllocatorFree(alloc, name), err, errlen);
	}
	return 0;
}

enum {
	PARLEY_SILERO_CONTEXT = 64,
	PARLEY_SILERO_WINDOW = 512,
	PARLEY_SILERO_INPUT = PARLEY_SILERO_CONTEXT + PARLEY_SILERO_WINDOW,
	PARLEY_SILERO_STATE = 2 * 1 * 128,
};

// parley_silero_stream is one audio stream's tensors. The buffers live in C
// memory so that ONNX Runtime may keep pointers to them; the two recurrent
// state buffers alternate as input and output.
typedef struct {
	float input[PARLEY_SILERO_INPUT];
	float state[2][PARLEY_SILERO_STATE];
	int64_t sr;
	float prob;
	int cur;
	OrtValue *input_v;
	OrtValue *state_v[2];
	OrtValue *sr_v;
	OrtValue *prob_v;
} parley_silero_stream;

static void parley_silero_stream_free(const parley_ort_api *api, parley_silero_stream *s) {
	if (s == NULL) return;
	if (s->input_v) api->ReleaseValue(s->input_v);
	if (s->state_v[0]) api->ReleaseValue(s->state_v[0]);
	if (s->state_v[1]) api->ReleaseValue(s->state_v[1]);
	if (s->sr_v) api->ReleaseValue(s->sr_v);
	if (s->prob_v) api->ReleaseValue(s->prob_v);
	free(s);
}

static parley_silero_stream *parley_silero_stream_new(parley_ort_model *m, char *err, size_t errlen) {
	const parley_ort_api *api = m->api;
	parley_silero_stream *s = calloc(1, sizeof(parley_silero_stream));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->sr = 16000;
	int64_t in_shape[2] = {1, PARLEY_SILERO_INPUT};
	int64_t state_shape[3] = {2, 1, 128};
	int64_t sr_shape[1] = {1};
	int64_t prob_shape[2] = {1, 1};
	if (parley_ort_error(api, api->CreateTensorWithDataAsOrtValue(m->mem, s->input, sizeof(s->input), in_shape, 2, PARLEY_ONNX_FLOAT, &s->input_v), err, errlen) ||
	    parley_ort_error(api, api->CreateTensorWithDataAsOrtValue(m->mem, s->state[0], sizeof(s->state[0]), state_shape, 3, PARLEY_ONNX_FLOAT, &s->state_v[0]), err, errlen) ||
	    parley_ort_error(api, api->CreateTensorWithDataAsOrtValue(m->mem, s->state[1], sizeof(s->state[1]), state_shape, 3, PARLEY_ONNX_FLOAT, &s->state_v[1]), err, errlen) ||
	    parley_ort_error(api, api->CreateTensorWithDataAsOrtValue(m->mem, &s->sr, sizeof(s->sr), sr_shape, 1, PARLEY_ONNX_INT64, &s->sr_v), err, errlen) ||
	    parley_ort_error(api, api->CreateTensorWithDataAsOrtValue(m->mem, &s->prob, sizeof(s->prob), prob_shape, 2, PARLEY_ONNX_FLOAT, &s->prob_v), err, errlen)) {
		parley_silero_stream_free(api, s);
		return NULL;
	}
	return s;
}

static void parley_silero_stream_reset(parley_silero_stream *s) {
	memset(s->input, 0, sizeof(s->input));
	memset(s->state, 0, sizeof(s->state));
	s->prob = 0;
	s->cur = 0;
}

// parley_silero_run scores the window in s->input, advances the recurrent
// state and moves the window's last samples into the context.
static int parley_silero_run(parley_ort_model *m, parley_silero_stream *s, char *err, size_t errlen) {
	static const char *const in_names[3] = {"input", "state", "sr"};
	static const char *const out_names[2] = {"output", "stateN"};
	const OrtValue *ins[3] = {s->input_v, s->state_v[s->cur], s->sr_v};
	OrtValue *outs[2] = {s->prob_v, s->state_v[1 - s->cur]};
	if (parley_ort_error(m->api, m->api->Run(m->session, NULL, in_names, ins, 3, out_names, 2, outs), err, errlen)) {
		return 1;
	}
	s->cur = 1 - s->cur;
	memmove(s->input, s->input + PARLEY_SILERO_WINDOW, PARLEY_SILERO_CONTEXT * sizeof(float));
	return 0;
}
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	// The sherpa-onnx module ships ONNX Runtime (libonnxruntime.so) and links
	// it into the binary with an rpath; this package calls its C API.
	_ "github.com/k2-fsa/sherpa-onnx-go-linux"
)

// Sizes of a Silero VAD v5 window at 16 kHz, in samples.
const (
	sileroContext = C.PARLEY_SILERO_CONTEXT
	sileroWindow  = C.PARLEY_SILERO_WINDOW
	sileroInput   = C.PARLEY_SILERO_INPUT
)

// errBufLen is the size of the C buffers that receive error messages.
const errBufLen = 512

// ortModel is one ONNX Runtime session shared by every stream of a model.
// Its methods are safe for concurrent use: ONNX Runtime allows concurrent Run
// calls on one session.
type ortModel struct {
	m       C.parley_ort_model
	version string
}

// openORT loads ONNX Runtime (already linked, or from lib) and creates a
// session from the model bytes.
func openORT(lib string, model []byte) (*ortModel, error) {
	if len(model) == 0 {
		return nil, fmt.Errorf("%w: empty model file", ErrBadModel)
	}
	errBuf := (*C.char)(C.calloc(errBufLen, 1))
	defer C.free(unsafe.Pointer(errBuf))
	var clib *C.char
	if lib != "" {
		clib = C.CString(lib)
		defer C.free(unsafe.Pointer(clib))
	}
	var version *C.char
	api := C.parley_ort_load(clib, &version, errBuf, errBufLen)
	if api == nil {
		return nil, fmt.Errorf("%w: %s (build with the github.com/k2-fsa/sherpa-onnx-go-linux module, or set the runtime library path)",
			ErrRuntimeUnavailable, C.GoString(errBuf))
	}
	o := &ortModel{version: C.GoString(version)}
	o.m.api = api
	data := C.CBytes(model)
	defer C.free(data)
	if C.parley_ort_model_open(&o.m, data, C.size_t(len(model)), errBuf, errBufLen) != 0 {
		return nil, fmt.Errorf("%w: onnx runtime %s: %s", ErrBadModel, o.version, C.GoString(errBuf))
	}
	return o, nil
}

// ioNames returns the model's input or output names.
func (o *ortModel) ioNames(outputs bool) ([]string, error) {
	errBuf := (*C.char)(C.calloc(errBufLen, 1))
	defer C.free(unsafe.Pointer(errBuf))
	const n = 1024
	buf := (*C.char)(C.calloc(n, 1))
	defer C.free(unsafe.Pointer(buf))
	dir := C.int(0)
	if outputs {
		dir = 1
	}
	if C.parley_ort_io_names(&o.m, dir, buf, n, errBuf, errBufLen) != 0 {
		return nil, fmt.Errorf("%w: %s", ErrBadModel, C.GoString(errBuf))
	}
	s := C.GoString(buf)
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, ","), nil
}

// close releases the session. No stream may use it afterwards.
func (o *ortModel) close() {
	C.parley_ort_model_free(&o.m)
}

// ortStream is one audio stream's Silero tensors, in C memory. It is not safe
// for concurrent use.
type ortStream struct {
	s      *C.parley_silero_stream
	input  []float32 // view of s.input: context then window
	errBuf *C.char
}

// newStream allocates a stream's tensors on o.
func (o *ortModel) newStream() (*ortStream, error) {
	errBuf := (*C.char)(C.calloc(errBufLen, 1))
	s := C.parley_silero_stream_new(&o.m, errBuf, errBufLen)
	if s == nil {
		msg := C.GoString(errBuf)
		C.free(unsafe.Pointer(errBuf))
		return nil, fmt.Errorf("%w: creating tensors: %s", ErrInference, msg)
	}
	return &ortStream{
		s:      s,
		input:  unsafe.Slice((*float32)(unsafe.Pointer(&s.input[0])), sileroInput),
		errBuf: errBuf,
	}, nil
}

// run scores the window held in input[sileroContext:] and returns the speech
// probability. It allocates nothing on success.
func (o *ortModel) run(st *ortStream) (float32, error) {
	if C.parley_silero_run(&o.m, st.s, st.errBuf, errBufLen) != 0 {
		return 0, fmt.Errorf("%w: %s", ErrInference, C.GoString(st.errBuf))
	}
	return float32(st.s.prob), nil
}

// reset zeroes the stream's audio context and recurrent state.
func (st *ortStream) reset() {
	C.parley_silero_stream_reset(st.s)
}

// free releases the stream's tensors.
func (o *ortModel) freeStream(st *ortStream) {
	C.parley_silero_stream_free(o.m.api, st.s)
	C.free(unsafe.Pointer(st.errBuf))
	st.s, st.input, st.errBuf = nil, nil, nil
}

// checkSileroV5 verifies the session has Silero v5's inputs and outputs.
func (o *ortModel) checkSileroV5() error {
	ins, err := o.ioNames(false)
	if err != nil {
		return err
	}
	outs, err := o.ioNames(true)
	if err != nil {
		return err
	}
	if strings.Join(ins, ",") != "input,state,sr" || strings.Join(outs, ",") != "output,stateN" {
		return fmt.Errorf("%w: inputs %v, outputs %v (want [input state sr], [output stateN])", ErrBadModel, ins, outs)
	}
	return nil
}
