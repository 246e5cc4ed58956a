package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/internal/speecheval"
	"github.com/parley-voice/parley/stt/sphinx"
)

// defaultUtterances is where bench speech looks for caller utterances when
// --utterances is not given: the reference domain's intents.
const defaultUtterances = "examples/retail/intents.yaml"

type benchSpeechFlags struct {
	utterances string
	limit      int
	latency    int
	streams    int
	synth      int
	espeak     bool
	asJSON     bool
}

func newBenchSpeechCmd() *cobra.Command {
	var f benchSpeechFlags
	cmd := &cobra.Command{
		Use:   "speech",
		Short: "Measure the local speech engines: accuracy, real-time factor, latency, memory",
		Long: `Synthesizes the caller utterances of an intents file with flite (voices slt,
rms, awb and kal16 in turn) and recognizes them with pocketsphinx, each as the
first utterance of a new call, at 16 kHz and through the telephone band (8 kHz,
G.711 mu-law, on an 8 kHz stream), with the energy voice activity detector
segmenting them as a session does. For each condition it reports the word error
rate (wer), the CPU seconds per second of audio (rtf), the final result's
latency after the end of speech is decided and after the last spoken sample
(measured on --latency-utterances streamed in real time, --streams at once),
the CPU per speaking stream and the memory of one decoder (decoder_mb, resident
memory growth). For flite's voices and espeak-ng's en-us it reports the time to
the first audio chunk and the real-time factor of synthesis.

Recognition runs as fast as the decoders go, so the run takes about a third of
the audio's duration per core, plus the real-time part.`,
		Example: `  parley bench speech
  parley bench speech --json --utterances ../shared/fixtures/retail/intents.yaml --limit 40`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := runBenchSpeech(cmd.Context(), cmd.ErrOrStderr(), f)
			if err != nil {
				return err
			}
			if f.asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(r)
			}
			printSpeechReport(cmd.OutOrStdout(), r)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.utterances, "utterances", "", "intents file whose examples are the utterances (default "+defaultUtterances+")")
	fl.IntVar(&f.limit, "limit", 0, "evaluate this many utterances, spread over the file (default all)")
	fl.IntVar(&f.latency, "latency-utterances", 20, "utterances streamed in real time for the latency figures")
	fl.IntVar(&f.streams, "streams", max(runtime.NumCPU(), 2), "streams recognized at once (decoders loaded)")
	fl.IntVar(&f.synth, "synthesis-texts", 40, "utterances each voice synthesizes for the synthesis figures")
	fl.BoolVar(&f.espeak, "espeak", true, "also measure espeak-ng synthesis")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON object")
	return cmd
}

// speechReport is the output of bench speech.
type speechReport struct {
	Utterances int                `json:"utterances"`
	Words      int                `json:"words"`
	AudioS     float64            `json:"audio_s"`
	STT        []sttBenchResult   `json:"stt"`
	TTS        []synthBenchResult `json:"tts"`
}

// sttBenchResult is one recognizer in one condition.
type sttBenchResult struct {
	Engine    string  `json:"engine"`
	Condition string  `json:"condition"`
	WER       float64 `json:"wer"`
	Errors    int     `json:"errors"`
	// RTF is the CPU seconds per second of audio.
	RTF float64 `json:"rtf"`
	// FinalLatency* are from the end of speech as the session decides it
	// to the final result; FinalAfterSpeech* from the last spoken sample.
	FinalLatencyP50     float64 `json:"final_latency_ms_p50"`
	FinalLatencyP95     float64 `json:"final_latency_ms_p95"`
	FinalAfterSpeechP50 float64 `json:"final_after_speech_ms_p50"`
	FinalAfterSpeechP95 float64 `json:"final_after_speech_ms_p95"`
	// CPUPerStream is the cores used per stream streamed in real time.
	CPUPerStream float64 `json:"cpu_per_stream"`
	DecoderMB    float64 `json:"decoder_mb"`
}

// synthBenchResult is one synthesizer voice.
type synthBenchResult struct {
	Engine        string  `json:"engine"`
	Voice         string  `json:"voice"`
	FirstChunkP50 float64 `json:"first_chunk_ms_p50"`
	FirstChunkP95 float64 `json:"first_chunk_ms_p95"`
	RTF           float64 `json:"rtf"`
}

