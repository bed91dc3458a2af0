// Package testkeys makes private keys for tests — one per kind and process, since generating RSA keys is slow
// under the race detector — and encodes them as the PEM blocks the clients accept.
package testkeys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
)

var (
	rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	ecMu   sync.Mutex
	ecKeys = map[elliptic.Curve]*ecdsa.PrivateKey{}
)

// RSA is a 2048-bit RSA key, the same one for the whole test binary.
func RSA() *rsa.PrivateKey { return rsaKey() }

// EC is a key on curve c, the same one per curve for the whole test binary.
func EC(c elliptic.Curve) *ecdsa.PrivateKey {
	ecMu.Lock()
	defer ecMu.Unlock()
	if k, ok := ecKeys[c]; ok {
		return k
	}
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	ecKeys[c] = k
	return k
}

// PKCS1PEM is k as an "RSA PRIVATE KEY" block.
func PKCS1PEM(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// PKCS8PEM is k (RSA, ECDSA or Ed25519) as a "PRIVATE KEY" block.
func PKCS8PEM(k any) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// SEC1PEM is k as an "EC PRIVATE KEY" block.
func SEC1PEM(k *ecdsa.PrivateKey) string {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}
