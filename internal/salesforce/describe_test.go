package salesforce

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// describeOrg serves the token endpoint and GET …/sobjects/{type}/describe from testdata; failFirst answers
// the first describe with 403 INSUFFICIENT_ACCESS.
type describeOrg struct {
	srv       *httptest.Server
	describes atomic.Int32
	failFirst bool
	paths     sync.Map // request path → true
}

func newDescribeOrg(t *testing.T, failFirst bool) (*describeOrg, *Client) {
	t.Helper()
	body, err := os.ReadFile("testdata/describe_user.json")
	if err != nil {
		t.Fatal(err)
	}
	o := &describeOrg{failFirst: failFirst}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.paths.Store(r.URL.Path, true)
		switch {
		case r.URL.Path == "/services/oauth2/token":
			writeJSON(w, 200, map[string]string{"access_token": "00Dtok", "instance_url": o.srv.URL, "token_type": "Bearer",
				"id": "https://login.salesforce.com/id/" + fakeOrgID + "/" + fakeUserID})
		case r.Header.Get("Authorization") != "Bearer 00Dtok":
			writeJSON(w, 401, []map[string]any{{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}})
		case r.Method == http.MethodGet && strings.EqualFold(r.URL.Path, "/services/data/v63.0/sobjects/User/describe"): // object names are case-insensitive
			if n := o.describes.Add(1); n == 1 && o.failFirst {
				writeJSON(w, 403, []map[string]any{{"message": "insufficient access rights on object id", "errorCode": "INSUFFICIENT_ACCESS"}})
				return
			}
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			_, _ = w.Write(body)
		default:
			writeJSON(w, 404, []map[string]any{{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}})
		}
	}))
	t.Cleanup(o.srv.Close)
	c, err := New(Config{Alias: "test", LoginURL: o.srv.URL, ClientID: fakeKey, ClientSecret: fakeSecret, HTTPClient: o.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return o, c
}

func TestDescribeDecodesFields(t *testing.T) {
	t.Parallel()
	_, c := newDescribeOrg(t, false)
	d, err := c.Describe(context.Background(), "User")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "User" || len(d.Fields) != 21 {
		t.Fatalf("describe = %s with %d fields, want User with 21", d.Name, len(d.Fields))
	}
	cases := []struct {
		name                                   string
		wantName, wantType                     string
		createable, updateable, nillable, dflt bool
		length                                 int
		refs                                   string
		picklist                               string // value:active pairs
	}{
		{name: "username", wantName: "Username", wantType: "string", createable: true, updateable: true, length: 80},
		{name: "NAME", wantName: "Name", wantType: "string", length: 121},
		{name: "FirstName", wantName: "FirstName", wantType: "string", createable: true, updateable: true, nillable: true, length: 40},
		{name: "communitynickname", wantName: "CommunityNickname", wantType: "string", createable: true, updateable: true, dflt: true, length: 40},
		{name: "ProfileId", wantName: "ProfileId", wantType: "reference", createable: true, updateable: true, length: 18, refs: "Profile"},
		{name: "LocaleSidKey", wantName: "LocaleSidKey", wantType: "picklist", createable: true, updateable: true, length: 40,
			picklist: "en_US:true en_GB:true de_DE:true fr_FR:true ja_JP:true en_ZZ:false"},
		{name: "Region__c", wantName: "Region__c", wantType: "multipicklist", createable: true, updateable: true, nillable: true, length: 4099,
			picklist: "EMEA:true AMER:true APAC:true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, ok := d.Field(tc.name)
			if !ok {
				t.Fatalf("Field(%q) not found", tc.name)
			}
			var pl []string
			for _, p := range f.PicklistValues {
				pl = append(pl, p.Value+":"+map[bool]string{true: "true", false: "false"}[p.Active])
			}
			if f.Name != tc.wantName || f.Type != tc.wantType || f.Createable != tc.createable || f.Updateable != tc.updateable ||
				f.Nillable != tc.nillable || f.DefaultedOnCreate != tc.dflt || f.Length != tc.length ||
				strings.Join(f.ReferenceTo, ",") != tc.refs || strings.Join(pl, " ") != tc.picklist {
				t.Errorf("Field(%q) = %+v", tc.name, *f)
			}
		})
	}
	if f, _ := d.Field("LocaleSidKey"); f.PicklistValues[0].Label != "English (United States)" {
		t.Errorf("picklist label = %q", f.PicklistValues[0].Label)
	}
	if _, ok := d.Field("NoSuchField__c"); ok {
		t.Error("Field found a field that does not exist")
	}
}

// Many plans asking at once cost one request; the answer is shared.
func TestDescribeIsMemoizedPerClient(t *testing.T) {
	t.Parallel()
	o, c := newDescribeOrg(t, false)
	var wg sync.WaitGroup
	results := make([]*SObjectDescribe, 16)
	errs := make([]error, len(results))
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "User"
			if i%2 == 1 {
				name = "user" // the same object, however spelt
			}
			results[i], errs[i] = c.Describe(context.Background(), name)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if results[i] != results[0] {
			t.Fatalf("call %d got a different describe", i)
		}
	}
	if n := o.describes.Load(); n != 1 {
		t.Fatalf("%d describe requests for 16 calls, want 1", n)
	}
	// A second client of the same org has its own cache.
	other, err := New(Config{Alias: "other", LoginURL: o.srv.URL, ClientID: fakeKey, ClientSecret: fakeSecret, HTTPClient: o.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Describe(context.Background(), "User"); err != nil {
		t.Fatal(err)
	}
	if n := o.describes.Load(); n != 2 {
		t.Fatalf("%d describe requests after a second client's call, want 2", n)
	}
}

func TestDescribeErrors(t *testing.T) {
	t.Parallel()
	t.Run("failure is not remembered", func(t *testing.T) {
		t.Parallel()
		o, c := newDescribeOrg(t, true)
		_, err := c.Describe(context.Background(), "User")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != "INSUFFICIENT_ACCESS" || !strings.Contains(err.Error(), "describe User") {
			t.Fatalf("first call error = %v, want INSUFFICIENT_ACCESS naming the object", err)
		}
		if _, err := c.Describe(context.Background(), "User"); err != nil {
			t.Fatalf("second call: %v", err)
		}
		if n := o.describes.Load(); n != 2 {
			t.Fatalf("%d requests, want 2 (the failure is retried)", n)
		}
	})
	t.Run("unknown object", func(t *testing.T) {
		t.Parallel()
		_, c := newDescribeOrg(t, false)
		if _, err := c.Describe(context.Background(), "NoSuchObject__c"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("error = %v, want ErrNotFound", err)
		}
	})
	t.Run("name that is not an API name", func(t *testing.T) {
		t.Parallel()
		o, c := newDescribeOrg(t, false)
		for _, name := range []string{"", "User/../Account", "User?x=1", "1User"} {
			if _, err := c.Describe(context.Background(), name); !errors.Is(err, ErrValidation) {
				t.Errorf("Describe(%q) error = %v, want ErrValidation", name, err)
			}
		}
		o.paths.Range(func(k, _ any) bool { t.Errorf("request sent: %v", k); return true })
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		t.Parallel()
		_, c := newDescribeOrg(t, false)
		entry := describesOf(c).entry("User")
		entry.slot <- struct{}{} // another caller holds the object's slot
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.Describe(ctx, "User"); !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v, want context.Canceled", err)
		}
		<-entry.slot
	})
}
