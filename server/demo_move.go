package server

import (
	"fmt"
	"net"
	"strings"
)

// MoveDemo moves the demo order service to addr (host:port) and points the
// webhook tools that called it at its old address to the new one, so that
// a second server, or a test, can run the retail example beside the first.
// It returns an error for an addr that is not host:port.
func (c *Config) MoveDemo(addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return &ConfigError{Field: "demo.order_service", Err: fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8089)", addr)}
	}
	old := c.Demo.OrderService
	c.Demo.OrderService = addr
	if old == "" {
		return nil
	}
	for name, t := range c.Tools {
		for _, scheme := range []string{"http://", "https://"} {
			rest, ok := strings.CutPrefix(t.URL, scheme+old)
			if ok && (rest == "" || strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, "?")) {
				t.URL = scheme + addr + rest
				c.Tools[name] = t
			}
		}
	}
	return nil
}
