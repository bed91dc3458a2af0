package provider

import (
	"context"
	"strings"
	"testing"

	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// providerBlock is a provider block for the protocol server: the okta attributes (nil: no okta block), the
// okta scopes, and the salesforce orgs' attributes by alias (nil: no map).
type providerBlock struct {
	okta   map[string]string
	scopes []string
	orgs   map[string]map[string]string
}

// protocolServer serves the provider with getenv as its environment, as terraform would reach it.
func protocolServer(t *testing.T, getenv func(string) string) (tfprotov6.ProviderServer, tftypes.Object) {
	t.Helper()
	p := &oktasfProvider{version: "test", getenv: getenv}
	var sr fwprovider.SchemaResponse
	p.Schema(context.Background(), fwprovider.SchemaRequest{}, &sr)
	typ, ok := sr.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		t.Fatal("the provider schema is not an object")
	}
	srv, err := providerserver.NewProtocol6WithError(p)()
	if err != nil {
		t.Fatal(err)
	}
	return srv, typ
}

func (b providerBlock) config(t *testing.T, typ tftypes.Object) *tfprotov6.DynamicValue {
	t.Helper()
	oktaType := typ.AttributeTypes["okta"].(tftypes.Object)
	sfType := typ.AttributeTypes["salesforce"].(tftypes.Map)
	oktaValue := tftypes.NewValue(oktaType, nil)
	if b.okta != nil {
		oktaValue = objectValue(oktaType, b.okta, b.scopes)
	}
	sfValue := tftypes.NewValue(sfType, nil)
	if b.orgs != nil {
		orgs := map[string]tftypes.Value{}
		for alias, attrs := range b.orgs {
			orgs[alias] = objectValue(sfType.ElementType.(tftypes.Object), attrs, nil)
		}
		sfValue = tftypes.NewValue(sfType, orgs)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, map[string]tftypes.Value{"okta": oktaValue, "salesforce": sfValue}))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// objectValue sets the named string attributes (and scopes, when the object has them); the rest are null.
func objectValue(typ tftypes.Object, attrs map[string]string, scopes []string) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		switch v, ok := attrs[name]; {
		case name == "scopes" && scopes != nil:
			elems := make([]tftypes.Value, len(scopes))
			for i, sc := range scopes {
				elems[i] = tftypes.NewValue(tftypes.String, sc)
			}
			vals[name] = tftypes.NewValue(at, elems)
		case ok:
			vals[name] = tftypes.NewValue(at, v)
		default:
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(typ, vals)
}

// validateBlock runs what terraform runs at validate and plan: the schema's validators and ValidateConfig.
func validateBlock(t *testing.T, b providerBlock, getenv func(string) string) []*tfprotov6.Diagnostic {
	t.Helper()
	srv, typ := protocolServer(t, getenv)
	resp, err := srv.ValidateProviderConfig(context.Background(), &tfprotov6.ValidateProviderConfigRequest{Config: b.config(t, typ)})
	if err != nil {
		t.Fatal(err)
	}
	return errorsOf(resp.Diagnostics)
}

// configureBlock runs Configure, which builds the Okta and Salesforce clients from the resolved settings.
func configureBlock(t *testing.T, b providerBlock, getenv func(string) string) []*tfprotov6.Diagnostic {
	t.Helper()
	srv, typ := protocolServer(t, getenv)
	resp, err := srv.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.12.0", Config: b.config(t, typ)})
	if err != nil {
		t.Fatal(err)
	}
	return errorsOf(resp.Diagnostics)
}

func errorsOf(diags []*tfprotov6.Diagnostic) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			out = append(out, d)
		}
	}
	return out
}

func describe(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString("\n  " + d.Summary + ": " + d.Detail)
		if d.Attribute != nil {
			b.WriteString(" [at " + d.Attribute.String() + "]")
		}
	}
	return b.String()
}

func attrPath(steps ...any) *tftypes.AttributePath {
	p := tftypes.NewAttributePath()
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			p = p.WithAttributeName(s)
		case tftypes.ElementKeyString:
			p = p.WithElementKeyString(string(s))
		}
	}
	return p
}

