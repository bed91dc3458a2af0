package provisioning

// The import ID's settings: what lives only in the configuration, carried as a URL query string so that the
// plan after an import is empty.

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/oktasf/terraform-provider-oktasf/internal/framework"
	"github.com/oktasf/terraform-provider-oktasf/internal/okta"
)

// importSettings are the settings of an import ID.
type importSettings struct {
	attributes map[string]string
	values     map[string]any // top-level string and bool attributes
	username   *usernameModel
	groups     []string // group IDs, or ["*"]; nil when group_mappings is not given
}

// parseImportSettings reads the URL query string of an import ID's settings; err completes "the settings …".
func parseImportSettings(q string) (importSettings, error) {
	vals, err := url.ParseQuery(q)
	if err != nil {
		return importSettings{}, fmt.Errorf("are not a URL query string: %w", err)
	}
	is := importSettings{attributes: map[string]string{}, values: map[string]any{}}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	oneOf := map[string][]string{"transport": {transportREST, transportSCIM}, "on_destroy": {onDestroyKeep, onDestroyDeactivate}}
	for _, k := range keys {
		if len(vals[k]) != 1 {
			return is, fmt.Errorf("give %s %d times", k, len(vals[k]))
		}
		v := vals[k][0]
		switch {
		case strings.HasPrefix(k, "attributes.") && len(k) > len("attributes."):
			is.attributes[strings.TrimPrefix(k, "attributes.")] = v
		case k == "username.source" || k == "username.suffix":
			if is.username == nil {
				is.username = &usernameModel{Source: types.StringValue("login"), Suffix: types.StringValue("")}
			}
			if k == "username.source" {
				is.username.Source = types.StringValue(v)
			} else {
				is.username.Suffix = types.StringValue(v)
			}
		case k == "create_users" || k == "update_users" || k == "deactivate_users" || k == "reactivate_users" || k == "adopt_existing":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return is, fmt.Errorf("give %s=%q, not true or false", k, v)
			}
			is.values[k] = b
		case k == "federation_id_source" || k == "default_profile":
			is.values[k] = v
		case oneOf[k] != nil:
			if !slices.Contains(oneOf[k], v) {
				return is, fmt.Errorf("give %s=%q, not one of %s", k, v, strings.Join(oneOf[k], ", "))
			}
			is.values[k] = v
		case k == "group_mappings":
			is.groups = []string{}
			for _, g := range strings.Split(v, ",") {
				if g = strings.TrimSpace(g); g != "" {
					is.groups = append(is.groups, g)
				}
			}
			if len(is.groups) == 0 || (slices.Contains(is.groups, "*") && len(is.groups) > 1) {
				return is, fmt.Errorf("give group_mappings=%q, not group IDs separated by commas or *", v)
			}
		default:
			return is, fmt.Errorf("name %q, which is none of attributes.<Field>, username.source, username.suffix, create_users, update_users, "+
				"deactivate_users, reactivate_users, adopt_existing, federation_id_source, default_profile, transport, on_destroy, group_mappings", k)
		}
	}
	return is, nil
}

// importedGroupMappings is group_mappings of an import ID's groups ("*": every group assigned to the app),
// with the profile and role Okta assigns each group.
func (e *engine) importedGroupMappings(ctx context.Context, appID string, groups []string) (types.Set, error) {
	assigned, err := e.assignments(ctx, appID)
	if err != nil {
		return types.Set{}, fmt.Errorf("listing the group assignments of Okta app %s: %w", appID, err)
	}
	byGroup := map[string]okta.AppGroupAssignment{}
	for _, a := range assigned {
		byGroup[a.GroupID] = a
	}
	if slices.Equal(groups, []string{"*"}) {
		groups = groups[:0]
		for _, a := range assigned {
			groups = append(groups, a.GroupID)
		}
	}
	optional := func(v string) types.String {
		if v == "" {
			return types.StringNull()
		}
		return types.StringValue(v)
	}
	mappings := make([]groupMappingModel, 0, len(groups))
	for _, g := range groups {
		a, ok := byGroup[g]
		if !ok {
			return types.Set{}, fmt.Errorf("the import ID names group %s in group_mappings, but Okta does not assign it to app %s", g, appID)
		}
		mappings = append(mappings, groupMappingModel{GroupID: types.StringValue(g),
			Profile: optional(valueString(a.Profile[appUserProfileKey])), Role: optional(valueString(a.Profile[appUserRoleKey]))})
	}
	set, diags := types.SetValueFrom(ctx, framework.ObjectType[groupMappingModel](), mappings)
	if diags.HasError() {
		return set, fmt.Errorf("group_mappings: %v", diags)
	}
	return set, nil
}
