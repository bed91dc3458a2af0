// Package policy holds the rules that decide how users reach Salesforce through Okta: network zones, device
// assurance, sign-on policies and the Salesforce session policy.
package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

var (
	_ resource.Resource                   = (*networkZoneResource)(nil)
	_ resource.ResourceWithConfigure      = (*networkZoneResource)(nil)
	_ resource.ResourceWithImportState    = (*networkZoneResource)(nil)
	_ resource.ResourceWithValidateConfig = (*networkZoneResource)(nil)
)

// NewNetworkZoneResource returns the oktasf_network_zone resource.
func NewNetworkZoneResource() resource.Resource {
	return &networkZoneResource{ResourceWithConfigure: framework.NewResourceWithConfigure("network_zone", "Network Zone")}
}

type networkZoneResource struct {
	framework.ResourceWithConfigure
}

func (r *networkZoneResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Okta IP network zone: the gateway (and trusted proxy) addresses that sign-on policy rules name as a " +
			"network, or, with `usage = \"BLOCKLIST\"`, addresses Okta refuses outright. Entries are CIDR blocks, ranges (`a-b`) or " +
			"single addresses; Okta stores a single address as the range `a-a`, which reads back as written. " +
			"Deactivating (`active = false`) keeps the zone but rules no longer match it; destroy deactivates the zone, then deletes it " +
			"(a zone a policy rule still names cannot be deleted: the destroy fails and the zone is activated again, so rules that name it keep matching; an imported system zone, such as `BlockedIpZone`, is only removed from the state). " +
			"A create first looks for a zone with the same name: one equal to the plan is what an earlier create made when its answer " +
			"never reached the state, and is adopted; one that differs is refused, naming the differences. " +
			"Needs the OAuth scope `okta.networkZones.manage` (an API token needs an admin role that manages network zones).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The zone ID (`nzo…`).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "The zone's name, unique in the org (at most 128 characters).",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 128)}},
			"gateways": schema.ListAttribute{Required: true, ElementType: types.StringType,
				MarkdownDescription: "The addresses requests come from: CIDR blocks (`203.0.113.0/24`), ranges (`203.0.113.10-203.0.113.20`) " +
					"or single addresses, IPv4 or IPv6. At least one; at most 150 (1,000 in a blocklist zone). Order has no meaning to Okta: " +
					"a zone holding the same addresses in another order or spelling (`a` for `a-a`) shows no difference."},
			"proxies": schema.ListAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Trusted proxies that forward requests from the gateways, in the same forms as `gateways` (at most 150). " +
					"Omit for none; not allowed with `usage = \"BLOCKLIST\"`."},
			"usage": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(okta.ZonePolicy),
				MarkdownDescription: "`POLICY` (default): a zone sign-on policies refer to; `BLOCKLIST`: Okta blocks requests from it.",
				Validators:          []validator.String{stringvalidator.OneOf(okta.ZonePolicy, okta.ZoneBlocklist)}},
			"active": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the zone is active (default `true`); changed through Okta's lifecycle activate/deactivate calls."},
		},
	}
}

