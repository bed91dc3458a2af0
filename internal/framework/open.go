package framework

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/conns"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// Source is a request's plan, configuration or state (tfsdk.Plan, tfsdk.Config, tfsdk.State).
type Source interface {
	Get(ctx context.Context, target any) diag.Diagnostics
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// Get reads src into a new M; false when that failed (the diagnostics say why).
func Get[M any](ctx context.Context, src Source, diags *diag.Diagnostics) (M, bool) {
	var m M
	d := src.Get(ctx, &m)
	diags.Append(d...)
	return m, !d.HasError()
}

// OpenOkta is the opening of a CRUD method (or a data source's Read) on an Okta object: it reads src (the
// plan, the state or the configuration) and returns it with the Okta client; false when either is missing.
func OpenOkta[M any](ctx context.Context, r Configured, src Source, diags *diag.Diagnostics) (M, *okta.Client, bool) {
	m, ok := Get[M](ctx, src, diags)
	client := r.Clients().OktaClient(diags)
	return m, client, ok && client != nil
}

// OpenOrg is the opening of a CRUD method (or a data source's Read) on a Salesforce object: it reads src
// and resolves the org its salesforce_org names; false when either failed.
func OpenOrg[M any](ctx context.Context, r Configured, src Source, diags *diag.Diagnostics) (M, *conns.Org, bool) {
	m, ok := Get[M](ctx, src, diags)
	if !ok {
		return m, nil, false
	}
	var alias types.String
	if d := src.GetAttribute(ctx, OrgAttribute, &alias); d.HasError() {
		diags.Append(d...)
		return m, nil, false
	}
	org := r.Clients().ResolveOrg(alias.ValueString(), OrgAttribute, diags)
	return m, org, org != nil
}

// Plan is what the opening of ModifyPlan gathered.
type Plan[M any] struct {
	Plan   M  // the proposed plan, its salesforce_org set to the resolved org's alias
	Config M  // the configuration
	State  *M // the prior state; nil when the resource is to be created
	Org    *conns.Org
}

// OpenPlan is the opening of ModifyPlan for a resource with a salesforce_org attribute. It returns false,
// and the plan stays as Terraform proposed it, on destroy, before the provider is configured (Terraform
// validates before it configures), while the configured salesforce_org is unknown, and when the org cannot
// be resolved or a value not read (the diagnostics say why). Otherwise the response's plan already holds
// the org's alias, and the resource sets the plan it changed with resp.Plan.Set.
func OpenPlan[M any](ctx context.Context, r Configured, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) (*Plan[M], bool) {
	if req.Plan.Raw.IsNull() || r.Clients() == nil {
		return nil, false
	}
	var alias types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, OrgAttribute, &alias)...)
	if resp.Diagnostics.HasError() || alias.IsUnknown() {
		return nil, false
	}
	org := r.Clients().ResolveOrg(alias.ValueString(), OrgAttribute, &resp.Diagnostics)
	if org == nil {
		return nil, false
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, OrgAttribute, org.Alias)...)
	p := &Plan[M]{Org: org}
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &p.Plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &p.Config)...)
	if !req.State.Raw.IsNull() {
		p.State = new(M)
		resp.Diagnostics.Append(req.State.Get(ctx, p.State)...)
	}
	return p, !resp.Diagnostics.HasError()
}
