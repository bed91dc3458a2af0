package acctest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
)

// RouteCountsAre says how the sandbox's request counts of the given routes ("okta GET /api/v1/apps") since
// its last ResetStats differ from want, or nil when they do not.
func RouteCountsAre(sb *sandbox.Sandbox, want map[string]int) error {
	routes := sb.Control().Stats().Routes
	var wrong []string
	for route, n := range want {
		if routes[route] != n {
			wrong = append(wrong, fmt.Sprintf("%s: %d, want %d", route, routes[route], n))
		}
	}
	if len(wrong) == 0 {
		return nil
	}
	sort.Strings(wrong)
	return fmt.Errorf("requests since the sandbox's counts were reset:\n%s", strings.Join(wrong, "\n"))
}

// RequestsWere checks RouteCountsAre after a step's apply.
func RequestsWere(sb *sandbox.Sandbox, want map[string]int) resource.TestCheckFunc {
	return func(*terraform.State) error { return RouteCountsAre(sb, want) }
}

// StateOf is a state whose root module holds resources (by address), for checks called outside a test step.
func StateOf(resources map[string]*terraform.ResourceState) *terraform.State {
	return &terraform.State{Modules: []*terraform.ModuleState{{Path: []string{"root"}, Resources: resources}}}
}

// PlanCheckFunc is a plan check written as a function.
type PlanCheckFunc func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse)

func (f PlanCheckFunc) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f(ctx, req, resp)
}

// RemoteCheckBeforeApply is a plan check that passes when check does: what the sandbox or the orgs hold once
// the plan is made, before it is applied.
func RemoteCheckBeforeApply(check func() error) plancheck.PlanCheck {
	return PlanCheckFunc(func(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		resp.Error = check()
	})
}

// Finder reads the remote object behind a resource instance through the real clients: nil when it is there,
// an error wrapping okta.ErrNotFound or salesforce.ErrNotFound when it is definitely gone, and any other
// error when it cannot tell. It gets the instance (ID and attributes) because not every object is found by
// its ID: Salesforce SSO settings are read by name.
type Finder func(ctx context.Context, is *terraform.InstanceState) error

// Remover deletes the remote object behind a resource instance out of band, as an admin would.
type Remover func(ctx context.Context, is *terraform.InstanceState) error

// IsNotFound reports whether err says definitely that an object does not exist.
func IsNotFound(err error) bool {
	return errors.Is(err, okta.ErrNotFound) || errors.Is(err, salesforce.ErrNotFound)
}

// CheckDestroy is a TestCase.CheckDestroy: every instance of resourceType in the state before destroy must be
// gone. Only a definite NotFound counts as gone: any other error (auth, transport) proves nothing. A state
// without any instance of resourceType fails too, so that the check cannot pass by checking nothing.
func CheckDestroy(resourceType string, exists Finder) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		checked := 0
		for _, addr := range sortedAddresses(s) {
			rs := s.RootModule().Resources[addr]
			if rs.Type != resourceType || rs.Primary == nil {
				continue
			}
			checked++
			switch err := exists(ctx, rs.Primary); {
			case err == nil:
				return fmt.Errorf("%s (%s) still exists after destroy", addr, rs.Primary.ID)
			case !IsNotFound(err):
				return fmt.Errorf("%s (%s): cannot tell whether destroy removed it: %w", addr, rs.Primary.ID, err)
			}
		}
		if checked == 0 {
			return fmt.Errorf("no %s in the state before destroy: CheckDestroy checked nothing", resourceType)
		}
		return nil
	}
}

// CheckExists checks, through the real clients, that the object behind addr is there.
func CheckExists(addr string, exists Finder) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		is, err := instance(s, addr)
		if err != nil {
			return err
		}
		if err := exists(context.Background(), is); err != nil {
			return fmt.Errorf("%s (%s): %w", addr, is.ID, err)
		}
		return nil
	}
}

// CheckDisappears deletes the object behind addr out of band with remove, then checks with exists that it
// is really gone, so that a _disappears test cannot pass because the deletion did nothing.
func CheckDisappears(addr string, remove Remover, exists Finder) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		is, err := instance(s, addr)
		if err != nil {
			return err
		}
		ctx := context.Background()
		if err := remove(ctx, is); err != nil {
			return fmt.Errorf("delete %s (%s) out of band: %w", addr, is.ID, err)
		}
		switch err := exists(ctx, is); {
		case err == nil:
			return fmt.Errorf("%s (%s) is still there after deleting it out of band", addr, is.ID)
		case !IsNotFound(err):
			return fmt.Errorf("%s (%s): cannot tell whether the out-of-band delete removed it: %w", addr, is.ID, err)
		}
		return nil
	}
}