func (r *networkZoneResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, client, ok := framework.OpenOkta[networkZoneModel](ctx, r, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	// Look before create: a create whose answer was lost must not leave a second zone behind.
	zone := r.findCreatedZone(ctx, client, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if zone != nil {
		tflog.Info(ctx, "adopting the network zone an earlier create made (it equals the plan)", map[string]any{"id": zone.ID, "name": zone.Name})
	} else {
		z := &okta.NetworkZone{Status: plan.status()}
		expandZone(ctx, &plan, z, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		created, err := client.CreateNetworkZone(ctx, z)
		if err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Creating zone %q: %s", plan.Name.ValueString(), err))
			return
		}
		zone = created
	}
	// Save the id at once: if the activation below fails, the next apply updates this zone.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), zone.ID)...)
	if zone.Status != plan.status() { // Okta may ignore the status of a create
		var err error
		if zone, err = r.setStatus(ctx, client, zone.ID, plan.status()); err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Setting zone %q to %s: %s", plan.Name.ValueString(), plan.status(), err))
			return
		}
	}
	r.setState(ctx, zone, &plan, &resp.State, &resp.Diagnostics)
}

func (r *networkZoneResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, client, ok := framework.OpenOkta[networkZoneModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	zone, err := client.GetNetworkZone(ctx, state.ID.ValueString())
	if errors.Is(err, okta.ErrNotFound) {
		tflog.Debug(ctx, "network zone is gone from Okta; removing it from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(r.Summary(framework.OpRead), fmt.Sprintf("Reading zone %s: %s", state.ID.ValueString(), err))
		return
	}
	if zone.Type != okta.ZoneIP {
		resp.Diagnostics.AddAttributeError(path.Root("id"), r.Summary(framework.OpRead),
			fmt.Sprintf("Zone %s (%q) is a %s zone; oktasf_network_zone manages IP zones only. Remove it from the state (terraform state rm) or import an IP zone.",
				zone.ID, zone.Name, zone.Type))
		return
	}
	r.setState(ctx, zone, &state, &resp.State, &resp.Diagnostics)
}

func (r *networkZoneResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, client, ok := framework.OpenOkta[networkZoneModel](ctx, r, req.Plan, &resp.Diagnostics)
	state, read := framework.Get[networkZoneModel](ctx, req.State, &resp.Diagnostics)
	if !ok || !read {
		return
	}
	id := state.ID.ValueString()
	var zone *okta.NetworkZone
	var err error
	if !plan.Name.Equal(state.Name) || !plan.Usage.Equal(state.Usage) || !plan.Gateways.Equal(state.Gateways) || !plan.Proxies.Equal(state.Proxies) {
		zone, err = client.UpdateNetworkZone(ctx, id, func(z *okta.NetworkZone) { expandZone(ctx, &plan, z, &resp.Diagnostics) })
		if err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Updating zone %s: %s", id, err))
			return
		}
	}
	if !plan.Active.Equal(state.Active) || (zone != nil && zone.Status != plan.status()) {
		if zone, err = r.setStatus(ctx, client, id, plan.status()); err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Setting zone %s to %s: %s", id, plan.status(), err))
			return
		}
	}
	if zone == nil {
		if zone, err = client.GetNetworkZone(ctx, id); err != nil {
			resp.Diagnostics.AddError(r.Summary(framework.OpUpdate), fmt.Sprintf("Reading zone %s: %s", id, err))
			return
		}
	}
	plan.ID = state.ID
	r.setState(ctx, zone, &plan, &resp.State, &resp.Diagnostics)
}

func (r *networkZoneResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, client, ok := framework.OpenOkta[networkZoneModel](ctx, r, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	err := client.DeleteNetworkZone(ctx, state.ID.ValueString())
	if err == nil || errors.Is(err, okta.ErrNotFound) {
		return
	}
	if errors.Is(err, okta.ErrSystemZone) { // an imported system zone: Terraform stops managing it, Okta keeps it
		resp.Diagnostics.AddWarning("System Network Zone Kept",
			fmt.Sprintf("Zone %s (%q) is one of the zones every Okta org has, which Okta does not delete. It was removed from the state and left in Okta as it is.",
				state.ID.ValueString(), state.Name.ValueString()))
		return
	}
	if errors.Is(err, okta.ErrZoneInUse) { // the client's message names the zone, Okta's answer and the status it left
		resp.Diagnostics.AddError(r.Summary(framework.OpDelete), fmt.Sprintf("%s. A rule in this configuration that refers to this "+
			"resource's id is changed before the zone is destroyed; a rule made elsewhere (the Okta provider, the Admin Console) is not.", err))
		return
	}
	hint := ""
	if errors.Is(err, okta.ErrValidation) || errors.Is(err, okta.ErrConflict) {
		hint = " A zone that a policy rule still names cannot be deleted: remove it from the rule first."
	}
	resp.Diagnostics.AddError(r.Summary(framework.OpDelete), fmt.Sprintf("Deleting zone %s (%q): %s.%s", state.ID.ValueString(), state.Name.ValueString(), err, hint))
}

func (r *networkZoneResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if strings.TrimSpace(req.ID) == "" || strings.Contains(req.ID, "/") {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q: use the Okta zone ID (nzo…), shown in the Admin Console's URL of the zone or by GET /api/v1/zones.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// setStatus activates or deactivates zone id through Okta's lifecycle calls.
func (r *networkZoneResource) setStatus(ctx context.Context, client *okta.Client, id, status string) (*okta.NetworkZone, error) {
	if status == okta.ZoneActive {
		return client.ActivateNetworkZone(ctx, id)
	}
	return client.DeactivateNetworkZone(ctx, id)
}

func (r *networkZoneResource) setState(ctx context.Context, z *okta.NetworkZone, m *networkZoneModel, st *tfsdk.State, diags *diag.Diagnostics) {
	flattenZone(z, m)
	diags.Append(st.Set(ctx, m)...)
}

// findCreatedZone looks for zones with the planned name. The one that equals the plan (zoneDifferences) is a
// zone an earlier create made whose answer never reached the state: it is returned, to be adopted. A zone with
// the name that differs, or several that equal the plan, are an error naming what differs.
func (r *networkZoneResource) findCreatedZone(ctx context.Context, client *okta.Client, plan *networkZoneModel, diags *diag.Diagnostics) *okta.NetworkZone {
	name := plan.Name.ValueString()
	existing, err := client.FindNetworkZonesByName(ctx, name)
	if err != nil {
		diags.AddError(r.Summary(framework.OpCreate), fmt.Sprintf("Looking for zones named %q: %s", name, err))
		return nil
	}
	var same []*okta.NetworkZone
	var report strings.Builder
	for _, z := range existing {
		d := zoneDifferences(ctx, plan, z, diags)
		if len(d) == 0 && !z.System {
			same = append(same, z)
			continue
		}
		if z.System {
			d.Add("system", true, false)
		}
		fmt.Fprintf(&report, "\nZone %s differs from the plan:%s", z.ID, d)
	}
	switch {
	case len(same) == 1:
		return same[0]
	case len(same) > 1:
		ids := make([]string, len(same))
		for i, z := range same {
			ids[i] = z.ID
		}
		diags.AddAttributeError(path.Root("name"), "Network Zone Already Exists",
			fmt.Sprintf("Okta has %d zones named %q that each equal the plan (%s), so which one is this resource's cannot be told. %s Delete the others in Okta.",
				len(same), name, strings.Join(ids, ", "), framework.ImportHint("oktasf_network_zone", ids[0], "rename or delete it in Okta")))
	case len(existing) > 0:
		diags.AddAttributeError(path.Root("name"), "Network Zone Already Exists",
			fmt.Sprintf("Okta already has a zone named %q, and it differs from the plan, so it is not one an earlier apply of this configuration created.%s\n%s",
				name, report.String(), framework.ImportHint("oktasf_network_zone", existing[0].ID, "rename or delete it in Okta")))
	}
	return nil
}
