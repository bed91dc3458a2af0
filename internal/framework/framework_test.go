package framework

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
	"github.com/oktasf/terraform-provider-oktasf/internal/salesforce"
)

type testModel struct {
	SalesforceOrg types.String `tfsdk:"salesforce_org"`
	Name          types.String `tfsdk:"name"`
}

var testSchema = schema.Schema{Attributes: map[string]schema.Attribute{
	"salesforce_org": schema.StringAttribute{Optional: true, Computed: true},
	"name":           schema.StringAttribute{Optional: true},
}}

// value is a testModel as Terraform sends it; nil org or name is null, "?" unknown.
func value(org, name any) tftypes.Value {
	str := func(v any) tftypes.Value {
		if v == "?" {
			return tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
		}
		return tftypes.NewValue(tftypes.String, v)
	}
	typ := testSchema.Type().TerraformType(context.Background())
	return tftypes.NewValue(typ, map[string]tftypes.Value{"salesforce_org": str(org), "name": str(name)})
}

func configured(clients *conns.Clients) *ResourceWithConfigure {
	r := NewResourceWithConfigure("thing", "Thing")
	var resp resource.ConfigureResponse
	r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: clients}, &resp)
	return &r
}

func oneOrg() *conns.Clients {
	return &conns.Clients{Okta: new(okta.Client), Salesforce: map[string]*salesforce.Client{"qa": new(salesforce.Client)}}
}

func TestBase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := configured(oneOrg())
	var meta resource.MetadataResponse
	r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "oktasf"}, &meta)
	if meta.TypeName != "oktasf_thing" || r.Summary(OpCreate) != "Unable to Create Thing" {
		t.Errorf("type name %q, summary %q", meta.TypeName, r.Summary(OpCreate))
	}
	d := NewDataSourceWithConfigure("thing", "Thing")
	var dsMeta datasource.MetadataResponse
	d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "oktasf"}, &dsMeta)
	var dsResp datasource.ConfigureResponse
	d.Configure(ctx, datasource.ConfigureRequest{ProviderData: "not clients"}, &dsResp)
	if dsMeta.TypeName != "oktasf_thing" || !dsResp.Diagnostics.HasError() || d.Clients() != nil {
		t.Errorf("data source: type name %q, configure %v", dsMeta.TypeName, dsResp.Diagnostics)
	}
	var diags diag.Diagnostics
	if org := r.Org("", &diags); org == nil || org.Alias != "qa" || org.Reads == nil || r.Okta(&diags) == nil || diags.HasError() {
		t.Errorf("Org(\"\") = %+v, %v", org, diags)
	}
	if org := r.Org("prod", &diags); org != nil || !strings.Contains(diagText(diags), "Unknown Salesforce org alias") {
		t.Errorf("Org(prod) = %+v, %v", org, diags)
	}
}

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

func TestOpenPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	null := tftypes.NewValue(testSchema.Type().TerraformType(ctx), nil)
	cases := []struct {
		name                  string
		clients               *conns.Clients
		plan, config, state   tftypes.Value
		wantOpen              bool
		wantError             string // "" for none
		wantOrg, wantPlanName string
	}{
		{"destroy", oneOrg(), null, null, value("qa", "x"), false, "", "", ""},
		{"not configured yet", nil, value("?", "x"), value(nil, "x"), null, false, "", "", ""},
		{"org unknown", oneOrg(), value("?", "x"), value("?", "x"), null, false, "", "", ""},
		{"unknown alias", oneOrg(), value("prod", "x"), value("prod", "x"), null, false, "Unknown Salesforce org alias", "", ""},
		{"create, the only org", oneOrg(), value("?", "x"), value(nil, "x"), null, true, "", "qa", "x"},
		{"update", oneOrg(), value("qa", "y"), value("qa", "y"), value("qa", "x"), true, "", "qa", "y"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := configured(tc.clients)
			req := resource.ModifyPlanRequest{Plan: tfsdk.Plan{Schema: testSchema, Raw: tc.plan},
				Config: tfsdk.Config{Schema: testSchema, Raw: tc.config}, State: tfsdk.State{Schema: testSchema, Raw: tc.state}}
			resp := resource.ModifyPlanResponse{Plan: req.Plan}
			p, ok := OpenPlan[testModel](ctx, r, req, &resp)
			if ok != tc.wantOpen || (tc.wantError == "") == resp.Diagnostics.HasError() || !strings.Contains(diagText(resp.Diagnostics), tc.wantError) {
				t.Fatalf("open = %v, %v; want %v and error %q", ok, resp.Diagnostics, tc.wantOpen, tc.wantError)
			}
			if !ok {
				if !resp.Plan.Raw.Equal(tc.plan) {
					t.Error("a plan not opened was changed")
				}
				return
			}
			var saved types.String
			resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, OrgAttribute, &saved)...)
			if p.Org.Alias != tc.wantOrg || p.Plan.SalesforceOrg.ValueString() != tc.wantOrg || saved.ValueString() != tc.wantOrg ||
				p.Plan.Name.ValueString() != tc.wantPlanName || (p.State == nil) != tc.state.IsNull() {
				t.Errorf("plan %+v, state %v, org %+v, saved org %s", p.Plan, p.State, p.Org, saved)
			}
		})
	}
}

func TestOpenCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	state := tfsdk.State{Schema: testSchema, Raw: value("qa", "x")}

	var diags diag.Diagnostics
	m, org, ok := OpenOrg[testModel](ctx, configured(oneOrg()), state, &diags)
	if !ok || m.Name.ValueString() != "x" || org.Alias != "qa" || diags.HasError() {
		t.Errorf("OpenOrg = %+v, %+v, %v (%v)", m, org, ok, diags)
	}
	noOkta := oneOrg()
	noOkta.Okta = nil
	m, client, ok := OpenOkta[testModel](ctx, configured(noOkta), state, &diags)
	if ok || client != nil || m.Name.ValueString() != "x" || !strings.Contains(diagText(diags), "Okta is not configured") {
		t.Errorf("OpenOkta without Okta = %+v, %v, %v (%v)", m, client, ok, diags)
	}
}
