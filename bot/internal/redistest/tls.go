package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartTLS runs a redis-server that speaks only TLS (no plain port), with
// a certificate for 127.0.0.1 signed by a CA made for this test, and
// returns the server, whose URL is rediss://, and the CA certificate's PEM
// file: what an operator gives a client of a Redis with a private CA
// (SSL_CERT_FILE). t.Cleanup stops it.
func StartTLS(t testing.TB) (srv *Server, caFile string) {
	t.Helper()
	bin := lookBin(t, "redis-server", "redis-server", "redis")
	dir := t.TempDir()
	ca, caKey := makeCert(t, nil, nil, "redistest CA")
	leaf, leafKey := makeCert(t, ca, caKey, "127.0.0.1")
	caFile = filepath.Join(dir, "ca.pem")
	certFile, keyFile := filepath.Join(dir, "redis.pem"), filepath.Join(dir, "redis.key")
	writePEM(t, caFile, "CERTIFICATE", ca.Raw)
	writePEM(t, certFile, "CERTIFICATE", leaf.Raw)
	der, err := x509.MarshalECPrivateKey(leafKey)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	writePEM(t, keyFile, "EC PRIVATE KEY", der)

	roots := x509.NewCertPool()
	roots.AddCert(ca)
	srv = launch(t, &Server{t: t, bin: bin, dir: dir,
		tls: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
		extra: []string{"--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", caFile,
			"--tls-auth-clients", "no"}}, "")
	return srv, caFile
}

// makeCert makes a P-256 certificate: a CA when parent is nil, else one
// for the IP address name signed by parent.
func makeCert(t testing.TB, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	signer, signerKey := tmpl, key
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign
	} else {
		tmpl.IPAddresses = []net.IP{net.ParseIP(name)}
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return cert, key
}

func writePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatalf("redistest: %v", err)
	}
}

// Client is a client of this server, trusting its CA when it speaks TLS,
// to look at what was written; it is closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	return client(t, s.URL(), s.tls)
}