func runBenchSpeech(ctx context.Context, progress io.Writer, f benchSpeechFlags) (speechReport, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if f.streams < 1 || f.limit < 0 || f.latency < 0 || f.synth < 1 {
		return speechReport{}, fmt.Errorf("bench speech: --streams and --synthesis-texts must be at least 1, --limit and --latency-utterances not negative")
	}
	us, err := benchUtterances(f.utterances)
	if err != nil {
		return speechReport{}, err
	}
	us = speecheval.Subset(us, f.limit)
	log := slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// Memory first: a process reuses the memory of decoders it freed.
	rec, decoderMB, err := loadMeasuredRecognizer(f.streams)
	if err != nil {
		return speechReport{}, err
	}
	defer rec.Close()
	log.Info("decoders loaded", "decoders", f.streams, "decoder_mb", decoderMB)

	voices, closeVoices, err := speecheval.LocalVoices(f.espeak)
	if err != nil {
		return speechReport{}, err
	}
	defer closeVoices()
	fliteVoices := voices[:len(speecheval.FliteVoices())]
	clips, err := speecheval.Synthesize(ctx, us, fliteVoices)
	if err != nil {
		return speechReport{}, err
	}
	r := speechReport{Utterances: len(clips)}
	for _, c := range clips {
		r.Words += len(speecheval.Words(c.Text))
		r.AudioS += c.Duration().Seconds()
	}
	r.AudioS = round2(r.AudioS)
	log.Info("utterances synthesized", "utterances", len(clips), "audio", time.Duration(r.AudioS*float64(time.Second)).Round(time.Second))
	for _, band := range speecheval.Bands() {
		res, err := benchRecognizer(ctx, log, rec, clips, band, f)
		if err != nil {
			return speechReport{}, err
		}
		res.DecoderMB = decoderMB
		r.STT = append(r.STT, res)
	}
	for _, v := range voices {
		res, err := benchSynthesizer(ctx, v, us, f.synth)
		if err != nil {
			return speechReport{}, err
		}
		log.Info("synthesis measured", "voice", v.Name, "first_chunk_ms_p50", res.FirstChunkP50, "rtf", res.RTF)
		r.TTS = append(r.TTS, res)
	}
	return r, nil
}

// benchUtterances loads the utterances from path, or from the default
// file when path is empty.
func benchUtterances(path string) ([]speecheval.Utterance, error) {
	if path == "" {
		if _, err := os.Stat(defaultUtterances); err != nil {
			return nil, fmt.Errorf("bench speech: no %s here: pass --utterances with an intents file "+
				"(for example ../shared/fixtures/retail/intents.yaml)", defaultUtterances)
		}
		path = defaultUtterances
	}
	return speecheval.LoadUtterances(path)
}

// loadMeasuredRecognizer loads a recognizer with n decoders and returns it
// with one decoder's resident memory in MB: the growth from a recognizer
// with one decoder to one with n+1, per decoder.
func loadMeasuredRecognizer(n int) (*sphinx.Recognizer, float64, error) {
	rss0, err := speecheval.ResidentBytes()
	if err != nil {
		return nil, 0, err
	}
	one, err := sphinx.New(sphinx.WithMaxDecoders(1), sphinx.WithPreloadDecoders(1))
	if err != nil {
		return nil, 0, fmt.Errorf("bench speech: %w", err)
	}
	rss1, err := speecheval.ResidentBytes()
	if err != nil {
		one.Close()
		return nil, 0, err
	}
	// Fast-fed clips must fit the backlog whole (see speecheval.WithRealTime).
	rec, err := sphinx.New(sphinx.WithMaxDecoders(n+1), sphinx.WithPreloadDecoders(n+1), sphinx.WithBacklog(time.Minute))
	if err != nil {
		one.Close()
		return nil, 0, fmt.Errorf("bench speech: %w", err)
	}
	rss2, err := speecheval.ResidentBytes()
	one.Close()
	if err != nil {
		rec.Close()
		return nil, 0, err
	}
	perDecoder := float64((rss2-rss1)-(rss1-rss0)) / float64(n) / (1 << 20)
	return rec, round2(perDecoder), nil
}

