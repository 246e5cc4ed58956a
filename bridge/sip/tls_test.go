package sip

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// selfSigned returns a TLS configuration with a certificate for 127.0.0.1.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "parley-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

func TestTLSListener(t *testing.T) {
	conf := selfSigned(t)
	hs := startServer(t, harnessOpts{cfg: func(c *Config) {
		c.UDP, c.TCP = "", ""
		c.TLS = TLSConfig{Listen: "127.0.0.1:0", Cert: "unused.pem", Key: "unused.pem"}
	}, opts: []Option{WithTLSConfig(conf)}})
	conn, err := tls.Dial("tcp", hs.srv.Addr("tls").String(), &tls.Config{InsecureSkipVerify: true}) // a certificate made for the test
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msg := rawRequest("OPTIONS sips:bot@127.0.0.1 SIP/2.0", okHeaders("OPTIONS"), "")
	msg = strings.ReplaceAll(strings.Replace(msg, "SIP/2.0/UDP", "SIP/2.0/TLS", 1), "LOCAL", conn.LocalAddr().String())
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(line, "SIP/2.0 200") {
		t.Fatalf("OPTIONS over TLS: %q", line)
	}
}
