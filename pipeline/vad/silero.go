package vad

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/parley-voice/parley/pipeline/audio"
)

// SileroModelFile is the file name of the Silero VAD v5 model, as shipped in
// the npm package @ricky0123/vad-web and installed by `make deps`.
const SileroModelFile = "silero_vad_v5.onnx"

// DefaultModelDir is where `make deps` puts model files, relative to the
// working directory.
const DefaultModelDir = "models"

// ModelsEnv names the environment variable holding a second model directory
// searched when the model is not under DefaultModelDir.
const ModelsEnv = "PARLEY_MODELS"

// SileroModel is a loaded Silero VAD v5 model: one ONNX Runtime session,
// shared by every stream scored with it.
//
// Silero VAD v5 scores 32 ms windows (512 samples at 16 kHz, plus the 64
// samples before them as context) with a recurrent network whose state is
// per stream. The session holds the weights once; each Silero detector holds
// only its stream's window and state (about 3 KB), so thousands of
// concurrent calls share one copy of the model.
//
// The published model is exported with a graph that runs slowly on ONNX
// Runtime (see silero_graph.go); LoadSilero rebuilds the 16 kHz network as
// a compact graph on the same weights and checks that it computes the same
// probabilities before using it. Windows of different streams that are
// scored at the same time run as one batched inference (see
// silero_batch.go) on a goroutine of the model, single-threaded, one
// inference at a time by default (WithConcurrentBatches): no added delay
// when a stream is alone, and batches that grow with the load.
//
// A SileroModel is safe for concurrent use. Close it when no new detectors are
// needed; it releases the session, and stops its goroutines, once the last
// detector is closed too.
type SileroModel struct {
	ort     *ortModel
	batch   *sileroBatcher
	path    string
	compact bool // running the rebuilt graph, not the published one

	mu     sync.Mutex
	refs   int // the model handle itself plus each open detector
	closed bool
}

// LoadSilero loads the Silero VAD v5 model at path (see ResolveModelPath for
// the default search) into ONNX Runtime, rebuilds its 16 kHz network and
// checks it with trial inferences. It takes about 250 ms and 10 MB, once per
// process. When the network cannot be rebuilt (a model exported
// differently), it runs the published graph and logs a warning.
//
// Errors: ErrModelNotFound (names the path and says to run `make deps`),
// ErrRuntimeUnavailable, ErrBadModel, ErrInvalidConfig for a bad option.
func LoadSilero(path string, opts ...Option) (*SileroModel, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return loadSilero(path, o)
}

func loadSilero(path string, o *options) (*SileroModel, error) {
	resolved, err := resolveModelPath(path, o.getenv)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(resolved)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrModelNotFound, resolved, err)
	}
	published, err := openORT(o.runtimeLib, data, publishedGraph)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", resolved, err)
	}
	if err := published.checkSileroV5(); err != nil {
		published.close()
		return nil, fmt.Errorf("loading %s: %w", resolved, err)
	}
	m := &SileroModel{ort: published, path: resolved, refs: 1}
	compact, err := compactSilero(o.runtimeLib, data, published)
	switch {
	case err == nil:
		published.close()
		m.ort, m.compact = compact, true
	case errors.Is(err, ErrRuntimeUnavailable):
		published.close()
		return nil, fmt.Errorf("loading %s: %w", resolved, err)
	default:
		o.logger.Warn("vad: running the published Silero graph, which costs several times more CPU per window",
			slog.String("model", resolved), slog.Any("reason", err))
		if err := trialRun(published); err != nil {
			published.close()
			return nil, fmt.Errorf("loading %s: %w", resolved, err)
		}
	}
	m.batch = newSileroBatcher(m.ort, o.maxBatch, o.batchRunners)
	return m, nil
}

// Path returns the model file the model was loaded from.
func (m *SileroModel) Path() string { return m.path }

// RuntimeVersion returns the ONNX Runtime version running the model.
func (m *SileroModel) RuntimeVersion() string { return m.ort.version }

// Stats returns how many windows the model has scored, in how many batched
// inferences. It is safe to call at any time.
func (m *SileroModel) Stats() SileroStats { return m.batch.stats() }

// NewDetector returns a Silero detector for one new stream. It fails with
// ErrClosed after Close.
func (m *SileroModel) NewDetector() (*Silero, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	m.refs++
	return &Silero{model: m, win: newSileroJob()}, nil
}