// benchRecognizer evaluates the recognizer in one band: every clip as fast
// as it decodes, then the latency subset in real time.
func benchRecognizer(ctx context.Context, log *slog.Logger, rec *sphinx.Recognizer, clips []speecheval.Clip,
	band speecheval.Band, f benchSpeechFlags) (sttBenchResult, error) {
	fast, err := speecheval.EvalStream(ctx, rec, clips, speecheval.WithBand(band), speecheval.WithConcurrency(f.streams))
	if err != nil {
		return sttBenchResult{}, err
	}
	res := sttBenchResult{Engine: "sphinx", Condition: band.String(), WER: round3(fast.WER()), Errors: fast.Errors,
		RTF: round3(fast.RTF())}
	log.Info("recognition measured", "condition", res.Condition, "wer", res.WER, "rtf", res.RTF)
	if f.latency == 0 {
		return res, nil
	}
	paced, err := speecheval.EvalStream(ctx, rec, speecheval.Subset(clips, f.latency),
		speecheval.WithBand(band), speecheval.WithConcurrency(f.streams), speecheval.WithRealTime(true))
	if err != nil {
		return sttBenchResult{}, err
	}
	res.FinalLatencyP50 = ms(paced.Latency(0.5, false))
	res.FinalLatencyP95 = ms(paced.Latency(0.95, false))
	res.FinalAfterSpeechP50 = ms(paced.Latency(0.5, true))
	res.FinalAfterSpeechP95 = ms(paced.Latency(0.95, true))
	res.CPUPerStream = round3(paced.CPUPerStream(f.streams))
	log.Info("latency measured", "condition", res.Condition, "final_latency_ms_p50", res.FinalLatencyP50,
		"final_latency_ms_p95", res.FinalLatencyP95)
	return res, nil
}

// benchSynthesizer measures one voice on the first texts of us.
func benchSynthesizer(ctx context.Context, v speecheval.Voice, us []speecheval.Utterance, n int) (synthBenchResult, error) {
	texts := make([]string, 0, n)
	for _, u := range speecheval.Subset(us, n) {
		texts = append(texts, u.Text)
	}
	r, err := speecheval.MeasureSynthesizer(ctx, v, texts)
	if err != nil {
		return synthBenchResult{}, err
	}
	engine, voice := v.Name, v.Voice
	if i := len(engine) - len(voice) - 1; i > 0 && engine[i] == '/' {
		engine = engine[:i]
	}
	return synthBenchResult{Engine: engine, Voice: voice, FirstChunkP50: ms(r.FirstChunkQuantile(0.5)),
		FirstChunkP95: ms(r.FirstChunkQuantile(0.95)), RTF: round3(r.RTF())}, nil
}

func printSpeechReport(w io.Writer, r speechReport) {
	fmt.Fprintf(w, "%d utterances, %d words, %.0f s of audio\n", r.Utterances, r.Words, r.AudioS)
	fmt.Fprintf(w, "%-8s %-9s %6s %6s %18s %18s %8s %10s\n", "engine", "condition", "wer", "rtf",
		"final ms p50/p95", "after speech p50", "cpu/strm", "decoder MB")
	for _, s := range r.STT {
		fmt.Fprintf(w, "%-8s %-9s %6.3f %6.3f %8.0f / %-7.0f %18.0f %8.3f %10.0f\n", s.Engine, s.Condition, s.WER, s.RTF,
			s.FinalLatencyP50, s.FinalLatencyP95, s.FinalAfterSpeechP50, s.CPUPerStream, s.DecoderMB)
	}
	fmt.Fprintf(w, "%-8s %-9s %22s %6s\n", "engine", "voice", "first chunk ms p50/p95", "rtf")
	for _, s := range r.TTS {
		fmt.Fprintf(w, "%-8s %-9s %10.1f / %-9.1f %6.3f\n", s.Engine, s.Voice, s.FirstChunkP50, s.FirstChunkP95, s.RTF)
	}
}

// ms converts a duration to milliseconds with one decimal.
func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*10) / 10 }

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
