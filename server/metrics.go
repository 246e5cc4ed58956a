package server

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-voice/parley/pipeline"
)

// latencyBuckets are the histograms' buckets in seconds: fine around the
// sub-second latencies a voice agent lives in, up to the slow tail.
func latencyBuckets() []float64 {
	return []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9, 1, 1.25, 1.5, 2, 3, 5, 10}
}

// metrics are the server's Prometheus metrics, in a registry of its own
// (never the global one), served at /metrics.
type metrics struct {
	reg *prometheus.Registry

	endOfTurn    prometheus.Histogram
	sttFinal     prometheus.Histogram
	agentFirst   prometheus.Histogram
	ttsFirst     prometheus.Histogram
	voiceToVoice prometheus.Histogram
	bargeInStop  prometheus.Histogram
	recordWrite  prometheus.Histogram

	calls         *prometheus.CounterVec
	bargeIns      prometheus.Counter
	errors        *prometheus.CounterVec
	activeCalls   prometheus.Gauge
	recDropped    *prometheus.CounterVec
	recordRetries prometheus.Counter
}

func newMetrics(hub *hub) *metrics {
	hist := func(name, help string) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: latencyBuckets()})
	}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		endOfTurn: hist("parley_vad_end_of_turn_seconds",
			"Time from the end of the caller's speech to the end-of-turn decision."),
		sttFinal: hist("parley_stt_final_seconds",
			"Time from the end of the caller's speech to the recognizer's final result."),
		agentFirst: hist("parley_agent_first_sentence_seconds",
			"Time from the start of a bot turn to the agent's first sentence."),
		ttsFirst: hist("parley_tts_first_audio_seconds",
			"Time from the agent's first sentence to the synthesizer's first audio."),
		voiceToVoice: hist("parley_voice_to_voice_seconds",
			"Time from the end of the caller's speech to the bot's first audio frame handed to the transport."),
		bargeInStop: hist("parley_barge_in_stop_seconds",
			"Time from the caller's speech onset to the last bot frame sent before the bot paused."),
		recordWrite: hist("parley_records_write_seconds",
			"Time to commit one call record write to the records database."),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_calls_total",
			Help: "Calls by channel and outcome (the end reason, or busy and rejected for refused calls)."},
			[]string{"channel", "outcome"}),
		bargeIns: prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_barge_ins_total",
			Help: "Times a caller spoke over the bot and paused it."}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_errors_total",
			Help: "Engine and server failures calls survived, by stage."}, []string{"stage"}),
		activeCalls: prometheus.NewGauge(prometheus.GaugeOpts{Name: "parley_active_calls",
			Help: "Calls in progress."}),
		recDropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_recording_dropped_frames_total",
			Help: "Recording frames dropped because the disk was too slow, by side."}, []string{"side"}),
		recordRetries: prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_records_write_failures_total",
			Help: "Call record write attempts that failed (and were retried)."}),
	}
	m.reg.MustRegister(m.endOfTurn, m.sttFinal, m.agentFirst, m.ttsFirst, m.voiceToVoice, m.bargeInStop,
		m.recordWrite, m.calls, m.bargeIns, m.errors, m.activeCalls, m.recDropped, m.recordRetries,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "parley_live_events_dropped_total",
			Help: "Live events lost by slow /api/events clients."}, func() float64 { return float64(hub.dropped.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "parley_live_event_clients",
			Help: "Connected /api/events clients."}, func() float64 { return float64(hub.clientCount()) }),
	)
	return m
}

// handler serves the registry in the Prometheus exposition formats.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4,
		Timeout: 10 * time.Second})
}

// observeTurn records a finished bot turn's timings. It runs on the
// session's loop goroutine (pipeline.WithMetrics) and only updates
// histograms.
func (m *metrics) observeTurn(t pipeline.TurnMetrics) {
	if t.Trigger == pipeline.TriggerCaller {
		if d, ok := t.Start.Since(t.SpeechEnd); ok {
			m.endOfTurn.Observe(d.Seconds())
		}
		if d, ok := t.FirstFrame.Since(t.SpeechEnd); ok {
			m.voiceToVoice.Observe(d.Seconds())
		}
	}
	if d, ok := t.AgentLatency(); ok {
		m.agentFirst.Observe(d.Seconds())
	}
	if d, ok := t.SynthesisLatency(); ok {
		m.ttsFirst.Observe(d.Seconds())
	}
	if d, ok := t.CutOff(); ok {
		m.bargeInStop.Observe(d.Seconds())
	}
}

// observeRecordWrite records a call record write (records.WithObserver).
func (m *metrics) observeRecordWrite(op string, d time.Duration, err error) {
	if err != nil {
		m.recordRetries.Inc()
		return
	}
	if op == "start" || op == "complete" {
		m.recordWrite.Observe(d.Seconds())
	}
}
