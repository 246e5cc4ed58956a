package vad

/*
#cgo CFLAGS: -O3
#cgo LDFLAGS: -ldl -lm
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silero_stft.h"

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
	PARLEY_ORT_SEQUENTIAL = 0,
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
	void *unused11to12[2];                                                  // 11-12
	OrtStatus *(*SetSessionExecutionMode)(OrtSessionOptions *, int);        // 13
	void *unused14to22[9];                                                  // 14-22
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
	void *unused101to129[29];                                               // 101-129
	OrtStatus *(*AddSessionConfigEntry)(OrtSessionOptions *, const char *, const char *); // 130
} parley_ort_api;

_Static_assert(offsetof(parley_ort_api, Run) == 9 * sizeof(void *), "OrtApi.Run position");
_Static_assert(offsetof(parley_ort_api, SetSessionExecutionMode) == 13 * sizeof(void *), "OrtApi.SetSessionExecutionMode position");
_Static_assert(offsetof(parley_ort_api, SetSessionGraphOptimizationLevel) == 23 * sizeof(void *), "OrtApi.SetSessionGraphOptimizationLevel position");
_Static_assert(offsetof(parley_ort_api, SetInterOpNumThreads) == 25 * sizeof(void *), "OrtApi.SetInterOpNumThreads position");
_Static_assert(offsetof(parley_ort_api, SessionGetOutputName) == 37 * sizeof(void *), "OrtApi.SessionGetOutputName position");
_Static_assert(offsetof(parley_ort_api, CreateTensorWithDataAsOrtValue) == 49 * sizeof(void *), "OrtApi.CreateTensorWithDataAsOrtValue position");
_Static_assert(offsetof(parley_ort_api, CreateCpuMemoryInfo) == 69 * sizeof(void *), "OrtApi.CreateCpuMemoryInfo position");
_Static_assert(offsetof(parley_ort_api, GetAllocatorWithDefaultOptions) == 78 * sizeof(void *), "OrtApi.GetAllocatorWithDefaultOptions position");
_Static_assert(offsetof(parley_ort_api, ReleaseEnv) == 92 * sizeof(void *), "OrtApi.ReleaseEnv position");
_Static_assert(offsetof(parley_ort_api, ReleaseSessionOptions) == 100 * sizeof(void *), "OrtApi.ReleaseSessionOptions position");
_Static_assert(offsetof(parley_ort_api, AddSessionConfigEntry) == 130 * sizeof(void *), "OrtApi.AddSessionConfigEntry position");

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
	// rebuilt: the session runs the rebuilt 16 kHz graph, which takes the
	// STFT magnitudes of each row (computed here, with stft) instead of
	// its samples and the sample rate.
	int rebuilt;
	parley_stft stft;
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
// execution on the calling thread, all graph optimisations. With one
// intra-op thread ONNX Runtime makes no thread pool, so no thread spins
// waiting for work; spinning is switched off as well in case a runtime
// version makes a pool anyway.
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
	             parley_ort_error(api, api->SetSessionExecutionMode(opts, PARLEY_ORT_SEQUENTIAL), err, errlen) ||
	             parley_ort_error(api, api->AddSessionConfigEntry(opts, "session.intra_op.allow_spinning", "0"), err, errlen) ||
	             parley_ort_error(api, api->AddSessionConfigEntry(opts, "session.inter_op.allow_spinning", "0"), err, errlen) ||
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
	PARLEY_SILERO_HIDDEN = 128,
	PARLEY_SILERO_MAG = PARLEY_STFT_FRAMES * PARLEY_STFT_BINS,
	PARLEY_LANE_VALUES = 4, // input (samples or magnitudes), state in, state out, probability
};

// parley_silero_lane holds the tensors of batched runs of up to cap windows.
// The buffers live in C memory so that ONNX Runtime may keep pointers to
// them. For a batch of b windows, row r of the input is input[r*576...] (and
// its STFT magnitudes mag[r*516...] for the rebuilt graph), and the
// recurrent state is [2, b, 128]: layer l of row r at (l*b + r)*128. The
// tensors viewing the first b rows are made on first use and kept.
typedef struct {
	int cap;
	float *input;
	float *mag;
	float *state_in;
	float *state_out;
	float *prob;
	int64_t sr;
	OrtValue *sr_v;
	OrtValue **values; // PARLEY_LANE_VALUES per batch size, for b = 1..cap
	char err[512];
} parley_silero_lane;

static void parley_silero_lane_free(const parley_ort_api *api, parley_silero_lane *l) {
	if (l == NULL) return;
	if (l->values) {
		for (int i = 0; i < l->cap * PARLEY_LANE_VALUES; i++) {
			if (l->values[i]) api->ReleaseValue(l->values[i]);
		}
		free(l->values);
	}
	if (l->sr_v) api->ReleaseValue(l->sr_v);
	free(l->input);
	free(l->mag);
	free(l->state_in);
	free(l->state_out);
	free(l->prob);
	free(l);
}

static parley_silero_lane *parley_silero_lane_new(parley_ort_model *m, int cap, char *err, size_t errlen) {
	parley_silero_lane *l = calloc(1, sizeof(parley_silero_lane));
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->cap = cap;
	l->sr = 16000;
	l->input = calloc((size_t)cap * PARLEY_SILERO_INPUT, sizeof(float));
	l->mag = calloc((size_t)cap * PARLEY_SILERO_MAG, sizeof(float));
	l->state_in = calloc((size_t)cap * 2 * PARLEY_SILERO_HIDDEN, sizeof(float));
	l->state_out = calloc((size_t)cap * 2 * PARLEY_SILERO_HIDDEN, sizeof(float));
	l->prob = calloc((size_t)cap, sizeof(float));
	l->values = calloc((size_t)cap * PARLEY_LANE_VALUES, sizeof(OrtValue *));
	if (l->input == NULL || l->mag == NULL || l->state_in == NULL || l->state_out == NULL || l->prob == NULL || l->values == NULL) {
		snprintf(err, errlen, "out of memory");
		parley_silero_lane_free(m->api, l);
		return NULL;
	}
	int64_t sr_shape[1] = {1};
	if (parley_ort_error(m->api, m->api->CreateTensorWithDataAsOrtValue(m->mem, &l->sr, sizeof(l->sr), sr_shape, 1, PARLEY_ONNX_INT64, &l->sr_v), err, errlen)) {
		parley_silero_lane_free(m->api, l);
		return NULL;
	}
	return l;
}

// parley_silero_lane_values returns the tensors viewing the first b rows,
// making them on first use.
static OrtValue **parley_silero_lane_values(parley_ort_model *m, parley_silero_lane *l, int b) {
	const parley_ort_api *api = m->api;
	OrtValue **v = l->values + (size_t)(b - 1) * PARLEY_LANE_VALUES;
	if (v[0] != NULL) {
		return v;
	}
	int64_t in_shape[2] = {b, PARLEY_SILERO_INPUT};
	int64_t mag_shape[3] = {b, PARLEY_STFT_FRAMES, PARLEY_STFT_BINS};
	int64_t state_shape[3] = {2, b, PARLEY_SILERO_HIDDEN};
	int64_t prob_shape[2] = {b, 1};
	size_t state_bytes = (size_t)b * 2 * PARLEY_SILERO_HIDDEN * sizeof(float);
	OrtValue *made[PARLEY_LANE_VALUES] = {NULL};
	OrtStatus *in_status = m->rebuilt
		? api->CreateTensorWithDataAsOrtValue(m->mem, l->mag, (size_t)b * PARLEY_SILERO_MAG * sizeof(float), mag_shape, 3, PARLEY_ONNX_FLOAT, &made[0])
		: api->CreateTensorWithDataAsOrtValue(m->mem, l->input, (size_t)b * PARLEY_SILERO_INPUT * sizeof(float), in_shape, 2, PARLEY_ONNX_FLOAT, &made[0]);
	if (parley_ort_error(api, in_status, l->err, sizeof(l->err)) ||
	    parley_ort_error(api, api->CreateTensorWithDataAsOrtValue(m->mem, l->state_in, state_bytes, state_shape, 3, PARLEY_ONNX_FLOAT, &made[1]), l->err, sizeof(l->err)) ||
	    parley_ort_error(api, api->CreateTensorWithDataAsOrtValue(m->mem, l->state_out, state_bytes, state_shape, 3, PARLEY_ONNX_FLOAT, &made[2]), l->err, sizeof(l->err)) ||
	    parley_ort_error(api, api->CreateTensorWithDataAsOrtValue(m->mem, l->prob, (size_t)b * sizeof(float), prob_shape, 2, PARLEY_ONNX_FLOAT, &made[3]), l->err, sizeof(l->err))) {
		for (int i = 0; i < PARLEY_LANE_VALUES; i++) {
			if (made[i]) api->ReleaseValue(made[i]);
		}
		return NULL;
	}
	memcpy(v, made, sizeof(made));
	return v;
}

// parley_silero_lane_run scores the first b rows of the lane in one run:
// probabilities into prob, next states into state_out. For the rebuilt
// graph it first computes each row's STFT magnitudes. On failure it returns
// 1 with the message in l->err.
static int parley_silero_lane_run(parley_ort_model *m, parley_silero_lane *l, int b) {
	static const char *const published_in[3] = {"input", "state", "sr"};
	static const char *const rebuilt_in[2] = {"mag", "state"};
	static const char *const out_names[2] = {"output", "stateN"};
	if (b < 1 || b > l->cap) {
		snprintf(l->err, sizeof(l->err), "batch of %d rows in a lane of %d", b, l->cap);
		return 1;
	}
	OrtValue **v = parley_silero_lane_values(m, l, b);
	if (v == NULL) {
		return 1;
	}
	if (m->rebuilt) {
		for (int r = 0; r < b; r++) {
			parley_stft_magnitudes(&m->stft, l->input + (size_t)r * PARLEY_SILERO_INPUT, l->mag + (size_t)r * PARLEY_SILERO_MAG);
		}
	}
	const OrtValue *ins[3] = {v[0], v[1], l->sr_v};
	OrtValue *outs[2] = {v[3], v[2]};
	OrtStatus *st = m->rebuilt
		? m->api->Run(m->session, NULL, rebuilt_in, ins, 2, out_names, 2, outs)
		: m->api->Run(m->session, NULL, published_in, ins, 3, out_names, 2, outs);
	return parley_ort_error(m->api, st, l->err, sizeof(l->err));
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

// ortGraph says which Silero graph a session runs, and so what it is fed.
type ortGraph int

const (
	// publishedGraph takes each window's samples and the sample rate.
	publishedGraph ortGraph = iota
	// rebuiltGraph takes each window's STFT magnitudes (see
	// silero_stft.h), computed before the run.
	rebuiltGraph
)

// openORT loads ONNX Runtime (already linked, or from lib) and creates a
// session from the model bytes, a graph of the given kind.
func openORT(lib string, model []byte, graph ortGraph) (*ortModel, error) {
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
	if graph == rebuiltGraph {
		o.m.rebuilt = 1
		C.parley_stft_init(&o.m.stft)
	}
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

// close releases the session. No lane may use it afterwards.
func (o *ortModel) close() {
	C.parley_ort_model_free(&o.m)
}

// ortLane is the C memory of batched runs of up to capacity windows, with
// Go views of its buffers. It is not safe for concurrent use.
type ortLane struct {
	l        *C.parley_silero_lane
	capacity int
	input    []float32 // capacity rows of context then window
	stateIn  []float32 // [2, b, 128] for a batch of b rows
	stateOut []float32 // [2, b, 128]
	prob     []float32 // one per row
}

// newLane allocates a lane for batches of up to capacity windows.
func (o *ortModel) newLane(capacity int) (*ortLane, error) {
	errBuf := (*C.char)(C.calloc(errBufLen, 1))
	defer C.free(unsafe.Pointer(errBuf))
	l := C.parley_silero_lane_new(&o.m, C.int(capacity), errBuf, errBufLen)
	if l == nil {
		return nil, fmt.Errorf("%w: creating tensors: %s", ErrInference, C.GoString(errBuf))
	}
	state := capacity * sileroState
	return &ortLane{
		l:        l,
		capacity: capacity,
		input:    unsafe.Slice((*float32)(unsafe.Pointer(l.input)), capacity*sileroInput),
		stateIn:  unsafe.Slice((*float32)(unsafe.Pointer(l.state_in)), state),
		stateOut: unsafe.Slice((*float32)(unsafe.Pointer(l.state_out)), state),
		prob:     unsafe.Slice((*float32)(unsafe.Pointer(l.prob)), capacity),
	}, nil
}

// run scores the first rows of the lane in one inference. It allocates
// nothing on success once the lane has run a batch of that size before.
func (o *ortModel) run(l *ortLane, rows int) error {
	if C.parley_silero_lane_run(&o.m, l.l, C.int(rows)) != 0 {
		return fmt.Errorf("%w: %s", ErrInference, C.GoString(&l.l.err[0]))
	}
	return nil
}

// stftMagnitudes computes the STFT magnitudes of one row, the rebuilt
// graph's input (stftFrames frames of stftBins bins), with tables of its
// own: the sessions' own transform, for checks.
func stftMagnitudes(x *[sileroInput]float32, mag *[stftFrames * stftBins]float32) {
	var s C.parley_stft
	C.parley_stft_init(&s)
	C.parley_stft_magnitudes(&s, (*C.float)(unsafe.Pointer(&x[0])), (*C.float)(unsafe.Pointer(&mag[0])))
}

// freeLane releases the lane's memory and tensors.
func (o *ortModel) freeLane(l *ortLane) {
	C.parley_silero_lane_free(o.m.api, l.l)
	*l = ortLane{}
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
