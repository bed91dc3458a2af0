package okta

import (
	"context"
	"fmt"
	"strconv"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// groupPageSize is the page size for group lists; Okta allows up to 10000, 200 keeps pages light.
const groupPageSize = 200

// Group is the part of an Okta group the provider uses.
type Group struct {
	ID          string
	Name        string
	Description string
	Type        string // OKTA_GROUP, APP_GROUP or BUILT_IN
	MemberCount int64  // from expand=stats (_embedded.stats.usersCount)
}

// FindGroupByName returns the group whose name is exactly name. The q parameter is a prefix search,
// so every page is read and filtered; several exact matches are a conflict, none is ErrNotFound.
func (c *Client) FindGroupByName(ctx context.Context, name string) (*Group, error) {
	groups, err := c.listGroups(ctx, &query.Params{Q: name, Expand: "stats", Limit: groupPageSize})
	if err != nil {
		return nil, err
	}
	var matches []*Group
	for _, g := range groups {
		if g.Name == name {
			matches = append(matches, g)
		}
	}
	switch len(matches) {
	case 0:
		return nil, fmt.Errorf("okta group named %q: %w", name, ErrNotFound)
	case 1:
		return matches[0], nil
	default:
		return nil, fmt.Errorf("okta group name %q is ambiguous: %d groups (%s, %s, …) have it: %w",
			name, len(matches), matches[0].ID, matches[1].ID, ErrConflict)
	}
}

// GetGroup reads one group with its member count; a filter on id is used because only the list
// endpoint supports expand=stats.
func (c *Client) GetGroup(ctx context.Context, id string) (*Group, error) {
	groups, err := c.listGroups(ctx, &query.Params{Filter: `id eq "` + id + `"`, Expand: "stats"})
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, fmt.Errorf("okta group %s: %w", id, ErrNotFound)
}

// listGroups reads every page of GET /api/v1/groups.
func (c *Client) listGroups(ctx context.Context, qp *query.Params) ([]*Group, error) {
	return listAll(ctx, func(ctx context.Context) ([]*oktasdk.Group, *oktasdk.Response, error) {
		return c.SDK.Group.ListGroups(ctx, qp)
	}, groupFromSDK)
}

func groupFromSDK(g *oktasdk.Group) *Group {
	out := &Group{ID: g.Id, Type: g.Type}
	if g.Profile != nil {
		out.Name = g.Profile.Name
		out.Description = g.Profile.Description
	}
	out.MemberCount = usersCount(g.Embedded)
	return out
}

// usersCount digs _embedded.stats.usersCount out of the SDK's untyped embedded map.
func usersCount(embedded any) int64 {
	m, _ := embedded.(map[string]any)
	stats, _ := m["stats"].(map[string]any)
	switch n := stats["usersCount"].(type) {
	case float64:
		return int64(n)
	case string:
		v, _ := strconv.ParseInt(n, 10, 64)
		return v
	}
	return 0
}
