package salesforce_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox"
	"github.com/oktasf/terraform-provider-oktasf/internal/sandbox/sfemu"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// nameReads are the five name reads of one client, as the provider makes them.
type nameReads struct {
	Org      salesforce.Organization
	Profiles []salesforce.Profile
	Roles    []salesforce.Role
	Sets     []salesforce.PermissionSet
	Groups   []salesforce.PermissionSetGroup
}

func readNames(t *testing.T, c *salesforce.Client) (nameReads, error) {
	t.Helper()
	ctx := context.Background()
	var r nameReads
	var err error
	facts, err := c.Facts(ctx)
	if err != nil {
		return r, err
	}
	r.Org = facts.Organization
	if r.Profiles, err = c.ListProfiles(ctx); err != nil {
		return r, err
	}
	if r.Roles, err = c.ListRoles(ctx); err != nil {
		return r, err
	}
	if r.Sets, err = c.ListPermissionSets(ctx); err != nil {
		return r, err
	}
	r.Groups, err = c.ListPermissionSetGroups(ctx)
	return r, err
}

// singleNames reads the same with a query each.
func singleNames(t *testing.T, c *salesforce.Client) nameReads {
	t.Helper()
	ctx := context.Background()
	org, err := c.Organization(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := nameReads{Org: *org}
	if r.Profiles, err = c.SingleProfiles(ctx); err == nil {
		if r.Roles, err = c.SingleRoles(ctx); err == nil {
			if r.Sets, err = c.SinglePermissionSets(ctx); err == nil {
				r.Groups, err = c.SinglePermissionSetGroups(ctx)
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// dataRequests lists the REST requests the sandbox's org qa answered since the journal held from entries, as
// "METHOD route" with the query's FROM object for queries.
func dataRequests(sb *sandbox.Sandbox, from int) []string {
	var out []string
	for _, e := range sb.Control().Journal()[from:] {
		if !strings.Contains(e.Route, "/services/data/") {
			continue
		}
		s := e.Route
		if _, object, ok := strings.Cut(e.SOQL, " FROM "); ok {
			s += " " + strings.Fields(object)[0]
		}
		out = append(out, s)
	}
	return out
}

// clientVia is a client of org qa whose requests pass through rewrite first.
func clientVia(t *testing.T, sb *sandbox.Sandbox, rewrite func(*http.Request)) *salesforce.Client {
	t.Helper()
	hc := transport.NewHTTPClient(transport.Config{Service: "salesforce"})
	next := hc.Transport
	hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rewrite(r)
		return next.RoundTrip(r)
	})
	o := sb.Info().Salesforce["qa"]
	c, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: o.LoginURL, ClientID: o.ClientID, Username: o.Username,
		PrivateKey: o.PrivateKey, JWTAudience: o.JWTAudience, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// replaceInBody replaces old with replacement in r's body.
func replaceInBody(r *http.Request, old, replacement string) {
	body, _ := io.ReadAll(r.Body)
	body = bytes.ReplaceAll(body, []byte(old), []byte(replacement))
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

const compositeRoute = "POST /services/data/{version}/composite"

func TestNameReadsOneCompositeRequest(t *testing.T) {
	t.Parallel()
	sb, c := startOrg(t, entitlementSeed(0))
	got, err := readNames(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if reqs := dataRequests(sb, 0); !reflect.DeepEqual(reqs, []string{compositeRoute}) {
		t.Errorf("requests = %q, want the five reads in one Composite request", reqs)
	}
	// A second read of each queries again: the batch answers each read once, callers cache.
	before := len(sb.Control().Journal())
	if _, err := c.ListRoles(context.Background()); err != nil {
		t.Fatal(err)
	}
	if reqs := dataRequests(sb, before); !reflect.DeepEqual(reqs, []string{"GET /services/data/{version}/query UserRole"}) {
		t.Errorf("second ListRoles requests = %q, want its own query", reqs)
	}

	want := singleNames(t, c)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("batched reads differ from the single queries:\n got %+v\nwant %+v", got, want)
	}
	if len(got.Profiles) == 0 || len(got.Roles) != 2 || len(got.Sets) == 0 || len(got.Groups) != 1 || got.Org.Name != "QA" {
		t.Errorf("batched reads = %+v, want the seed's names", got)
	}
}

func TestNameReadsFollowPages(t *testing.T) {
	t.Parallel()
	seed := entitlementSeed(0)
	for i := range 2100 { // more than a query page (2,000 rows)
		seed.Roles = append(seed.Roles, sfemu.RoleSeed{Name: fmt.Sprintf("Role %04d", i), Parent: "CEO"})
	}
	sb, c := startOrg(t, seed)
	got, err := readNames(t, c)
	if err != nil {
		t.Fatal(err)
	}
	reqs := dataRequests(sb, 0)
	if len(reqs) != 2 || reqs[0] != compositeRoute || !strings.Contains(reqs[1], "/query/") {
		t.Errorf("requests = %q, want the Composite request and the roles' second page", reqs)
	}
	if want := singleNames(t, c); !reflect.DeepEqual(got, want) {
		t.Errorf("batched reads differ from the single queries (%d roles, want %d)", len(got.Roles), len(want.Roles))
	}
	if len(got.Roles) != 2102 {
		t.Errorf("%d roles, want 2102", len(got.Roles))
	}
}

func TestNameReadsSubrequestFailure(t *testing.T) {
	t.Parallel()
	// An org that cannot answer one of the queries (here: a query of an object it does not have) answers the
	// others; the failed one's read queries alone and reports what that query answers.
	psg := "FROM+PermissionSetGroup+"
	for _, tc := range []struct {
		name      string
		alsoAlone bool // the query alone fails too
	}{{"batch only", false}, {"alone too", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb, _ := startOrg(t, entitlementSeed(0))
			c := clientVia(t, sb, func(r *http.Request) {
				switch {
				case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/composite"):
					replaceInBody(r, psg, "FROM+NoSuchObject+")
				case tc.alsoAlone && strings.Contains(r.URL.RawQuery, psg):
					r.URL.RawQuery = strings.Replace(r.URL.RawQuery, psg, "FROM+NoSuchObject+", 1)
				}
			})
			got, err := readNames(t, c)
			reqs := dataRequests(sb, 0)
			if want := []string{compositeRoute, "GET /services/data/{version}/query " + map[bool]string{false: "PermissionSetGroup", true: "NoSuchObject"}[tc.alsoAlone]}; !reflect.DeepEqual(reqs, want) {
				t.Errorf("requests = %q, want %q", reqs, want)
			}
			if tc.alsoAlone {
				var apiErr *salesforce.APIError
				if !errors.As(err, &apiErr) || apiErr.Code != "INVALID_TYPE" || !strings.Contains(err.Error(), "NoSuchObject") {
					t.Fatalf("err = %v, want the query's own INVALID_TYPE", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := singleNames(t, c); !reflect.DeepEqual(got, want) {
				t.Errorf("reads differ from the single queries:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestNameReadsWithoutComposite(t *testing.T) {
	t.Parallel()
	// When the Composite request itself fails, every read queries alone, once.
	sb, _ := startOrg(t, entitlementSeed(0))
	c := clientVia(t, sb, func(r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/composite") {
			r.URL.Path += "-missing"
		}
	})
	got, err := readNames(t, c)
	if err != nil {
		t.Fatal(err)
	}
	var queries int
	for _, r := range dataRequests(sb, 0) {
		if strings.HasPrefix(r, "GET /services/data/{version}/query ") {
			queries++
		}
	}
	if queries != 5 {
		t.Errorf("requests = %q, want one query per read", dataRequests(sb, 0))
	}
	if want := singleNames(t, c); !reflect.DeepEqual(got, want) {
		t.Errorf("reads differ from the single queries:\n got %+v\nwant %+v", got, want)
	}
}

func TestNameReadsInParallelShareTheBatch(t *testing.T) {
	t.Parallel()
	// Resources plan in parallel: reads made while the batch is on its way wait for it.
	sb, c := startOrg(t, entitlementSeed(0))
	ctx := context.Background()
	reads := []func() error{
		func() error { _, err := c.Facts(ctx); return err },
		func() error { _, err := c.ListProfiles(ctx); return err },
		func() error { _, err := c.ListRoles(ctx); return err },
		func() error { _, err := c.ListPermissionSets(ctx); return err },
		func() error { _, err := c.ListPermissionSetGroups(ctx); return err },
	}
	errs := make(chan error, len(reads))
	for _, read := range reads {
		go func() { errs <- read() }()
	}
	for range reads {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if reqs := dataRequests(sb, 0); !reflect.DeepEqual(reqs, []string{compositeRoute}) {
		t.Errorf("requests = %q, want one Composite request", reqs)
	}
}

func TestNameReadsFailedSignInTriedOnce(t *testing.T) {
	t.Parallel()
	// A read whose sign-in fails reports it as its own query would, without a second token request for it.
	sb, _ := startOrg(t, entitlementSeed(0))
	o := sb.Info().Salesforce["qa"]
	c, err := salesforce.New(salesforce.Config{Alias: "qa", LoginURL: o.LoginURL, ClientID: o.ClientID, Username: "nobody@acme.qa",
		PrivateKey: o.PrivateKey, JWTAudience: o.JWTAudience, HTTPClient: transport.NewHTTPClient(transport.Config{Service: "salesforce"})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListProfiles(context.Background()); !errors.Is(err, salesforce.ErrAuth) {
		t.Fatalf("err = %v, want an authentication error", err)
	}
	var tokens int
	for _, e := range sb.Control().Journal() {
		if strings.Contains(e.Route, "oauth2/token") {
			tokens++
		}
	}
	if tokens != 1 || len(dataRequests(sb, 0)) != 0 {
		t.Errorf("%d token requests and data requests %q, want one token request and none other", tokens, dataRequests(sb, 0))
	}
}
