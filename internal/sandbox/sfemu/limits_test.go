package sfemu

import (
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
)

// Salesforce answers its daily allocation and its concurrent long-running-request limit both with 403
// REQUEST_LIMIT_EXCEEDED (a SOAP fault on the Metadata API); only the message tells a client whether waiting
// helps. An injected 429 is the transient, concurrent kind unless it says "daily"; the org's own spent
// allocation is always the daily kind.
func TestRequestLimitExceededTellsDailyFromConcurrent(t *testing.T) {
	t.Parallel()
	const (
		daily      = "TotalRequests Limit exceeded."
		concurrent = "ConcurrentPerOrgLongTxn Limit exceeded."
	)
	tests := []struct {
		name  string
		limit string
		want  string
	}{
		{"default is concurrent", "", concurrent},
		{"concurrent", emu.LimitConcurrent, concurrent},
		{"daily", emu.LimitDaily, daily},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctl := emu.NewControl()
			to := startOrg(t, "qa", testSeed(), nil, ctl, 1000)
			ctl.AddFault(emu.Fault{Service: "salesforce:qa", Kind: emu.FaultRateLimit, ResetSeconds: 2, Limit: tt.limit, Count: 2})

			status, _, body := to.do(t, "GET", "/services/data/v63.0/limits", "")
			wantREST := `[{"message":"` + tt.want + `","errorCode":"REQUEST_LIMIT_EXCEEDED"}]` + "\n"
			if status != 403 || body != wantREST {
				t.Errorf("REST: %d %s, want 403 %s", status, body, wantREST)
			}
			status, body = to.soap(t, envelope(to.token, `<met:listMetadata><met:queries><met:type>SamlSsoConfig</met:type></met:queries><met:asOfVersion>63.0</met:asOfVersion></met:listMetadata>`))
			wantSOAP := "<faultcode>sf:REQUEST_LIMIT_EXCEEDED</faultcode><faultstring>REQUEST_LIMIT_EXCEEDED: " + tt.want + "</faultstring>"
			if status != 500 || !strings.Contains(body, wantSOAP) {
				t.Errorf("SOAP: %d %s, want 500 with %s", status, body, wantSOAP)
			}
		})
	}

	t.Run("own daily allocation", func(t *testing.T) {
		t.Parallel()
		to := startOrg(t, "qa", testSeed(), nil, nil, 1)
		to.do(t, "GET", "/services/data/v63.0/limits", "")
		if status, _, body := to.do(t, "GET", "/services/data/v63.0/limits", ""); status != 403 || !strings.Contains(body, `"message":"`+daily+`"`) {
			t.Errorf("REST over the allocation: %d %s, want 403 %q", status, body, daily)
		}
		status, body := to.soap(t, envelope(to.token, `<met:listMetadata><met:queries><met:type>SamlSsoConfig</met:type></met:queries><met:asOfVersion>63.0</met:asOfVersion></met:listMetadata>`))
		if status != 500 || !strings.Contains(body, "REQUEST_LIMIT_EXCEEDED: "+daily) {
			t.Errorf("SOAP over the allocation: %d %s, want the %q fault", status, body, daily)
		}
	})
}
