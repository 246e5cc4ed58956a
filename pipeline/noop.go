package pipeline

// NoOpInterceptor is an Interceptor that passes frames through unchanged.
// Embed it in an interceptor that only cares about one path.
type NoOpInterceptor struct{}

// BindInbound returns next.
func (NoOpInterceptor) BindInbound(_ StreamInfo, next AudioWriter) AudioWriter { return next }

// BindOutbound returns next.
func (NoOpInterceptor) BindOutbound(_ StreamInfo, next AudioWriter) AudioWriter { return next }

// Close returns nil.
func (NoOpInterceptor) Close() error { return nil }
