package pipeline

import "errors"

// Chain composes interceptors into one. On the inbound path the first
// interceptor sees a frame first; on the outbound path too. A nil entry is
// skipped.
type Chain struct {
	interceptors []Interceptor
}

// NewChain returns a Chain of the given interceptors, in order.
func NewChain(interceptors ...Interceptor) *Chain {
	c := &Chain{}
	for _, i := range interceptors {
		if i != nil {
			c.interceptors = append(c.interceptors, i)
		}
	}
	return c
}

// Len returns the number of interceptors in the chain.
func (c *Chain) Len() int { return len(c.interceptors) }

// BindInbound binds every interceptor's inbound writer so that the first
// interceptor's writer is called first and the last one calls next.
func (c *Chain) BindInbound(info StreamInfo, next AudioWriter) AudioWriter {
	for i := len(c.interceptors) - 1; i >= 0; i-- {
		next = c.interceptors[i].BindInbound(info, next)
	}
	return next
}

// BindOutbound binds every interceptor's outbound writer so that the first
// interceptor's writer is called first and the last one calls next.
func (c *Chain) BindOutbound(info StreamInfo, next AudioWriter) AudioWriter {
	for i := len(c.interceptors) - 1; i >= 0; i-- {
		next = c.interceptors[i].BindOutbound(info, next)
	}
	return next
}

// Close closes every interceptor and returns their errors joined.
func (c *Chain) Close() error {
	var errs []error
	for _, i := range c.interceptors {
		if err := i.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
