package sso

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestMayRotate(t *testing.T) {
	t.Parallel()
	null, unknown, a, b := types.StringNull(), types.StringUnknown(), types.StringValue("a"), types.StringValue("b")
	for _, tc := range []struct {
		name           string
		prior, planned types.String
		want           bool
	}{
		{"unchanged", a, a, false},
		{"changed", a, b, true},
		{"set after import or create", null, a, false},
		{"removed", a, null, false},
		{"never set", null, null, false},
		{"unknown after a value", a, unknown, true},
		{"unknown after none", null, unknown, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := mayRotate(tc.prior, tc.planned); got != tc.want {
				t.Errorf("mayRotate(%s, %s) = %v, want %v", tc.prior, tc.planned, got, tc.want)
			}
		})
	}
}

func TestSamePEMCertificate(t *testing.T) {
	t.Parallel()
	certPEM, otherPEM := selfSigned(t), selfSigned(t)
	rewrapped := strings.ReplaceAll(certPEM, "\n", "\r\n") + "\n"
	for _, tc := range []struct {
		name, planned, want string
	}{
		{"same text", certPEM, certPEM},
		{"same certificate, other line endings", rewrapped, certPEM},
		{"other certificate", otherPEM, otherPEM},
		{"not PEM", "garbage", "garbage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := planmodifier.StringRequest{StateValue: types.StringValue(certPEM), PlanValue: types.StringValue(tc.planned)}
			resp := &planmodifier.StringResponse{PlanValue: req.PlanValue}
			samePEMCertificate{}.PlanModifyString(context.Background(), req, resp)
			if resp.PlanValue.ValueString() != tc.want {
				t.Errorf("planned %q, want %q", resp.PlanValue.ValueString(), tc.want)
			}
		})
	}
}

func selfSigned(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
