package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/parley-voice/parley/examples/retail/orders"
)

// DemoConfig is the `demo:` section: services that stand in for a
// company's business systems in the retail example.
type DemoConfig struct {
	// OrderService is the address (host:port) the example order service
	// listens on, for the webhook tools of examples/retail to call. Empty
	// means not started. The example uses 127.0.0.1:8089.
	OrderService string `yaml:"order_service"`
}

// Validate reports the first invalid value.
func (c DemoConfig) Validate() error {
	if c.OrderService == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.OrderService); err != nil {
		return &ConfigError{Field: "order_service", Err: fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8089)", c.OrderService)}
	}
	return nil
}

// StartDemo starts the demo services c names and returns a function that
// stops them. With nothing configured it starts nothing.
func StartDemo(c DemoConfig, log *slog.Logger) (stop func(), err error) {
	if c.OrderService == "" {
		return func() {}, nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	data, err := orders.Embedded()
	if err != nil {
		return nil, fmt.Errorf("demo order service: %w", err)
	}
	ln, err := net.Listen("tcp", c.OrderService)
	if err != nil {
		return nil, fmt.Errorf("demo order service: %w (another parley may be running; change demo.order_service)", err)
	}
	srv := &http.Server{Handler: orders.NewHandler(data), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("demo order service stopped", "err", err)
		}
	}()
	log.Info("demo order service listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}, nil
}
