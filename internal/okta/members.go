package okta

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
	"github.com/oktasf/terraform-provider-oktasf/internal/transport"
)

// Maximum page sizes of the list endpoints below (Okta's documented limits).
const (
	groupMemberPageSize = 1000
	appUserPageSize     = 500
)

// GroupMember is an Okta user listed as a member of a group.
type GroupMember struct {
	ID, Login, Email, Status string
	Profile                  map[string]any
}

// ListGroupMembers reads every member of the group, 1000 per call. IDs are escaped at each SDK call: the SDK
// formats them into the path as they are, so "../apps/x" would read another endpoint.
func (c *Client) ListGroupMembers(ctx context.Context, groupID string) ([]GroupMember, error) {
	members, err := listAll(ctx, func(ctx context.Context) ([]*oktasdk.User, *oktasdk.Response, error) {
		return c.SDK.Group.ListGroupUsers(ctx, url.PathEscape(groupID), query.NewQueryParams(query.WithLimit(groupMemberPageSize)))
	}, memberFromSDK)
	if err != nil {
		return nil, fmt.Errorf("okta group %s members: %w", groupID, err)
	}
	return members, nil
}

func memberFromSDK(u *oktasdk.User) GroupMember {
	m := GroupMember{ID: u.Id, Status: u.Status, Profile: map[string]any{}}
	if u.Profile != nil {
		for k, v := range *u.Profile {
			m.Profile[k] = v
		}
		m.Login, _ = m.Profile["login"].(string)
		m.Email, _ = m.Profile["email"].(string)
	}
	return m
}

// AppUser is a user assigned to an app, directly (Scope USER) or through a group (Scope GROUP).
type AppUser struct {
	ID, UserName, Scope, Status string
	Profile                     map[string]any
}

// ListAppUsers reads every app user of the app, 500 per call.
func (c *Client) ListAppUsers(ctx context.Context, appID string) ([]AppUser, error) {
	users, err := listAll(ctx, func(ctx context.Context) ([]*oktasdk.AppUser, *oktasdk.Response, error) {
		return c.SDK.Application.ListApplicationUsers(ctx, url.PathEscape(appID), query.NewQueryParams(query.WithLimit(appUserPageSize)))
	}, appUserFromSDK)
	if err != nil {
		return nil, fmt.Errorf("okta app %s users: %w", appID, err)
	}
	return users, nil
}

func appUserFromSDK(u *oktasdk.AppUser) AppUser {
	out := AppUser{ID: u.Id, Scope: u.Scope, Status: u.Status, Profile: map[string]any{}}
	if u.Credentials != nil {
		out.UserName = u.Credentials.UserName
	}
	if p, ok := u.Profile.(map[string]any); ok {
		out.Profile = p
	}
	return out
}

// arrayProperties are app-user properties that hold lists; EnsureAppUserProperties creates every other name
// as a string.
var arrayProperties = map[string]bool{"salesforceGroups": true, "permissionSets": true, "permissionSetGroups": true}

// EnsureAppUserProperties makes sure the app's user schema has every named property: it reads the schema
// and posts one partial update adding the missing ones as custom properties, or nothing when none is missing.
func (c *Client) EnsureAppUserProperties(ctx context.Context, appID string, names ...string) error {
	if err := checkPropertyNames(names); err != nil {
		return err
	}
	path := appUserSchemaPath(appID)
	var schema struct {
		Definitions struct {
			Base   struct{ Properties map[string]any } `json:"base"`
			Custom struct{ Properties map[string]any } `json:"custom"`
		} `json:"definitions"`
	}
	if _, err := c.Raw(ctx, "GET", path, nil, &schema); err != nil {
		return fmt.Errorf("okta app %s user schema: %w", appID, err)
	}
	var missing []string
	for _, name := range names {
		_, inBase := schema.Definitions.Base.Properties[name]
		_, inCustom := schema.Definitions.Custom.Properties[name]
		if !inBase && !inCustom {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return c.addAppUserProperties(ctx, appID, missing)
}

// AddAppUserProperties adds every named property to the app's user schema as a custom property, in one
// partial update and without reading the schema first: for an app known to have none of them (a custom
// SAML app just created), since the update replaces a custom property of the same name and Okta refuses
// one that redefines a base property.
func (c *Client) AddAppUserProperties(ctx context.Context, appID string, names ...string) error {
	if err := checkPropertyNames(names); err != nil {
		return err
	}
	return c.addAppUserProperties(ctx, appID, names)
}

func checkPropertyNames(names []string) error {
	for _, name := range names {
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("%w: an app user property name is empty", ErrValidation)
		}
	}
	return nil
}

func appUserSchemaPath(appID string) string {
	return "/api/v1/meta/schemas/apps/" + url.PathEscape(appID) + "/default"
}

// addAppUserProperties posts one partial update of the app's user schema that defines names as custom
// properties: strings, or lists of strings for arrayProperties.
func (c *Client) addAppUserProperties(ctx context.Context, appID string, names []string) error {
	props := make(map[string]any, len(names))
	for _, name := range names {
		prop := map[string]any{"title": name, "type": "string", "scope": "NONE"}
		if arrayProperties[name] {
			prop["type"], prop["items"] = "array", map[string]any{"type": "string"}
		}
		props[name] = prop
	}
	body := map[string]any{"definitions": map[string]any{"custom": map[string]any{
		"id": "#custom", "type": "object", "properties": props,
	}}}
	// A partial schema update sets these properties; sending it again sets the same, so it may be replayed.
	if _, err := c.Raw(transport.WithIdempotent(ctx), "POST", appUserSchemaPath(appID), body, nil); err != nil {
		added := slices.Clone(names)
		sort.Strings(added)
		return fmt.Errorf("okta app %s user schema: add %s: %w", appID, strings.Join(added, ", "), err)
	}
	return nil
}
