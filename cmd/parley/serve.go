package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/parley-voice/parley/examples"
	"github.com/parley-voice/parley/server"
)

type serveFlags struct {
	config string
	http   string
	sip    string
	data   string
	demo   string
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [-c parley.yaml] [--http ADDR] [--sip ADDR]",
		Short: "Answer calls: SIP, WebRTC, Twilio Media Streams, the HTTP API and the web UI",
		Long: `Run the voice-agent server. It answers calls over SIP (UDP and TCP), WebRTC
(WHIP at /whip) and Twilio Media Streams (a WebSocket at /media/twilio),
runs each through voice activity detection, speech recognition, the agent
and speech synthesis with barge-in, records them (dual-channel WAV: caller
left, bot right) and stores their records in SQLite.

HTTP (--http, default :8080) serves the softphone at /, GET /api/calls,
GET /api/calls/{id}, GET /api/calls/{id}/recording.wav, GET /api/events
(live events as Server-Sent Events or a WebSocket), GET /metrics
(Prometheus) and GET /healthz.

Without -c the embedded retail example runs: its files are written to
DATA/examples/retail (rewritten when a new version brings new ones), and its
records, recordings and knowledge index go under DATA (--data, default
./data).

The first SIGINT or SIGTERM starts a graceful shutdown: new calls are
refused (SIP 503, /healthz 503), live calls may go on for shutdown.grace
and are then hung up, and records and recordings are flushed. A second
signal exits at once.`,
		Example: `  parley serve
  parley serve -c examples/retail/parley.yaml --http 127.0.0.1:8080
  parley serve -c parley.yaml --sip 0.0.0.0:5070`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			signals := make(chan os.Signal, 2)
			signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(signals)
			return runServe(cmd.Context(), cmd.ErrOrStderr(), f, signals, os.Exit)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "", "configuration file (default: the embedded retail example)")
	fl.StringVar(&f.http, "http", "", "HTTP listen address, host:port (overrides http.listen)")
	fl.StringVar(&f.sip, "sip", "", "SIP listen address for UDP and TCP, host:port (overrides sip.udp and sip.tcp)")
	fl.StringVar(&f.data, "data", "data", "data folder: the embedded example, and the data/ paths of the configuration (records, recordings, knowledge index) are moved under it")
	fl.StringVar(&f.demo, "demo", "", "move the demo order service to host:port (and the tools that call it)")
	return cmd
}

// loadServeConfig reads the configuration `parley serve` runs with and
// applies the command line.
func loadServeConfig(f serveFlags) (server.Config, error) {
	path := f.config
	if path == "" {
		fsys, err := examples.Retail()
		if err != nil {
			return server.Config{}, err
		}
		if path, err = server.MaterializeExample(fsys, filepath.Join(f.data, "examples", "retail")); err != nil {
			return server.Config{}, err
		}
	}
	cfg, err := server.LoadConfig(path)
	if err != nil {
		return server.Config{}, err
	}
	rebase := func(p *string) {
		if rest, ok := strings.CutPrefix(filepath.ToSlash(*p), "data/"); ok && f.data != "data" {
			*p = filepath.Join(f.data, filepath.FromSlash(rest))
		}
	}
	rebase(&cfg.Records.Path)
	rebase(&cfg.Recordings.Dir)
	rebase(&cfg.Knowledge.Disk.Path)
	if f.http != "" {
		cfg.HTTP.Listen = f.http
	}
	if f.sip != "" {
		if err := cfg.SetSIPListen(f.sip); err != nil {
			return server.Config{}, err
		}
	}
	if f.demo != "" {
		if err := cfg.MoveDemo(f.demo); err != nil {
			return server.Config{}, err
		}
	}
	return cfg, cfg.Validate()
}

// watchSignals turns the first signal into cancel (the graceful shutdown)
// and the second into exit(2), until finished is closed.
func watchSignals(signals <-chan os.Signal, finished <-chan struct{}, cancel func(), exit func(int), log *slog.Logger) {
	for n := 0; ; n++ {
		select {
		case sig := <-signals:
			if n == 0 {
				log.Info("signal received: shutting down gracefully (send it again to exit at once)", "signal", sig.String())
				cancel()
				continue
			}
			log.Warn("second signal: exiting now; records of live calls are completed at the next start", "signal", sig.String())
			exit(2)
			return
		case <-finished:
			return
		}
	}
}

// runServe runs the server until ctx is done or a signal arrives on
// signals; a second signal calls exit.
func runServe(ctx context.Context, stderr io.Writer, f serveFlags, signals <-chan os.Signal, exit func(int)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := loadServeConfig(f)
	if err != nil {
		return err
	}
	log, err := cfg.Log.NewLogger(stderr)
	if err != nil {
		return err
	}
	srv, err := server.New(cfg, server.WithLogger(log))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	finished, watching := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watching)
		watchSignals(signals, finished, cancel, exit, log)
	}()
	err = srv.Run(ctx)
	close(finished)
	<-watching
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}
