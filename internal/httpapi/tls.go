package httpapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/acme/autocert"

	"github.com/tonearm/tonearm/internal/fsutil"
)

// TLSOptions picks where the certificate comes from: files, ACME for a
// public name, or a self-signed certificate kept in Dir.
type TLSOptions struct {
	CertFile, KeyFile string
	// ACMEDomain, when set, gets a certificate from an ACME CA for that name.
	ACMEDomain string
	// Dir keeps the self-signed certificate and the ACME cache.
	Dir string
	// Hosts are the names and addresses a self-signed certificate covers.
	Hosts []string
}

// LoadTLS returns the TLS configuration and the SHA-256 fingerprint of the
// certificate (empty for ACME, whose certificate arrives later).
func LoadTLS(opts TLSOptions) (*tls.Config, string, error) {
	switch {
	case opts.ACMEDomain != "":
		if err := fsutil.MkdirPrivate(filepath.Join(opts.Dir, "acme")); err != nil {
			return nil, "", err
		}
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			HostPolicy: autocert.HostWhitelist(opts.ACMEDomain),
			Cache:      autocert.DirCache(filepath.Join(opts.Dir, "acme")),
		}
		cfg := m.TLSConfig()
		cfg.MinVersion = tls.VersionTLS12
		return cfg, "", nil
	case opts.CertFile != "" || opts.KeyFile != "":
		if opts.CertFile == "" || opts.KeyFile == "" {
			return nil, "", errors.New("[http] tls_cert and tls_key must be set together")
		}
		if err := checkPrivate(opts.KeyFile); err != nil {
			return nil, "", err
		}
		cert, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("load TLS certificate %s: %w", opts.CertFile, err)
		}
		return serverTLS(cert), fingerprint(cert), nil
	default:
		cert, err := selfSigned(opts.Dir, opts.Hosts)
		if err != nil {
			return nil, "", err
		}
		return serverTLS(cert), fingerprint(cert), nil
	}
}

func serverTLS(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

// fingerprint returns the SHA-256 of the leaf certificate as colon-separated
// hex, the form browsers show.
func fingerprint(cert tls.Certificate) string {
	if len(cert.Certificate) == 0 {
		return ""
	}
	sum := sha256.Sum256(cert.Certificate[0])
	hexed := strings.ToUpper(hex.EncodeToString(sum[:]))
	var parts []string
	for i := 0; i < len(hexed); i += 2 {
		parts = append(parts, hexed[i:i+2])
	}
	return strings.Join(parts, ":")
}

func checkPrivate(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("TLS key %s: %w", path, err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("TLS key %s is readable by other users (mode %v): run chmod 600 %s", path, info.Mode().Perm(), path)
	}
	return nil
}

// selfSigned loads the certificate in dir, or makes one valid for ten
// years and stores it with mode 0600.
func selfSigned(dir string, hosts []string) (tls.Certificate, error) {
	certPath := filepath.Join(dir, "tls-cert.pem")
	keyPath := filepath.Join(dir, "tls-key.pem")
	if _, err := os.Stat(certPath); err == nil {
		if err := checkPrivate(keyPath); err != nil {
			return tls.Certificate{}, err
		}
		return tls.LoadX509KeyPair(certPath, keyPath)
	}
	if err := fsutil.MkdirPrivate(dir); err != nil {
		return tls.Certificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Tonearm self-signed", Organization: []string{"Tonearm"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range append([]string{"localhost", "127.0.0.1", "::1"}, hosts...) {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := fsutil.WriteFileAtomic(keyPath, keyPEM); err != nil {
		return tls.Certificate{}, err
	}
	if err := fsutil.WriteFileAtomic(certPath, certPEM); err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}