// Close stops the model from creating detectors. The session is released when
// the last open detector is closed as well. Close is idempotent.
func (m *SileroModel) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.releaseLocked()
	return nil
}

func (m *SileroModel) releaseLocked() {
	m.refs--
	if m.refs == 0 {
		m.batch.close()
		m.ort.close()
	}
}

func (m *SileroModel) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.releaseLocked()
}

// Silero is a Detector running Silero VAD v5 on one stream.
//
// Frames are buffered into the model's 512-sample windows: Process returns the
// probability of the latest complete window, so a decision lags the audio by
// at most one window (32 ms) and frames that complete no window repeat the
// previous probability. A window is scored together with the windows other
// streams submit at the same time (see SileroModel); Process blocks until
// its own is done. Process allocates nothing. A Silero is not safe for
// concurrent use.
type Silero struct {
	model *SileroModel
	win   *sileroJob // nil after Close
	fill  int        // samples of the current window received so far
	prob  float32
}

var _ Detector = (*Silero)(nil)

// Process implements Detector. It returns ErrBadFrame for a frame that is not
// 16 kHz of whole milliseconds, ErrInference when ONNX Runtime fails (the
// stream should then be Reset), and ErrClosed after Close.
func (d *Silero) Process(f audio.Frame) (float32, error) {
	if d.win == nil {
		return 0, ErrClosed
	}
	if err := checkFrame(f); err != nil {
		return 0, err
	}
	in := d.win.input[sileroContext:]
	for s := f.Samples; len(s) > 0; {
		n := min(len(s), sileroWindow-d.fill)
		dst := in[d.fill : d.fill+n]
		for i, v := range s[:n] {
			dst[i] = float32(v) * (1.0 / 32768)
		}
		d.fill += n
		s = s[n:]
		if d.fill == sileroWindow {
			p, err := d.model.batch.score(d.win)
			if err != nil {
				return 0, err
			}
			d.prob = p
			d.fill = 0
		}
	}
	return d.prob, nil
}

// resync drops the partial window and keeps the recurrent state: the next
// frame does not follow the last one but the audio in context (up to 64
// samples, the newest last), which becomes the model's context.
func (d *Silero) resync(context []int16) {
	if d.win == nil {
		return
	}
	d.fill = 0
	ctx := d.win.input[:sileroContext]
	context = context[max(0, len(context)-sileroContext):]
	pad := sileroContext - len(context)
	clear(ctx[:pad])
	for i, v := range context {
		ctx[pad+i] = float32(v) * (1.0 / 32768)
	}
}

// Reset implements Detector.
func (d *Silero) Reset() {
	if d.win == nil {
		return
	}
	d.win.reset()
	d.fill = 0
	d.prob = 0
}

// Close implements Detector: it releases the detector's hold on the model.
// It is idempotent.
func (d *Silero) Close() error {
	if d.win == nil {
		return nil
	}
	d.model.release()
	d.win = nil
	return nil
}

// checkFrame validates that f can be scored.
func checkFrame(f audio.Frame) error {
	if f.Rate != audio.PipelineRate {
		return fmt.Errorf("%w: got %d Hz", ErrBadFrame, f.Rate)
	}
	if len(f.Samples)%(audio.PipelineRate/1000) != 0 {
		return fmt.Errorf("%w: got %d samples", ErrBadFrame, len(f.Samples))
	}
	return nil
}

// ResolveModelPath returns the Silero model file to load. An explicit path is
// used as given. An empty path searches DefaultModelDir/SileroModelFile
// relative to the working directory, then $PARLEY_MODELS/SileroModelFile. A
// missing file is ErrModelNotFound, with the paths searched and what to do.
func ResolveModelPath(path string) (string, error) {
	return resolveModelPath(path, os.LookupEnv)
}

func resolveModelPath(path string, getenv func(string) (string, bool)) (string, error) {
	candidates := []string{path}
	if path == "" {
		candidates = []string{filepath.Join(DefaultModelDir, SileroModelFile)}
		if dir, ok := getenv(ModelsEnv); ok && dir != "" {
			candidates = append(candidates, filepath.Join(dir, SileroModelFile))
		}
	}
	for _, c := range candidates {
		st, err := os.Stat(c)
		if err == nil && st.Mode().IsRegular() {
			return c, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%w: %s: %v", ErrModelNotFound, c, err)
		}
	}
	return "", fmt.Errorf("%w: searched %s; run `make deps` to install it, or set the model path (vad.model_path or --model)",
		ErrModelNotFound, strings.Join(candidates, ", "))
}
