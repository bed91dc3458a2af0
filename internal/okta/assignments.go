package okta

import (
	"context"
	"fmt"
	"net/url"
	"time"

	oktasdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// appGroupPageSize is the maximum page size of GET /api/v1/apps/{appId}/groups.
const appGroupPageSize = 200

// AppGroupAssignment is a group assigned to an app; Profile is the app-user profile its members get, and the
// lowest Priority wins for users in several assigned groups.
type AppGroupAssignment struct {
	GroupID     string
	Priority    int
	Profile     map[string]any
	LastUpdated time.Time
}

// ListAppGroupAssignments reads every group assignment of the app, 200 per call.
func (c *Client) ListAppGroupAssignments(ctx context.Context, appID string) ([]AppGroupAssignment, error) {
	return listAll(ctx, func(ctx context.Context) ([]*oktasdk.ApplicationGroupAssignment, *oktasdk.Response, error) {
		return c.SDK.Application.ListApplicationGroupAssignments(ctx, url.PathEscape(appID), query.NewQueryParams(query.WithLimit(appGroupPageSize)))
	}, assignmentFromSDK)
}

// GetAppGroupAssignment reads one assignment; an unassigned group (or unknown app) is ErrNotFound.
func (c *Client) GetAppGroupAssignment(ctx context.Context, appID, groupID string) (*AppGroupAssignment, error) {
	a, resp, err := c.SDK.Application.GetApplicationGroupAssignment(ctx, url.PathEscape(appID), url.PathEscape(groupID), nil)
	if err != nil {
		return nil, fmt.Errorf("okta app %s group %s: %w", appID, groupID, ConvertError(resp, err))
	}
	out := assignmentFromSDK(a)
	return &out, nil
}

// SetAppGroupAssignment creates or replaces (PUT) the assignment. A nil priority lets Okta choose (the next
// priority for a new assignment); priority 0 is sent explicitly because the SDK omits a zero Priority.
// The profile replaces the previous one; nil sends none, which Okta stores as {}.
func (c *Client) SetAppGroupAssignment(ctx context.Context, appID, groupID string, priority *int, profile map[string]any) (*AppGroupAssignment, error) {
	body := oktasdk.ApplicationGroupAssignment{}
	if priority != nil {
		p := int64(*priority)
		body.PriorityPtr = &p
	}
	if profile != nil {
		body.Profile = profile
	}
	a, resp, err := c.SDK.Application.CreateApplicationGroupAssignment(ctx, url.PathEscape(appID), url.PathEscape(groupID), body)
	if err != nil {
		return nil, fmt.Errorf("okta assign group %s to app %s: %w", groupID, appID, ConvertError(resp, err))
	}
	out := assignmentFromSDK(a)
	return &out, nil
}

// DeleteAppGroupAssignment unassigns the group; an assignment already gone is ErrNotFound.
func (c *Client) DeleteAppGroupAssignment(ctx context.Context, appID, groupID string) error {
	resp, err := c.SDK.Application.DeleteApplicationGroupAssignment(ctx, url.PathEscape(appID), url.PathEscape(groupID))
	if err != nil {
		return fmt.Errorf("okta unassign group %s from app %s: %w", groupID, appID, ConvertError(resp, err))
	}
	return nil
}

func assignmentFromSDK(a *oktasdk.ApplicationGroupAssignment) AppGroupAssignment {
	out := AppGroupAssignment{GroupID: a.Id, Priority: int(a.Priority), Profile: map[string]any{}}
	if a.PriorityPtr != nil {
		out.Priority = int(*a.PriorityPtr)
	}
	if p, ok := a.Profile.(map[string]any); ok {
		out.Profile = p
	}
	if a.LastUpdated != nil {
		out.LastUpdated = *a.LastUpdated
	}
	return out
}
