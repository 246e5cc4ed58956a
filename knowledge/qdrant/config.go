package qdrant

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Environment variables read by Config.FromEnv.
const (
	// EnvURL holds the server's gRPC URL when Config.URL and Config.Host
	// are empty.
	EnvURL = "QDRANT_URL"
	// EnvAPIKey holds the API key when Config.APIKey is empty.
	EnvAPIKey = "QDRANT_API_KEY"
)

// DefaultPort is Qdrant's gRPC port.
const DefaultPort = 6334

// Config is the YAML-facing configuration of the Qdrant store (the
// `knowledge.qdrant:` section of the server configuration).
type Config struct {
	// URL is the server's gRPC address as a URL: "http://localhost:6334",
	// or "https://xyz.cloud.qdrant.io:6334" for TLS. When set, it
	// overrides Host, Port and TLS. Empty means QDRANT_URL, then Host.
	URL string `yaml:"url"`
	// Host and Port are the server's gRPC address when URL is empty.
	// Defaults localhost and 6334 (not the REST port 6333).
	Host string `yaml:"host"`
	// Port: see Host.
	Port int `yaml:"port"`
	// TLS connects with TLS (Qdrant Cloud, or a server with
	// service.enable_tls). Default false.
	TLS bool `yaml:"tls"`
	// APIKey is sent in the "api-key" header. Empty means QDRANT_API_KEY,
	// then none.
	APIKey string `yaml:"api_key"`
	// Collection is the collection holding the chunks; the documents
	// registry is the collection of the same name with "_documents"
	// appended. Default "parley_knowledge".
	Collection string `yaml:"collection"`
	// Timeout bounds each call to the server. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{Host: "localhost", Port: DefaultPort, Collection: "parley_knowledge", Timeout: 10 * time.Second}
}

// FromEnv returns c with an empty APIKey, and an empty URL when Host is
// the default too, filled from QDRANT_API_KEY and QDRANT_URL, read with
// getenv (pass os.Getenv). A nil getenv returns c unchanged.
func (c Config) FromEnv(getenv func(string) string) Config {
	if getenv == nil {
		return c
	}
	if c.APIKey == "" {
		c.APIKey = strings.TrimSpace(getenv(EnvAPIKey))
	}
	if c.URL == "" && (c.Host == "" || c.Host == "localhost") {
		c.URL = strings.TrimSpace(getenv(EnvURL))
	}
	return c
}

// String returns the configuration with the API key masked.
func (c Config) String() string {
	if c.APIKey != "" {
		c.APIKey = "***"
	}
	type plain Config
	return fmt.Sprintf("%+v", plain(c))
}

// validCollection reports whether name is 1 to 200 letters, digits, '_'
// or '-': what Qdrant accepts, kept to characters safe everywhere.
func validCollection(name string) bool {
	if len(name) == 0 || len(name) > 200 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Validate reports the first invalid value, wrapped in ErrConfig, naming
// the YAML field.
func (c Config) Validate() error {
	if _, _, _, err := c.address(); err != nil {
		return err
	}
	switch {
	case !validCollection(c.Collection):
		return fmt.Errorf("%w: collection: %q must be 1 to 200 letters, digits, '_' or '-'", ErrConfig, c.Collection)
	case c.Timeout <= 0:
		return fmt.Errorf("%w: timeout: must be positive, got %v", ErrConfig, c.Timeout)
	}
	return nil
}

// address returns the host, port and TLS setting to dial.
func (c Config) address() (host string, port int, useTLS bool, err error) {
	if c.URL == "" {
		if strings.TrimSpace(c.Host) == "" || strings.ContainsAny(c.Host, "/: ") && net.ParseIP(c.Host) == nil {
			return "", 0, false, fmt.Errorf("%w: host: %q is not a host name (set url for a URL)", ErrConfig, c.Host)
		}
		if c.Port < 1 || c.Port > 65535 {
			return "", 0, false, fmt.Errorf("%w: port: must be in [1, 65535], got %d", ErrConfig, c.Port)
		}
		return c.Host, c.Port, c.TLS, nil
	}
	u, perr := url.Parse(c.URL)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "grpc" && u.Scheme != "grpcs") || u.Hostname() == "" {
		return "", 0, false, fmt.Errorf("%w: url: %q is not a URL such as http://localhost:6334 or https://xyz.cloud.qdrant.io:6334", ErrConfig, c.URL)
	}
	port = DefaultPort
	if p := u.Port(); p != "" {
		n, perr := strconv.Atoi(p)
		if perr != nil || n < 1 || n > 65535 {
			return "", 0, false, fmt.Errorf("%w: url: bad port in %q", ErrConfig, c.URL)
		}
		port = n
	}
	return u.Hostname(), port, u.Scheme == "https" || u.Scheme == "grpcs", nil
}