// TestValidateProviderConfig_staticRules checks that a conflict or a half pair the provider block shows by
// itself is refused once, by the schema, at the attribute that carries the rule: the code's own check of the
// same pair (kept for environment variables, which the schema cannot see) stays silent. (Setting one
// Salesforce pair half also trips the other rule: client_secret with username is a conflict and a username
// without private_key.)
func TestValidateProviderConfig_staticRules(t *testing.T) {
	t.Parallel()
	pkcs1, _ := testKeys(t)
	prod := tftypes.ElementKeyString("prod")
	org := func(extra map[string]string) map[string]map[string]string {
		o := map[string]string{"login_url": "https://acme.my.salesforce.com", "client_id": "3MVG"}
		for k, v := range extra {
			o[k] = v
		}
		return map[string]map[string]string{"prod": o}
	}
	oktaToken := func(extra map[string]string) map[string]string {
		o := map[string]string{"org_url": "https://acme.okta.com", "api_token": "tok"}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	tests := []struct {
		name   string
		block  providerBlock
		path   *tftypes.AttributePath
		detail string
	}{
		{"okta org_url and org_name", providerBlock{okta: oktaToken(map[string]string{"org_name": "acme"})},
			attrPath("okta", "org_url"), `Attribute "okta.org_name" cannot be specified when "okta.org_url" is specified`},
		{"okta org_url and base_url", providerBlock{okta: oktaToken(map[string]string{"base_url": "okta.com"})},
			attrPath("okta", "org_url"), `Attribute "okta.base_url" cannot be specified when "okta.org_url" is specified`},
		{"okta api_token and client_id", providerBlock{okta: oktaToken(map[string]string{"client_id": "0oa1"})},
			attrPath("okta", "api_token"), `Attribute "okta.client_id" cannot be specified when "okta.api_token" is specified`},
		{"okta api_token and private_key", providerBlock{okta: oktaToken(map[string]string{"private_key": pkcs1})},
			attrPath("okta", "api_token"), `Attribute "okta.private_key" cannot be specified when "okta.api_token" is specified`},
		{"okta api_token and private_key_id", providerBlock{okta: oktaToken(map[string]string{"private_key_id": "kid1"})},
			attrPath("okta", "api_token"), `Attribute "okta.private_key_id" cannot be specified when "okta.api_token" is specified`},
		{"okta api_token and scopes", providerBlock{okta: oktaToken(nil), scopes: []string{"okta.groups.read"}},
			attrPath("okta", "api_token"), `Attribute "okta.scopes" cannot be specified when "okta.api_token" is specified`},
		{"salesforce client_secret and username", providerBlock{orgs: org(map[string]string{"client_secret": "s", "username": "u@acme.example", "private_key": pkcs1})},
			attrPath("salesforce", prod, "client_secret"), `Attribute "salesforce[\"prod\"].username" cannot be specified when "salesforce[\"prod\"].client_secret" is specified`},
		{"salesforce username without private_key", providerBlock{orgs: org(map[string]string{"username": "u@acme.example"})},
			attrPath("salesforce", prod, "username"), `Attribute "salesforce[\"prod\"].private_key" must be specified when "salesforce[\"prod\"].username" is specified`},
		{"salesforce private_key without username", providerBlock{orgs: org(map[string]string{"private_key": pkcs1})},
			attrPath("salesforce", prod, "private_key"), `Attribute "salesforce[\"prod\"].username" must be specified when "salesforce[\"prod\"].private_key" is specified`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := validateBlock(t, tt.block, noEnv)
			var found int
			for _, d := range errs {
				if d.Summary != "Invalid Attribute Combination" {
					t.Errorf("the code repeats what the schema reports: %s: %s", d.Summary, d.Detail)
				}
				if strings.Contains(d.Detail, tt.detail) && d.Attribute.Equal(tt.path) {
					found++
				}
			}
			if found != 1 {
				t.Fatalf("want the error %s once at %s; got:%s", tt.detail, tt.path, describe(errs))
			}
		})
	}
}

// A valid block passes the schema and ValidateConfig with no error (the rules above are not refusing
// everything).
func TestValidateProviderConfig_validBlock(t *testing.T) {
	t.Parallel()
	pkcs1, pkcs8 := testKeys(t)
	b := providerBlock{
		okta:   map[string]string{"org_url": "https://acme.okta.com", "client_id": "0oa1", "private_key": pkcs8, "private_key_id": "kid1"},
		scopes: []string{"okta.groups.read"},
		orgs: map[string]map[string]string{
			"prod": {"login_url": "https://acme.my.salesforce.com", "client_id": "3MVG", "username": "u@acme.example", "private_key": pkcs1},
			"uat":  {"login_url": "https://acme--uat.sandbox.my.salesforce.com", "client_id": "3MVG", "client_secret": "s"},
		},
	}
	if errs := validateBlock(t, b, noEnv); len(errs) != 0 {
		t.Fatalf("a valid block is refused:%s", describe(errs))
	}
	if errs := configureBlock(t, b, noEnv); len(errs) != 0 {
		t.Fatalf("a valid block fails Configure:%s", describe(errs))
	}
}
