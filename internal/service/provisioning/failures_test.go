package provisioning

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/emu"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/seedgen"
)

// collectionsRoute is the sObject Collections create as the sandbox names it (a call of up to 200 records);
// compositeRoute carries more, as Composite requests of up to five Collections calls.
const (
	collectionsRoute = "POST /services/data/{version}/composite/sobjects"
	compositeRoute   = "POST /services/data/{version}/composite"
)

// A failed Collections call used to print one identical diagnostic per Federation ID it carried (234
// blocks for one run): now each failed call is one diagnostic naming its users (the first 20, then how many
// more), and records refused with the same error are one diagnostic.
func TestEngine_oneDiagnosticPerFailedCall(t *testing.T) {
	if testing.Short() || os.Getenv("TF_ACC_LIVE") == "1" {
		t.Skip("fault test against the sandbox")
	}
	sb := benchSandbox(t, 2050, 1) // three create calls: Composite requests of 1,000 and 1,000 users, a Collections call of 50
	oc, sf := clients(t, sb)
	appID := appWithGroups(t, oc, seedgen.GroupName(1))
	for _, route := range []string{collectionsRoute, compositeRoute} {
		sb.Control().AddFault(emu.Fault{Service: "salesforce", Route: route, Kind: emu.FaultServerError})
	}
	_, _, failures, err := newTestEngine(oc, sf).apply(context.Background(), benchSettings(appID), map[string]bool{}, nil)
	sb.Control().ClearFaults()
	if err != nil {
		t.Fatal(err)
	}
	var diags diag.Diagnostics
	addFailures(&diags, failures, false, "The next plan shows these users again.")
	if len(failures) == 0 || diags.ErrorsCount() != 3 {
		t.Fatalf("%d failures reported as %d diagnostics, want 3 (one per failed call):\n%s", len(failures), diags.ErrorsCount(), describe(diags))
	}
	for i, want := range []string{"The 1000 users affected", "The 1000 users affected", "The 50 users affected"} {
		d := diags[i].Detail()
		_, listed, _ := strings.Cut(d, "(Federation IDs): ")
		if !strings.Contains(d, want) || strings.Count(listed, "@") > failuresListed {
			t.Errorf("diagnostic %d = %q, want %q and at most %d Federation IDs", i, d, want, failuresListed)
		}
		if i < 2 && !strings.Contains(d, "and 980 more") {
			t.Errorf("diagnostic %d = %q, want \"and 980 more\"", i, d)
		}
	}
}

// Records refused on their own with the same error are one diagnostic; different errors stay apart.
func TestGroupFailures(t *testing.T) {
	t.Parallel()
	var failures []userFailure
	for i := range 30 {
		failures = append(failures, userFailure{FederationID: fmt.Sprintf("u%02d@example.com", i), Kind: "create", Message: "FIELD_INTEGRITY_EXCEPTION: bad"})
	}
	failures = append(failures,
		userFailure{FederationID: "x@example.com", Kind: "update", Message: "503 server error", Call: 1},
		userFailure{FederationID: "y@example.com", Kind: "deactivate", Message: "503 server error", Call: 1},
		userFailure{FederationID: "z@example.com", Kind: "update", Message: "503 server error", Call: 2},
		userFailure{FederationID: "w@example.com", Kind: "create", Message: "DUPLICATE_USERNAME: taken"})
	groups := groupFailures(failures)
	if len(groups) != 4 {
		t.Fatalf("groups = %+v, want 4", groups)
	}
	if len(groups[0].FederationIDs) != 30 || len(groups[1].FederationIDs) != 2 || groups[1].Kind != "update" {
		t.Errorf("groups = %+v", groups)
	}
	var diags diag.Diagnostics
	addFailures(&diags, failures, true, "")
	if diags.WarningsCount() != 4 || !strings.Contains(diags[0].Detail(), "and 10 more") ||
		!strings.HasPrefix(diags[3].Detail(), "Federation ID w@example.com: DUPLICATE_USERNAME") {
		t.Errorf("diagnostics:\n%s", describe(diags))
	}
}

func describe(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s: %s\n", d.Summary(), d.Detail())
	}
	return b.String()
}