// DisappearsSteps are the steps of a _disappears test: apply config (the object behind addr must then exist
// and the plan be empty); delete the object out of band, as an admin would; the next plan, which refreshes,
// creates it again, and apply does, checked through the real clients.
//
// The object is deleted before the next step's plan rather than in the first step's Check, so that no plan
// runs without refresh on a state that still holds it (what -refresh=false would do, not what users run).
func DisappearsSteps(t *testing.T, config, addr string, remove Remover, exists Finder) []resource.TestStep {
	var created *terraform.InstanceState
	return []resource.TestStep{
		{
			Config: config,
			Check: resource.ComposeTestCheckFunc(CheckExists(addr, exists), func(s *terraform.State) (err error) {
				created, err = instance(s, addr)
				return err
			}),
			ConfigPlanChecks: EmptyPlanAfterApply(),
		},
		{
			PreConfig: func() {
				s := StateOf(map[string]*terraform.ResourceState{addr: {Primary: created}})
				if err := CheckDisappears(addr, remove, exists)(s); err != nil {
					t.Fatal(err)
				}
			},
			Config: config,
			Check:  CheckExists(addr, exists),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		},
	}
}

// EmptyPlanAfterApply is the ConfigPlanChecks every applying step carries: nothing left to do.
func EmptyPlanAfterApply() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
}

// StateAttr reads one attribute of a resource from the state.
func StateAttr(s *terraform.State, addr, name string) (string, error) {
	is, err := instance(s, addr)
	if err != nil {
		return "", err
	}
	if name == "id" {
		return is.ID, nil
	}
	return is.Attributes[name], nil
}

// StateAttrs reads several attributes of one resource from the state, in the order named.
func StateAttrs(s *terraform.State, addr string, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, name := range names {
		v, err := StateAttr(s, addr, name)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func instance(s *terraform.State, addr string) (*terraform.InstanceState, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok || rs.Primary == nil {
		return nil, fmt.Errorf("%s is not in the state", addr)
	}
	return rs.Primary, nil
}

func sortedAddresses(s *terraform.State) []string {
	out := make([]string, 0, len(s.RootModule().Resources))
	for addr := range s.RootModule().Resources {
		out = append(out, addr)
	}
	sort.Strings(out)
	return out
}

// WriteRequests lists the sandbox's POST, PUT, PATCH and DELETE requests since its stats were reset, the
// OAuth token requests of a new provider configuration left out; a Salesforce Composite request counts by
// its subrequests (the provider sends name queries and sObject Collections writes that way). (Metadata SOAP
// reads are POSTs too: a test of SSO settings tells a SOAP write apart by the settings' SystemModstamp.)
func WriteRequests(sb *sandbox.Sandbox) []string {
	var out []string
	stats := sb.Control().Stats()
	list := func(counts map[string]int, label string) {
		for route, n := range counts {
			if strings.Contains(route, "oauth2/token") || strings.HasSuffix(route, " POST /services/data/{version}/composite") {
				continue
			}
			for _, m := range []string{" POST ", " PUT ", " PATCH ", " DELETE "} {
				if strings.Contains(route, m) {
					out = append(out, fmt.Sprintf("%s%s ×%d", route, label, n))
				}
			}
		}
	}
	list(stats.Routes, "")
	list(stats.Subrequests, " (in a Composite request)")
	sort.Strings(out)
	return out
}

// CheckNoWrites fails when the sandbox counted a write since its stats were reset.
func CheckNoWrites(sb *sandbox.Sandbox) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if w := WriteRequests(sb); len(w) > 0 {
			return fmt.Errorf("wrote since the stats were reset: %v", w)
		}
		return nil
	}
}

// CheckWritesCounted fails when the apply just made shows no write: a zero-write check would prove nothing.
func CheckWritesCounted(sb *sandbox.Sandbox) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if len(WriteRequests(sb)) == 0 {
			return fmt.Errorf("the sandbox counted no write for an apply that made one: WriteRequests counts nothing")
		}
		return nil
	}
}
